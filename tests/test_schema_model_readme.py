"""README's "Contracts as the schema source" examples run as written: the contract with
metadata describes exactly what the builder makes from it (both backends), and the
`typedb.schema_diff` example prints what README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import typedb
from typedb._config import Config
from typedb.contracts import load_registry
from typedb.schema_diff import describe, diff, from_database, from_registry

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "Contracts as the schema source"

USERS = """\
from typing import TypedDict
from typedb.contracts import Generated

class UsersTable(TypedDict):
    id: Generated[int]

class Database(TypedDict):
    users: UsersTable
"""


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {SECTION}")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def test_the_contract_with_metadata_matches_what_the_builder_makes(
    db: typedb.Database, tmp_path: Path
) -> None:
    contract = _blocks()[0]
    assert contract.startswith("# modules/blog/contracts.py")
    (tmp_path / "modules" / "blog").mkdir(parents=True)
    (tmp_path / "modules" / "blog" / "contracts.py").write_text(contract)
    (tmp_path / "contracts.py").write_text(USERS)
    registry = load_registry(Config(root=tmp_path, contracts=("contracts.py",)))
    db.schema.create_table("users").add_id_column().execute()
    db.schema.create_table("blog__posts").add_id_column().add_column(
        "author_id",
        "integer",
        lambda c: c.not_null().references("users.id").on_delete("cascade"),
    ).add_column("title", "varchar(200)", lambda c: c.not_null()).add_column(
        "slug", "text", lambda c: c.unique()
    ).add_column(
        "status",
        "text",
        lambda c: c.not_null().default_to("draft").check("status IN ('draft', 'published')"),
    ).add_timestamp_columns().execute()
    db.schema.create_index("blog__posts_author_id_index").on("blog__posts").columns(
        ["author_id"]
    ).execute()
    db.schema.create_index("blog__posts_title").on("blog__posts").columns(["title"]).execute()
    wanted = from_registry(registry, db.dialect.name)
    assert [describe(c) for c in diff(from_database(db), wanted)] == []


def test_the_schema_diff_example_prints_what_readme_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = _blocks()[1]
    exec(compile(block, str(README), "exec"), {})
    expected = re.search(r"^# (\[.*\])$", block, re.M)
    assert expected is not None
    assert capsys.readouterr().out.strip() == expected.group(1)
