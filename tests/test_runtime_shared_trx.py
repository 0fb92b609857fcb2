"""A `trx` shared by threads (and tasks): the stack of blocks on its connection (_nesting).

Each test runs on a SQLite file, in-memory SQLite, PostgreSQL and PostgreSQL behind
PgBouncer. What they check together: a statement never runs inside another thread's nested
block, a worker's block nested in the block its owner waits in runs at once, and blocks end
in stack order or the whole transaction is rolled back with an error.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest

import typedb


def _ids(db: typedb.Database) -> list[int]:
    return [r["id"] for r in db.select_from("shared").select("id").order_by("id").execute()]


@pytest.mark.pgbouncer
def test_workers_in_the_owners_nested_block_with_a_rollback_and_plain_statements(
    shared_url: str
) -> None:
    """Both fixes together: the owner waits inside its nested block for two workers. One
    opens a nested block inside the owner's (no stall) and rolls it back; the other worker's
    plain insert and the owner's own, made while that block is open, wait for it and land
    in the owner's block, not in the rolled-back savepoint. Before: the first worker waited
    for the owner's turn (PoolTimeoutError); with that fixed alone, the two inserts would
    have vanished with the worker's rollback."""
    events: list[str] = []
    lock = threading.Lock()

    def note(event: str) -> None:
        with lock:
            events.append(event)

    with typedb.connect(shared_url, pool_timeout=2.0) as db:
        db.raw("CREATE TABLE shared (id integer)")
        first_in = threading.Event()

        def first(trx: typedb.Database) -> None:
            with suppress(KeyError), trx.transaction():
                trx.insert_into("shared").values({"id": 2}).execute()
                first_in.set()
                time.sleep(0.3)
                note("first rolls back")
                raise KeyError("undo")

        def second(trx: typedb.Database) -> None:
            assert first_in.wait(10)
            trx.insert_into("shared").values({"id": 3}).execute()
            note("second inserted")

        with db.transaction() as trx:
            with trx.transaction():
                trx.insert_into("shared").values({"id": 1}).execute()
                with ThreadPoolExecutor(2) as pool:
                    done = [pool.submit(first, trx), pool.submit(second, trx)]
                    assert first_in.wait(10)
                    db.insert_into("shared").values({"id": 4}).execute()
                    note("owner inserted")
                    for future in done:
                        future.result()
            trx.insert_into("shared").values({"id": 5}).execute()
        assert events[0] == "first rolls back"
        assert sorted(events[1:]) == ["owner inserted", "second inserted"]
        assert _ids(db) == [1, 3, 4, 5]


@pytest.mark.pgbouncer
def test_many_threads_sharing_a_trx_keep_exactly_their_committed_work(
    shared_url: str,
) -> None:
    """Hammer: 6 workers and the owner, mixing plain inserts, nested blocks that commit and
    nested blocks that roll back (some nested twice), on one shared trx. Every row of a
    committed block or a plain statement is there; no row of a rolled-back block is. The
    owner's nested blocks only commit here: what workers do while the owner is in a nested
    block goes into it (README), and would be rolled back with it."""
    kept: set[int] = set()
    lock = threading.Lock()
    every = ["plain", "commit", "rollback", "deep"]

    def work(trx: typedb.Database, who: int, kinds: list[str] = every) -> None:
        rng = random.Random(who)
        for step in range(12):
            base = who * 1000 + step * 10
            kind = rng.choice(kinds)
            if kind == "plain":
                trx.insert_into("shared").values({"id": base}).execute()
                with lock:
                    kept.add(base)
            elif kind == "commit":
                with trx.transaction() as inner:
                    inner.insert_into("shared").values({"id": base + 1}).execute()
                    trx.insert_into("shared").values({"id": base + 2}).execute()
                with lock:
                    kept.update((base + 1, base + 2))
            elif kind == "rollback":
                with suppress(KeyError), trx.transaction():
                    trx.insert_into("shared").values({"id": base + 3}).execute()
                    time.sleep(0.001)
                    raise KeyError
            else:
                with trx.transaction():
                    trx.insert_into("shared").values({"id": base + 4}).execute()
                    with suppress(KeyError), trx.transaction():
                        trx.insert_into("shared").values({"id": base + 5}).execute()
                        raise KeyError
                with lock:
                    kept.add(base + 4)

    with typedb.connect(shared_url) as db:
        db.raw("CREATE TABLE shared (id integer)")
        with db.transaction() as trx, ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(work, trx, who) for who in range(1, 7)]
            work(db, 7, ["plain", "commit"])  # the owner, through its pinned `db`
            for future in futures:
                future.result()
        assert _ids(db) == sorted(kept)


@pytest.mark.pgbouncer
def test_threads_reading_through_a_shared_trx_get_their_own_rows(shared_url: str) -> None:
    """Each thread selects its own number through the shared trx, many times. On
    PostgreSQL the driver's one cursor served them all: a thread's execute() could be
    followed by another's before it fetched, and it read the other's rows."""
    with typedb.connect(shared_url) as db, db.transaction() as trx:
        wrong: list[tuple[int, object]] = []

        def read(n: int) -> None:
            for _ in range(150):
                got = trx.raw("SELECT %s AS n", [n])
                if got != [{"n": n}]:
                    wrong.append((n, got))

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(read, range(4)))
        assert wrong == []


@pytest.mark.pgbouncer
def test_the_outer_block_waits_for_a_workers_nested_block(shared_url: str) -> None:
    """The owner leaves its block while a worker's nested block is still open: the COMMIT
    waits for the worker's block (savepoints are a stack), and its work is committed with
    it. Before, the worker's later statements ran on a connection back in the pool."""
    with typedb.connect(shared_url) as db:
        db.raw("CREATE TABLE shared (id integer)")
        worker_in = threading.Event()

        def worker(trx: typedb.Database) -> None:
            with trx.transaction():
                worker_in.set()
                time.sleep(0.2)
                trx.insert_into("shared").values({"id": 2}).execute()

        with db.transaction() as trx:
            db.insert_into("shared").values({"id": 1}).execute()
            thread = threading.Thread(target=worker, args=(trx,))
            thread.start()
            assert worker_in.wait(10)
        thread.join(10)
        assert _ids(db) == [1, 2]


@pytest.mark.pgbouncer
def test_blocks_that_cannot_end_in_stack_order_roll_the_transaction_back(
    shared_url: str
) -> None:
    """The owner's nested block ends while a worker's block nested in it waits for the
    owner's next step: they cannot end in stack order. After the timeout the transaction is
    broken: the owner's block raises, the worker's too, and nothing of it is committed."""
    with typedb.connect(shared_url, pool_timeout=0.5) as db:
        db.raw("CREATE TABLE shared (id integer)")
        worker_in, owner_out = threading.Event(), threading.Event()
        worker_error: list[BaseException] = []

        def worker(trx: typedb.Database) -> None:
            try:
                with trx.transaction():
                    trx.insert_into("shared").values({"id": 2}).execute()
                    worker_in.set()
                    owner_out.wait(5)
            except typedb.TypedbError as exc:
                worker_error.append(exc)

        thread = threading.Thread
        with pytest.raises(typedb.QueryError, match="broken"), db.transaction() as trx:
            db.insert_into("shared").values({"id": 1}).execute()
            with pytest.raises(typedb.QueryError, match="broken"), trx.transaction():
                started = thread(target=worker, args=(trx,))
                started.start()
                assert worker_in.wait(10)
            owner_out.set()
            started.join(10)
        assert len(worker_error) == 1 and "broken" in str(worker_error[0])
        assert _ids(db) == []
        # The connection is clean for the next transaction.
        with db.transaction():
            db.insert_into("shared").values({"id": 3}).execute()
        assert _ids(db) == [3]


@pytest.mark.pgbouncer
def test_tasks_sharing_a_trx_hammered(shared_url: str) -> None:
    """The hammer test with tasks on an AsyncDatabase: plain inserts and nested blocks that
    commit or roll back, interleaved at every await."""
    kept: set[int] = set()

    async def work(
        trx: typedb.AsyncDatabase,
        who: int,
        kinds: tuple[str, ...] = ("plain", "commit", "rollback"),
    ) -> None:
        rng = random.Random(who)
        for step in range(10):
            base = who * 1000 + step * 10
            kind = rng.choice(kinds)
            if kind == "plain":
                await trx.insert_into("shared").values({"id": base}).execute()
                kept.add(base)
            elif kind == "commit":
                async with trx.transaction():
                    await trx.insert_into("shared").values({"id": base + 1}).execute()
                    await asyncio.sleep(0)
                    await trx.insert_into("shared").values({"id": base + 2}).execute()
                kept.update((base + 1, base + 2))
            else:
                with suppress(KeyError):
                    async with trx.transaction():
                        await trx.insert_into("shared").values({"id": base + 3}).execute()
                        await asyncio.sleep(0.001)
                        raise KeyError

    async def main() -> list[int]:
        async with typedb.connect_async(shared_url) as db:
            await db.raw("CREATE TABLE shared (id integer)")
            async with db.transaction() as trx:
                workers = [asyncio.create_task(work(trx, who)) for who in range(1, 6)]
                await work(db, 6, ("plain", "commit"))  # the owner, in its block's task
                await asyncio.gather(*workers)
            rows = await db.select_from("shared").select("id").order_by("id").execute()
            return [r["id"] for r in rows]

    assert asyncio.run(main()) == sorted(kept)


@pytest.mark.pgbouncer
def test_a_worker_racing_the_blocks_end_never_writes_into_the_next_transaction(
    shared_url: str,
) -> None:
    """A worker inserting through `trx` in a loop while the owner leaves the block: each
    insert either ran in the block (committed with it) or raised "block has ended". Before,
    an insert that passed the `ended` check as the block ended ran afterwards, in the next
    transaction on that connection (rolled back here), and reported success: lost."""
    with typedb.connect(shared_url) as db:
        db.raw("CREATE TABLE shared (id integer)")
        reported: list[int] = []
        for block in range(40):
            stop = threading.Event()
            with db.transaction() as trx:

                def worker(
                    trx: typedb.Database = trx, block: int = block, stop: threading.Event = stop
                ) -> None:
                    for i in range(100_000):
                        if stop.is_set():
                            return
                        try:
                            trx.insert_into("shared").values({"id": block * 100_000 + i}).execute()
                        except typedb.QueryError as exc:
                            assert "has ended" in str(exc)
                            return
                        reported.append(block * 100_000 + i)

                thread = threading.Thread(target=worker)
                thread.start()
                time.sleep(0.002)
                db.insert_into("shared").values({"id": -2}).execute()
            with suppress(KeyError), db.transaction():  # the next one, on that connection
                db.insert_into("shared").values({"id": -1}).execute()
                time.sleep(0.002)
                raise KeyError("roll it back")
            stop.set()
            thread.join(10)
        assert [i for i in _ids(db) if i >= 0] == sorted(reported)


@pytest.mark.pgbouncer
def test_the_owners_exception_rolls_back_at_once_and_refuses_the_worker(shared_url: str) -> None:
    """The owner's block raises while a worker is inside a nested block of it: the whole
    transaction rolls back at once (no wait for the worker), the worker's next statement
    and its block's end raise "has ended", and they run nothing on the connection, which
    serves the next transaction cleanly."""
    with typedb.connect(shared_url) as db:
        db.raw("CREATE TABLE shared (id integer)")
        worker_in, owner_out = threading.Event(), threading.Event()
        outcome: list[str] = []

        def worker(trx: typedb.Database) -> None:
            try:
                with trx.transaction():
                    trx.insert_into("shared").values({"id": 2}).execute()
                    worker_in.set()
                    owner_out.wait(10)
                    trx.insert_into("shared").values({"id": 3}).execute()
            except typedb.QueryError as exc:
                outcome.append(str(exc))

        thread = threading.Thread
        with pytest.raises(KeyError), db.transaction() as trx:
            db.insert_into("shared").values({"id": 1}).execute()
            started = thread(target=worker, args=(trx,))
            started.start()
            assert worker_in.wait(10)
            raise KeyError("roll everything back")
        owner_out.set()
        started.join(10)
        with db.transaction():
            db.insert_into("shared").values({"id": 4}).execute()
        assert _ids(db) == [4]
        assert len(outcome) == 1 and "has ended" in outcome[0]


@pytest.mark.pgbouncer
def test_a_turn_is_waited_for_as_long_as_the_users_pool_timeout(shared_url: str) -> None:
    """A statement waiting behind another thread's nested block gives up after the
    `pool_timeout` the database was opened with, as a wait for a connection does (before:
    always 30 s, whatever the user set)."""
    with typedb.connect(shared_url, pool_timeout=0.3) as db:
        db.raw("CREATE TABLE shared (id integer)")
        worker_in, release = threading.Event(), threading.Event()

        def worker(trx: typedb.Database) -> None:
            with trx.transaction():
                trx.insert_into("shared").values({"id": 2}).execute()
                worker_in.set()
                release.wait(10)

        with db.transaction() as trx:
            thread = threading.Thread(target=worker, args=(trx,))
            thread.start()
            assert worker_in.wait(10)
            started = time.monotonic()
            with pytest.raises(typedb.PoolTimeoutError, match=r"waited 0\.3s"):
                db.insert_into("shared").values({"id": 1}).execute()
            assert time.monotonic() - started < 5
            release.set()
            thread.join(10)
        assert _ids(db) == [2]


@pytest.mark.pgbouncer
def test_a_tasks_turn_is_waited_for_as_long_as_the_users_pool_timeout(shared_url: str) -> None:
    """The same with tasks sharing an `AsyncDatabase`'s trx."""

    async def main() -> None:
        async with typedb.connect_async(shared_url, pool_timeout=0.3) as db:
            await db.raw("CREATE TABLE shared (id integer)")
            worker_in, release = asyncio.Event(), asyncio.Event()

            async def worker(trx: typedb.AsyncDatabase) -> None:
                async with trx.transaction():
                    await trx.insert_into("shared").values({"id": 2}).execute()
                    worker_in.set()
                    await asyncio.wait_for(release.wait(), 10)

            async with db.transaction() as trx:
                task = asyncio.create_task(worker(trx))
                await asyncio.wait_for(worker_in.wait(), 10)
                started = time.monotonic()
                with pytest.raises(typedb.PoolTimeoutError, match=r"waited 0\.3s"):
                    await db.insert_into("shared").values({"id": 1}).execute()
                assert time.monotonic() - started < 5
                release.set()
                await task
            ids = await db.select_from("shared").select("id").execute()
            assert ids == [{"id": 2}]

    asyncio.run(main())
