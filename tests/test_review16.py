"""Review 16 of three commits: turns waited for as long as the database's pool_timeout
(04c30b2) and limit(n) written into the SQL (a348b95)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import typedb
from typedb.facades._lazy import LazyDatabase
from typedb.facades._lazy_async import LazyAsyncDatabase

# -- 04c30b2: the facade standing in a test's transaction -----------------------------------


@pytest.mark.pgbouncer
def test_a_thread_waits_for_the_standing_in_facade_as_long_as_the_pool_timeout(
    db_url: str,
) -> None:
    """The `db` facade standing in a transaction (the plugin's typedb_db, whose database is
    opened with [tool.typedb] pool_timeout) is one thread at a time. A thread waiting for it
    gave up after a fixed 30 s, saying "waited 30s", whatever pool_timeout said, while a
    thread waiting for a turn on that very transaction through `trx` gave up after
    pool_timeout."""
    with typedb.connect(db_url, pool_timeout=0.3) as real:
        real.raw("CREATE TABLE r16f (v integer)")
        facade = LazyDatabase(db_url)
        inside, release = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def holder() -> None:
            try:
                with facade.transaction():
                    facade.raw("INSERT INTO r16f (v) VALUES (1)")
                    inside.set()
                    release.wait(3)  # the old code's 30 s wait ends when this block does
            except BaseException as exc:
                errors.append(exc)

        with real.transaction() as trx, facade.standing_in(trx):
            thread = threading.Thread(target=holder)
            thread.start()
            try:
                assert inside.wait(10)
                started = time.monotonic()
                with pytest.raises(typedb.PoolTimeoutError, match=r"waited 0\.3s"):
                    facade.raw("SELECT v FROM r16f")
                assert time.monotonic() - started < 2
            finally:
                release.set()
                thread.join(10)
            assert errors == []
            assert facade.raw("SELECT v FROM r16f") == [{"v": 1}]
        facade.close()


@pytest.mark.pgbouncer
def test_a_task_waits_for_the_standing_in_async_facade_as_long_as_the_pool_timeout(
    db_url: str,
) -> None:
    """The same for the async facade (typedb_async_db): a task waiting for the stand-in's
    one connection waited 30 s, not the database's pool_timeout."""
    with typedb.connect(db_url) as setup:
        setup.raw("CREATE TABLE r16a (v integer)")

    async def main() -> None:
        async with typedb.connect_async(db_url, pool_timeout=0.3) as real:
            facade = LazyAsyncDatabase(db_url)
            inside, release = asyncio.Event(), asyncio.Event()

            async def holder() -> None:
                async with facade.transaction():
                    await facade.raw("INSERT INTO r16a (v) VALUES (1)")
                    inside.set()
                    # the old code's 30 s wait ends when this block does
                    await asyncio.wait_for(release.wait(), 3)

            async with real.transaction() as trx:
                with facade.standing_in(trx):
                    task = asyncio.create_task(holder())
                    try:
                        await asyncio.wait_for(inside.wait(), 10)
                        started = time.monotonic()
                        with pytest.raises(typedb.PoolTimeoutError, match=r"waited 0\.3s"):
                            await facade.raw("SELECT v FROM r16a")
                        assert time.monotonic() - started < 2
                    finally:
                        release.set()
                        await task
                    assert await facade.raw("SELECT v FROM r16a") == [{"v": 1}]
            await facade.close()

    asyncio.run(main())


@pytest.mark.pgbouncer
@pytest.mark.parametrize("forever", [float("inf"), 1e10], ids=["inf", "1e10"])
def test_a_pool_timeout_of_forever_waits_for_a_turn_on_a_shared_trx(
    shared_url: str, forever: float
) -> None:
    """`pool_timeout = inf` in [tool.typedb] (TOML has inf), or any wait past
    threading.TIMEOUT_MAX (292 years), passes connect()'s check and means: wait. Since turns
    wait pool_timeout, a thread waiting behind a worker's nested block on a SQLite file
    raised OverflowError ("timestamp out of range for platform time_t") instead; so did the
    first statement on PostgreSQL (psycopg_pool's wait) and on the in-memory database. The
    async API waits so already."""
    with typedb.connect(shared_url, pool_timeout=forever) as db:
        db.raw("CREATE TABLE shared (id integer)")
        worker_in = threading.Event()
        errors: list[BaseException] = []

        def worker(trx: typedb.Database) -> None:
            try:
                with trx.transaction():
                    trx.insert_into("shared").values({"id": 2}).execute()
                    worker_in.set()
                    time.sleep(0.3)
            except BaseException as exc:
                errors.append(exc)
                worker_in.set()

        with db.transaction() as trx:
            thread = threading.Thread(target=worker, args=(trx,))
            thread.start()
            assert worker_in.wait(10)
            db.insert_into("shared").values({"id": 1}).execute()  # waits for the worker
            thread.join(10)
        assert errors == []
        ids = db.select_from("shared").select("id").order_by("id").execute()
        assert ids == [{"id": 1}, {"id": 2}]


@pytest.mark.pgbouncer
def test_a_pool_timeout_of_forever_waits_for_the_standing_in_facade(db_url: str) -> None:
    """The facade standing in a transaction of a database opened with pool_timeout=inf
    waits for the thread whose db.transaction() holds it."""
    with typedb.connect(db_url, pool_timeout=float("inf")) as real:
        real.raw("CREATE TABLE r16i (v integer)")
        facade = LazyDatabase(db_url)
        inside = threading.Event()
        errors: list[BaseException] = []

        def holder() -> None:
            try:
                with facade.transaction():
                    facade.raw("INSERT INTO r16i (v) VALUES (1)")
                    inside.set()
                    time.sleep(0.3)
            except BaseException as exc:
                errors.append(exc)
                inside.set()

        with real.transaction() as trx, facade.standing_in(trx):
            thread = threading.Thread(target=holder)
            thread.start()
            assert inside.wait(10)
            assert facade.raw("SELECT v FROM r16i") == [{"v": 1}]  # after the holder's block
            thread.join(10)
            assert errors == []
        facade.close()


# -- a348b95: limit(n) written into the SQL ---------------------------------------------------


@pytest.mark.pgbouncer
@pytest.mark.parametrize("count", [2**63, 10**30, 10**5000], ids=["2**63", "10**30", "10**5000"])
def test_a_limit_past_bigint_is_refused_at_the_call_on_both_backends(
    db: typedb.Database, count: int
) -> None:
    """A count no backend takes (PostgreSQL's LIMIT is a bigint, SQLite's integer the same
    64 bits). Written into the SQL, it became `IntegrityError: datatype mismatch` on SQLite
    (an integrity error for a SELECT, where PostgreSQL says "bigint out of range"), and past
    4,300 digits a bare `ValueError` from str() while rendering, on both backends."""
    db.raw("CREATE TABLE r16l (id integer)")
    db.insert_into("r16l").values([{"id": 1}, {"id": 2}]).execute()
    query = db.select_from("r16l").select("id")
    with pytest.raises(
        typedb.CompileError, match=r"limit\(\) needs a count up to 9223372036854775807"
    ):
        query.limit(count)
    # The largest count both take is written in and runs.
    assert query.order_by("id").limit(2**63 - 1).execute() == [{"id": 1}, {"id": 2}]


@pytest.mark.pgbouncer
def test_limit_counts_that_are_ints_only_in_name_are_refused(db: typedb.Database) -> None:
    """The count is written into the SQL, so only an exact int may reach it: not a bool, an
    int subclass whose str() could be anything, a float that equals an int, nor a str."""

    class Hostile(int):
        def __str__(self) -> str:
            return "1; DROP TABLE r16h"

        __repr__ = __str__

    db.raw("CREATE TABLE r16h (id integer)")
    db.insert_into("r16h").values([{"id": 1}, {"id": 2}]).execute()
    query = db.select_from("r16h").select("id")
    for count in (True, Hostile(1), 1.0, "1", -1):
        with pytest.raises(typedb.CompileError, match=r"limit\(\) needs a non-negative int"):
            query.limit(count)  # type: ignore[arg-type]
    assert len(query.execute()) == 2  # the table is still there
