"""Where an `AsyncDatabase` gets its connections.

- PostgreSQL: psycopg's `AsyncConnectionPool` and `AsyncPostgresDriver`.
- SQLite: the same `SqliteDriver` as the sync database, its calls run on a thread of each
  connection's own: the stdlib driver with typedb's adapters and converters, so SQLite
  behaves the same sync and async (aiosqlite would be a second driver doing the same thing on a
  thread per connection; see README for the measurement). A file gets up to `pool_max`
  connections, one task at a time each; memory has its one connection.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from typedb._errors import ConnectionError
from typedb._sql import Parameters
from typedb._url import Url
from typedb.connection._driver import Row
from typedb.connection._pools import PoolTimeoutError
from typedb.dialects import Dialect

T = TypeVar("T")

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

    from typedb.connection._nesting import TaskTurns
    from typedb.connection._postgres import AsyncPostgresDriver
    from typedb.connection._sqlite import SqliteDriver


class AsyncDriver(Protocol):
    dialect: Dialect
    #: The blocks open on this connection's transaction and their tasks (see _nesting);
    #: None outside a `transaction()` block.
    turns: TaskTurns | None

    @property
    def depth(self) -> int:
        """Open transactions on this connection (see `Driver.depth`)."""
        ...

    @depth.setter
    def depth(self, value: int) -> None: ...

    async def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]: ...
    async def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]: ...
    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int: ...
    def aborted(self) -> bool: ...
    def in_transaction(self) -> bool: ...


class AsyncPool(Protocol):
    dialect: Dialect
    timeout: float  # as Pool.timeout

    async def acquire(self) -> AsyncDriver: ...
    async def release(self, driver: AsyncDriver) -> None: ...
    async def close(self) -> None: ...


class ThreadedSqliteDriver:
    """A `SqliteDriver` with a thread of its own that runs its statements; one task uses it at
    a time. A thread per connection, not a shared executor: a task holding SQLite's write lock
    must always get a thread to COMMIT on, even when every shared worker is busy waiting for
    that same lock."""

    awaited = True  # its statements are coroutines (see _fork.disown)
    inherited = False  # the parent's, in a forked child (see _fork)
    turns: TaskTurns | None = None  # see AsyncDriver.turns

    def __init__(self, inner: SqliteDriver) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typedb-sqlite")
        # The last call handed to the thread: still running after its task was cancelled
        # (a BEGIN waiting for SQLite's write lock goes on after asyncio.wait_for gave up).
        self._last: Future[Any] | None = None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        self._last = future = self._thread.submit(fn, *args)
        return await asyncio.wrap_future(future)

    def clean(self) -> bool:
        """Idle, outside a transaction: ready for the next task as it is."""
        last = self._last
        return (last is None or last.done()) and not self.inner.in_transaction()

    def reset(self) -> Future[None]:
        """After the thread's calls so far: end a transaction that a cancelled task left."""

        def rollback() -> None:
            with suppress(Exception):  # a closed connection: nothing left to end
                if self.inner.conn.in_transaction:
                    self.inner.conn.execute("ROLLBACK")
            self.inner.depth = 0

        return self._thread.submit(rollback)

    @property
    def depth(self) -> int:
        return self.inner.depth

    @depth.setter
    def depth(self, value: int) -> None:
        self.inner.depth = value  # the driver checks it (SQLite ending a transaction itself)

    async def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        return await self._call(self.inner.run, sql, params)

    async def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        return await self._call(self.inner.run_raw, sql, params)

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        return await self._call(self.inner.run_many, sql, rows)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.inner.close()

    def aborted(self) -> bool:
        return False

    def in_transaction(self) -> bool:
        return self.inner.in_transaction()


class AsyncSqlitePool:
    """Up to `max_size` connections; a task that finds none idle waits in line for the next
    one released (handed over directly, first come first served) for up to `timeout`."""

    def __init__(self, url: Url, *, max_size: int, timeout: float, wal: bool) -> None:
        from typedb.connection._sqlite import SqliteDriver

        self.dialect = SqliteDriver.dialect
        self._url = url
        self._wal = wal
        # Memory: each connection would be a new empty database, so there is one.
        self._max = 1 if url.path is None else max_size
        self.timeout = timeout
        self._idle: list[ThreadedSqliteDriver] = []
        self._all: list[ThreadedSqliteDriver] = []
        self._opening = 0
        self._waiters: deque[asyncio.Future[ThreadedSqliteDriver]] = deque()
        self._closed = False

    async def acquire(self) -> AsyncDriver:
        if self._closed:
            raise ConnectionError(f"{self._url.masked} is closed")
        if self._idle:
            return self._idle.pop()
        if len(self._all) + self._opening < self._max:
            return await self._open()
        waiter: asyncio.Future[ThreadedSqliteDriver] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, self.timeout)
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return waiter.result()  # handed over just as the time ran out
            raise PoolTimeoutError(
                f"no free connection to {self._url.masked} within {self.timeout:g}s: all "
                f"{self._max} are in use"
                + (" (an in-memory database has one)" if self._url.path is None else "")
            ) from None

    async def _open(self) -> ThreadedSqliteDriver:
        from typedb.connection._sqlite import SqliteDriver

        self._opening += 1
        try:
            # Off the event loop: switching to WAL may wait for another connection's lock.
            loop = asyncio.get_running_loop()
            inner = await loop.run_in_executor(None, lambda: SqliteDriver(self._url, wal=self._wal))
        finally:
            self._opening -= 1
        driver = ThreadedSqliteDriver(inner)
        self._all.append(driver)
        return driver

    async def release(self, driver: AsyncDriver) -> None:
        assert isinstance(driver, ThreadedSqliteDriver)
        if driver.inherited:  # the parent's, in a forked child (see _fork): its thread is too
            return
        if not driver.clean():
            # A task cancelled mid-statement (or mid-BEGIN): the next task must not find
            # itself inside that transaction. Handed on once its thread has rolled it back.
            loop = asyncio.get_running_loop()

            def handed_back(_: object) -> None:
                with suppress(RuntimeError):  # the loop has closed meanwhile
                    loop.call_soon_threadsafe(self._hand_over, driver)

            with suppress(RuntimeError):  # its thread is shut down: the pool is closed
                driver.reset().add_done_callback(handed_back)
            return
        self._hand_over(driver)

    def _hand_over(self, driver: ThreadedSqliteDriver) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(driver)
                return
        self._idle.append(driver)

    async def close(self) -> None:
        from typedb.connection._fork import refuse_statements

        self._closed = True
        for driver in self._all:
            # A task's block still open: ConnectionError, as in the sync database, not the
            # RuntimeError of a shut-down thread.
            refuse_statements(driver, f"{self._url.masked} is closed")
            driver.close()
        self._all.clear()
        self._idle.clear()


class AsyncPostgresPool:
    def __init__(
        self, url: Url, *, min_size: int, max_size: int, timeout: float, prepare: bool
    ) -> None:
        from typedb.connection import _postgres

        self.dialect = _postgres.AsyncPostgresDriver.dialect
        self._url = url
        self.timeout = timeout
        self._sizes = (min_size, max_size)
        self._kwargs = _postgres.connection_kwargs(prepare)
        self._pool: AsyncConnectionPool[Any] | None = None
        self._drivers: dict[int, AsyncPostgresDriver] = {}
        from psycopg_pool import PoolClosed, PoolTimeout

        self._errors = (PoolTimeout, PoolClosed)

    async def open(self) -> None:
        import psycopg
        from psycopg_pool import AsyncConnectionPool

        from typedb.connection import _postgres

        try:  # fail now, with libpq's reason, rather than time out later without one
            await (await psycopg.AsyncConnection.connect(self._url.raw, **self._kwargs)).close()
        except psycopg.Error as exc:
            raise _postgres.connect_error(exc, self._url) from None

        check_alive, recheck_after = _postgres.check_alive, _postgres.RECHECK_AFTER_SECONDS
        owner = self

        async def check(conn: psycopg.AsyncConnection[Any]) -> None:
            # The pool's map as it is now: acquire() replaces it when psycopg_pool replaced a
            # connection (a map captured here once stayed empty, and every checkout paid
            # for a poll of the socket: 2 select() calls per benchmark unit).
            driver = owner._drivers.get(id(conn))  # pyright: ignore[reportPrivateUsage]
            if (
                driver is None
                or driver.conn is not conn
                or monotonic() - driver.released_at > recheck_after
            ):
                check_alive(conn)

        async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
            _postgres.configure_adapters(conn)
            await conn.execute(_postgres.SET_UTC)

        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self._url.raw,
            min_size=self._sizes[0],
            max_size=self._sizes[1],
            timeout=self.timeout,
            kwargs=self._kwargs,
            configure=configure,
            check=check,
            open=False,
            name=self._url.masked,
        )
        await pool.open()
        self._pool = pool

    async def acquire(self) -> AsyncDriver:
        pool = self._pool
        if pool is None:
            raise ConnectionError(f"{self._url.masked} is closed")
        try:
            conn = await pool.getconn()
        except self._errors as exc:  # the names imported once: `from` inside runs importlib
            from psycopg_pool import PoolTimeout

            if isinstance(exc, PoolTimeout):
                raise await self._timed_out(pool) from None
            raise ConnectionError(f"{self._url.masked} is closed") from None
        driver = self._drivers.get(id(conn))
        if driver is None or driver.conn is not conn:
            from typedb.connection._postgres import AsyncPostgresDriver

            # As PostgresPool: forget the drivers of connections psycopg_pool replaced.
            self._drivers = {k: d for k, d in self._drivers.items() if not d.conn.closed}
            driver = self._drivers[id(conn)] = AsyncPostgresDriver(conn)
        return driver

    async def _timed_out(self, pool: AsyncConnectionPool[Any]) -> ConnectionError:
        """As PostgresPool._timed_out: the server's reason when connecting is what fails."""
        import psycopg

        from typedb.connection import _postgres

        if pool.get_stats().get("pool_size", 0) < self._sizes[1]:
            try:
                await (await psycopg.AsyncConnection.connect(self._url.raw, **self._kwargs)).close()
            except psycopg.Error as exc:
                return _postgres.connect_error(exc, self._url)
        return PoolTimeoutError(
            f"no free connection to {self._url.masked} within {self.timeout:g}s: all "
            f"{self._sizes[1]} are in use (raise pool_max, or pool_timeout, or hold "
            "transactions for less time)"
        )

    async def release(self, driver: AsyncDriver) -> None:
        driver.released_at = monotonic()  # type: ignore[attr-defined]
        pool = self._pool
        # Not the parent's connection in a forked child (see _fork): psycopg_pool would roll
        # back the parent's transaction on it.
        if pool is not None and not driver.inherited:  # type: ignore[attr-defined]
            await pool.putconn(driver.conn)  # type: ignore[attr-defined]

    async def close(self) -> None:
        from typedb.connection._fork import refuse_statements

        # As PostgresPool.close: a block still open in another task must not commit after it.
        for held in list(self._drivers.values()):
            refuse_statements(held, f"{self._url.masked} is closed")
        if self._pool is not None:
            await self._pool.close()
        self._drivers.clear()
