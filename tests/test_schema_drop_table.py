"""Defect 2 of issue 8: dropping a table others depend on is refused on every backend, as
PostgreSQL refuses it; `cascade()` drops the dependent foreign key constraints and views,
never rows. (SQLite alone ran the children's ON DELETE actions: rows cascaded away.)"""

from __future__ import annotations

import pytest
from catalog import tables

import typedb


@pytest.fixture
def shop(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("employees").add_id_column().add_column("name", "text").execute()
    db.schema.create_table("customers").add_id_column().add_column(
        "support_rep_id",
        "integer",
        lambda c: c.references("employees.id").on_delete("set null"),
    ).execute()
    db.schema.create_table("notes").add_id_column().add_column(
        "author_id", "integer"
    ).add_foreign_key_constraint(
        "notes_author", ["author_id"], "employees", ["id"], lambda fk: fk.on_delete("cascade")
    ).execute()
    db.raw("INSERT INTO employees (name) VALUES ('ann'), ('bob')")
    db.raw("INSERT INTO customers (support_rep_id) VALUES (1), (2), (1)")
    db.raw("INSERT INTO notes (author_id) VALUES (1), (2)")
    return db


def _state(db: typedb.Database) -> tuple[object, ...]:
    return (
        db.raw("SELECT support_rep_id FROM customers ORDER BY id"),
        db.raw("SELECT author_id FROM notes ORDER BY id"),
        sorted(tables(db) - {"typedb_migrations"}),
    )


def test_dropping_a_referenced_table_is_refused_and_changes_nothing(
    shop: typedb.Database,
) -> None:
    before = _state(shop)
    with pytest.raises(typedb.QueryError) as caught:
        shop.schema.drop_table("employees").execute()
    message = str(caught.value)
    assert "customers" in message and "customers_support_rep_id_fkey" in message
    assert _state(shop) == before
    with pytest.raises(typedb.IntegrityError):  # the references still hold
        shop.raw("INSERT INTO customers (support_rep_id) VALUES (99)")


def test_a_refused_drop_inside_a_transaction_rolls_back_with_it(shop: typedb.Database) -> None:
    before = _state(shop)
    with pytest.raises(typedb.QueryError), shop.transaction() as trx:
        trx.raw("DELETE FROM customers WHERE id = 3")
        trx.schema.drop_table("notes").execute()
        trx.schema.drop_table("employees").execute()
    assert _state(shop) == before


def test_cascade_drops_foreign_keys_and_keeps_every_row(shop: typedb.Database) -> None:
    shop.schema.drop_table("employees").cascade().execute()
    assert "employees" not in tables(shop)
    assert shop.raw("SELECT support_rep_id FROM customers ORDER BY id") == [
        {"support_rep_id": 1},
        {"support_rep_id": 2},
        {"support_rep_id": 1},
    ]
    assert shop.raw("SELECT author_id FROM notes ORDER BY id") == [
        {"author_id": 1},
        {"author_id": 2},
    ]
    shop.raw("INSERT INTO customers (support_rep_id) VALUES (42)")  # no foreign key left
    shop.raw("INSERT INTO notes (author_id) VALUES (42)")


def test_cascade_inside_a_transaction(shop: typedb.Database) -> None:
    with shop.transaction() as trx:
        trx.schema.drop_table("notes").execute()
        trx.schema.drop_table("employees").cascade().execute()
    assert sorted(tables(shop)) == ["customers"]
    assert len(shop.raw("SELECT * FROM customers")) == 3


def test_dropping_children_first_then_the_parent(shop: typedb.Database) -> None:
    shop.schema.drop_table("notes").execute()
    shop.schema.drop_table("customers").execute()
    shop.schema.drop_table("employees").execute()
    assert tables(shop) == set()


def test_a_view_on_the_table_stops_the_drop_unless_cascade(db: typedb.Database) -> None:
    db.schema.create_table("items").add_id_column().add_column("name", "text").execute()
    db.schema.create_table("other").add_id_column().execute()
    db.raw("CREATE VIEW item_names AS SELECT name FROM items")
    db.raw("CREATE VIEW other_ids AS SELECT id FROM other")
    db.raw("INSERT INTO items (name) VALUES ('a')")
    with pytest.raises(typedb.QueryError, match="item_names"):
        db.schema.drop_table("items").execute()
    assert db.raw("SELECT name FROM item_names") == [{"name": "a"}]
    db.schema.drop_table("items").cascade().execute()
    assert sorted(tables(db) - {"item_names", "other_ids"}) == ["other"]
    with pytest.raises(typedb.QueryError):
        db.raw("SELECT * FROM item_names")
    assert db.raw("SELECT * FROM other_ids") == []


@pytest.mark.parametrize("action", ["restrict", "cascade", "set null", "no action"])
def test_a_self_referencing_table_drops(db: typedb.Database, action: str) -> None:
    db.schema.create_table("nodes").add_id_column().add_column(
        "parent_id", "integer", lambda c: c.references("nodes.id").on_delete(action)
    ).execute()
    db.raw("INSERT INTO nodes (parent_id) VALUES (NULL)")
    db.raw("INSERT INTO nodes (parent_id) VALUES (1)")
    db.schema.drop_table("nodes").execute()
    assert "nodes" not in tables(db)


def test_if_exists_on_a_missing_table(db: typedb.Database) -> None:
    db.schema.drop_table("nothing").if_exists().execute()
    with pytest.raises(typedb.QueryError):
        db.schema.drop_table("nothing").execute()


def test_cascade_in_a_migration_when_the_child_is_referenced_too(shop: typedb.Database) -> None:
    from typedb.migrator import MigrationFailed, MigrationRunner

    shop.schema.create_table("orders").add_id_column().add_column(
        "customer_id", "integer", lambda c: c.references("customers.id").on_delete("cascade")
    ).execute()
    shop.raw("INSERT INTO orders (customer_id) VALUES (1), (2), (3)")

    def refused(db: typedb.Database) -> None:
        db.raw("DELETE FROM orders WHERE id = 1")
        db.schema.drop_table("employees").execute()

    before = _state(shop)
    with pytest.raises(MigrationFailed, match="customers_support_rep_id_fkey"):
        MigrationRunner(shop, [typedb.migration("refused", up=refused)]).up()
    assert _state(shop) == before
    assert len(shop.raw("SELECT * FROM orders")) == 3

    def cascaded(db: typedb.Database) -> None:
        db.schema.drop_table("employees").cascade().execute()

    MigrationRunner(shop, [typedb.migration("cascaded", up=cascaded)]).up()
    assert "employees" not in tables(shop)
    assert len(shop.raw("SELECT * FROM customers")) == 3
    assert len(shop.raw("SELECT * FROM orders")) == 3
    with pytest.raises(typedb.IntegrityError):  # customers' other references are kept
        shop.raw("INSERT INTO orders (customer_id) VALUES (99)")
