"""Where a `Database` gets its connections: one kind of pool per backend.

- PostgreSQL: `psycopg_pool.ConnectionPool`; a statement borrows a connection, a transaction
  keeps one for its block.
- SQLite file: a connection per thread (sqlite3 connections must not be used by two threads at
  once). Each thread's connection closes when the thread ends, and all of them on `close()`.
- SQLite in memory: one connection (each new one would be a new, empty database), used by one
  thread at a time: a statement holds its lock, a transaction holds it for the whole block.

Every pool offers `run` / `run_raw` / `run_many` (borrow for one statement), `acquire` /
`release` (keep one for a transaction) and `close`.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Sequence
from contextlib import suppress
from contextvars import ContextVar
from threading import get_ident
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from typedb._errors import ConnectionError, QueryError
from typedb._sql import Parameters
from typedb._url import Url
from typedb.connection._driver import Driver, Row
from typedb.dialects import Dialect

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from typedb.connection._database import Pin
    from typedb.connection._postgres import PostgresDriver
    from typedb.connection._sqlite import SqliteDriver
    from typedb.query._base import Result, Tables

T = TypeVar("T")

#: Seconds a statement or transaction waits for a free connection before `PoolTimeoutError`.
DEFAULT_POOL_TIMEOUT = 30.0
DEFAULT_POOL_MIN = 1
DEFAULT_POOL_MAX = 10


def waitable(seconds: float) -> float:
    """`seconds` as a thread can wait them: threading's waits (and so psycopg_pool's) raise
    OverflowError past `threading.TIMEOUT_MAX`, 292 years, and `pool_timeout = inf` (wait
    for good, which asyncio's waits take as it is) is past it."""
    return min(seconds, threading.TIMEOUT_MAX)


class PoolTimeoutError(ConnectionError):
    """No connection came free within the pool timeout."""


class Executor(Protocol):
    """`Database._execute`: a builder's statement, and `post` of its result."""

    def __call__(
        self, sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
    ) -> T: ...


class Pool(Protocol):
    dialect: Dialect
    #: Seconds to wait for a connection, or for a turn on a shared transaction's connection.
    timeout: float

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]: ...
    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]: ...
    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int: ...
    def acquire(self) -> Driver: ...
    def release(self, driver: Driver) -> None: ...
    def close(self) -> None: ...


class SqliteThreadPool:
    """A connection per thread, opened on the thread's first statement."""

    def __init__(self, url: Url, wal: bool, timeout: float) -> None:
        from typedb.connection._sqlite import SqliteDriver

        self._url = url
        self.timeout = timeout  # no wait for a connection; a shared `trx`'s turns wait
        self._wal = wal
        self._local = threading.local()
        self._all: weakref.WeakSet[SqliteDriver] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._closed = False
        self.dialect = SqliteDriver.dialect
        self._local.driver = self._open()  # the first one now: a bad path fails in connect()
        # Every connection, held from just before a fork to just after (see _after_fork).
        self._over_fork: list[SqliteDriver] = []
        me = weakref.ref(self)
        os.register_at_fork(
            before=_call(me, SqliteThreadPool._before_fork),
            after_in_parent=_call(me, SqliteThreadPool._after_fork_in_parent),
            after_in_child=_call(me, SqliteThreadPool._after_fork),
        )

    def _before_fork(self) -> None:
        with self._lock:  # also: not held by another thread at the fork, so free in the child
            self._over_fork = list(self._all)

    def _after_fork_in_parent(self) -> None:
        self._over_fork = []

    def _after_fork(self) -> None:
        """In a forked child: the inherited sqlite3 connections are the parent's. SQLite
        forbids carrying one across a fork (its lock bookkeeping is per process: the child
        would believe it holds locks only the parent holds, and a close could checkpoint
        the parent's WAL file). The child's threads open their own on first use (unless the
        pool was closed before). The parent's are kept referenced, never closed or collected
        here: the other threads' locals, cleared in the child, would close theirs."""
        _LEFT_BY_PARENT.extend(self._over_fork)
        self._over_fork = []
        self._local = threading.local()
        self._all = weakref.WeakSet()
        self._lock = threading.Lock()

    def _open(self) -> SqliteDriver:
        from typedb.connection._sqlite import SqliteDriver

        if self._closed:
            raise ConnectionError(f"{self._url.masked} is closed")
        driver = SqliteDriver(self._url, wal=self._wal)
        with self._lock:
            self._all.add(driver)
        return driver

    def _mine(self) -> SqliteDriver:
        """This thread's connection, or, while a block of another context on this thread
        holds it, a spare one (see `_spare`)."""
        try:
            driver: SqliteDriver = self._local.driver
        except AttributeError:
            driver = self._local.driver = self._open()
        return self._spare() if driver.held else driver

    def _spare(self) -> SqliteDriver:
        """A connection of this thread that no block holds. The thread's own is held by a
        `transaction()` block of another context on this thread: an asyncio task using the
        sync database that awaits inside its block, or a generator suspended inside one
        (Starlette runs the next request on the same worker thread). A statement there on
        the held connection would join that block's transaction and vanish with its
        rollback, as no other thread's does."""
        spares: list[SqliteDriver] = self._local.__dict__.setdefault("spares", [])
        for driver in spares:
            if not driver.held:
                break
        else:
            driver = self._open()
            spares.append(driver)
        # A write here waits for the write lock; if the held block has it, that wait could
        # never end (the block goes on in this thread only): refuse at once instead.
        mine = [self._local.driver, *spares]
        driver.wait_for_writers(any(held.held and held.writing() for held in mine))
        return driver

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        try:
            driver: SqliteDriver = self._local.driver
        except AttributeError:
            driver = self._mine()
        if driver.held:  # one attribute read: a block of another context holds it
            driver = self._spare()
        return driver.run(sql, params)

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        return self._mine().run_raw(sql, params)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        return self._mine().run_many(sql, rows)

    def acquire(self) -> Driver:
        driver = self._mine()
        driver.held = True
        return driver

    def release(self, driver: Driver) -> None:
        driver.held = False  # type: ignore[attr-defined]  # it stays the thread's

    def close(self) -> None:
        self._closed = True
        with self._lock:
            drivers = list(self._all)
            self._all.clear()
        for driver in drivers:
            driver.close()
        self._local = threading.local()


#: In a forked child, the connections its parent had open: kept referenced so that none is
#: closed here (see SqliteThreadPool._after_fork).
_LEFT_BY_PARENT: list[object] = []

P = TypeVar("P")


def _call(pool: weakref.ref[P], method: Callable[[P], None]) -> Callable[[], None]:
    """A fork hook calling `method` on the pool while it lives (os.register_at_fork keeps its
    hooks for good: a bound method would keep every pool ever opened alive)."""

    def hook() -> None:
        alive = pool()
        if alive is not None:
            method(alive)

    return hook


class OneAtATimePool:
    """One connection that one thread (or task) uses at a time: a statement holds it alone,
    a transaction (acquire .. release) for its whole block. It serves the in-memory SQLite
    database (each new connection would be a new, empty database) and the facade standing in
    a test's transaction (`LazyDatabase.standing_in`), where another thread's statement or
    savepoint in the middle of a block would be undone by its rollback, or undo it.

    A wait longer than `timeout` raises `PoolTimeoutError` with `busy`, which says what is
    held and why. `close()` closes the connection only if the pool `owns` it."""

    def __init__(
        self, driver: Driver, dialect: Dialect, *, timeout: float, busy: str, owns: bool
    ) -> None:
        self._driver = driver
        self.dialect = dialect
        self._lock = threading.RLock()  # re-entrant: a transaction's own statements
        self.timeout = timeout
        self._wait = waitable(timeout)
        self._busy = busy
        self._owns = owns
        self._held = False  # a block (acquire .. release) holds the connection

    def _take(self) -> None:
        if not self._lock.acquire(timeout=self._wait):
            raise PoolTimeoutError(self._busy)
        if self._held:
            # Re-entered by the holding thread, yet not through the block's pin (a block's
            # own statements never come here): another context on this thread, an asyncio
            # task using the sync database or a suspended generator. Its statement would
            # join that block's transaction and vanish with its rollback; waiting for the
            # block cannot end, as the block can only go on in this same thread.
            self._lock.release()
            if getattr(self._driver, "inherited", False):  # a block the parent process had
                from typedb.connection._fork import FORKED

                raise ConnectionError(FORKED)
            raise ConnectionError(
                "this thread's block holds the one connection (a `transaction()` block of "
                "another asyncio task, or of a suspended generator, on this same thread): "
                "a statement here would run inside that block's transaction. Use "
                "typedb.connect_async() in asyncio code, or a SQLite file or PostgreSQL"
            )

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        self._take()
        try:
            turns = self._driver.turns
            if turns is None:
                return self._driver.run(sql, params)
            # A facade standing in a transaction other threads share (see _nesting).
            return turns.run(get_ident(), None, self._driver.run, sql, params)
        finally:
            self._lock.release()

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        self._take()
        try:
            turns = self._driver.turns
            if turns is None:
                return self._driver.run_raw(sql, params)
            # A facade standing in a transaction other threads share (see _nesting).
            return turns.run(get_ident(), None, self._driver.run_raw, sql, params)
        finally:
            self._lock.release()

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        self._take()
        try:
            turns = self._driver.turns
            if turns is None:
                return self._driver.run_many(sql, rows)
            # A facade standing in a transaction other threads share (see _nesting).
            return turns.run(get_ident(), None, self._driver.run_many, sql, rows)
        finally:
            self._lock.release()

    def acquire(self) -> Driver:
        self._take()
        self._held = True
        return self._driver

    def release(self, driver: Driver) -> None:
        self._held = False
        self._lock.release()  # the block's owner gives the connection back

    def close(self) -> None:
        if self._owns:
            self._driver.close()


def sqlite_memory_pool(url: Url, timeout: float) -> OneAtATimePool:
    """The in-memory database's one connection, one thread (or task) at a time."""
    from typedb.connection._sqlite import SqliteDriver

    return OneAtATimePool(
        SqliteDriver(url, wal=False),
        SqliteDriver.dialect,
        timeout=timeout,
        busy=(
            f"waited {timeout:g}s for the in-memory database {url.masked}, which one thread "
            "(or task) uses at a time; another held it that long (a long transaction?). Use a "
            "SQLite file or PostgreSQL to run transactions side by side"
        ),
        owns=True,
    )


class PostgresPool:
    """`psycopg_pool.ConnectionPool`, each connection wrapped once in a `PostgresDriver`.

    In front of it, a stack of connections handed back moments ago and not yet returned to
    psycopg_pool: taking one is a list pop, where psycopg_pool's getconn/putconn cost about
    2.5 us per statement (a third of typedb's whole overhead on a simple select). A connection
    goes back to psycopg_pool, which then checks, recycles or replaces it, when someone waits
    in psycopg_pool for one, when its last statement began more than RECHECK_AFTER_SECONDS
    ago (the server may have ended the session since), when it was not idle after a
    statement, and at least once every HOT_SECONDS.

    A statement outside a transaction (`run`) does all of that in one frame with one clock
    read: it was 1.5 us a statement as acquire + release with two clock reads and the checks
    spread over both, enough to show in the select benchmark (see README, "Performance").
    """

    HOT_SECONDS = 30.0

    def __init__(
        self, url: Url, *, min_size: int, max_size: int, timeout: float, prepare: bool
    ) -> None:
        import psycopg
        from psycopg import pq
        from psycopg_pool import PoolClosed, PoolTimeout

        from typedb.connection import _postgres

        self.dialect = _postgres.PostgresDriver.dialect
        self._url = url
        self.timeout = timeout
        self._pool_timeout = PoolTimeout
        self._pool_closed = PoolClosed
        # A plain int, compared with libpq's own answer: `conn.info.transaction_status`
        # builds a ConnectionInfo and an enum member on every call (0.4 us per statement).
        self._idle_status = int(pq.TransactionStatus.IDLE)
        self._drivers: dict[int, PostgresDriver] = {}
        self._hot: list[PostgresDriver] = []
        # Threads inside psycopg_pool's getconn (or about to be), plus one once closed: while
        # it is not 0, a connection handed back goes on to psycopg_pool.
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self._closed = False
        kwargs = _postgres.connection_kwargs(prepare)
        self._check_alive = _postgres.check_alive
        self._recheck_after = _postgres.RECHECK_AFTER_SECONDS
        # Connect once here, so a bad URL or a down server fails now with libpq's reason
        # (the pool would only time out, later, without one).
        try:
            psycopg.connect(url.raw, **kwargs).close()
        except psycopg.Error as exc:
            raise _postgres.connect_error(exc, url) from None
        self._sizes = (min_size, max_size)
        self._kwargs = kwargs
        self._pool: ConnectionPool[Any] = self._new_pool()
        self._pool.open()
        self._forked = False
        os.register_at_fork(after_in_child=_call(weakref.ref(self), PostgresPool._after_fork))

    def _after_fork(self) -> None:
        """In a forked child: the inherited connections are the parent's sockets (a query
        here would read the parent's answers, and closing one would end the parent's
        session). Drop them unclosed (psycopg closes a connection only in the process that
        opened it) and connect afresh on first use (unless it was closed before)."""
        if self._closed:
            return
        self._hot.clear()  # in place: executor() closures hold this list
        self._drivers = {}
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self._pool = self._new_pool()
        self._forked = True

    def _new_pool(self) -> ConnectionPool[Any]:
        from psycopg_pool import ConnectionPool

        from typedb.connection import _postgres

        return ConnectionPool(
            self._url.raw,
            min_size=self._sizes[0],
            max_size=self._sizes[1],
            timeout=waitable(self.timeout),
            kwargs=self._kwargs,
            configure=_postgres.configure,
            check=self._check,
            open=False,
            name=self._url.masked,
        )

    def _check(self, conn: Any) -> None:
        driver = self._drivers.get(id(conn))
        if driver is None or driver.conn is not conn or monotonic() > driver.fresh_until:
            self._check_alive(conn)

    def acquire(self) -> Driver:
        try:
            driver = self._hot.pop()  # atomic: no two threads get the same one
        except IndexError:
            return self._acquire_from_pool()
        if monotonic() > driver.fresh_until:
            return self._through_pool(driver)
        return driver

    def _through_pool(self, driver: PostgresDriver) -> PostgresDriver:
        """Hand `driver` to psycopg_pool and take one from it: idle a while, the server may
        have ended it (psycopg_pool's check replaces it then), or hot for HOT_SECONDS."""
        self._pool.putconn(driver.conn)
        return self._acquire_from_pool()

    def _acquire_from_pool(self) -> PostgresDriver:
        if self._forked:
            with self._waiting_lock:
                if self._forked:
                    self._pool.open()
                    self._forked = False
        with self._waiting_lock:
            self._waiting += 1
        try:
            # A release between our first look and the increment pushed onto the stack
            # without seeing us waiting: look again before blocking in psycopg_pool.
            try:
                driver = self._hot.pop()
            except IndexError:
                pass
            else:
                if monotonic() <= driver.fresh_until:
                    return driver
                self._pool.putconn(driver.conn)
            try:
                conn = self._pool.getconn()
            except self._pool_timeout:
                raise self._timed_out() from None
            except self._pool_closed:
                raise ConnectionError(f"{self._url.masked} is closed") from None
        finally:
            with self._waiting_lock:
                self._waiting -= 1
        known = self._drivers.get(id(conn))
        if known is None or known.conn is not conn:
            from typedb.connection._postgres import PostgresDriver

            # A new connection: psycopg_pool has replaced one (killed, broken, or past its
            # max_lifetime, an hour), whose driver would otherwise stay here for good.
            self._drivers = {k: d for k, d in self._drivers.items() if not d.conn.closed}
            known = self._drivers[id(conn)] = PostgresDriver(conn)
        now = monotonic()
        known.fresh_until = now + self._recheck_after
        known.return_by = now + self.HOT_SECONDS
        return known

    def _timed_out(self) -> ConnectionError:
        """The error for a wait that timed out: the server's reason when the pool is below
        its size because new connections fail (the server is down, or refuses the role),
        where "all are in use" would send the user to the pool settings."""
        import psycopg

        from typedb.connection._postgres import connect_error

        if self._pool.get_stats().get("pool_size", 0) < self._pool.max_size:
            try:
                psycopg.connect(self._url.raw, **self._kwargs).close()
            except psycopg.Error as exc:
                return connect_error(exc, self._url)
        return PoolTimeoutError(
            f"no free connection to {self._url.masked} within {self.timeout:g}s: all "
            f"{self._pool.max_size} are in use (raise pool_max, or pool_timeout, or hold "
            "transactions for less time)"
        )

    def release(self, driver: Driver) -> None:
        pg: PostgresDriver = driver  # type: ignore[assignment]
        now = monotonic()
        if pg.pgconn.transaction_status != self._idle_status or now > pg.return_by:
            if pg.inherited:  # the parent's, in a forked child: not this pool's (see _fork)
                return
            self._pool.putconn(pg.conn)  # psycopg_pool rolls back, replaces or recycles it
            return
        pg.fresh_until = now + self._recheck_after
        self._park(pg)

    def _park(self, driver: PostgresDriver) -> None:
        self._hot.append(driver)
        # Read after the append (a waiter counts itself before its last look at the stack),
        # so one of the two always sees the other.
        if self._waiting:  # someone blocks in getconn, or closed: hand it to psycopg_pool
            with suppress(IndexError):  # another thread may have taken it meanwhile
                self._pool.putconn(self._hot.pop().conn)

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        """A statement outside a transaction, for the schema builders, the migrator and
        multi-statement plans (a builder's single statement takes `executor`'s path)."""
        driver = self.acquire()
        try:
            return driver.run(sql, params)
        finally:
            self.release(driver)

    def executor(self, pinned: ContextVar[Pin | None]) -> Executor:
        """`Database._execute` for a database on this pool: a builder's statement, on the
        connection of the transaction this thread is in, else on a hot one.

        acquire() and release() inlined, with one clock read (the statement's start counts as
        its connection's last use) and the pool's state in closure cells: this runs for every
        statement outside a transaction, and each Python call, attribute or clock read here
        shows in the select benchmark (4.0k instructions a statement as Database._execute ->
        run -> acquire/release, 2.2k so). A statement with parameters goes through the
        extended protocol: one statement, which cannot leave a transaction open, so its
        connection goes back to the stack without asking libpq (0.4k instructions). One
        without (possibly several statements) or one that failed goes through release(),
        which asks.
        """
        from typedb.query._base import raise_named
        from typedb.query._locks import LockingSql, unlocked_error

        hot = self._hot
        get_pinned = pinned.get
        recheck_after = self._recheck_after
        pool = self

        def execute(
            sql: str, params: Parameters | None, post: Callable[[Result], T], tables: Tables
        ) -> T:
            try:
                pin = get_pinned()
                if pin is not None and pin.thread == (me := get_ident()):
                    pinned = pin.driver
                    turns = pinned.turns
                    if turns is None:  # pinned outside a transaction (the migrator's lock)
                        return post(pinned.run(sql, params))
                    with turns.lock:  # as Database._execute
                        if turns.top != me:
                            turns.wait(me, None, "a turn to run a statement")
                        result = pinned.run(sql, params)
                    return post(result)
                if type(sql) is LockingSql:  # see typedb.query._locks
                    raise unlocked_error(tables())
                try:
                    driver = hot.pop()
                except IndexError:
                    driver = pool._acquire_from_pool()  # pyright: ignore[reportPrivateUsage]
                now = monotonic()
                if now > driver.fresh_until:
                    driver = pool._through_pool(driver)  # pyright: ignore[reportPrivateUsage]
                try:
                    result = driver.run(sql, params)
                except BaseException:
                    pool.release(driver)  # a lost connection goes back, to be replaced
                    raise
                if not params:
                    pool.release(driver)
                    return post(result)
                if now < driver.return_by:  # else stale, through psycopg_pool next time
                    driver.fresh_until = now + recheck_after
                hot.append(driver)
                if pool._waiting:  # pyright: ignore[reportPrivateUsage]  # as in _park
                    with suppress(IndexError):
                        pool._pool.putconn(hot.pop().conn)  # pyright: ignore[reportPrivateUsage]
                return post(result)
            except QueryError as exc:
                raise_named(exc, tables)

        return execute

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        """raw(): the user's SQL may leave a transaction open ("SELECT 1; BEGIN" goes as one
        simple query); the driver's run_raw rolls it back and says so."""
        driver = self.acquire()
        try:
            return driver.run_raw(sql, params)
        finally:
            self.release(driver)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        driver = self.acquire()
        try:
            return driver.run_many(sql, rows)
        finally:
            self.release(driver)

    def close(self) -> None:
        with self._waiting_lock:
            if self._closed:
                return
            self._closed = True
            self._forked = False  # a child closing before its first statement: stay closed
            self._waiting += 1  # from now on every connection handed back goes on
        # A block still open in another thread (or a `trx` kept) would go on running, and
        # commit, on the connection it holds: after close() every statement raises, as on
        # SQLite, whose close() closes the connection under the block. Its connection goes
        # back to psycopg_pool, closed now, which closes it: the server rolls it back.
        from typedb.connection._fork import refuse_statements

        for held in list(self._drivers.values()):
            refuse_statements(held, f"{self._url.masked} is closed")
        while True:  # pop by pop (atomic), in place: executor() closures hold this list
            try:
                driver = self._hot.pop()
            except IndexError:
                break
            self._pool.putconn(driver.conn)
        self._pool.close()
        self._drivers.clear()
