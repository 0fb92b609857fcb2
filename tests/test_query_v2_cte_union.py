"""CTEs (`with_`, `with_recursive`) selectable like tables, and compound queries (`union`,
`union_all`, `intersect`, `except_`) with their column-count check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _store import run_async

import typedb


def test_with_selectable_like_a_table(store: typedb.Database) -> None:
    big = (
        store.select_from("invoices")
        .select("id", "customer_id", "total")
        .where("total", ">", Decimal("1"))
    )
    rows = (
        store.with_("big", big)
        .select_from("big")
        .inner_join("customers", "customers.id", "big.customer_id")
        .select("big.id", "customers.name")
        .order_by("big.id")
        .execute()
    )
    assert rows == [{"id": 1, "name": "Ana"}, {"id": 3, "name": "Bo"}]


def test_two_ctes_the_second_using_the_first(store: typedb.Database) -> None:
    rows = (
        store.with_("big", store.select_from("invoices").where("total", ">", Decimal("1")))
        .with_("big_ids(n)", lambda db: db.select_from("big").select("id"))
        .select_from("big_ids")
        .order_by("n")
        .execute()
    )
    assert rows == [{"n": 1}, {"n": 3}]


def test_recursive_cte_walks_reports_to(store: typedb.Database) -> None:
    base = (
        store.select_from("employees")
        .select("id", "name", "reports_to")
        .where("name", "=", "Steve")
    )
    step = (
        store.select_from("employees as e")
        .inner_join("chain as c", "e.id", "c.reports_to")
        .select("e.id", "e.name", "e.reports_to")
    )
    chain = (
        store.with_recursive("chain(id, name, reports_to)", base.union_all(step))
        .select_from("chain")
        .select("name")
        .execute()
    )
    assert [r["name"] for r in chain] == ["Steve", "Jane", "Nancy", "Andrew"]
    # Downwards, with a depth: everyone under Nancy.
    top = (
        store.select_from("employees")
        .select("id", lambda eb: eb.val(0).as_("depth"))
        .where("name", "=", "Nancy")
    )
    down = (
        store.select_from("employees as e")
        .inner_join("tree as t", "e.reports_to", "t.id")
        .select("e.id", lambda eb: (eb.ref("t.depth") + 1).as_("depth"))
    )
    tree = (
        store.with_recursive("tree(id, depth)", top.union_all(down))
        .select_from("tree")
        .inner_join("employees", "employees.id", "tree.id")
        .select("employees.name", "tree.depth")
        .order_by("tree.depth")
        .execute()
    )
    assert tree == [
        {"name": "Nancy", "depth": 0},
        {"name": "Jane", "depth": 1},
        {"name": "Steve", "depth": 2},
    ]


def test_union_intersect_except(store: typedb.Database) -> None:
    lisbon = store.select_from("customers").select("id").where("city", "=", "Lisbon")
    buyers = store.select_from("invoices").select("customer_id")
    assert lisbon.union(buyers).order_by("id").execute() == [{"id": 1}, {"id": 2}]
    assert len(lisbon.union_all(buyers).execute()) == 4
    assert lisbon.intersect(buyers).execute() == [{"id": 1}]
    assert buyers.except_(lisbon).execute() == [{"customer_id": 2}]
    # ORDER BY / LIMIT apply to the whole compound query, values bound in call order.
    limited = lisbon.union_all(buyers).order_by("id", "desc").limit(2)
    assert limited.compile().parameters == ("Lisbon",)  # the LIMIT count is written in
    assert limited.execute() == [{"id": 2}, {"id": 1}]


def test_union_column_mismatch_error(store: typedb.Database) -> None:
    one = store.select_from("customers").select("id")
    two = store.select_from("invoices").select("id", "total")
    with pytest.raises(typedb.CompileError, match=r"same number of columns.*selects 1.*selects 2"):
        one.union(two)
    with pytest.raises(typedb.CompileError, match="limit"):
        one.union(store.select_from("invoices").select("id").limit(1))
    # With `*` the count is the database's to check: its error is a QueryError.
    with pytest.raises(typedb.QueryError):
        store.select_from("customers").union(store.select_from("invoice_lines")).execute()


def test_async_cte_and_union(db_url: str, store: typedb.Database) -> None:
    async def test(db: typedb.AsyncDatabase) -> None:
        q = db.with_("c", db.select_from("customers").where("city", "is not", None))
        rows = await q.select_from("c").select("name").order_by("name").execute()
        assert rows == [{"name": "Ana"}, {"name": "Bo"}]
        base = db.select_from("employees").select("id").where("id", "=", 4)
        step = (
            db.select_from("employees as e")
            .inner_join("up as u", "e.id", "u.id")
            .where("e.reports_to", "is not", None)
            .select("e.reports_to")
        )
        up = await db.with_recursive("up(id)", base.union(step)).select_from("up").execute()
        assert sorted(r["id"] for r in up) == [1, 2, 3, 4]
        union = (
            await db.select_from("customers")
            .select("id")
            .union_all(db.select_from("invoices").select("id"))
            .execute()
        )
        assert len(union) == 6

    run_async(db_url, test)


def test_nested_decimal_aggregates_postgres_types_or_sqlite_refuses(
    backend: str, store: typedb.Database
) -> None:
    """A SUM of decimals inside a CTE, a union operand or a scalar subquery: PostgreSQL gives
    a Decimal; SQLite would give a float there, so typedb refuses it, naming the column."""
    from typedb.query import fn

    per_customer = (
        store.select_from("invoices")
        .select("customer_id", fn.sum("total").as_("spent"))
        .group_by("customer_id")
    )
    queries = [
        store.with_("spent", per_customer).select_from("spent").order_by("customer_id"),
        store.select_from("invoices")
        .select(fn.sum("total").as_("spent"))
        .union_all(store.select_from("invoices").select(fn.max("total").as_("spent"))),
        store.select_from("customers").select(
            "id", store.select_from("invoices").select(fn.sum("total")).as_("spent")
        ),
    ]
    for query in queries:
        if backend == "sqlite":
            with pytest.raises(typedb.CompileError, match=r"\(total\).*SQLite"):
                query.execute()
        else:
            assert all(type(r["spent"]) is Decimal for r in query.execute())
    # Integer aggregates and plain columns are exact on SQLite too.
    counted = (
        store.with_(
            "n",
            store.select_from("invoices")
            .select("customer_id", fn.count().as_("n"))
            .group_by("customer_id"),
        )
        .select_from("n")
        .order_by("customer_id")
        .execute()
    )
    assert counted == [{"customer_id": 1, "n": 2}, {"customer_id": 2, "n": 1}]
    totals = (
        store.with_("t", store.select_from("invoices")).select_from("t").select("total").execute()
    )
    assert all(type(r["total"]) is Decimal for r in totals)
