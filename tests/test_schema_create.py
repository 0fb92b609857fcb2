from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from catalog import columns, count, tables

import typedb
from typedb.dialects import PostgresDialect, SqliteDialect
from typedb.schema import SchemaBuilder


def test_items_table_of_the_design(db: typedb.Database) -> None:
    db.schema.create_table("items").add_id_column().add_column(
        "name", "text", lambda col: col.not_null()
    ).add_column("description", "text").add_timestamp_columns().add_soft_delete_column().execute()

    cols = columns(db, "items")
    assert list(cols) == ["id", "name", "description", "created_at", "updated_at", "deleted_at"]
    assert not cols["id"].nullable and not cols["name"].nullable
    assert cols["description"].nullable and cols["deleted_at"].nullable
    assert not cols["created_at"].nullable and not cols["updated_at"].nullable

    db.raw("INSERT INTO items (name) VALUES ('a')")
    db.raw("INSERT INTO items (name) VALUES ('b')")
    rows = db.raw("SELECT * FROM items ORDER BY id")
    assert [r["id"] for r in rows] == [1, 2]
    created = rows[0]["created_at"]
    # Naive UTC on both backends: the same meaning everywhere.
    assert isinstance(created, datetime) and created.tzinfo is None
    assert abs(created - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=5)
    assert rows[0]["deleted_at"] is None


def test_auto_increment_never_reuses_ids(db: typedb.Database) -> None:
    db.schema.create_table("t").add_id_column().add_column("v", "text").execute()
    db.raw("INSERT INTO t (v) VALUES ('a'), ('b')")
    db.raw("DELETE FROM t WHERE id = 2")
    db.raw("INSERT INTO t (v) VALUES ('c')")
    assert [r["id"] for r in db.raw("SELECT id FROM t ORDER BY id")] == [1, 3]


PORTABLE = [
    ("text", "text", "text"),
    ("varchar(20)", "varchar(20)", "character varying(20)"),
    ("char(3)", "char(3)", "character(3)"),
    ("integer", "integer", "integer"),
    ("bigint", "bigint", "bigint"),
    ("smallint", "smallint", "smallint"),
    ("boolean", "boolean", "boolean"),
    ("real", "real", "real"),
    ("double precision", "double precision", "double precision"),
    ("numeric(10,2)", "numeric(10,2)", "numeric(10,2)"),
    ("decimal(15,4)", "numeric(15,4)", "numeric(15,4)"),  # wider: refused on SQLite
    ("date", "date", "date"),
    ("time", "time", "time without time zone"),
    ("timestamp", "timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamptz", "timestamp with time zone"),
    ("uuid", "uuid", "uuid"),
    ("json", "json text", "json"),
    ("jsonb", "jsonb text", "jsonb"),
    ("bytea", "blob", "bytea"),
    ("blob", "blob", "bytea"),
]


def test_portable_types_map_per_dialect(db: typedb.Database) -> None:
    builder = db.schema.create_table("types")
    for i, (portable, _, _) in enumerate(PORTABLE):
        builder = builder.add_column(f"c{i}", portable)
    builder.execute()
    cols = columns(db, "types")
    expected = {
        f"c{i}": (lite if db.dialect.name == "sqlite" else pg)
        for i, (_, lite, pg) in enumerate(PORTABLE)
    }
    assert {name: info.type for name, info in cols.items()} == expected


def test_raw_type_passes_through(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("v", typedb.sql("VARCHAR(7)")).execute()
    assert "7" in columns(db, "t")["v"].type


def test_unknown_type_is_a_clear_error(db: typedb.Database) -> None:
    builder = db.schema.create_table("t").add_column("price", "money")
    with pytest.raises(typedb.DataTypeError) as info:
        builder.execute()
    message = str(info.value)
    assert "t.price" in message and "'money'" in message and "numeric(p,s)" in message
    assert "t" not in tables(db)


def test_not_null_unique_check_default(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column(
        "code", "text", lambda c: c.not_null().unique()
    ).add_column(
        "qty", "integer", lambda c: c.not_null().default_to(0).check("qty >= 0")
    ).add_column("note", "text", lambda c: c.default_to("it's; DROP TABLE t; --")).add_column(
        "flag", "boolean", lambda c: c.default_to(True)
    ).add_column("price", "numeric(8,2)", lambda c: c.default_to(Decimal("9.99"))).execute()
    db.raw("INSERT INTO t (code) VALUES ('a')")
    row = db.raw("SELECT * FROM t")[0]
    assert row["qty"] == 0 and row["note"] == "it's; DROP TABLE t; --"
    assert row["flag"] is True and row["price"] == Decimal("9.99")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO t (code) VALUES ('a')")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO t (code) VALUES (NULL)")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO t (code, qty) VALUES ('b', -1)")
    assert count(db, "t") == 1


def test_references_and_actions(db: typedb.Database) -> None:
    db.schema.create_table("users").add_id_column().execute()
    db.schema.create_table("posts").add_id_column().add_column(
        "user_id", "integer", lambda c: c.not_null().references("users.id").on_delete("cascade")
    ).add_column(
        "editor_id", "integer", lambda c: c.references("users.id").on_delete("set null")
    ).execute()
    db.raw("INSERT INTO users (id) VALUES (1), (2)")
    db.raw("INSERT INTO posts (user_id, editor_id) VALUES (1, 2), (2, 1)")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO posts (user_id) VALUES (99)")
    db.raw("DELETE FROM users WHERE id = 2")
    assert db.raw("SELECT user_id, editor_id FROM posts") == [{"user_id": 1, "editor_id": None}]


def test_table_constraints(db: typedb.Database) -> None:
    db.schema.create_table("a").add_column("x", "integer").add_column("y", "integer") \
        .add_primary_key_constraint("a_pk", ["x", "y"]).execute()  # fmt: skip
    db.schema.create_table("b").add_id_column().add_column("x", "integer").add_column(
        "y", "integer"
    ).add_column("z", "integer").add_column("w", "integer").add_unique_constraint(
        "b_z_w", ["z", "w"]
    ).add_check_constraint("b_z_pos", "z > 0").add_foreign_key_constraint(
        "b_a", ["x", "y"], "a", ["x", "y"], lambda fk: fk.on_delete("cascade")
    ).add_foreign_key_constraint("b_self", ["w"], "b", ["id"]).execute()
    db.raw("INSERT INTO a VALUES (1, 1)")
    db.raw("INSERT INTO b (x, y, z) VALUES (1, 1, 5)")
    for bad in (
        "INSERT INTO a VALUES (1, 1)",  # composite primary key
        "INSERT INTO b (x, y, z) VALUES (2, 2, 5)",  # first foreign key
        "INSERT INTO b (z) VALUES (0)",  # check
        "INSERT INTO b (z, w) VALUES (7, 42)",  # second foreign key, same table
    ):
        with pytest.raises(typedb.IntegrityError):
            db.raw(bad)  # type: ignore[arg-type]
    db.raw("INSERT INTO b (id, z) VALUES (2, 6)")
    db.raw("INSERT INTO b (z, w) VALUES (8, 2)")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO b (z, w) VALUES (8, 2)")  # unique (z, w)
    db.raw("DELETE FROM a")
    assert count(db, "b") == 2  # the row referencing a was cascaded away


def test_if_not_exists(db: typedb.Database) -> None:
    create = db.schema.create_table("t").add_column("a", "integer")
    create.execute()
    create.if_not_exists().execute()
    with pytest.raises(typedb.QueryError, match="t"):
        create.execute()


def test_builders_are_immutable_and_compile_touches_nothing(db: typedb.Database) -> None:
    base = db.schema.create_table("t")
    with_a = base.add_column("a", "integer")
    with_b = with_a.add_column("b", "integer")
    b = db.dialect.quote("b")
    assert b not in with_a.compile().sql and b in with_b.compile().sql
    with pytest.raises(typedb.CompileError, match="at least one column"):
        base.compile()
    assert with_b.compile().parameters == ()
    assert "t" not in tables(db)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda s: s.create_table("t").add_column("a", "text").add_column("a", "text"),
            "added twice",
        ),
        (
            lambda s: s.create_table("t").add_column("a", "text").add_unique_constraint("u", ["b"]),
            "'b'",
        ),
        (
            lambda s: (
                s.create_table("t")
                .add_id_column()
                .add_column("b", "integer", lambda c: c.primary_key())
            ),
            "more than one primary key",
        ),
        (
            lambda s: s.create_table("t").add_column("a", "text", lambda c: c.references("users")),
            "table.column",
        ),
        (
            lambda s: s.create_table("t").add_column(
                "a", "integer", lambda c: c.on_delete("cascade")
            ),
            "references",
        ),
        (
            lambda s: s.create_table("t").add_column(
                "a", "integer", lambda c: c.references("u.id").on_delete("explode")
            ),
            "cascade, set null",
        ),
        (lambda s: s.create_table("t").add_column("a", "text", lambda c: None), "must return"),
        (lambda s: s.create_table('bad"\x00name'), "control character"),
        (lambda s: s.create_table("x" * 64), "longer than 63"),
        (lambda s: s.create_table("t").add_column("", "text"), "non-empty"),
    ],
)
def test_bad_input_is_a_clear_error(db: typedb.Database, build: object, message: str) -> None:
    with pytest.raises(typedb.CompileError, match=message):
        build(db.schema).execute()  # type: ignore[operator]
    assert "t" not in tables(db)


def test_sqlite_auto_increment_needs_a_primary_key() -> None:
    builder = (
        SchemaBuilder(SqliteDialect())
        .create_table("t")
        .add_column("n", "integer", lambda c: c.auto_increment())
    )
    with pytest.raises(typedb.CompileError, match="INTEGER PRIMARY KEY"):
        builder.compile()
    sql = (
        SchemaBuilder(PostgresDialect())
        .create_table("t")
        .add_column("n", "bigint", lambda c: c.auto_increment())
        .compile()
        .sql
    )
    assert '"n" BIGINT GENERATED BY DEFAULT AS IDENTITY' in sql


def test_identifiers_are_quoted_not_spliced(db: typedb.Database) -> None:
    name = 'odd "table"; DROP TABLE x'
    db.schema.create_table(name).add_column("select", "text").execute()
    assert name in tables(db)
    assert list(columns(db, name)) == ["select"]


def test_drop_table(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("a", "integer").execute()
    db.schema.drop_table("t").execute()
    assert "t" not in tables(db)
    db.schema.drop_table("t").if_exists().execute()
    with pytest.raises(typedb.QueryError):
        db.schema.drop_table("t").execute()


def test_drop_table_cascade(db: typedb.Database) -> None:
    db.schema.create_table("p").add_id_column().execute()
    db.schema.create_table("c").add_column(
        "p_id", "integer", lambda c: c.references("p.id")
    ).execute()
    if db.dialect.name == "postgresql":
        with pytest.raises(typedb.QueryError, match="depend"):
            db.schema.drop_table("p").execute()
    db.schema.drop_table("p").cascade().execute()
    assert "p" not in tables(db) and "c" in tables(db)
