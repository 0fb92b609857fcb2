from __future__ import annotations

from decimal import Decimal

import pytest
from catalog import columns, count, indexes, tables

import typedb
from typedb.dialects import SqliteDialect
from typedb.schema import SchemaBuilder


@pytest.fixture
def items(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("items").add_id_column().add_column(
        "name", "text", lambda c: c.not_null()
    ).add_column("qty", "text").execute()
    db.raw("INSERT INTO items (name, qty) VALUES ('a', '1'), ('b', '2')")
    return db


def test_add_nullable_and_defaulted_columns(items: typedb.Database) -> None:
    items.schema.alter_table("items").add_column("note", "text").add_column(
        "stock", "integer", lambda c: c.not_null().default_to(7)
    ).add_timestamp_columns().execute()
    rows = items.raw("SELECT * FROM items ORDER BY id")
    assert [(r["note"], r["stock"]) for r in rows] == [(None, 7), (None, 7)]
    assert rows[0]["created_at"] is not None
    assert not columns(items, "items")["created_at"].nullable


def test_add_not_null_column_without_default_to_filled_table_fails_atomically(
    items: typedb.Database,
) -> None:
    before = columns(items, "items")
    with pytest.raises(
        typedb.IntegrityError if items.dialect.name == "sqlite" else typedb.QueryError
    ):
        items.schema.alter_table("items").add_column("a", "text").add_column(
            "b", "text", lambda c: c.not_null()
        ).execute()
    assert columns(items, "items") == before  # "a" was rolled back too
    assert count(items, "items") == 2


def test_add_unique_column(items: typedb.Database) -> None:
    items.schema.alter_table("items").add_column("sku", "text", lambda c: c.unique()).execute()
    items.raw("UPDATE items SET sku = 'x' WHERE id = 1")
    with pytest.raises(typedb.IntegrityError):
        items.raw("UPDATE items SET sku = 'x' WHERE id = 2")


def test_drop_and_rename_columns_and_table(items: typedb.Database) -> None:
    items.schema.alter_table("items").drop_column("qty").rename_column("name", "title").rename_to(
        "goods"
    ).execute()
    assert "items" not in tables(items)
    assert list(columns(items, "goods")) == ["id", "title"]
    assert items.raw("SELECT title FROM goods ORDER BY id") == [{"title": "a"}, {"title": "b"}]


def test_drop_indexed_column_drops_its_index(items: typedb.Database) -> None:
    items.schema.create_index("items_qty").on("items").columns(["qty"]).execute()
    items.schema.create_index("items_name").on("items").columns(["name"]).unique().execute()
    items.schema.alter_table("items").drop_column("qty").execute()
    assert indexes(items, "items") == {"items_name": True}
    with pytest.raises(typedb.IntegrityError):
        items.raw("INSERT INTO items (name) VALUES ('a')")


def test_alter_column_type(items: typedb.Database) -> None:
    items.schema.alter_table("items").alter_column(
        "qty", lambda c: c.set_data_type("integer")
    ).execute()
    assert columns(items, "items")["qty"].type == "integer"
    assert items.raw("SELECT qty FROM items ORDER BY id") == [{"qty": 1}, {"qty": 2}]


def test_alter_column_default_and_nullability(items: typedb.Database) -> None:
    alter = items.schema.alter_table("items")
    alter.alter_column("qty", lambda c: c.set_default("0").set_not_null()).execute()
    items.raw("INSERT INTO items (name) VALUES ('c')")
    assert items.raw("SELECT qty FROM items WHERE name = 'c'") == [{"qty": "0"}]
    assert not columns(items, "items")["qty"].nullable
    with pytest.raises(typedb.IntegrityError):
        items.raw("INSERT INTO items (name, qty) VALUES ('d', NULL)")

    alter.alter_column("qty", lambda c: c.drop_default().drop_not_null()).execute()
    items.raw("INSERT INTO items (name) VALUES ('e')")
    assert items.raw("SELECT qty FROM items WHERE name = 'e'") == [{"qty": None}]
    assert columns(items, "items")["qty"].default is None


def test_set_not_null_with_null_rows_fails_and_changes_nothing(items: typedb.Database) -> None:
    items.raw("INSERT INTO items (name) VALUES ('no qty')")
    with pytest.raises(typedb.QueryError):
        items.schema.alter_table("items").alter_column("qty", lambda c: c.set_not_null()).execute()
    assert columns(items, "items")["qty"].nullable
    assert count(items, "items") == 3


def test_add_and_drop_constraints(items: typedb.Database) -> None:
    db = items
    db.schema.create_table("owners").add_id_column().execute()
    db.raw("INSERT INTO owners (id) VALUES (1)")
    db.schema.alter_table("items").add_column("owner_id", "integer").add_unique_constraint(
        "items_name_unique", ["name"]
    ).add_check_constraint("items_name_short", "length(name) < 10").add_foreign_key_constraint(
        "items_owner", ["owner_id"], "owners", ["id"], lambda fk: fk.on_delete("cascade")
    ).execute()
    for bad in (
        "INSERT INTO items (name) VALUES ('a')",
        "INSERT INTO items (name) VALUES ('much too long a name')",
        "INSERT INTO items (name, owner_id) VALUES ('z', 9)",
    ):
        with pytest.raises(typedb.IntegrityError):
            db.raw(bad)  # type: ignore[arg-type]
    db.raw("INSERT INTO items (name, owner_id) VALUES ('z', 1)")
    db.raw("DELETE FROM owners")
    assert count(db, "items") == 2

    db.schema.alter_table("items").drop_constraint("items_name_unique").drop_constraint(
        "items_name_short"
    ).execute()
    db.raw("INSERT INTO items (name) VALUES ('a')")
    db.raw("INSERT INTO items (name) VALUES ('much too long a name')")
    with pytest.raises(typedb.CompileError if db.dialect.name == "sqlite" else typedb.QueryError):
        db.schema.alter_table("items").drop_constraint("no_such_constraint").execute()


def test_adding_a_constraint_existing_rows_break_fails(items: typedb.Database) -> None:
    items.raw("INSERT INTO items (name) VALUES ('a')")
    with pytest.raises(
        typedb.IntegrityError if items.dialect.name == "sqlite" else typedb.QueryError
    ):
        items.schema.alter_table("items").add_unique_constraint("u", ["name"]).execute()
    items.raw("INSERT INTO items (name) VALUES ('a')")  # still no constraint
    items.schema.create_table("owners").add_id_column().execute()
    items.schema.alter_table("items").add_column("owner_id", "integer").execute()
    items.raw("UPDATE items SET owner_id = 5")
    with pytest.raises(
        typedb.IntegrityError if items.dialect.name == "sqlite" else typedb.QueryError
    ):
        items.schema.alter_table("items").add_foreign_key_constraint(
            "fk", ["owner_id"], "owners", ["id"]
        ).execute()


def test_implicit_constraint_names_are_portable(db: typedb.Database) -> None:
    """PostgreSQL names an unnamed UNIQUE on users.email `users_email_key`; SQLite has no name
    for it, so typedb accepts PostgreSQL's name there too."""
    db.schema.create_table("users").add_column("email", "text", lambda c: c.unique()).add_column(
        "age", "integer", lambda c: c.check("age > 0")
    ).execute()
    db.schema.alter_table("users").drop_constraint("users_email_key").drop_constraint(
        "users_age_check"
    ).execute()
    db.raw("INSERT INTO users VALUES ('a', -1), ('a', -2)")


def test_rebuild_keeps_children_indexes_triggers_and_ids(db: typedb.Database) -> None:
    """The SQLite rebuild path (on PostgreSQL the same change is in place)."""
    db.schema.create_table("users").add_id_column().add_column("email", "text").execute()
    db.schema.create_table("posts").add_id_column().add_column(
        "user_id", "integer", lambda c: c.references("users.id").on_delete("cascade")
    ).execute()
    db.schema.create_table("tree").add_id_column().add_column(
        "parent_id", "integer", lambda c: c.references("tree.id").on_delete("cascade")
    ).add_column("label", "text").execute()
    db.schema.create_index("users_email").on("users").columns(["email"]).unique().execute()
    db.raw("INSERT INTO users (email) VALUES ('a'), ('b'), ('c')")
    db.raw("DELETE FROM users WHERE id = 3")  # the next id must still be 4
    db.raw("INSERT INTO posts (user_id) VALUES (1), (2)")
    db.raw("INSERT INTO tree (id, parent_id) VALUES (1, NULL), (2, 1), (3, 2)")

    db.schema.alter_table("users").alter_column("email", lambda c: c.set_not_null()).execute()
    db.schema.alter_table("tree").alter_column("label", lambda c: c.set_default("x")).execute()

    assert count(db, "posts") == 2 and count(db, "tree") == 3  # no cascade fired
    assert indexes(db, "users") == {"users_email": True}
    db.raw("INSERT INTO users (email) VALUES ('d')")
    assert db.raw("SELECT max(id) AS m FROM users") == [{"m": 4}]
    db.raw("DELETE FROM users WHERE id = 1")  # foreign keys still work after the rebuild
    assert count(db, "posts") == 1
    db.raw("DELETE FROM tree WHERE id = 1")
    assert count(db, "tree") == 0


def test_rebuild_of_a_referenced_table_inside_a_plain_transaction(db: typedb.Database) -> None:
    db.schema.create_table("users").add_id_column().add_column("email", "text").execute()
    db.schema.create_table("posts").add_column(
        "user_id", "integer", lambda c: c.references("users.id")
    ).execute()
    alter = db.schema.alter_table("users").alter_column("email", lambda c: c.set_not_null())
    if db.dialect.name == "sqlite":
        with pytest.raises(typedb.CompileError, match="posts reference"), db.transaction():
            alter.execute()
    with db.schema.transaction() as trx:
        trx.schema.alter_table("users").alter_column("email", lambda c: c.set_not_null()).execute()
    assert not columns(db, "users")["email"].nullable


def test_schema_transaction_rolls_back_and_checks_references(db: typedb.Database) -> None:
    db.schema.create_table("users").add_id_column().execute()
    db.schema.create_table("posts").add_column(
        "user_id", "integer", lambda c: c.references("users.id")
    ).execute()
    db.raw("INSERT INTO users (id) VALUES (1)")
    db.raw("INSERT INTO posts VALUES (1)")
    with pytest.raises(typedb.IntegrityError), db.schema.transaction() as trx:
        trx.raw("DELETE FROM users")
    assert count(db, "users") == 1
    with pytest.raises(RuntimeError), db.schema.transaction() as trx:
        trx.schema.create_table("gone").add_column("a", "integer").execute()
        raise RuntimeError
    assert "gone" not in tables(db)


def test_failed_alter_inside_a_transaction_rolls_back_with_it(items: typedb.Database) -> None:
    with pytest.raises(RuntimeError), items.transaction() as trx:
        trx.schema.alter_table("items").alter_column("qty", lambda c: c.set_default("9")).execute()
        trx.schema.alter_table("items").add_column("extra", "text").execute()
        raise RuntimeError
    assert list(columns(items, "items")) == ["id", "name", "qty"]
    assert columns(items, "items")["qty"].default is None


def test_alter_errors_name_table_and_column(items: typedb.Database) -> None:
    with pytest.raises(typedb.TypedbError, match="nope"):
        items.schema.alter_table("items").alter_column("nope", lambda c: c.drop_default()).execute()
    with pytest.raises(typedb.CompileError, match=r"items.*without any change"):
        items.schema.alter_table("items").execute()
    with pytest.raises(typedb.CompileError, match="alter_column"):
        items.schema.alter_table("items").alter_column("qty", lambda c: c).execute()
    with pytest.raises(typedb.DataTypeError, match="varchr"):
        items.schema.alter_table("items").alter_column(
            "qty", lambda c: c.set_data_type("varchr(3)")
        ).execute()


def test_sqlite_rebuild_cannot_compile_without_the_database() -> None:
    alter = SchemaBuilder(SqliteDialect()).alter_table("items")
    assert alter.add_column("a", "text").compile().sql == (
        "ALTER TABLE `items` ADD COLUMN `a` TEXT CHECK (`a` IS NULL OR typeof(`a`) = 'text')"
    )
    with pytest.raises(typedb.CompileError, match="rebuilding the table"):
        alter.alter_column("a", lambda c: c.set_not_null()).compile()


def test_create_and_drop_index(items: typedb.Database) -> None:
    db = items
    db.schema.alter_table("items").add_soft_delete_column().execute()
    partial = db.schema.create_index("items_live_name").on("items").columns(["name"]).unique()
    partial.where("deleted_at", "is", None).execute()
    partial.if_not_exists().where("deleted_at", "is", None).execute()
    db.schema.create_index("items_qty_desc").on("items").columns(["qty desc", "id"]).execute()
    assert indexes(db, "items") == {"items_live_name": True, "items_qty_desc": False}
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO items (name) VALUES ('a')")
    db.raw("UPDATE items SET deleted_at = CURRENT_TIMESTAMP WHERE name = 'a'")
    db.raw("INSERT INTO items (name) VALUES ('a')")  # the old one is soft-deleted
    db.schema.drop_index("items_live_name").execute()
    db.schema.drop_index("items_live_name").if_exists().execute()
    with pytest.raises(typedb.QueryError):
        db.schema.drop_index("items_live_name").execute()
    assert indexes(db, "items") == {"items_qty_desc": False}


def test_index_needs_table_and_columns(db: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match="on\\(table\\)"):
        db.schema.create_index("i").columns(["a"]).execute()
    with pytest.raises(typedb.CompileError, match="columns"):
        db.schema.create_index("i").on("t").execute()
    with pytest.raises(typedb.CompileError, match="op"):
        db.schema.create_index("i").on("t").columns(["a"]).where("a", "like", "x")


def test_adding_a_constraint_twice_names_it(items: typedb.Database) -> None:
    items.schema.alter_table("items").add_unique_constraint("items_name_u", ["name"]).execute()
    with pytest.raises(typedb.TypedbError, match="items_name_u"):
        items.schema.alter_table("items").add_check_constraint("items_name_u", "id > 0").execute()


def test_rebuild_keeps_views(items: typedb.Database) -> None:
    items.raw("CREATE VIEW item_names AS SELECT id, name FROM items")
    items.schema.alter_table("items").alter_column("name", lambda c: c.set_default("x")).execute()
    assert items.raw("SELECT name FROM item_names ORDER BY id") == [{"name": "a"}, {"name": "b"}]


def test_dropping_a_column_drops_the_checks_that_use_it(db: typedb.Database) -> None:
    db.schema.create_table("t2").add_column("a", "integer").add_column(
        "b", "integer", lambda c: c.check("b > a")
    ).execute()
    db.schema.alter_table("t2").drop_column("a").execute()
    db.raw("INSERT INTO t2 (b) VALUES (-5)")
    assert list(columns(db, "t2")) == ["b"]


def test_a_failed_rebuild_names_the_table(db: typedb.Database) -> None:
    db.schema.create_table("t2").add_column("a", "integer").add_column("b", "integer").execute()
    db.raw("CREATE VIEW v2 AS SELECT a, b FROM t2")
    with pytest.raises(typedb.QueryError) as info:
        db.schema.alter_table("t2").add_check_constraint("b_pos", "b > 0").drop_column(
            "a"
        ).execute()
    if db.dialect.name == "sqlite":
        assert "rebuilding table t2" in str(info.value)
    assert list(columns(db, "t2")) == ["a", "b"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda s: (
                s.create_table("t").add_column("name", "text").add_unique_constraint("u", "name")
            ),
            "list of column names",
        ),
        (
            lambda s: s.alter_table("items").add_unique_constraint("u", "name"),
            "list of column names",
        ),
        (lambda s: s.create_index("i").on("items").columns(None), "list of column names"),
        (
            lambda s: s.alter_table("items").alter_column(
                "qty", lambda c: c.set_data_type("strng")
            ),
            "items.qty",
        ),
        (
            lambda s: s.create_table("t").add_column(
                "d", "numeric(5,2)", lambda c: c.default_to(Decimal("NaN"))
            ),
            "NaN",
        ),
    ],
)
def test_more_bad_input_is_named(items: typedb.Database, build: object, message: str) -> None:
    with pytest.raises(typedb.CompileError, match=message):
        build(items.schema).execute()  # type: ignore[operator]


def _create_trigger(db: typedb.Database, name: str, event: str, statement: str) -> None:
    """A row trigger `event` (e.g. "AFTER INSERT ON log") running one statement, on both
    backends; SQLite names the trigger's row `new`, PostgreSQL `NEW`: both accept either."""
    if db.dialect.name == "sqlite":
        db.raw(f"CREATE TRIGGER {name} {event} BEGIN {statement}; END")
        return
    db.raw(
        f"CREATE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {statement}; RETURN NEW; END $$"
    )
    db.raw(f"CREATE TRIGGER {name} {event} FOR EACH ROW EXECUTE FUNCTION {name}_fn()")


def test_rebuild_keeps_views_on_views_and_other_tables_triggers(items: typedb.Database) -> None:
    """Every object that reads the table, directly or through a view, survives the rebuild,
    recreated in the order it was created (b_v before a_v, which joins it)."""
    db = items
    db.raw("CREATE VIEW b_v AS SELECT id, name FROM items")
    db.raw("CREATE VIEW a_v AS SELECT items.id, b_v.name FROM items JOIN b_v USING (id)")
    db.raw("CREATE VIEW on_a_v AS SELECT * FROM a_v")
    db.raw("CREATE TABLE log (x text)")
    _create_trigger(
        db, "log_to_items", "AFTER INSERT ON log", "INSERT INTO items (name) VALUES (NEW.x)"
    )
    db.schema.alter_table("items").alter_column("name", lambda c: c.set_default("x")).execute()
    db.raw("INSERT INTO log VALUES ('c')")
    assert db.raw("SELECT name FROM on_a_v ORDER BY id") == [{"name": n} for n in "abc"]
    if db.dialect.name == "sqlite":
        rows = db.raw("SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger')")
        assert [r["name"] for r in rows] == ["b_v", "a_v", "on_a_v", "log_to_items"]


def test_rebuild_keeps_temporary_views_and_triggers(items: typedb.Database) -> None:
    db = items
    db.raw("CREATE TEMP VIEW tv AS SELECT id, name FROM items")
    db.raw("CREATE TEMP TABLE audit (x integer)")
    if db.dialect.name == "sqlite":
        db.raw(
            "CREATE TEMP TRIGGER tt AFTER INSERT ON main.items "
            "BEGIN INSERT INTO audit VALUES (new.id); END"
        )
    else:  # PostgreSQL has no temporary triggers: the nearest is one writing a temp table
        _create_trigger(db, "tt", "AFTER INSERT ON items", "INSERT INTO audit VALUES (NEW.id)")
    db.schema.alter_table("items").alter_column("name", lambda c: c.set_default("x")).execute()
    db.raw("INSERT INTO items (name) VALUES ('c')")
    assert db.raw("SELECT name FROM tv ORDER BY id") == [{"name": n} for n in "abc"]
    assert db.raw("SELECT x FROM audit") == [{"x": 3}]


def test_a_temporary_view_using_a_dropped_column_stops_the_drop(items: typedb.Database) -> None:
    # A temporary view lives in one session: keep one pooled connection for the test.
    with items._pin():  # pyright: ignore[reportPrivateUsage]
        db = items
        db.raw("CREATE TEMP VIEW tv AS SELECT id, qty FROM items")
        db.schema.create_index("items_qty").on("items").columns(["qty"]).execute()
        with pytest.raises(typedb.QueryError, match="qty"):
            db.schema.alter_table("items").drop_column("qty").execute()
        assert db.raw("SELECT qty FROM tv ORDER BY id") == [{"qty": "1"}, {"qty": "2"}]
    db = items
    assert indexes(db, "items") == {"items_qty": False}


def test_dropping_a_column_keeps_checks_calling_a_function_of_that_name(
    db: typedb.Database,
) -> None:
    db.raw(
        "CREATE TABLE t3 (name text CHECK (length(name) > 0), length integer, "
        'CONSTRAINT length_pos CHECK ("length" >= 0))'
    )
    db.raw("CREATE INDEX t3_length ON t3 (length)")  # so that SQLite rebuilds the table
    db.schema.alter_table("t3").drop_column("length").execute()
    assert list(columns(db, "t3")) == ["name"]
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO t3 (name) VALUES ('')")
    db.raw("INSERT INTO t3 (name) VALUES ('x')")


@pytest.mark.parametrize("indexed", [False, True])
def test_dropping_a_column_a_trigger_uses_fails_and_changes_nothing(
    items: typedb.Database, indexed: bool
) -> None:
    """SQLite's own DROP COLUMN refuses this, PostgreSQL too (the trigger depends on the
    column through UPDATE OF); a rebuild that kept the trigger would break every update."""
    db = items
    db.raw("CREATE TABLE log (x text)")
    _create_trigger(
        db, "items_qty_log", "AFTER UPDATE OF qty ON items", "INSERT INTO log VALUES (NEW.qty)"
    )
    if indexed:  # SQLite must rebuild the table instead of dropping the column in place
        db.schema.create_index("items_qty").on("items").columns(["qty"]).execute()
    with pytest.raises(typedb.TypedbError) as info:
        db.schema.alter_table("items").drop_column("qty").execute()
    if db.dialect.name == "sqlite":
        assert isinstance(info.value, typedb.CompileError)
    for name in ("items_qty_log", "qty", "items"):
        assert name in str(info.value)
    assert list(columns(db, "items")) == ["id", "name", "qty"]
    db.raw("UPDATE items SET qty = '5' WHERE id = 1")
    assert db.raw("SELECT x FROM log") == [{"x": "5"}]
