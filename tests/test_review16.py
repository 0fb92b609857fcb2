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
