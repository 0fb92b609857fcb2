"""`typedb.connect_async()`: the same builders awaited, transactions with savepoints per task,
many tasks at once, on SQLite and PostgreSQL. Plain `asyncio.run` per test: no plugin needed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import typedb

pytestmark = pytest.mark.pgbouncer  # the PostgreSQL tests run through PgBouncer too

Test = Callable[[typedb.AsyncDatabase], Awaitable[None]]


def run(url: str, test: Test, **options: Any) -> None:
    async def main() -> None:
        async with typedb.connect_async(url, **options) as db:
            await db.raw(
                "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer)"
            )
            await test(db)

    asyncio.run(main())


def test_crud(db_url: str) -> None:
    async def crud(db: typedb.AsyncDatabase) -> None:
        inserted = (
            await db.insert_into("items")
            .values([{"id": 1, "name": "a", "qty": 1}, {"id": 2, "name": "b", "qty": 2}])
            .execute()
        )
        assert inserted.num_inserted_rows == 2
        row = (
            await db.insert_into("items")
            .values({"id": 3, "name": "c"})
            .returning("id", "name")
            .execute_take_first_or_throw()
        )
        assert row == {"id": 3, "name": "c"}
        rows = await db.select_from("items").select("id", "name").order_by("id").execute()
        assert [r["name"] for r in rows] == ["a", "b", "c"]
        assert (
            await db.select_from("items").select("id").where("id", "=", 9).execute_take_first()
            is None
        )
        with pytest.raises(typedb.NoResultError):
            await (
                db.select_from("items")
                .select("id")
                .where("id", "=", 9)
                .execute_take_first_or_throw()
            )
        updated = await db.update_table("items").set({"qty": 5}).where("id", ">", 1).execute()
        assert updated.num_updated_rows == 2
        first = (
            await db.update_table("items")
            .set({"qty": 6})
            .where("id", "=", 1)
            .returning("qty")
            .execute_take_first()
        )
        assert first == {"qty": 6}
        deleted = await db.delete_from("items").where("id", "=", 3).execute()
        assert deleted.num_deleted_rows == 1
        assert await db.raw("SELECT count(*) AS n FROM items") == [{"n": 2}]

    run(db_url, crud)


def test_many_rows_insert_in_chunks_all_or_nothing(db_url: str) -> None:
    async def bulk(db: typedb.AsyncDatabase) -> None:
        rows = [{"id": i, "name": f"n{i}"} for i in range(5000)]
        assert (await db.insert_into("items").values(rows).execute()).num_inserted_rows == 5000
        bad = [{"id": 10_000 + i, "name": "x"} for i in range(4000)] + [{"id": 1, "name": "dup"}]
        with pytest.raises(typedb.IntegrityError):
            await db.insert_into("items").values(bad).execute()
        assert await db.raw("SELECT count(*) AS n FROM items") == [{"n": 5000}]

    run(db_url, bulk)


def test_transactions_commit_roll_back_and_nest(db_url: str) -> None:
    async def transactions(db: typedb.AsyncDatabase) -> None:
        async with db.transaction() as trx:
            await trx.insert_into("items").values({"id": 1, "name": "kept"}).execute()
            with pytest.raises(ZeroDivisionError):
                async with db.transaction():
                    await db.insert_into("items").values({"id": 2, "name": "undone"}).execute()
                    _ = 1 / 0
            assert db.in_transaction
            with pytest.raises(typedb.CompileError):
                await db.raw("COMMIT")
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.insert_into("items").values({"id": 3, "name": "gone"}).execute()
                raise RuntimeError
        rows = await db.select_from("items").select("name").execute()
        assert rows == [{"name": "kept"}]

    run(db_url, transactions)


def test_gather_of_twenty_concurrent_transactions(db_url: str) -> None:
    async def gather(db: typedb.AsyncDatabase) -> None:
        async def one(n: int) -> int:
            async with db.transaction():
                await db.insert_into("items").values({"id": n, "name": f"t{n}", "qty": n}).execute()
                await asyncio.sleep(0.01)  # other tasks run meanwhile, in their own blocks
                mine = await db.select_from("items").select("id").where("qty", "=", n).execute()
                if n % 5 == 0:
                    raise ValueError(n)  # this one rolls back; the others do not notice
                return len(mine)

        results = await asyncio.gather(*(one(n) for n in range(20)), return_exceptions=True)
        assert [r for r in results if not isinstance(r, ValueError)] == [1] * 16
        rows = await db.select_from("items").select("id").order_by("id").execute()
        assert [r["id"] for r in rows] == [n for n in range(20) if n % 5]

    run(db_url, gather, pool_max=5)


def test_a_task_started_inside_a_transaction_is_not_in_it(db_url: str) -> None:
    async def child(db: typedb.AsyncDatabase) -> None:
        async with db.transaction():
            await db.insert_into("items").values({"id": 1, "name": "a"}).execute()
            seen = await asyncio.create_task(asyncio.sleep(0, result=db.in_transaction))
            assert seen is True  # evaluated here, in this task
            outside = asyncio.create_task(_in_transaction(db))
            assert await outside is False

    run(db_url, child)


async def _in_transaction(db: typedb.AsyncDatabase) -> bool:
    return db.in_transaction


def test_pool_exhaustion_is_a_clear_error(db_url: str) -> None:
    async def exhaust(db: typedb.AsyncDatabase) -> None:
        entered = asyncio.Event()
        leave = asyncio.Event()

        async def hold() -> None:
            async with db.transaction():
                entered.set()
                await leave.wait()

        holder = asyncio.create_task(hold())
        await entered.wait()
        with pytest.raises(typedb.PoolTimeoutError, match=r"0\.2s"):
            await db.raw("SELECT 1")
        leave.set()
        await holder
        assert await db.raw("SELECT 1 AS one") == [{"one": 1}]

    run(db_url, exhaust, pool_min=1, pool_max=1, pool_timeout=0.2)


def test_connect_async_errors_name_the_url() -> None:
    async def main() -> None:
        db = typedb.connect_async("postgresql://nobody:s3cret@127.0.0.1:1/nowhere")
        with pytest.raises(typedb.ConnectionError, match=r"127\.0\.0\.1:1") as caught:
            await db.raw("SELECT 1")
        assert "s3cret" not in str(caught.value)

    asyncio.run(main())


def test_a_connection_killed_by_the_server_is_replaced(pg_schema_url: str) -> None:
    from tests.conftest import PG_URL

    async def main() -> None:
        async with typedb.connect_async(pg_schema_url, pool_min=1, pool_max=1) as db:
            pid = (await db.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"]
            with typedb.connect(PG_URL) as admin:
                admin.raw("SELECT pg_terminate_backend(%s)", [pid])
            await asyncio.sleep(0.2)
            assert (await db.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"] != pid

    asyncio.run(main())


def test_the_async_facade_uses_the_projects_database(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typedb.facades.async_db import LazyAsyncDatabase

    monkeypatch.setenv("TYPEDB_DATABASE_URL", db_url)
    lazy = LazyAsyncDatabase()

    async def main() -> None:
        assert not lazy.connected
        async with lazy.transaction():
            await lazy.raw("CREATE TABLE items (id integer PRIMARY KEY, name text)")
            await lazy.insert_into("items").values({"id": 1, "name": "a"}).execute()
        assert await lazy.select_from("items").select("name").execute() == [{"name": "a"}]
        assert lazy.dialect.name == db_url.split(":")[0]
        await lazy.close()

    asyncio.run(main())
