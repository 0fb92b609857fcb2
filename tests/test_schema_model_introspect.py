"""The live schema read into the model, on SQLite and PostgreSQL: a schema written in raw SQL
(as a hand-written or foreign migration would), and one built by typedb's builder, which must
read back equal to the model of the contracts that describe it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typedb
from typedb.contracts import load_file, merge
from typedb.schema_diff import (
    Check,
    ColumnSchema,
    Default,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    Unique,
    check_key,
    describe,
    diff,
    from_database,
    from_registry,
)

RAW_SQL = {
    "sqlite": [
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
        "born DATE, score NUMERIC(6,2) DEFAULT 1.50, active BOOLEAN NOT NULL DEFAULT 1, "
        "CONSTRAINT authors_name_born UNIQUE (name, born))",
        "CREATE TABLE books (author_id INTEGER NOT NULL, isbn CHAR(13) NOT NULL, "
        "title TEXT NOT NULL DEFAULT 'untitled', pages INTEGER CHECK (pages > 0), "
        "kind TEXT NOT NULL CHECK (kind IN ('novel', 'essay')), data JSON, "
        "added TIMESTAMP DEFAULT CURRENT_TIMESTAMP, "
        "PRIMARY KEY (author_id, isbn), "
        "CONSTRAINT books_author FOREIGN KEY (author_id) REFERENCES authors (id) "
        "ON DELETE CASCADE ON UPDATE RESTRICT)",
        "CREATE INDEX books_title ON books (title) WHERE pages IS NOT NULL",
        "CREATE UNIQUE INDEX books_isbn ON books (isbn)",
    ],
    "postgresql": [
        "CREATE TABLE authors (id SERIAL PRIMARY KEY, name VARCHAR(80) NOT NULL, "
        "born DATE, score NUMERIC(6,2) DEFAULT 1.50, active BOOLEAN NOT NULL DEFAULT TRUE, "
        "CONSTRAINT authors_name_born UNIQUE (name, born))",
        "CREATE TABLE books (author_id INTEGER NOT NULL, isbn CHAR(13) NOT NULL, "
        "title TEXT NOT NULL DEFAULT 'untitled', pages INTEGER CHECK (pages > 0), "
        "kind TEXT NOT NULL CHECK (kind IN ('novel', 'essay')), data JSON, "
        "added TIMESTAMP DEFAULT CURRENT_TIMESTAMP, "
        "PRIMARY KEY (author_id, isbn), "
        "CONSTRAINT books_author FOREIGN KEY (author_id) REFERENCES authors (id) "
        "ON DELETE CASCADE ON UPDATE RESTRICT)",
        "CREATE INDEX books_title ON books (title) WHERE pages IS NOT NULL",
        "CREATE UNIQUE INDEX books_isbn ON books (isbn)",
    ],
}


def test_raw_sql_schema_reads_into_the_model(db: typedb.Database) -> None:
    for statement in RAW_SQL[db.dialect.name]:
        db.raw(statement)  # type: ignore[arg-type]
    schema = from_database(db)
    assert schema.table_names == ("authors", "books")

    authors = schema.table("authors")
    assert authors is not None
    assert authors.columns == (
        ColumnSchema("id", "integer", nullable=False, auto_increment=True),
        ColumnSchema("name", "varchar(80)", nullable=False),
        ColumnSchema("born", "date"),
        ColumnSchema("score", "numeric(6,2)", default=Default.of(Decimal("1.50"))),
        ColumnSchema("active", "boolean", nullable=False, default=Default.of(True)),
    )
    assert authors.primary_key is not None and authors.primary_key.columns == ("id",)
    assert authors.uniques == (Unique("authors_name_born", ("name", "born")),)

    books = schema.table("books")
    assert books is not None
    assert [(c.name, c.type, c.nullable) for c in books.columns] == [
        ("author_id", "integer", False),
        ("isbn", "char(13)", False),
        ("title", "text", False),
        ("pages", "integer", True),
        ("kind", "text", False),
        ("data", "json", True),
        ("added", "timestamp", True),
    ]
    defaults = {c.name: c.default for c in books.columns if c.default is not None}
    assert defaults == {"title": Default.of("untitled"), "added": Default.now()}
    assert books.primary_key == PrimaryKey(books.primary_key.name, ("author_id", "isbn"))  # type: ignore[union-attr]
    assert books.foreign_keys == (
        ForeignKey("books_author", ("author_id",), "authors", ("id",), "cascade", "restrict"),
    )
    assert books.indexes == (
        IndexSchema("books_isbn", ("isbn",), unique=True),
        IndexSchema("books_title", ("title",), where=books.indexes[1].where),
    )
    assert check_key(books.indexes[1].where or "") == check_key("pages IS NOT NULL")
    keys = sorted(check_key(c.expression) for c in books.checks)
    assert keys == sorted([check_key("pages > 0"), check_key("kind IN ('novel', 'essay')")])
    assert all(isinstance(c, Check) and c.name for c in books.checks)


def test_typedbs_own_type_checks_are_not_constraints(db: typedb.Database) -> None:
    """On SQLite every column built by typedb carries a CHECK of its type; the model holds
    the type, not those checks."""
    db.schema.create_table("t").add_column("a", "varchar(5)").add_column("b", "boolean").add_column(
        "c", "timestamp"
    ).execute()
    table = from_database(db).table("t")
    assert table is not None
    assert table.checks == ()
    assert [c.type for c in table.columns] == ["varchar(5)", "boolean", "timestamp"]


CONTRACTS = """\
from decimal import Decimal
from typing import Annotated, Any, Literal, TypedDict
from typedb.contracts import Column, Generated, Index, SoftDeleteTable, Table, TimestampTable

class UsersTable(TypedDict):
    id: Generated[int]
    email: Annotated[str, Column(unique=True)]

class PostsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    title: Annotated[str, Column(type="varchar(200)")]
    price: Annotated[Decimal | None, Column(type="numeric(10,2)", default=1, check="price > 0")]
    status: Annotated[Literal["draft", "published"], Column(default="draft")]
    data: dict[str, Any] | None
    ok: Annotated[bool | None, Column(default=True)]
    author_id: Annotated[int | None, Column(references="users.id", on_delete="cascade", index=True)]

class Database(TypedDict):
    users: UsersTable
    posts: Annotated[
        PostsTable,
        Table(
            uniques=[["title", "status"]],
            indexes=[Index("posts_title_idx", ["title"], where="deleted_at IS NULL")],
        ),
    ]
"""


def _build(db: typedb.Database) -> None:
    json_type = "jsonb" if db.dialect.name == "postgresql" else "json"
    db.schema.create_table("users").add_id_column().add_column(
        "email", "text", lambda c: c.not_null().unique()
    ).execute()
    db.schema.create_table("posts").add_id_column().add_column(
        "title", "varchar(200)", lambda c: c.not_null()
    ).add_column("price", "numeric(10,2)", lambda c: c.check("price > 0").default_to(1)).add_column(
        "status",
        "text",
        lambda c: c.not_null().default_to("draft").check("status IN ('draft', 'published')"),
    ).add_column("data", json_type).add_column(
        "ok", "boolean", lambda c: c.default_to(True)
    ).add_column(
        "author_id", "integer", lambda c: c.references("users.id").on_delete("cascade")
    ).add_timestamp_columns().add_soft_delete_column().add_unique_constraint(
        "posts_title_status", ["title", "status"]
    ).execute()
    db.schema.create_index("posts_title_idx").on("posts").columns(["title"]).where(
        "deleted_at IS NULL"
    ).execute()
    db.schema.create_index("posts_author_id_index").on("posts").columns(["author_id"]).execute()


def test_builder_schema_reads_back_equal_to_its_contracts(
    db: typedb.Database, tmp_path: Path
) -> None:
    _build(db)
    (tmp_path / "contracts.py").write_text(CONTRACTS)
    registry = merge([load_file(tmp_path / "contracts.py")])
    live = from_database(db)
    # Without a reference: the contracts alone say everything the builder made.
    wanted = from_registry(registry, db.dialect.name)
    assert [describe(c) for c in diff(live, wanted)] == []
    # And a change on one side shows.
    db.schema.alter_table("posts").alter_column("title", lambda c: c.drop_not_null()).execute()
    assert [describe(c) for c in diff(from_database(db), wanted)] == ["posts.title: set NOT NULL"]


def test_exclude_leaves_out_the_migration_table(db: typedb.Database) -> None:
    db.schema.create_table("typedb_migrations").add_column("name", "text").execute()
    db.schema.create_table("kept").add_column("name", "text").execute()
    assert from_database(db, exclude=("typedb_migrations",)).table_names == ("kept",)
