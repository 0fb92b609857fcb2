"""Expressions through `eb` in select, where, order_by, group_by, having and inside
aggregates; Decimal arithmetic giving Decimal on both backends; values always bound."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _store import run_async

import typedb
from typedb.query import _cache as cache
from typedb.query import fn


def test_decimal_arithmetic_is_decimal(store: typedb.Database) -> None:
    rows = (
        store.select_from("invoice_lines")
        .select("id", lambda eb: (eb.ref("unit_price") * eb.ref("quantity")).as_("amount"))
        .order_by("id")
        .execute()
    )
    amounts = [r["amount"] for r in rows]
    assert amounts == [
        Decimal("2.97"),
        Decimal("0.99"),
        Decimal("0.99"),
        Decimal("0.70"),
        Decimal("1.20"),
    ]
    assert all(type(a) is Decimal for a in amounts)
    # numeric(10,2) * integer keeps two decimals, as PostgreSQL gives them.
    assert [str(a) for a in amounts] == ["2.97", "0.99", "0.99", "0.70", "1.20"]


def test_sum_of_expression_per_invoice(store: typedb.Database) -> None:
    rows = (
        store.select_from("invoice_lines")
        .select(
            "invoice_id",
            lambda eb: fn.sum(eb.ref("unit_price") * eb.ref("quantity")).as_("total"),
        )
        .group_by("invoice_id")
        .having(lambda eb: eb(fn.sum(eb.ref("unit_price") * eb.ref("quantity")), ">", 1))
        .order_by("invoice_id")
        .execute()
    )
    assert rows == [
        {"invoice_id": 1, "total": Decimal("3.96")},
        {"invoice_id": 3, "total": Decimal("1.90")},
    ]
    assert all(type(r["total"]) is Decimal for r in rows)


def test_arithmetic_operators_and_division(store: typedb.Database) -> None:
    row = (
        store.select_from("invoice_lines")
        .select(
            lambda eb: [
                (eb.ref("unit_price") + 1).as_("plus"),
                (eb.ref("unit_price") - eb.ref("unit_price") * 2).as_("minus"),
                (eb.ref("unit_price") / 3).as_("third"),
                (eb.ref("quantity") / 2).as_("half_int"),
                (10 - eb.ref("quantity")).as_("left"),
            ]
        )
        .where("id", "=", 1)
        .execute_take_first_or_throw()
    )
    assert row == {
        "plus": Decimal("1.99"),
        "minus": Decimal("-0.99"),
        "third": Decimal("0.33000000000000000000"),
        "half_int": 1,  # integer division truncates on both backends
        "left": 7,
    }
    assert type(row["third"]) is Decimal


def test_division_by_zero_raises_on_both(store: typedb.Database) -> None:
    q = store.select_from("invoice_lines").select(
        lambda eb: (eb.ref("quantity") / eb.val(0)).as_("x")
    )
    with pytest.raises(typedb.QueryError):
        q.execute()


def test_expression_in_where_order_by_group_by(store: typedb.Database) -> None:
    rows = (
        store.select_from("invoice_lines")
        .select("id")
        .where(lambda eb: eb(eb.ref("unit_price") * eb.ref("quantity"), ">", Decimal("0.99")))
        .order_by(lambda eb: eb.ref("unit_price") * eb.ref("quantity"), "desc")
        .execute()
    )
    assert [r["id"] for r in rows] == [1, 5]
    # PostgreSQL matches a GROUP BY expression to the select list's only without bound values
    # (each value is its own parameter); group by the alias then, as here for `place`.
    grouped = (
        store.select_from("customers")
        .select(lambda eb: [eb.fn.coalesce("city", "name").as_("place"), fn.count().as_("n")])
        .group_by(lambda eb: eb.fn.coalesce("city", "name"))
        .order_by(lambda eb: eb.fn.coalesce("city", "name"))
        .execute()
    )
    assert grouped == [
        {"place": "Cy", "n": 1},
        {"place": "Lisbon", "n": 1},
        {"place": "Oslo", "n": 1},
    ]
    by_alias = (
        store.select_from("customers")
        .select(
            lambda eb: [eb.fn.coalesce("city", eb.val("nowhere")).as_("place"), fn.count().as_("n")]
        )
        .group_by("place")
        .order_by("place")
        .execute()
    )
    assert [r["place"] for r in by_alias] == ["Lisbon", "Oslo", "nowhere"]


def test_functions_case_cast(store: typedb.Database) -> None:
    rows = (
        store.select_from("invoice_lines")
        .select(
            "id",
            lambda eb: [
                eb.case()
                .when("quantity", ">", 5)
                .then("bulk")
                .when("quantity", ">", 1)
                .then("some")
                .else_("one")
                .end()
                .as_("size"),
                eb.cast(eb.ref("unit_price") * 10, "integer").as_("dimes"),
                eb.cast("quantity", "text").as_("qty_text"),
                eb.cast("quantity", "numeric(6,2)").as_("qty_numeric"),
            ],
        )
        .order_by("id")
        .execute()
    )
    assert [r["size"] for r in rows] == ["some", "one", "one", "bulk", "bulk"]
    assert [r["dimes"] for r in rows] == [10, 10, 10, 1, 2]  # 9.9 rounds to 10 on both
    assert rows[0]["qty_text"] == "3"
    assert rows[0]["qty_numeric"] == Decimal("3.00") and type(rows[0]["qty_numeric"]) is Decimal
    lowered = (
        store.select_from("customers")
        .select(lambda eb: eb.fn("lower", "name").as_("low"))
        .where(lambda eb: eb(eb.fn.lower("name"), "=", "ana"))
        .execute()
    )
    assert lowered == [{"low": "ana"}]


def test_hostile_values_stay_data(store: typedb.Database) -> None:
    hostile = "x'); DROP TABLE customers; --"
    q = (
        store.select_from("customers")
        .select(
            "id",
            lambda eb: [
                eb.fn.coalesce("city", eb.val(hostile)).as_("city"),
                eb.case().when("name", "=", hostile).then(eb.val(hostile)).else_(hostile).as_("c"),
            ],
        )
        .where(lambda eb: eb(eb.fn.lower("name"), "!=", hostile))
        .order_by("id")
    )
    compiled = q.compile()
    assert hostile not in compiled.sql
    assert compiled.parameters.count(hostile) == 5  # type: ignore[union-attr]
    rows = q.execute()
    assert rows[2] == {"id": 3, "city": hostile, "c": hostile}
    assert len(store.select_from("customers").execute()) == 3
    with pytest.raises(typedb.CompileError):
        store.select_from("customers").select(lambda eb: eb.fn("lower(name); --", "name").as_("x"))
    # A hostile alias is a quoted name: it comes back as the row's key.
    odd = 'x" --`'
    named = store.select_from("customers").select(lambda eb: eb.fn.upper("name").as_(odd))
    assert named.where("id", "=", 1).execute() == [{odd: "ANA"}]


def test_expression_needs_a_name(store: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match="as_"):
        store.select_from("invoice_lines").select(lambda eb: eb.ref("quantity") * 2)


def test_shape_cache_applies(store: typedb.Database) -> None:
    def query(n: int) -> typedb.query.SelectQuery:
        return (
            store.select_from("invoice_lines")
            .select(lambda eb: (eb.ref("quantity") * n).as_("x"))
            .where(lambda eb: eb(eb.ref("quantity") + n, ">", n))
        )

    query(1).compile()
    before = cache.size()
    assert query(2).compile().parameters == (2, 2, 2)
    assert cache.size() == before


def test_unknown_column_in_expression(store: typedb.Database) -> None:
    with pytest.raises(typedb.UnknownColumnError) as err:
        store.select_from("invoice_lines").select(
            lambda eb: (eb.ref("unit_prize") * 2).as_("x")
        ).execute()
    assert err.value.column == "unit_prize"


def test_async_expressions(db_url: str, store: typedb.Database) -> None:
    async def test(db: typedb.AsyncDatabase) -> None:
        rows = (
            await db.select_from("invoice_lines")
            .select(lambda eb: fn.sum(eb.ref("unit_price") * eb.ref("quantity")).as_("total"))
            .execute()
        )
        assert rows == [{"total": Decimal("6.85")}]

    run_async(db_url, test)
