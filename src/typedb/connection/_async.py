"""`AsyncDatabase`: the same builders as `Database`, with every execute*() awaited.

It shares the sync core: builders compile the same SQL and call `_execute(sql, params, post)`
/ `_execute_plan(statements, post)`; here those are coroutines that await the statement and
apply the same `post`. Transactions run the same plans (`_transaction`) with awaited
statements, pinned per asyncio task instead of per thread.

>>> import asyncio
>>> async def main():
...     async with connect_async("sqlite://") as db:
...         return await db.raw("SELECT 1 + %s AS two", [1])
>>> asyncio.run(main())
[{'two': 2}]
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, Self, TypeVar, cast

from typedb._errors import CompileError, ConnectionError, QueryError, TypedbError
from typedb._sql import Parameters
from typedb._url import Url, resolve
from typedb.connection._async_pools import AsyncDriver, AsyncPool
from typedb.connection._driver import BEGIN_ATTEMPTS, CopyRun, Kinds, LostConnection, Row
from typedb.connection._fork import OPEN
from typedb.connection._nesting import UNORDERED, TaskTurns, broken_error
from typedb.connection._pools import DEFAULT_POOL_TIMEOUT
from typedb.connection._transaction import (
    begin_sql,
    commit_plan,
    refuse_transaction_control,
    rollback_plan,
)
from typedb.dialects import Dialect, PostgresDialect, SqliteDialect
from typedb.query._awaitable import (
    AsyncDeleteQuery,
    AsyncInsertQuery,
    AsyncQueryCreator,
    AsyncRestoreQuery,
    AsyncSelectQuery,
    AsyncSoftDeleteQuery,
    AsyncUpdateQuery,
)
from typedb.query._base import Result, Statement, Tables, raise_named
from typedb.query._locks import LockingSql, unlocked_error
from typedb.query._timestamps import (
    SCHEMA_CHANGE,
    TimestampTables,
    catalog_query,
    has_timestamps,
)
from typedb.query._with import QueryCreator

if TYPE_CHECKING:
    from typedb.connection._database import Database

T = TypeVar("T")


class AsyncPin:
    """A transaction's connection, for the task that began it (None once the block ended)."""

    __slots__ = ("driver", "task")

    def __init__(self, driver: AsyncDriver, task: object) -> None:
        self.driver = driver
        self.task = task

    def drop(self) -> None:
        self.task = None


class AsyncDatabase:
    """A SQLite or PostgreSQL database for asyncio code; safe to share between tasks."""

    #: As Database._dialect_name (None on the lazy facade: builders ask `dialect`).
    _dialect_name: str | None = None

    def __init__(self, url: Url, opener: Callable[[], AsyncPool]) -> None:
        self.url = url
        self._opener = opener
        self._pool: AsyncPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening = asyncio.Lock()
        self._closed = False  # for good: a closed AsyncDatabase does not reopen (as Database)
        os.register_at_fork(after_in_child=_forget_after_fork(weakref.ref(self)))
        self._dialect: Dialect = SqliteDialect() if url.backend == "sqlite" else PostgresDialect()
        self._dialect_name = self._dialect.name
        # (connection, task) of the transaction this task is in, if any.
        self._pinned: ContextVar[AsyncPin | None] = ContextVar("typedb_async_pinned", default=None)
        # As Database._timestamp_tables.
        self._timestamp_tables = TimestampTables()

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    def _after_fork(self) -> None:
        """In a forked child: the pool is the parent's (PostgreSQL sockets that would read
        the parent's answers, SQLite connections whose worker threads did not survive the
        fork), and so is its event loop. Left alone, neither closed nor collected (closing
        would end the parent's sessions); the child's first use opens its own pool in its
        own loop (unless this database was closed before)."""
        if self._pool is not None:
            _LEFT_BY_PARENT.append(self._pool)
        self._pool = None
        self._loop = None
        self._opening = asyncio.Lock()

    @property
    def in_transaction(self) -> bool:
        driver = self._current()
        return driver is not None and driver.depth > 0

    def _current(self) -> AsyncDriver | None:
        pinned = self._pinned.get()
        if pinned is not None and pinned.task is asyncio.current_task():
            return pinned.driver
        return None

    async def _opened(self) -> AsyncPool:
        pool = self._pool
        if pool is not None and self._loop is asyncio.get_running_loop():
            return pool
        async with self._opening:
            if self._closed:
                raise ConnectionError(f"{self.url.masked} is closed")
            if self._pool is None:
                pool = self._opener()
                opener = getattr(pool, "open", None)
                if opener is not None:
                    await opener()
                self._pool, self._loop = pool, asyncio.get_running_loop()
            elif self._loop is not asyncio.get_running_loop():
                raise ConnectionError(
                    f"{self.url.masked} was opened on another event loop; an AsyncDatabase "
                    "serves one loop (connect_async() again in this one)"
                )
            return self._pool

    # -- raw SQL -------------------------------------------------------------------------------

    async def raw(self, sql: LiteralString, params: Parameters | None = None) -> list[Row]:
        """`Database.raw()`, awaited."""
        if not isinstance(sql, str):
            raise CompileError(f"raw() needs SQL text, got {type(sql).__name__}")
        refuse_transaction_control(sql)
        if SCHEMA_CHANGE.search(sql):
            self._timestamp_tables.schema_changed()
        driver = self._current()
        if driver is not None:
            turns, via = self._turns(driver)
            if turns is not None and turns.top is not (me := asyncio.current_task()):
                await turns.wait(me, via, "a turn to run a statement")
            return (await driver.run_raw(sql, params))[0]
        pool = await self._opened()
        driver = await pool.acquire()
        try:
            return (await driver.run_raw(sql, params))[0]
        finally:
            await pool.release(driver)

    # -- transactions --------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self, *, immediate: bool = False) -> AsyncGenerator[AsyncTransaction]:
        """`async with db.transaction() as trx:` commits on success, rolls back on an
        exception; nested blocks in the same task use savepoints. Other tasks (those started
        inside the block too) do not run in it."""
        # One body for the outermost block and a savepoint (and AsyncTransaction's savepoints,
        # through _nest_on): only the outermost takes a connection, pins it and gives it back.
        driver = self._nest_on()
        outer = None  # the outermost block's pool, pin, context token, timestamp tables, mark
        if driver is None:
            # _opened()'s fast path inlined, with one look at the running loop (each
            # asyncio.get_running_loop() is a getpid() system call on Python 3.11).
            task = asyncio.current_task()
            pool = self._pool
            if pool is None or task is None or self._loop is not task.get_loop():
                pool = await self._opened()
            driver, begun = await self._acquire_begun(pool, immediate)
            pin = AsyncPin(driver, task)
            tables = self._timestamp_tables
            outer = (pool, pin, self._pinned.set(pin), tables, tables.mark())
            OPEN.add(pin)  # dropped in a child forked inside the block (see _fork)
        else:
            begun = False
        rolled_back = True
        try:
            trx = await self._begin(driver, immediate, begun)
            try:
                yield trx
            except BaseException:
                await self._abandon(trx)
                raise
            await self._finish(trx)
            rolled_back = False
        finally:
            if outer is not None:
                pool, pin, token, tables, mark = outer
                OPEN.discard(pin)
                tables.ended(mark, rolled_back)  # see Database.transaction
                # As in Database._pin: an async generator holding the block, abandoned and
                # closed by the event loop in a task of its own, ends it in another context.
                pin.task = None
                try:
                    self._pinned.reset(token)
                except ValueError:
                    pass
                finally:
                    await pool.release(driver)

    def _nest_on(self) -> AsyncDriver | None:
        """The connection a `transaction()` block opened now makes a savepoint on: this
        task's transaction's, if it is in one (None: a new, outermost transaction)."""
        pinned = self._pinned.get()
        if pinned is not None and pinned.task is not None and pinned.task is asyncio.current_task():
            return pinned.driver
        return None

    def _turns(self, driver: AsyncDriver) -> tuple[TaskTurns | None, AsyncTransaction | None]:
        """As `Database._turns`: the stack of blocks of `driver`'s transaction, and the
        `trx` this runs through (None: this task's own pinned connection)."""
        return driver.turns, None

    # A block's beginning and end as plain coroutines, not a nested asynccontextmanager:
    # each one a transaction goes through costs a generator, its context manager object and
    # their anext/athrow calls (see README, "Throughput").
    async def _acquire_begun(self, pool: AsyncPool, immediate: bool) -> tuple[AsyncDriver, bool]:
        """A connection for an outermost block, and whether its BEGIN went (not for a facade's
        connection, in a transaction already: the block is a savepoint on it). One whose
        session ended within the window a hot connection is not polled in is given back (the
        pool drops it) and BEGIN goes to another: nothing ran on it."""
        attempts = 1
        while True:
            driver = await pool.acquire()
            if driver.turns is not None or driver.depth:
                return driver, False
            try:
                await driver.run(begin_sql(0, immediate, self.dialect), None)
                return driver, True
            except LostConnection:
                await pool.release(driver)
                if attempts == BEGIN_ATTEMPTS:
                    raise
                attempts += 1
            except BaseException:
                await pool.release(driver)
                raise

    async def _begin(
        self, driver: AsyncDriver, immediate: bool, begun: bool = False
    ) -> AsyncTransaction:
        """BEGIN (unless `begun`), or a SAVEPOINT in this task's turn (see _nesting)."""
        turns, via = self._turns(driver)
        me = asyncio.current_task()
        if turns is not None:
            if turns.top is not me:
                await turns.wait(me, via, "a turn to open a nested transaction()")
            # The stack's own count, not driver.depth: another task's SAVEPOINT may still
            # be under way, its block already on the stack.
            level = len(turns.owners)
            # Pushed before the SAVEPOINT is awaited: a task's statement started meanwhile
            # waits, and the connection runs the statements started before it first.
            trx = AsyncTransaction(self, driver)
            trx._stack, trx.level = turns, level + 1
            turns.push(me, trx)
            driver.depth = level + 1
            try:
                await driver.run(begin_sql(level, immediate, self.dialect), None)
            except BaseException:
                turns.pop()
                driver.depth = level
                turns.notify()
                raise
            return trx
        level = driver.depth
        if not begun:
            await driver.run(begin_sql(level, immediate, self.dialect), None)
        driver.depth = level + 1
        trx = AsyncTransaction(self, driver)
        if level == 0:  # self is the AsyncDatabase, whose pool gave `driver`
            pool = self._pool
            wait = pool.timeout if pool is not None else DEFAULT_POOL_TIMEOUT
            driver.turns = trx._stack = TaskTurns(me, trx, wait)
            trx.level = 1
        return trx

    async def _abandon(self, trx: AsyncTransaction) -> None:
        """After an exception in the block: undo it (see `_undo`)."""
        driver = trx._driver  # pyright: ignore[reportPrivateUsage]
        turns = trx._stack  # pyright: ignore[reportPrivateUsage]
        if turns is None:
            trx.ended = True
            level = driver.depth = driver.depth - 1
            await self._undo(driver, level)
            return
        level = trx.level - 1
        if level == 0:  # everything rolls back, other tasks' nested blocks with it
            trx.ended = True
            turns.end()
            turns.notify()
            driver.turns = None
            driver.depth = 0
            await self._undo(driver, 0)
            return
        down = await turns.wait_down_to(trx.level)
        trx.ended = True
        if not down or turns.top is None:
            if turns.top is not None:  # others' blocks still open on top of it
                turns.end(UNORDERED)
            turns.notify()
            return
        turns.closing()  # kept on the stack till rolled back: everyone else waits
        try:
            driver.depth = level
            await self._undo(driver, level)
        finally:
            turns.pop()
            turns.notify()

    async def _undo(self, driver: AsyncDriver, level: int) -> None:
        """Roll the block at `level` back (a failed rollback, a lost connection, must not
        hide the error that caused it)."""
        with suppress(TypedbError):
            for sql in rollback_plan(level, driver.in_transaction()):
                await driver.run(sql, None)

    async def _finish(self, trx: AsyncTransaction) -> None:
        driver = trx._driver  # pyright: ignore[reportPrivateUsage]
        turns = trx._stack  # pyright: ignore[reportPrivateUsage]
        if turns is None:
            trx.ended = True
            level = driver.depth = driver.depth - 1
            await self._commit(driver, level)
            return
        level = trx.level - 1
        # The nested blocks other tasks opened in it end first (savepoints are a stack);
        # their statements through this `trx` meanwhile are theirs to run.
        down = await turns.wait_down_to(trx.level)
        trx.ended = True
        if level == 0:
            broken = turns.broken or (None if down else UNORDERED)
            turns.end(broken)
            turns.notify()
            driver.turns = None
            driver.depth = 0
            if broken is not None:
                await self._undo(driver, 0)
                raise broken_error(broken)
            await self._commit(driver, 0)
            return
        if not down and turns.top is not None:
            turns.end(UNORDERED)
        if turns.top is None:  # ended or broken under it: nothing of it to release
            turns.notify()
            raise broken_error(turns.broken) if turns.broken is not None else _ended()
        turns.closing()  # kept on the stack till released: everyone else waits
        try:
            driver.depth = level
            await self._commit(driver, level)
        finally:
            turns.pop()
            turns.notify()

    async def _commit(self, driver: AsyncDriver, level: int) -> None:
        """End the block at `level` that raised nothing: COMMIT, or RELEASE its savepoint."""
        statements, error = commit_plan(
            level, driver.in_transaction(), driver.aborted(), self.dialect
        )
        try:
            for sql in statements:
                await driver.run(sql, None)
        except QueryError:
            if level == 0 and driver.in_transaction():
                with suppress(TypedbError):
                    await driver.run("ROLLBACK", None)
            raise
        if error is not None:
            raise error

    # -- builders ------------------------------------------------------------------------------

    def _as_runner(self) -> Database:
        # The builders call _execute / _execute_plan / _value / dialect, which this class has
        # with awaitable results; their async types are the Async* query classes.
        return cast("Database", self)

    def select_from(self, table: str) -> AsyncSelectQuery:
        return AsyncSelectQuery(self._as_runner(), table)

    def insert_into(self, table: str) -> AsyncInsertQuery:
        return AsyncInsertQuery(self._as_runner(), table)

    def update_table(self, table: str) -> AsyncUpdateQuery:
        return AsyncUpdateQuery(self._as_runner(), table)

    def delete_from(self, table: str) -> AsyncDeleteQuery:
        return AsyncDeleteQuery(self._as_runner(), table)

    def soft_delete(self, table: str) -> AsyncSoftDeleteQuery:
        return AsyncSoftDeleteQuery(self._as_runner(), table)

    def restore(self, table: str) -> AsyncRestoreQuery:
        return AsyncRestoreQuery(self._as_runner(), table)

    def with_(
        self, name: str, query: Any | Callable[[AsyncQueryCreator], Any]
    ) -> AsyncQueryCreator:
        return cast(
            "AsyncQueryCreator", QueryCreator(self._as_runner()).with_(name, cast("Any", query))
        )

    def with_recursive(
        self, name: str, query: Any | Callable[[AsyncQueryCreator], Any]
    ) -> AsyncQueryCreator:
        return cast(
            "AsyncQueryCreator",
            QueryCreator(self._as_runner()).with_recursive(name, cast("Any", query)),
        )

    # -- lifetime ------------------------------------------------------------------------------

    async def close(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def __aenter__(self) -> Self:
        await self._opened()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url.masked}>"

    # -- the builders' door --------------------------------------------------------------------

    async def _run(self, sql: str, params: Parameters | None = None) -> Result:
        if SCHEMA_CHANGE.search(sql):
            self._timestamp_tables.schema_changed()
        pinned = self._pinned.get()
        if pinned is not None and pinned.task is (me := asyncio.current_task()):
            driver = pinned.driver
            turns = driver.turns
            if turns is not None and turns.top is not me:
                await turns.wait(me, None, "a turn to run a statement")
            return await driver.run(sql, params)
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = await self._opened()
        driver = await pool.acquire()
        try:
            return await driver.run(sql, params)
        finally:
            await pool.release(driver)

    async def _execute(
        self, sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
    ) -> T:
        # _run() inlined: one coroutine per query instead of two.
        try:
            pinned = self._pinned.get()
            if pinned is not None and pinned.task is (me := asyncio.current_task()):
                driver = pinned.driver
                turns = driver.turns
                if turns is not None and turns.top is not me:  # see _nesting
                    await turns.wait(me, None, "a turn to run a statement")
                return post(await driver.run(sql, params))
            if type(sql) is LockingSql:
                raise unlocked_error(tables())
            pool = self._pool
            if pool is None or self._loop is not asyncio.get_running_loop():
                pool = await self._opened()
            driver = await pool.acquire()
            try:
                return post(await driver.run(sql, params))
            finally:
                await pool.release(driver)
        except QueryError as exc:
            raise_named(exc, tables)

    async def _execute_plan(
        self, statements: Sequence[Statement], post: Callable[[list[Result]], T], tables: Tables
    ) -> T:
        try:
            if len(statements) == 1:
                return post([await self._run(*statements[0])])
            async with self.transaction() as trx:
                return post([await trx._run(sql, params) for sql, params in statements])
        except QueryError as exc:
            raise_named(exc, tables)

    def _copy_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Kinds | None = None,
    ) -> None:
        # The COPY path is the sync driver's; async bulk inserts run as chunked INSERTs.
        return None

    def _copy_runs(self, table: str, runs: Sequence[CopyRun], tables: Tables) -> None:
        return None  # as _copy_rows: async bulk inserts run as chunked INSERTs

    async def _value(self, value: T) -> T:
        return value

    async def _timestamped(self, table: str, then: Callable[[bool], Awaitable[T]]) -> T:
        has = self._timestamp_tables.get(table)
        if has is None:
            found = has_timestamps(await self._run(*catalog_query(self.dialect, table)))
            if found is not None:
                self._timestamp_tables.learn(table, found)
            has = bool(found)
        return await then(has)


class AsyncTransaction(AsyncDatabase):
    """The `AsyncDatabase` API inside `async with db.transaction() as trx:`."""

    def __init__(self, parent: AsyncDatabase, driver: AsyncDriver) -> None:
        # A view on the block's connection: nothing of its own to open or close.
        self.url = parent.url
        self._dialect = parent._dialect
        self._dialect_name = parent._dialect_name
        self._driver = driver
        self._timestamp_tables = parent._timestamp_tables
        self.ended = False  # as Transaction.ended
        self._stack: TaskTurns | None = driver.turns  # as Transaction._stack
        self.level = driver.depth

    @property
    def in_transaction(self) -> bool:
        return not self.ended and self._driver.depth > 0

    def _current(self) -> AsyncDriver:
        if self.ended:
            raise _ended()
        return self._driver

    def _nest_on(self) -> AsyncDriver:
        """A savepoint on this block's connection, whichever task asks (the async facade
        standing in a test's transaction hands `trx` to every task)."""
        return self._current()

    def _turns(self, driver: AsyncDriver) -> tuple[TaskTurns | None, AsyncTransaction | None]:
        # The connection's, not self._stack: one event loop, so while this block has not
        # ended (checked before, with no await since) they are the same; and a forked child
        # clears the connection's (see _fork), whose current_task() would raise.
        return driver.turns, self

    async def _run(self, sql: str, params: Parameters | None = None) -> Result:
        if self.ended:
            raise _ended()
        if SCHEMA_CHANGE.search(sql):
            self._timestamp_tables.schema_changed()
        turns = self._driver.turns  # as in _turns
        if turns is not None and turns.top is not (me := asyncio.current_task()):
            await turns.wait(me, self, "a turn to run a statement")
        return await self._driver.run(sql, params)

    async def _execute(
        self, sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
    ) -> T:
        if self.ended:
            raise _ended()
        try:
            turns = self._driver.turns  # as in _turns
            if turns is not None and turns.top is not (me := asyncio.current_task()):
                await turns.wait(me, self, "a turn to run a statement")  # see _nesting
            return post(await self._driver.run(sql, params))
        except QueryError as exc:
            raise_named(exc, tables)

    async def close(self) -> None:
        pass


#: In a forked child, the pools its parent had open: kept referenced so that no finalizer
#: of theirs runs here (see AsyncDatabase._after_fork).
_LEFT_BY_PARENT: list[AsyncPool] = []


def _forget_after_fork(database: weakref.ref[AsyncDatabase]) -> Callable[[], None]:
    def forget() -> None:
        alive = database()
        if alive is not None:
            alive._after_fork()  # pyright: ignore[reportPrivateUsage]

    return forget


def _ended() -> QueryError:
    from typedb.connection._database import _ended as ended

    return ended()


def connect_async(
    url: str | None = None,
    *,
    pool_min: int | None = None,
    pool_max: int | None = None,
    pool_timeout: float | None = None,
    prepare: bool | None = None,
) -> AsyncDatabase:
    """An `AsyncDatabase` for `url` (resolved as `connect()` does). It connects on first use
    (or `async with`), in the running event loop; use it from that loop only."""
    from typedb.connection._database import SQLITE_WAL, _settings, postgres_url

    parsed = resolve(url)
    if parsed.backend == "sqlite":
        from typedb.connection._async_pools import AsyncSqlitePool

        _, most, wait, _ = _settings(parsed, pool_min, pool_max, pool_timeout, True)
        return AsyncDatabase(
            parsed, lambda: AsyncSqlitePool(parsed, max_size=most, timeout=wait, wal=SQLITE_WAL)
        )
    from typedb.connection._async_pools import AsyncPostgresPool

    libpq_url, prepare = postgres_url(parsed, prepare)
    low, high, wait, prep = _settings(parsed, pool_min, pool_max, pool_timeout, prepare)
    return AsyncDatabase(
        parsed,
        lambda: AsyncPostgresPool(
            libpq_url, min_size=low, max_size=high, timeout=wait, prepare=prep
        ),
    )


__all__ = ["AsyncDatabase", "AsyncTransaction", "connect_async"]
