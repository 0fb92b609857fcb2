"""Subqueries as values: IN (subquery), EXISTS / NOT EXISTS (correlated), a scalar subquery
in select; their values bound in order, the shape cache still applying."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _store import run_async

import typedb
from typedb.query import _cache as cache
from typedb.query import fn


def test_where_in_subquery(store: typedb.Database) -> None:
    buyers = store.select_from("invoices").select("customer_id").where("total", ">", Decimal("1"))
    rows = store.select_from("customers").select("name").where("id", "in", buyers).execute()
    assert [r["name"] for r in rows] == ["Ana", "Bo"]
    rows = (
        store.select_from("customers")
        .select("name")
        .where("id", "not in", store.select_from("invoices").select("customer_id"))
        .execute()
    )
    assert [r["name"] for r in rows] == ["Cy"]


def test_correlated_exists_and_not_exists(store: typedb.Database) -> None:
    def invoices_of_customer() -> typedb.query.SelectQuery:
        return store.select_from("invoices").where_ref("invoices.customer_id", "=", "customers.id")

    with_invoice = (
        store.select_from("customers")
        .select("name")
        .where_exists(invoices_of_customer().where("invoices.total", ">", Decimal("2")))
        .execute()
    )
    assert [r["name"] for r in with_invoice] == ["Ana"]
    without = (
        store.select_from("customers")
        .select("name")
        .where_not_exists(invoices_of_customer())
        .execute()
    )
    assert [r["name"] for r in without] == ["Cy"]
    # The same through a where callback, with an OR.
    either = (
        store.select_from("customers")
        .select("name")
        .where(lambda eb: eb.not_exists(invoices_of_customer()) | eb("customers.name", "=", "Bo"))
        .order_by("name")
        .execute()
    )
    assert [r["name"] for r in either] == ["Bo", "Cy"]


def test_scalar_subquery_in_select(store: typedb.Database) -> None:
    count = (
        store.select_from("invoices")
        .select(fn.count())
        .where_ref("invoices.customer_id", "=", "customers.id")
    )
    rows = (
        store.select_from("customers")
        .select("name", count.as_("invoice_count"))
        .order_by("name")
        .execute()
    )
    assert rows == [
        {"name": "Ana", "invoice_count": 2},
        {"name": "Bo", "invoice_count": 1},
        {"name": "Cy", "invoice_count": 0},
    ]


def test_subquery_values_merge_in_order_and_cache(store: typedb.Database) -> None:
    def query(city: str, total: str, limit: int) -> typedb.query.SelectQuery:
        sub = (
            store.select_from("invoices").select("customer_id").where("total", ">", Decimal(total))
        )
        return (
            store.select_from("customers")
            .select("name")
            .where("city", "=", city)
            .where("id", "in", sub)
            .limit(limit)
        )

    assert query("Lisbon", "1", 3).compile().parameters == ("Lisbon", Decimal("1"))
    before = cache.size()
    q = query("Oslo", "1.5", 3)
    assert q.compile().parameters == ("Oslo", Decimal("1.5"))
    assert cache.size() == before  # same shape: rendered once
    assert q.execute() == [{"name": "Bo"}]


def test_subquery_as_comparison_value(store: typedb.Database) -> None:
    biggest = store.select_from("invoices").select(fn.max("total"))
    rows = store.select_from("invoices").select("id").where("total", "=", biggest).execute()
    assert rows == [{"id": 1}]
    with pytest.raises(typedb.CompileError, match="like"):
        store.select_from("customers").where("name", "like", biggest)


def test_async_subqueries(db_url: str, store: typedb.Database) -> None:
    async def test(db: typedb.AsyncDatabase) -> None:
        sub = db.select_from("invoices").where_ref("invoices.customer_id", "=", "customers.id")
        rows = await db.select_from("customers").select("name").where_not_exists(sub).execute()
        assert rows == [{"name": "Cy"}]
        ids = db.select_from("invoices").select("customer_id")
        found = await db.select_from("customers").select("name").where("id", "in", ids).execute()
        assert sorted(r["name"] for r in found) == ["Ana", "Bo"]

    run_async(db_url, test)


def test_where_in_subquery_is_the_eb_condition(store: typedb.Database) -> None:
    # where(column, "in", subquery) takes a short path; it must record, render, bind and
    # cache exactly what the same condition made by eb() does.
    def sub(total: str) -> typedb.query.SelectQuery:
        return (
            store.select_from("invoices").select("customer_id").where("total", ">", Decimal(total))
        )

    def check(op: typedb.query.Op, names: list[str]) -> None:
        short = store.select_from("customers").select("name").where("id", op, sub("1"))
        through_eb = (
            store.select_from("customers").select("name").where(lambda eb: eb("id", op, sub("1")))
        )
        assert short._shape == through_eb._shape  # pyright: ignore[reportPrivateUsage]
        assert short.compile() == through_eb.compile()
        assert short.compile().parameters == (Decimal("1"),)
        assert [r["name"] for r in short.order_by("name").execute()] == names

    check("in", ["Ana", "Bo"])
    check("not in", ["Cy"])
    with pytest.raises(typedb.CompileError, match="like"):
        store.select_from("customers").where("id", "like", sub("1"))
