"""Review of issue 9: the `db` facade standing in a test's transaction (the pytest plugin's
typedb_db) is used "by any thread": two threads' db.transaction() blocks must not interleave
their savepoints on the one connection."""

from __future__ import annotations

import asyncio
import threading
import time

import typedb
from typedb.facades._lazy import LazyDatabase
from typedb.facades._lazy_async import LazyAsyncDatabase


def test_two_threads_transactions_through_a_standing_in_facade_stay_apart(db_url: str) -> None:
    """Thread A's block fails while thread B's block (begun after A's) is still open. A's
    ROLLBACK TO its savepoint used to drop B's savepoint too: B's committed row vanished, B
    failed with "no such savepoint" and, on PostgreSQL, the test transaction was aborted."""
    with typedb.connect(db_url) as real:
        real.raw("CREATE TABLE rv9s (v integer)")
        facade = LazyDatabase(db_url)
        errors: list[BaseException] = []
        a_inside, b_started = threading.Event(), threading.Event()

        def a() -> None:
            try:
                with facade.transaction():
                    facade.raw("INSERT INTO rv9s (v) VALUES (1)")
                    a_inside.set()
                    b_started.wait(0.5)  # B waits for the connection (or, before, got in)
                    time.sleep(0.1)
                    raise KeyError("A fails")
            except KeyError:
                pass
            except BaseException as exc:
                errors.append(exc)

        def b() -> None:
            try:
                assert a_inside.wait(5)
                b_started.set()
                with facade.transaction():
                    facade.raw("INSERT INTO rv9s (v) VALUES (2)")
                    time.sleep(0.2)
            except BaseException as exc:
                errors.append(exc)

        with real.transaction() as trx, facade.standing_in(trx):
            threads = [threading.Thread(target=a), threading.Thread(target=b)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
            assert errors == []
            assert trx.raw("SELECT v FROM rv9s") == [{"v": 2}]
        facade.close()


def test_two_tasks_transactions_through_a_standing_in_async_facade_stay_apart(
    db_url: str,
) -> None:
    """The async facade in typedb_async_db's transaction, used by two tasks at once (an app
    under test serving two requests): as with threads, A's rollback used to drop B's block."""
    with typedb.connect(db_url) as setup:
        setup.raw("CREATE TABLE rv9a (v integer)")

    async def main() -> None:
        async with typedb.connect_async(db_url) as real:
            facade = LazyAsyncDatabase(db_url)
            errors: list[BaseException] = []
            a_inside = asyncio.Event()

            async def a() -> None:
                try:
                    async with facade.transaction():
                        await facade.raw("INSERT INTO rv9a (v) VALUES (1)")
                        a_inside.set()
                        await asyncio.sleep(0.1)
                        raise KeyError("A fails")
                except KeyError:
                    pass
                except BaseException as exc:
                    errors.append(exc)

            async def b() -> None:
                try:
                    await a_inside.wait()
                    async with facade.transaction():
                        await facade.raw("INSERT INTO rv9a (v) VALUES (2)")
                        await asyncio.sleep(0.2)
                except BaseException as exc:
                    errors.append(exc)

            async with real.transaction() as trx:
                with facade.standing_in(trx):
                    await asyncio.gather(a(), b())
                    assert errors == []
                    assert await trx.raw("SELECT v FROM rv9a") == [{"v": 2}]
            await facade.close()

    asyncio.run(main())


def test_facade_answers_learned_in_a_test_transaction_do_not_outlive_it(db_url: str) -> None:
    """A test makes `t9` with timestamp columns in its transaction (through its own fixture
    db, not the facade) and the app updates it through the facade; the next test's `t9` has
    none. The facade used to remember the rolled-back table: "unknown column updated_at"."""
    facade = LazyDatabase(db_url)
    with typedb.connect(db_url) as real:
        for timestamps in (True, False):
            with real.transaction() as trx, facade.standing_in(trx):
                extra = ", created_at timestamp, updated_at timestamp" if timestamps else ""
                trx.raw(f"CREATE TABLE t9 (id integer primary key, title text{extra})")  # type: ignore[arg-type]
                trx.raw("INSERT INTO t9 (id, title) VALUES (1, 'a')")
                assert facade.update_table("t9").set({"title": "b"}).execute().num_updated_rows
                trx.raw("DROP TABLE t9")  # as the test's rollback would, on both backends
    facade.close()


def test_async_facade_answers_learned_in_a_test_transaction_do_not_outlive_it(
    db_url: str,
) -> None:
    async def main() -> None:
        facade = LazyAsyncDatabase(db_url)
        async with typedb.connect_async(db_url) as real:
            for timestamps in (True, False):
                async with real.transaction() as trx:
                    with facade.standing_in(trx):
                        extra = ", created_at timestamp, updated_at timestamp" if timestamps else ""
                        await trx.raw(
                            f"CREATE TABLE t9 (id integer primary key, title text{extra})"
                        )  # type: ignore[arg-type]
                        await trx.raw("INSERT INTO t9 (id, title) VALUES (1, 'a')")
                        result = await facade.update_table("t9").set({"title": "b"}).execute()
                        assert result.num_updated_rows == 1
                        await trx.raw("DROP TABLE t9")
        await facade.close()

    asyncio.run(main())
