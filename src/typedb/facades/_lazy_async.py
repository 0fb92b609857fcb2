"""The async facade at run time (see `async_db`): `db` for asyncio code, and `connect(url)`.

At run time `db` is an `AsyncDatabase` that resolves its URL and connects on first use, in the
running event loop. Type checkers see this module through the generated stubs
(`stubs/typedb-stubs/facades/async_db.pyi`), where `db` is an `AsyncDB` whose tables, columns
and values are checked, and whose execute*() are awaited.

>>> import asyncio
>>> from typedb.facades._lazy_async import LazyAsyncDatabase
>>> lazy = LazyAsyncDatabase("sqlite://")
>>> async def main():
...     rows = await lazy.raw("SELECT 2 AS two")
...     await lazy.close()
...     return rows
>>> asyncio.run(main())
[{'two': 2}]
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import LiteralString, TypeVar

from typedb._sql import Parameters
from typedb._url import Url
from typedb.connection import AsyncDatabase, AsyncTransaction, connect_async
from typedb.connection._async import AsyncPin
from typedb.connection._async_pools import AsyncDriver
from typedb.connection._driver import Row
from typedb.connection._pools import DEFAULT_POOL_TIMEOUT, PoolTimeoutError
from typedb.dialects import Dialect
from typedb.query._base import Result, Tables
from typedb.query._timestamps import TimestampTables

T = TypeVar("T")

#: What the stub types as `AsyncDB` (`AsyncDatabase` typed by the contracts).
AsyncDB = AsyncDatabase


class LazyAsyncDatabase(AsyncDatabase):
    """An `AsyncDatabase` made on first use from the project's configuration; after
    `await close()` the next use opens a new one (in the loop running then)."""

    def __init__(self, url: str | None = None) -> None:
        # No super().__init__(): importing the facade resolves and opens nothing.
        self._url_text = url
        self._real: AsyncDatabase | None = None
        # Shared by every database this facade opens: a task inside a transaction when
        # close() runs keeps its connection, rather than its next statement running outside
        # the block on the database opened next.
        self._pinned: ContextVar[AsyncPin | None] = ContextVar(
            "typedb_lazy_async_pinned", default=None
        )
        # Which tables have updated_at (see typedb.query._timestamps), kept across reopening.
        self._timestamp_tables = TimestampTables()
        self._stand_in: AsyncTransaction | None = None
        # While standing in: one task at a time in the stand-in's connection (see _turn).
        self._turn_lock = asyncio.Lock()
        self._turn_owner: asyncio.Task[object] | None = None

    @contextmanager
    def standing_in(self, target: AsyncTransaction) -> Generator[None]:
        """`LazyDatabase.standing_in` for asyncio code: until the block ends, every use of
        this facade, by any task, runs in the transaction `target` (the pytest plugin's
        `typedb_async_db`); `db.transaction()` is a savepoint in it."""
        saved, self._stand_in = self._stand_in, target
        saved_turn, self._turn_lock = self._turn_lock, asyncio.Lock()  # bound to this loop
        # What a table looked like inside the stand-in's transaction (rolled back after the
        # test) is not what it will look like outside: no answer crosses the boundary.
        self._timestamp_tables.schema_changed()
        try:
            yield
        finally:
            self._stand_in, self._turn_lock = saved, saved_turn
            self._timestamp_tables.schema_changed()

    @asynccontextmanager
    async def _turn(self) -> AsyncGenerator[None]:
        """The stand-in's one connection for this task alone (re-entrant for the task whose
        db.transaction() block holds it): another task's savepoint or statement in the middle
        of a block would be undone by its rollback, or undo it (ROLLBACK TO an outer
        savepoint drops the inner ones)."""
        task = asyncio.current_task()
        if self._stand_in is None or self._turn_owner is task:
            yield
            return
        # As long as a turn in the stand-in's transaction is waited for (its database's
        # pool_timeout), not a fixed 30 s.
        stack = self._stand_in._stack  # pyright: ignore[reportPrivateUsage]
        wait = DEFAULT_POOL_TIMEOUT if stack is None else stack.timeout
        try:
            await asyncio.wait_for(self._turn_lock.acquire(), wait)
        except TimeoutError:
            raise PoolTimeoutError(
                f"waited {wait:g}s for the test transaction the async db "
                "facade stands in, which one task uses at a time; another task held it in a "
                "db.transaction() block that long"
            ) from None
        self._turn_owner = task
        try:
            yield
        finally:
            self._turn_owner = None
            self._turn_lock.release()

    def _database(self) -> AsyncDatabase:
        stand_in = self._stand_in
        if stand_in is not None:
            return stand_in
        if self._real is None:
            from typedb._config import load
            from typedb.migrator._project import database_url

            real = connect_async(database_url(load(), self._url_text))
            real._pinned = self._pinned  # pyright: ignore[reportPrivateUsage]
            # Its transactions' ends decide what the facade's updates learned (see _timestamps).
            real._timestamp_tables = self._timestamp_tables  # pyright: ignore[reportPrivateUsage]
            self._real = real
        return self._real

    @property
    def connected(self) -> bool:
        return self._real is not None

    @property
    def url(self) -> Url:  # type: ignore[override]
        return self._database().url

    @property
    def dialect(self) -> Dialect:
        return self._database().dialect

    @property
    def in_transaction(self) -> bool:
        return self._database().in_transaction

    def _current(self) -> AsyncDriver | None:
        return self._database()._current()  # pyright: ignore[reportPrivateUsage]

    async def raw(self, sql: LiteralString, params: Parameters | None = None) -> list[Row]:
        async with self._turn():
            return await self._database().raw(sql, params)

    def transaction(  # type: ignore[override]
        self, *, immediate: bool = False
    ) -> AbstractAsyncContextManager[AsyncTransaction]:
        if self._stand_in is None:
            return self._database().transaction(immediate=immediate)
        return self._stand_in_transaction(immediate)

    @asynccontextmanager
    async def _stand_in_transaction(self, immediate: bool) -> AsyncGenerator[AsyncTransaction]:
        async with (
            self._turn(),
            self._database().transaction(immediate=immediate) as trx,
        ):
            yield trx

    async def _run(self, sql: str, params: Parameters | None = None) -> Result:
        async with self._turn():
            return await self._database()._run(sql, params)  # pyright: ignore[reportPrivateUsage]

    async def _execute(
        self, sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
    ) -> T:
        async with self._turn():
            return await self._database()._execute(sql, params, post, tables)  # pyright: ignore[reportPrivateUsage]

    async def _execute_plan(
        self,
        statements: Sequence[tuple[str, Parameters | None]],
        post: Callable[[list[Result]], T],
        tables: Tables,
    ) -> T:
        async with self._turn():
            return await self._database()._execute_plan(statements, post, tables)  # pyright: ignore[reportPrivateUsage]

    async def close(self) -> None:
        real, self._real = self._real, None
        if real is not None:
            await real.close()

    async def __aenter__(self) -> LazyAsyncDatabase:
        return self

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<{type(self).__name__} {state}>"


def connect(url: str | None = None) -> AsyncDatabase:
    """`typedb.connect_async(url)`; the stub types it as `AsyncDB`."""
    return connect_async(url)


#: The project's database for asyncio code, connected on first use.
db: AsyncDatabase = LazyAsyncDatabase()

__all__ = ["AsyncDB", "LazyAsyncDatabase", "connect", "db"]
