"""Running migrations: one transaction each with its tracking row, events, timing, dry runs.

Shared by the file-based `Migrator` and the code-defined `MigrationRunner`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from typedb._errors import MigrationError
from typedb.connection import Database
from typedb.migrator._recording import RecordingDriver, recording
from typedb.migrator._tracking import Tracking
from typedb.migrator._unit import Direction, Run, Step, Unit
from typedb.schema._transaction import ForeignKeysOnError

#: Once per run: before the first migration of a run, and after the last one finished.
RUN_EVENTS: tuple[str, ...] = (
    "migrator:before-migrate",
    "migrator:after-migrate",
    "migrator:before-rollback",
    "migrator:after-rollback",
)
#: Once per migration, around its `up` or `down`.
MIGRATION_EVENTS: tuple[str, ...] = (
    "migration:before-up",
    "migration:after-up",
    "migration:before-down",
    "migration:after-down",
)
EVENTS: tuple[str, ...] = RUN_EVENTS + MIGRATION_EVENTS

#: `migrator:*` callbacks get a `Run`, `migration:*` callbacks a `Step`.
Listener = Callable[[Any], object]


class Logger(Protocol):
    """What the migrator logs through: a `logging.Logger`, or anything with these methods."""

    def info(self, msg: str, /, *args: object) -> object: ...
    def error(self, msg: str, /, *args: object) -> object: ...


class MigrationFailed(MigrationError):
    """A migration raised. It was rolled back (unless it opted out of its transaction);
    `completed` lists the steps that finished before it, which stay applied."""

    def __init__(self, message: str, unit: Unit, completed: list[Step]) -> None:
        super().__init__(message)
        self.unit = unit
        self.completed = completed


def check_steps(steps: int | None) -> None:
    """`steps` must be None or a positive int (a bool is not a number of steps)."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise MigrationError(f"steps must be a positive integer, got {steps!r}")


class Events:
    """`on(event, callback)`: callbacks run in registration order; `migrator:*` ones get the
    `Run`, `migration:*` ones the `Step`."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {name: [] for name in EVENTS}

    def _check(self, event: str) -> list[Listener]:
        try:
            return self._listeners[event]
        except KeyError:
            raise MigrationError(
                f"unknown migrator event {event!r}; the events are: {', '.join(EVENTS)}"
            ) from None

    def on(self, event: str, callback: Listener) -> None:
        self._check(event).append(callback)

    def off(self, event: str, callback: Listener) -> None:
        listeners = self._check(event)
        if callback in listeners:
            listeners.remove(callback)

    def emit(self, event: str, payload: Run | Step) -> None:
        for callback in list(self._listeners[event]):
            callback(payload)


class _DryRunDone(Exception):
    """Raised at the end of a dry run so the enclosing transaction rolls everything back."""


def _describe(exc: BaseException) -> str:
    from typedb._errors import TypedbError

    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, TypedbError) else f"{type(exc).__name__}: {text}"


class Engine:
    def __init__(
        self,
        db: Database,
        tracking: Tracking,
        events: Events,
        log: Logger,
        use_transactions: bool = True,
    ) -> None:
        self.db = db
        self.tracking = tracking
        self.events = events
        self.log = log
        self.use_transactions = use_transactions

    def run(
        self,
        plan: Sequence[tuple[Unit, int]],
        direction: Direction,
        dry_run: bool = False,
    ) -> list[Step]:
        """Apply (`up`) or roll back (`down`) each (migration, batch) in order; stop at the
        first failure with `MigrationFailed`."""
        if dry_run:
            return self.dry_run([(plan, direction)])
        if not plan:
            return []
        verb = "migrate" if direction == "up" else "rollback"
        planned = tuple(
            Step(u.name, u.module, direction, b, u.path, transaction=self._transactional(u))
            for u, b in plan
        )
        self.events.emit(f"migrator:before-{verb}", Run(direction, planned))
        done: list[Step] = []
        for unit, batch in plan:
            done.append(self._one(unit, batch, direction, done))
        self.events.emit(f"migrator:after-{verb}", Run(direction, tuple(done)))
        return done

    def _transactional(self, unit: Unit) -> bool:
        return self.use_transactions and unit.transaction

    def _one(self, unit: Unit, batch: int, direction: Direction, done: list[Step]) -> Step:
        transactional = self._transactional(unit)
        step = Step(unit.name, unit.module, direction, batch, unit.path, transaction=transactional)
        self.events.emit(f"migration:before-{direction}", step)
        fn = unit.up if direction == "up" else unit.down
        if fn is None:  # callers check first; this keeps the type checker honest
            raise MigrationError(f"{unit.label}: has no down(db) function, cannot roll it back")
        started = time.perf_counter()
        try:
            if transactional:
                try:
                    with self.db.transaction(immediate=True) as trx:  # FKs on: ON DELETE fires
                        fn(trx)
                        self._track(trx, unit, batch, direction)
                except ForeignKeysOnError:
                    # A SQLite rebuild of a table others reference: everything was rolled back;
                    # run it again where enforcement is off and references are checked at COMMIT.
                    self.log.info("%s: rerunning with foreign keys off for a rebuild", unit.label)
                    with self.db.schema.transaction() as trx:
                        fn(trx)
                        self._track(trx, unit, batch, direction)
            else:
                fn(self.db)
                self._track(self.db, unit, batch, direction)
        except Exception as exc:
            if direction == "down":
                outcome = (
                    "its changes were undone and it stays applied"
                    if transactional
                    else "it stays applied, but statements before the error were NOT undone "
                    "(transaction = False)"
                )
                what = "down() failed"
            else:
                outcome = (
                    "it was rolled back"
                    if transactional
                    else "statements before the error were NOT rolled back (transaction = False)"
                )
                what = "migration failed"
            self.log.error("%s: %s: %s", unit.label, what, _describe(exc))
            raise MigrationFailed(
                f"{unit.label}: {what} ({outcome}): {_describe(exc)}", unit, done
            ) from exc
        seconds = time.perf_counter() - started
        step = Step(
            unit.name,
            unit.module,
            direction,
            batch,
            unit.path,
            seconds=seconds,
            transaction=transactional,
        )
        self.log.info(
            "%s %s (%.1f ms)",
            "migrated" if direction == "up" else "rolled back",
            unit.label,
            seconds * 1000,
        )
        self.events.emit(f"migration:after-{direction}", step)
        return step

    def _track(self, db: Database, unit: Unit, batch: int, direction: Direction) -> None:
        if direction == "up":
            self.tracking.insert(db, unit.name, unit.module, batch, unit.checksum)
        else:
            self.tracking.delete(db, unit.name, unit.module)

    def dry_run(
        self,
        phases: Sequence[tuple[Sequence[tuple[Unit, int]], Direction]],
        prelude: Callable[[Database], Step] | None = None,
    ) -> list[Step]:
        """Run every step of every phase (e.g. `fresh`: all downs, then all ups) inside one
        transaction that is always rolled back, recording SQL; `prelude` runs first in it
        (`fresh --drop-all` drops everything there). Later steps see earlier ones' changes, as
        they would for real. Migrations that opt out of transactions cannot be undone, so they
        are listed but not run. No events fire. Like a real run, foreign keys stay enforced
        unless a SQLite rebuild needs them off; then the whole dry run is done again that way.
        On PostgreSQL, the sequences a statement could draw from are shielded before it runs,
        so that not even they move (see `_sequences`)."""
        rec_db, recorder = recording(self.db)
        for relaxed in (False, True):
            done: list[Step] = []
            block = rec_db.schema.transaction() if relaxed else rec_db.transaction(immediate=True)
            try:
                with block:
                    recorder.shield.start()
                    if prelude is not None:
                        recorder.statements.clear()
                        step = prelude(rec_db)
                        done.append(replace(step, statements=tuple(recorder.statements)))
                    for plan, direction in phases:
                        for unit, batch in plan:
                            done.append(
                                self._dry_step(rec_db, recorder, unit, batch, direction, done)
                            )
                    raise _DryRunDone
            except _DryRunDone:
                return done
            except ForeignKeysOnError:
                if relaxed:
                    raise
        raise AssertionError("unreachable")

    def _dry_step(
        self,
        rec_db: Database,
        recorder: RecordingDriver,
        unit: Unit,
        batch: int,
        direction: Direction,
        done: list[Step],
    ) -> Step:
        fn = unit.up if direction == "up" else unit.down
        step = Step(unit.name, unit.module, direction, batch, unit.path, dry_run=True)
        if not self._transactional(unit) or fn is None:
            return replace(step, transaction=False)
        recorder.statements.clear()
        try:
            with rec_db.transaction() as trx:
                fn(trx)
        except ForeignKeysOnError:
            raise
        except Exception as exc:
            raise MigrationFailed(
                f"{unit.label}: dry run failed (nothing was changed): {_describe(exc)}",
                unit,
                done,
            ) from exc
        return replace(step, statements=tuple(recorder.statements))
