"""An int past Python's 4,300-digit string limit, as a value. psycopg writes an int's digits
with str(), which Python refuses past 4,300 digits: every insert, update or comparison with
one failed with a bare ValueError ("Exceeds the limit (4300 digits) for integer string
conversion") naming no column, though PostgreSQL's numeric holds 131,072 digits. Now
PostgreSQL stores and compares it exactly; SQLite, whose integers stop at 64 bits, refuses it
with a QueryError as it refuses any int past 64 bits. Both backends, every path a value takes
(one row, many rows through COPY, a comparison, an update)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

import typedb

HUGE = 10**5000 + 7


@pytest.fixture
def table(db: typedb.Database) -> typedb.Database:
    db.raw("CREATE TABLE huge (id integer PRIMARY KEY, n numeric, b bigint)")
    return db


def test_a_huge_int_is_stored_and_compared_exactly_or_refused(
    table: typedb.Database, backend: str
) -> None:
    db = table
    if backend == "sqlite":
        with pytest.raises(typedb.QueryError, match="out of range"):
            db.insert_into("huge").values({"id": 1, "n": HUGE}).execute()
        assert db.select_from("huge").execute() == []
        return
    db.insert_into("huge").values({"id": 1, "n": HUGE}).execute()
    db.insert_into("huge").values({"id": 2, "n": 1}).execute()
    assert db.select_from("huge").select("id").where("n", "=", HUGE).execute() == [{"id": 1}]
    db.update_table("huge").set({"n": HUGE + 1}).where("id", "=", 2).execute()
    got = db.select_from("huge").select("id", "n").order_by("id").execute()
    assert got == [{"id": 1, "n": Decimal(HUGE)}, {"id": 2, "n": Decimal(HUGE + 1)}]


def test_many_rows_with_a_huge_int_go_through_copy(table: typedb.Database, backend: str) -> None:
    db = table
    rows = [{"id": i, "n": HUGE + i} for i in range(200)]
    if backend == "sqlite":
        with pytest.raises(typedb.QueryError, match="out of range"):
            db.insert_into("huge").values(rows).execute()
        assert db.select_from("huge").execute() == []
        return
    assert db.insert_into("huge").values(rows).execute().num_inserted_rows == 200
    got = db.select_from("huge").select("n").order_by("id").execute()
    assert got == [{"n": Decimal(HUGE + i)} for i in range(200)]


def test_a_huge_int_for_a_bigint_column(table: typedb.Database, backend: str) -> None:
    """Stored: "bigint out of range" on both. Compared: PostgreSQL compares a bigint with a
    numeric (no row is that large), SQLite refuses the value."""
    with pytest.raises(typedb.QueryError, match="out of range"):
        table.insert_into("huge").values({"id": 1, "b": HUGE}).execute()
    table.insert_into("huge").values({"id": 1, "b": 5}).execute()
    query = table.select_from("huge").select("id").where("b", "<", HUGE)
    if backend == "sqlite":
        with pytest.raises(typedb.QueryError, match="out of range"):
            query.execute()
    else:
        assert query.execute() == [{"id": 1}]


@pytest.mark.parametrize("many", [False, True], ids=["one", "copy"])
def test_an_int_past_numeric_is_refused_before_its_digits_are_written(
    table: typedb.Database, backend: str, many: bool
) -> None:
    """numeric holds 131,072 digits before the point. Writing the digits of an int is
    quadratic in its length (Python's own 4,300-digit limit guards against that): a
    600,000-digit int took seconds, ten million hours, before PostgreSQL refused it. It is
    refused at once, saying what the limit is; SQLite refuses any int past 64 bits."""
    values = {"id": 1, "n": -(1 << 2_000_000)}
    started = time.monotonic()
    with pytest.raises(typedb.QueryError, match=r"out of range|overflows") as raised:
        table.insert_into("huge").values([values, {"id": 2, "n": 1}] if many else values).execute()
    assert time.monotonic() - started < 1.0
    if backend != "sqlite":
        assert "131072 digits" in str(raised.value)
    assert table.select_from("huge").execute() == []


def test_an_async_int_past_numeric_is_refused_before_its_digits_are_written(
    db_url: str, backend: str
) -> None:
    async def main() -> None:
        async with typedb.connect_async(db_url) as db:
            await db.raw("CREATE TABLE huge (id integer PRIMARY KEY, n numeric)")
            started = time.monotonic()
            with pytest.raises(typedb.QueryError, match=r"out of range|overflows"):
                await db.select_from("huge").where("n", "=", 1 << 2_000_000).execute()
            assert time.monotonic() - started < 1.0

    asyncio.run(main())
