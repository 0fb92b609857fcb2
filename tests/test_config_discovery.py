"""Configuration is found as pytest and ruff find theirs: the first pyproject.toml with
`[tool.typedb]` at or above the working directory; relative paths resolve against it. Read-only
commands never create a database file. Every test runs the real CLI (or Python) in a subprocess
from a subfolder of a throwaway project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import typedb


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TYPEDB_DATABASE_URL", "DATABASE_URL")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typedb", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _project(root: Path, settings: str) -> Path:
    """A project whose `[tool.typedb]` holds `settings`, with one core migration, and a
    sub-package that has a pyproject.toml of its own without `[tool.typedb]` (a monorepo)."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "app"\n\n[tool.typedb]\n{settings}\n', encoding="utf-8"
    )
    (root / "db" / "migrations").mkdir(parents=True)
    (root / "db" / "migrations" / "2026_01_01_00_00_00_items.py").write_text(
        textwrap.dedent(
            """
            def up(db):
                db.schema.create_table("items").add_id_column().add_column("name", "text").execute()


            def down(db):
                db.raw("DROP TABLE items")
            """
        ),
        encoding="utf-8",
    )
    sub = root / "services" / "api"
    sub.mkdir(parents=True)
    (sub / "pyproject.toml").write_text('[project]\nname = "api"\n', encoding="utf-8")
    return sub


def _settings(backend: str, db_url: str) -> tuple[str, str]:
    """(`[tool.typedb]` lines, the URL the project's database is reachable at from anywhere)."""
    if backend == "sqlite":
        return 'database_url = "sqlite:///data/app.db"\nmigrations = "db/migrations"', db_url
    return f'database_url = {json.dumps(db_url)}\nmigrations = "db/migrations"', db_url


def test_cli_from_a_subfolder_uses_the_project_config_and_database(
    tmp_path: Path, backend: str, db_url: str
) -> None:
    root = tmp_path / "app"
    settings, url = _settings(backend, db_url)
    sub = _project(root, settings)
    if backend == "sqlite":
        (root / "data").mkdir()
        url = f"sqlite:///{root / 'data' / 'app.db'}"
    deeper = sub / "src"
    deeper.mkdir()

    ran = _cli(deeper, "migration:latest")
    assert ran.returncode == 0, ran.stderr
    assert "Ran 1 migration" in ran.stdout
    status = _cli(sub, "migration:status", "--json")
    assert status.returncode == 0, status.stderr
    assert [(r["name"], r["status"]) for r in json.loads(status.stdout)] == [
        ("2026_01_01_00_00_00_items", "ran")
    ]
    with typedb.connect(url) as db:
        assert db.raw("SELECT count(*) AS n FROM items") == [{"n": 0}]
    # Nothing was created where the commands ran.
    assert sorted(p.name for p in sub.rglob("*")) == ["pyproject.toml", "src"]


def test_python_code_in_a_subfolder_connects_to_the_project_database(
    tmp_path: Path, backend: str, db_url: str
) -> None:
    root = tmp_path / "app"
    settings, _ = _settings(backend, db_url)
    sub = _project(root, settings)
    if backend == "sqlite":
        (root / "data").mkdir()
    assert _cli(root, "migration:latest").returncode == 0
    script = (
        "import typedb\n"
        "from typedb.facades.db import db\n"
        "with typedb.connect() as own:\n"
        "    own.insert_into('items').values({'name': 'a'}).execute()\n"
        "print(db.select_from('items').select('name').execute())\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=sub, env=_env(), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[{'name': 'a'}]"
    assert sorted(p.name for p in sub.iterdir()) == ["pyproject.toml"]


def test_an_unknown_key_is_an_error_that_suggests_the_nearest_one(tmp_path: Path) -> None:
    sub = _project(tmp_path / "app", 'databse_url = "sqlite:///app.db"')
    run = _cli(sub, "migration:status")
    assert run.returncode == 1
    assert "unknown key 'databse_url' in [tool.typedb]" in run.stderr
    assert "did you mean 'database_url'?" in run.stderr
    assert str(tmp_path / "app" / "pyproject.toml") in run.stderr
    assert not list((tmp_path / "app").rglob("*.db")) and not list(tmp_path.rglob("*.sqlite3"))


def test_the_connection_keys_are_valid(tmp_path: Path) -> None:
    sub = _project(
        tmp_path / "app",
        'database_url = "sqlite:///app.db"\nmigrations = "db/migrations"\n'
        "pool_min = 1\npool_max = 4\npool_timeout = 5\nprepare = false",
    )
    run = _cli(sub, "migration:latest")
    assert run.returncode == 0, run.stderr


def test_a_missing_migrations_folder_is_a_warning(
    tmp_path: Path, backend: str, db_url: str
) -> None:
    settings, _ = _settings(backend, db_url)
    sub = _project(tmp_path / "app", settings.replace("db/migrations", "db/migratoins"))
    if backend == "sqlite":
        (tmp_path / "app" / "data").mkdir()
    run = _cli(sub, "migration:latest")
    assert run.returncode == 0, run.stderr
    missing = tmp_path / "app" / "db" / "migratoins"
    assert f"warning: the migrations folder {missing} does not exist" in run.stderr
    assert "[tool.typedb] migrations = 'db/migratoins'" in run.stderr


def test_outside_any_project_the_warning_says_no_config_was_found(tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    run = _cli(nowhere, "migration:status")
    assert run.returncode == 0, run.stderr
    assert "no pyproject.toml with [tool.typedb] at or above" in run.stderr
    assert list(nowhere.iterdir()) == []  # no typedb.sqlite3 created by looking


@pytest.mark.parametrize("command", ["migration:status", "contracts:check", "stubs:check"])
def test_read_only_commands_never_create_a_database_file(tmp_path: Path, command: str) -> None:
    # SQLite only by nature: on PostgreSQL there is no file for a command to create.
    sub = _project(
        tmp_path / "app",
        'database_url = "sqlite:///app.db"\nmigrations = "db/migrations"\n'
        'contracts = ["contracts.py"]',
    )
    (tmp_path / "app" / "contracts.py").write_text(
        "from typing import TypedDict\n\n"
        "class ItemsTable(TypedDict):\n    id: int\n    name: str | None\n\n"
        "class Database(TypedDict):\n    items: ItemsTable\n",
        encoding="utf-8",
    )
    before = sorted(tmp_path.rglob("*"))
    run = _cli(sub, command)
    assert sorted(tmp_path.rglob("*")) == before, run.stderr
    if command == "migration:status":
        assert run.returncode == 0, run.stderr
        assert f"the database file {tmp_path / 'app' / 'app.db'} does not exist" in run.stderr
        assert "2026_01_01_00_00_00_items  pending" in run.stdout
    elif command == "contracts:check":
        assert run.returncode == 1
        assert f"the database file {tmp_path / 'app' / 'app.db'} does not exist" in run.stderr
    else:
        assert run.returncode == 1  # the stubs were never generated: stale, and says so
        assert "stubs" in run.stderr and "app.db" not in run.stderr


def test_status_on_an_existing_database_reads_it(tmp_path: Path, backend: str, db_url: str) -> None:
    settings, _ = _settings(backend, db_url)
    sub = _project(tmp_path / "app", settings)
    if backend == "sqlite":
        (tmp_path / "app" / "data").mkdir()
    assert _cli(sub, "migration:latest").returncode == 0
    run = _cli(sub, "migration:status")
    assert run.returncode == 0, run.stderr
    assert "note:" not in run.stderr
    assert "1 ran, 0 pending." in run.stdout
