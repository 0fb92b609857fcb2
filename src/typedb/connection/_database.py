"""`Database`: a pool of connections, its dialect, transactions, and the builders' entry points.

A `Database` is safe to share between threads. A statement outside a transaction borrows a
connection for that statement; `transaction()` pins one connection to the current thread for
its block (a `ContextVar`, checked against the thread, so neither another thread nor a copied
context can run statements inside it), and nested blocks use that connection's savepoints.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import replace
from threading import get_ident
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, Self, TypeVar, cast

from typedb._errors import CompileError, QueryError, TypedbError
from typedb._sql import Parameters
from typedb._url import Url, resolve
from typedb.connection._driver import (
    BEGIN_ATTEMPTS,
    BulkCopier,
    CopyRun,
    Driver,
    Kinds,
    LostConnection,
    Row,
)
from typedb.connection._fork import OPEN
from typedb.connection._nesting import UNORDERED, Turns, broken_error
from typedb.connection._pools import (
    DEFAULT_POOL_MAX,
    DEFAULT_POOL_MIN,
    DEFAULT_POOL_TIMEOUT,
    Pool,
)
from typedb.connection._transaction import (
    begin_sql,
    commit_plan,
    refuse_transaction_control,
    rollback_plan,
)
from typedb.dialects import Dialect
from typedb.query import DeleteQuery, InsertQuery, SelectQuery, SoftDeleteQuery, UpdateQuery
from typedb.query._base import Result, Statement, Tables, raise_named
from typedb.query._locks import LockingSql, unlocked_error
from typedb.query._timestamps import (
    SCHEMA_CHANGE,
    TimestampTables,
    catalog_query,
    has_timestamps,
)
from typedb.query._with import QueryCreator
from typedb.query._write import RestoreQuery

_DDL = re.compile(r"\s*(?:CREATE|ALTER|DROP)\b", re.IGNORECASE)

if TYPE_CHECKING:
    from typedb.schema import SchemaBuilder

T = TypeVar("T")

#: SQLite files run in WAL mode: measured in benchmarks/concurrency.py, see README.
SQLITE_WAL = True


class Pin:
    """A transaction's connection, for the thread that began it (0 once the block ended)."""

    __slots__ = ("driver", "thread")

    def __init__(self, driver: Driver, thread: int) -> None:
        self.driver = driver
        self.thread = thread

    def drop(self) -> None:
        self.thread = 0


class Database:
    """A SQLite or PostgreSQL database with the whole typedb API, safe to share between threads.

    >>> with connect("sqlite://") as db:
    ...     db.raw("SELECT 1 + %s AS two", [1])
    [{'two': 2}]
    """

    #: The dialect's name, read by every builder (Query.__init__) without the property.
    _dialect_name: str | None = None

    def __init__(self, pool: Pool, url: Url) -> None:
        self._pool = pool
        self.url = url
        self._dialect_name = pool.dialect.name
        # The connection and thread of the transaction this context is in, if any.
        self._pinned: ContextVar[Pin | None] = ContextVar("typedb_pinned", default=None)
        executor = getattr(pool, "executor", None)
        if executor is not None and type(self)._execute is Database._execute:  # not overridden
            # PostgreSQL's pool makes _execute itself, its per-statement work inlined (see
            # PostgresPool.executor): this is every builder statement's path.
            self._execute = executor(self._pinned)  # type: ignore[method-assign]
        # Closes the connections when the Database is dropped, or at interpreter exit.
        self._finalizer = weakref.finalize(self, pool.close)
        # Tables with add_timestamp_columns()'s columns, learned per table (query._timestamps).
        self._timestamp_tables = TimestampTables()

    @property
    def dialect(self) -> Dialect:
        return self._pool.dialect

    @property
    def in_transaction(self) -> bool:
        driver = self._current()
        return driver is not None and driver.depth > 0

    def _current(self) -> Driver | None:
        """The connection pinned to this thread (or task) by a transaction, if any."""
        pinned = self._pinned.get()
        if pinned is not None and pinned.thread == get_ident():
            return pinned.driver
        return None

    # -- raw SQL -------------------------------------------------------------------------------

    def raw(self, sql: LiteralString, params: Parameters | None = None) -> list[Row]:
        """Run SQL as written. Placeholders are `%s` / `%(name)s` on every backend (`%%` is a
        literal `%` when params are given). Returns the rows as dicts ([] for none).
        BEGIN / COMMIT / ROLLBACK are refused: use `transaction()`."""
        if not isinstance(sql, str):
            raise CompileError(f"raw() needs SQL text, got {type(sql).__name__}")
        refuse_transaction_control(sql)
        if SCHEMA_CHANGE.search(sql):
            self._timestamp_tables.schema_changed()
        driver = self._current()
        if driver is not None:
            if self.dialect.name == "sqlite" and _DDL.match(sql):
                # Inside db.schema.transaction() temporary triggers do the foreign key
                # actions; like the builders' DDL, raw DDL gets them rebuilt for the new
                # schema (a table it creates with ON DELETE CASCADE cascades in the block).
                from typedb.schema._fk_actions import paused

                with paused(self):
                    return self._in_turn(driver, driver.run_raw, sql, params)[0]
            return self._in_turn(driver, driver.run_raw, sql, params)[0]
        return self._pool.run_raw(sql, params)[0]

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Generator[Transaction, None, None]:
        """Commit on success, roll back on an exception. Nested calls use savepoints.

        The block has a connection of its own: statements run through `db` in this thread
        inside the block are part of the transaction, statements of other threads are not.
        `immediate=True` (SQLite; PostgreSQL ignores it) takes the write lock at BEGIN: a
        transaction that reads and then writes waits for another writer instead of failing
        with "database is locked". Without it, readers never wait.
        """
        driver = self._current()
        if driver is not None:
            # self._turns(driver), inlined (as the dispatch below): every block comes here
            if isinstance(self, Transaction):
                turns, via = self._stack, self
            else:
                turns, via = driver.turns, None
            if turns is None and driver.depth == 0:  # a dry run's recording `trx`
                driver.command(begin_sql(0, immediate, self.dialect))
                block = self._outermost(driver)
            else:
                block = self._savepoint(driver, turns, via)
            with block as trx:
                yield trx
            return
        tables = self._timestamp_tables
        mark = tables.mark()
        rolled_back = True
        try:
            for attempt in range(BEGIN_ATTEMPTS):
                with self._pin() as driver:
                    turns = driver.turns  # not None: a facade standing in a transaction
                    if turns is None and driver.depth == 0:
                        try:
                            driver.command(begin_sql(0, immediate, self.dialect))
                        except LostConnection:
                            # Its session ended within the window a hot connection is not
                            # polled in: dropped as the pin lets go, BEGIN on another one.
                            if attempt + 1 == BEGIN_ATTEMPTS:
                                raise
                            continue
                        block = self._outermost(driver)
                    else:
                        block = self._savepoint(driver, turns, None)
                    with block as trx:
                        yield trx
                break
            rolled_back = False
        finally:
            tables.ended(mark, rolled_back)

    def _turns(self, driver: Driver) -> tuple[Turns | None, Transaction | None]:
        """The stack of blocks of the transaction `driver` is in (None: in none), and the
        `trx` this runs through (None: this thread's own pinned connection)."""
        return driver.turns, None

    def _in_turn(self, driver: Driver, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)`, a statement on `driver`, when it is this thread's turn on a
        transaction's connection other threads may share (see _nesting)."""
        turns, via = self._turns(driver)
        if turns is None:
            return call(*args)
        return turns.run(get_ident(), via, call, *args)

    @contextmanager
    def _pin(self) -> Generator[Driver, None, None]:
        """Keep one connection for this thread for the block (a transaction, or the migrator's
        session lock); re-entrant."""
        driver = self._current()
        if driver is not None:
            yield driver
            return
        pool = self._pool  # the pool it came from, even if a LazyDatabase reopens meanwhile
        driver = pool.acquire()
        pin = Pin(driver, get_ident())
        token = self._pinned.set(pin)
        OPEN.add(pin)  # dropped in a child forked inside the block (see _fork)
        try:
            yield driver
        finally:
            OPEN.discard(pin)
            # Unpinned in every context that copied it, and the connection released, even
            # when the block ends in another context than it began in (a generator holding
            # the block, resumed by another thread: Starlette streams sync generators so),
            # where reset() refuses the token.
            pin.thread = 0
            try:
                self._pinned.reset(token)
            except ValueError:
                pass
            finally:
                pool.release(driver)

    @contextmanager
    def _outermost(self, driver: Driver) -> Generator[Transaction, None, None]:
        """.. COMMIT after the caller's BEGIN; the block's stack of nested blocks starts
        with it."""
        driver.depth = 1
        trx = Transaction(self._pool, self.url, driver)
        trx._timestamp_tables = self._timestamp_tables
        driver.turns = turns = trx._stack = Turns(get_ident(), trx, self._pool.timeout)
        try:
            yield trx
        except BaseException:
            trx.ended = True
            with turns.lock:  # after a statement another thread has under way
                # Everything is rolled back, other threads' nested blocks with it: theirs
                # then find the transaction ended, and run nothing on the connection.
                turns.end()
                turns.notify()
                driver.turns = None
                driver.depth = 0
                with suppress(TypedbError):  # a lost connection must not hide the cause
                    for sql in rollback_plan(0, driver.in_transaction()):
                        driver.command(sql)
            raise
        with turns.lock:
            # The nested blocks other threads opened in it end first (savepoints are a stack);
            # their statements through this `trx` meanwhile are theirs to run.
            down = len(turns.owners) == 1 or turns.wait_down_to(1)
            trx.ended = True
            broken = turns.broken or (None if down else UNORDERED)
            turns.top, turns.broken = None, broken  # turns.end(broken), inlined
            if turns.changed is not None:
                turns.changed.notify_all()
            driver.turns = None
            driver.depth = 0
            if broken is not None:
                with suppress(TypedbError):
                    for sql in rollback_plan(0, driver.in_transaction()):
                        driver.command(sql)
                raise broken_error(broken)
            self._commit(driver, 0)

    @contextmanager
    def _savepoint(
        self, driver: Driver, turns: Turns | None, via: Transaction | None
    ) -> Generator[Transaction, None, None]:
        """A nested block: SAVEPOINT .. RELEASE, in this thread's turn (see _nesting).
        `turns` None: a connection in a transaction no typedb block began (no stack)."""
        if turns is None:
            with self._unstacked(driver) as trx:
                yield trx
            return
        me = get_ident()
        with turns.lock:
            if turns.top != me:
                turns.wait(me, via, "a turn to open a nested transaction()")
            level = driver.depth  # read in its turn: it moved while others' blocks ended
            driver.command(begin_sql(level, False, self.dialect))
            driver.depth = level + 1
            trx = Transaction(self._pool, self.url, driver)
            trx._timestamp_tables = self._timestamp_tables
            trx._stack, trx.level = turns, level + 1
            turns.owners.append(me)  # turns.push(me, trx), inlined
            turns.blocks.append(trx)
            turns.top = cast("object", me)  # not narrowed to int: it becomes None at the end
        try:
            yield trx
        except BaseException:
            with turns.lock:
                down = turns.wait_down_to(level + 1)
                trx.ended = True
                if down and turns.top is not None:
                    turns.pop()
                    driver.depth = level
                    self._undo(driver, level)
                elif turns.top is not None:  # others' blocks still open on top of it
                    turns.end(UNORDERED)
                turns.notify()
            raise
        with turns.lock:
            down = len(turns.owners) == level + 1 or turns.wait_down_to(level + 1)
            trx.ended = True
            if not down:
                turns.end(UNORDERED)
            if turns.top is None:  # ended or broken under it: nothing of it to release
                turns.notify()
                if turns.broken is not None:
                    raise broken_error(turns.broken)
                raise _ended()
            turns.owners.pop()  # turns.pop(), inlined
            turns.blocks.pop()
            turns.top = turns.owners[-1]
            driver.depth = level
            try:
                self._commit(driver, level)
            finally:
                if turns.changed is not None:  # turns.notify(), inlined
                    turns.changed.notify_all()

    @contextmanager
    def _unstacked(self, driver: Driver) -> Generator[Transaction, None, None]:
        level = driver.depth
        driver.command(begin_sql(level, False, self.dialect))
        driver.depth = level + 1
        trx = Transaction(self._pool, self.url, driver)
        trx._timestamp_tables = self._timestamp_tables
        try:
            yield trx
        except BaseException:
            trx.ended = True
            driver.depth = level
            self._undo(driver, level)
            raise
        trx.ended = True
        driver.depth = level
        self._commit(driver, level)

    def _undo(self, driver: Driver, level: int) -> None:
        """Roll the block at `level` back after an exception (a failed rollback, a lost
        connection, must not hide the error that caused it)."""
        with suppress(TypedbError):
            for sql in rollback_plan(level, driver.in_transaction()):
                driver.command(sql)

    def _commit(self, driver: Driver, level: int) -> None:
        """End the block at `level` that raised nothing: COMMIT, or RELEASE its savepoint."""
        statements, error = commit_plan(
            level, driver.in_transaction(), driver.aborted(), self.dialect
        )
        try:
            for sql in statements:
                driver.command(sql)
        except QueryError:
            # A COMMIT can fail (a deferred constraint, SQLite busy): end the transaction so
            # the connection stays usable, then report the failure.
            if level == 0 and driver.in_transaction():
                with suppress(TypedbError):
                    driver.command("ROLLBACK")
            raise
        if error is not None:
            raise error

    # -- builders ------------------------------------------------------------------------------

    @property
    def schema(self) -> SchemaBuilder:
        from typedb.schema import SchemaBuilder

        return SchemaBuilder(self)

    def select_from(self, table: str) -> SelectQuery:
        """A SELECT on `table` (`"items"` or `"items as i"`); see `typedb.query`."""
        return SelectQuery(self, table)

    def insert_into(self, table: str) -> InsertQuery:
        """An INSERT of `values(row | [rows])` into `table`."""
        return InsertQuery(self, table)

    def update_table(self, table: str) -> UpdateQuery:
        """An UPDATE: `set({...})` on the rows matched by `where(...)`."""
        return UpdateQuery(self, table)

    def delete_from(self, table: str) -> DeleteQuery:
        """A DELETE of the rows matched by `where(...)`."""
        return DeleteQuery(self, table)

    def soft_delete(self, table: str) -> SoftDeleteQuery:
        """Set `deleted_at` to now (UTC) on the rows matched by `where(...)`."""
        return SoftDeleteQuery(self, table)

    def restore(self, table: str) -> RestoreQuery:
        """Set `deleted_at` back to NULL on the soft-deleted rows matched by `where(...)`."""
        return RestoreQuery(self, table)

    def with_(self, name: str, query: Any | Callable[[QueryCreator], Any]) -> QueryCreator:
        """A CTE: `db.with_("recent", q).select_from("recent")`."""
        return QueryCreator(self).with_(name, query)

    def with_recursive(self, name: str, query: Any | Callable[[QueryCreator], Any]) -> QueryCreator:
        """A recursive CTE: `db.with_recursive("tree(id, depth)", base.union_all(step))`."""
        return QueryCreator(self).with_recursive(name, query)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection (also done at interpreter exit)."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url.masked}>"

    # -- the builders' door: the only place sync and async differ ---------------------------

    def _run(self, sql: str, params: Parameters | None = None) -> Result:
        """Run compiled SQL (native placeholders, values bound) on this thread's connection."""
        if SCHEMA_CHANGE.search(sql):
            self._timestamp_tables.schema_changed()
        pinned = self._pinned.get()
        if pinned is not None and pinned.thread == get_ident():
            return self._in_turn(pinned.driver, pinned.driver.run, sql, params)
        return self._pool.run(sql, params)

    def _execute(
        self, sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
    ) -> T:
        """What a builder's execute*() returns: `post` of the statement's result. The async
        database returns an awaitable of the same. `tables` (the statement's tables, asked for
        only then) name the table in an unknown column's error."""
        try:
            pinned = self._pinned.get()
            if pinned is not None and pinned.thread == (me := get_ident()):
                driver = pinned.driver
                turns = driver.turns
                if turns is None:  # pinned outside a transaction (the migrator's lock)
                    return post(driver.run(sql, params))
                with turns.lock:  # as Turns.run, inlined: every statement of a block
                    if turns.top != me:
                        turns.wait(me, None, "a turn to run a statement")
                    result = driver.run(sql, params)
                return post(result)
            if type(sql) is LockingSql:
                raise unlocked_error(tables())
            return post(self._pool.run(sql, params))
        except QueryError as exc:
            raise_named(exc, tables)

    def _execute_plan(
        self, statements: Sequence[Statement], post: Callable[[list[Result]], T], tables: Tables
    ) -> T:
        """Several statements, all or nothing (in one transaction when more than one)."""
        try:
            if len(statements) == 1:
                return post([self._run(*statements[0])])
            with self.transaction() as trx:
                return post([trx._run(sql, params) for sql, params in statements])
        except QueryError as exc:
            raise_named(exc, tables)

    def _copy_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Kinds | None = None,
    ) -> int | None:
        """A bulk insert through PostgreSQL's COPY, where it stores exactly what INSERT would
        (see _pg_copy); None, having written nothing, where it would not. The catalog query
        that decides it and the COPY run in one transaction (a savepoint inside one, as
        chunked INSERTs do, so a failed bulk insert undoes only itself): behind a pooler in
        transaction mode, two transactions can land on two server sessions, which may
        resolve the table (a temporary one, another search_path) or the time zone apart."""
        if self.dialect.name != "postgresql":
            return None
        with self.transaction() as trx:
            driver = trx._current()
            if not isinstance(driver, BulkCopier):
                return None
            return trx._in_turn(driver, driver.copy_rows, table, columns, rows, kinds)

    def _copy_runs(self, table: str, runs: Sequence[CopyRun], tables: Tables) -> int | None:
        """A bulk insert of rows in runs of different columns: each run with `columns` goes
        as one COPY where it stores what INSERT would, any other (or a declined one) as its
        `plan`'s INSERTs; all in one transaction (a savepoint inside one), so a failure in
        any run leaves nothing of the others. The row count, or None (nothing run) where
        this database has no COPY."""
        if self.dialect.name != "postgresql":
            return None
        try:
            with self.transaction() as trx:
                driver = trx._current()
                if not isinstance(driver, BulkCopier):
                    return None
                count = 0
                for columns, rows, kinds, plan in runs:
                    copied = (
                        trx._in_turn(driver, driver.copy_rows, table, columns, rows, kinds)
                        if columns
                        else None
                    )
                    if copied is None:
                        copied = sum(trx._run(sql, params)[1] for sql, params in plan())
                    count += copied
                return count
        except QueryError as exc:
            raise_named(exc, tables)

    def _value(self, value: T) -> T:
        """A result known without running anything, as execute*() returns it."""
        return value

    def _timestamped(self, table: str, then: Callable[[bool], T]) -> T:
        """`then(whether table has add_timestamp_columns()'s columns)`, asked once per table."""
        has = self._timestamp_tables.get(table)
        if has is None:
            found = has_timestamps(self._run(*catalog_query(self.dialect, table)))
            if found is not None:
                self._timestamp_tables.learn(table, found)
            has = bool(found)
        return then(has)

    def _run_many(self, sql: str, rows: list[list[Any]]) -> int:
        driver = self._current()
        if driver is not None:
            return self._in_turn(driver, driver.run_many, sql, rows)
        return self._pool.run_many(sql, rows)


class Transaction(Database):
    """The `Database` API inside `with db.transaction() as trx:`, bound to the block's
    connection. Closing it is a no-op; the block ends the transaction."""

    def __init__(self, pool: Pool, url: Url, driver: Driver) -> None:
        # No super().__init__(): a view on the block's connection owns nothing to close.
        self._pool = pool
        self.url = url
        self._dialect_name = pool.dialect.name
        self._driver = driver
        self._timestamp_tables = TimestampTables()  # the block's Database gives its own
        # Set when its block ends: the connection has gone back to the pool, maybe into
        # another thread's transaction, which a kept `trx` must not write into.
        self.ended = False
        # The stack of blocks of its transaction, shared by every thread using this `trx`,
        # and its own place in it (1: the outermost block); see _nesting.
        self._stack: Turns | None = driver.turns
        self.level = driver.depth

    @property
    def in_transaction(self) -> bool:
        return not self.ended and self._driver.depth > 0

    def _current(self) -> Driver:
        if self.ended:
            raise _ended()
        return self._driver

    def _turns(self, driver: Driver) -> tuple[Turns | None, Transaction | None]:
        return self._stack, self

    def _run(self, sql: str, params: Parameters | None = None) -> Result:
        if self.ended:
            raise _ended()
        if SCHEMA_CHANGE.search(sql):
            self._timestamp_tables.schema_changed()
        return self._in_turn(self._driver, self._driver.run, sql, params)

    def _execute(
        self, sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
    ) -> T:
        if self.ended:
            raise _ended()
        try:
            turns = self._stack
            if turns is None:
                return post(self._driver.run(sql, params))
            with turns.lock:  # as Turns.run, inlined: every statement through a `trx`
                me = get_ident()
                if turns.top != me:
                    turns.wait(me, self, "a turn to run a statement")
                result = self._driver.run(sql, params)
            return post(result)
        except QueryError as exc:
            raise_named(exc, tables)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url.masked}>"


def _ended() -> QueryError:
    return QueryError(
        "this transaction's block has ended: its `trx` can no longer run statements (its "
        "connection went back to the pool); use `db`, or a new `with db.transaction()`"
    )


def _settings(
    url: Url,
    pool_min: int | None,
    pool_max: int | None,
    pool_timeout: float | None,
    prepare: bool | None,
) -> tuple[int, int, float, bool]:
    """Pool size, wait and preparation, on every backend: the arguments, else
    `[tool.typedb]` of the project around the working directory, else the defaults. A
    pyproject.toml that cannot be parsed is skipped here: with a URL given, connect() needs
    nothing else from it (without one, resolving the URL has already reported it)."""
    if pool_min is None or pool_max is None or pool_timeout is None or prepare is None:
        from typedb._config import load

        config = load(unparsable_ok=True)
        pool_min = config.pool_min if pool_min is None else pool_min
        pool_max = config.pool_max if pool_max is None else pool_max
        pool_timeout = config.pool_timeout if pool_timeout is None else pool_timeout
        prepare = config.prepare if prepare is None else prepare
    pool_min = DEFAULT_POOL_MIN if pool_min is None else pool_min
    pool_max = max(DEFAULT_POOL_MAX, pool_min) if pool_max is None else pool_max
    if not (0 <= pool_min <= pool_max and pool_max >= 1):
        raise CompileError(
            f"pool sizes for {url.masked} must satisfy 0 <= pool_min <= pool_max, pool_max >= 1; "
            f"got pool_min={pool_min}, pool_max={pool_max}"
        )
    timeout = DEFAULT_POOL_TIMEOUT if pool_timeout is None else pool_timeout
    if not timeout > 0:  # psycopg_pool's getconn(timeout=0) fails even with a connection free
        raise CompileError(
            f"pool_timeout for {url.masked} must be more than 0 seconds; got {timeout!r}"
        )
    return pool_min, pool_max, timeout, True if prepare is None else prepare


def postgres_url(parsed: Url, prepare: bool | None) -> tuple[Url, bool | None]:
    """The URL libpq gets (typedb's own `?prepare=` option taken out), and `prepare`: the
    argument, else the URL's option."""
    from typedb.connection._postgres import split_prepare

    conninfo, from_url = split_prepare(parsed.raw)
    return replace(parsed, raw=conninfo), from_url if prepare is None else prepare


def open_pool(
    parsed: Url,
    pool_min: int | None = None,
    pool_max: int | None = None,
    pool_timeout: float | None = None,
    prepare: bool | None = None,
) -> Pool:
    if parsed.backend == "sqlite":
        from typedb.connection._pools import SqliteThreadPool, sqlite_memory_pool

        if parsed.path is None:  # one connection, one thread at a time: a wait
            _, _, wait, _ = _settings(parsed, pool_min, pool_max, pool_timeout, True)
            return sqlite_memory_pool(parsed, wait)
        # A connection per thread: no wait and no size, but the settings are checked as on
        # every backend (a wrong one must not pass here and fail in production).
        _, _, wait, _ = _settings(parsed, pool_min, pool_max, pool_timeout, True)
        return SqliteThreadPool(parsed, wal=SQLITE_WAL, timeout=wait)
    from typedb.connection._pools import PostgresPool

    libpq_url, prepare = postgres_url(parsed, prepare)
    low, high, wait, prep = _settings(parsed, pool_min, pool_max, pool_timeout, prepare)
    return PostgresPool(libpq_url, min_size=low, max_size=high, timeout=wait, prepare=prep)


def connect(
    url: str | None = None,
    *,
    pool_min: int | None = None,
    pool_max: int | None = None,
    pool_timeout: float | None = None,
    prepare: bool | None = None,
) -> Database:
    """Open a database. `None` resolves TYPEDB_DATABASE_URL, DATABASE_URL,
    `[tool.typedb] database_url`, then a SQLite file in the project.

    PostgreSQL connections come from a pool of `pool_min` to `pool_max` connections (else
    `[tool.typedb]`, else 1 and 10); a statement waits up to `pool_timeout` seconds (30) for a
    free one. `prepare=False` turns off server-side prepared statements (PgBouncer in
    transaction mode).

    >>> connect("sqlite://").dialect.name
    'sqlite'
    """
    parsed = resolve(url)
    return Database(open_pool(parsed, pool_min, pool_max, pool_timeout, prepare), parsed)
