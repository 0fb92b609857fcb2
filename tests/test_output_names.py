"""Output column names a query gives itself, used where SQL allows them: `order_by` of a
select() alias or aggregate alias (ORDER BY may name an output column), and `returning`
with `"col as alias"`. The stubs accept these (issue 10: they were false errors); these tests
say the runtime runs them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

import typedb
from typedb.query import fn


@pytest.fixture
def items(db: typedb.Database) -> typedb.Database:
    db.raw("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price integer)")
    for id_, name, price in [(1, "kite", 5), (2, "lamp", 30), (3, "lamp", 40), (4, "bell", 7)]:
        db.insert_into("items").values({"id": id_, "name": name, "price": price}).execute()
    return db


def test_order_by_an_aggregate_alias(items: typedb.Database) -> None:
    rows = (
        items.select_from("items")
        .select("name", fn.count("id").as_("n"))
        .group_by("name")
        .order_by("n", "desc")
        .order_by("name")
        .execute()
    )
    assert rows == [{"name": "lamp", "n": 2}, {"name": "bell", "n": 1}, {"name": "kite", "n": 1}]


def test_order_by_a_column_alias(items: typedb.Database) -> None:
    rows = (
        items.select_from("items").select("name as t", "id").order_by("t").order_by("id").execute()
    )
    assert [(r["t"], r["id"]) for r in rows] == [("bell", 4), ("kite", 1), ("lamp", 2), ("lamp", 3)]


def test_returning_an_alias_on_every_write(items: typedb.Database) -> None:
    inserted = (
        items.insert_into("items").values({"id": 5, "name": "drum"}).returning("name as title")
    )
    assert inserted.execute_take_first_or_throw() == {"title": "drum"}
    updated = (
        items.update_table("items").set({"price": 9}).where("id", "=", 5)
        .returning("id", "price as cost").execute().rows
    )  # fmt: skip
    assert updated == [{"id": 5, "cost": 9}]
    deleted = items.delete_from("items").where("id", "=", 5).returning("name as gone").execute()
    assert deleted.rows == [{"gone": "drum"}]


def test_order_by_an_alias_made_in_raw_sql_or_an_expression(items: typedb.Database) -> None:
    counted = (
        items.select_from("items").select("name", typedb.sql("count(*) AS n"))
        .group_by("name").order_by("n", "desc").order_by("name").execute()
    )  # fmt: skip
    assert [(r["name"], r["n"]) for r in counted] == [("lamp", 2), ("bell", 1), ("kite", 1)]
    doubled = (
        items.select_from("items").select("id", lambda eb: (eb.ref("price") * 2).as_("double"))
        .order_by("double", "desc").execute()
    )  # fmt: skip
    assert [(r["id"], r["double"]) for r in doubled] == [(3, 80), (2, 60), (4, 14), (1, 10)]
