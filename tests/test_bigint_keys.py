"""An auto-increment `bigint` key is a bigint on both backends.

SQLite can only auto-increment a column declared INTEGER (its rowid), so typedb declared a
bigint key INTEGER there and forgot the bigint: its sum came back an int (PostgreSQL:
numeric), the schema read it as `integer` (contracts:check reported the contract's bigint
as wrong, migration:generate wanted to change it every time), and changing an id's type to
bigint failed ("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY"). typedb now writes
the bigint's type CHECK on the key and reads the bigint back from it; renames and table
rebuilds keep it. Every test runs on both backends.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typedb
from typedb.contracts import load_file, merge
from typedb.query import fn
from typedb.schema_diff import describe, diff, from_database, from_registry
from typedb.schema_diff._check import check_contracts

CONTRACTS = """\
from typing import Annotated, TypedDict
from typedb.contracts import Column, Generated

class BigIdsTable(TypedDict):
    id: Annotated[Generated[int], Column(type="bigint")]
    n: int | None

class Database(TypedDict):
    big_ids: BigIdsTable
"""


def _create(db: typedb.Database) -> None:
    db.schema.create_table("big_ids").add_column(
        "id", "bigint", lambda c: c.primary_key().auto_increment()
    ).add_column("n", "integer").execute()


def _id_type(db: typedb.Database, table: str = "big_ids", column: str = "id") -> str:
    found = from_database(db).table(table)
    assert found is not None
    col = found.column(column)
    assert col is not None and col.auto_increment
    return col.type


def _id_sum(db: typedb.Database, table: str = "big_ids", column: str = "id") -> object:
    row = db.select_from(table).select(fn.sum(column).as_("s")).execute_take_first_or_throw()
    return row["s"]


def test_a_bigint_key_matches_its_contract(db: typedb.Database, tmp_path: Path) -> None:
    _create(db)
    path = tmp_path / "contracts.py"
    path.write_text(CONTRACTS)
    registry = merge([load_file(path)])
    live = from_database(db)
    assert [describe(c) for c in diff(live, from_registry(registry, db.dialect.name, live))] == []
    assert check_contracts(registry, db) == []
    assert _id_type(db) == "bigint"
    table = live.table("big_ids")
    assert table is not None and table.checks == ()  # the type's CHECK is not the developer's


def test_a_bigint_key_stays_one_through_renames_and_rebuilds(db: typedb.Database) -> None:
    _create(db)
    db.insert_into("big_ids").values([{"n": 1}, {"n": 2}]).execute()
    db.schema.alter_table("big_ids").rename_column("id", "key").execute()
    assert _id_type(db, column="key") == "bigint"
    # A rebuild on SQLite (a type change of another column) keeps the key's CHECK.
    db.schema.alter_table("big_ids").alter_column(
        "n", lambda c: c.set_data_type("bigint")
    ).execute()
    db.schema.alter_table("big_ids").rename_to("big_keys").execute()
    assert _id_type(db, "big_keys", "key") == "bigint"
    assert _id_sum(db, "big_keys", "key") == Decimal(3)
    assert type(_id_sum(db, "big_keys", "key")) is Decimal
    db.insert_into("big_keys").values({"n": 3}).execute()
    assert [r["key"] for r in db.select_from("big_keys").order_by("key").execute()] == [1, 2, 3]


def test_an_id_becomes_a_bigint_and_back(db: typedb.Database) -> None:
    db.schema.create_table("ids").add_id_column().add_column("n", "integer").execute()
    db.insert_into("ids").values([{"n": 1}, {"n": 2}]).execute()
    assert type(_id_sum(db, "ids")) is int
    db.schema.alter_table("ids").alter_column("id", lambda c: c.set_data_type("bigint")).execute()
    assert _id_type(db, "ids") == "bigint"
    assert (type(_id_sum(db, "ids")), _id_sum(db, "ids")) == (Decimal, Decimal(3))
    db.insert_into("ids").values({"n": 3}).execute()  # still auto-increments
    assert [r["id"] for r in db.select_from("ids").order_by("id").execute()] == [1, 2, 3]
    db.schema.alter_table("ids").alter_column("id", lambda c: c.set_data_type("integer")).execute()
    assert _id_type(db, "ids") == "integer"
    assert (type(_id_sum(db, "ids")), _id_sum(db, "ids")) == (int, 6)


def test_a_bigint_key_in_arithmetic_is_a_bigint(db: typedb.Database) -> None:
    """`id * id` of a bigint key computes in 64 bits on PostgreSQL; SQLite read the key as
    an integer and checked the product for 32 bits ("integer out of range")."""
    _create(db)
    db.insert_into("big_ids").values({"id": 3000000000, "n": 1}).execute()
    row = (
        db.select_from("big_ids")
        .select(lambda eb: [(eb.ref("id") * 2).as_("twice")])
        .where(lambda eb: eb(eb.ref("id") * 2, ">", 0))
        .execute_take_first_or_throw()
    )
    assert row["twice"] == 6000000000
