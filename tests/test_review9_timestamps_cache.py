"""Review of issue 9 x query v2: update_table()'s per-Database answer to "does this table have
updated_at?" (query._timestamps) must follow the schema the Database itself changes, and
must not keep what a rolled-back transaction taught it."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from _store import run_async

import typedb
from typedb.facades._lazy import LazyDatabase


def _plain(db: typedb.Database, table: str) -> None:
    db.schema.create_table(table).add_id_column().add_column("title", "text").execute()
    db.insert_into(table).values({"title": "a"}).execute()


def test_rolled_back_table_with_timestamps_is_not_remembered(db: typedb.Database) -> None:
    """A transaction creates `posts` with timestamp columns, updates it, and rolls back; the
    table is then made without them. Updating it used to fail with "unknown column
    updated_at" for the rest of the Database's life."""
    with pytest.raises(KeyError), db.transaction() as trx:
        trx.schema.create_table("posts").add_id_column().add_column(
            "title", "text"
        ).add_timestamp_columns().execute()
        trx.insert_into("posts").values({"title": "a"}).execute()
        trx.update_table("posts").set({"title": "b"}).execute()
        raise KeyError("roll back")
    _plain(db, "posts")
    assert db.update_table("posts").set({"title": "c"}).execute().num_updated_rows == 1
    assert db.select_from("posts").select("title").execute() == [{"title": "c"}]


def test_timestamp_columns_added_later_through_the_database_are_maintained(
    db: typedb.Database,
) -> None:
    """An update learns `notes` has no timestamps; a migration through the same Database then
    adds them. updated_at used to stay NULL on every later update (silently)."""
    _plain(db, "notes")
    db.update_table("notes").set({"title": "b"}).execute()
    db.schema.alter_table("notes").add_column("created_at", "timestamp").execute()
    db.update_table("notes").set({"title": "b"}).execute()  # learns: still no updated_at
    # A migration's raw SQL, with the comment it often starts with.
    db.raw("-- 0002: timestamps\n/* by hand */ ALTER TABLE notes ADD COLUMN updated_at timestamp")
    db.update_table("notes").set({"title": "c"}).execute()
    (row,) = db.select_from("notes").select("updated_at").execute()
    assert isinstance(row["updated_at"], datetime)


def test_timestamp_columns_dropped_in_a_committed_transaction_are_forgotten(
    db: typedb.Database,
) -> None:
    """Learned True, then a committed transaction drops the columns (while another thread
    asked meanwhile, and saw the old schema): the update must not name updated_at."""
    db.schema.create_table("items").add_id_column().add_column(
        "title", "text"
    ).add_timestamp_columns().execute()
    db.insert_into("items").values({"title": "a"}).execute()
    db.update_table("items").set({"title": "b"}).execute()
    with db.transaction() as trx:
        trx.raw("ALTER TABLE items DROP COLUMN updated_at")
        # Another thread asks meanwhile (an UPDATE of items would wait for the ALTER's lock
        # on PostgreSQL: the catalog question alone), and sees the schema before the commit.
        other = threading.Thread(target=lambda: db._timestamped("items", lambda has: has))
        other.start()
        other.join()
    assert db.update_table("items").set({"title": "c"}).execute().num_updated_rows == 1


def test_facade_forgets_what_a_rolled_back_test_transaction_taught_it(db_url: str) -> None:
    """The pytest plugin's facade in a test transaction that rolls back: the next test's
    table of the same name without timestamps must still update."""
    with typedb.connect(db_url) as real:
        facade = LazyDatabase(db_url)
        with pytest.raises(KeyError), real.transaction() as trx, facade.standing_in(trx):
            facade.schema.create_table("t9").add_id_column().add_column(
                "title", "text"
            ).add_timestamp_columns().execute()
            facade.insert_into("t9").values({"title": "a"}).execute()
            facade.update_table("t9").set({"title": "b"}).execute()
            raise KeyError("the test ends: rolled back")
        try:
            _plain(facade, "t9")
            assert facade.update_table("t9").set({"title": "c"}).execute().num_updated_rows == 1
        finally:
            facade.close()


def test_async_rolled_back_table_with_timestamps_is_not_remembered(db_url: str) -> None:
    async def check(adb: typedb.AsyncDatabase) -> None:
        with pytest.raises(KeyError):
            async with adb.transaction() as trx:
                await trx.raw(
                    "CREATE TABLE aposts (id integer primary key, title text, "
                    "created_at timestamp, updated_at timestamp)"
                )
                await trx.raw("INSERT INTO aposts (id, title) VALUES (1, 'a')")
                await trx.update_table("aposts").set({"title": "b"}).execute()
                raise KeyError("roll back")
        await adb.raw("CREATE TABLE aposts (id integer primary key, title text)")
        await adb.raw("INSERT INTO aposts (id, title) VALUES (1, 'a')")
        result = await adb.update_table("aposts").set({"title": "c"}).execute()
        assert result.num_updated_rows == 1

    run_async(db_url, check)
