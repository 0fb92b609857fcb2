"""`/` of the smallest integer (smallint) by -1 overflows as on PostgreSQL, on both.

PostgreSQL divides integer by integer in 32 bits (smallint by smallint in 16) and raises
"integer out of range" ("smallint out of range") for -2147483648 / -1 (-32768 / -1), whose
quotient does not fit. SQLite divided in 64 bits: outside the select list the quotient
2147483648 was compared (`where(n / -1 > 0)` matched the row), where PostgreSQL refuses the
query. Integer division truncates toward zero on both, and a division by zero raises on both
(SQLite's own `/` gives NULL). `%` is no eb operator (PostgreSQL gives 0 for -2147483648 %
-1 anyway). Every test runs on both backends and through PgBouncer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import typedb

pytestmark = pytest.mark.pgbouncer

Build = Callable[[typedb.Database], Any]


@pytest.fixture
def nums(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("nums").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("n", "integer").add_column("s", "smallint").add_column("m", "integer").add_column(
        "t", "smallint"
    ).add_column("b", "bigint").execute()
    db.insert_into("nums").values(
        [{"id": 1, "n": -2147483648, "s": -32768, "m": -1, "t": -1, "b": -2147483648}]
    ).execute()
    return db


_OUT_OF_RANGE: dict[str, tuple[str, Build]] = {
    "int4_where": (
        "integer out of range",
        lambda db: (
            db.select_from("nums")
            .select("id")
            .where(lambda eb: eb(eb.ref("n") / eb.ref("m"), ">", 0))
        ),
    ),
    "int4_where_bound": (
        "integer out of range",
        lambda db: (
            db.select_from("nums").select("id").where(lambda eb: eb(eb.ref("n") / -1, ">", 0))
        ),
    ),
    "int4_order_by": (
        "integer out of range",
        lambda db: (
            db.select_from("nums").select("id").order_by(lambda eb: eb.ref("n") / eb.ref("m"))
        ),
    ),
    "int4_select": (
        "integer out of range",
        lambda db: db.select_from("nums").select(lambda eb: [(eb.ref("n") / eb.ref("m")).as_("q")]),
    ),
    "int4_select_operand": (
        "integer out of range",
        lambda db: db.select_from("nums").select(
            lambda eb: [(eb.ref("n") / eb.ref("m") + eb.ref("b")).as_("q")]
        ),
    ),
    "int2_where": (
        "smallint out of range",
        lambda db: (
            db.select_from("nums")
            .select("id")
            .where(lambda eb: eb(eb.ref("s") / eb.ref("t"), ">", 0))
        ),
    ),
    "int2_select": (
        "smallint out of range",
        lambda db: db.select_from("nums").select(lambda eb: [(eb.ref("s") / eb.ref("t")).as_("q")]),
    ),
}


@pytest.mark.parametrize("case", sorted(_OUT_OF_RANGE))
def test_smallest_divided_by_minus_one_is_out_of_range(nums: typedb.Database, case: str) -> None:
    message, build = _OUT_OF_RANGE[case]
    with pytest.raises(typedb.QueryError, match=message):
        build(nums).execute()


def test_update_where_with_the_overflowing_division_changes_nothing(nums: typedb.Database) -> None:
    update = (
        nums.update_table("nums")
        .set({"m": 5})
        .where(lambda eb: eb(eb.ref("n") / eb.ref("m"), ">", 0))
    )
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        update.execute()
    assert nums.select_from("nums").select("m").execute() == [{"m": -1}]


def test_bigint_operand_divides_in_64_bits(nums: typedb.Database) -> None:
    # integer / bigint is bigint on PostgreSQL: no overflow, on both.
    rows = (
        nums.select_from("nums")
        .select(
            lambda eb: [
                (eb.ref("n") / eb.ref("b")).as_("one"),
                (eb.ref("b") / eb.ref("m")).as_("q"),
            ]
        )
        .where(lambda eb: eb(eb.ref("b") / eb.ref("m"), ">", 0))
        .execute()
    )
    assert rows == [{"one": 1, "q": 2147483648}]


def test_smallint_by_integer_is_integer_division(nums: typedb.Database) -> None:
    # smallint / integer is integer: -32768 / -1 fits, on both.
    rows = (
        nums.select_from("nums")
        .select(lambda eb: [(eb.ref("s") / eb.ref("m")).as_("q")])
        .where(lambda eb: eb(eb.ref("s") / eb.ref("m"), "=", 32768))
        .execute()
    )
    assert rows == [{"q": 32768}]


def test_integer_division_truncates_toward_zero(nums: typedb.Database) -> None:
    nums.update_table("nums").set({"n": -7, "m": 2}).execute()
    query = nums.select_from("nums").select(lambda eb: [(eb.ref("n") / eb.ref("m")).as_("q")])
    assert query.where(lambda eb: eb(eb.ref("n") / eb.ref("m"), "=", -3)).execute() == [{"q": -3}]


@pytest.mark.parametrize("where", [True, False])
def test_division_by_zero_raises(nums: typedb.Database, where: bool) -> None:
    nums.update_table("nums").set({"m": 0, "t": 0}).execute()
    query = nums.select_from("nums")
    if where:
        query = query.select("id").where(lambda eb: eb(eb.ref("n") / eb.ref("m"), ">", 0))
    else:
        query = query.select(lambda eb: [(eb.ref("s") / eb.ref("t")).as_("q")])
    with pytest.raises(typedb.QueryError, match="division by zero"):
        query.execute()
