"""A CTE's computed columns have PostgreSQL's types on SQLite too.

PostgreSQL types a CTE's columns by its body's select list: `price * 2` of a numeric(10,2)
is a numeric, `eb.val(1)` an integer (int4). SQLite gives a computed CTE column no type, so
typedb refused a decimal one ("cannot come back from SQLite as PostgreSQL gives it") and
checked integer arithmetic on it for 64 bits only: a recursive CTE doubling from 1 went on
past 2^31 where PostgreSQL raises "integer out of range". Now the SQLite driver types the
columns off the body (typedb.connection._sqlite_ctes). Every test runs on both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest

import typedb
from typedb.query import QueryCreator, SelectQuery, fn


@pytest.fixture
def items(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("items").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("price", "numeric(10,2)").execute()
    db.insert_into("items").values(
        [
            {"id": 1, "price": Decimal("1.25")},
            {"id": 2, "price": Decimal("2.50")},
            {"id": 3, "price": Decimal("0.10")},
        ]
    ).execute()
    return db


def _doubled(db: typedb.Database) -> QueryCreator:
    return db.with_("t", db.select_from("items").select(lambda eb: (eb.ref("price") * 2).as_("p")))


def test_a_numeric_cte_column_comes_back_as_decimals(items: typedb.Database) -> None:
    rows = _doubled(items).select_from("t").select("p").order_by("p").execute()
    assert rows == [{"p": Decimal("0.20")}, {"p": Decimal("2.50")}, {"p": Decimal("5.00")}]
    assert all(type(r["p"]) is Decimal for r in rows)
    star = _doubled(items).select_from("t").order_by("p", "desc").limit(1).execute()
    assert star == [{"p": Decimal("5.00")}]
    renamed = _doubled(items).select_from("t as x").select("x.p as q").order_by("q").execute()
    assert [str(r["q"]) for r in renamed] == ["0.20", "2.50", "5.00"]


def test_a_numeric_cte_column_compares_sums_and_computes_exactly(items: typedb.Database) -> None:
    over = _doubled(items).select_from("t").select("p").where("p", ">", Decimal("2.5"))
    assert over.execute() == [{"p": Decimal("5.00")}]
    total = _doubled(items).select_from("t").select(fn.sum("p")).execute()
    assert total == [{"sum": Decimal("7.70")}]
    tripled = (
        _doubled(items)
        .select_from("t")
        .select(lambda eb: [(eb.ref("p") * 3).as_("v")])
        .where(lambda eb: eb(eb.ref("p") * 3, "=", Decimal("0.60")))
        .execute()
    )
    assert tripled == [{"v": Decimal("0.60")}]


def test_a_recursive_cte_adds_decimals_exactly(items: typedb.Database) -> None:
    base = (
        items.select_from("items")
        .select(lambda eb: [eb.val(1).as_("k"), (eb.ref("price") * 1).as_("p")])
        .where("id", "=", 3)
    )
    step = (
        items.select_from("s")
        .select(lambda eb: [(eb.ref("k") + 1).as_("k"), (eb.ref("p") + Decimal("0.10")).as_("p")])
        .where("k", "<", 3)
    )
    rows = (
        items.with_recursive("s(k, p)", base.union_all(step))
        .select_from("s")
        .select("k", "p")
        .order_by("k")
        .execute()
    )
    assert rows == [
        {"k": 1, "p": Decimal("0.10")},
        {"k": 2, "p": Decimal("0.20")},
        {"k": 3, "p": Decimal("0.30")},
    ]


def _doubling(db: typedb.Database, below: int) -> SelectQuery:
    base = db.select_from("items").select(lambda eb: [eb.val(1).as_("n")]).where("id", "=", 1)
    step = (
        db.select_from("r").select(lambda eb: [(eb.ref("n") * 2).as_("n")]).where("n", "<", below)
    )
    return db.with_recursive("r(n)", base.union_all(step)).select_from("r").select(fn.max("n"))


def test_a_recursive_cte_of_a_bound_int_overflows_at_32_bits(items: typedb.Database) -> None:
    assert _doubling(items, 2**30).execute() == [{"max": 2**30}]
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        _doubling(items, 2**40).execute()


def test_more_digits_than_sqlite_keeps_are_refused_there(
    items: typedb.Database, backend: str
) -> None:
    """12345678.91 squared has 19 significant digits: PostgreSQL keeps them; SQLite keeps
    15, so it refuses the value, naming the CTE column, rather than round it."""
    items.insert_into("items").values({"id": 4, "price": Decimal("12345678.91")}).execute()
    query = (
        items.with_(
            "t",
            items.select_from("items")
            .select(lambda eb: (eb.ref("price") * eb.ref("price")).as_("sq"))
            .where("id", "=", 4),
        )
        .select_from("t")
        .select("sq")
    )
    if backend == "sqlite":
        with pytest.raises(typedb.QueryError, match=r"'sq'.*15"):
            query.execute()
    else:
        assert query.execute() == [{"sq": Decimal("152415787748818.7881")}]
