"""concat_ws() and format() as PostgreSQL's on both backends. SQLite 3.40 had no
concat_ws ("no such function"), and its format() is printf (`%d`, `%.2f`; `%s` of a number
written its own way), where PostgreSQL's takes `%s`, `%I`, `%L` and positions."""

from __future__ import annotations

import pytest

import typedb


def _labels(store: typedb.Database, function: str, *args: object) -> list[object]:
    rows = (
        store.select_from("customers")
        .select(lambda eb: [eb.fn(function, *args).as_("x")])
        .order_by("id")
        .execute()
    )
    return [r["x"] for r in rows]


def test_concat_ws_skips_nulls(store: typedb.Database) -> None:
    from typedb.query import ExpressionBuilder

    eb = ExpressionBuilder(store.dialect.name)
    assert _labels(store, "concat_ws", eb.val(", "), "name", "city") == [
        "Ana, Lisbon",
        "Bo, Oslo",
        "Cy",
    ]


def test_format_as_postgresql(store: typedb.Database) -> None:
    from typedb.query import ExpressionBuilder

    eb = ExpressionBuilder(store.dialect.name)
    assert _labels(store, "format", eb.val("%s lives in %L (100%%)"), "name", "city") == [
        "Ana lives in 'Lisbon' (100%)",
        "Bo lives in 'Oslo' (100%)",
        "Cy lives in NULL (100%)",
    ]
    assert _labels(store, "format", eb.val("[%2$s|%1$-4s|%1$3s]"), "name", eb.val("it's")) == [
        "[it's|Ana |Ana]",
        "[it's|Bo  | Bo]",
        "[it's|Cy  | Cy]",
    ]
    # An unnumbered specifier takes the argument after the last one taken, on both.
    with pytest.raises(typedb.QueryError, match="too few arguments for format"):
        _labels(store, "format", eb.val("%2$s %s"), "name", "city")
    quoted = _labels(store, "format", eb.val("%L"), eb.val("a'b\\c"))
    assert quoted == ["E'a''b\\\\c'"] * 3


def test_format_of_a_number_or_an_identifier(backend: str, store: typedb.Database) -> None:
    """A number's text depends on its type (SQLite does not keep it) and %I quotes by
    PostgreSQL's keyword list: SQLite refuses both with a clear error; cast to text first."""
    from typedb.query import ExpressionBuilder

    eb = ExpressionBuilder(store.dialect.name)
    if backend == "sqlite":
        with pytest.raises(typedb.QueryError, match="cast numbers and booleans to text"):
            _labels(store, "format", eb.val("#%s"), "id")
        with pytest.raises(typedb.QueryError, match="%I"):
            _labels(store, "format", eb.val("%I"), "name")
    else:
        assert _labels(store, "format", eb.val("#%s"), "id") == ["#1", "#2", "#3"]
    as_text = _labels(store, "format", eb.val("#%s"), eb.cast(eb.ref("id"), "text"))
    assert as_text == ["#1", "#2", "#3"]
