"""Defect 3 of issue 8: a column's type changes only if every value survives unchanged.
PostgreSQL's `USING col::varchar(5)` cut strings; numeric scale reductions round, a date
drops the time, an integer rounds a float. Each is refused on both backends, naming the
table, the column, how many values and one of them; the database stays as it was."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from catalog import columns

import typedb


def _table(db: typedb.Database, data_type: str, values: list[Any]) -> None:
    db.schema.create_table("t").add_id_column().add_column("v", data_type).execute()
    for value in values:
        db.insert_into("t").values({"v": value}).execute()  # type: ignore[call-overload]


def _values(db: typedb.Database) -> list[Any]:
    return [r["v"] for r in db.raw("SELECT v FROM t ORDER BY id")]


LOSSY = [
    ("varchar(10)", ["abc", "abcdefg", "abcdefgh"], "varchar(5)", "abcdefg", 2),
    ("text", ["abc", "abcdef"], "varchar(5)", "abcdef", 1),
    ("numeric(10,3)", [Decimal("1.230"), Decimal("1.235")], "numeric(10,2)", "1.235", 1),
    ("timestamp", [datetime(2024, 1, 2, 12, 30)], "date", "2024-01-02", 1),
    ("double precision", [2.0, 1.5], "integer", "1.5", 1),
    ("double precision", [0.5, 0.123456789], "real", "0.123456789", 1),
    ("integer", [1, 16777217], "real", "16777217", 1),
    ("bigint", [2**53 + 1], "double precision", "9007199254740993", 1),
    ("integer", [1, 2], "boolean", "2", 1),
    ("text", ["1.5", "2.255"], "numeric(5,2)", "2.255", 1),
]


@pytest.mark.parametrize(("old", "values", "new", "sample", "count"), LOSSY)
def test_a_lossy_type_change_is_refused(
    db: typedb.Database, old: str, values: list[Any], new: str, sample: str, count: int
) -> None:
    _table(db, old, values)
    before, stored = columns(db, "t"), _values(db)
    with pytest.raises(typedb.QueryError) as caught:
        db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type(new)).execute()
    message = str(caught.value)
    assert "t.v" in message and sample in message and f"{count} value(s)" in message
    assert columns(db, "t") == before
    assert _values(db) == stored


LOSSLESS = [
    ("varchar(10)", ["abc", "abcde", None], "varchar(5)", ["abc", "abcde", None]),
    ("numeric(10,3)", [Decimal("1.230")], "numeric(10,2)", [Decimal("1.23")]),
    ("timestamp", [datetime(2024, 1, 2)], "date", [date(2024, 1, 2)]),
    ("double precision", [2.0, -7.0], "integer", [2, -7]),
    ("double precision", [0.5, 0.1], "real", [0.5, 0.1]),
    ("integer", [5, -3], "text", ["5", "-3"]),
    ("text", ["007", "42"], "integer", [7, 42]),
    ("integer", [0, 1], "boolean", [False, True]),
    ("integer", [1, 2], "bigint", [1, 2]),
    ("varchar(5)", ["abc"], "text", ["abc"]),
]


@pytest.mark.parametrize(("old", "values", "new", "after"), LOSSLESS)
def test_a_lossless_type_change_keeps_every_value(
    db: typedb.Database, old: str, values: list[Any], new: str, after: list[Any]
) -> None:
    _table(db, old, values)
    db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type(new)).execute()
    got = _values(db)
    assert [pytest.approx(v, rel=1e-6) if isinstance(v, float) else v for v in after] == got


@pytest.mark.parametrize(
    ("old", "values", "new"),
    [
        ("text", ["12", "abc"], "integer"),
        ("numeric(10,2)", [Decimal("12345.67")], "numeric(6,2)"),
        ("integer", [40000], "smallint"),
    ],
)
def test_a_value_that_cannot_convert_at_all_is_refused_naming_the_column(
    db: typedb.Database, old: str, values: list[Any], new: str
) -> None:
    _table(db, old, values)
    stored = _values(db)
    with pytest.raises(typedb.QueryError, match=r"t\.v"):
        db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type(new)).execute()
    assert _values(db) == stored


def test_a_refused_change_undoes_the_rest_of_the_alter(db: typedb.Database) -> None:
    _table(db, "varchar(10)", ["abcdefg"])
    before = columns(db, "t")
    with pytest.raises(typedb.QueryError, match="abcdefg"):
        db.schema.alter_table("t").add_column("note", "text").alter_column(
            "v", lambda c: c.set_data_type("varchar(3)")
        ).execute()
    assert columns(db, "t") == before


def test_a_lossy_change_in_a_migration_rolls_it_back(db: typedb.Database) -> None:
    from typedb.migrator import MigrationFailed, MigrationRunner

    _table(db, "varchar(10)", ["abcdefg"])

    def up(trx: typedb.Database) -> None:
        trx.raw("UPDATE t SET v = 'xyzxyzx'")
        trx.schema.alter_table("t").alter_column(
            "v", lambda c: c.set_data_type("varchar(5)")
        ).execute()

    with pytest.raises(MigrationFailed, match="xyzxyzx"):
        MigrationRunner(db, [typedb.migration("narrow", up=up)]).up()
    assert _values(db) == ["abcdefg"]


def test_a_widened_varchar_takes_longer_values_and_keeps_other_checks(db: typedb.Database) -> None:
    # What a type brings along (SQLite enforces varchar(n) with a CHECK) follows the new type,
    # while the column's own CHECK stays.
    db.schema.create_table("t").add_id_column().add_column(
        "v", "varchar(5)", lambda c: c.check("v <> 'bad'")
    ).execute()
    db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type("varchar(20)")).execute()
    db.raw("INSERT INTO t (v) VALUES ('a much longer text')")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO t (v) VALUES ('bad')")
    db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type("text")).execute()
    db.raw("INSERT INTO t (v) VALUES ('longer than twenty characters')")
