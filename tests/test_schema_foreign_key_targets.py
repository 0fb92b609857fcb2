"""Defect 12 of issue 8: a foreign key to a table or column that does not exist (or that is
not a key) is refused when it is declared, on SQLite as PostgreSQL refuses it. SQLite took it
and then failed every insert."""

from __future__ import annotations

import pytest
from catalog import columns, tables

import typedb


@pytest.fixture
def users(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("users").add_id_column().add_column("email", "text").execute()
    db.raw("INSERT INTO users (email) VALUES ('a@x')")
    return db


def test_create_table_with_a_reference_to_a_missing_table(users: typedb.Database) -> None:
    with pytest.raises(typedb.QueryError, match="usres"):
        users.schema.create_table("posts").add_id_column().add_column(
            "user_id", "integer", lambda c: c.references("usres.id")
        ).execute()
    assert "posts" not in tables(users)


def test_create_table_with_a_reference_to_a_missing_column(users: typedb.Database) -> None:
    with pytest.raises(typedb.QueryError, match="uid"):
        users.schema.create_table("posts").add_id_column().add_column(
            "user_id", "integer"
        ).add_foreign_key_constraint("posts_user", ["user_id"], "users", ["uid"]).execute()
    assert "posts" not in tables(users)


def test_a_reference_to_a_column_that_is_not_a_key(users: typedb.Database) -> None:
    with pytest.raises(typedb.QueryError, match="unique"):
        users.schema.create_table("posts").add_id_column().add_column(
            "email", "text", lambda c: c.references("users.email")
        ).execute()
    assert "posts" not in tables(users)


def test_good_references_still_work(users: typedb.Database) -> None:
    users.schema.create_table("nodes").add_id_column().add_column(
        "parent_id", "integer", lambda c: c.references("nodes.id")
    ).add_column("user_id", "integer", lambda c: c.references("users.id")).execute()
    users.raw("INSERT INTO nodes (parent_id, user_id) VALUES (NULL, 1)")
    users.schema.alter_table("users").add_unique_constraint("users_email", ["email"]).execute()
    users.schema.alter_table("nodes").add_column(
        "email", "text", lambda c: c.references("users.email")
    ).execute()
    users.raw("INSERT INTO nodes (parent_id, email) VALUES (1, 'a@x')")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda t: t.add_column("owner_id", "integer", lambda c: c.references("nobody.id")),
            "nobody",
        ),
        (
            lambda t: t.add_column("owner_id", "integer", lambda c: c.references("users.nope")),
            "nope",
        ),
        (
            lambda t: t.add_column("owner_id", "integer").add_foreign_key_constraint(
                "posts_owner", ["owner_id"], "nobody", ["id"]
            ),
            "nobody",
        ),
        (
            lambda t: t.add_column(
                "owner_id", "integer", lambda c: c.not_null().default_to(1)
            ).add_foreign_key_constraint("posts_owner", ["owner_id"], "users", ["nope"]),
            "nope",
        ),
    ],
)
def test_alter_table_with_a_reference_to_nothing_changes_nothing(
    users: typedb.Database, change: object, named: str
) -> None:
    users.schema.create_table("posts").add_id_column().add_column("title", "text").execute()
    users.raw("INSERT INTO posts (title) VALUES ('t')")
    before = columns(users, "posts")
    with pytest.raises(typedb.QueryError, match=named):
        change(users.schema.alter_table("posts")).execute()  # type: ignore[operator]
    assert columns(users, "posts") == before
    assert users.raw("SELECT title FROM posts") == [{"title": "t"}]
