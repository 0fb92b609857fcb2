"""Python types round-trip through the builders and come back the same from both backends.

Includes property tests (hypothesis) for text, 64-bit integers and decimals, and hostile values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import typedb

COLUMNS = {
    "b": "boolean",
    "i": "bigint",
    "f": "double precision",
    "s": "text",
    "d": "numeric(10,2)",
    "dx": "numeric",
    "dt": "date",
    "tm": "time",
    "ts": "timestamp",
    "tz": "timestamptz",
    "u": "uuid",
    "j": "json",
    "jb": "jsonb",
    "by": "bytea",
}

SAMPLE: dict[str, Any] = {
    "b": True,
    "i": 2**63 - 1,
    "f": 1.25,
    "s": "héllo 'wörld'; \"quoted\" -- ☃",
    "d": Decimal("12345678.91"),
    "dx": Decimal("1234567890.12345"),  # SQLite keeps 15 digits; wider is refused there
    "dt": date(2024, 2, 29),
    "tm": time(23, 59, 58, 123456),
    "ts": datetime(2024, 2, 29, 12, 30, 45, 123456),
    "tz": datetime(2024, 2, 29, 12, 30, 45, 123456, tzinfo=timezone(timedelta(hours=5))),
    "u": UUID("12345678-1234-5678-1234-567812345678"),
    "j": {"a": [1, 2.5, "x", None, True], "nested": {"k": "v"}},
    "jb": [{"x": 1}, "two", 3],
    "by": b"\x00\x01\xff binary",
}


@pytest.fixture
def typed(db: typedb.Database) -> typedb.Database:
    table = db.schema.create_table("typed").add_id_column()
    for name, data_type in COLUMNS.items():
        table = table.add_column(name, data_type)
    table.execute()
    return db


def test_every_type_round_trips(typed: typedb.Database) -> None:
    typed.insert_into("typed").values(SAMPLE).execute()
    row = typed.select_from("typed").select(*COLUMNS).execute_take_first_or_throw()
    for name, value in SAMPLE.items():
        assert type(row[name]) is type(value), name
        assert row[name] == value, name
    assert row["tz"].utcoffset() is not None  # timestamptz comes back aware
    assert row["ts"].tzinfo is None  # timestamp comes back naive


def test_none_round_trips_in_every_column(typed: typedb.Database) -> None:
    typed.insert_into("typed").values(dict.fromkeys(COLUMNS)).execute()
    row = typed.select_from("typed").select(*COLUMNS).execute_take_first_or_throw()
    assert row == dict.fromkeys(COLUMNS)


def test_returning_gives_typed_values(typed: typedb.Database) -> None:
    result = typed.insert_into("typed").values(SAMPLE).returning(*COLUMNS).execute()
    assert result.rows == [SAMPLE]
    updated = (
        typed.update_table("typed")
        .set({"b": False, "dt": date(2000, 1, 1)})
        .where("u", "=", SAMPLE["u"])
        .returning("b", "dt")
        .execute()
    )
    assert updated.rows == [{"b": False, "dt": date(2000, 1, 1)}]


@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        ("i", -5, 7),
        ("f", -0.5, 0.75),
        ("d", Decimal("-1.50"), Decimal("99.99")),
        ("dt", date(2024, 1, 1), date(2024, 12, 31)),
        ("tm", time(1, 0), time(13, 30, 0, 5)),
        ("ts", datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 0, 0, 1)),
        (
            "tz",
            datetime(2024, 1, 1, 10, tzinfo=UTC),
            datetime(2024, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=-1))),
        ),
    ],
)
def test_typed_values_compare_in_where(
    typed: typedb.Database, column: str, low: Any, high: Any
) -> None:
    typed.insert_into("typed").values([{column: low}, {column: high}]).execute()
    q = typed.select_from("typed").select(column)
    assert q.where(column, "=", low).execute() == [{column: low}]
    assert q.where(column, ">", low).execute() == [{column: high}]
    assert q.where(column, "in", [high]).execute() == [{column: high}]
    assert q.order_by(column, "desc").execute() == [{column: high}, {column: low}]


def test_bool_and_uuid_and_bytes_in_where(typed: typedb.Database) -> None:
    ids = [uuid4(), uuid4()]
    typed.insert_into("typed").values(
        [{"b": True, "u": ids[0], "by": b"a"}, {"b": False, "u": ids[1], "by": b"b"}]
    ).execute()
    q = typed.select_from("typed").select("u")
    assert q.where("b", "=", True).execute() == [{"u": ids[0]}]
    assert q.where("u", "=", ids[1]).execute() == [{"u": ids[1]}]
    assert q.where("by", "=", b"a").execute() == [{"u": ids[0]}]


def test_aware_timestamps_are_the_same_instant(typed: typedb.Database) -> None:
    moment = datetime(2024, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    typed.insert_into("typed").values({"tz": moment}).execute()
    got = typed.select_from("typed").select("tz").execute_take_first_or_throw()["tz"]
    assert got == moment
    assert got.utcoffset() is not None
    assert got.astimezone(UTC) == datetime(2024, 6, 1, 10, 0, tzinfo=UTC)


def test_nul_in_text_is_refused_on_every_backend(typed: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match=r"column 's'.*NUL"):
        typed.insert_into("typed").values({"s": "a\x00b"})
    with pytest.raises(typedb.CompileError, match="NUL"):
        typed.select_from("typed").where("s", "=", "a\x00b")
    with pytest.raises(typedb.CompileError, match="NUL"):
        typed.select_from("typed").where("s", "in", ["ok", "a\x00b"])
    with pytest.raises(typedb.CompileError, match="NUL"):
        typed.update_table("typed").set({"s": "\x00"})
    # NUL is fine in bytes.
    typed.insert_into("typed").values({"by": b"a\x00b"}).execute()
    assert typed.select_from("typed").select("by").execute() == [{"by": b"a\x00b"}]


def test_integer_beyond_64_bits_is_a_query_error(typed: typedb.Database) -> None:
    with pytest.raises(typedb.QueryError):
        typed.insert_into("typed").values({"i": 2**63}).execute()
    with pytest.raises(typedb.QueryError):
        typed.insert_into("typed").values({"i": -(2**63) - 1}).execute()


HOSTILE = [
    "'; DROP TABLE typed; --",
    '" OR 1=1 --',
    "%s %(name)s %% ? ?1 :name $1",
    "\\'; SELECT 1; --",
    "Robert'); DROP TABLE Students;--",
    "\x1b[31m\r\n\t",
    "\u202e\ufeff\u200b",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_stays_data(typed: typedb.Database, value: str) -> None:
    typed.insert_into("typed").values({"s": value}).execute()
    assert typed.select_from("typed").select("s").where("s", "=", value).execute() == [{"s": value}]
    typed.update_table("typed").set({"s": value + value}).where("s", "=", value).execute()
    assert typed.select_from("typed").select("s").execute() == [{"s": value + value}]
    assert typed.delete_from("typed").where("s", "=", value + value).execute().num_deleted_rows == 1


def test_hostile_json_stays_data(typed: typedb.Database) -> None:
    value = {"'; DROP TABLE typed; --": ["%s", "?", "\\"], "x": "\u2028"}
    typed.insert_into("typed").values({"j": value, "jb": value}).execute()
    row = typed.select_from("typed").select("j", "jb").execute_take_first_or_throw()
    assert row == {"j": value, "jb": value}


# -- property tests ---------------------------------------------------------------------------

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
tricky_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("'\";%?\\$:-/*\n\r\t _")),
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    ),
    max_size=60,
)


def _round_trip(db: typedb.Database, column: str, value: Any) -> Any:
    inserted = db.insert_into("typed").values({column: value}).returning("id").execute()
    row_id = inserted.rows[0]["id"]
    found = db.select_from("typed").select(column).where("id", "=", row_id)
    found = found.where(column, "=", value)
    return found.execute_take_first_or_throw()[column]


def _property(test: Callable[..., None]) -> Callable[..., None]:
    return PROPERTY(test)


@_property
@given(value=tricky_text)
def test_text_round_trips(typed: typedb.Database, value: str) -> None:
    assert _round_trip(typed, "s", value) == value


@_property
@given(value=st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([-(2**63), 2**63 - 1, 0])))
def test_bigint_round_trips_to_the_64_bit_limits(typed: typedb.Database, value: int) -> None:
    got = _round_trip(typed, "i", value)
    assert type(got) is int and got == value


@_property
@given(value=st.decimals(min_value=-99_999_999, max_value=99_999_999, places=2))
def test_numeric_10_2_round_trips(typed: typedb.Database, value: Decimal) -> None:
    got = _round_trip(typed, "d", value)
    assert type(got) is Decimal and got == value


@_property
@given(
    value=st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 100
    )
)
def test_unbounded_numeric_keeps_every_digit(typed: typedb.Database, value: Decimal) -> None:
    # SQLite's numbers keep 15 significant digits: a wider Decimal is refused there, never
    # rounded; PostgreSQL keeps every digit.
    exact_int = value == value.to_integral_value() and -(2**63) <= value < 2**63
    wide = len(value.normalize().as_tuple().digits) > 15 and not exact_int
    if wide and typed.dialect.name == "sqlite":
        with pytest.raises(typedb.CompileError, match="significant digits"):
            _round_trip(typed, "dx", value)
        return
    got = _round_trip(typed, "dx", value)
    assert type(got) is Decimal and got == value
