"""`diff()` finds every kind of change, between two states of a real database built with the
schema builder (SQLite and PostgreSQL): each case builds a table, reads the schema, makes
one change, reads it again and diffs the two readings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import typedb
from typedb.schema_diff import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddTable,
    AddUnique,
    AlterColumnDefault,
    AlterColumnNullable,
    AlterColumnType,
    AlterPrimaryKey,
    ColumnSchema,
    Default,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    RenameColumn,
    RenameTable,
    Schema,
    TableSchema,
    dependency_order,
    describe,
    diff,
    from_database,
    rename_candidates,
)

Step = Callable[[typedb.Database], None]


def _base(db: typedb.Database) -> None:
    db.schema.create_table("users").add_id_column().add_column(
        "email", "text", lambda c: c.not_null()
    ).execute()
    db.schema.create_table("posts").add_id_column().add_column("author_id", "integer").add_column(
        "title", "text"
    ).add_column("score", "integer", lambda c: c.default_to(0)).execute()


def _alter(fn: Callable[[typedb.Database], object]) -> Step:
    def step(db: typedb.Database) -> None:
        fn(db)

    return step


CASES: dict[str, tuple[Step, list[type]]] = {
    "add table": (
        _alter(lambda db: db.schema.create_table("tags").add_column("name", "text").execute()),
        [AddTable],
    ),
    "drop table": (_alter(lambda db: db.schema.drop_table("posts").execute()), [DropTable]),
    "add column": (
        _alter(lambda db: db.schema.alter_table("posts").add_column("body", "text").execute()),
        [AddColumn],
    ),
    "drop column": (
        _alter(lambda db: db.schema.alter_table("posts").drop_column("title").execute()),
        [DropColumn],
    ),
    "type": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .alter_column("title", lambda c: c.set_data_type("varchar(80)"))
                .execute()
            )
        ),
        [AlterColumnType],
    ),
    "default": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .alter_column("score", lambda c: c.set_default(5))
                .execute()
            )
        ),
        [AlterColumnDefault],
    ),
    "drop default": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .alter_column("score", lambda c: c.drop_default())
                .execute()
            )
        ),
        [AlterColumnDefault],
    ),
    "nullability": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .alter_column("title", lambda c: c.set_not_null())
                .execute()
            )
        ),
        [AlterColumnNullable],
    ),
    "add index": (
        _alter(
            lambda db: (
                db.schema.create_index("posts_title_idx")
                .on("posts")
                .columns(["title"])
                .where("score > 0")
                .execute()
            )
        ),
        [AddIndex],
    ),
    "add unique": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .add_unique_constraint("posts_title_key", ["title"])
                .execute()
            )
        ),
        [AddUnique],
    ),
    "add foreign key": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .add_foreign_key_constraint(
                    "posts_author_fk",
                    ["author_id"],
                    "users",
                    ["id"],
                    lambda f: f.on_delete("cascade"),
                )
                .execute()
            )
        ),
        [AddForeignKey],
    ),
    "add check": (
        _alter(
            lambda db: (
                db.schema.alter_table("posts")
                .add_check_constraint("posts_score_positive", "score >= 0")
                .execute()
            )
        ),
        [AddCheck],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_change_kind_is_found(db: typedb.Database, case: str) -> None:
    _base(db)
    before = from_database(db)
    step, expected = CASES[case]
    step(db)
    after = from_database(db)
    changes = diff(before, after)
    assert [type(c) for c in changes] == expected, [describe(c) for c in changes]
    # And back: the reverse diff undoes it with the matching kind.
    assert len(diff(after, before)) == len(expected)
    assert diff(after, after) == []


_DROPS: dict[str, tuple[Step, type]] = {
    "index": (lambda db: db.schema.drop_index("posts_title_idx").execute(), DropIndex),
    "unique": (
        lambda db: db.schema.alter_table("posts").drop_constraint("posts_title_key").execute(),
        DropUnique,
    ),
    "foreign key": (
        lambda db: db.schema.alter_table("posts").drop_constraint("posts_author_fk").execute(),
        DropForeignKey,
    ),
    "check": (
        lambda db: db.schema.alter_table("posts").drop_constraint("posts_score_positive").execute(),
        DropCheck,
    ),
}


@pytest.mark.parametrize("kind", list(_DROPS))
def test_dropped_constraints_and_indexes_are_found(db: typedb.Database, kind: str) -> None:
    _base(db)
    for name in ("add index", "add unique", "add foreign key", "add check"):
        CASES[name][0](db)
    before = from_database(db)
    step, expected = _DROPS[kind]
    step(db)
    changes = diff(before, from_database(db))
    assert [type(c) for c in changes] == [expected], [describe(c) for c in changes]


def test_renames_are_drop_and_add_unless_named(db: typedb.Database) -> None:
    _base(db)
    before = from_database(db)
    db.schema.alter_table("posts").rename_column("title", "headline").execute()
    db.schema.alter_table("users").rename_to("members").execute()
    after = from_database(db)
    plain = diff(before, after)
    assert {type(c) for c in plain} >= {DropColumn, AddColumn}
    flags = {c.flag for c in rename_candidates(plain)}
    assert "posts.title:headline" in flags
    named = diff(before, after, {"users": "members", "posts.title": "headline"})
    kinds = [type(c) for c in named]
    assert RenameTable in kinds and RenameColumn in kinds
    assert DropColumn not in kinds and AddColumn not in kinds and DropTable not in kinds
    # The foreign key of nothing, the primary key of members: no constraint looks changed.
    assert all(isinstance(c, RenameTable | RenameColumn) for c in named), [
        describe(c) for c in named
    ]


def test_composite_primary_key_change(db: typedb.Database) -> None:
    db.schema.create_table("links").add_column("a", "integer", lambda c: c.not_null()).add_column(
        "b", "integer", lambda c: c.not_null()
    ).add_primary_key_constraint("links_pkey", ["a"]).execute()
    before = from_database(db)
    db.schema.drop_table("links").execute()
    db.schema.create_table("links").add_column("a", "integer", lambda c: c.not_null()).add_column(
        "b", "integer", lambda c: c.not_null()
    ).add_primary_key_constraint("links_pkey", ["a", "b"]).execute()
    changes = diff(before, from_database(db))
    assert [type(c) for c in changes] == [AlterPrimaryKey]
    change = changes[0]
    assert isinstance(change, AlterPrimaryKey) and change.new is not None
    assert change.new.columns == ("a", "b")


def test_changes_come_in_dependency_order() -> None:
    parent = TableSchema("parent", (ColumnSchema("id", "integer", False, None, True),))
    child = TableSchema(
        "child",
        (ColumnSchema("parent_id", "integer"),),
        foreign_keys=(
            __import__("typedb.schema_diff", fromlist=["ForeignKey"]).ForeignKey(
                "child_parent_id_fkey", ("parent_id",), "parent", ("id",)
            ),
        ),
    )
    added = diff(Schema(), Schema((child, parent)))
    assert [c.table for c in added] == ["parent", "child"]
    dropped = diff(Schema((child, parent)), Schema())
    assert [c.table for c in dropped] == ["child", "parent"]
    assert [t.name for t in dependency_order([child, parent])] == ["parent", "child"]


def test_default_kinds_compare_by_value() -> None:
    a = Schema((TableSchema("t", (ColumnSchema("n", "integer", default=Default.of(1)),)),))
    b = Schema((TableSchema("t", (ColumnSchema("n", "integer", default=Default.raw("1 + 0")),)),))
    assert [type(c) for c in diff(a, b)] == [AlterColumnDefault]
    assert describe(diff(a, b)[0]) == "t.n: default 1 -> sql(1 + 0)"


def test_renamed_table_keeps_the_foreign_keys_to_it(db: typedb.Database) -> None:
    _base(db)
    db.schema.alter_table("posts").add_foreign_key_constraint(
        "posts_author_fk", ["author_id"], "users", ["id"]
    ).execute()
    before = from_database(db)
    db.schema.alter_table("users").rename_to("members").execute()
    after = from_database(db)
    fk = after.table("posts").foreign_keys[0]  # type: ignore[union-attr]
    assert fk.ref_table == "members"  # the database followed the rename
    assert [describe(c) for c in diff(before, after, {"users": "members"})] == [
        "users: rename table to members"
    ]
