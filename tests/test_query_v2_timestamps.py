"""update_table() sets updated_at on tables made with add_timestamp_columns(); restore()
undoes soft_delete()."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from _store import run_async

import typedb


@pytest.fixture
def posts(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("posts").add_id_column().add_column(
        "title", "text"
    ).add_timestamp_columns().add_soft_delete_column().execute()
    db.schema.create_table("plain").add_id_column().add_column("title", "text").add_column(
        "updated_at", "timestamp"
    ).execute()
    db.insert_into("posts").values([{"title": "a"}, {"title": "b"}]).execute()
    db.insert_into("plain").values({"title": "a"}).execute()
    return db


def stamps(db: typedb.Database, table: str = "posts") -> list[datetime]:
    return [
        r["updated_at"] for r in db.select_from(table).select("updated_at").order_by("id").execute()
    ]


def test_update_sets_updated_at(posts: typedb.Database) -> None:
    before = stamps(posts)
    time.sleep(0.01)
    result = posts.update_table("posts").set({"title": "x"}).execute()
    assert result.num_updated_rows == 2
    after = stamps(posts)
    assert after[0] > before[0] and after[0] == after[1]  # the same now for every row
    now = datetime.utcnow()
    assert abs((after[0] - now).total_seconds()) < 60


def test_caller_set_updated_at_wins(posts: typedb.Database) -> None:
    chosen = datetime(2020, 1, 2, 3, 4, 5)
    posts.update_table("posts").set({"title": "y", "updated_at": chosen}).where(
        "id", "=", 1
    ).execute()
    assert stamps(posts)[0] == chosen


def test_table_without_created_at_is_left_alone(posts: typedb.Database) -> None:
    posts.update_table("plain").set({"title": "z"}).execute()
    assert stamps(posts, "plain") == [None]


def test_returning_sees_updated_at(posts: typedb.Database) -> None:
    row = (
        posts.update_table("posts")
        .set({"title": "r"})
        .where("id", "=", 2)
        .returning("updated_at")
        .execute_take_first_or_throw()
    )
    assert row["updated_at"] == stamps(posts)[1]


def test_restore(posts: typedb.Database) -> None:
    posts.soft_delete("posts").where("id", "=", 1).execute()
    assert [r["id"] for r in posts.select_from("posts").where_not_deleted().execute()] == [2]
    restored = (
        posts.restore("posts").where("id", "in", [1, 2]).returning("id", "deleted_at").execute()
    )
    assert restored.num_updated_rows == 1  # only the deleted row is counted
    assert restored.rows == [{"id": 1, "deleted_at": None}]
    assert len(posts.select_from("posts").where_not_deleted().execute()) == 2
    assert posts.restore("posts").execute().num_updated_rows == 0


def test_async_update_and_restore(db_url: str, posts: typedb.Database) -> None:
    posts.soft_delete("posts").where("id", "=", 2).execute()

    async def test(db: typedb.AsyncDatabase) -> None:
        before = stamps(posts)
        time.sleep(0.01)
        await db.update_table("posts").set({"title": "async"}).where("id", "=", 1).execute()
        assert stamps(posts)[0] > before[0]
        row = await db.restore("posts").where("id", "=", 2).returning("id").execute_take_first()
        assert row == {"id": 2}
        async with db.transaction() as trx:
            await trx.update_table("posts").set({"title": "t"}).where("id", "=", 2).execute()
        assert stamps(posts)[1] > before[1]

    run_async(db_url, test)


def test_facade_databases_set_updated_at(db_url: str, posts: typedb.Database) -> None:
    """The lazy facades (`typedb.facades.db`, `.async_db`) make their Database on first use,
    without Database.__init__: they keep their own record of timestamped tables."""
    from typedb.facades._lazy import LazyDatabase
    from typedb.facades._lazy_async import LazyAsyncDatabase

    before = stamps(posts)
    time.sleep(0.01)
    lazy = LazyDatabase(db_url)
    try:
        assert lazy.update_table("posts").set({"title": "lazy"}).execute().num_updated_rows == 2
    finally:
        lazy.close()
    assert stamps(posts)[0] > before[0]

    async def main() -> None:
        lazy_async = LazyAsyncDatabase(db_url)
        try:
            await lazy_async.update_table("posts").set({"title": "x"}).where("id", "=", 1).execute()
        finally:
            await lazy_async.close()

    import asyncio

    asyncio.run(main())
