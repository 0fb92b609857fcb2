"""Nothing matched by accident, nothing injected: names are always names, on both backends.

SQLite reads a double-quoted name that matches no column as a string, so a misspelled column
once compared two constants and updated or deleted every row. Every place a name goes must
refuse an unknown one, as PostgreSQL does. Hostile names (with the dialect's quote character)
and hand-made Aggregate / Expression objects must not reach the SQL as text.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

import typedb
from typedb.query import Aggregate, Expression, _cache, excluded, fn

USERS = [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}]


@pytest.fixture
def users(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("users").add_column("id", "integer", lambda c: c.primary_key()) \
        .add_column("name", "text", lambda c: c.unique()).execute()  # fmt: skip
    db.insert_into("users").values(USERS).execute()
    return db


def rows(db: typedb.Database) -> list[dict[str, Any]]:
    return db.select_from("users").order_by("id").execute()


# Every place a column name goes, each with a misspelled one ("nmae", or "deleted_at" on a
# table without it). Each must raise and change nothing.
MISSPELLED: dict[str, Callable[[typedb.Database], Any]] = {
    "update where": lambda db: (
        db.update_table("users").set({"name": "x"}).where("nmae", "!=", "bob").execute()
    ),
    "delete where": lambda db: db.delete_from("users").where("nmae", "!=", "bob").execute(),
    "delete where eb": lambda db: (
        db.delete_from("users")
        .where(lambda eb: eb.or_([eb("nmae", "=", "x"), eb("nmae", "is", None)]))
        .execute()
    ),
    "delete where in": lambda db: db.delete_from("users").where("nmae", "not in", ["x"]).execute(),
    "update set": lambda db: db.update_table("users").set({"nmae": "x"}).execute(),
    "select": lambda db: db.select_from("users").select("nmae").execute(),
    "select qualified": lambda db: db.select_from("users").select("users.nmae").execute(),
    "select aggregate": lambda db: db.select_from("users").select(fn.max("nmae")).execute(),
    "where": lambda db: db.select_from("users").where("nmae", "=", "bob").execute(),
    "order_by": lambda db: db.select_from("users").order_by("nmae").execute(),
    "group_by": lambda db: db.select_from("users").select(fn.count()).group_by("nmae").execute(),
    "having": lambda db: (
        db.select_from("users")
        .select(fn.count())
        .group_by("name")
        .having(fn.count("nmae"), ">", 0)
        .execute()
    ),
    "inner_join": lambda db: (
        db.select_from("users as a").inner_join("users as b", "a.id", "b.nmae").execute()
    ),
    "left_join": lambda db: (
        db.select_from("users as a").left_join("users as b", "a.nmae", "b.id").execute()
    ),
    "insert columns": lambda db: db.insert_into("users").values({"id": 3, "nmae": "x"}).execute(),
    "insert returning": lambda db: (
        db.insert_into("users").values({"id": 3, "name": "c"}).returning("nmae").execute()
    ),
    "update returning": lambda db: (
        db.update_table("users").set({"name": "x"}).returning("nmae").execute()
    ),
    "delete returning": lambda db: db.delete_from("users").returning("nmae").execute(),
    "on_conflict target": lambda db: (
        db.insert_into("users")
        .values({"id": 1, "name": "z"})
        .on_conflict(lambda oc: oc.column("nmae").do_nothing())
        .execute()
    ),
    "on_conflict set": lambda db: (
        db.insert_into("users")
        .values({"id": 1, "name": "z"})
        .on_conflict(lambda oc: oc.column("id").do_update_set({"nmae": "x"}))
        .execute()
    ),
    "on_conflict excluded": lambda db: (
        db.insert_into("users")
        .values({"id": 1, "name": "z"})
        .on_conflict(lambda oc: oc.column("id").do_update_set({"name": excluded("nmae")}))
        .execute()
    ),
    "soft_delete": lambda db: db.soft_delete("users").where("id", "=", 1).execute(),
    "where_deleted": lambda db: db.delete_from("users").where_deleted().execute(),
    "where_not_deleted": lambda db: (
        db.update_table("users").set({"name": "x"}).where_not_deleted().execute()
    ),
}


@pytest.mark.parametrize("place", list(MISSPELLED))
def test_an_unknown_column_is_an_error_everywhere(users: typedb.Database, place: str) -> None:
    with pytest.raises(typedb.UnknownColumnError) as caught:
        MISSPELLED[place](users)
    error = caught.value
    assert error.column.rpartition(".")[2] in ("nmae", "deleted_at"), str(error)
    assert error.table is not None and "users" in error.table
    assert "users" in str(error) and error.column in str(error)
    assert isinstance(error, typedb.QueryError)
    assert rows(users) == USERS  # nothing changed


MISSPELLED_DDL: dict[str, Callable[[typedb.Database], Any]] = {
    "index": lambda db: (
        db.schema.create_index("users_nmae").on("users").columns(["id", "nmae desc"]).execute()
    ),
    "unique index": lambda db: (
        db.schema.create_index("users_nmae").on("users").columns(["nmae"]).unique().execute()
    ),
    "partial index": lambda db: (
        db.schema.create_index("users_p")
        .on("users")
        .columns(["id"])
        .where("nmae", "is", None)
        .execute()
    ),
    "unique constraint": lambda db: (
        db.schema.create_table("t")
        .add_column("a", "integer")
        .add_unique_constraint("t_u", ["nmae"])
        .execute()
    ),
    "primary key constraint": lambda db: (
        db.schema.create_table("t")
        .add_column("a", "integer")
        .add_primary_key_constraint("t_pk", ["nmae"])
        .execute()
    ),
    "check": lambda db: (
        db.schema.create_table("t")
        .add_column("a", "integer")
        .add_check_constraint("t_c", "nmae > 0")
        .execute()
    ),
}


@pytest.mark.parametrize("place", list(MISSPELLED_DDL))
def test_an_unknown_column_in_ddl_is_an_error(users: typedb.Database, place: str) -> None:
    # One row: a unique index on a constant would not even fail as a duplicate.
    users.delete_from("users").where("id", "=", 2).execute()
    with pytest.raises(typedb.TypedbError, match="nmae"):
        MISSPELLED_DDL[place](users)
    assert users.select_from("users").execute() == USERS[:1]
    if users.dialect.name == "sqlite":
        assert users.raw("SELECT name FROM sqlite_master WHERE name IN ('t', 'users_nmae', "
                         "'users_p')") == []  # fmt: skip


@pytest.mark.parametrize("build", ["update", "delete", "soft_delete"])
def test_take_first_on_a_write_without_returning_changes_nothing(
    users: typedb.Database, build: str
) -> None:
    users.schema.alter_table("users").add_soft_delete_column().execute()
    query = {
        "update": users.update_table("users").set({"name": "x"}),
        "delete": users.delete_from("users"),
        "soft_delete": users.soft_delete("users"),
    }[build]
    for take in (query.execute_take_first, query.execute_take_first_or_throw):
        with pytest.raises(typedb.CompileError, match="returning"):
            take()
    assert users.select_from("users").select("id", "name").order_by("id").execute() == USERS
    assert users.select_from("users").where_deleted().execute() == []


def test_the_shape_cache_survives_many_threads_past_its_bound(db_url: str) -> None:
    """Each thread with its own Database, all sharing the process-wide shape cache; together
    they render far more shapes than it holds, so they evict concurrently."""
    _cache.clear()
    errors: list[BaseException] = []
    threads_n, shapes_per_thread = 8, 1500
    start = threading.Barrier(threads_n)

    def work(n: int) -> None:
        try:
            with typedb.connect(db_url) as own:
                start.wait()
                for i in range(shapes_per_thread):
                    # `in` lists of every length: one shape each.
                    q = own.select_from(f"t{n}").where("id", "in", list(range(i % 700 + 1)))
                    sql, params = q.compile()
                    assert sql.count(own.dialect.placeholder) == len(params) == i % 700 + 1
        except BaseException as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert _cache.size() <= _cache.MAX_ENTRIES


# -- hostile names ---------------------------------------------------------------------------

HOSTILE = [
    'x" UNION SELECT secret FROM canary --',
    "x` UNION SELECT secret FROM canary --",
    "x] UNION SELECT secret FROM canary --",
    "x' UNION SELECT secret FROM canary --",
]


@pytest.fixture
def canary(db: typedb.Database) -> typedb.Database:
    db.raw("CREATE TABLE canary (secret TEXT)")
    db.raw("INSERT INTO canary VALUES ('leaked')")
    db.raw("CREATE TABLE x (secret TEXT)")  # what an injected `x" UNION ...` would read first
    return db


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_table_name_is_only_a_name(canary: typedb.Database, name: str) -> None:
    db = canary
    db.schema.create_table(name).add_column("secret", "text").execute()
    db.insert_into(name).values({"secret": "own"}).execute()
    assert db.select_from(name).select("secret").execute() == [{"secret": "own"}]
    assert db.select_from(f"{name} as {name}").select(f"{name}.secret").execute() == [
        {"secret": "own"}
    ]
    assert db.select_from(f"canary as {name}").select(f"{name}.secret as {name}").execute() == [
        {name: "leaked"}  # the canary's row, read through a hostile alias as itself
    ]
    joined = db.select_from(name).inner_join("canary as c", f"{name}.secret", "c.secret")
    assert joined.execute() == []
    db.update_table(name).set({"secret": "changed"}).execute()
    assert db.delete_from(name).returning("secret").execute().rows == [{"secret": "changed"}]
    assert db.select_from("canary").execute() == [{"secret": "leaked"}]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_column_name_is_only_a_name(canary: typedb.Database, name: str) -> None:
    db = canary
    db.schema.create_table("t").add_column(name, "text").execute()
    db.insert_into("t").values({name: "v"}).returning(name).execute()
    assert db.select_from("t").select(name).where(name, "=", "v").execute() == [{name: "v"}]
    assert db.select_from("t").select(fn.count(name).as_(name)).group_by(name) \
        .order_by(name).execute() == [{name: 1}]  # fmt: skip
    assert (
        db.update_table("t").set({name: "w"}).where(name, "=", "v").execute().num_updated_rows == 1
    )
    with pytest.raises(typedb.UnknownColumnError):
        db.select_from("t").select(name.replace("x", "y")).execute()


def test_unquotable_names_are_refused(db: typedb.Database) -> None:
    for bad in ["a\x00b", "a\nb", "x" * 64]:
        with pytest.raises(typedb.IdentifierError):
            db.select_from(bad).compile()
        with pytest.raises(typedb.IdentifierError):
            db.select_from("t").where(bad, "=", 1).compile()


# -- Aggregate and Expression carry no SQL of their own ----------------------------------------


def test_aggregate_names_are_an_allow_list(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (a INTEGER)")
    db.raw("INSERT INTO t VALUES (1)")
    for name in ["COUNT(*) FROM t; DELETE FROM t; --", "count", "LOWER", "SUM(a) +"]:
        with pytest.raises(typedb.CompileError, match="aggregate"):
            Aggregate(name, "a")
    with pytest.raises(typedb.CompileError, match="column name"):
        Aggregate("SUM", typedb.sql("1); DELETE FROM t; --"))  # type: ignore[arg-type]
    with pytest.raises(typedb.CompileError, match="bool"):
        Aggregate("COUNT", "a", "DISTINCT a) FROM t; --")  # type: ignore[arg-type]
    with pytest.raises(typedb.IdentifierError):
        fn.count().as_("n\x00")
    assert db.select_from("t").select(Aggregate("SUM", "a").as_("s")).execute() == [{"s": 1}]


HAND_MADE: list[tuple[Any, ...]] = [
    ("cmp", "a", "= 1 OR 1 = 1 --", None),
    ("cmp", "a", "IS", "NULL OR 1 = 1"),
    ("cmp", typedb.sql("1 = 1 OR a"), "=", 1),
    ("raw", "1 = 1"),
    ("or", "1 = 1"),
    ("not", ("cmp", "a", "=", 1), "extra"),
]


@pytest.mark.parametrize("shape", HAND_MADE)
def test_a_hand_made_expression_cannot_carry_sql(
    db: typedb.Database, shape: tuple[Any, ...]
) -> None:
    db.raw("CREATE TABLE t (a INTEGER)")
    db.raw("INSERT INTO t VALUES (1)")
    expression = Expression(shape, (1,) if shape[-1] == 1 else ())
    with pytest.raises(typedb.CompileError):
        db.delete_from("t").where(lambda eb: expression).execute()
    assert db.select_from("t").execute() == [{"a": 1}]


def test_a_hand_made_expression_needs_its_values(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (a INTEGER)")
    expression = Expression(("cmp", "a", "IN", 3), (1,))
    with pytest.raises(typedb.CompileError, match="3 placeholders but 1 values"):
        db.select_from("t").where(lambda eb: expression).execute()
