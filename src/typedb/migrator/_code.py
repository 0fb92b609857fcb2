"""Migrations defined in code, as Hedystia and Kysera have them, and a runner over a list.

>>> import typedb
>>> from typedb.migrator import MigrationRunner
>>> create = typedb.migration(
...     "001_create_notes",
...     up=lambda db: db.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"),
...     down=lambda db: db.raw("DROP TABLE notes"),
... )
>>> with typedb.connect("sqlite://") as db:
...     runner = MigrationRunner(db, [create])
...     [step.name for step in runner.up()]
...     [s.status for s in runner.status()]
...     [step.direction for step in runner.reset()]
['001_create_notes']
['ran']
['down']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from typedb._errors import MigrationError
from typedb.connection import Database
from typedb.migrator._engine import Engine, Events, Listener, Logger, check_steps
from typedb.migrator._lock import migration_lock
from typedb.migrator._tracking import Record, Tracking
from typedb.migrator._unit import MigrationFn, Status, Step, Unit


@dataclass(frozen=True, slots=True)
class Migration:
    """A migration defined in code. Made by `typedb.migration()`."""

    name: str
    up: MigrationFn
    down: MigrationFn | None = None
    transaction: bool = True

    def unit(self, module: str | None) -> Unit:
        return Unit(self.name, module, self.up, self.down, self.transaction)


def migration(
    name: str,
    *,
    up: MigrationFn,
    down: MigrationFn | None = None,
    transaction: bool = True,
) -> Migration:
    """A code-defined migration: `up(db)` applies it, `down(db)` (optional) undoes it;
    `transaction=False` runs it outside a transaction (e.g. CREATE INDEX CONCURRENTLY)."""
    if not isinstance(name, str) or not name.strip():
        raise MigrationError(f"a migration needs a non-empty name, got {name!r}")
    if not callable(up):
        raise MigrationError(f"migration {name!r}: up must be a function up(db)")
    if down is not None and not callable(down):
        raise MigrationError(f"migration {name!r}: down must be a function down(db) or None")
    return Migration(name, up, down, transaction)


class MigrationRunner:
    """Runs a list of code-defined migrations, in list order, with the file migrator's
    tracking table, lock, per-migration transactions and events.

    Rows are stored under `module` (None: core). If the same database also has file
    migrations, give the runner a module name of its own (or its own `table`), so that each
    migrator only sees its own rows.
    """

    def __init__(
        self,
        db: Database,
        migrations: Sequence[Migration],
        *,
        use_transactions: bool = True,
        logger: Logger | None = None,
        table: str = "typedb_migrations",
        module: str | None = None,
    ) -> None:
        names = [m.name for m in migrations]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise MigrationError(f"migration names must be unique; repeated: {', '.join(dupes)}")
        self.db = db
        self.migrations = list(migrations)
        self.module = module
        self.tracking = Tracking(table)
        self.events = Events()
        self.log: Logger = logger or logging.getLogger("typedb.migrator")
        self.use_transactions = use_transactions

    def on(self, event: str, callback: Listener) -> None:
        self.events.on(event, callback)

    def _engine(self) -> Engine:
        return Engine(self.db, self.tracking, self.events, self.log, self.use_transactions)

    def _records(self) -> dict[str, Record]:
        records = {r.name: r for r in self.tracking.records(self.db) if r.module == self.module}
        known = {m.name for m in self.migrations}
        for name, record in records.items():
            if name not in known:
                raise MigrationError(
                    f"migration {name!r} ran (batch {record.batch}) but is not in the list "
                    "given to MigrationRunner"
                )
        return records

    def up(self, steps: int | None = None, *, dry_run: bool = False) -> list[Step]:
        """Run the pending migrations (the first `steps` of them), in one new batch."""
        check_steps(steps)
        with migration_lock(self.db, self.tracking.table):
            if not dry_run:
                self.tracking.create(self.db)
            records = self._records()
            pending = [m for m in self.migrations if m.name not in records]
            if steps is not None:
                pending = pending[:steps]
            batch = max((r.batch for r in self.tracking.records(self.db)), default=0) + 1
            plan = [(m.unit(self.module), batch) for m in pending]
            return self._engine().run(plan, "up", dry_run)

    def down(self, steps: int = 1, *, dry_run: bool = False) -> list[Step]:
        """Undo the last `steps` executed migrations, newest first."""
        check_steps(steps)
        with migration_lock(self.db, self.tracking.table):
            records = self._records()
            by_name = {m.name: m for m in self.migrations}
            applied = sorted(
                records.values(),
                key=lambda r: (r.batch, self.migrations.index(by_name[r.name])),
                reverse=True,
            )[:steps]
            plan: list[tuple[Unit, int]] = []
            for record in applied:
                unit = by_name[record.name].unit(self.module)
                if unit.down is None:
                    raise MigrationError(
                        f"migration {unit.label!r} has no down function, so it cannot be "
                        "rolled back (nothing was rolled back)"
                    )
                plan.append((unit, record.batch))
            return self._engine().run(plan, "down", dry_run)

    def reset(self) -> list[Step]:
        """Undo every executed migration, newest first."""
        return self.down(len(self.migrations)) if self.migrations else []

    def status(self) -> list[Status]:
        """Each migration of the list, in order, with whether (and when) it ran."""
        records = self._records()
        out: list[Status] = []
        for m in self.migrations:
            record = records.get(m.name)
            if record is None:
                out.append(Status(m.name, self.module, "pending"))
            else:
                out.append(Status(m.name, self.module, "ran", record.batch, record.executed_at))
        return out
