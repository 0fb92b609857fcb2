"""The same contract gives the same values and answers on both backends, or a clear error;
SQLite refuses what PostgreSQL refuses, at write time (issue 8, defects 3b, 5, 6 and 7)."""

from __future__ import annotations

import doctest
import math
import re
import sqlite3
import textwrap
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

import typedb
from typedb.query import fn


@pytest.fixture
def things(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("things").add_id_column().add_column("u", "uuid").add_column(
        "j", "json"
    ).add_column("d", "date").add_column("tm", "time").add_column("n", "numeric(10,2)").add_column(
        "b", "boolean"
    ).add_column("f", "double precision").add_column("i", "integer").add_column(
        "v", "varchar(3)"
    ).add_column("c", "char(3)").add_timestamp_columns().add_soft_delete_column().execute()
    return db


# -- defect 5: one text form for every timestamp written --------------------------------------


def test_a_defaulted_timestamp_finds_its_own_row(things: typedb.Database) -> None:
    things.insert_into("things").values({"v": "a"}).execute()
    row = things.select_from("things").select_all().execute_take_first_or_throw()
    found = things.select_from("things").where("created_at", "=", row["created_at"]).execute()
    assert [r["id"] for r in found] == [row["id"]]


def test_a_soft_deleted_row_is_restored_by_its_deleted_at(things: typedb.Database) -> None:
    things.insert_into("things").values([{"v": "a"}, {"v": "b"}]).execute()
    things.soft_delete("things").where("v", "=", "a").execute()
    gone = things.select_from("things").where_deleted().execute_take_first_or_throw()
    restored = (
        things.update_table("things")
        .set({"deleted_at": None})
        .where("deleted_at", "=", gone["deleted_at"])
        .execute()
    )
    assert restored.num_updated_rows == 1
    assert things.select_from("things").where_deleted().execute() == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("created_at", datetime(2024, 5, 6, 7, 8, 9)),
        ("created_at", datetime(2024, 5, 6, 7, 8, 9, 120000)),
        ("tm", time(7, 8, 9)),
        ("tm", time(7, 8, 9, 5)),
        ("d", date(2024, 2, 29)),
    ],
)
def test_a_default_literal_compares_equal_to_the_bound_value(
    db: typedb.Database, column: str, value: date
) -> None:
    data_type = {"created_at": "timestamp", "tm": "time", "d": "date"}[column]
    db.schema.create_table("t").add_id_column().add_column(
        column, data_type, lambda c: c.default_to(value)
    ).execute()
    db.insert_into("t").values({}).execute()
    assert db.select_from("t").where(column, "=", value).execute() != []
    assert db.select_from("t").select(column).execute_take_first_or_throw()[column] == value


def test_sqlite_current_timestamp_is_in_the_same_form(things: typedb.Database) -> None:
    # typedb.sql("CURRENT_TIMESTAMP") and raw SQL writers are accepted and compare equal.
    things.raw("INSERT INTO things (v, deleted_at) VALUES ('a', CURRENT_TIMESTAMP)")
    row = things.select_from("things").select_all().execute_take_first_or_throw()
    found = things.select_from("things").where("deleted_at", "=", row["deleted_at"]).execute()
    assert len(found) == 1


# -- defect 6: decimals --------------------------------------------------------------------


def test_a_decimal_compares_with_an_aggregate(db: typedb.Database) -> None:
    db.schema.create_table("orders").add_id_column().add_column("customer", "text").add_column(
        "total", "numeric(10,2)"
    ).execute()
    db.insert_into("orders").values(
        [
            {"customer": "a", "total": Decimal("0.50")},
            {"customer": "a", "total": Decimal("12.25")},
            {"customer": "b", "total": Decimal("0.75")},
        ]
    ).execute()
    rows = (
        db.select_from("orders")
        .select("customer")
        .group_by("customer")
        .having(fn.max("total"), ">", Decimal("1"))
        .execute()
    )
    assert rows == [{"customer": "a"}]


def test_numeric_overflow_is_refused(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("n", "numeric(10,2)").execute()
    with pytest.raises(typedb.TypedbError):
        db.insert_into("t").values({"n": Decimal("1234567890123456.7")}).execute()
    with pytest.raises(typedb.QueryError):
        db.insert_into("t").values({"n": Decimal("100000000")}).execute()  # 9 integer digits
    with pytest.raises(typedb.QueryError):
        db.raw("INSERT INTO t (n) VALUES (1234567890123456.7)")
    assert db.select_from("t").execute() == []


@pytest.mark.parametrize("value", [Decimal("123456789012345678.5"), 2**64])
def test_a_wide_default_is_exact_or_refused(db: typedb.Database, value: Any) -> None:
    # PostgreSQL keeps every digit; SQLite's numbers cannot, so it refuses at DDL time
    # instead of returning a rounded float.
    build = (
        db.schema.create_table("t")
        .add_column("k", "integer")
        .add_column("n", "numeric", lambda c: c.default_to(value))
    )
    if db.dialect.name == "sqlite":
        with pytest.raises(typedb.CompileError, match=r"t\.n"):
            build.execute()
        return
    build.execute()
    db.insert_into("t").values({"k": 1}).execute()
    got = db.select_from("t").select("n").execute_take_first_or_throw()["n"]
    assert type(got) is Decimal and got == value


def test_a_wider_numeric_type_is_refused_on_sqlite(db: typedb.Database) -> None:
    build = db.schema.create_table("t").add_column("n", "numeric(30,4)")
    if db.dialect.name == "sqlite":
        with pytest.raises(typedb.DataTypeError, match="15 significant digits"):
            build.execute()
    else:
        build.execute()


# -- defect 7: values PostgreSQL refuses are refused at write time ---------------------------

HOSTILE = [
    ("u", "not-a-uuid"),
    ("j", "hello"),
    ("d", "2024-13-45"),
    ("d", "2024-02-30"),
    ("tm", "25:00:00"),
    ("n", "abc"),
    ("b", "maybe"),
    ("i", "abc"),
    ("i", 2**31),
    ("f", "abc"),
    ("created_at", "not a time"),
]


@pytest.mark.parametrize(("column", "value"), HOSTILE)
def test_a_value_of_the_wrong_type_is_refused_by_the_builder(
    things: typedb.Database, column: str, value: Any
) -> None:
    with pytest.raises(typedb.QueryError) as caught:
        things.insert_into("things").values({"v": "a", column: value}).execute()
    if things.dialect.name == "sqlite":
        assert f"things.{column}" in str(caught.value)
    assert things.select_from("things").select_all().execute() == []


@pytest.mark.parametrize(("column", "value"), HOSTILE)
def test_a_value_of_the_wrong_type_is_refused_in_raw_sql(
    things: typedb.Database, column: str, value: Any
) -> None:
    things.insert_into("things").values({"v": "a"}).execute()
    before = things.select_from("things").select_all().execute_take_first_or_throw()
    sql = {
        "u": "UPDATE things SET u = %s",
        "j": "UPDATE things SET j = %s",
        "d": "UPDATE things SET d = %s",
        "tm": "UPDATE things SET tm = %s",
        "n": "UPDATE things SET n = %s",
        "b": "UPDATE things SET b = %s",
        "i": "UPDATE things SET i = %s",
        "f": "UPDATE things SET f = %s",
        "created_at": "UPDATE things SET created_at = %s",
    }[column]
    with pytest.raises(typedb.QueryError) as caught:
        things.raw(sql, [value])
    if things.dialect.name == "sqlite":
        assert f"things.{column}" in str(caught.value)
    # Every read still works: nothing unreadable was stored.
    assert things.select_from("things").select_all().execute() == [before]


def test_a_boolean_written_as_text_never_reads_back_wrong(things: typedb.Database) -> None:
    things.insert_into("things").values({"v": "a"}).execute()
    try:
        things.raw("UPDATE things SET b = 'false'")
    except typedb.QueryError:
        assert things.dialect.name == "sqlite"  # refused; PostgreSQL parses it
    row = things.select_from("things").select("b").execute_take_first_or_throw()
    assert row["b"] in (False, None)


def test_nan_is_kept_or_refused_never_null(things: typedb.Database) -> None:
    try:
        things.insert_into("things").values({"v": "a", "f": math.nan}).execute()
    except typedb.TypedbError as exc:
        assert things.dialect.name == "sqlite" and "NaN" in str(exc)
        assert things.select_from("things").execute() == []
        return
    row = things.select_from("things").select("f").execute_take_first_or_throw()
    assert math.isnan(row["f"])


def test_valid_values_still_round_trip(things: typedb.Database) -> None:
    values = {
        "u": uuid4(),
        "j": {"a": [1, "x"]},
        "d": date(2024, 2, 29),
        "tm": time(23, 59, 59, 999999),
        "n": Decimal("-99999999.99"),
        "b": False,
        "f": -0.5,
        "i": -(2**31),
        "v": "abc",
        "c": "xyz",
    }
    things.insert_into("things").values(values).execute()
    row = things.select_from("things").select(*values).execute_take_first_or_throw()
    assert row == values


# -- defect 3: varchar(n) / char(n) length ---------------------------------------------------


def test_varchar_length_is_enforced(things: typedb.Database) -> None:
    with pytest.raises(typedb.QueryError, match="too long"):
        things.insert_into("things").values({"v": "abcd"}).execute()
    with pytest.raises(typedb.QueryError, match="too long"):
        things.raw("INSERT INTO things (v) VALUES ('abcd')")
    with pytest.raises(typedb.QueryError):
        things.insert_into("things").values({"c": "abcd"}).execute()
    assert things.select_from("things").execute() == []


def test_varchar_length_follows_a_type_change(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("v", "varchar(3)").execute()
    db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type("varchar(5)")).execute()
    db.insert_into("t").values({"v": "abcde"}).execute()
    with pytest.raises(typedb.QueryError, match="too long"):
        db.insert_into("t").values({"v": "abcdef"}).execute()
    db.schema.alter_table("t").alter_column("v", lambda c: c.set_data_type("text")).execute()
    db.insert_into("t").values({"v": "abcdefgh"}).execute()
    assert len(db.select_from("t").execute()) == 2


def test_a_type_check_names_the_column_after_a_rename(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("v", "varchar(2)").execute()
    db.schema.alter_table("t").rename_column("v", "w").execute()
    with pytest.raises(typedb.QueryError, match="too long") as caught:
        db.insert_into("t").values({"w": "abc"}).execute()
    if db.dialect.name == "sqlite":
        assert "t.w" in str(caught.value)


def test_the_developers_own_check_stays_an_integrity_error(db: typedb.Database) -> None:
    # Written to start with the quoted column, as typedb's type CHECK does.
    db.schema.create_table("t").add_column(
        "v", "varchar(5)", lambda c: c.check("\"v\" <> 'bad'")
    ).execute()
    with pytest.raises(typedb.IntegrityError) as caught:
        db.insert_into("t").values({"v": "bad"}).execute()
    assert "too long" not in str(caught.value)


# -- defect 7: typedb's sqlite3 converters are its own ----------------------------------------


def test_other_sqlite3_code_in_the_process_is_unaffected(sqlite_url: str) -> None:
    with typedb.connect(sqlite_url) as db:
        db.schema.create_table("t").add_column("u", "uuid").add_column("j", "json").execute()
        value = uuid4()
        db.insert_into("t").values({"u": value, "j": [1]}).execute()
        path = db.url.path
    plain = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES)
    try:
        # No typedb parsing for code that did not ask for it...
        assert plain.execute("SELECT u, j FROM t").fetchall() == [(str(value), "[1]")]
        # ...and a converter that code registers does not reach typedb.
        sqlite3.register_converter("UUID", lambda raw: "hijacked")
        assert plain.execute("SELECT u FROM t").fetchall() == [("hijacked",)]
        with typedb.connect(sqlite_url) as db:
            assert db.select_from("t").select("u").execute() == [{"u": UUID(str(value))}]
    finally:
        sqlite3.converters.pop("UUID", None)
        plain.close()


def test_readme_types_example_runs() -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("### Types: the same on both backends") :]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None
    test = doctest.DocTestParser().get_doctest(
        textwrap.dedent(found.group(1)), {}, "README types", str(readme), 0
    )
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert test.examples  # the block was found and run
