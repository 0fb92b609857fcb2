"""Contracts against the live schema, on SQLite and PostgreSQL: the library and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import typedb
from typedb._config import Config
from typedb.contracts import Registry, compare, load_registry

ROOT = Path(__file__).resolve().parents[1]
TYPEDB = [sys.executable, "-m", "typedb"]

CONTRACTS = """\
from decimal import Decimal
from typing import TypedDict
from typedb.contracts import Generated, SoftDeleteTable, TimestampTable

class ItemsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    name: str
    description: str | None
    price: Generated[Decimal]
    in_stock: bool

class Database(TypedDict):
    items: ItemsTable
"""


def registry(tmp_path: Path, text: str = CONTRACTS) -> Registry:
    (tmp_path / "contracts.py").write_text(text)
    return load_registry(Config(root=tmp_path, contracts=("contracts.py",)))


def create_items(db: typedb.Database, description_not_null: bool = False) -> None:
    db.schema.create_table("items").add_id_column().add_column(
        "name", "text", lambda c: c.not_null()
    ).add_column(
        "description", "text", (lambda c: c.not_null()) if description_not_null else None
    ).add_column("price", "numeric(10,2)", lambda c: c.not_null().default_to(0)).add_column(
        "in_stock", "boolean", lambda c: c.not_null()
    ).add_timestamp_columns().add_soft_delete_column().execute()


def test_matching_schema_has_no_differences(db: typedb.Database, tmp_path: Path) -> None:
    create_items(db)
    assert compare(registry(tmp_path), db) == []


def test_missing_table_is_reported(db: typedb.Database, tmp_path: Path) -> None:
    (difference,) = compare(registry(tmp_path), db)
    assert (difference.table, difference.column) == ("items", None)
    assert "not in the database" in str(difference)


def test_each_difference_names_table_and_column(db: typedb.Database, tmp_path: Path) -> None:
    create_items(db, description_not_null=True)
    db.schema.alter_table("items").add_column("extra", "integer").execute()
    text = (
        CONTRACTS.replace("in_stock: bool", "in_stock: int\n    colour: str")
        .replace("name: str\n", "name: str | None\n")
        .replace("description: str | None", "description: str")
        .replace("price: Generated[Decimal]", "price: Generated[Decimal]\n    code: Generated[str]")
    )
    found = {(d.table, d.column): d.message for d in compare(registry(tmp_path, text), db)}
    assert set(found) == {
        ("items", "in_stock"),
        ("items", "colour"),
        ("items", "name"),
        ("items", "code"),
        ("items", "extra"),
    }
    assert "bool" in found[("items", "in_stock")] and "int" in found[("items", "in_stock")]
    assert "not in the database" in found[("items", "colour")]
    assert "allows None but the column is NOT NULL" in found[("items", "name")]
    assert "in the database but not in the contract" in found[("items", "extra")]
    # description: NOT NULL in both now, so it matches.
    assert ("items", "description") not in found


def test_nullable_column_without_none_in_contract(db: typedb.Database, tmp_path: Path) -> None:
    create_items(db)
    text = CONTRACTS.replace("description: str | None", "description: str")
    (difference,) = compare(registry(tmp_path, text), db)
    assert difference.column == "description"
    assert "`str | None`" in difference.message


def test_generated_without_default_is_reported(db: typedb.Database, tmp_path: Path) -> None:
    create_items(db)
    text = CONTRACTS.replace("name: str\n", "name: Generated[str]\n")
    (difference,) = compare(registry(tmp_path, text), db)
    assert difference.column == "name"
    assert "NOT NULL without a default" in difference.message


def _cli(root: Path, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TYPEDB_DATABASE_URL": url}
    return subprocess.run(
        [*TYPEDB, *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def _demo_project(tmp_path: Path) -> Path:
    """A copy of the demo app: its migrations and contracts, its own stubs folder."""
    import shutil

    root = tmp_path / "app"
    root.mkdir()
    shutil.copytree(ROOT / "migrations", root / "migrations")
    shutil.copytree(
        ROOT / "modules", root / "modules", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "contracts.py", root / "contracts.py")
    (root / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [tool.typedb]
        contracts = ["contracts.py"]
        """)
    )
    return root


def test_cli_contracts_check_after_migrations(db_url: str, tmp_path: Path) -> None:
    root = _demo_project(tmp_path)
    typedb.connect(db_url).close()  # an empty database: contracts:check never creates one
    before = _cli(root, "contracts:check", url=db_url)
    assert before.returncode == 1
    assert (
        "blog__posts: table is in modules/blog/contracts.py but not in the database"
        in before.stderr
    )

    (root / "stubs").mkdir()  # a project that keeps stubs: only then are they regenerated
    migrated = _cli(root, "migration:latest", url=db_url)
    assert migrated.returncode == 0, migrated.stderr
    # The migration run regenerated the stubs and found no difference to report.
    assert "Stubs regenerated" in migrated.stdout
    assert (root / "stubs" / "typedb-stubs" / "facades" / "db.pyi").is_file()
    assert "difference" not in migrated.stderr

    after = _cli(root, "contracts:check", url=db_url)
    assert after.returncode == 0, after.stderr
    assert "Contracts match the database (5 table(s))" in after.stdout


def test_migration_run_reports_contract_differences(db_url: str, tmp_path: Path) -> None:
    root = _demo_project(tmp_path)
    contracts = root / "contracts.py"
    contracts.write_text(
        contracts.read_text().replace(
            "    email: Annotated[str, Column(unique=True)]\n",
            "    email: Annotated[str | None, Column(unique=True)]\n",
        )
    )
    migrated = _cli(root, "migration:latest", url=db_url)
    assert migrated.returncode == 0, migrated.stderr
    assert "users.email: the contract allows None but the column is NOT NULL" in migrated.stderr

    check = _cli(root, "contracts:check", url=db_url)
    assert check.returncode == 1
    assert "1 difference(s)" in check.stderr
    assert "users.email" in check.stderr
