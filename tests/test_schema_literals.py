"""Security bullet of issue 8: DDL literals (defaults, partial index predicates) stay
literals when PostgreSQL runs with `standard_conforming_strings = off` (a per-role or
per-database setting), where a backslash in a plain '...' string is an escape."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from catalog import tables

import typedb

PAYLOAD = "x\\'); DROP TABLE canary; --"
BACKSLASHES = "C:\\temp\\new\\x41\\'"


@pytest.fixture
def hostile_db(backend: str, request: pytest.FixtureRequest) -> typedb.Database:
    """A database whose sessions read backslashes in '...' as escapes (PostgreSQL)."""
    if backend == "sqlite":
        url = str(request.getfixturevalue("sqlite_url"))
    else:
        url = str(request.getfixturevalue("pg_schema_url"))
        url += quote(" -cstandard_conforming_strings=off")
    db = typedb.connect(url)
    request.addfinalizer(db.close)
    if backend == "postgresql":
        assert db.raw("SHOW standard_conforming_strings") == [
            {"standard_conforming_strings": "off"}
        ]
    db.schema.create_table("canary").add_column("id", "integer").execute()
    return db


@pytest.mark.parametrize("text", [PAYLOAD, BACKSLASHES, "it's", "\\"])
def test_a_text_default_is_the_text_itself(hostile_db: typedb.Database, text: str) -> None:
    hostile_db.schema.create_table("items").add_id_column().add_column(
        "name", "text", lambda c: c.default_to(text)
    ).add_column("n", "integer").execute()
    hostile_db.raw("INSERT INTO items (n) VALUES (1)")
    assert hostile_db.raw("SELECT name FROM items") == [{"name": text}]
    hostile_db.schema.alter_table("items").alter_column(
        "name", lambda c: c.set_default(text + "2")
    ).execute()
    hostile_db.raw("INSERT INTO items (n) VALUES (2)")
    assert hostile_db.raw("SELECT name FROM items WHERE n = 2") == [{"name": text + "2"}]
    assert "canary" in tables(hostile_db)


def test_a_bytes_default_keeps_its_bytes(hostile_db: typedb.Database) -> None:
    hostile_db.schema.create_table("blobs").add_id_column().add_column(
        "data", "bytea", lambda c: c.default_to(b"\\'A\x00")
    ).add_column("n", "integer").execute()
    hostile_db.raw("INSERT INTO blobs (n) VALUES (1)")
    assert hostile_db.raw("SELECT data FROM blobs") == [{"data": b"\\'A\x00"}]


def test_a_partial_index_predicate_is_the_value_itself(hostile_db: typedb.Database) -> None:
    hostile_db.schema.create_table("items").add_id_column().add_column("name", "text").execute()
    hostile_db.schema.create_index("items_odd").on("items").columns(["name"]).unique().where(
        "name", "=", PAYLOAD
    ).execute()
    assert "canary" in tables(hostile_db)
    hostile_db.raw("INSERT INTO items (name) VALUES ('a'), ('a')")  # outside the index
    hostile_db.raw("INSERT INTO items (name) VALUES (%s)", [PAYLOAD])
    with pytest.raises(typedb.IntegrityError):
        hostile_db.raw("INSERT INTO items (name) VALUES (%s)", [PAYLOAD])
