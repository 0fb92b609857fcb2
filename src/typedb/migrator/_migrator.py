"""`Migrator`: file-based migrations of the core and of every enabled module."""

from __future__ import annotations

import difflib
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
from typedb.migrator._state import Source, State, check
from typedb.migrator._tracking import Record, Tracking
from typedb.migrator._unit import Status, Step, Unit
from typedb.migrator._wipe import drop_all


class UnknownModuleError(MigrationError):
    """`module=` names no enabled module (the CLI treats it as bad usage, exit 2)."""


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
        self._tracking: Tracking | None = None

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
        if self._tracking is None:
            self._tracking = Tracking(self.config.migration_table)
        return self._tracking

    def on(self, event: str, callback: Listener) -> None:
        """Call `callback` on an event. Once per run, with the `Run` (direction and steps):
        `migrator:before-migrate` before the first `up`, `migrator:after-migrate` after the
        last; `migrator:before-rollback` / `migrator:after-rollback` likewise for `down`.
        Once per migration, with its `Step`: `migration:before-up`, `migration:after-up`,
        `migration:before-down`, `migration:after-down`. Dry runs fire none."""
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
                close = difflib.get_close_matches(module, enabled, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise UnknownModuleError(
                    f"unknown module {module!r}: it {state} (modules: {known}){hint}"
                )
            return [module]
        return [None, *enabled]

    def _path(self, module: Source, name: str) -> Path:
        return _files.module_dir(self.config, module) / f"{name}.py"

    def _state(self, sources: list[Source], strict: bool = True) -> State:
        """The files and rows in scope; `strict` raises on the first problem found."""
        files = _files.discover(self.config, sources)
        records = [r for r in self.tracking.records(self.db) if r.module in sources]
        paths = {(r.module, r.name): self._path(r.module, r.name) for r in records}
        state = check(files, records, paths, self.allow_unordered)
        if strict:
            state.raise_first()
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

    def _run_pending_batch(self, state: State, steps: int | None, dry_run: bool) -> list[Step]:
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
        self,
        *,
        root: bool = False,
        module: str | None = None,
        steps: int | None = None,
        dry_run: bool = False,
    ) -> list[Step]:
        """Roll back the last batch (of the migrations in scope), or the last `steps`
        migrations when `steps` is given."""
        check_steps(steps)
        if steps is not None:
            return self.down(steps, root=root, module=module, dry_run=dry_run)
        sources = self._sources(root, module)
        with self._locked(create=not dry_run):
            applied = self._state(sources).applied()
            if not applied:
                return []
            batch = applied[0].batch
            plan = self._load_for_rollback([r for r in applied if r.batch == batch])
            return self._engine().run(plan, "down", dry_run)

    def fresh(
        self,
        *,
        root: bool = False,
        module: str | None = None,
        steps: int | None = None,
        dry_run: bool = False,
        drop_all: bool = False,
    ) -> list[Step]:
        """Roll back every executed migration in scope (or the last `steps`), then run every
        pending one in a new batch.

        `drop_all=True` is Laravel's `fresh`: drop every table of the database (on
        PostgreSQL, every table, view, sequence and type of the migration table's schema)
        instead of calling `down()`, then run every migration. It cannot be scoped."""
        check_steps(steps)
        if drop_all:
            if root or module is not None or steps is not None:
                raise MigrationError(
                    "drop_all drops every table, so it takes no root, module or steps"
                )
            return self._fresh_drop_all(dry_run)
        sources = self._sources(root, module)
        with self._locked(create=not dry_run):
            state = self._state(sources)
            applied = state.applied()
            if steps is not None:
                applied = applied[:steps]
            rollback = self._load_for_rollback(applied)
            if dry_run:
                # What will be pending once those are rolled back, without touching anything.
                undone = {(r.module, r.name) for r in applied}
                pending = [
                    f for f in state.files
                    if (f.module, f.name) not in state.records or (f.module, f.name) in undone
                ]  # fmt: skip
                kept = [r.batch for r in self.tracking.records(self.db)
                        if (r.module, r.name) not in undone]  # fmt: skip
                batch = max(kept, default=0) + 1
                ups = [(_files.load(f), batch) for f in pending]
                return self._engine().dry_run([(rollback, "down"), (ups, "up")])
            done = self._engine().run(rollback, "down")
            state = self._state(sources)
            if state.pending:
                done += self._run_pending_batch(state, None, False)
            return done

    def _fresh_drop_all(self, dry_run: bool) -> list[Step]:
        sources = self._sources(False, None)
        with self._locked(create=False):
            if dry_run:
                files = self._state(sources, strict=False).files
                units = [(_files.load(f), 1) for f in files]

                def wipe(db: Database) -> Step:
                    drop_all(db, self.tracking)
                    return Step("(drop every table)", None, "down", 0, dry_run=True)

                return self._engine().dry_run([(units, "up")], prelude=wipe)
            # Import every file first: a broken one stops the run before anything is dropped.
            for file in _files.discover(self.config, sources):
                _files.load(file)
            dropped = drop_all(self.db, self.tracking)
            self.log.info("dropped %d table(s) and other objects", len(dropped))
            self.tracking.create(self.db)
            state = self._state(sources)
            return self._run_pending_batch(state, None, False) if state.pending else []

    def mark(self, name: str, *, ran: bool, module: str | None = None) -> Status:
        """Record a migration as run (`ran=True`) or pending (`ran=False`) without running
        anything, like Alembic's `stamp`: the repair for a `transaction = False` migration
        that stopped halfway, once its effects have been finished or undone by hand.

        `name` is the file name without `.py`, or its end after the timestamp
        (`create_users`) when that is unique in the scope. A migration marked as run gets
        a batch of its own and the file's current checksum."""
        sources = self._sources(False, module)
        with self._locked():
            state = self._state(sources, strict=False)
            key = self._find(state, name)
            record = state.records.get(key)
            path = self._path(*key)
            if ran:
                if record is not None:
                    raise MigrationError(f"{path}: already marked as run (batch {record.batch})")
                batch = self._all_batches() + 1
                self.tracking.insert(self.db, key[1], key[0], batch, _files.checksum(path))
                self.log.info("marked %s as run (batch %d)", path, batch)
            else:
                if record is None:
                    raise MigrationError(f"{path}: already pending (it is not marked as run)")
                self.tracking.delete(self.db, key[1], key[0])
                self.log.info("marked %s as pending", path)
            return next(
                s
                for s in self._statuses(self._state(sources, strict=False))
                if (s.module, s.name) == key
            )

    def _find(self, state: State, name: str) -> tuple[str | None, str]:
        keys = {(f.module, f.name) for f in state.files} | set(state.records)
        exact = [k for k in keys if k[1] == name]
        found = exact or [k for k in keys if k[1].endswith(f"_{name}")]
        if len(found) == 1:
            return found[0]
        if not found:
            raise MigrationError(f"no migration named {name!r} (see `typedb migration:status`)")
        names = ", ".join(sorted(f"{k[0] or 'core'}:{k[1]}" for k in found))
        raise MigrationError(f"{name!r} names several migrations ({names}); give the full name")

    def status(self, *, root: bool = False, module: str | None = None) -> list[Status]:
        """Every migration in scope, in run order, with whether (and when) it ran. A
        missing, edited or misordered file does not stop it: that migration's `problem`
        says what is wrong (a missing file is listed from its tracking row)."""
        return self._statuses(self._state(self._sources(root, module), strict=False))

    def _statuses(self, state: State) -> list[Status]:
        problems = {p.key: p for p in state.problems}
        out: list[Status] = []
        keys = sorted(
            {(f.module, f.name) for f in state.files} | set(state.records),
            key=lambda k: (k[1], k[0] or ""),
        )
        paths = {(f.module, f.name): f.path for f in state.files}
        for key in keys:
            module, name = key
            record = state.records.get(key)
            problem = problems.get(key)
            path = paths.get(key) or self._path(module, name)
            note = None if problem is None else problem.message
            kind = None if problem is None else problem.kind
            if record is None:
                out.append(Status(name, module, "pending", path=path, problem=kind, detail=note))
            else:
                out.append(
                    Status(
                        name,
                        module,
                        "ran",
                        record.batch,
                        record.executed_at,
                        path,
                        problem=kind,
                        detail=note,
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
