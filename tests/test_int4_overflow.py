"""integer (32-bit) and smallint (16-bit) arithmetic overflows as on PostgreSQL, on both.

PostgreSQL computes integer op integer (and smallint) in 32 bits and raises "integer out of
range"; smallint op smallint in 16 ("smallint out of range"). SQLite computed them in 64
bits: `where(n * n > 0)` matched rows PostgreSQL refuses to look at, `select(n * n)` gave
2500000000. A bound int is PostgreSQL's integer when it fits 32 bits (typedb binds it as
int4, see tests/test_bound_int_types.py), bigint beyond. Every test runs on both backends;
the overflow cases failed on SQLite before typedb checked these widths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import typedb
from typedb.query import fn

Build = Callable[[typedb.Database], Any]


@pytest.fixture
def nums(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("nums").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("n", "integer").add_column("s", "smallint").add_column("b", "bigint").add_column(
        "name", "text"
    ).execute()
    db.insert_into("nums").values(
        [
            {"id": 1, "n": 50000, "s": 300, "b": 50000, "name": "a"},
            {"id": 2, "n": 7, "s": 2, "b": 7, "name": "b"},
        ]
    ).execute()
    return db


_INTEGER: dict[str, Build] = {
    "where": lambda db: (
        db.select_from("nums").select("id").where(lambda eb: eb(eb.ref("n") * eb.ref("n"), ">", 0))
    ),
    "where_bound": lambda db: (
        db.select_from("nums").select("id").where(lambda eb: eb(eb.ref("n") * 100000, ">", 0))
    ),
    "select": lambda db: db.select_from("nums").select(
        lambda eb: [(eb.ref("n") * eb.ref("n")).as_("v")]
    ),
    "select_back_in_range": lambda db: db.select_from("nums").select(
        lambda eb: [(eb.ref("n") * eb.ref("n") - eb.ref("n") * eb.ref("n")).as_("v")]
    ),
    "select_bound_values": lambda db: db.select_from("nums").select(
        lambda eb: [(eb.val(2**30) * 4).as_("v")]
    ),
    "order_by": lambda db: (
        db.select_from("nums").select("id").order_by(lambda eb: eb.ref("n") * 100000)
    ),
    "group_by": lambda db: (
        db.select_from("nums").select(fn.count("id")).group_by(lambda eb: eb.ref("n") * eb.ref("n"))
    ),
    "sum_argument": lambda db: db.select_from("nums").select(
        lambda eb: [eb.fn.sum(eb.ref("n") * eb.ref("n")).as_("v")]
    ),
    "case_condition": lambda db: db.select_from("nums").select(
        lambda eb: [
            eb.case().when(eb(eb.ref("n") * eb.ref("n"), ">", 0)).then(1).else_(0).end().as_("v")
        ]
    ),
    "with_smallint": lambda db: db.select_from("nums").select(
        lambda eb: [(eb.ref("s") * eb.ref("n") * eb.ref("n")).as_("v")]
    ),
    "in_subquery": lambda db: (
        db.select_from("nums")
        .select("id")
        .where(
            "id",
            "in",
            db.select_from("nums")
            .select("id")
            .where(lambda eb: eb(eb.ref("n") * eb.ref("n"), ">", 0)),
        )
    ),
    "update_where": lambda db: (
        db.update_table("nums")
        .set({"name": "x"})
        .where(lambda eb: eb(eb.ref("n") * 100000, ">", 0))
    ),
    "delete_where": lambda db: db.delete_from("nums").where(
        lambda eb: eb(eb.ref("n") * 100000, ">", 0)
    ),
}


@pytest.mark.parametrize("case", list(_INTEGER))
def test_integer_arithmetic_past_32_bits_is_an_error(nums: typedb.Database, case: str) -> None:
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        _INTEGER[case](nums).execute()
    rows = nums.select_from("nums").select("id", "name").order_by("id").execute()
    assert rows == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


_SMALLINT: dict[str, Build] = {
    "select": lambda db: db.select_from("nums").select(
        lambda eb: [(eb.ref("s") * eb.ref("s")).as_("v")]
    ),
    "where": lambda db: (
        db.select_from("nums")
        .select("id")
        .where(lambda eb: eb(eb.ref("s") * eb.ref("s") + eb.ref("s"), ">", 0))
    ),
}


@pytest.mark.parametrize("case", list(_SMALLINT))
def test_smallint_arithmetic_past_16_bits_is_an_error(nums: typedb.Database, case: str) -> None:
    with pytest.raises(typedb.QueryError, match="smallint out of range"):
        _SMALLINT[case](nums).execute()


def test_wider_arithmetic_goes_on_as_on_postgresql(nums: typedb.Database) -> None:
    """A bigint on either side, a bound int beyond 32 bits, or a smallint with an integer
    (an integer result) computes as before."""
    rows = (
        nums.select_from("nums")
        .select(
            lambda eb: [
                (eb.ref("b") * eb.ref("n")).as_("bn"),
                (eb.ref("n") * 3000000000).as_("big"),
                (eb.ref("s") * 100000).as_("s4"),
                (eb.ref("n") + eb.ref("s")).as_("ns"),
                eb.fn.sum(eb.ref("n")).as_("total"),
            ]
        )
        .where(lambda eb: eb(eb.ref("b") * 100000, ">", 0))
        .group_by("id", "b", "n", "s")
        .order_by("id")
        .execute()
    )
    assert rows == [
        {"bn": 2500000000, "big": 150000000000000, "s4": 30000000, "ns": 50300, "total": 50000},
        {"bn": 49, "big": 21000000000, "s4": 200000, "ns": 9, "total": 7},
    ]
    edge = (
        nums.select_from("nums")
        .select(
            lambda eb: [
                (eb.val(2**31 - 2) + 1).as_("top"),
                (eb.val(-(2**31) + 1) - 1).as_("bottom"),
            ]
        )
        .where("id", "=", 1)
        .execute()
    )
    assert edge == [{"top": 2**31 - 1, "bottom": -(2**31)}]
    total = nums.select_from("nums").select(fn.sum("n")).execute()
    assert total == [{"sum": 50007}]


def test_storing_past_32_bits_through_update_sql_is_refused(nums: typedb.Database) -> None:
    """UPDATE ... SET n = n * 100000 (typedb.sql): PostgreSQL computes int4 and raises;
    SQLite computes 64 bits and its integer column's CHECK refuses the value, naming it.
    Neither changes a row. (An eb expression in set() is a CompileError on both.)"""
    with pytest.raises(typedb.QueryError, match=r"integer|nums\.n"):
        nums.update_table("nums").set({"n": typedb.sql("n * 100000")}).execute()
    with pytest.raises(typedb.QueryError, match=r"smallint|nums\.s"):
        nums.update_table("nums").set({"s": typedb.sql("s * 300")}).execute()
    rows = nums.select_from("nums").select("n", "s").order_by("id").execute()
    assert rows == [{"n": 50000, "s": 300}, {"n": 7, "s": 2}]
