"""Defect 9 of issue 8: a migration that deletes (or updates keys) with ON DELETE / ON UPDATE
actions and then rebuilds a referenced table. On SQLite the rebuild needs foreign keys off, so
the migration runs again inside db.schema.transaction(): the actions must still happen there,
exactly as they did with enforcement on (and as PostgreSQL does)."""

from __future__ import annotations

import pytest
from catalog import columns

import typedb
from typedb.migrator import MigrationRunner


@pytest.fixture
def shop(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("customers").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("name", "text").execute()
    db.schema.create_table("orders").add_id_column().add_column(
        "customer_id",
        "integer",
        lambda c: c.references("customers.id").on_delete("cascade").on_update("cascade"),
    ).execute()
    db.schema.create_table("lines").add_id_column().add_column(
        "order_id", "integer", lambda c: c.references("orders.id").on_delete("cascade")
    ).execute()
    db.schema.create_table("tickets").add_id_column().add_column(
        "customer_id", "integer", lambda c: c.references("customers.id").on_delete("set null")
    ).add_column(
        "fallback_id",
        "integer",
        lambda c: c.default_to(1).references("customers.id").on_delete("set default"),
    ).execute()
    db.raw("INSERT INTO customers (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    db.raw("INSERT INTO orders (customer_id) VALUES (1), (2), (2), (3)")
    db.raw("INSERT INTO lines (order_id) VALUES (1), (2), (3), (3), (4)")
    db.raw("INSERT INTO tickets (customer_id, fallback_id) VALUES (2, 2), (3, 3)")
    return db


def _migrate(db: typedb.Database, up: object) -> None:
    MigrationRunner(db, [typedb.migration("m", up=up)]).up()  # type: ignore[arg-type]


def test_delete_cascades_then_rebuild_the_referenced_table(shop: typedb.Database) -> None:
    def up(db: typedb.Database) -> None:
        db.delete_from("customers").where("id", "=", 2).execute()
        db.schema.alter_table("customers").alter_column(
            "name", lambda c: c.set_not_null()
        ).execute()

    _migrate(shop, up)
    assert not columns(shop, "customers")["name"].nullable
    assert shop.raw("SELECT customer_id FROM orders ORDER BY id") == [
        {"customer_id": 1},
        {"customer_id": 3},
    ]
    assert shop.raw("SELECT order_id FROM lines ORDER BY id") == [{"order_id": 1}, {"order_id": 4}]
    assert shop.raw("SELECT customer_id, fallback_id FROM tickets ORDER BY id") == [
        {"customer_id": None, "fallback_id": 1},
        {"customer_id": 3, "fallback_id": 3},
    ]


def test_update_cascades_then_rebuild_then_delete(shop: typedb.Database) -> None:
    def up(db: typedb.Database) -> None:
        db.delete_from("tickets").where("id", ">", 0).execute()  # they would block the update
        db.update_table("customers").set({"id": 30}).where("id", "=", 3).execute()
        db.schema.alter_table("customers").add_column(
            "code", "text", lambda c: c.unique()
        ).execute()
        db.delete_from("customers").where("id", "=", 1).execute()  # after the rebuild too

    _migrate(shop, up)
    assert shop.raw("SELECT customer_id FROM orders ORDER BY id") == [
        {"customer_id": 2},
        {"customer_id": 2},
        {"customer_id": 30},
    ]
    assert shop.raw("SELECT order_id FROM lines ORDER BY id") == [
        {"order_id": 2},
        {"order_id": 3},
        {"order_id": 3},
        {"order_id": 4},
    ]


def test_a_self_referencing_cascade_in_a_rebuilding_migration(db: typedb.Database) -> None:
    db.schema.create_table("nodes").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column(
        "parent_id", "integer", lambda c: c.references("nodes.id").on_delete("cascade")
    ).add_column("label", "text").execute()
    db.raw("INSERT INTO nodes VALUES (1, NULL, 'r'), (2, 1, 'a'), (3, 2, 'b'), (4, NULL, 'x')")

    def up(trx: typedb.Database) -> None:
        trx.delete_from("nodes").where("id", "=", 1).execute()
        trx.schema.alter_table("nodes").alter_column("label", lambda c: c.set_not_null()).execute()

    _migrate(db, up)
    assert db.raw("SELECT id FROM nodes") == [{"id": 4}]


def test_nothing_is_left_behind(shop: typedb.Database) -> None:
    def up(db: typedb.Database) -> None:
        db.delete_from("customers").where("id", "=", 2).execute()
        db.schema.alter_table("customers").alter_column(
            "name", lambda c: c.set_not_null()
        ).execute()

    _migrate(shop, up)
    if shop.dialect.name == "sqlite":
        assert shop.raw("SELECT name FROM sqlite_temp_master") == []
        assert shop.raw("PRAGMA recursive_triggers") == [{"recursive_triggers": 0}]
        assert shop.raw("PRAGMA foreign_keys") == [{"foreign_keys": 1}]
    with pytest.raises(typedb.IntegrityError):
        shop.raw("INSERT INTO orders (customer_id) VALUES (99)")
