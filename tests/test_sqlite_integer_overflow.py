"""Integer arithmetic past 64 bits is an error on SQLite wherever it is, as on PostgreSQL.

SQLite turns an integer `+ - *` result past 64 bits into a float and goes on: a WHERE
compared the float and matched every row, a CTE column came back a float, an ORDER BY sorted
by it. PostgreSQL raises "bigint out of range". Every test runs on both backends; each
failed on SQLite before typedb computed integer arithmetic outside the select list through
its checked functions (typedb_int_add / _sub / _mul, see _expr_types.replacements)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import typedb
from typedb.query import fn

BIG = 9223372036854775807
SMALLEST = -9223372036854775808

Build = Callable[[typedb.Database], Any]

_CASES: dict[str, Build] = {
    "having": lambda db: (
        db.select_from("invoices")
        .select("customer_id")
        .group_by("customer_id")
        .having(lambda eb: eb(eb.fn.count(eb.ref("id")) + BIG, ">", 0))
    ),
    "order_by": lambda db: (
        db.select_from("customers").select("id").order_by(lambda eb: eb.ref("id") * BIG)
    ),
    "join_on": lambda db: (
        db.select_from("customers")
        .inner_join(
            "invoices",
            lambda on: (
                on("invoices.customer_id", "=", "customers.id")
                & on(on.ref("invoices.id") + BIG, ">", 0)
            ),
        )
        .select("customers.name")
    ),
    "group_by": lambda db: (
        db.select_from("customers")
        .select(fn.count("id"))
        .group_by(lambda eb: eb.ref("id") - SMALLEST)
    ),
    "in_subquery_where": lambda db: (
        db.select_from("customers")
        .select("name")
        .where(
            "id",
            "in",
            db.select_from("invoices")
            .select("customer_id")
            .where(lambda eb: eb(eb.ref("invoices.id") + BIG, ">", 0)),
        )
    ),
    "in_subquery_select": lambda db: (
        db.select_from("customers")
        .select("name")
        .where(
            "id",
            "in",
            db.select_from("invoices").select(lambda eb: [(eb.ref("customer_id") + BIG).as_("c")]),
        )
    ),
    "exists": lambda db: (
        db.select_from("customers")
        .select("name")
        .where_exists(
            db.select_from("invoices")
            .select("id")
            .where(lambda eb: eb(eb.ref("invoices.id") * BIG * 2, "=", eb.ref("customers.id")))
        )
    ),
    "scalar_subquery": lambda db: db.select_from("customers").select(
        "name",
        db.select_from("invoices")
        .select(lambda eb: [(eb.ref("id") + BIG).as_("v")])
        .order_by("id")
        .limit(1)
        .as_("v"),
    ),
    "case_condition": lambda db: db.select_from("customers").select(
        lambda eb: [
            eb.case().when(eb(eb.ref("id") + BIG, ">", 0)).then(1).else_(0).end().as_("big")
        ]
    ),
    "inside_a_numeric_product": lambda db: db.select_from("invoices").select(
        lambda eb: [(eb.ref("total") * (eb.ref("id") + BIG)).as_("v")]
    ),
    "count_argument": lambda db: db.select_from("customers").select(
        lambda eb: [eb.fn.count(eb.ref("id") + BIG).as_("n")]
    ),
    "cte_column_in_outer_where": lambda db: (
        db.with_("x", db.select_from("customers").select("id"))
        .select_from("x")
        .where(lambda eb: eb(eb.ref("id") + BIG, ">", 0))
    ),
    "cte_column_in_outer_select": lambda db: (
        db.with_("x", db.select_from("customers").select("id"))
        .select_from("x")
        .select(lambda eb: [(eb.ref("id") * BIG).as_("v")])
    ),
    "division_of_the_smallest_bigint": lambda db: db.select_from("customers").where(
        lambda eb: eb(eb.val(SMALLEST) / eb.val(-1), ">", 0)
    ),
    "select_list": lambda db: db.select_from("customers").select(
        lambda eb: [(eb.ref("id") + BIG - BIG).as_("v")]
    ),
    "select_list_sum": lambda db: db.select_from("customers").select(
        lambda eb: [eb.fn.sum(eb.ref("id") * BIG).as_("v")]
    ),
    "update_where": lambda db: (
        db.update_table("customers")
        .set({"city": "X"})
        .where(lambda eb: eb(eb.ref("id") + BIG, ">", 0))
    ),
    "delete_where": lambda db: db.delete_from("customers").where(
        lambda eb: eb(eb.ref("id") + BIG, ">", 0)
    ),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_integer_overflow_is_an_error(store: typedb.Database, case: str) -> None:
    with pytest.raises(typedb.QueryError, match="out of range"):
        _CASES[case](store).execute()
    # Nothing was changed by a refused update or delete.
    cities = store.select_from("customers").select("city").order_by("id").execute()
    assert [r["city"] for r in cities] == ["Lisbon", "Oslo", None]


def test_integer_arithmetic_in_range_gives_the_same_rows(store: typedb.Database) -> None:
    """The checked functions compute what SQLite's operators did when nothing overflows."""
    rows = (
        store.select_from("invoices")
        .select("id", lambda eb: [(eb.ref("id") * 3 - eb.ref("customer_id")).as_("v")])
        .where(lambda eb: eb(eb.ref("customer_id") * 1000 + eb.ref("id"), ">", 1001))
        .order_by(lambda eb: eb.val(0) - eb.ref("id"))
        .execute()
    )
    assert rows == [{"id": 3, "v": 7}, {"id": 2, "v": 5}]
    # The largest bigint itself is in range.
    edge = (
        store.select_from("customers")
        .select("id")
        .where(lambda eb: eb(eb.ref("id") + (BIG - 3), "=", BIG))
        .execute()
    )
    assert edge == [{"id": 3}]
    cte = (
        store.with_("x", store.select_from("customers").select("id"))
        .select_from("x")
        .select(lambda eb: [(eb.ref("id") * 2).as_("v")])
        .where(lambda eb: eb(eb.ref("id") - 1, ">", 0))
        .order_by("v")
        .execute()
    )
    assert cte == [{"v": 4}, {"v": 6}]


def test_text_arithmetic_in_a_cte_column_is_refused(store: typedb.Database) -> None:
    """SQLite read 0 off 'Ana' and compared; PostgreSQL refuses it. A CTE's column has no
    declared type on SQLite: typedb reads it off the CTE's body (_sqlite_ctes), so on SQLite
    this is refused before it runs, as text arithmetic on a table's text column is (a
    CompileError); an untyped one is refused by typedb_int_add as it runs (a QueryError)."""
    query = (
        store.with_("x", store.select_from("customers").select("name"))
        .select_from("x")
        .select("name")
        .where(lambda eb: eb(eb.ref("name") + 1, ">", 0))
    )
    with pytest.raises((typedb.QueryError, typedb.CompileError)):
        query.execute()
