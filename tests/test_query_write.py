"""insert_into / update_table / delete_from / soft_delete, results, conflicts, transactions.

Every test runs on SQLite and PostgreSQL through the `db` fixture.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import typedb
from typedb.query import DeleteResult, InsertResult, UpdateResult, excluded

# Also through PgBouncer in transaction mode (conftest's "pgbouncer" backend).
pytestmark = pytest.mark.pgbouncer


@pytest.fixture
def users(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("users").add_id_column().add_column(
        "email", "text", lambda c: c.not_null().unique()
    ).add_column("name", "text").add_column(
        "visits", "integer", lambda c: c.default_to(0)
    ).add_column(
        "created_at",
        "timestamp",
        lambda c: c.not_null().default_to(typedb.sql("CURRENT_TIMESTAMP")),
    ).add_soft_delete_column().execute()
    return db


def count(db: typedb.Database, table: str = "users") -> int:
    return len(db.select_from(table).execute())


def test_insert_one_row(users: typedb.Database) -> None:
    result = users.insert_into("users").values({"email": "a@x", "name": "A"}).execute()
    assert result == InsertResult(1, [])
    row = users.select_from("users").select("email", "name", "visits").execute_take_first()
    assert row == {"email": "a@x", "name": "A", "visits": 0}


def test_insert_many_with_returning(users: typedb.Database) -> None:
    result = (
        users.insert_into("users")
        .values([{"email": f"{i}@x", "name": None} for i in range(3)])
        .returning("id", "email as address")
        .execute()
    )
    assert result.num_inserted_rows == 3
    assert result.rows == [{"id": i + 1, "address": f"{i}@x"} for i in range(3)]


def test_insert_returning_all_and_take_first(users: typedb.Database) -> None:
    row = users.insert_into("users").values({"email": "a@x"}).returning_all().execute_take_first()
    assert row is not None
    assert row["email"] == "a@x" and row["visits"] == 0 and row["deleted_at"] is None
    assert isinstance(row["created_at"], datetime)
    one = users.insert_into("users").values({"email": "b@x"}).returning("id")
    assert one.execute_take_first_or_throw() == {"id": 2}
    with pytest.raises(typedb.CompileError, match="returning"):
        users.insert_into("users").values({"email": "c@x"}).execute_take_first()


def test_insert_default_values(users: typedb.Database) -> None:
    users.schema.create_table("counters").add_id_column().add_column(
        "n", "integer", lambda c: c.default_to(7)
    ).execute()
    result = users.insert_into("counters").values({}).returning("n").execute()
    assert result.rows == [{"n": 7}]
    assert users.insert_into("counters").values([{}, {}]).execute().num_inserted_rows == 2
    assert count(users, "counters") == 3


def test_insert_nothing_is_a_no_op(users: typedb.Database) -> None:
    assert users.insert_into("users").values([]).execute() == InsertResult(0, [])
    with pytest.raises(typedb.CompileError, match="no rows"):
        users.insert_into("users").execute()
    with pytest.raises(typedb.CompileError, match="no rows"):
        users.insert_into("users").values([]).compile()


def test_rows_may_leave_out_different_optional_columns(users: typedb.Database) -> None:
    """What the generated Insert TypedDicts allow: each run of rows with the same keys is one
    statement, the left-out columns take their defaults, the order is kept, all or nothing."""
    query = users.insert_into("users").values(
        [
            {"email": "a", "name": "Ann"},
            {"email": "b"},
            {"email": "c"},
            {"email": "d", "visits": 7},
        ]
    )
    result = query.returning("email", "name", "visits").execute()
    assert result.num_inserted_rows == 4
    assert result.rows == [
        {"email": "a", "name": "Ann", "visits": 0},
        {"email": "b", "name": None, "visits": 0},
        {"email": "c", "name": None, "visits": 0},
        {"email": "d", "name": None, "visits": 7},
    ]
    assert [r["id"] for r in users.select_from("users").order_by("id").execute()] == [1, 2, 3, 4]
    with pytest.raises(typedb.CompileError, match="3 statements"):
        query.compile()
    with pytest.raises(typedb.IntegrityError):  # the last run fails: nothing stays
        users.insert_into("users").values(
            [{"email": "x"}, {"email": "y", "name": "Y"}, {"email": "a"}]
        ).execute()
    assert len(users.select_from("users").execute()) == 4
    with pytest.raises(typedb.CompileError, match="dict"):
        users.insert_into("users").values(["email"])  # type: ignore[list-item]


def test_insert_fragment_value(users: typedb.Database) -> None:
    users.insert_into("users").values(
        [{"email": "a", "visits": typedb.sql("40 + 2")}, {"email": "b", "visits": 1}]
    ).execute()
    rows = users.select_from("users").select("visits").order_by("id").execute()
    assert rows == [{"visits": 42}, {"visits": 1}]


def test_bulk_insert_in_chunks_is_atomic(users: typedb.Database) -> None:
    rows = [{"email": f"{i}@x", "name": f"n{i}"} for i in range(10_000)]
    result = users.insert_into("users").values(rows).execute()
    assert result.num_inserted_rows == 10_000
    assert count(users) == 10_000
    # A duplicate in the last chunk rolls back every chunk before it.
    more = [{"email": f"new{i}@x", "name": None} for i in range(1_200)] + [
        {"email": "0@x", "name": None}
    ]
    with pytest.raises(typedb.IntegrityError):
        users.insert_into("users").values(more).execute()
    assert count(users) == 10_000


def test_bulk_insert_returning_every_row(users: typedb.Database) -> None:
    rows = [{"email": f"{i}@x"} for i in range(1_234)]
    result = users.insert_into("users").values(rows).returning("email").execute()
    assert result.num_inserted_rows == 1_234
    assert [r["email"] for r in result.rows] == [r["email"] for r in rows]


def test_on_conflict_do_nothing(users: typedb.Database) -> None:
    users.insert_into("users").values({"email": "a@x", "name": "first"}).execute()
    result = (
        users.insert_into("users")
        .values([{"email": "a@x", "name": "second"}, {"email": "b@x", "name": "b"}])
        .on_conflict(lambda oc: oc.column("email").do_nothing())
        .execute()
    )
    assert result.num_inserted_rows == 1
    rows = users.select_from("users").select("email", "name").order_by("id").execute()
    assert rows == [{"email": "a@x", "name": "first"}, {"email": "b@x", "name": "b"}]
    untargeted = users.insert_into("users").values({"email": "a@x"})
    assert untargeted.on_conflict(lambda oc: oc.do_nothing()).execute().num_inserted_rows == 0


def test_on_conflict_do_update(users: typedb.Database) -> None:
    users.insert_into("users").values({"email": "a@x", "name": "first", "visits": 1}).execute()
    result = (
        users.insert_into("users")
        .values({"email": "a@x", "name": "second", "visits": 1})
        .on_conflict(
            lambda oc: oc.columns(["email"]).do_update_set(
                {"name": excluded("name"), "visits": typedb.sql("users.visits + 1")}
            )
        )
        .returning("name", "visits")
        .execute()
    )
    assert result.rows == [{"name": "second", "visits": 2}]
    bound = (
        users.insert_into("users")
        .values({"email": "a@x"})
        .on_conflict(lambda oc: oc.column("email").do_update_set({"name": "it's bound"}))
        .execute()
    )
    assert bound.num_inserted_rows == 1
    row = users.select_from("users").select("name").execute_take_first()
    assert row == {"name": "it's bound"}


def test_on_conflict_errors(users: typedb.Database) -> None:
    q = users.insert_into("users").values({"email": "a"})
    with pytest.raises(typedb.CompileError, match="needs a target"):
        q.on_conflict(lambda oc: oc.do_update_set({"name": "x"}))
    with pytest.raises(typedb.CompileError, match="must return"):
        q.on_conflict(lambda oc: oc.column("email"))


def test_on_conflict_constraint(users: typedb.Database) -> None:
    q = users.insert_into("users").values({"email": "a"})
    if users.dialect.name == "sqlite":
        with pytest.raises(typedb.CompileError, match="PostgreSQL only"):
            q.on_conflict(lambda oc: oc.constraint("users_email_key").do_nothing())
        return
    users.raw("ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name)")
    users.insert_into("users").values({"email": "a", "name": "n"}).execute()
    again = users.insert_into("users").values({"email": "b", "name": "n"})
    done = again.on_conflict(lambda oc: oc.constraint("users_name_key").do_nothing()).execute()
    assert done.num_inserted_rows == 0


def test_update(users: typedb.Database) -> None:
    users.insert_into("users").values([{"email": "a"}, {"email": "b"}, {"email": "c"}]).execute()
    result = (
        users.update_table("users").set({"name": "N"}).where("email", "in", ["a", "b"]).execute()
    )
    assert result == UpdateResult(2, [])
    both = (
        users.update_table("users")
        .set({"name": "first"})
        .set({"visits": typedb.sql("visits + 5"), "name": "second"})  # later value wins
        .where("email", "=", "a")
        .returning("name", "visits")
        .execute()
    )
    assert both.rows == [{"name": "second", "visits": 5}]
    assert users.update_table("users").set({"visits": 1}).execute().num_updated_rows == 3
    assert users.update_table("users").set({"visits": 1}).where(
        "id", "<", 0
    ).execute() == UpdateResult(0, [])
    first = users.update_table("users").set({"name": "z"}).where("email", "=", "c").returning("id")
    assert first.execute_take_first_or_throw() == {"id": 3}
    with pytest.raises(typedb.NoResultError, match="users"):
        users.update_table("users").set({"name": "z"}).where("id", "=", 99).returning(
            "id"
        ).execute_take_first_or_throw()


def test_update_needs_set(users: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match=r"set\("):
        users.update_table("users").where("id", "=", 1).execute()
    with pytest.raises(typedb.CompileError, match="non-empty"):
        users.update_table("users").set({})


def test_delete(users: typedb.Database) -> None:
    users.insert_into("users").values([{"email": "a"}, {"email": "b"}, {"email": "c"}]).execute()
    result = users.delete_from("users").where("email", "=", "a").execute()
    assert result == DeleteResult(1, [])
    gone = users.delete_from("users").where("email", "=", "b").returning("email").execute()
    assert gone == DeleteResult(1, [{"email": "b"}])
    assert users.delete_from("users").where("id", "in", []).execute().num_deleted_rows == 0
    assert users.delete_from("users").execute().num_deleted_rows == 1
    with pytest.raises(typedb.NoResultError, match="users"):
        users.delete_from("users").returning("id").execute_take_first_or_throw()


def test_soft_delete_sets_deleted_at_to_utc_now(users: typedb.Database) -> None:
    users.insert_into("users").values([{"email": "a"}, {"email": "b"}, {"email": "c"}]).execute()
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=5)
    result = (
        users.soft_delete("users")
        .where(lambda eb: eb.or_([eb("email", "=", "a"), eb("email", "=", "b")]))
        .returning("email", "deleted_at")
        .execute()
    )
    assert result.num_deleted_rows == 2
    after = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=5)
    for row in result.rows:
        assert isinstance(row["deleted_at"], datetime)
        assert row["deleted_at"].tzinfo is None
        assert before <= row["deleted_at"] <= after
    # Already deleted rows keep their time and are not counted again; the OR stays grouped.
    again = users.soft_delete("users").where("email", "in", ["a", "c"]).execute()
    assert again.num_deleted_rows == 1
    assert count(users) == 3
    live = users.select_from("users").where_not_deleted().execute()
    assert live == []
    plain = users.soft_delete("users").execute()
    assert plain.num_deleted_rows == 0


def test_update_and_delete_respect_where_not_deleted(users: typedb.Database) -> None:
    users.insert_into("users").values([{"email": "a"}, {"email": "b"}]).execute()
    users.soft_delete("users").where("email", "=", "a").execute()
    upd = users.update_table("users").set({"name": "x"}).where_not_deleted().execute()
    assert upd.num_updated_rows == 1
    dele = users.delete_from("users").where_deleted().execute()
    assert dele.num_deleted_rows == 1
    assert [r["email"] for r in users.select_from("users").execute()] == ["b"]


def test_transaction_commits_every_builder(users: typedb.Database) -> None:
    with users.transaction() as trx:
        trx.insert_into("users").values([{"email": "a"}, {"email": "b"}]).execute()
        trx.update_table("users").set({"name": "A"}).where("email", "=", "a").execute()
        trx.delete_from("users").where("email", "=", "b").execute()
        assert trx.select_from("users").select("name").execute() == [{"name": "A"}]
    assert users.select_from("users").select("name").execute() == [{"name": "A"}]


def test_exception_rolls_back_every_builder(users: typedb.Database) -> None:
    users.insert_into("users").values({"email": "keep"}).execute()
    with pytest.raises(RuntimeError), users.transaction() as trx:
        trx.insert_into("users").values([{"email": "a"}, {"email": "b"}]).execute()
        trx.update_table("users").set({"name": "changed"}).execute()
        trx.soft_delete("users").where("email", "=", "keep").execute()
        trx.delete_from("users").where("email", "=", "a").execute()
        raise RuntimeError("boom")
    assert users.select_from("users").execute()[0]["email"] == "keep"
    assert users.select_from("users").select("name", "deleted_at").execute() == [
        {"name": None, "deleted_at": None}
    ]


def test_nested_savepoint_rolls_back_only_its_part(users: typedb.Database) -> None:
    with users.transaction() as outer:
        outer.insert_into("users").values({"email": "outer"}).execute()
        with pytest.raises(typedb.IntegrityError), outer.transaction() as inner:
            inner.insert_into("users").values({"email": "inner"}).execute()
            inner.insert_into("users").values({"email": "outer"}).execute()  # duplicate
        # A bulk insert inside a transaction nests as a savepoint too.
        outer.insert_into("users").values([{"email": f"{i}"} for i in range(600)]).execute()
    emails = {r["email"] for r in users.select_from("users").select("email").execute()}
    assert "outer" in emails and "inner" not in emails and len(emails) == 601


def test_integrity_error_from_a_builder(users: typedb.Database) -> None:
    with pytest.raises(typedb.IntegrityError) as err:
        users.insert_into("users").values({"name": "no email"}).execute()
    assert err.value.sql is not None and "INSERT" in err.value.sql


@pytest.mark.parametrize(
    "build",
    [
        lambda q: q.where("id", "=", 7).set({"status": 1}),
        lambda q: q.set({"status": 5}).where("id", "=", 7).set({"status": 1}),
        lambda q: q.where("id", ">", 6).where("id", "<", 8).set({"status": 1, "note": "x"}),
    ],
)
def test_update_binds_values_whatever_the_call_order(db: typedb.Database, build: Any) -> None:
    """Found by review: where() before set() used to bind each value to the other's marker."""
    db.schema.create_table("acct").add_column("id", "integer").add_column(
        "status", "integer"
    ).add_column("note", "text").execute()
    db.insert_into("acct").values(
        [{"id": i, "status": 0, "note": None} for i in range(1, 10)]
    ).execute()
    result = build(db.update_table("acct")).execute()
    assert result.num_updated_rows == 1
    changed = db.select_from("acct").select("id", "status").where("status", "!=", 0).execute()
    assert changed == [{"id": 7, "status": 1}]


def test_json_that_cannot_be_stored_is_a_clear_error(db: typedb.Database) -> None:
    db.schema.create_table("docs").add_column("data", "jsonb").execute()
    with pytest.raises(typedb.CompileError, match="datetime is not JSON serializable"):
        db.insert_into("docs").values({"data": {"when": datetime.now(UTC)}}).execute()
    assert db.select_from("docs").execute() == []


def test_join_arguments_are_checked(db: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match="inner_join"):
        db.select_from("a").inner_join("b", 1, 2)  # type: ignore[arg-type]


def test_json_nan_is_refused_on_both_backends(db: typedb.Database) -> None:
    db.schema.create_table("docs").add_column("data", "jsonb").execute()
    with pytest.raises(typedb.CompileError, match="JSON"):
        db.insert_into("docs").values({"data": {"x": float("nan")}}).execute()


def test_row_errors_come_at_values_with_the_row_number(users: typedb.Database) -> None:
    """Every run is checked when values() is called, and errors count rows from the start."""
    with pytest.raises(typedb.CompileError, match=r"row 2\)"):
        users.insert_into("users").values(
            [{"email": "a"}, {"email": "b", "name": "B"}, {"email": "c", "name": "bad\x00"}]
        )
    with pytest.raises(typedb.CompileError, match=r"takes dicts|not a dict"):
        users.insert_into("users").values([{"email": "a"}, {"email": "b", "name": "B"}, 3])  # type: ignore[list-item]
