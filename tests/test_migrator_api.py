"""The `Migrator` on real SQLite and PostgreSQL: order, scope, batches, failures, corruption
errors, events and dry runs. Migration files use `db.raw(...)` only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project

import typedb
import typedb.migrator
from typedb.migrator import MigrationFailed, Run, Step


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    p = Project(tmp_path / "app", db_url)
    yield p
    p.close()


def _names(steps: list[Step]) -> list[tuple[str | None, str]]:
    return [(s.module, s.name) for s in steps]


def _three(project: Project) -> None:
    project.create("2026_01_01_00_00_00_users", "users", extra="email TEXT")
    project.create(
        "2026_01_02_00_00_00_posts",
        "blog__posts",
        "blog",
        extra="user_id INTEGER REFERENCES users(id)",
    )
    project.create("2026_01_03_00_00_00_items", "items")


def test_core_and_module_migrations_run_interleaved_by_file_name(project: Project) -> None:
    _three(project)
    project.create("2026_01_02_30_00_00_orders", "shop__orders", "shop")
    steps = project.migrator().latest()
    assert _names(steps) == [
        (None, "2026_01_01_00_00_00_users"),
        ("blog", "2026_01_02_00_00_00_posts"),
        ("shop", "2026_01_02_30_00_00_orders"),
        (None, "2026_01_03_00_00_00_items"),
    ]
    assert {s.batch for s in steps} == {1}
    assert {"users", "blog__posts", "shop__orders", "items"} <= project.tables()
    # Core rows are stored with module '' (so the key dedupes) and reported as None.
    assert ("", "2026_01_01_00_00_00_users", 1) in project.tracked()
    assert [(s.module, s.status) for s in project.migrator().status()] == [
        (None, "ran"),
        ("blog", "ran"),
        ("shop", "ran"),
        (None, "ran"),
    ]


def test_two_modules_may_reuse_a_file_name(project: Project) -> None:
    project.create("2026_01_01_00_00_00_init", "blog__init", "blog")
    project.create("2026_01_01_00_00_00_init", "shop__init", "shop")
    project.create("2026_01_01_00_00_00_init", "core_init")
    assert len(project.migrator().latest()) == 3
    assert {"blog__init", "shop__init", "core_init"} <= project.tables()
    assert len(project.tracked()) == 3


def test_root_and_module_filters_scope_every_command(project: Project) -> None:
    _three(project)
    m = project.migrator()
    assert _names(m.latest(root=True)) == [
        (None, "2026_01_01_00_00_00_users"),
        (None, "2026_01_03_00_00_00_items"),
    ]
    assert [s.status for s in m.status(module="blog")] == ["pending"]
    assert [s.name for s in m.list(root=True)] == [
        "2026_01_01_00_00_00_users",
        "2026_01_03_00_00_00_items",
    ]
    assert _names(m.up(module="blog")) == [("blog", "2026_01_02_00_00_00_posts")]
    assert _names(m.down(module="blog")) == [("blog", "2026_01_02_00_00_00_posts")]
    assert "blog__posts" not in project.tables() and "items" in project.tables()
    assert _names(m.rollback(root=True)) == [
        (None, "2026_01_03_00_00_00_items"),
        (None, "2026_01_01_00_00_00_users"),
    ]
    m.latest()
    before = project.tracked()
    fresh = m.fresh(module="blog")
    assert [s.direction for s in fresh] == ["down", "up"]
    after = project.tracked()
    # Core rows untouched; the blog row re-ran in a new batch.
    assert [r for r in after if r[0] == ""] == [r for r in before if r[0] == ""]
    assert [r[2] for r in after if r[0] == "blog"] == [2]


def test_unknown_or_conflicting_filters_are_errors(project: Project) -> None:
    _three(project)
    m = project.migrator()
    with pytest.raises(typedb.MigrationError, match=r"unknown module 'nope'.*blog"):
        m.latest(module="nope")
    with pytest.raises(typedb.MigrationError, match="not both"):
        m.status(root=True, module="blog")
    with pytest.raises(typedb.MigrationError, match="positive integer"):
        m.up(0)


def test_latest_is_one_batch_and_rollback_undoes_the_last_batch(project: Project) -> None:
    _three(project)
    m = project.migrator()
    m.latest()
    project.create("2026_02_01_00_00_00_tags", "tags")
    project.create("2026_02_02_00_00_00_notes", "blog__notes", "blog")
    assert {s.batch for s in m.latest()} == {2}
    steps = m.rollback()
    assert _names(steps) == [
        ("blog", "2026_02_02_00_00_00_notes"),
        (None, "2026_02_01_00_00_00_tags"),
    ]
    assert {s.direction for s in steps} == {"down"}
    assert "tags" not in project.tables() and "users" in project.tables()
    assert {r[2] for r in project.tracked()} == {1}
    assert m.rollback(steps=1)[0].name == "2026_01_03_00_00_00_items"


def test_up_and_down_take_steps(project: Project) -> None:
    _three(project)
    m = project.migrator()
    assert [s.batch for s in m.up()] == [1]
    assert [s.batch for s in m.up(2)] == [2, 2]
    assert m.up() == []
    assert _names(m.down(2)) == [
        (None, "2026_01_03_00_00_00_items"),
        ("blog", "2026_01_02_00_00_00_posts"),
    ]
    assert [s.name for s in m.migrate(steps=1)] == ["2026_01_02_00_00_00_posts"]
    assert len(m.migrate()) == 1


def test_fresh_rolls_back_everything_then_runs_everything(project: Project) -> None:
    _three(project)
    m = project.migrator()
    m.up()
    m.latest()
    project.db.raw("INSERT INTO items (id) VALUES (1)")
    steps = m.fresh()
    assert [s.direction for s in steps] == ["down"] * 3 + ["up"] * 3
    assert project.db.raw("SELECT count(*) AS n FROM items") == [{"n": 0}]
    assert {r[2] for r in project.tracked()} == {1}


def test_a_failing_migration_leaves_no_table_and_no_row(project: Project) -> None:
    project.create("2026_01_01_00_00_00_users", "users")
    bad = project.write(
        "2026_01_02_00_00_00_broken",
        """
        def up(db):
            db.raw("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
            db.raw("INSERT INTO no_such_table VALUES (1)")
        """,
        "blog",
    )
    project.create("2026_01_03_00_00_00_later", "later")
    with pytest.raises(MigrationFailed) as info:
        project.migrator().latest()
    message = str(info.value)
    assert str(bad) in message and "no_such_table" in message
    assert "rolled back" in message
    assert _names(info.value.completed) == [(None, "2026_01_01_00_00_00_users")]
    tables = project.tables()
    assert "users" in tables and "half_done" not in tables and "later" not in tables
    assert [r[1] for r in project.tracked()] == ["2026_01_01_00_00_00_users"]


def test_a_failing_down_keeps_the_migration_applied(project: Project) -> None:
    project.write(
        "2026_01_01_00_00_00_users",
        """
        def up(db):
            db.raw("CREATE TABLE users (id INTEGER PRIMARY KEY)")

        def down(db):
            db.raw("DROP TABLE users")
            db.raw("DROP TABLE no_such_table")
        """,
    )
    m = project.migrator()
    m.latest()
    with pytest.raises(MigrationFailed, match=r"down\(\) failed.*stays applied"):
        m.rollback()
    assert "users" in project.tables()
    assert len(project.tracked()) == 1


# -- corruption: never silent, always naming the file --------------------------------------


def test_an_executed_migration_whose_file_is_gone(project: Project) -> None:
    path = project.create("2026_01_01_00_00_00_users", "users", "blog")
    project.migrator().latest()
    path.unlink()
    with pytest.raises(typedb.MigrationError, match="file is missing") as info:
        project.migrator().latest()
    assert str(path) in str(info.value)
    # status() still lists it, marked, instead of dying (the command you reach for).
    [row] = project.migrator().status()
    assert (row.module, row.status, row.problem) == ("blog", "ran", "missing")
    assert row.detail is not None and str(path) in row.detail


def test_a_new_file_named_before_the_last_executed_one_of_its_source(project: Project) -> None:
    project.create("2026_01_02_00_00_00_users", "users")
    project.create("2026_01_05_00_00_00_posts", "blog__posts", "blog")
    project.migrator().latest()
    # Older than the newest blog migration but newer than core's: fine for core...
    project.create("2026_01_03_00_00_00_items", "items")
    # ...while in blog it is out of order.
    late = project.create("2026_01_04_00_00_00_tags", "blog__tags", "blog")
    with pytest.raises(typedb.MigrationError, match="named before 2026_01_05") as info:
        project.migrator().latest()
    assert str(late) in str(info.value)
    assert "items" not in project.tables()
    # Core alone is in order; and allow_unordered runs the blog file too.
    assert len(project.migrator().latest(root=True)) == 1
    assert len(project.migrator(allow_unordered=True).latest()) == 1
    assert "blog__tags" in project.tables()


def test_allow_unordered_from_the_configuration(tmp_path: Path, db_url: str) -> None:
    project = Project(tmp_path / "app", db_url, "allow_unordered = true")
    try:
        project.create("2026_01_02_00_00_00_users", "users")
        project.migrator().latest()
        project.create("2026_01_01_00_00_00_items", "items")
        with pytest.raises(typedb.MigrationError, match="named before"):
            project.migrator(allow_unordered=False).latest()
        rows = project.migrator(allow_unordered=False).status()
        assert [r.problem for r in rows] == ["unordered", None]
        assert len(project.migrator().latest()) == 1
    finally:
        project.close()


def test_a_file_without_up(project: Project) -> None:
    project.create("2026_01_01_00_00_00_users", "users")
    path = project.write("2026_01_02_00_00_00_oops", "def down(db):\n    pass\n")
    with pytest.raises(typedb.MigrationError, match="no up\\(db\\) function") as info:
        project.migrator().latest()
    assert str(path) in str(info.value)
    # Every pending file is imported before any runs.
    assert "users" not in project.tables()


def test_a_file_that_fails_to_import_names_the_cause(project: Project) -> None:
    path = project.write("2026_01_01_00_00_00_broken", "import no_such_module_here\n")
    with pytest.raises(typedb.MigrationError, match="failed to import") as info:
        project.migrator().latest()
    assert str(path) in str(info.value)
    assert "no_such_module_here" in str(info.value)
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_an_applied_file_edited_since(project: Project) -> None:
    path = project.create("2026_01_01_00_00_00_users", "users")
    project.migrator().latest()
    path.write_text(path.read_text() + "\n# tweaked\n")
    with pytest.raises(typedb.MigrationError, match="edited after it ran") as info:
        project.migrator().latest()
    assert str(path) in str(info.value)
    # Line endings alone are not an edit (a CRLF checkout of the same file).
    path.write_bytes(path.read_bytes().replace(b"\n# tweaked\n", b"").replace(b"\n", b"\r\n"))
    assert project.migrator().latest() == []


def test_rolling_back_a_migration_without_down_changes_nothing(project: Project) -> None:
    project.create("2026_01_01_00_00_00_users", "users")
    path = project.write(
        "2026_01_02_00_00_00_items",
        'def up(db):\n    db.raw("CREATE TABLE items (id INTEGER PRIMARY KEY)")\n',
    )
    m = project.migrator()
    m.latest()
    with pytest.raises(typedb.MigrationError, match="no down\\(db\\)") as info:
        m.rollback()
    assert str(path) in str(info.value)
    assert {"users", "items"} <= project.tables()


# -- events, dry run, transaction = False ---------------------------------------------------


def test_events_fire_in_order(project: Project) -> None:
    """Run-level events once per run (the seed: "before running any up", "after all up
    functions complete"), per-migration events once per migration."""
    _three(project)
    m = project.migrator()
    seen: list[tuple[str, object]] = []
    for event in typedb.migrator.EVENTS:
        m.on(event, lambda payload, event=event: seen.append((event, payload)))
    m.up(2)
    m.rollback()

    def short(payload: object) -> object:
        if isinstance(payload, Run):
            return (payload.direction, [s.name[20:] for s in payload.steps])
        assert isinstance(payload, Step)
        return payload.name[20:]

    assert [(e, short(p)) for e, p in seen] == [
        ("migrator:before-migrate", ("up", ["users", "posts"])),
        ("migration:before-up", "users"),
        ("migration:after-up", "users"),
        ("migration:before-up", "posts"),
        ("migration:after-up", "posts"),
        ("migrator:after-migrate", ("up", ["users", "posts"])),
        ("migrator:before-rollback", ("down", ["posts", "users"])),
        ("migration:before-down", "posts"),
        ("migration:after-down", "posts"),
        ("migration:before-down", "users"),
        ("migration:after-down", "users"),
        ("migrator:after-rollback", ("down", ["posts", "users"])),
    ]
    # Timings exist after a migration (and in the finished run), not before.
    for event, payload in seen:
        steps = payload.steps if isinstance(payload, Run) else (payload,)
        assert all((s.seconds is None) == ("before" in event) for s in steps), event  # type: ignore[union-attr]
    # Nothing to do: no run, so no run events; a failure: no after-migrate.
    seen.clear()
    m.latest()
    assert [e for e, _ in seen] == [
        "migrator:before-migrate",
        *["migration:before-up", "migration:after-up"] * 3,
        "migrator:after-migrate",
    ]
    seen.clear()
    assert m.latest() == [] and seen == []
    project.write("2026_01_09_00_00_00_bad", "def up(db):\n    db.raw('SELECT * FROM nope')\n")
    with pytest.raises(MigrationFailed):
        m.latest()
    assert [e for e, _ in seen] == ["migrator:before-migrate", "migration:before-up"]
    with pytest.raises(typedb.MigrationError, match="unknown migrator event"):
        m.on("migrator:after-everything", print)


def test_dry_run_records_sql_and_changes_nothing(project: Project) -> None:
    _three(project)
    project.write(
        "2026_01_04_00_00_00_seed",
        """
        def up(db):
            db.raw("INSERT INTO items (id) VALUES (%s)", [7])

        def down(db):
            db.raw("DELETE FROM items")
        """,
    )
    m = project.migrator()
    steps = m.latest(dry_run=True)
    assert [s.dry_run for s in steps] == [True] * 4
    assert steps[0].statements == ("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);",)
    # Later steps see earlier ones: the seed inserts into the table created before it.
    assert steps[3].statements == ("INSERT INTO items (id) VALUES (%s);  -- parameters: [7]",)
    assert project.tables() == set()  # not even the tracking table
    m.latest()
    down = m.down(2, dry_run=True)
    assert [s.statements for s in down] == [
        ("DELETE FROM items;",),
        ("DROP TABLE items;",),
    ]
    assert "items" in project.tables() and len(project.tracked()) == 4
    assert m.up(dry_run=True) == []


def test_migration_outside_a_transaction(project: Project) -> None:
    project.create("2026_01_01_00_00_00_items", "items", extra="name TEXT")
    concurrently = "CONCURRENTLY " if project.backend == "postgresql" else ""
    project.write(
        "2026_01_02_00_00_00_index",
        f"""
        transaction = False

        def up(db):
            db.raw("CREATE INDEX {concurrently}items_name ON items (name)")

        def down(db):
            db.raw("DROP INDEX {concurrently}items_name")
        """,
    )
    m = project.migrator()
    dry = m.latest(dry_run=True)
    assert [s.transaction for s in dry] == [True, False]
    assert dry[1].statements == ()
    steps = m.latest()
    assert [s.transaction for s in steps] == [True, False]
    assert len(project.tracked()) == 2
    assert [s.name for s in m.down()] == ["2026_01_02_00_00_00_index"]


def test_a_failing_migration_outside_a_transaction_says_so(project: Project) -> None:
    project.write(
        "2026_01_01_00_00_00_half",
        """
        transaction = False

        def up(db):
            db.raw("CREATE TABLE half (id INTEGER PRIMARY KEY)")
            db.raw("SELECT * FROM no_such_table")
        """,
    )
    with pytest.raises(MigrationFailed, match="NOT rolled back"):
        project.migrator().latest()
    assert "half" in project.tables()
    assert project.tracked() == []
