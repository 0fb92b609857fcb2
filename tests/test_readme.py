"""README.md's examples run as written: the Quickstart commands are CI's, and these are the
Python ones (the query builder tour on both backends)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(section: str) -> list[str]:
    """The ```python blocks under the `## {section}` heading, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start : end if end != -1 else None], re.S)


def run(code: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    try:
        exec(compile(code, str(README), "exec"), namespace)
    finally:
        db = namespace.get("db")
        if db is not None:
            db.close()  # type: ignore[attr-defined]
    return namespace


def test_query_builder_tour_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = python_blocks("Query builder")[0]
    assert 'typedb.connect("sqlite://")' in code
    run(code.replace('typedb.connect("sqlite://")', f"typedb.connect({db_url!r})"))
    out = capsys.readouterr().out
    assert "no row found in table 'items'" in out
    assert "DROP TABLE" in out  # the hostile value is printed as a parameter, not SQL


def test_transactions_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    run("import typedb\n" + python_blocks("Connecting")[1])  # the first block imports it
    assert capsys.readouterr().out.strip() == "[{'a': 1}]"


def test_code_defined_migrations_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    block = next(b for b in python_blocks("Migrations") if "MigrationRunner" in b)
    run(block)
    assert capsys.readouterr().out.strip() == "['ran']"


def test_schema_builder_example_runs(db: object) -> None:
    """The schema-builder tour, on a database that has the `users` table it references."""
    import typedb

    assert isinstance(db, typedb.Database)
    db.schema.create_table("users").add_id_column().execute()
    namespace: dict[str, object] = {"db": db, "typedb": typedb}
    exec(compile(python_blocks("Schema builder")[0], str(README), "exec"), namespace)
    assert "items" not in {
        str(r["name"])
        for r in db.raw(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if db.dialect.name == "sqlite"
            else "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        )
    }
