"""The CLI when something is wrong, and the commands that repair it, as a real subprocess on
SQLite and PostgreSQL: status over bad files, typos, --verbose, mark, fresh --drop-all,
dry runs of every command (not even a sequence moves), make's order, stubs after a run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    p = Project(tmp_path / "app", db_url)
    p.create("2026_01_01_00_00_00_users", "users")
    p.create("2026_01_02_00_00_00_posts", "blog__posts", "blog")
    p.create("2026_01_03_00_00_00_items", "items")
    yield p
    p.close()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def _failed(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stderr


def _statuses(project: Project) -> list[str]:
    data = json.loads(_ok(project.cli("migration:status", "--json")))
    return [str(r["status"]) for r in data]


# -- status when files are bad ---------------------------------------------------------------


def test_status_lists_every_migration_and_marks_the_bad_ones(project: Project) -> None:
    _ok(project.cli("migration:latest"))
    root = project.root / "migrations"
    (root / "2026_01_01_00_00_00_users.py").unlink()  # ran, file gone
    edited = project.root / "modules" / "blog" / "migrations" / "2026_01_02_00_00_00_posts.py"
    edited.write_text(edited.read_text() + "# edited\n")
    project.create("2026_01_02_12_00_00_tags", "tags")  # new, but before items, which ran
    project.create("2026_01_04_00_00_00_orders", "orders")  # new and fine

    result = project.cli("migration:status")
    err = _failed(result)
    table = result.stdout
    assert re.search(r"\(core\)\s+2026_01_01_00_00_00_users\s+ran\s+1.*FILE MISSING", table)
    assert re.search(r"blog\s+2026_01_02_00_00_00_posts\s+ran\s+1.*EDITED", table)
    assert re.search(r"2026_01_02_12_00_00_tags\s+pending.*OUT OF ORDER", table)
    assert re.search(r"2026_01_03_00_00_00_items\s+ran\s+1\s+\S+ \S+\s*$", table, re.M)
    assert re.search(r"2026_01_04_00_00_00_orders\s+pending\s*$", table, re.M)
    assert "3 ran, 2 pending, 3 bad." in table
    assert err.count("typedb: error: ") == 3
    assert str(root / "2026_01_01_00_00_00_users.py") in err and str(edited) in err

    result = project.cli("migration:status", "--json")
    _failed(result)
    rows = {r["name"][20:]: r for r in json.loads(result.stdout)}
    assert list(rows) == ["users", "posts", "tags", "items", "orders"]
    assert {n: r.get("problem") for n, r in rows.items()} == {
        "users": "missing",
        "posts": "edited",
        "tags": "unordered",
        "items": None,
        "orders": None,
    }
    assert "file is missing" in rows["users"]["detail"]
    assert set(rows["items"]) == {"name", "module", "status", "batch", "executed_at"}
    # Commands that would change the database still refuse, naming the first bad file.
    assert "file is missing" in _failed(project.cli("migration:latest"))


def test_unknown_module_is_bad_usage_with_a_suggestion(project: Project) -> None:
    for command in ("migration:status", "migration:latest", "migration:rollback"):
        err = _failed(project.cli(command, "-m", "blgo"), 2)
        assert "unknown module 'blgo'" in err and "did you mean 'blog'?" in err
    assert "did you mean" not in _failed(project.cli("migration:up", "-m", "zzz"), 2)


# -- --verbose -------------------------------------------------------------------------------


def test_verbose_shows_the_failing_migrations_traceback(project: Project) -> None:
    bad = project.write(
        "2026_01_05_00_00_00_broken",
        """
        def helper(db):
            db.raw("SELECT * FROM no_such_table")


        def up(db):
            helper(db)
        """,
    )
    quiet = project.cli("migration:latest")
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    loud = project.cli("migration:latest", "--verbose")
    assert loud.returncode == 1
    assert loud.stderr.startswith("typedb: error: ") and "no_such_table" in loud.stderr
    assert "Traceback (most recent call last)" in loud.stderr
    assert f'File "{bad}", line 6, in up' in loud.stderr
    assert f'File "{bad}", line 2, in helper' in loud.stderr


# -- dry runs ---------------------------------------------------------------------------------


def _next_id(project: Project) -> int:
    """Insert a row for real and return the id the database gave it."""
    if project.backend == "postgresql":
        row = project.db.raw("INSERT INTO counters (label) VALUES ('probe') RETURNING id")
    else:
        project.db.raw("INSERT INTO counters (label) VALUES ('probe')")
        row = project.db.raw("SELECT max(id) AS id FROM counters")
    return int(row[0]["id"])


@pytest.mark.pgbouncer  # the shield's lock_timeout and ALTERs are local to the transaction
def test_a_dry_run_leaves_no_trace_not_even_a_sequence(project: Project) -> None:
    pg = project.backend == "postgresql"
    serial = "SERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
    project.write(
        "2026_01_04_00_00_00_counters",
        f"""
        def up(db):
            db.raw("CREATE TABLE counters (id {serial}, label TEXT)")
            db.raw("INSERT INTO counters (label) VALUES ('first')")


        def down(db):
            db.raw("DROP TABLE counters")
        """,
    )
    _ok(project.cli("migration:latest"))
    project.write(
        "2026_01_05_00_00_00_seed",
        """
        def up(db):
            for i in range(5):
                db.raw("INSERT INTO counters (label) VALUES (%s)", [f"seed {i}"])


        def down(db):
            db.raw("DELETE FROM counters WHERE label LIKE 'seed%%'")
        """,
    )
    out = _ok(project.cli("migration:latest", "--dry-run"))
    assert out.count("INSERT INTO counters (label) VALUES (%s);") == 5
    # Measured: the next id is the one it would have been without the dry run (not 7).
    assert _next_id(project) == 2
    out = _ok(project.cli("migration:fresh", "--dry-run"))
    assert "INSERT INTO counters (label) VALUES ('first');" in out
    assert _next_id(project) == 3
    assert [r["label"] for r in project.db.raw("SELECT label FROM counters ORDER BY id")] == [
        "first",
        "probe",
        "probe",
    ]
    assert _statuses(project) == ["ran", "ran", "ran", "ran", "pending"]


def test_rollback_and_fresh_have_dry_runs(project: Project) -> None:
    _ok(project.cli("migration:up", "--steps", "2"))
    _ok(project.cli("migration:latest"))
    before = (project.tables(), project.tracked())

    out = _ok(project.cli("migration:rollback", "--dry-run"))
    assert "-- down: (core) 2026_01_03_00_00_00_items" in out and "DROP TABLE items;" in out
    assert "DROP TABLE users" not in out
    assert "Dry run of 1 migration: nothing was changed." in out

    out = _ok(project.cli("migration:fresh", "--dry-run"))
    downs = [m.start() for m in re.finditer(r"^-- down: ", out, re.M)]
    ups = [m.start() for m in re.finditer(r"^-- up: ", out, re.M)]
    assert len(downs) == 3 and len(ups) == 3 and max(downs) < min(ups)
    assert "Dry run of 6 migrations: nothing was changed." in out

    out = _ok(project.cli("migration:fresh", "--drop-all", "--dry-run"))
    assert out.startswith("-- (drop every table)\n") and "DROP TABLE" in out
    assert out.count("-- up: ") == 3 and "Dry run of 3 migrations" in out
    assert (project.tables(), project.tracked()) == before


# -- migration:make ---------------------------------------------------------------------------


def test_make_twice_in_one_second_keeps_creation_order(project: Project) -> None:
    # Two makes in one process land in the same second; a third follows a file stamped
    # ahead of the clock (another developer's, or an earlier make this second).
    code = (
        "from typedb.cli import main\n"
        "for name in ('create_zebras', 'add_stripes_to_zebras'):\n"
        "    assert main(['migration:make', name, '-m', 'zoo']) == 0\n"
    )
    _ok(subprocess.run([sys.executable, "-c", code], cwd=project.root, env=project.env(),
                       capture_output=True, text=True, timeout=60))  # fmt: skip
    ahead = project.create("2099_01_01_00_00_00_create_lions", "lions")
    _ok(project.cli("migration:make", "add_manes_to_lions", "-m", "zoo"))
    made = sorted(
        p.name
        for folder in (project.root / "migrations", project.root / "modules" / "zoo" / "migrations")
        for p in folder.glob("2*.py")  # not the __init__.py migration:make writes
    )
    names = [n[20:-3] for n in made]
    assert names.index("create_zebras") < names.index("add_stripes_to_zebras")
    assert names[-2:] == ["create_lions", "add_manes_to_lions"]
    assert made[-1].startswith("2099_01_01_00_00_01_"), ahead


# -- migration:mark ---------------------------------------------------------------------------


def test_mark_repairs_a_half_applied_migration_without_a_transaction(project: Project) -> None:
    _ok(project.cli("migration:latest"))
    project.write(
        "2026_01_04_00_00_00_split",
        """
        transaction = False


        def up(db):
            db.raw("CREATE TABLE part_one (id INTEGER)")
            db.raw("INSERT INTO no_such_table VALUES (1)")
            db.raw("CREATE TABLE part_two (id INTEGER)")


        def down(db):
            db.raw("DROP TABLE part_two")
            db.raw("DROP TABLE part_one")
        """,
    )
    assert "NOT rolled back" in _failed(project.cli("migration:latest"))
    assert "part_one" in project.tables()
    # Finished by hand; then recorded as run, without running it again.
    project.db.raw("CREATE TABLE part_two (id INTEGER)")
    out = _ok(project.cli("migration:mark", "split", "--ran"))
    assert "Marked (core) 2026_01_04_00_00_00_split as run (batch 2); nothing was run." in out
    assert _statuses(project) == ["ran"] * 4
    assert "Nothing to do." in _ok(project.cli("migration:latest"))
    assert "already marked as run" in _failed(project.cli("migration:mark", "split", "--ran"))
    # And back to pending, without running down().
    _ok(project.cli("migration:mark", "2026_01_04_00_00_00_split", "--pending"))
    assert _statuses(project) == ["ran", "ran", "ran", "pending"]
    assert {"part_one", "part_two"} <= project.tables()
    assert "no migration named 'nope'" in _failed(project.cli("migration:mark", "nope", "--ran"))
    assert "one of the arguments" in _failed(project.cli("migration:mark", "split"), 2)


def test_the_migrator_api_marks_too(project: Project) -> None:
    m = project.migrator()
    row = m.mark("posts", ran=True, module="blog")
    assert (row.module, row.status, row.batch) == ("blog", "ran", 1)
    assert [s.name[20:] for s in m.latest()] == ["users", "items"]
    assert "blog__posts" not in project.tables()
    assert m.mark("posts", ran=False, module="blog").status == "pending"


# -- fresh --drop-all -------------------------------------------------------------------------


def test_fresh_drop_all_drops_everything_then_runs_everything(project: Project) -> None:
    project.write(
        "2026_01_04_00_00_00_no_down",
        """
        def up(db):
            db.raw("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
            db.raw("CREATE TABLE children (id INTEGER PRIMARY KEY, "
                   "parent_id INTEGER REFERENCES parents(id))")
            db.raw("CREATE VIEW child_view AS SELECT id FROM children")
        """,
    )
    if project.backend == "postgresql":
        project.write(
            "2026_01_05_00_00_00_pg_objects",
            """
            def up(db):
                db.raw("CREATE TYPE mood AS ENUM ('ok', 'meh')")
                db.raw("CREATE SEQUENCE tickets")
                db.raw("CREATE TABLE moods (id SERIAL PRIMARY KEY, mood mood)")
            """,
        )
    _ok(project.cli("migration:latest"))
    project.db.raw("INSERT INTO parents (id) VALUES (1)")
    project.db.raw("INSERT INTO children (id, parent_id) VALUES (1, 1)")
    project.db.raw("CREATE TABLE made_by_hand (id INTEGER)")
    assert "no down(db) function" in _failed(project.cli("migration:fresh"))

    out = _ok(project.cli("migration:fresh", "--drop-all"))
    assert "migrated" in out and "rolled back" not in out
    assert "made_by_hand" not in project.tables()
    assert project.db.raw("SELECT count(*) AS n FROM children")[0]["n"] == 0
    assert {"parents", "children", "users", "items", "blog__posts"} <= project.tables()
    assert set(_statuses(project)) == {"ran"}
    if project.backend == "postgresql":
        assert project.db.raw("SELECT nextval('tickets') AS n")[0]["n"] == 1
    assert "takes no -m" in _failed(project.cli("migration:fresh", "--drop-all", "--root"), 2)


# -- stubs and contracts after a run ------------------------------------------------------------

CONTRACTS = """
from typing import TypedDict


class UsersTable(TypedDict):
    id: int
    email: str


class Database(TypedDict):
    users: UsersTable
"""


@pytest.fixture
def typed(tmp_path: Path, db_url: str) -> Iterator[Project]:
    p = Project(tmp_path / "typed", db_url, 'contracts = ["contracts.py"]')
    (p.root / "contracts.py").write_text(CONTRACTS)
    p.create("2026_01_01_00_00_00_users", "users")
    p.create("2026_01_02_00_00_00_items", "items")
    yield p
    p.close()


def test_stubs_are_regenerated_only_where_a_stubs_folder_is_kept(typed: Project) -> None:
    stubs = typed.root / "stubs"
    out = _ok(typed.cli("migration:up"))
    assert not stubs.exists() and "Stubs regenerated" not in out
    stubs.mkdir()
    out = _ok(typed.cli("migration:rollback", "--no-stubs"))
    assert list(stubs.iterdir()) == [] and "Stubs regenerated" not in out
    out = _ok(typed.cli("migration:up"))
    assert "Stubs regenerated" in out and (stubs / "typedb-stubs" / "py.typed").is_file()


def test_after_a_successful_run_stub_and_contract_problems_are_warnings(typed: Project) -> None:
    (typed.root / "stubs").write_text("a file where the stubs folder should be\n")
    result = typed.cli("migration:latest")
    _ok(result)
    assert "typedb: warning: stubs not regenerated" in result.stderr
    # The contract's users.email is not in the table: reported, not a failure of the run.
    assert "difference(s) between contracts and database" in result.stderr
    assert "email" in result.stderr
    assert _statuses(typed) == ["ran", "ran"]
    (typed.root / "contracts.py").write_text("this is not python\n")
    result = typed.cli("migration:rollback")
    _ok(result)
    assert "the contracts could not be loaded" in result.stderr
    assert _statuses(typed) == ["pending", "pending"]
