"""select_from(): columns, conditions and grouping, joins, ordering, paging, results, errors.

Every test runs on SQLite and PostgreSQL through the `db` fixture.
"""

from __future__ import annotations

from typing import Any

import pytest

import typedb
from typedb.query import OPS, fn
from typedb.query import _cache as cache

# Also through PgBouncer in transaction mode (conftest's "pgbouncer" backend).
pytestmark = pytest.mark.pgbouncer


def make_items(db: typedb.Database) -> None:
    db.schema.create_table("items").add_id_column().add_column(
        "name", "text", lambda c: c.not_null()
    ).add_column("price", "integer").add_column("category_id", "integer").add_column(
        "note", "text"
    ).add_soft_delete_column().execute()
    db.schema.create_table("categories").add_id_column().add_column("title", "text").execute()
    db.insert_into("categories").values([{"title": "tools"}, {"title": "toys"}]).execute()
    db.insert_into("items").values(
        [
            {"name": "Apple", "price": 3, "category_id": 1, "note": None},
            {"name": "apricot", "price": 5, "category_id": 1, "note": "ripe"},
            {"name": "Banana", "price": 2, "category_id": 2, "note": "50% off"},
            {"name": "cherry", "price": 7, "category_id": None, "note": "a_b"},
        ]
    ).execute()


@pytest.fixture
def items(db: typedb.Database) -> typedb.Database:
    make_items(db)
    return db


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


def test_select_columns_and_alias(items: typedb.Database) -> None:
    rows = items.select_from("items").select("id", "name as title").order_by("id").execute()
    assert rows[0] == {"id": 1, "title": "Apple"}
    assert len(rows) == 4


def test_select_all_and_default_star(items: typedb.Database) -> None:
    every = items.select_from("items").select_all().order_by("id").execute()
    default = items.select_from("items").order_by("id").execute()
    assert every == default
    assert set(every[0]) == {"id", "name", "price", "category_id", "note", "deleted_at"}


def test_where_basic_ops(items: typedb.Database) -> None:
    q = items.select_from("items").select("name").order_by("id")
    assert names(q.where("price", "=", 3).execute()) == ["Apple"]
    assert names(q.where("price", "!=", 3).execute()) == ["apricot", "Banana", "cherry"]
    assert names(q.where("price", "<>", 3).execute()) == ["apricot", "Banana", "cherry"]
    assert names(q.where("price", "<", 3).execute()) == ["Banana"]
    assert names(q.where("price", "<=", 3).execute()) == ["Apple", "Banana"]
    assert names(q.where("price", ">", 5).execute()) == ["cherry"]
    assert names(q.where("price", ">=", 5).execute()) == ["apricot", "cherry"]
    assert names(q.where("price", "in", [2, 7]).execute()) == ["Banana", "cherry"]
    assert names(q.where("price", "not in", (2, 7)).execute()) == ["Apple", "apricot"]
    assert names(q.where("note", "is", None).execute()) == ["Apple"]
    assert len(q.where("note", "is not", None).execute()) == 3


def test_like_is_case_sensitive_and_ilike_is_not_on_both_backends(items: typedb.Database) -> None:
    q = items.select_from("items").select("name").order_by("id")
    assert names(q.where("name", "like", "ap%").execute()) == ["apricot"]
    assert names(q.where("name", "like", "A%").execute()) == ["Apple"]
    assert names(q.where("name", "ilike", "ap%").execute()) == ["Apple", "apricot"]
    assert names(q.where("name", "ilike", "BAN_NA").execute()) == ["Banana"]
    # Backslash escapes the wildcards on both backends, as PostgreSQL's LIKE does.
    assert names(q.where("note", "like", "50\\% off").execute()) == ["Banana"]
    assert names(q.where("note", "like", "a\\_b").execute()) == ["cherry"]
    assert names(q.where("note", "ilike", "A\\_B").execute()) == ["cherry"]
    assert names(q.where("note", "like", "5%").execute()) == ["Banana"]
    # GLOB's own wildcards are data in a LIKE pattern.
    assert q.where("name", "like", "*").execute() == []
    assert q.where("name", "like", "[A]%").execute() == []


def test_empty_in_matches_nothing_and_empty_not_in_everything(items: typedb.Database) -> None:
    q = items.select_from("items").select("id")
    assert q.where("id", "in", []).execute() == []
    assert len(q.where("id", "not in", []).execute()) == 4
    assert len(q.where(lambda eb: eb.not_(eb("id", "in", []))).execute()) == 4


def test_or_and_not_grouping(items: typedb.Database) -> None:
    q = items.select_from("items").select("name").order_by("id")
    rows = q.where("category_id", "=", 1).where(
        lambda eb: eb.or_([eb("price", "=", 5), eb("name", "=", "Banana")])
    )
    # The OR group stays grouped: category 1 AND (price 5 OR Banana).
    assert names(rows.execute()) == ["apricot"]
    rows = q.where(
        lambda eb: eb.or_(
            [eb.and_([eb("price", ">", 4), eb("note", "is not", None)]), eb("name", "=", "Apple")]
        )
    )
    assert names(rows.execute()) == ["Apple", "apricot", "cherry"]
    rows = q.where(lambda eb: eb.not_(eb("price", ">", 3) | eb("note", "is", None)))
    assert names(rows.execute()) == ["Banana"]
    rows = q.where(lambda eb: (eb("price", ">", 2) & eb("price", "<", 7)) | eb("price", "=", 2))
    assert names(rows.execute()) == ["Apple", "apricot", "Banana"]
    assert q.where(lambda eb: eb.or_([])).execute() == []
    assert len(q.where(lambda eb: eb.and_([])).execute()) == 4


def test_joins(items: typedb.Database) -> None:
    rows = (
        items.select_from("items")
        .inner_join("categories", "items.category_id", "categories.id")
        .select("items.name", "categories.title")
        .order_by("items.id")
        .execute()
    )
    assert rows == [
        {"name": "Apple", "title": "tools"},
        {"name": "apricot", "title": "tools"},
        {"name": "Banana", "title": "toys"},
    ]
    rows = (
        items.select_from("items as i")
        .left_join("categories as c", "i.category_id", "c.id")
        .select("i.name", "c.title as category")
        .where("i.price", ">", 4)
        .order_by("i.id")
        .execute()
    )
    assert rows == [{"name": "apricot", "category": "tools"}, {"name": "cherry", "category": None}]


def test_select_all_of_one_joined_table(items: typedb.Database) -> None:
    rows = (
        items.select_from("items")
        .inner_join("categories", "items.category_id", "categories.id")
        .select_all("categories")
        .distinct()
        .order_by("categories.id")
        .execute()
    )
    assert rows == [{"id": 1, "title": "tools"}, {"id": 2, "title": "toys"}]


def test_order_limit_offset(items: typedb.Database) -> None:
    q = items.select_from("items").select("name").order_by("price", "desc")
    assert names(q.limit(2).execute()) == ["cherry", "apricot"]
    assert names(q.limit(2).offset(1).execute()) == ["apricot", "Apple"]
    assert names(q.offset(3).execute()) == ["Banana"]
    assert names(q.limit(0).execute()) == []


def test_order_by_two_columns(items: typedb.Database) -> None:
    rows = items.select_from("items").select("category_id", "name")
    rows = rows.where("category_id", "is not", None).order_by("category_id", "desc")
    assert names(rows.order_by("price").execute()) == ["Banana", "Apple", "apricot"]


def test_group_by_having_and_aggregates(items: typedb.Database) -> None:
    rows = (
        items.select_from("items")
        .select("category_id", fn.count("id").as_("n"), fn.max("price"), fn.min("price"))
        .where("category_id", "is not", None)
        .group_by("category_id")
        .having(fn.count("id"), ">", 1)
        .execute()
    )
    assert rows == [{"category_id": 1, "n": 2, "max": 5, "min": 3}]
    total = items.select_from("items").select(fn.count()).execute_take_first()
    assert total == {"count": 4}
    distinct = items.select_from("items").select(fn.count("category_id", distinct=True).as_("n"))
    assert distinct.execute() == [{"n": 2}]
    assert items.select_from("items").select(fn.sum("price").as_("s")).execute()[0]["s"] == 17


def test_distinct(items: typedb.Database) -> None:
    rows = items.select_from("items").select("category_id").distinct()
    rows = rows.where("category_id", "is not", None).order_by("category_id").execute()
    assert rows == [{"category_id": 1}, {"category_id": 2}]


def test_soft_delete_filters(items: typedb.Database) -> None:
    result = items.soft_delete("items").where("name", "=", "Banana").execute()
    assert result.num_deleted_rows == 1
    q = items.select_from("items").select("name").order_by("id")
    assert names(q.where_not_deleted().execute()) == ["Apple", "apricot", "cherry"]
    assert names(q.where_deleted().execute()) == ["Banana"]
    joined = (
        items.select_from("items")
        .inner_join("categories", "items.category_id", "categories.id")
        .select("items.name")
        .where_not_deleted()  # qualified, so categories (no deleted_at) does not matter
        .order_by("items.id")
    )
    assert names(joined.execute()) == ["Apple", "apricot"]


def test_take_first(items: typedb.Database) -> None:
    q = items.select_from("items").select("name").order_by("id")
    assert q.execute_take_first() == {"name": "Apple"}
    assert q.where("price", ">", 100).execute_take_first() is None
    assert q.where("id", "=", 2).execute_take_first_or_throw() == {"name": "apricot"}
    with pytest.raises(typedb.NoResultError, match="items"):
        q.where("price", ">", 100).execute_take_first_or_throw()


def test_builders_are_immutable(items: typedb.Database) -> None:
    base = items.select_from("items").select("name")
    cheap = base.where("price", "<", 4)
    dear = base.where("price", ">", 4)
    assert base.compile().parameters == ()
    assert cheap.compile().parameters == (4,)
    assert names(cheap.order_by("id").execute()) == ["Apple", "Banana"]
    assert names(dear.order_by("id").execute()) == ["apricot", "cherry"]
    assert len(base.execute()) == 4


def test_compile_does_not_touch_the_database(db: typedb.Database) -> None:
    # No table exists: compile() works, execute() would fail.
    q = db.select_from("nowhere").select("a").where("b", "=", 1)
    assert q.compile().parameters == (1,)
    with pytest.raises(typedb.QueryError):
        q.execute()


def test_placeholders_match_the_dialect(db: typedb.Database) -> None:
    sql = db.select_from("t").where("a", "=", 1).compile().sql
    assert sql.endswith(f"{db.dialect.quote('a')} = {db.dialect.placeholder}")


def test_same_shape_reuses_the_rendered_sql(db: typedb.Database) -> None:
    one = db.select_from("t").select("a").where("a", "=", 1).limit(3).compile()
    size = cache.size()
    two = db.select_from("t").select("a").where("a", "=", "other").limit(3).compile()
    assert two.sql is one.sql  # the very same string object: no second render
    assert cache.size() == size
    assert two.parameters == ("other",)
    # The LIMIT count is written into the SQL (see SelectQuery.limit): another count is
    # another shape.
    nine = db.select_from("t").select("a").where("a", "=", 1).limit(9).compile()
    assert nine.sql.endswith("LIMIT 9") and one.sql.endswith("LIMIT 3")
    assert nine.parameters == (1,)


def test_values_are_bound_in_sql_order_whatever_the_call_order(items: typedb.Database) -> None:
    q = (
        items.select_from("items")
        .select("name", fn.count("id").as_("n"))
        .limit(5)
        .having(fn.count("id"), ">=", 1)
        .where("price", ">", 2)
        .group_by("name")
        .offset(1)
        .order_by("name")
    )
    compiled = q.compile()
    assert compiled.parameters == (2, 1, 1)  # the LIMIT count is written in
    assert names(q.execute()) == sorted(["Apple", "apricot", "cherry"])[1:]


def test_hostile_values_stay_data(items: typedb.Database) -> None:
    hostile = "x'; DROP TABLE items; --"
    assert items.select_from("items").where("name", "=", hostile).execute() == []
    assert items.select_from("items").where("name", "in", [hostile, '"', "%s", "?"]).execute() == []
    assert items.select_from("items").where("name", "like", "%'%").execute() == []
    assert len(items.select_from("items").execute()) == 4


def test_identifiers_are_quoted(db: typedb.Database) -> None:
    db.raw('CREATE TABLE "odd ""table"" 100%" ("select" integer, "a b" text)')
    table = 'odd "table" 100%'
    db.insert_into(table).values({"select": 1, "a b": "x"}).execute()
    rows = db.select_from(table).select("select", "a b as c").where("select", "=", 1).execute()
    assert rows == [{"select": 1, "c": "x"}]
    # No parameters at all: the doubled % must still reach the server as one.
    assert db.select_from(table).select("a b").execute() == [{"a b": "x"}]


def test_unknown_operator_lists_the_valid_ones(db: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError) as err:
        db.select_from("items").where("name", "==", "x")  # type: ignore[call-overload]
    assert "'=='" in str(err.value)
    for op in OPS:
        assert repr(op) in str(err.value)


def test_uppercase_operators_are_accepted(items: typedb.Database) -> None:
    q = items.select_from("items").select("name")
    assert names(q.where("name", "LIKE", "A%").execute()) == ["Apple"]  # type: ignore[call-overload]
    assert len(q.where("id", "NOT  IN", [1]).execute()) == 3  # type: ignore[call-overload]


def test_equals_none_suggests_is(db: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match="'is'"):
        db.select_from("items").where("note", "=", None)
    with pytest.raises(typedb.CompileError, match="'is not'"):
        db.select_from("items").where("note", "!=", None)
    with pytest.raises(typedb.CompileError, match="takes None"):
        db.select_from("items").where("note", "is", 1)


def test_bad_arguments(db: typedb.Database) -> None:
    q = db.select_from("items")
    with pytest.raises(typedb.CompileError, match="list of values"):
        q.where("id", "in", "abc")
    with pytest.raises(typedb.CompileError, match="list of values"):
        q.where("id", "in", 3)
    with pytest.raises(typedb.CompileError, match="non-negative int"):
        q.limit(-1)
    with pytest.raises(typedb.CompileError, match="non-negative int"):
        q.offset(True)
    with pytest.raises(typedb.CompileError, match="'asc' or 'desc'"):
        q.order_by("id", "down")  # type: ignore[arg-type]
    with pytest.raises(typedb.CompileError, match="callback"):
        q.where("id")  # type: ignore[call-overload]
    with pytest.raises(typedb.CompileError, match="must return an expression"):
        q.where(lambda eb: True)  # type: ignore[arg-type,return-value]
    with pytest.raises(typedb.CompileError, match="table name"):
        db.select_from("")
    with pytest.raises(typedb.CompileError, match="column names"):
        q.select(["id"])  # type: ignore[arg-type]
    with pytest.raises(typedb.CompileError, match="column name"):
        q.order_by(["id"])  # type: ignore[arg-type]
    with pytest.raises(typedb.CompileError, match="column names"):
        q.group_by()


def test_bad_identifier_names_the_column(db: typedb.Database) -> None:
    with pytest.raises(typedb.IdentifierError, match="bad"):
        db.select_from("items").where("bad\x00col", "=", 1).compile()
    with pytest.raises(typedb.IdentifierError, match="longer than"):
        db.select_from("items").select("x" * 70).compile()


def test_raw_fragment_as_value_and_column(items: typedb.Database) -> None:
    rows = (
        items.select_from("items")
        .select(typedb.sql("price * 2 AS double"))
        .where("price", ">", typedb.sql("6"))
    )
    assert rows.execute() == [{"double": 14}]


def test_percent_in_fragments_is_not_a_placeholder(items: typedb.Database) -> None:
    rows = items.select_from("items").select("name").where("note", "=", typedb.sql("'50% off'"))
    assert names(rows.where("price", ">", 1).execute()) == ["Banana"]


def test_a_limited_select_is_planned_once_on_postgresql(backend: str, db_url: str) -> None:
    """A prepared `LIMIT $n` is planned by PostgreSQL for a tenth of the table; that generic
    plan looks dearer than one for the actual count, so PostgreSQL planned such a query again
    at every execution (server CPU on every paginated select). With the count written in,
    the generic plan is taken after five runs, as for a hand-written LIMIT 10. On every
    backend, each count still returns its own number of rows."""
    with typedb.connect(db_url, pool_max=1) as db:
        db.raw("CREATE TABLE lim (id integer PRIMARY KEY, n integer)")
        # Enough rows, with statistics, for a tenth of them to cost more than ten.
        db.insert_into("lim").values([{"id": i, "n": i % 5} for i in range(5000)]).execute()
        db.raw("ANALYZE lim")

        def first(trx: typedb.Database, count: int, start: int) -> list[int]:
            query = trx.select_from("lim").select("id").where("id", ">=", start).order_by("id")
            return [r["id"] for r in query.limit(count).execute()]

        with db.transaction() as trx:  # one connection, whose prepared statements are read
            # psycopg prepares a statement at its 5th run; PostgreSQL then plans the next five
            # for their values before it weighs the generic plan.
            for i in range(15):
                assert first(trx, 10, i % 2) == list(range(i % 2, 10 + i % 2))
            assert first(trx, 2, 0) == [0, 1] and first(trx, 3, 0) == [0, 1, 2]
            if backend == "sqlite" or "prepare=false" in db_url:  # no plan cache / not prepared
                return
            plans = trx.raw(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%FROM \"lim\"%LIMIT%' AND statement NOT LIKE '%LIMIT _'"
            )
        assert len(plans) == 1 and plans[0]["generic_plans"] >= 3, plans
