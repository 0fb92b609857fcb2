"""Query builder v2 defects left open by the last review (issue 11): each test here failed
before its fix. Both backends must give the same answer, or both refuse with a clear error."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from _store import make_store

import typedb
from typedb.query import fn
from typedb.query._node import Expr

# -- 1. a scalar subquery of more than one row is an error on both ----------------------------


def test_scalar_subquery_in_select_with_two_rows_is_refused(store: typedb.Database) -> None:
    # Ana has two invoices: PostgreSQL raises, SQLite silently took the first total.
    totals = (
        store.select_from("invoices")
        .select("total")
        .where_ref("invoices.customer_id", "=", "customers.id")
    )
    query = store.select_from("customers").select("name", totals.as_("total")).order_by("id")
    with pytest.raises(typedb.QueryError, match="more than one row returned by a subquery"):
        query.execute()


def test_scalar_subquery_in_where_with_two_rows_is_refused(
    backend: str, store: typedb.Database
) -> None:
    ids = store.select_from("invoices").select("customer_id")
    with pytest.raises(typedb.QueryError, match="more than one row returned by a subquery") as e:
        store.select_from("customers").select("name").where("id", "=", ids).execute()
    if backend == "sqlite":
        assert "'invoices'" in str(e.value)  # names the subquery's table


def test_scalar_subquery_of_one_or_no_row_still_gives_its_value(store: typedb.Database) -> None:
    # The same answers as before, typed as before: one row is its value, none is NULL.
    latest = (
        store.select_from("invoices")
        .select("total")
        .where_ref("invoices.customer_id", "=", "customers.id")
        .order_by("id", "desc")
        .limit(1)
    )
    rows = (
        store.select_from("customers").select("name", latest.as_("last")).order_by("id").execute()
    )
    assert rows == [
        {"name": "Ana", "last": Decimal("0.99")},
        {"name": "Bo", "last": Decimal("1.98")},
        {"name": "Cy", "last": None},
    ]
    one = store.select_from("invoices").select("customer_id").where("id", "=", 3)
    assert store.select_from("customers").select("name").where("id", "=", one).execute() == [
        {"name": "Bo"}
    ]
    # IN takes a set of rows: not a scalar, not checked.
    many = store.select_from("invoices").select("customer_id")
    assert len(store.select_from("customers").where("id", "in", many).execute()) == 2


def test_scalar_aggregate_subquery_is_left_as_it_is(sqlite_url: str) -> None:
    # One row always: no row count, whose cost is about ten times the subquery's on SQLite.
    with typedb.connect(sqlite_url) as db:
        make_store(db)
        count = (
            db.select_from("invoices")
            .select(fn.count())
            .where_ref("invoices.customer_id", "=", "customers.id")
        )
        query = db.select_from("customers").select("name", count.as_("n")).order_by("id")
        assert "typedb_one_row" not in query.compile().sql
        assert [r["n"] for r in query.execute()] == [2, 1, 0]
        ids = db.select_from("invoices").select("id")
        assert "typedb_one_row" in db.select_from("customers").select(ids.as_("x")).compile().sql


def test_scalar_subquery_in_arithmetic_with_two_rows_is_refused(store: typedb.Database) -> None:
    totals = store.select_from("invoices").select("total").where("customer_id", "=", 1)
    query = store.select_from("customers").select(
        lambda eb: (eb.ref("id") + totals).as_("x")  # type: ignore[operator]
    )
    with pytest.raises(typedb.QueryError, match="more than one row returned by a subquery"):
        query.execute()


# -- 3. builder objects as set() / values() values: an error at the call ------------------------


def _builder_values(db: typedb.Database) -> list[Any]:
    return [
        lambda eb: eb.ref("total") * 2,
        Expr(("ref", "total")),
        fn.max("total"),
        db.select_from("invoices").select("total").limit(1),
    ]


def test_set_with_an_expression_is_refused_at_the_call(store: typedb.Database) -> None:
    for value in _builder_values(store):
        with pytest.raises(typedb.CompileError, match=r"set\(\) for column 'total' of table"):
            store.update_table("invoices").set({"total": value})
    assert store.select_from("invoices").select("total").order_by("id").execute()[0] == {
        "total": Decimal("3.96")
    }


def test_values_with_an_expression_is_refused_at_the_call(store: typedb.Database) -> None:
    for value in _builder_values(store):
        with pytest.raises(typedb.CompileError, match=r"values\(\) for column 'total'"):
            store.insert_into("invoices").values({"customer_id": 1, "total": value})
        # Among many rows (the fast path) and after rows of other keys (a second statement
        # that would have run after the first).
        rows = [{"customer_id": 1, "total": Decimal(1)}] * 70 + [{"customer_id": 1}]
        with pytest.raises(typedb.CompileError, match=r"values\(\) for column 'total'"):
            store.insert_into("invoices").values([*rows, {"customer_id": 1, "total": value}])
        with pytest.raises(typedb.CompileError, match=r"do_update_set\(\) for column 'total'"):
            store.insert_into("invoices").values({"id": 1, "customer_id": 1}).on_conflict(
                lambda oc, v=value: oc.column("id").do_update_set({"total": v})
            )
    assert len(store.select_from("invoices").execute()) == 3


# -- 4. ORDER BY / LIMIT / OFFSET on a recursive CTE's union ------------------------------------


@pytest.mark.parametrize(
    "clause", [lambda q: q.limit(2), lambda q: q.order_by("name"), lambda q: q.offset(1)]
)
def test_recursive_cte_with_limit_is_refused(
    store: typedb.Database, clause: Callable[[Any], Any]
) -> None:
    # SQLite stopped after two rows (or ordered the recursion); PostgreSQL refused.
    base = (
        store.select_from("employees")
        .select("id", "name", "reports_to")
        .where("name", "=", "Steve")
    )
    step = (
        store.select_from("employees as e")
        .inner_join("chain as c", "e.id", "c.reports_to")
        .select("e.id", "e.name", "e.reports_to")
    )
    with pytest.raises(typedb.CompileError, match=r"with_recursive\('chain', \.\.\.\) has"):
        store.with_recursive("chain(id, name, reports_to)", clause(base.union_all(step)))
    # On the query that reads the CTE, the same limit is fine on both.
    rows = (
        store.with_recursive("chain(id, name, reports_to)", base.union_all(step))
        .select_from("chain")
        .select("name")
        .order_by("name")
        .limit(2)
        .execute()
    )
    assert rows == [{"name": "Andrew"}, {"name": "Jane"}]


# -- 5. row locks with a compound query, and two lock options ----------------------------------


def test_for_update_with_union_is_refused_at_the_call(pg_url: str) -> None:
    with typedb.connect(pg_url) as db:
        make_store(db)
        ids = db.select_from("invoices").select("id")
        with pytest.raises(typedb.CompileError, match=r"for_update\(\) with union\(\)"):
            ids.union(db.select_from("invoices").select("id")).for_update()
        with pytest.raises(typedb.CompileError, match=r"with except_\(\)"):
            ids.for_share().except_(db.select_from("invoices").select("id"))


def test_nowait_with_skip_locked_is_refused_at_the_call(pg_url: str) -> None:
    with typedb.connect(pg_url) as db:
        make_store(db)
        locked = db.select_from("invoices").for_update()
        with pytest.raises(typedb.CompileError, match=r"skip_locked\(\) .* after nowait\(\)"):
            locked.nowait().skip_locked()
        with pytest.raises(typedb.CompileError, match=r"nowait\(\) .* after skip_locked\(\)"):
            locked.skip_locked().nowait()


def test_row_locks_on_compound_queries_are_refused_on_sqlite(sqlite_url: str) -> None:
    with typedb.connect(sqlite_url) as db:
        make_store(db)
        ids = db.select_from("invoices").select("id")
        with pytest.raises(typedb.CompileError, match="PostgreSQL only"):
            ids.union(db.select_from("invoices").select("id")).for_update()


# -- 2. eb.cast(): SQLite casts as PostgreSQL does, or refuses ---------------------------------


@pytest.fixture
def mixed(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("m").add_id_column().add_column("amount", "numeric(10,2)").add_column(
        "ratio", "double precision"
    ).add_column("flag", "boolean").add_column("word", "text").add_column("big", "bigint").execute()
    db.insert_into("m").values(
        [
            {"amount": Decimal("20.00"), "ratio": 2.5, "flag": True, "word": "7", "big": 1},
            {"amount": Decimal("1.10"), "ratio": 1e15, "flag": False, "word": " 12 ", "big": 2},
        ]
    ).execute()
    return db


def _cast(db: typedb.Database, build: Callable[[Any], Any]) -> list[Any]:
    rows = db.select_from("m").select(lambda eb: [build(eb).as_("v")]).order_by("id").execute()
    return [r["v"] for r in rows]


def test_cast_to_text_writes_what_postgresql_writes(mixed: typedb.Database) -> None:
    # SQLite wrote '20' for a numeric(10,2)'s 20.00, '1.0e+15' for a double, '1' for true.
    assert _cast(mixed, lambda eb: eb.cast(eb.ref("amount"), "text")) == ["20.00", "1.10"]
    assert _cast(mixed, lambda eb: eb.cast(eb.ref("amount") * 2, "text")) == ["40.00", "2.20"]
    assert _cast(mixed, lambda eb: eb.cast(eb.ref("ratio"), "text")) == ["2.5", "1e+15"]
    assert _cast(mixed, lambda eb: eb.cast(eb.ref("flag"), "text")) == ["true", "false"]
    assert _cast(mixed, lambda eb: eb.cast(eb.ref("amount"), "varchar(3)")) == ["20.", "1.1"]
    # The same in a where (a cast compared) and in an update's where.
    match = (
        mixed.select_from("m")
        .select("id")
        .where(lambda eb: eb(eb.cast(eb.ref("amount"), "text"), "=", "20.00"))
    )
    assert match.execute() == [{"id": 1}]
    touched = (
        mixed.update_table("m")
        .set({"word": "z"})
        .where(lambda eb: eb(eb.cast(eb.ref("amount"), "text"), "=", "1.10"))
    )
    assert touched.execute().num_updated_rows == 1


def test_cast_of_text_reads_it_as_postgresql_does(mixed: typedb.Database) -> None:
    # SQLite's CAST made 'true' 0 (false), '1.5' the integer 1 or 2, and 'abc' 0.
    assert _cast(mixed, lambda eb: eb.cast(eb.val("true"), "boolean")) == [True, True]
    assert _cast(mixed, lambda eb: eb.cast(eb.val(" Off "), "boolean")) == [False, False]
    assert _cast(mixed, lambda eb: eb.cast(eb.val(" 12 "), "integer")) == [12, 12]
    with pytest.raises(typedb.QueryError, match="invalid input syntax for type integer"):
        _cast(mixed, lambda eb: eb.cast(eb.val("1.5"), "integer"))
    with pytest.raises(typedb.QueryError, match="invalid input syntax for type numeric"):
        _cast(mixed, lambda eb: eb.cast(eb.val("abc"), "numeric"))
    with pytest.raises(typedb.QueryError, match="invalid input syntax for type boolean"):
        _cast(mixed, lambda eb: eb.cast(eb.ref("word"), "boolean"))  # '7'
    word_is_twelve = (
        mixed.select_from("m")
        .select("id")
        .where(lambda eb: eb(eb.cast(eb.ref("word"), "integer"), "=", 12))
    )
    assert word_is_twelve.execute() == [{"id": 2}]


def test_cast_to_integer_rounds_and_checks_range_as_postgresql(mixed: typedb.Database) -> None:
    # A double rounds half to even (2.5 -> 2, rint), a numeric half away from zero.
    assert _cast(mixed, lambda eb: eb.cast(eb.val(2.5), "integer")) == [2, 2]
    assert _cast(mixed, lambda eb: eb.cast(eb.val(3.5), "integer")) == [4, 4]
    assert _cast(mixed, lambda eb: eb.cast(eb.val(Decimal("2.5")), "integer")) == [3, 3]
    with pytest.raises(typedb.QueryError, match="integer out of range"):
        _cast(mixed, lambda eb: eb.cast(eb.ref("ratio"), "integer"))  # 1e15
    with pytest.raises(typedb.QueryError, match="smallint out of range"):
        _cast(mixed, lambda eb: eb.cast(eb.ref("big") * 100000, "smallint"))


def test_casts_sqlite_cannot_match_are_refused(backend: str, mixed: typedb.Database) -> None:
    # PostgreSQL refuses a numeric cast to boolean itself; the scale of a bound Decimal it
    # keeps and SQLite cannot: refused there.
    with pytest.raises((typedb.CompileError, typedb.QueryError), match="boolean"):
        _cast(mixed, lambda eb: eb.cast(eb.ref("amount"), "boolean"))
    unknown_scale = mixed.select_from("m").select(
        lambda eb: [eb.cast(eb.val(Decimal("1.50")), "text").as_("v")]
    )
    if backend == "sqlite":
        with pytest.raises(typedb.CompileError, match="unknown scale"):
            unknown_scale.execute()
    else:
        assert unknown_scale.execute()[0] == {"v": "1.50"}


def test_casts_inside_a_cte_and_a_subquery_agree(mixed: typedb.Database) -> None:
    in_cte = mixed.with_(
        "c", mixed.select_from("m").select(lambda eb: [eb.cast(eb.ref("amount"), "text").as_("t")])
    ).select_from("c")
    assert in_cte.execute() == [{"t": "20.00"}, {"t": "1.10"}]
    # SQLite wrote 1.10 as '1.1' inside the subquery, and matched nothing.
    written = (
        mixed.select_from("m as n")
        .select("n.id")
        .where(lambda eb: eb(eb.cast(eb.ref("n.amount"), "text"), "=", "1.10"))
    )
    assert mixed.select_from("m").select("id").where("id", "in", written).execute() == [{"id": 2}]


# -- hostile: decimal arithmetic and sums inside subqueries, EXISTS and CTE bodies -------------


def _exact_line(eb: Any) -> Any:
    return eb(eb.ref("unit_price") * eb.ref("quantity"), "=", Decimal("2.97"))


def test_decimal_arithmetic_in_a_subquery_condition_is_exact(store: typedb.Database) -> None:
    # 0.99 * 3 is 2.9699999999999998 in floating point: SQLite matched no line in a
    # subquery's where, an EXISTS or a CTE body (the outer where was already exact).
    lines = store.select_from("invoice_lines").select("invoice_id").where(_exact_line)
    assert store.select_from("invoices").select("id").where("id", "in", lines).execute() == [
        {"id": 1}
    ]
    correlated = (
        store.select_from("invoice_lines")
        .where_ref("invoice_lines.invoice_id", "=", "invoices.id")
        .where(_exact_line)
    )
    assert store.select_from("invoices").select("id").where_exists(correlated).execute() == [
        {"id": 1}
    ]
    cte = store.with_("c", store.select_from("invoice_lines").where(_exact_line))
    assert cte.select_from("c").select("id").execute() == [{"id": 1}]
    # An update's where with such a subquery.
    updated = (
        store.update_table("invoices").set({"total": Decimal("9.00")}).where("id", "in", lines)
    )
    assert updated.execute().num_updated_rows == 1


def test_decimal_sum_in_a_subquery_having_is_exact(store: typedb.Database) -> None:
    # invoice 3: 0.10 + 0.20 = 0.30000000000000004 as floats.
    sums = (
        store.select_from("invoice_lines")
        .select("invoice_id")
        .group_by("invoice_id")
        .having(fn.sum("unit_price"), "=", Decimal("0.30"))
    )
    assert store.select_from("invoices").select("id").where("id", "in", sums).execute() == [
        {"id": 3}
    ]
    # The subquery's selected sum, compared by the outer query.
    total = (
        store.select_from("invoice_lines")
        .select(lambda eb: [fn.sum(eb.ref("unit_price") * eb.ref("quantity")).as_("s")])
        .where("invoice_id", "=", 1)
    )
    assert store.select_from("invoices").select("id").where(
        lambda eb: eb(eb.ref("total"), "=", total)
    ).execute() == [{"id": 1}]


# -- hostile: CASE / coalesce of mixed number types, bound values selected -----------------------


def test_case_and_coalesce_of_integer_and_numeric_give_decimals(store: typedb.Database) -> None:
    # PostgreSQL resolves integer with numeric to numeric and with a double to a double;
    # SQLite took the first branch's type and gave back an int and a float.
    rows = (
        store.select_from("invoice_lines")
        .select(
            lambda eb: [
                eb.case()
                .when("quantity", ">", 2)
                .then(eb.ref("quantity"))
                .else_(eb.ref("unit_price"))
                .end()
                .as_("branch"),
                eb.case().when("quantity", ">", 2).then(1).else_(Decimal("2.5")).end().as_("bound"),
                eb.fn.coalesce("quantity", "unit_price").as_("first"),
                eb.fn.coalesce(eb.ref("quantity"), 0.5).as_("double"),
            ]
        )
        .order_by("id")
        .limit(2)
        .execute()
    )
    assert rows == [
        {"branch": Decimal("3"), "bound": Decimal("1"), "first": Decimal("3"), "double": 3.0},
        {"branch": Decimal("0.99"), "bound": Decimal("2.5"), "first": Decimal("1"), "double": 1.0},
    ]
    assert [type(r[k]) for r in rows for k in r] == [Decimal, Decimal, Decimal, float] * 2


def test_bound_values_selected_come_back_typed(store: typedb.Database) -> None:
    from datetime import date, datetime

    row = (
        store.select_from("customers")
        .select(
            lambda eb: [
                eb.val(True).as_("flag"),
                eb.val(date(2024, 1, 2)).as_("day"),
                eb.val(datetime(2024, 1, 2, 3, 4, 5)).as_("at"),
                eb.case().when("id", "=", 1).then(False).else_(True).end().as_("first"),
            ]
        )
        .order_by("id")
        .limit(1)
        .execute()
    )
    # SQLite gave 1, '2024-01-02' and '2024-01-02 03:04:05'.
    assert row == [
        {"flag": True, "day": date(2024, 1, 2), "at": datetime(2024, 1, 2, 3, 4, 5), "first": False}
    ]
    assert type(row[0]["flag"]) is bool and type(row[0]["first"]) is bool


# -- hostile: a union's column types come from every side ---------------------------------------


@pytest.fixture
def sided(store: typedb.Database) -> typedb.Database:
    store.schema.create_table("u").add_id_column().add_column("a2", "numeric(10,2)").add_column(
        "r", "double precision"
    ).add_column("t", "text").execute()
    store.insert_into("u").values({"a2": Decimal("1.25"), "r": 0.5, "t": "x"}).execute()
    return store


def test_union_of_integer_and_numeric_columns_is_numeric(sided: typedb.Database) -> None:
    # SQLite typed the column by the first side alone: 3 and the float 1.25.
    quantities = (
        sided.select_from("invoice_lines as l").select("l.quantity as q").where("l.id", "=", 1)
    )
    rows = quantities.union_all(sided.select_from("u").select("a2")).execute()
    assert rows == [{"q": Decimal("3")}, {"q": Decimal("1.25")}]
    assert {type(r["q"]) for r in rows} == {Decimal}
    doubles = quantities.union_all(sided.select_from("u").select("r")).execute()
    assert doubles == [{"q": 3.0}, {"q": 0.5}] and {type(r["q"]) for r in doubles} == {float}
    mixed = sided.select_from("u").select("a2").union_all(sided.select_from("u").select("r"))
    assert [type(r["a2"]) for r in mixed.execute()] == [float, float]


def test_union_of_text_and_integer_is_refused(sided: typedb.Database) -> None:
    # PostgreSQL: "UNION types text and integer cannot be matched"; SQLite mixed them.
    query = (
        sided.select_from("u")
        .select("t")
        .union(sided.select_from("invoice_lines").select("quantity"))
    )
    with pytest.raises((typedb.CompileError, typedb.QueryError), match="cannot be matched"):
        query.execute()


# -- hostile: NULLs sort where PostgreSQL sorts them ----------------------------------------------


def test_nulls_sort_last_ascending_and_first_descending(store: typedb.Database) -> None:
    # Cy has no city. SQLite sorted NULL first ascending, so order_by().limit() kept
    # other rows than PostgreSQL: in plain selects, expressions, unions and CTEs alike.
    cities = store.select_from("customers").select("city")
    assert [r["city"] for r in cities.order_by("city").execute()] == ["Lisbon", "Oslo", None]
    assert [r["city"] for r in cities.order_by("city", "desc").limit(1).execute()] == [None]
    lowered = store.select_from("customers").select(lambda eb: [eb.fn.lower("city").as_("c")])
    assert [r["c"] for r in lowered.order_by(lambda eb: eb.fn.lower("city")).execute()] == [
        "lisbon",
        "oslo",
        None,
    ]
    both = cities.union_all(store.select_from("customers").select("name")).order_by("city")
    assert [r["city"] for r in both.limit(6).execute()][-1] is None
    cte = store.with_("c", cities).select_from("c").order_by("city").limit(1)
    assert cte.execute() == [{"city": "Lisbon"}]


# -- hostile: concat, which the error for text arithmetic suggests ------------------------------


def test_concat_of_text_works_on_both(backend: str, store: typedb.Database) -> None:
    # SQLite 3.40 had no concat(); PostgreSQL could not type a bound str inside it.
    rows = (
        store.select_from("customers")
        .select(lambda eb: [eb.fn("concat", "name", eb.val("-"), "city").as_("label")])
        .order_by("id")
        .execute()
    )
    assert [r["label"] for r in rows] == ["Ana-Lisbon", "Bo-Oslo", "Cy-"]  # NULL skipped
    priced = store.select_from("invoices").select(
        lambda eb: [eb.fn("concat", eb.val("$"), eb.cast(eb.ref("total"), "text")).as_("p")]
    )
    assert priced.order_by("id").limit(1).execute() == [{"p": "$3.96"}]
    # A number's text depends on its type, which SQLite does not keep: cast it first.
    bare = store.select_from("invoices").select(lambda eb: [eb.fn("concat", "total").as_("p")])
    if backend == "sqlite":
        with pytest.raises(typedb.QueryError, match=r"cast numbers and booleans to text"):
            bare.execute()
    else:
        assert bare.order_by("id").limit(1).execute() == [{"p": "3.96"}]


# -- hostile: case of letters beyond ASCII ------------------------------------------------------


def test_ilike_lower_and_upper_change_case_beyond_ascii(store: typedb.Database) -> None:
    # SQLite's LIKE, lower() and upper() change ASCII letters only: 'Éva' ILIKE 'év%' and
    # lower('Éva') = 'éva' held on PostgreSQL alone.
    store.insert_into("customers").values({"name": "Éva", "city": "Évora"}).execute()
    customers = store.select_from("customers")
    assert customers.select("name").where("name", "ilike", "év%").execute() == [{"name": "Éva"}]
    assert customers.select("name").where("name", "ilike", "a_A").execute() == [{"name": "Ana"}]
    assert customers.select("name").where("name", "ilike", "\\%%").execute() == []
    cased = customers.select(
        lambda eb: [eb.fn.lower("name").as_("low"), eb.fn.upper(eb.val("straße é")).as_("up")]
    )
    assert cased.where("name", "=", "Éva").execute() == [{"low": "éva", "up": "STRAßE É"}]
    lowered = customers.select("name").where(lambda eb: eb(eb.fn.lower("city"), "=", "évora"))
    assert lowered.execute() == [{"name": "Éva"}]


def test_integer_arithmetic_past_64_bits_is_an_error(store: typedb.Database) -> None:
    # SQLite turned the overflowing product into the float 1.8446744073709552e+19.
    query = store.select_from("customers").select(lambda eb: [(eb.ref("id") * 2**62).as_("x")])
    with pytest.raises(typedb.QueryError, match="bigint out of range"):
        query.order_by("id").execute()
    assert query.where("id", "=", 1).execute() == [{"x": 2**62}]
