"""Code-defined migrations (`typedb.migration`) and `MigrationRunner`, on both backends."""

from __future__ import annotations

import pytest

import typedb
from typedb.migrator import MigrationFailed, MigrationRunner, Step


def _table(name: str) -> typedb.migrator.Migration:
    def up(db: typedb.Database) -> None:
        db.raw(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)")  # type: ignore[arg-type]

    def down(db: typedb.Database) -> None:
        db.raw(f"DROP TABLE {name}")  # type: ignore[arg-type]

    return typedb.migration(f"create_{name}", up=up, down=down)


def _tables(db: typedb.Database) -> set[str]:
    if db.dialect.name == "sqlite":
        rows = db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = db.raw(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        )
    return {str(r["name"]) for r in rows}


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str, /, *args: object) -> None:
        self.lines.append(msg % args)

    def error(self, msg: str, /, *args: object) -> None:
        self.lines.append("ERROR " + msg % args)


def test_runner_up_down_status_reset(db: typedb.Database) -> None:
    log = _Log()
    migrations = [_table("a"), _table("b"), _table("c")]
    runner = MigrationRunner(db, migrations, logger=log)
    assert [s.name for s in runner.up(2)] == ["create_a", "create_b"]
    assert [(s.name, s.status, s.batch) for s in runner.status()] == [
        ("create_a", "ran", 1),
        ("create_b", "ran", 1),
        ("create_c", "pending", None),
    ]
    assert [s.batch for s in runner.up()] == [2]
    assert [s.name for s in runner.down()] == ["create_c"]
    assert {"a", "b"} <= _tables(db) and "c" not in _tables(db)
    assert [s.name for s in runner.reset()] == ["create_b", "create_a"]
    assert not {"a", "b", "c"} & _tables(db)
    assert any(line.startswith("migrated create_a") for line in log.lines)
    assert any(line.startswith("rolled back create_b") for line in log.lines)


def test_runner_failure_rolls_back_and_logs(db: typedb.Database) -> None:
    def broken(db: typedb.Database) -> None:
        db.raw("CREATE TABLE half (id INTEGER PRIMARY KEY)")
        db.raw("SELECT * FROM missing_table")

    log = _Log()
    runner = MigrationRunner(db, [_table("a"), typedb.migration("broken", up=broken)], logger=log)
    with pytest.raises(MigrationFailed, match=r"broken.*missing_table") as info:
        runner.up()
    assert [s.name for s in info.value.completed] == ["create_a"]
    assert "half" not in _tables(db) and "a" in _tables(db)
    assert [s.status for s in runner.status()] == ["ran", "pending"]
    assert any(line.startswith("ERROR broken") for line in log.lines)


def test_use_transactions_false_keeps_partial_work(db: typedb.Database) -> None:
    def broken(db: typedb.Database) -> None:
        db.raw("CREATE TABLE half (id INTEGER PRIMARY KEY)")
        db.raw("SELECT * FROM missing_table")

    runner = MigrationRunner(db, [typedb.migration("broken", up=broken)], use_transactions=False)
    with pytest.raises(MigrationFailed, match="NOT rolled back"):
        runner.up()
    assert "half" in _tables(db)


def test_runner_events_and_dry_run(db: typedb.Database) -> None:
    runner = MigrationRunner(db, [_table("a")])
    seen: list[Step] = []
    runner.on("migration:after-up", seen.append)
    dry = runner.up(dry_run=True)
    assert dry[0].statements == ("CREATE TABLE a (id INTEGER PRIMARY KEY);",)
    assert seen == [] and "a" not in _tables(db)
    runner.up()
    assert [s.name for s in seen] == ["create_a"]


def test_bad_definitions_are_clear_errors(db: typedb.Database) -> None:
    with pytest.raises(typedb.MigrationError, match="non-empty name"):
        typedb.migration("", up=print)
    with pytest.raises(typedb.MigrationError, match="up must be a function"):
        typedb.migration("x", up=None)  # type: ignore[arg-type]
    with pytest.raises(typedb.MigrationError, match="repeated: create_a"):
        MigrationRunner(db, [_table("a"), _table("a")])
    runner = MigrationRunner(db, [_table("a"), typedb.migration("no_down", up=lambda db: None)])
    runner.up()
    with pytest.raises(typedb.MigrationError, match="positive integer"):
        runner.down(-1)
    with pytest.raises(typedb.MigrationError, match="no down function"):
        runner.down()
    # A runner whose list lost an executed migration says so instead of ignoring it.
    with pytest.raises(typedb.MigrationError, match="'create_a' ran"):
        MigrationRunner(db, [typedb.migration("no_down", up=lambda db: None)]).status()
