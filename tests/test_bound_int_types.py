"""A bound Python int is typed as PostgreSQL types an integer literal: int4 when it fits,
int8, then numeric. psycopg sends int2 for a small int, so on PostgreSQL `eb.val(1) * 2`
was smallint arithmetic: a recursive CTE doubling from `eb.val(1)` failed at 2^15
("smallint out of range") where one doubling from a literal `1` goes on to 2^31, and SQLite
went on. Every test runs on both backends (and through PgBouncer, prepared statements off)."""

from __future__ import annotations

import pytest

import typedb
from typedb.query import SelectQuery, fn

pytestmark = pytest.mark.pgbouncer


def _one_row(db: typedb.Database) -> None:
    db.schema.create_table("one").add_column("id", "integer", lambda c: c.primary_key()).execute()
    db.insert_into("one").values({"id": 1}).execute()


def _doubling(db: typedb.Database, below: int) -> SelectQuery:
    base = db.select_from("one").select(lambda eb: [eb.val(1).as_("n")])
    step = (
        db.select_from("r").select(lambda eb: [(eb.ref("n") * 2).as_("n")]).where("n", "<", below)
    )
    return db.with_recursive("r(n)", base.union_all(step)).select_from("r").select(fn.max("n"))


def test_a_recursive_cte_doubles_a_bound_one_past_smallint(db: typedb.Database) -> None:
    _one_row(db)
    assert _doubling(db, 2**20).execute() == [{"max": 2**20}]


def test_bound_small_ints_multiply_past_smallint(db: typedb.Database) -> None:
    _one_row(db)
    rows = (
        db.select_from("one")
        .select(lambda eb: [(eb.val(16384) * eb.val(4)).as_("v"), (eb.val(-300) * 300).as_("w")])
        .execute()
    )
    assert rows == [{"v": 65536, "w": -90000}]


def test_bound_ints_beyond_int4_and_int8_keep_their_value(db: typedb.Database) -> None:
    _one_row(db)
    rows = (
        db.select_from("one")
        .select(lambda eb: [(eb.val(2**31) + 1).as_("v")])
        .where("id", "<", 2**40)
        .execute()
    )
    assert rows == [{"v": 2**31 + 1}]


def test_smallint_and_bigint_columns_compare_with_bound_ints(db: typedb.Database) -> None:
    """A smallint column still takes, and compares with, small and large bound ints
    (PostgreSQL casts or uses the cross-type operator); past its range the INSERT fails."""
    db.schema.create_table("s").add_column("a", "smallint").add_column("b", "bigint").execute()
    db.insert_into("s").values([{"a": 7, "b": 2**40}, {"a": -32768, "b": 1}]).execute()
    assert db.select_from("s").select("a").where("a", "=", 7).execute() == [{"a": 7}]
    assert db.select_from("s").select("a").where("a", "<", 2**40).order_by("a").execute() == [
        {"a": -32768},
        {"a": 7},
    ]
    assert db.select_from("s").select("b").where("b", ">", 5).execute() == [{"b": 2**40}]
    with pytest.raises(typedb.QueryError, match="smallint"):
        db.insert_into("s").values({"a": 32768, "b": 0}).execute()


def test_a_repeated_query_prepared_with_an_int4_then_an_int8_parameter(
    db: typedb.Database,
) -> None:
    """psycopg prepares a query after its fifth run, keyed by its parameters' types: an int
    that outgrows int4 gets a statement of its own, and every run answers right."""
    db.schema.create_table("s").add_column("a", "smallint").add_column("b", "bigint").execute()
    db.insert_into("s").values([{"a": i, "b": i * 2**33} for i in range(1, 11)]).execute()
    for _ in range(3):
        for limit in (3, 7, 2**40, 5 * 2**33):
            rows = db.select_from("s").select("a").where("b", "<", limit).execute()
            assert len(rows) == min((limit - 1) // 2**33, 10)
            rows = db.select_from("s").select("a").where("a", "<", limit).execute()
            assert len(rows) == min(limit - 1, 10)


def test_smallint_and_bigint_indexes_serve_int4_parameters(pg_url: str) -> None:
    """PostgreSQL's btree integer_ops family has int2 = int4 and int8 = int4 operators, so a
    column keeps its index against an int4 parameter (an int2 one it had before)."""
    with typedb.connect(pg_url) as db:
        db.raw("CREATE TABLE s (a smallint, b bigint)")
        db.raw("CREATE INDEX s_a ON s (a)")
        db.raw("CREATE INDEX s_b ON s (b)")
        db.raw("INSERT INTO s SELECT g % 30000, g FROM generate_series(1, 20000) g")
        db.raw("ANALYZE s")
        for column, value in (("a", 7), ("b", 7), ("a", 2**20), ("b", 2**40)):
            sql = f"EXPLAIN SELECT * FROM s WHERE {column} = %s"
            plan = " ".join(r["QUERY PLAN"] for r in db.raw(sql, [value]))  # type: ignore[arg-type]
            assert f"s_{column}" in plan, plan
        if ":6432/" in pg_url:
            return  # PgBouncer: server-side prepared statements are off
        # psycopg prepares a statement on its sixth run: with int4 parameters now.
        with db.transaction() as trx:
            for _ in range(6):
                assert trx.select_from("s").select("a").where("a", "=", 7).execute()
            prepared = trx.raw(
                "SELECT parameter_types::text AS t FROM pg_prepared_statements "
                "WHERE statement LIKE %s",
                ['SELECT "a" FROM "s"%'],
            )
        assert [r["t"] for r in prepared] == ["{integer}"]
