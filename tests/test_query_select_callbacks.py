"""select() callbacks that read only `eb` are run once per code object and their items kept
(typedb.query._select_parts.reads_only_eb); every other callback runs for every query, so a
callback that reads a closure, a global or a default still gives the values of this call."""

from __future__ import annotations

from decimal import Decimal

import pytest

import typedb
from typedb.query._select_parts import reads_only_eb

FACTOR = 2


def test_a_callback_over_a_closure_binds_this_calls_value(store: typedb.Database) -> None:
    def doubled(n: int) -> list[dict[str, object]]:
        return (
            store.select_from("invoice_lines")
            .select("id", lambda eb: (eb.ref("quantity") * n).as_("x"))
            .order_by("id")
            .limit(2)
            .execute()
        )

    first, second = doubled(2), doubled(10)
    assert [r["x"] for r in second] == [r["x"] * 5 for r in first]  # type: ignore[operator]


def test_a_callback_reading_a_global_sees_it_change(store: typedb.Database) -> None:
    global FACTOR

    def query() -> typedb.query.SelectQuery:
        return store.select_from("invoice_lines").select(
            lambda eb: (eb.ref("quantity") * FACTOR).as_("x")
        )

    assert query().compile().parameters == (2,)
    FACTOR = 7
    try:
        assert query().compile().parameters == (7,)
    finally:
        FACTOR = 2


def test_a_callback_reading_only_eb_gives_the_same_query_each_time(
    store: typedb.Database,
) -> None:
    calls = 0

    def query() -> typedb.query.SelectQuery:
        nonlocal calls
        calls += 1
        return (
            store.select_from("invoice_lines")
            .select(
                "id",
                lambda eb: (eb.ref("unit_price") * 3).as_("x"),
                lambda eb: [eb.ref("quantity"), eb.fn.coalesce("quantity", 0).as_("q")],
            )
            .where("id", "<", 3)
            .order_by("id")
        )

    first = query()
    again = query()
    assert first.compile() == again.compile()
    assert again.compile().parameters == (3, 0, 3)
    rows = again.execute()
    assert rows == first.execute()
    assert [type(r["x"]) for r in rows] == [Decimal, Decimal]
    assert list(rows[0]) == ["id", "x", "quantity", "q"]


def test_a_pure_callback_that_fails_fails_every_time(store: typedb.Database) -> None:
    for _ in range(3):
        with pytest.raises(typedb.CompileError, match="needs a name"):
            store.select_from("invoice_lines").select(lambda eb: eb.ref("quantity") * 2)


def test_a_pure_callback_is_kept_per_dialect(db_url: str) -> None:
    """The same code on SQLite and PostgreSQL: each dialect gets its own items."""
    with typedb.connect(db_url) as db, typedb.connect("sqlite://") as lite:
        for _ in range(2):
            for each in (db, lite):
                q = each.select_from("t").select(lambda eb: eb.fn.lower("name").as_("n"))
                want = "typedb_lower" if each.dialect.name == "sqlite" else "lower("
                assert want in q.compile().sql


def _default_reader(eb: typedb.query.ExpressionBuilder, n: int = 4) -> object:
    return (eb.ref("quantity") * n).as_("x")


@pytest.mark.parametrize(
    ("callback", "kept"),
    [
        (lambda eb: (eb.ref("price") * 2).as_("doubled"), True),
        (lambda eb: [eb.ref("a"), eb.fn.coalesce("b", 0).as_("b")], True),
        (lambda eb: eb.case().when("n", ">", 1).then("many").else_("one").end().as_("c"), True),
        (lambda eb: (eb.ref("price") * FACTOR).as_("doubled"), False),  # a global
        (lambda eb: eb.ref(str(1)).as_("x"), False),  # a builtin is a global too
        (lambda eb: eb.ref.__globals__["FACTOR"], False),  # reaches globals through attributes
        (lambda eb: [eb.ref(c) for c in "ab"], False),  # a nested function
        (lambda eb, *more: eb.ref("a"), False),
        (_default_reader, False),
    ],
)
def test_which_callbacks_are_kept(callback: object, kept: bool) -> None:
    assert reads_only_eb(callback.__code__) is kept  # type: ignore[attr-defined]


def test_a_closure_is_never_kept() -> None:
    n = 3
    assert reads_only_eb((lambda eb: (eb.ref("a") * n).as_("x")).__code__) is False
