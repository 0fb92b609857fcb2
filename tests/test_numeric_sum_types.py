"""sum() gives what the stubs tell the mypy plugin it gives, on both backends: a Decimal for
a bigint column (PostgreSQL sums bigint as numeric, and typedb's SQLite does the same), an int
for integer, smallint and an `add_id_column()` id (their sum is a bigint).

The stubs name a table's bigint columns in `<Table>NumericSum` (see typedb.stubgen._table);
the plugin types `fn.sum(column)` of those `Decimal | None`. The demo's `counters` table has
one column of each kind; tests/typing/plugin_numeric_sums.py checks the plugin's types.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import typedb
from typedb._config import load
from typedb.contracts import Column, ContractColumn, column_type, load_registry
from typedb.query import fn
from typedb.stubgen import PACKAGE, render

ROOT = Path(__file__).resolve().parents[1]


def _numeric_sums(table: str) -> set[str]:
    """The columns the demo's stubs list in `<Table>NumericSum` (none: no such alias)."""
    text = render(load_registry(load(ROOT)))[f"{PACKAGE}/facades/_db/{table}.pyi"]
    found = re.search(r"^\w+NumericSum = Literal\[(.*)\]$", text, re.M)
    return set(re.findall(r'"(\w+)"', found.group(1))) if found else set()


def _create_counters(db: typedb.Database) -> None:
    """The demo's migration of `counters`, as `typedb migration:latest` runs it."""
    [path] = (ROOT / "migrations").glob("*_create_counters.py")
    spec = importlib.util.spec_from_file_location("create_counters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.up(db)


def _sums(query: Any, columns: list[str]) -> dict[str, Any]:
    return dict(query.select(*(fn.sum(c).as_(c) for c in columns)).execute_take_first_or_throw())


def test_sum_is_a_decimal_exactly_for_the_columns_the_stubs_list(db: typedb.Database) -> None:
    _create_counters(db)
    db.insert_into("counters").values(
        [{"hits": 2**40, "visits": 3, "rank": 1}, {"hits": 5, "visits": 4, "rank": None}]
    ).execute()
    numeric = _numeric_sums("counters")
    assert numeric == {"hits"}
    row = _sums(db.select_from("counters"), ["id", "hits", "visits", "rank"])
    assert row == {"id": 3, "hits": 2**40 + 5, "visits": 7, "rank": 1}
    for column, value in row.items():
        expected = Decimal if column in numeric else int
        assert type(value) is expected, f"sum({column}) is a {type(value).__name__}"
    # Over no rows every sum is None (the `| None` of the plugin's types).
    empty = db.select_from("counters").where("id", "<", 0)
    assert _sums(empty, ["hits", "visits"]) == {"hits": None, "visits": None}


def test_a_bigint_id_sums_to_a_decimal(db: typedb.Database) -> None:
    """SQLite declares an auto-increment key INTEGER (only that is its rowid): typedb writes
    the bigint's type CHECK on it, and reads the bigint back from that."""
    db.schema.create_table("big_ids").add_column(
        "id", "bigint", lambda col: col.primary_key().auto_increment()
    ).add_column("n", "integer").execute()
    db.insert_into("big_ids").values([{"n": 1}, {"n": 2}]).execute()
    row = _sums(db.select_from("big_ids"), ["id", "n"])
    assert (type(row["id"]), row["id"]) == (Decimal, Decimal(3))
    assert (type(row["n"]), row["n"]) == (int, 3)


@pytest.mark.parametrize(
    ("declared", "numeric"),
    [("bigint", True), ("BIGINT", True), ("int8", True), ("bigserial", True),
     ("serial8", True), ("integer", False), ("int4", False), ("smallint", False),
     ("serial", False), ("numeric(20,0)", False), (None, False)],
)  # fmt: skip
def test_the_stubs_list_every_spelling_of_bigint(declared: str | None, numeric: bool) -> None:
    from typedb.stubgen._table import sums_to_numeric

    meta = Column(type=declared) if declared is not None else None
    column = ContractColumn("n", column_type(int), True, meta)
    assert sums_to_numeric(column) is numeric


# An expression's sum or average, with the class the mypy plugin types it by PostgreSQL's rules
# (tests/typing/plugin_numeric_sums.py): a bigint (a column, arithmetic with one, a bound int
# wider than 32 bits) sums to numeric, a smaller integer to a bigint; avg of integers is numeric.
EXPRESSIONS: dict[str, tuple[Callable[[Any], Any], type]] = {
    "sum bigint": (lambda eb: fn.sum(eb.ref("hits")), Decimal),
    "sum bigint * 2": (lambda eb: fn.sum(eb.ref("hits") * 2), Decimal),
    "sum int4 * val(2**40)": (lambda eb: fn.sum(eb.ref("visits") * eb.val(2**40)), Decimal),
    "sum int4 * 3e9": (lambda eb: fn.sum(eb.ref("visits") * 3_000_000_000), Decimal),
    "sum int4 + bigint": (lambda eb: fn.sum(eb.ref("visits") + eb.ref("hits")), Decimal),
    "sum coalesce(int4, bigint)": (lambda eb: fn.sum(eb.fn.coalesce("rank", "hits")), Decimal),
    "sum int4": (lambda eb: fn.sum(eb.ref("visits")), int),
    "sum int4 * int4": (lambda eb: fn.sum(eb.ref("visits") * eb.ref("visits")), int),
    "sum 3 * int4": (lambda eb: fn.sum(3 * eb.ref("visits")), int),
    "sum int4 * val(1000)": (lambda eb: fn.sum(eb.ref("visits") * eb.val(1000)), int),
    "avg int4": (lambda eb: fn.avg(eb.ref("visits")), Decimal),
    "avg bigint * 2": (lambda eb: fn.avg(eb.ref("hits") * 2), Decimal),
    "avg float * int4": (lambda eb: fn.avg(eb.val(0.5) * eb.ref("visits")), float),
    "avg int4 * 1.5": (lambda eb: fn.avg(eb.ref("visits") * 1.5), float),
    "sum(bigint) * 2": (lambda eb: fn.sum(eb.ref("hits")) * 2, Decimal),
}


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_an_expression_sums_to_the_class_the_plugin_says(db: typedb.Database, name: str) -> None:
    """`fn.sum(eb.ref("hits"))`: PostgreSQL's numeric; the plugin types it `Decimal | None`
    (README, "The mypy plugin"), where the stubs alone say `Expr[int]`."""
    make, expected = EXPRESSIONS[name]
    _create_counters(db)
    db.insert_into("counters").values(
        [{"hits": 1, "visits": 2}, {"hits": 3, "visits": 4, "rank": 5}]
    ).execute()
    row = (
        db.select_from("counters")
        .select(lambda eb: make(eb).as_("x"))
        .execute_take_first_or_throw()
    )
    assert type(row["x"]) is expected, f"{name}: {row['x']!r}"
    # Over no rows, None (the `| None` of the plugin's types).
    empty = db.select_from("counters").where("id", "<", 0)
    assert empty.select(lambda eb: make(eb).as_("x")).execute_take_first_or_throw() == {"x": None}


def test_a_cte_column_of_a_bigint_sums_to_a_decimal(db: typedb.Database) -> None:
    """A CTE selecting a bigint by name keeps it a bigint: the plugin types its sum Decimal."""
    _create_counters(db)
    db.insert_into("counters").values([{"hits": 1, "visits": 2}]).execute()
    top = db.select_from("counters").select("hits", "visits")
    row = dict(
        db.with_("c(h, w)", top)
        .select_from("c")
        .select(fn.sum("h").as_("h"), fn.sum("w").as_("w"))
        .execute_take_first_or_throw()
    )
    assert row == {"h": Decimal(1), "w": 2}
    assert (type(row["h"]), type(row["w"])) == (Decimal, int)


@pytest.mark.parametrize("form", ["select_all", "max"])
def test_a_cte_of_every_column_or_a_max_keeps_the_bigint(db: typedb.Database, form: str) -> None:
    _create_counters(db)
    db.insert_into("counters").values([{"hits": 1, "visits": 2}]).execute()
    inner = db.select_from("counters")
    inner = inner.select_all() if form == "select_all" else inner.select(fn.max("hits").as_("hits"))
    row = db.with_("c", inner).select_from("c").select(fn.sum("hits")).execute_take_first_or_throw()
    assert (type(row["sum"]), row["sum"]) == (Decimal, Decimal(1))


def test_a_cte_sum_of_a_bigint_is_a_decimal(db: typedb.Database) -> None:
    """A CTE body summing a bigint (eb or fn): its column is PostgreSQL's numeric. SQLite
    gave the eb form's as an int, and refused the fn form ("cannot come back from SQLite")."""
    _create_counters(db)
    db.insert_into("counters").values(
        [{"hits": 1, "visits": 2}, {"hits": 2**40, "visits": 3}]
    ).execute()
    bodies = [
        db.select_from("counters").select(lambda eb: [fn.sum(eb.ref("hits")).as_("h")]),
        db.select_from("counters").select(fn.sum("hits").as_("h")),
    ]
    for body in bodies:
        row = dict(db.with_("c", body).select_from("c").select("h").execute_take_first_or_throw())
        assert (type(row["h"]), row["h"]) == (Decimal, Decimal(2**40 + 1))
        again = db.with_("c", body).select_from("c").select(fn.sum("h").as_("s"))
        row = dict(again.execute_take_first_or_throw())
        assert (type(row["s"]), row["s"]) == (Decimal, Decimal(2**40 + 1))


def test_a_sum_of_a_bigint_expression_past_64_bits_is_refused(db: typedb.Database) -> None:
    _create_counters(db)
    db.insert_into("counters").values([{"hits": 2**62, "visits": 1}]).execute()
    query = db.select_from("counters").select(lambda eb: [fn.sum(eb.ref("hits") * 4).as_("h")])
    with pytest.raises(typedb.QueryError, match="bigint out of range"):
        query.execute()
    total = db.select_from("counters").select(
        lambda eb: [(fn.sum(eb.ref("hits")) + eb.ref("visits")).as_("h")]
    )
    row = total.group_by("visits").execute_take_first_or_throw()
    assert (type(row["h"]), row["h"]) == (Decimal, Decimal(2**62 + 1))


def test_a_union_of_an_aggregate_and_a_numeric_column_is_numeric(db: typedb.Database) -> None:
    """PostgreSQL types the union's column by both sides (integer and numeric: numeric);
    SQLite left an aggregate's side out and gave an int and a float."""
    db.schema.create_table("prices").add_column("n", "integer").add_column(
        "p", "numeric(10,2)"
    ).execute()
    db.insert_into("prices").values([{"n": 3, "p": Decimal("1.25")}]).execute()
    rows = (
        db.select_from("prices")
        .select(fn.max("n").as_("v"))
        .union_all(db.select_from("prices").select("p"))
        .execute()
    )
    assert sorted(r["v"] for r in rows) == [Decimal("1.25"), Decimal(3)]
    assert {type(r["v"]) for r in rows} == {Decimal}


def _cte_inner(db: typedb.Database, form: str) -> Any:
    """A CTE of aggregates by visits, spelled as columns or as expressions."""
    counters = db.select_from("counters")
    if form == "columns":
        return counters.select(
            "visits", fn.count().as_("c"), fn.sum("visits").as_("s"), fn.max("visits").as_("m")
        ).group_by("visits")
    return (
        counters.select("visits")
        .select(
            lambda eb: [
                fn.count(eb.ref("visits")).as_("c"),
                fn.sum(eb.ref("visits")).as_("s"),
                fn.max(eb.ref("visits")).as_("m"),
                (eb.ref("visits") * 2).as_("d"),
                (fn.max(eb.ref("hits")) + 1).as_("b"),
            ]
        )
        .group_by("visits")
    )


@pytest.mark.parametrize("outer", ["name", "ref"])
@pytest.mark.parametrize("inner", ["columns", "expressions"])
def test_a_cte_of_aggregates_sums_as_the_plugin_says(
    db: typedb.Database, inner: str, outer: str
) -> None:
    """count() and the sum of integers are bigints, and so is arithmetic with one: the sum
    of such a CTE column is numeric (tests/typing/plugin_numeric_sums.py types it so)."""
    _create_counters(db)
    db.insert_into("counters").values(
        [{"hits": 1, "visits": 2}, {"hits": 3, "visits": 4}]
    ).execute()
    expected = {"c": Decimal, "s": Decimal, "m": int}
    if inner == "expressions":
        expected |= {"d": int, "b": Decimal}
    query = db.with_("x", _cte_inner(db, inner)).select_from("x")
    if outer == "name":
        query = query.select(*(fn.sum(c).as_(c) for c in expected))
    else:
        query = query.select(lambda eb: [fn.sum(eb.ref(c)).as_(c) for c in expected])
    row = query.execute_take_first_or_throw()
    assert {k: type(v) for k, v in row.items()} == expected
