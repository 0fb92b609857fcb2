"""Contracts read into the schema model, with and without metadata; metadata that
contradicts its annotation refused with the file, table and column; a defaulted column
optional on insert in the generated stubs. The model depends on the dialect only where the
backends differ (json / jsonb), so each test runs for both."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from typedb._errors import ContractError
from typedb.contracts import Column, Index, Table, load_file, merge
from typedb.schema_diff import (
    Check,
    ColumnSchema,
    Default,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    Schema,
    Unique,
    from_registry,
)
from typedb.stubgen import render

DIALECTS = pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])

PLAIN = """\
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, TypedDict
from uuid import UUID
from typedb.contracts import Generated, SoftDeleteTable, TimestampTable

class ThingsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    n: int
    s: str | None
    b: bool
    f: float
    d: Decimal
    at: datetime
    day: date
    clock: time
    u: UUID
    raw: bytes
    doc: dict[str, Any]
    items: list[int] | None
    kind: Literal["a", "b"]

class Database(TypedDict):
    things: ThingsTable
"""


def _schema(tmp_path: Path, text: str, dialect: str, name: str = "contracts.py") -> Schema:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return from_registry(merge([load_file(path, root=tmp_path)], root=tmp_path), dialect)


@DIALECTS
def test_contracts_without_metadata_map_by_python_type(tmp_path: Path, dialect: str) -> None:
    table = _schema(tmp_path, PLAIN, dialect).table("things")
    assert table is not None
    json_type = "jsonb" if dialect == "postgresql" else "json"
    assert [(c.name, c.type, c.nullable) for c in table.columns] == [
        ("id", "integer", False),
        ("n", "integer", False),
        ("s", "text", True),
        ("b", "boolean", False),
        ("f", "double precision", False),
        ("d", "numeric", False),
        ("at", "timestamp", False),
        ("day", "date", False),
        ("clock", "time", False),
        ("u", "uuid", False),
        ("raw", "bytea", False),
        ("doc", json_type, False),
        ("items", json_type, True),
        ("kind", "text", False),
        ("created_at", "timestamp", False),
        ("updated_at", "timestamp", False),
        ("deleted_at", "timestamp", True),
    ]
    assert table.column("id") == ColumnSchema("id", "integer", False, None, auto_increment=True)
    assert table.primary_key == PrimaryKey("things_pkey", ("id",))
    assert table.column("created_at") == ColumnSchema(
        "created_at", "timestamp", False, Default.now()
    )
    assert table.checks == (Check("things_kind_check", "kind IN ('a', 'b')"),)
    assert (table.uniques, table.foreign_keys, table.indexes) == ((), (), ())


WITH_METADATA = """\
from decimal import Decimal
from typing import Annotated, Literal, TypedDict
from typedb import sql
from typedb.contracts import Column, Generated, Index, Table, TimestampTable

class UsersTable(TypedDict):
    id: Generated[int]
    email: Annotated[str, Column(type="varchar(120)", unique=True)]

class PostsTable(TimestampTable):
    id: Generated[int]
    author_id: Annotated[int, Column(references="users.id", on_delete="cascade", index=True)]
    title: Annotated[str, Column(type="varchar(200)")]
    slug: Annotated[str | None, Column(unique=True)]
    status: Annotated[Literal["draft", "published"], Column(default="draft")]
    price: Annotated[Decimal, Column(type="numeric(10,2)", default=Decimal("1.5"), check="price > 0")]
    seen: Annotated[int, Column(type="bigint", default=sql("0"))]

class TagsTable(TypedDict):
    post_id: int
    tag: str

class Database(TypedDict):
    users: UsersTable
    blog__posts: Annotated[
        PostsTable,
        Table(
            indexes=[Index("posts_title", ["title"], where="slug IS NOT NULL")],
            uniques=[["title", "status"]],
            checks=["length(title) > 0"],
        ),
    ]
    tags: Annotated[TagsTable, Table(primary_key=["post_id", "tag"])]
"""


@DIALECTS
def test_contracts_with_metadata(tmp_path: Path, dialect: str) -> None:
    schema = _schema(tmp_path, WITH_METADATA, dialect)
    users, posts, tags = schema.table("users"), schema.table("blog__posts"), schema.table("tags")
    assert users is not None and posts is not None and tags is not None
    assert users.column("email") == ColumnSchema("email", "varchar(120)", False)
    assert users.uniques == (Unique("users_email_key", ("email",)),)
    assert posts.column("status") == ColumnSchema("status", "text", False, Default.of("draft"))
    assert posts.column("price") == ColumnSchema(
        "price", "numeric(10,2)", False, Default.of(Decimal("1.5"))
    )
    assert posts.column("seen") == ColumnSchema("seen", "bigint", False, Default.of(0))
    assert posts.foreign_keys == (
        ForeignKey("blog__posts_author_id_fkey", ("author_id",), "users", ("id",), "cascade"),
    )
    assert posts.indexes == (
        IndexSchema("blog__posts_author_id_index", ("author_id",)),
        IndexSchema("posts_title", ("title",), where="slug IS NOT NULL"),
    )
    assert posts.uniques == (
        Unique("blog__posts_slug_key", ("slug",)),
        Unique("blog__posts_title_status_key", ("title", "status")),
    )
    assert [c.expression for c in posts.checks] == [
        "status IN ('draft', 'published')",
        "price > 0",
        "length(title) > 0",
    ]
    assert tags.primary_key == PrimaryKey("tags_pkey", ("post_id", "tag"))
    assert [c.nullable for c in tags.columns] == [False, False]


def test_metadata_objects_compare_by_value() -> None:
    assert Column(type="text", unique=True) == Column(type="text", unique=True)
    assert Column(default=1) != Column(default=2)
    assert Index("i", ["a"]) == Index("i", ("a",))
    assert Table(primary_key=["a", "b"]) == Table(primary_key=("a", "b"))
    assert repr(Table(uniques=[["a", "b"]])) == "Table(uniques=[['a', 'b']])"


BAD = [
    ('n: Annotated[int, Column(type="text")]', "Column(type='text') holds str values"),
    ('n: Annotated[int, Column(type="varchr(3)")]', "unknown data type 'varchr(3)'"),
    ('n: Annotated[int, Column(default="1")]', "Column(default='1') is a str, not a int"),
    ("n: Annotated[bool, Column(default=1)]", "Column(default=1) is a int, not a bool"),
    ("n: Annotated[int, Column(default=None)]", "None, but the column is not `| None`"),
    ('n: Annotated[Literal["a", "b"], Column(default="c")]', "is not one of Literal['a', 'b']"),
    ('n: Annotated[int, Column(backfill="x")]', "Column(backfill='x') is a str"),
    ('n: Annotated[int, Column(references="users")]', "must be 'table.column'"),
    ('n: Annotated[int, Column(on_delete="cascade")]', "needs references='table.column'"),
    ('n: Annotated[int, Column(references="users.id", on_delete="explode")]', "expected one of"),
    (
        'n: Annotated[int, Column(references="nowhere.id")]',
        "names table 'nowhere', which no contract declares",
    ),
    ('n: Annotated[int, Column(references="users.nope")]', "table 'users' has no column 'nope'"),
    ('n: Annotated[str, Column(references="users.id")]', "is str but users.id is int"),
]


@pytest.mark.parametrize(("column", "message"), BAD)
def test_metadata_that_contradicts_the_annotation_is_refused(
    tmp_path: Path, column: str, message: str
) -> None:
    text = f"""\
from typing import Annotated, Literal, TypedDict
from typedb.contracts import Column, Generated

class UsersTable(TypedDict):
    id: Generated[int]

class ThingsTable(TypedDict):
    {column}

class Database(TypedDict):
    users: UsersTable
    things: ThingsTable
"""
    path = tmp_path / "contracts.py"
    path.write_text(text)
    with pytest.raises(ContractError) as caught:
        merge([load_file(path, root=tmp_path)], root=tmp_path)
    shown = str(caught.value)
    assert "contracts.py" in shown and "'things'" in shown and "'n'" in shown, shown
    assert message in shown, shown


def test_table_metadata_naming_an_unknown_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "contracts.py"
    path.write_text(
        "from typing import Annotated, TypedDict\n"
        "from typedb.contracts import Index, Table\n"
        "class T(TypedDict):\n    a: int\n"
        "class Database(TypedDict):\n"
        '    t: Annotated[T, Table(indexes=[Index("t_b", ["b"])])]\n'
    )
    with pytest.raises(ContractError, match=r"contracts.py: table 't', column 'b': Index\('t_b'\)"):
        load_file(path, root=tmp_path)


def test_same_table_with_different_metadata_in_two_files_is_refused(tmp_path: Path) -> None:
    for name, meta in (("a.py", "Column(unique=True)"), ("b.py", "Column(index=True)")):
        (tmp_path / name).write_text(
            "from typing import Annotated, TypedDict\nfrom typedb.contracts import Column\n"
            f"class T(TypedDict):\n    a: Annotated[int, {meta}]\n"
            "class Database(TypedDict):\n    t: T\n"
        )
    with pytest.raises(ContractError, match=r"declared with different shapes in a\.py and b\.py"):
        merge([load_file(tmp_path / n, root=tmp_path) for n in ("a.py", "b.py")], root=tmp_path)


def test_union_without_type_metadata_asks_for_one(tmp_path: Path) -> None:
    text = "from typing import TypedDict\nclass T(TypedDict):\n    a: int | str\nclass Database(TypedDict):\n    t: T\n"
    with pytest.raises(ContractError, match=r"table 't', column 'a'.*Column\(type="):
        _schema(tmp_path, text, "sqlite")


def test_defaulted_column_is_optional_on_insert_in_the_stubs(tmp_path: Path) -> None:
    path = tmp_path / "contracts.py"
    path.write_text(WITH_METADATA)
    registry = merge([load_file(path, root=tmp_path)], root=tmp_path)
    posts = registry["blog__posts"]
    status = posts.column("status")
    assert status is not None and not status.required_on_insert
    assert status.meta == Column(default="draft")
    stub = render(registry)["typedb-stubs/facades/_db/blog__posts.pyi"]
    insert = stub[stub.index("Insert(TypedDict):") : stub.index("Update(TypedDict")]
    assert "    status: NotRequired[Literal['draft', 'published']]\n" in insert
    assert "    seen: NotRequired[int]\n" in insert
    assert "    title: str\n" in insert  # no default: still required
