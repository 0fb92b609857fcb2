"""Hostile review of the query builder v2 (issue 11): each test here failed before its fix,
on SQLite and PostgreSQL alike (both backends must give the same answer)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

import typedb
from typedb.query import fn
from typedb.query._expr import Where


@pytest.fixture
def events(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("events").add_id_column().add_column("at", "timestamp").add_column(
        "day", "date"
    ).add_column("amount", "numeric(10,2)").execute()
    db.insert_into("events").values(
        [
            {"at": datetime(2024, 1, 1), "day": date(2024, 1, 1), "amount": Decimal("1.10")},
            {"at": datetime(2024, 1, 2, 10), "day": date(2024, 1, 2), "amount": Decimal("2.25")},
        ]
    ).execute()
    return db


# -- the same SQL text from two shapes must not share one result conversion ------------------


def test_aggregate_and_expression_with_equal_sql_each_convert_their_own_way(
    events: typedb.Database,
) -> None:
    # fn.max("at") and fn.max(eb.ref("at")).as_("max") render the very same SQL; SQLite's
    # per-connection conversions were keyed by that text, so whichever ran first decided
    # the other's result type. Run the expression first: the aggregate must still be typed.
    as_expression = events.select_from("events").select(lambda eb: fn.max(eb.ref("at")).as_("max"))
    as_aggregate = events.select_from("events").select(fn.max("at"))
    assert as_expression.compile().sql == as_aggregate.compile().sql
    as_expression.execute()
    assert as_aggregate.execute() == [{"max": datetime(2024, 1, 2, 10)}]


def test_expressions_over_timestamps_and_dates_come_back_typed(events: typedb.Database) -> None:
    # PostgreSQL types MAX(at), coalesce(at, ...) and a CASE giving `day` as the column's
    # type; SQLite handed back the stored text.
    row = (
        events.select_from("events")
        .select(
            lambda eb: [
                fn.max(eb.ref("at")).as_("latest"),
                fn.min(eb.ref("day")).as_("first_day"),
                eb.fn.coalesce(fn.max(eb.ref("at")), fn.min(eb.ref("at"))).as_("either"),
            ]
        )
        .execute_take_first_or_throw()
    )
    assert row == {
        "latest": datetime(2024, 1, 2, 10),
        "first_day": date(2024, 1, 1),
        "either": datetime(2024, 1, 2, 10),
    }
    rows = (
        events.select_from("events")
        .select("id", lambda eb: eb.case().when("id", "=", 1).then(eb.ref("day")).end().as_("d"))
        .order_by("id")
        .execute()
    )
    assert rows == [{"id": 1, "d": date(2024, 1, 1)}, {"id": 2, "d": None}]


# -- decimal arithmetic compared in where / having / order_by ---------------------------------


def test_decimal_arithmetic_in_where_matches_exactly(store: typedb.Database) -> None:
    # 0.99 * 3 is 2.97 and 0.10 * 7 is 0.70 in PostgreSQL's numeric; SQLite's floats made
    # them 2.9699999999999998 and 0.7000000000000001, so the rows were silently missed.
    lines = store.select_from("invoice_lines").select("id").order_by("id")
    amount = lambda eb: eb.ref("unit_price") * eb.ref("quantity")  # noqa: E731
    for value, ids in ((Decimal("2.97"), [1]), (Decimal("0.70"), [4])):
        found = lines.where(lambda eb, v=value: eb(amount(eb), "=", v)).execute()
        assert [r["id"] for r in found] == ids
    summed = (
        store.select_from("invoice_lines")
        .select("invoice_id")
        .group_by("invoice_id")
        .having(lambda eb: eb(fn.sum(amount(eb)), "=", Decimal("1.90")))
        .execute()
    )
    assert summed == [{"invoice_id": 3}]


# -- eb.cast to a numeric with a scale -----------------------------------------------------------


def test_cast_to_numeric_with_scale_rounds_on_both_backends(store: typedb.Database) -> None:
    # PostgreSQL rounds to the scale, half away from zero; SQLite's CAST kept every digit
    # (0.99 as numeric(10,1) stayed 0.99), in the select list and in where alike.
    rows = (
        store.select_from("invoice_lines")
        .select("id", lambda eb: eb.cast("unit_price", "numeric(10,1)").as_("rounded"))
        .where(lambda eb: eb(eb.cast("unit_price", "numeric(10,1)"), "=", Decimal("1.0")))
        .order_by("id")
        .execute()
    )
    assert rows == [{"id": i, "rounded": Decimal("1.0")} for i in (1, 2, 3)]
    half = (
        store.select_from("invoice_lines")
        .select(lambda eb: eb.cast(eb.val(Decimal("-0.25")), "numeric(4,1)").as_("h"))
        .limit(1)
        .execute()
    )
    assert half == [{"h": Decimal("-0.3")}]


def test_cast_overflowing_a_numeric_precision_fails_on_both_backends(
    store: typedb.Database,
) -> None:
    query = store.select_from("invoice_lines").select(
        lambda eb: eb.cast(eb.ref("unit_price") * 1000, "numeric(3,1)").as_("x")
    )
    # PostgreSQL says "numeric field overflow"; SQLite words a function's error generically.
    with pytest.raises(typedb.QueryError):
        query.execute()


# -- a bound Decimal or float decides the arithmetic's type -------------------------------------


def test_integer_times_bound_decimal_is_exact_decimal(store: typedb.Database) -> None:
    # PostgreSQL: integer * numeric is numeric. SQLite took the bound Decimal as a float:
    # 7 * 0.1 came back as the float 0.7000000000000001.
    rows = (
        store.select_from("invoice_lines")
        .select("id", lambda eb: (eb.ref("quantity") * Decimal("0.1")).as_("tenth"))
        .where(lambda eb: eb(eb.ref("quantity") * Decimal("0.1"), "=", Decimal("0.7")))
        .execute()
    )
    assert rows == [{"id": 4, "tenth": Decimal("0.7")}]
    assert type(rows[0]["tenth"]) is Decimal


def test_decimal_times_bound_float_is_a_float(store: typedb.Database) -> None:
    # PostgreSQL: numeric * double precision is double precision. The shape recorded no
    # difference between a bound float and a bound int, so SQLite gave a Decimal.
    row = (
        store.select_from("invoice_lines")
        .select(lambda eb: (eb.ref("unit_price") * 2.5).as_("x"))
        .where("id", "=", 1)
        .execute_take_first_or_throw()
    )
    assert row == {"x": 2.475} and type(row["x"]) is float


# -- eb.val(date) against a timestamp ----------------------------------------------------------


def test_bound_date_expression_compares_with_timestamps_as_a_plain_date(
    events: typedb.Database,
) -> None:
    # PostgreSQL casts the date to its midnight; SQLite compared the texts, so the row at
    # midnight was 'greater than' its own date and not equal to it.
    def ids(op: str) -> list[int]:
        rows = (
            events.select_from("events")
            .select("id")
            .where(lambda eb: eb(eb.ref("at"), op, eb.val(date(2024, 1, 1))))  # type: ignore[arg-type]
            .order_by("id")
            .execute()
        )
        return [r["id"] for r in rows]

    assert ids(">") == [2]
    assert ids("=") == [1]
    assert ids("<=") == [1]


# -- update_table()'s automatic updated_at ------------------------------------------------------


def test_update_leaves_integer_timestamp_columns_to_the_caller(db: typedb.Database) -> None:
    # Epoch seconds in integer created_at / updated_at: typedb wrote a timestamp into
    # updated_at, and every update_table() of such a table failed on both backends.
    db.schema.create_table("legacy").add_id_column().add_column("n", "integer").add_column(
        "created_at", "bigint"
    ).add_column("updated_at", "bigint").execute()
    db.insert_into("legacy").values({"n": 1, "created_at": 17, "updated_at": 17}).execute()
    assert db.update_table("legacy").set({"n": 2}).execute().num_updated_rows == 1
    assert db.select_from("legacy").select("n", "updated_at").execute() == [
        {"n": 2, "updated_at": 17}
    ]


def test_update_respects_updated_at_set_in_another_case_on_sqlite(db: typedb.Database) -> None:
    db.schema.create_table("stamped").add_id_column().add_column(
        "n", "integer"
    ).add_timestamp_columns().execute()
    db.insert_into("stamped").values({"n": 1}).execute()
    chosen = datetime(2001, 2, 3, 4, 5, 6)
    # PostgreSQL's quoted "UPDATED_AT" is another column: the mistake is named. SQLite, whose
    # names ignore case, refuses it the same way (it used to take it for updated_at).
    with pytest.raises(typedb.UnknownColumnError, match="UPDATED_AT"):
        db.update_table("stamped").set({"UPDATED_AT": chosen}).execute()
    db.update_table("stamped").set({"updated_at": chosen}).execute()
    assert db.select_from("stamped").select("updated_at").execute() == [{"updated_at": chosen}]


# -- compound queries ---------------------------------------------------------------------------


def test_select_after_union_is_refused_before_the_database(store: typedb.Database) -> None:
    # union() checked the widths, then select() added a column to the left side only.
    query = (
        store.select_from("customers")
        .select("id")
        .union(store.select_from("invoices").select("id"))
        .select("name")
    )
    with pytest.raises(typedb.CompileError, match=r"select\(\) on table 'customers' after UNION"):
        query.compile()


# -- names that go into the SQL as written ------------------------------------------------------


@pytest.mark.parametrize("name", ["lower\n", "lower\n--", "\nlower"])
def test_function_name_with_a_newline_is_refused(db: typedb.Database, name: str) -> None:
    # The check's `$` matched before a final newline, so "lower\n" reached the SQL.
    with pytest.raises(typedb.CompileError, match="function name"):
        db.select_from("t").select(lambda eb: eb.fn(name, "x").as_("y"))


def test_decimal_arithmetic_in_update_and_delete_conditions_matches_exactly(
    store: typedb.Database,
) -> None:
    # The same float arithmetic made an UPDATE or DELETE on SQLite miss the rows PostgreSQL
    # changes: data, not just a result, differed between backends.
    def amount_is(value: Decimal) -> Where:
        return lambda eb: eb(eb.ref("unit_price") * eb.ref("quantity"), "=", value)

    updated = (
        store.update_table("invoice_lines")
        .set({"quantity": 8})
        .where(amount_is(Decimal("2.97")))
        .returning("id", "quantity")
        .execute()
    )
    assert updated.rows == [{"id": 1, "quantity": 8}]
    plain = (
        store.update_table("invoice_lines").set({"quantity": 9}).where(amount_is(Decimal("0.70")))
    )
    assert plain.execute().num_updated_rows == 1
    deleted = store.delete_from("invoice_lines").where(amount_is(Decimal("1.20"))).execute()
    assert deleted.num_deleted_rows == 1
    left = store.select_from("invoice_lines").select("id").order_by("id").execute()
    assert [r["id"] for r in left] == [1, 2, 3, 4]


def test_case_mixing_a_typed_column_and_text_is_a_query_error(events: typedb.Database) -> None:
    # PostgreSQL refuses 'n/a' as a timestamp or a numeric; SQLite's converter raised a bare
    # ValueError / decimal.InvalidOperation instead of typedb's QueryError.
    for column in ("at", "amount"):
        query = events.select_from("events").select(
            lambda eb, c=column: eb.case().when("id", "=", 99).then(eb.ref(c)).else_("n/a").as_("x")
        )
        with pytest.raises(typedb.QueryError):
            query.execute()


# -- arithmetic on what SQLite stores as text ---------------------------------------------------


def test_arithmetic_with_a_string_is_refused_on_both_backends(db: typedb.Database) -> None:
    # SQLite gave 0 for "name" + 'x'; PostgreSQL refuses text + unknown.
    query = db.select_from("customers")
    with pytest.raises(typedb.CompileError, match="with a string"):
        query.select(lambda eb: (eb.ref("name") + "x").as_("x"))
    with pytest.raises(typedb.CompileError, match="with a string"):
        query.select(lambda eb: (eb.val("x") * eb.ref("id")).as_("x"))


def test_date_arithmetic_is_refused_on_sqlite_not_silently_wrong(events: typedb.Database) -> None:
    # date - date is the days between on PostgreSQL; SQLite's 0 made a where miss the row.
    events.schema.alter_table("events").add_column("until", "date").execute()
    events.update_table("events").set({"until": date(2024, 3, 1)}).execute()
    days = events.select_from("events").select(
        "id", lambda eb: (eb.ref("until") - eb.ref("day")).as_("days")
    )
    longer = (
        events.select_from("events")
        .select("id")
        .where(lambda eb: eb(eb.ref("until") - eb.ref("day"), ">", 30))
    )
    if events.dialect.name == "sqlite":
        for query in (days, longer):
            with pytest.raises(typedb.CompileError, match=r"arithmetic \(-\) on a date value"):
                query.execute()
    else:
        assert days.order_by("id").execute() == [{"id": 1, "days": 60}, {"id": 2, "days": 59}]
        assert len(longer.execute()) == 2


def test_hand_made_function_node_cannot_put_text_into_the_sql(db: typedb.Database) -> None:
    # typedb.query.Expr is public; render() checks hand-made condition shapes, but a
    # function node's name went into the SQL unchecked.
    from typedb.query import Expr

    evil = Expr(("fn", "x) FROM t; DROP TABLE t; --", ()), (), "a")
    with pytest.raises(typedb.CompileError, match="not a function name"):
        db.select_from("t").select(evil).compile()


def test_distinct_on_refusal_on_sqlite_does_not_talk_about_row_locks(
    db: typedb.Database,
) -> None:
    if db.dialect.name != "sqlite":
        assert "DISTINCT ON" in db.select_from("t").distinct_on("a").compile().sql
        return
    with pytest.raises(typedb.CompileError) as caught:
        db.select_from("t").distinct_on("a")
    assert "PostgreSQL only" in str(caught.value)
    assert "transaction" not in str(caught.value)


def test_decimal_arithmetic_in_a_join_condition_matches_exactly(store: typedb.Database) -> None:
    # The join's ON had the same float arithmetic: 0.99 * 3 never met a total of 2.97.
    store.insert_into("invoices").values({"customer_id": 3, "total": Decimal("2.97")}).execute()
    rows = (
        store.select_from("invoice_lines as l")
        .inner_join(
            "invoices as i",
            lambda on: on(on.ref("l.unit_price") * on.ref("l.quantity"), "=", on.ref("i.total")),
        )
        .select("l.id as line", "i.id as invoice")
        .order_by("l.id")
        .execute()
    )
    assert rows == [{"line": 1, "invoice": 4}, {"line": 2, "invoice": 2}, {"line": 3, "invoice": 2}]


def test_round_of_a_decimal_is_a_decimal(store: typedb.Database) -> None:
    # Money is rounded with round(); PostgreSQL's round(numeric, n) is numeric, SQLite gave
    # the float 0.33.
    row = (
        store.select_from("invoice_lines")
        .select(
            lambda eb: [
                eb.fn("round", eb.ref("unit_price") / 3, 2).as_("third"),
                eb.fn("round", eb.ref("quantity"), 1).as_("qty"),
            ]
        )
        .where("id", "=", 1)
        .execute_take_first_or_throw()
    )
    assert row == {"third": Decimal("0.33"), "qty": Decimal("3")}
    assert type(row["third"]) is Decimal and type(row["qty"]) is Decimal
