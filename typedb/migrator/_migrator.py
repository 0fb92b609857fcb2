"""`Migrator`: file-based migrations of the core and of every enabled module."""

from __future__ import annotations

import logging
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

from typedb._config import Config, load
from typedb._errors import MigrationError
from typedb.connection import Database
from typedb.migrator import _files
from typedb.migrator._engine import Engine, Events, Listener, Logger, check_steps
from typedb.migrator._files import MigrationFile
from typedb.migrator._lock import migration_lock
from typedb.migrator._tracking import Record, Tracking
from typedb.migrator._unit import Status, Step, Unit

Source = str | None  # None: the core migrations folder
Key = tuple[str | None, str]  # (module, name)


def _source_name(source: Source) -> str:
    return "core" if source is None else f"module {source!r}"


class _State:
    """Files and tracking rows of the sources in scope, checked against each other."""

    def __init__(self, files: list[MigrationFile], records: list[Record]) -> None:
        self.files = files
        self.records = {(r.module, r.name): r for r in records}
        self.pending = [f for f in files if (f.module, f.name) not in self.records]

    @property
    def last_batch(self) -> int:
        return max((r.batch for r in self.records.values()), default=0)

    def applied(self) -> list[Record]:
        """Executed migrations, newest first: the order they are rolled back in."""
        return sorted(
            self.records.values(),
            key=lambda r: (r.batch, r.name, r.module or ""),
            reverse=True,
        )


class Migrator:
    """Runs the project's migration files: `migrations/` and `modules/<name>/migrations/`.

    `db` defaults to the project's database (opened on first use, closed by `close()`);
    `config` to the `[tool.typedb]` of the project around the working directory. Filters:
    `root=True` for core migrations only, `module="name"` for one module; neither means core
    and every enabled module, interleaved by file name.
    """

    def __init__(
        self,
        db: Database | None = None,
        config: Config | None = None,
        *,
        database_url: str | None = None,
        allow_unordered: bool | None = None,
        logger: Logger | None = None,
    ) -> None:
        self._db = db
        self._owns_db = db is None
        self._config = config
        self._database_url = database_url
        self._allow_unordered = allow_unordered
        self.log: Logger = logger or logging.getLogger("typedb.migrator")
        self.events = Events()

    # -- configuration -------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load()
        return self._config

    @property
    def db(self) -> Database:
        if self._db is None:
            from typedb.connection import connect
            from typedb.migrator._project import database_url

            self._db = connect(database_url(self.config, self._database_url))
        return self._db

    @property
    def allow_unordered(self) -> bool:
        if self._allow_unordered is not None:
            return self._allow_unordered
        return self.config.allow_unordered

    @property
    def tracking(self) -> Tracking:
        return Tracking(self.config.migration_table)

    def on(self, event: str, callback: Listener) -> None:
        """Call `callback(step)` on `migrator:before-migrate`, `migrator:after-migrate`,
        `migrator:before-rollback` or `migrator:after-rollback` (once per migration)."""
        self.events.on(event, callback)

    def off(self, event: str, callback: Listener) -> None:
        self.events.off(event, callback)

    # -- scope and state -----------------------------------------------------------------------

    def modules(self) -> list[str]:
        """The enabled modules."""
        return _files.modules(self.config)

    def _sources(self, root: bool, module: str | None) -> list[Source]:
        if root and module is not None:
            raise MigrationError("choose root=True or module=..., not both")
        if root:
            return [None]
        enabled = self.modules()
        if module is not None:
            if module not in enabled:
                where = _files.module_dir(self.config, module)
                known = ", ".join(enabled) or "none"
                state = "is not enabled" if where.is_dir() else f"has no folder {where}"
                raise MigrationError(f"unknown module {module!r}: it {state} (modules: {known})")
            return [module]
        return [None, *enabled]

    def _path(self, module: Source, name: str) -> Path:
        return _files.module_dir(self.config, module) / f"{name}.py"

    def _state(self, sources: list[Source]) -> _State:
        files = _files.discover(self.config, sources)
        records = [r for r in self.tracking.records(self.db) if r.module in sources]
        state = _State(files, records)
        by_key = {(f.module, f.name): f for f in files}
        for key, record in state.records.items():
            file = by_key.get(key)
            if file is None:
                raise MigrationError(
                    f"{self._path(*key)}: this migration ran (batch {record.batch}) but its "
                    "file is missing; restore it (or roll it back where it still exists)"
                )
            if record.checksum is not None and file.checksum != record.checksum:
                raise MigrationError(
                    f"{file.path}: edited after it ran in batch {record.batch} (checksum "
                    "mismatch); restore it and put the change in a new migration"
                )
        if not self.allow_unordered:
            last: dict[Source, str] = {}
            for module, name in state.records:
                last[module] = max(last.get(module, name), name)
            for file in state.pending:
                newest = last.get(file.module)
                if newest is not None and file.name < newest:
                    raise MigrationError(
                        f"{file.path}: new migration is named before {newest}, which already "
                        f"ran ({_source_name(file.module)}); rename it to sort after it, or "
                        "set allow_unordered"
                    )
        return state

    @contextmanager
    def _locked(self, create: bool = True) -> Generator[None, None, None]:
        with migration_lock(self.db, self.config.migration_table):
            if create:
                self.tracking.create(self.db)
            yield

    def _engine(self) -> Engine:
        return Engine(self.db, self.tracking, self.events, self.log)

    def _load_for_rollback(self, records: list[Record]) -> list[tuple[Unit, int]]:
        plan: list[tuple[Unit, int]] = []
        for record in records:
            path = self._path(record.module, record.name)
            unit = _files.load(MigrationFile(record.name, record.module, path))
            if unit.down is None:
                raise MigrationError(
                    f"{path}: has no down(db) function, so it cannot be rolled back "
                    "(nothing was rolled back)"
                )
            plan.append((unit, record.batch))
        return plan

    def _all_batches(self) -> int:
        return max((r.batch for r in self.tracking.records(self.db)), default=0)

    # -- commands ------------------------------------------------------------------------------

    def latest(
        self, *, root: bool = False, module: str | None = None, dry_run: bool = False
    ) -> list[Step]:
        """Run every pending migration, in one new batch."""
        sources = self._sources(root, module)
        with self._locked(create=not dry_run):
            state = self._state(sources)
            if not state.pending:
                return []
            return self._run_pending_batch(state, None, dry_run)

    def _run_pending_batch(self, state: _State, steps: int | None, dry_run: bool) -> list[Step]:
        pending = state.pending if steps is None else state.pending[:steps]
        # Import every file first: a broken one stops the run before anything changes.
        units = [_files.load(f) for f in pending]
        # Batches are numbered across the whole table, not per module.
        batch = self._all_batches() + 1
        return self._engine().run([(u, batch) for u in units], "up", dry_run)

    def up(
        self,
        steps: int = 1,
        *,
        root: bool = False,
        module: str | None = None,
        dry_run: bool = False,
    ) -> list[Step]:
        """Run the next `steps` pending migrations, in one new batch."""
        check_steps(steps)
        sources = self._sources(root, module)
        with self._locked(create=not dry_run):
            state = self._state(sources)
            return self._run_pending_batch(state, steps, dry_run) if state.pending else []

    def down(
        self,
        steps: int = 1,
        *,
        root: bool = False,
        module: str | None = None,
        dry_run: bool = False,
    ) -> list[Step]:
        """Roll back the last `steps` executed migrations (newest batch, then name, first)."""
        check_steps(steps)
        sources = self._sources(root, module)
        with self._locked(create=not dry_run):
            state = self._state(sources)
            plan = self._load_for_rollback(state.applied()[:steps])
            return self._engine().run(plan, "down", dry_run)

    def migrate(
        self, *, root: bool = False, module: str | None = None, steps: int | None = None
    ) -> list[Step]:
        """`latest()`, or `up(steps)` when `steps` is given."""
        check_steps(steps)
        if steps is None:
            return self.latest(root=root, module=module)
        return self.up(steps, root=root, module=module)

    def rollback(
        self, *, root: bool = False, module: str | None = None, steps: int | None = None
    ) -> list[Step]:
        """Roll back the last batch (of the migrations in scope), or the last `steps`
        migrations when `steps` is given."""
        check_steps(steps)
        if steps is not None:
            return self.down(steps, root=root, module=module)
        sources = self._sources(root, module)
        with self._locked():
            applied = self._state(sources).applied()
            if not applied:
                return []
            batch = applied[0].batch
            plan = self._load_for_rollback([r for r in applied if r.batch == batch])
            return self._engine().run(plan, "down")

    def fresh(
        self, *, root: bool = False, module: str | None = None, steps: int | None = None
    ) -> list[Step]:
        """Roll back every executed migration in scope (or the last `steps`), then run every
        pending one in a new batch."""
        check_steps(steps)
        sources = self._sources(root, module)
        with self._locked():
            applied = self._state(sources).applied()
            if steps is not None:
                applied = applied[:steps]
            done = self._engine().run(self._load_for_rollback(applied), "down")
            state = self._state(sources)
            if state.pending:
                done += self._run_pending_batch(state, None, False)
            return done

    def status(self, *, root: bool = False, module: str | None = None) -> list[Status]:
        """Every migration in scope, in run order, with whether (and when) it ran.
        Raises `MigrationError` on a missing, edited or misordered file."""
        state = self._state(self._sources(root, module))
        out: list[Status] = []
        for file in state.files:
            record = state.records.get((file.module, file.name))
            if record is None:
                out.append(Status(file.name, file.module, "pending", path=file.path))
            else:
                out.append(
                    Status(
                        file.name,
                        file.module,
                        "ran",
                        record.batch,
                        record.executed_at,
                        file.path,
                    )
                )
        return out

    # `list` last: defining it earlier would shadow the builtin in the annotations below it.
    def list(self, *, root: bool = False, module: str | None = None) -> list[Status]:
        """The same as `status()` (Kysely's name)."""
        return self.status(root=root, module=module)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database if the migrator opened it."""
        if self._owns_db and self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
