"""`typedb migration:*` run as a real subprocess (`python -m typedb`) in a temp project, on
SQLite and PostgreSQL: output, exit codes, scoping, JSON, dry runs and `migration:make`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    p = Project(tmp_path / "app", db_url)
    p.create("2026_01_01_00_00_00_users", "users")
    p.create("2026_01_02_00_00_00_posts", "blog__posts", "blog")
    p.create("2026_01_03_00_00_00_items", "items")
    yield p
    p.close()


def _ok(result: object) -> str:
    import subprocess

    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return str(result.stdout)


def _failed(result: object, code: int = 1) -> str:
    import subprocess

    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return str(result.stderr)


def _status(project: Project, *args: str) -> list[dict[str, object]]:
    data = json.loads(_ok(project.cli("migration:status", "--json", *args)))
    assert isinstance(data, list)
    return data


def test_help_version_and_usage(tmp_path: Path) -> None:
    project = Project(tmp_path / "app", f"sqlite:///{tmp_path / 'x.db'}")
    try:
        out = _ok(project.cli("--help", url=False))
        for command in ("latest", "status", "up", "down", "rollback", "fresh", "make"):
            assert f"migration:{command}" in out
        assert re.fullmatch(r"typedb \d+\.\d+\.\d+\n", _ok(project.cli("--version", url=False)))
        assert "usage:" in _failed(project.cli(url=False), 2)
        assert "not allowed with" in _failed(project.cli("migration:up", "--root", "-m", "x"), 2)
        assert "positive integer" in _failed(project.cli("migration:down", "--steps", "x"), 2)
        assert "invalid choice" in _failed(project.cli("migration:sideways"), 2)
    finally:
        project.close()


def test_status_json_has_the_design_shape(project: Project) -> None:
    assert _status(project) == [
        {"name": n, "module": m, "status": "pending", "batch": None, "executed_at": None}
        for m, n in [
            (None, "2026_01_01_00_00_00_users"),
            ("blog", "2026_01_02_00_00_00_posts"),
            (None, "2026_01_03_00_00_00_items"),
        ]
    ]
    # --database-url is accepted before the command too.
    up = project.cli("--database-url", project.url, "migration:up", url=False)
    assert "2026_01_01_00_00_00_users" in _ok(up)
    first = _status(project)[0]
    assert first["status"] == "ran" and first["batch"] == 1 and first["module"] is None
    assert isinstance(first["executed_at"], str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["executed_at"])
    assert [r["name"] for r in _status(project, "-m", "blog")] == ["2026_01_02_00_00_00_posts"]
    assert len(_status(project, "--root")) == 2


def test_status_table_and_latest_lines(project: Project) -> None:
    table = _ok(project.cli("migration:status"))
    assert re.search(r"Module\s+Migration\s+Status\s+Batch", table)
    assert re.search(r"blog\s+2026_01_02_00_00_00_posts\s+pending", table)
    assert "0 ran, 3 pending." in table
    out = _ok(project.cli("migration:latest"))
    lines = [line for line in out.splitlines() if line.startswith("migrated")]
    assert len(lines) == 3
    assert re.match(r"migrated\s+blog\s+2026_01_02_00_00_00_posts\s+\(\d+\.\d ms\)", lines[1])
    assert "Ran 3 migrations in batch 1." in out
    assert "Nothing to do." in _ok(project.cli("migration:latest"))
    assert re.search(
        r"\(core\)\s+2026_01_03_00_00_00_items\s+ran\s+1", _ok(project.cli("migration:status"))
    )


@pytest.mark.parametrize("scope", [("--root",), ("-m", "blog"), ()], ids=["root", "module", "all"])
def test_every_command_respects_the_scope(project: Project, scope: tuple[str, ...]) -> None:
    expected = {
        ("--root",): ["2026_01_01_00_00_00_users", "2026_01_03_00_00_00_items"],
        ("-m", "blog"): ["2026_01_02_00_00_00_posts"],
        (): ["2026_01_01_00_00_00_users", "2026_01_02_00_00_00_posts", "2026_01_03_00_00_00_items"],
    }[scope]

    def ran() -> list[str]:
        return [str(r["name"]) for r in _status(project) if r["status"] == "ran"]

    _ok(project.cli("migration:latest", *scope))
    assert ran() == expected
    _ok(project.cli("migration:rollback", *scope))
    assert ran() == []
    _ok(project.cli("migration:up", *scope, "--steps", "5"))
    assert ran() == expected
    _ok(project.cli("migration:down", *scope))
    assert ran() == expected[:-1]
    out = _ok(project.cli("migration:fresh", *scope))
    assert out.count("rolled back") == len(expected) - 1
    assert out.count("migrated") == len(expected)
    assert ran() == expected
    assert {r["batch"] for r in _status(project, *scope)} == {1}


def test_rollback_undoes_only_the_last_batch(project: Project) -> None:
    _ok(project.cli("migration:up", "--steps", "2"))
    _ok(project.cli("migration:latest"))
    out = _ok(project.cli("migration:rollback"))
    assert "2026_01_03_00_00_00_items" in out and "users" not in out
    assert "Rolled back 1 migration." in out
    assert [r["status"] for r in _status(project)] == ["ran", "ran", "pending"]


def test_a_failing_migration_exits_1_naming_the_file_and_the_database_error(
    project: Project,
) -> None:
    bad = project.write(
        "2026_01_02_30_00_00_broken",
        """
        def up(db):
            db.raw("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
            db.raw("INSERT INTO no_such_table VALUES (1)")
        """,
        "blog",
    )
    result = project.cli("migration:latest")
    err = _failed(result)
    first = err.splitlines()[0]
    assert first.startswith("typedb: error: ") and str(bad) in first
    assert "no_such_table" in err and "rolled back" in first
    assert "migrated" in result.stdout and "2026_01_02_00_00_00_posts" in result.stdout
    assert "half_done" not in project.tables()
    assert [r["status"] for r in _status(project)] == ["ran", "ran", "pending", "pending"]


def test_corruption_is_one_line_naming_the_file(project: Project) -> None:
    _ok(project.cli("migration:latest"))
    path = project.root / "migrations" / "2026_01_01_00_00_00_users.py"
    path.write_text(path.read_text() + "# edited\n")
    err = _failed(project.cli("migration:status"))
    assert err.count("\n") == 1 and str(path) in err and "edited after it ran" in err


def test_dry_run_prints_sql_and_changes_nothing(project: Project) -> None:
    out = _ok(project.cli("migration:latest", "--dry-run"))
    assert "CREATE TABLE users (id INTEGER PRIMARY KEY);" in out
    assert "CREATE TABLE blog__posts (id INTEGER PRIMARY KEY);" in out
    assert "Dry run of 3 migrations: nothing was changed." in out
    assert project.tables() == set()
    assert "CREATE TABLE users" in _ok(project.cli("migration:up", "--dry-run", "--root"))
    _ok(project.cli("migration:latest"))
    out = _ok(project.cli("migration:down", "--dry-run", "--steps", "2"))
    assert "DROP TABLE items;" in out and "DROP TABLE blog__posts;" in out
    assert {"users", "blog__posts", "items"} <= project.tables()
    assert [r["status"] for r in _status(project)] == ["ran"] * 3


def test_make_writes_a_timestamped_file_that_runs(project: Project) -> None:
    out = _ok(project.cli("migration:make", "create_tags", "-m", "shop"))
    made = sorted((project.root / "modules" / "shop" / "migrations").glob("2*.py"))
    assert len(made) == 1
    assert re.fullmatch(r"\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d_create_tags\.py", made[0].name)
    assert f"Created modules/shop/migrations/{made[0].name}" in out
    text = made[0].read_text()
    assert 'table = "shop__tags"' in text and "def up(db: Database)" in text
    assert "def down(db: Database)" in text
    _ok(project.cli("migration:make", "add_notes"))
    generic = next((project.root / "migrations").glob("*_add_notes.py"))
    project.db.close()
    # The generic template's up/down do nothing yet, but they load and run.
    out = _ok(project.cli("migration:latest", "--root"))
    assert generic.stem in out
    err = _failed(project.cli("migration:make", "Create-Tags"), 2)
    assert "bad migration name 'Create-Tags'" in err
    _failed(project.cli("migration:make", "x", "-m", "Bad Module"))


def test_the_facade_is_configured_from_the_project(project: Project) -> None:
    import subprocess
    import sys

    env = project.env()
    env["TYPEDB_DATABASE_URL"] = project.url
    code = (
        "from typedb.facades.migrator import migrator\n"
        "seen = []\n"
        "migrator.on('migration:after-up', lambda step: seen.append(step.name))\n"
        "migrator.latest(module='blog')\n"
        "print(seen)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, env=env, capture_output=True, text=True
    )
    assert _ok(result).strip() == "['2026_01_02_00_00_00_posts']"


def test_the_demo_app_migrates(tmp_path: Path, db_url: str) -> None:
    project = Project(tmp_path / "unused", db_url)
    project.root = ROOT  # the repository root is the demo app
    try:
        out = _ok(project.cli("migration:latest"))
        assert "Ran 6 migrations in batch 1." in out
        assert {"users", "items", "blog__posts", "tags", "counters"} <= project.tables()
        rows = _status(project)
        assert [(r["module"], r["status"]) for r in rows] == [
            (None, "ran"),
            (None, "ran"),
            ("blog", "ran"),
            ("blog", "ran"),
            (None, "ran"),  # create_tags, generated from contracts.py
            (None, "ran"),  # create_counters, generated from contracts.py
        ]
        _ok(project.cli("migration:fresh"))
        _ok(project.cli("migration:rollback", "-m", "blog"))
        assert "blog__posts" not in project.tables()
    finally:
        project.close()


def test_a_waiting_migrator_says_so_and_runs_once_the_lock_is_free(project: Project) -> None:
    import subprocess
    import threading

    from typedb.migrator._lock import migration_lock

    project.create("2026_01_01_00_00_00_a", "a")
    with migration_lock(project.db, "typedb_migrations"):
        proc = project.start(
            "migration:latest",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        watchdog = threading.Timer(60, proc.kill)  # never hang the suite
        watchdog.start()
        assert proc.stderr is not None
        assert "waiting for another migrator to finish" in proc.stderr.readline()
    out, err = proc.communicate(timeout=60)
    watchdog.cancel()
    assert proc.returncode == 0, err
    assert "2026_01_01_00_00_00_a" in out


def test_output_into_a_closed_pipe_is_no_traceback_and_no_partial_run(project: Project) -> None:
    """`typedb migration:latest | head -c 10`: the reader goes away, the run must finish."""
    import subprocess

    for i in range(40):
        project.create(f"2026_02_01_00_00_{i:02d}_t{i}", f"t{i}")
    proc = project.start(
        "migration:latest",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err
    assert len(project.tracked()) == 43  # the fixture's three and these forty
