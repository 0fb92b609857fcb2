"""Review 17 of diverge16 (integer/smallint overflow at 32/16 bits on SQLite, CTE column
typing): cases where SQLite still differed from PostgreSQL. Every test runs on both backends.

- An integer (int4) product inside a bigint expression (`n * 100000 + b`) overflows at 32
  bits on PostgreSQL; SQLite returned the 64-bit sum when the expression was a select-list
  output or a SUM's argument (the narrow product was left to an output check that only
  looked at the bigint total).
- A union's column is typed by all its sides on PostgreSQL (integer union bigint is bigint);
  SQLite checked every row against the first side's integer expression and refused a bigint
  value of another side as "integer out of range".
- The same for a (non-recursive) CTE whose body is a union: its columns were typed by the
  first side alone.
"""

from __future__ import annotations

import pytest

import typedb


@pytest.fixture
def nums(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("nums").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("n", "integer").add_column("b", "bigint").execute()
    db.insert_into("nums").values(
        [{"id": 1, "n": 50000, "b": 5000000000}, {"id": 2, "n": 7, "b": 7}]
    ).execute()
    return db


def test_an_integer_product_inside_a_bigint_output_overflows_at_32_bits(
    nums: typedb.Database,
) -> None:
    query = nums.select_from("nums").select(
        lambda eb: [(eb.ref("n") * 100000 + eb.ref("b")).as_("v")]
    )
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        query.execute()


def test_an_integer_product_inside_a_bigint_sum_argument_overflows_at_32_bits(
    nums: typedb.Database,
) -> None:
    query = nums.select_from("nums").select(
        lambda eb: [eb.fn.sum(eb.ref("n") * 100000 + eb.ref("b")).as_("v")]
    )
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        query.execute()


def test_the_bigint_expression_around_an_integer_one_still_computes(
    nums: typedb.Database,
) -> None:
    rows = (
        nums.select_from("nums")
        .select(lambda eb: [(eb.ref("n") * 40000 + eb.ref("b") * 2).as_("v")])
        .order_by("id")
        .execute()
    )
    assert rows == [{"v": 12000000000}, {"v": 280014}]


def test_a_union_of_an_integer_expression_and_a_bigint_column_is_bigint(
    nums: typedb.Database,
) -> None:
    rows = (
        nums.select_from("nums")
        .select(lambda eb: [(eb.ref("n") + 0).as_("v")])
        .union_all(nums.select_from("nums").select(lambda eb: [eb.ref("b").as_("v")]))
        .execute()
    )
    assert sorted(r["v"] for r in rows) == [7, 7, 50000, 5000000000]


def test_a_union_first_side_still_overflows_at_32_bits(nums: typedb.Database) -> None:
    query = (
        nums.select_from("nums")
        .select(lambda eb: [(eb.ref("n") * eb.ref("n")).as_("v")])
        .union_all(nums.select_from("nums").select(lambda eb: [eb.ref("b").as_("v")]))
    )
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        query.execute()


def test_a_cte_of_a_union_of_integer_and_bigint_is_bigint(nums: typedb.Database) -> None:
    body = (
        nums.select_from("nums")
        .select("n")
        .union_all(nums.select_from("nums").select("b"))
    )
    rows = (
        nums.with_("t", body)
        .select_from("t")
        .select(lambda eb: [(eb.ref("n") * 2).as_("w")])
        .execute()
    )
    assert sorted(r["w"] for r in rows) == [14, 14, 100000, 10000000000]


def test_a_cte_of_a_union_with_a_computed_integer_column_is_bigint(
    nums: typedb.Database,
) -> None:
    body = (
        nums.select_from("nums")
        .select(lambda eb: [(eb.ref("n") + 0).as_("v")])
        .union_all(nums.select_from("nums").select(lambda eb: [eb.ref("b").as_("v")]))
    )
    rows = nums.with_("t", body).select_from("t").select("v").execute()
    assert sorted(r["v"] for r in rows) == [7, 7, 50000, 5000000000]


def test_a_cte_of_a_union_of_integers_still_overflows_at_32_bits(
    nums: typedb.Database,
) -> None:
    body = nums.select_from("nums").select("n").union_all(nums.select_from("nums").select("id"))
    query = (
        nums.with_("t", body)
        .select_from("t")
        .select(lambda eb: [(eb.ref("n") * 100000).as_("w")])
    )
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        query.execute()
