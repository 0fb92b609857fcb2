"""Review of issue 9: a pooled connection that has prepared `SELECT * FROM t` (psycopg
prepares a statement on its 5th run) must survive a migration that adds a column to `t`
through another connection, as a running app does while a deploy migrates."""

from __future__ import annotations

import asyncio

import typedb


def _migrate_elsewhere(db_url: str, column: str) -> None:
    with typedb.connect(db_url) as other:
        other.raw(f"ALTER TABLE rv9p ADD COLUMN {column} integer")  # type: ignore[arg-type]


def test_select_star_works_after_another_connection_adds_a_column(db_url: str) -> None:
    """Every later `SELECT *` on the prepared connection used to fail with "cached plan must
    not change result type" (PostgreSQL), until the process restarted."""
    with typedb.connect(db_url, pool_max=1) as db:
        db.raw("CREATE TABLE rv9p (id integer primary key, v integer)")
        db.insert_into("rv9p").values({"id": 1, "v": 1}).execute()
        for _ in range(8):
            db.select_from("rv9p").where("v", "=", 1).execute()
        _migrate_elsewhere(db_url, "w")
        assert db.select_from("rv9p").where("v", "=", 1).execute() == [{"id": 1, "v": 1, "w": None}]
        # Inside a transaction the statement cannot be run again (PostgreSQL aborted the
        # transaction), but the next transaction must work.
        for _ in range(8):
            db.select_from("rv9p").where("v", "=", 1).execute()
        _migrate_elsewhere(db_url, "x")
        try:
            with db.transaction() as trx:
                trx.select_from("rv9p").where("v", "=", 1).execute()
        except typedb.QueryError:
            pass
        with db.transaction() as trx:
            rows = trx.select_from("rv9p").where("v", "=", 1).execute()
        assert rows == [{"id": 1, "v": 1, "w": None, "x": None}]


def test_async_select_star_works_after_another_connection_adds_a_column(db_url: str) -> None:
    with typedb.connect(db_url) as setup:
        setup.raw("CREATE TABLE rv9p (id integer primary key, v integer)")
        setup.raw("INSERT INTO rv9p (id, v) VALUES (1, 1)")

    async def main() -> None:
        async with typedb.connect_async(db_url, pool_max=1) as db:
            for _ in range(8):
                await db.select_from("rv9p").where("v", "=", 1).execute()
            _migrate_elsewhere(db_url, "w")
            rows = await db.select_from("rv9p").where("v", "=", 1).execute()
            assert rows == [{"id": 1, "v": 1, "w": None}]

    asyncio.run(main())
