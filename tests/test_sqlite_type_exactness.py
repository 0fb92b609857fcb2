"""The open defects of issue 8's review: numeric scale, bytes in text columns, whole floats
from RETURNING, dates against timestamps, raw DDL in a schema transaction (both backends)."""

from __future__ import annotations

import operator
import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import typedb

# -- numeric(p,s): every value within precision and scale is kept, every other one refused -----

_TYPES = [(12, 6), (10, 9), (15, 2), (15, 15), (6, 0), (15, 0)]


def _in_range(p: int, s: int) -> st.SearchStrategy[Decimal]:
    limit = 10**p - 1  # p digits, s of them decimals
    return st.integers(-limit, limit).map(lambda n: Decimal(n).scaleb(-s))


def _table(db: typedb.Database, p: int, s: int) -> str:
    """An empty table `m_p_s` with one numeric(p,s) column `n`."""
    name = f"m_{p}_{s}"
    db.schema.create_table(name).if_not_exists().add_column("n", f"numeric({p},{s})").execute()
    db.delete_from(name).execute()
    return name


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_numeric_within_precision_and_scale_is_kept(
    db: typedb.Database, data: st.DataObject
) -> None:
    p, s = data.draw(st.sampled_from(_TYPES))
    value = data.draw(_in_range(p, s))
    table = _table(db, p, s)
    rows = db.insert_into(table).values({"n": value}).returning("n").execute().rows
    assert rows == [{"n": value}]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_numeric_with_a_decimal_too_many_is_refused_on_sqlite(
    db: typedb.Database, data: st.DataObject
) -> None:
    # PostgreSQL rounds the extra decimal away; SQLite cannot round a stored value, so typedb
    # refuses it there (README: "Types"). Up to 15 significant digits: more are refused anyway.
    p, s = data.draw(st.sampled_from([(12, 6), (10, 8), (14, 0), (6, 2)]))
    base = data.draw(_in_range(p, s))
    extra = Decimal(data.draw(st.integers(1, 9))).scaleb(-s - 1)
    value = base + extra if base >= 0 else base - extra
    table = _table(db, p, s)
    if db.dialect.name == "sqlite":
        with pytest.raises(typedb.QueryError, match=rf"numeric\({p},{s}\) in column {table}\.n"):
            db.insert_into(table).values({"n": value}).execute()
        assert db.select_from(table).execute() == []
    else:
        rounded = value.quantize(Decimal(1).scaleb(-s), ROUND_HALF_UP)
        if abs(rounded) >= 10 ** (p - s):
            with pytest.raises(typedb.QueryError):  # rounded up beyond the precision
                db.insert_into(table).values({"n": value}).execute()
            return
        rows = db.insert_into(table).values({"n": value}).returning("n").execute().rows
        assert rows == [{"n": rounded}]
        db.delete_from(table).execute()


@pytest.mark.parametrize("value", ["1000000", "-1000000", "999999.9999995", "1E+6"])
def test_a_numeric_beyond_its_precision_is_refused(db: typedb.Database, value: str) -> None:
    db.schema.create_table("m").add_column("n", "numeric(12,6)").execute()
    with pytest.raises(typedb.QueryError):
        db.insert_into("m").values({"n": Decimal(value)}).execute()
    assert db.select_from("m").execute() == []


def test_twenty_thousand_random_twelve_digit_values_are_kept(db: typedb.Database) -> None:
    # About 1 in 2,000 of these was refused by the round()-based CHECK.
    rng = random.Random(8)
    values = [Decimal(rng.randrange(-(10**12) + 1, 10**12)).scaleb(-6) for _ in range(20_000)]
    db.schema.create_table("m").add_column("k", "integer").add_column(
        "n", "numeric(12,6)"
    ).execute()
    db.insert_into("m").values([{"k": k, "n": v} for k, v in enumerate(values)]).execute()
    rows = db.select_from("m").select("n").order_by("k").execute()
    assert [r["n"] for r in rows] == values


# -- bytes in a text column ----------------------------------------------------------------------


@pytest.mark.parametrize("data_type", ["text", "varchar(10)", "char(8)"])
def test_bytes_into_a_text_column(db: typedb.Database, data_type: str) -> None:
    # SQLite kept them as a BLOB and gave back bytes from a str column; it now refuses them,
    # naming the column. PostgreSQL stores their hex text, a str.
    db.schema.create_table("t").add_column("s", data_type).execute()
    if db.dialect.name == "sqlite":
        with pytest.raises(typedb.QueryError, match=r"column t\.s") as caught:
            db.insert_into("t").values({"s": b"abc"}).execute()
        assert not isinstance(caught.value, typedb.IntegrityError)
        assert db.select_from("t").execute() == []
    else:
        db.insert_into("t").values({"s": b"abc"}).execute()
        assert [type(r["s"]) for r in db.select_from("t").execute()] == [str]
    db.insert_into("t").values({"s": "12345678"}).execute()  # text still goes in
    assert {"s": "12345678"} in db.select_from("t").execute()


def test_bytes_into_a_json_column_are_refused(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("j", "json").execute()
    # SQLite's json_valid() takes the blob x'7b7d' ('{}'); PostgreSQL refuses a bytea there.
    value = typedb.sql("x'7b7d'") if db.dialect.name == "sqlite" else b"{}"
    with pytest.raises(typedb.QueryError):
        db.insert_into("t").values({"j": value}).execute()
    assert db.select_from("t").execute() == []


# -- raw DDL inside db.schema.transaction() gets the foreign key actions too --------------------


def _parent(db: typedb.Database) -> None:
    db.schema.create_table("a").add_column("id", "integer", lambda c: c.primary_key()).execute()
    db.insert_into("a").values([{"id": 1}, {"id": 2}]).execute()


def test_raw_ddl_in_a_schema_transaction_keeps_foreign_key_actions(db: typedb.Database) -> None:
    _parent(db)
    db.raw("CREATE TABLE c (id integer PRIMARY KEY, a_id integer)")
    db.insert_into("c").values([{"id": 1, "a_id": 1}, {"id": 2, "a_id": 2}]).execute()
    with db.schema.transaction() as trx:  # foreign keys off on SQLite: triggers do the actions
        trx.raw("ALTER TABLE c ADD COLUMN b_id integer REFERENCES a (id) ON DELETE SET NULL")
        trx.raw("CREATE TABLE d (a_id integer REFERENCES a (id) ON DELETE CASCADE)")
        trx.raw("INSERT INTO d VALUES (1), (2)")
        trx.update_table("c").set({"b_id": 1}).execute()
        trx.delete_from("a").where("id", "=", 1).execute()
    assert db.select_from("c").select("id", "b_id").order_by("id").execute() == [
        {"id": 1, "b_id": None},
        {"id": 2, "b_id": None},
    ]
    assert db.select_from("d").execute() == [{"a_id": 2}]


def test_raw_drop_of_a_child_in_a_schema_transaction(db: typedb.Database) -> None:
    # The trigger doing c's cascade named c; after c is dropped it must be gone too.
    _parent(db)
    db.raw("CREATE TABLE c (a_id integer REFERENCES a (id) ON DELETE CASCADE)")
    db.raw("INSERT INTO c VALUES (1)")
    with db.schema.transaction() as trx:
        trx.raw("DROP TABLE c")
        trx.delete_from("a").where("id", "=", 1).execute()
    assert db.select_from("a").execute() == [{"id": 2}]


# -- RETURNING a whole float gives a float ----------------------------------------------------


def test_every_returning_form_gives_floats_for_float_columns(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("k", "integer").add_column("f", "real").add_column(
        "d", "double precision"
    ).execute()
    inserted = (
        db.insert_into("t")
        .values([{"k": 1, "f": 2.0, "d": 3.0}, {"k": 2, "f": 2.5, "d": -4.0}])
        .returning("k", "f", "d as dd", "k as f2")
        .execute()
        .rows
    )
    updated = db.update_table("t").set({"d": 7.0}).where("k", "=", 1).returning("*").execute().rows
    deleted = db.delete_from("t").where("k", "=", 2).returning("t.d", "f as k").execute().rows
    assert inserted == [
        {"k": 1, "f": 2.0, "dd": 3.0, "f2": 1},
        {"k": 2, "f": 2.5, "dd": -4.0, "f2": 2},
    ]
    assert updated == [{"k": 1, "f": 2.0, "d": 7.0}]
    assert deleted == [{"d": -4.0, "k": 2.5}]
    types = [[type(v) for v in r.values()] for r in (*inserted, *updated, *deleted)]
    assert types == [
        [int, float, float, int],
        [int, float, float, int],
        [int, float, float],
        [float, float],
    ]


# -- a date compared with a timestamp: PostgreSQL's cast to midnight, on both ------------------

_AT = [
    datetime(2023, 12, 31, 23, 59, 59, 999999),
    datetime(2024, 1, 1),
    datetime(2024, 1, 1, 0, 0, 0, 1),
    datetime(2024, 1, 1, 12),
    datetime(2024, 1, 2),
]
_DAYS = [date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 2)]
_PLUS_5 = timezone(timedelta(hours=5))
_VALUES = [
    date(2024, 1, 1),
    datetime(2024, 1, 1),
    datetime(2024, 1, 1, 5, tzinfo=_PLUS_5),  # midnight UTC
    datetime(2024, 1, 1, 0, 0, tzinfo=_PLUS_5),  # 19:00 UTC the day before
    datetime(2024, 1, 1, 12),
    datetime(2024, 1, 1, 0, 0, 0, 1),
]
_ORDER = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _instant(value: date) -> datetime:
    """What PostgreSQL compares: a date as its midnight, an aware datetime in UTC."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def test_dates_and_timestamps_compare_as_on_postgresql(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("k", "integer").add_column("at", "timestamp").add_column(
        "atz", "timestamptz"
    ).add_column("d", "date").execute()
    db.insert_into("t").values(
        [
            {"k": k, "at": at, "atz": at.replace(tzinfo=UTC), "d": _DAYS[k % 3]}
            for k, at in enumerate(_AT)
        ]
    ).execute()
    stored = {k: {"at": at, "atz": at, "d": _DAYS[k % 3]} for k, at in enumerate(_AT)}
    for column in ("at", "atz", "d"):
        for value in _VALUES:
            for op, test in _ORDER.items():
                found = db.select_from("t").select("k").where(column, op, value).execute()
                expected = [
                    k for k, row in stored.items() if test(_instant(row[column]), _instant(value))
                ]
                assert [r["k"] for r in found] == expected, (column, op, value)
            for op, keep in (("in", True), ("not in", False)):
                found = db.select_from("t").select("k").where(column, op, [value]).execute()
                expected = [
                    k
                    for k, row in stored.items()
                    if (_instant(row[column]) == _instant(value)) == keep
                ]
                assert [r["k"] for r in found] == expected, (column, op, value)


def test_a_midnight_is_compared_by_index_on_sqlite(db: typedb.Database) -> None:
    # The rewritten comparisons keep the column bare, so an index still serves them.
    if db.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    db.schema.create_table("t").add_column("at", "timestamp").execute()
    db.schema.create_index("t_at").on("t").columns(["at"]).execute()
    for op in ("=", "<=", ">", "<"):
        sql = db.select_from("t").where("at", op, date(2024, 1, 1)).compile()
        plan = db.raw(
            "EXPLAIN QUERY PLAN " + sql.sql,  # type: ignore[arg-type]  # the builder's SQL
            list(sql.parameters),
        )
        assert any("USING COVERING INDEX t_at" in str(r["detail"]) for r in plan), plan


@pytest.mark.parametrize("data_type", ["timestamp", "timestamptz"])
def test_the_last_half_millisecond_of_a_day_is_a_timestamp(
    db: typedb.Database, data_type: str
) -> None:
    # SQLite's date() rounds to milliseconds: the type CHECK read 23:59:59.9995 as the next
    # day and refused it.
    at = datetime(2023, 12, 31, 23, 59, 59, 999500)
    db.schema.create_table("t").add_column("at", data_type).execute()
    db.insert_into("t").values({"at": at}).execute()
    (row,) = db.select_from("t").execute()
    assert row["at"].replace(tzinfo=None) == at


@pytest.mark.parametrize(
    ("p", "s", "value", "kept"),
    [
        (12, 6, "0.000001", True),
        (12, 6, "-0.000099", True),
        (12, 6, "0.0001", True),
        (15, 15, "0.000000000000001", True),
        (15, 15, "0.000012345678901", True),
        (12, 6, "0.0000001", False),
        (12, 6, "-0.00000005", False),
        (10, 8, "0.000000001", False),
        (15, 14, "0.000012345678901", False),
    ],
)
def test_numeric_values_below_one_ten_thousandth(
    db: typedb.Database, p: int, s: int, value: str, kept: bool
) -> None:
    # Below 1e-4 the scale is read from the number's exponent form (see _within_scale).
    table = _table(db, p, s)
    if kept:
        rows = db.insert_into(table).values({"n": Decimal(value)}).returning("n").execute().rows
        assert rows == [{"n": Decimal(value)}]
    elif db.dialect.name == "sqlite":
        with pytest.raises(typedb.QueryError, match=rf"numeric\({p},{s}\)"):
            db.insert_into(table).values({"n": Decimal(value)}).execute()
    else:  # PostgreSQL rounds the extra decimals away
        rows = db.insert_into(table).values({"n": Decimal(value)}).returning("n").execute().rows
        assert rows == [{"n": Decimal(value).quantize(Decimal(1).scaleb(-s), ROUND_HALF_UP)}]
