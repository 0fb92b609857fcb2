"""Aggregates give the same Python types and the same answers on SQLite as on PostgreSQL.

SQLite gives an aggregate no declared type and sums decimals as floats; PostgreSQL types
MIN/MAX as the column and SUM/AVG of numeric as exact numerics (issue 8, defect 6).
"""

from __future__ import annotations

import doctest
import re
import textwrap
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import typedb
from typedb.query import fn


@pytest.fixture
def orders(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("orders").add_id_column().add_column("customer", "text").add_column(
        "total", "numeric(10,2)"
    ).add_column("qty", "integer").add_column("big", "bigint").add_column(
        "weight", "double precision"
    ).add_column("day", "date").add_column("at", "timestamptz").execute()
    db.insert_into("orders").values(
        [
            {
                "customer": "a",
                "total": Decimal("0.10"),
                "qty": 1,
                "big": 1,
                "weight": 0.5,
                "day": date(2024, 1, 1),
                "at": datetime(2024, 1, 1, 12, tzinfo=UTC),
            },
            {
                "customer": "a",
                "total": Decimal("0.20"),
                "qty": 2,
                "big": 2,
                "weight": 1.5,
                "day": date(2024, 3, 1),
                "at": datetime(2024, 3, 1, 12, tzinfo=UTC),
            },
            {
                "customer": "b",
                "total": Decimal("12.5"),
                "qty": 2,
                "big": 3,
                "weight": 2.0,
                "day": date(2024, 2, 1),
                "at": datetime(2024, 2, 1, 12, tzinfo=UTC),
            },
        ]
    ).execute()
    return db


def _exactly(value: Any, expected: Decimal) -> None:
    """A Decimal with PostgreSQL's very digits, not only an equal value."""
    assert type(value) is Decimal, f"{value!r} is a {type(value).__name__}, not a Decimal"
    assert str(value) == str(expected)


def test_aggregates_of_money_are_exact_decimals(orders: typedb.Database) -> None:
    row = (
        orders.select_from("orders")
        .select(fn.sum("total"), fn.max("total"), fn.min("total"), fn.avg("total"))
        .execute_take_first_or_throw()
    )
    _exactly(row["sum"], Decimal("12.80"))
    _exactly(row["max"], Decimal("12.50"))
    _exactly(row["min"], Decimal("0.10"))
    _exactly(row["avg"], Decimal("4.2666666666666667"))  # PostgreSQL's division digits


def test_group_by_having_and_aliases(orders: typedb.Database) -> None:
    # 0.10 + 0.20 in floating point is 0.30000000000000004: not equal to 0.3.
    rows = (
        orders.select_from("orders")
        .select("customer", fn.sum("total").as_("spent"), fn.avg("total").as_("mean"))
        .group_by("customer")
        .having(fn.sum("total"), "=", Decimal("0.3"))
        .execute()
    )
    assert len(rows) == 1
    assert rows[0]["customer"] == "a"
    _exactly(rows[0]["spent"], Decimal("0.30"))
    _exactly(rows[0]["mean"], Decimal("0.15000000000000000000"))
    ordered = (
        orders.select_from("orders")
        .select("customer", fn.max("total").as_("top"))
        .group_by("customer")
        .having(fn.max("total"), ">=", Decimal("0.2"))
        .order_by(fn.sum("total"), "desc")
        .execute()
    )
    assert [r["customer"] for r in ordered] == ["b", "a"]
    _exactly(ordered[0]["top"], Decimal("12.50"))


def test_a_long_sum_of_cents_is_exact(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("k", "integer").add_column(
        "n", "numeric(10,2)"
    ).execute()
    db.insert_into("t").values([{"k": i % 2, "n": Decimal("0.10")} for i in range(1000)]).execute()
    row = db.select_from("t").select(fn.sum("n"), fn.avg("n")).execute_take_first_or_throw()
    _exactly(row["sum"], Decimal("100.00"))  # floats give 99.9999999999986
    _exactly(row["avg"], Decimal("0.10000000000000000000"))
    halves = (
        db.select_from("t")
        .select("k", fn.sum("n", distinct=True).as_("d"))
        .group_by("k")
        .having(fn.sum("n"), "=", Decimal("50"))
        .order_by("k")
        .execute()
    )
    assert [r["k"] for r in halves] == [0, 1]
    _exactly(halves[0]["d"], Decimal("0.10"))


def test_integer_and_float_aggregates_match(orders: typedb.Database) -> None:
    row = (
        orders.select_from("orders")
        .select(
            fn.count("id"),
            fn.sum("qty").as_("sum_qty"),
            fn.avg("qty").as_("avg_qty"),
            fn.max("qty").as_("max_qty"),
            fn.sum("big").as_("sum_big"),
            fn.sum("weight").as_("sum_weight"),
            fn.avg("weight").as_("avg_weight"),
        )
        .execute_take_first_or_throw()
    )
    assert row["count"] == 3 and type(row["count"]) is int
    assert row["sum_qty"] == 5 and type(row["sum_qty"]) is int  # sum(integer) is bigint
    _exactly(row["avg_qty"], Decimal("1.6666666666666667"))  # avg(integer) is numeric
    assert row["max_qty"] == 2 and type(row["max_qty"]) is int
    _exactly(row["sum_big"], Decimal("6"))  # sum(bigint) is numeric
    assert row["sum_weight"] == 4.0 and type(row["sum_weight"]) is float
    assert type(row["avg_weight"]) is float


def test_min_and_max_keep_the_column_type(orders: typedb.Database) -> None:
    row = (
        orders.select_from("orders")
        .select(fn.max("day"), fn.min("at").as_("first"), fn.max("customer").as_("last"))
        .execute_take_first_or_throw()
    )
    assert row == {
        "max": date(2024, 3, 1),
        "first": datetime(2024, 1, 1, 12, tzinfo=UTC),
        "last": "b",
    }


def test_qualified_joined_and_mixed_selects(orders: typedb.Database) -> None:
    orders.schema.create_table("customers").add_column("name", "text").add_column(
        "credit", "numeric(8,3)"
    ).execute()
    orders.insert_into("customers").values(
        [{"name": "a", "credit": Decimal("1.5")}, {"name": "b", "credit": Decimal("0.25")}]
    ).execute()
    rows = (
        orders.select_from("orders as o")
        .inner_join("customers as c", "c.name", "o.customer")
        .select(typedb.sql("1 AS one"), "o.customer", fn.max("c.credit"), fn.sum("o.total"))
        .group_by("o.customer")
        .order_by("o.customer")
        .execute()
    )
    assert rows == [
        {"one": 1, "customer": "a", "max": Decimal("1.5"), "sum": Decimal("0.3")},
        {"one": 1, "customer": "b", "max": Decimal("0.25"), "sum": Decimal("12.5")},
    ]
    _exactly(rows[0]["max"], Decimal("1.500"))
    _exactly(rows[0]["sum"], Decimal("0.30"))


def test_no_rows_give_none(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("n", "numeric(10,2)").execute()
    row = (
        db.select_from("t")
        .select(fn.sum("n"), fn.avg("n"), fn.max("n"), fn.count("n"))
        .execute_take_first()
    )
    assert row == {"sum": None, "avg": None, "max": None, "count": 0}


def test_a_migration_that_changes_the_type_is_seen(db_url: str) -> None:
    with typedb.connect(db_url) as db, typedb.connect(db_url) as other:
        db.schema.create_table("t").add_column("n", "integer").execute()
        db.insert_into("t").values([{"n": 1}, {"n": 2}]).execute()
        query = db.select_from("t").select(fn.sum("n"), fn.max("n"))
        assert query.execute() == [{"sum": 3, "max": 2}]
        # Another connection (a migration in another process, say) changes the type.
        other.schema.alter_table("t").alter_column(
            "n", lambda c: c.set_data_type("numeric(10,2)")
        ).execute()
        row = query.execute()[0]
        _exactly(row["sum"], Decimal("3.00"))
        _exactly(row["max"], Decimal("2.00"))
        other.schema.alter_table("t").alter_column(
            "n", lambda c: c.set_data_type("double precision")
        ).execute()
        row = query.execute()[0]
        assert row == {"sum": 3.0, "max": 2.0}
        assert type(row["sum"]) is float and type(row["max"]) is float


def test_a_sum_beyond_64_bits_is_exact_or_refused(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("n", "bigint").execute()
    db.insert_into("t").values([{"n": 2**62}, {"n": 2**62}, {"n": 2**62}]).execute()
    query = db.select_from("t").select(fn.sum("n"))
    if db.dialect.name == "postgresql":
        _exactly(query.execute()[0]["sum"], Decimal(3 * 2**62))
    else:
        with pytest.raises(typedb.QueryError, match="integer overflow"):
            query.execute()


def test_compile_shows_the_portable_sql(db: typedb.Database) -> None:
    # What SQLite runs for a decimal SUM depends on the live column type, so compile(),
    # which never touches the database, shows the portable form.
    q = db.select_from("orders").select(fn.sum("total").as_("s"))
    assert q.compile().sql.replace('"', "`") == "SELECT SUM(`total`) AS `s` FROM `orders`"


def test_readme_aggregates_example_runs() -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if "fn.avg" in b and "0.15000000000000000000" in b)
    test = doctest.DocTestParser().get_doctest(
        textwrap.dedent(block), {}, "README aggregates", str(readme), 0
    )
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert len(test.examples) == 7
