"""A name in another case, and a select-list alias in where(), refused on both backends.

typedb quotes names, and PostgreSQL matches a quoted name exactly: `select("TITLE")` of a
column `title` is "column "TITLE" does not exist" (an UnknownColumnError), `select_from(
"POSTS")` of a table `posts` is "relation "POSTS" does not exist". SQLite matches names in
any case and answered both, and an update_table().set({"TITLE": ...}) changed rows there.
PostgreSQL does not see a select-list alias in WHERE (`select("title as t").where("t",
...)`: column "t" does not exist); SQLite used the alias. On SQLite typedb now judges the
names as written against the schema when a statement is compiled on a connection (first
run, and again after a schema change), and refuses them as PostgreSQL does. Every test runs
on SQLite, PostgreSQL and PostgreSQL through PgBouncer; the refusals answered on SQLite
before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import typedb
from typedb.query import excluded, fn

pytestmark = pytest.mark.pgbouncer

Build = Callable[[typedb.Database], Any]


@pytest.fixture
def posts(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("posts").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("rank", "integer").add_column("title", "text").execute()
    db.schema.create_table("tags").add_column("post_id", "integer").add_column(
        "label", "text"
    ).execute()
    db.insert_into("posts").values(
        [{"id": 1, "rank": 2, "title": "a"}, {"id": 2, "rank": 1, "title": "b"}]
    ).execute()
    db.insert_into("tags").values([{"post_id": 1, "label": "x"}]).execute()
    return db


def _rows(db: typedb.Database) -> list[dict[str, Any]]:
    return db.select_from("posts").select("id", "rank", "title").order_by("id").execute()


# A column named in another case: UnknownColumnError naming the column as written.
_COLUMN: dict[str, Build] = {
    "select": lambda db: db.select_from("posts").select("TITLE"),
    "select_qualified": lambda db: db.select_from("posts").select("posts.TITLE"),
    "select_aliased": lambda db: db.select_from("posts").select("TITLE as t"),
    "select_aggregate": lambda db: db.select_from("posts").select(fn.max("TITLE")),
    "select_eb": lambda db: db.select_from("posts").select(lambda eb: [eb.ref("Rank").as_("r")]),
    "where": lambda db: db.select_from("posts").select("id").where("TITLE", "=", "a"),
    "where_eb": lambda db: (
        db.select_from("posts").select("id").where(lambda eb: eb(eb.ref("Rank") + 1, ">", 0))
    ),
    "order_by": lambda db: db.select_from("posts").select("id").order_by("TITLE"),
    "group_by": lambda db: db.select_from("posts").select(fn.count()).group_by("TITLE"),
    "having": lambda db: (
        db.select_from("posts").select("title").group_by("title").having(fn.max("RANK"), ">", 0)
    ),
    "join_column": lambda db: (
        db.select_from("posts").inner_join("tags", "posts.id", "tags.POST_ID").select("label")
    ),
    "join_select": lambda db: (
        db.select_from("posts").inner_join("tags", "posts.id", "tags.post_id").select("Label")
    ),
    "subquery": lambda db: (
        db.select_from("posts")
        .select("id")
        .where("id", "in", db.select_from("tags").select("Post_Id"))
    ),
    "cte_column": lambda db: (
        db.with_("t", db.select_from("posts").select("title")).select_from("t").select("TITLE")
    ),
    "cte_select_all": lambda db: (
        db.with_("t", db.select_from("posts").select_all()).select_from("t").select("TITLE")
    ),
    "cte_of_cte": lambda db: (
        db.with_("t", db.select_from("posts").select("posts.*"))
        .with_("u", lambda d: d.select_from("t"))
        .select_from("u")
        .select("Rank")
    ),
    "delete_where": lambda db: db.delete_from("posts").where("TITLE", "=", "a"),
    "update_set": lambda db: db.update_table("posts").set({"TITLE": "z"}),
    "update_where": lambda db: db.update_table("posts").set({"title": "z"}).where("ID", "=", 1),
    "update_returning": lambda db: (
        db.update_table("posts").set({"title": "z"}).where("id", "=", 1).returning("TITLE")
    ),
    "insert_column": lambda db: db.insert_into("posts").values({"id": 3, "TITLE": "c"}),
    "insert_returning": lambda db: (
        db.insert_into("posts").values({"id": 3, "title": "c"}).returning("Id")
    ),
    "insert_many": lambda db: db.insert_into("posts").values(
        [{"id": 3, "Rank": 1}, {"id": 4, "Rank": 2}]
    ),
    "on_conflict_column": lambda db: (
        db.insert_into("posts")
        .values({"id": 1, "title": "c"})
        .on_conflict(lambda oc: oc.column("ID").do_update_set({"title": excluded("title")}))
    ),
    "on_conflict_set": lambda db: (
        db.insert_into("posts")
        .values({"id": 1, "title": "c"})
        .on_conflict(lambda oc: oc.column("id").do_update_set({"TITLE": excluded("title")}))
    ),
    "on_conflict_excluded": lambda db: (
        db.insert_into("posts")
        .values({"id": 1, "title": "c"})
        .on_conflict(lambda oc: oc.column("id").do_update_set({"title": excluded("TITLE")}))
    ),
}


@pytest.mark.parametrize("case", sorted(_COLUMN))
def test_a_column_in_another_case_is_refused(posts: typedb.Database, case: str) -> None:
    before = _rows(posts)
    with pytest.raises(typedb.UnknownColumnError) as info:
        _COLUMN[case](posts).execute()
    column = info.value.column  # as written; qualified as it was, as PostgreSQL names it
    assert column.rpartition(".")[2].lower() in ("title", "rank", "post_id", "label", "id")
    assert column.lower() != column
    assert column in str(info.value)
    if posts.dialect.name == "sqlite":
        # The table, and the column as it is spelled there.
        assert any(f"table '{t}'" in str(info.value) for t in ("posts", "tags", "t", "u"))
        assert f"write '{column.lower()}'" in str(info.value)
    assert _rows(posts) == before  # nothing written


# A table (or a table's qualifier) in another case: PostgreSQL's QueryError.
_TABLE: dict[str, tuple[str, Build]] = {
    "select_from": ('relation "POSTS" does not exist', lambda db: db.select_from("POSTS")),
    "select_count": (
        'relation "Posts" does not exist',
        lambda db: db.select_from("Posts").select(fn.count()),
    ),
    "join": (
        'relation "TAGS" does not exist',
        lambda db: db.select_from("posts").inner_join("TAGS", "posts.id", "TAGS.post_id"),
    ),
    "qualifier": (
        'missing FROM-clause entry for table "POSTS"',
        lambda db: db.select_from("posts").select("POSTS.title"),
    ),
    "alias_qualifier": (
        'missing FROM-clause entry for table "P"',
        lambda db: db.select_from("posts as p").select("P.title"),
    ),
    "insert": (
        'relation "POSTS" does not exist',
        lambda db: db.insert_into("POSTS").values({"id": 3, "title": "c"}),
    ),
    "update": (
        'relation "POSTS" does not exist',
        lambda db: db.update_table("POSTS").set({"title": "z"}),
    ),
    "delete": ('relation "POSTS" does not exist', lambda db: db.delete_from("POSTS")),
    "subquery": (
        'relation "TAGS" does not exist',
        lambda db: db.select_from("posts").where(
            "id", "in", db.select_from("TAGS").select("post_id")
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(_TABLE))
def test_a_table_in_another_case_is_refused(posts: typedb.Database, case: str) -> None:
    before = _rows(posts)
    message, build = _TABLE[case]
    with pytest.raises(typedb.QueryError, match=message):
        build(posts).execute()
    assert _rows(posts) == before


_ALIAS_IN_WHERE: dict[str, Build] = {
    "where": lambda db: db.select_from("posts").select("title as t").where("t", "=", "a"),
    "where_other_case": lambda db: (
        db.select_from("posts").select("title as t").where("T", "=", "a")
    ),
    "where_expression": lambda db: (
        db.select_from("posts")
        .select(lambda eb: [(eb.ref("rank") + 1).as_("r1")])
        .where("r1", ">", 0)
    ),
    "where_eb": lambda db: (
        db.select_from("posts").select("rank as r").where(lambda eb: eb(eb.ref("r"), ">", 0))
    ),
    "where_subquery": lambda db: (
        db.select_from("posts")
        .select("id")
        .where("id", "in", db.select_from("tags").select("post_id as p").where("p", "=", 1))
    ),
    "having": lambda db: (
        db.select_from("posts")
        .select("title", fn.count().as_("n"))
        .group_by("title")
        .having("n", ">", 0)
    ),
}


@pytest.mark.parametrize("case", sorted(_ALIAS_IN_WHERE))
def test_a_select_alias_in_where_is_refused(posts: typedb.Database, case: str) -> None:
    with pytest.raises(typedb.UnknownColumnError) as info:
        _ALIAS_IN_WHERE[case](posts).execute()
    assert info.value.column.lower() in ("t", "r1", "r", "p", "n")


def test_an_alias_that_is_also_a_column_is_the_column_in_where(posts: typedb.Database) -> None:
    # `rank` is a column: both compare the column, not the alias.
    rows = posts.select_from("posts").select("title as rank").where("rank", "=", 2).execute()
    assert rows == [{"rank": "a"}]


def test_exact_names_and_aliases_still_answer(posts: typedb.Database) -> None:
    assert posts.select_from("posts").select("title as TITLE").order_by("TITLE").execute() == [
        {"TITLE": "a"},
        {"TITLE": "b"},
    ]
    rows = (
        posts.select_from("posts as p")
        .inner_join("tags as t", "p.id", "t.post_id")
        .select("p.title", "t.label as Label")
        .where("t.label", "=", "x")
        .order_by("Label")
        .execute()
    )
    assert rows == [{"title": "a", "Label": "x"}]
    cte = posts.with_("t", posts.select_from("posts").select("rank as R")).select_from("t")
    assert cte.select("R").order_by("R").execute() == [{"R": 1}, {"R": 2}]
    assert posts.select_from("posts").select(fn.count().as_("n")).group_by("title").having(
        fn.count(), ">", 0
    ).execute() == [{"n": 1}, {"n": 1}]
    result = posts.update_table("posts").set({"title": "z"}).where("id", "=", 1).returning("title")
    assert result.execute().rows == [{"title": "z"}]


def test_a_column_renamed_to_another_case_is_refused_by_a_statement_run_before(
    posts: typedb.Database, db_url: str
) -> None:
    """Judged again after the schema changes, from this connection or another: the
    statement ran before, compiled and cached on SQLite's connection."""
    query = posts.select_from("posts").select("title").where("rank", "=", 2)
    assert query.execute() == [{"title": "a"}]
    posts.schema.alter_table("posts").rename_column("title", "Title").execute()
    with pytest.raises(typedb.UnknownColumnError, match="title"):
        query.execute()
    assert posts.select_from("posts").select("Title").where("rank", "=", 2).execute() == [
        {"Title": "a"}
    ]
    # Another connection changes it back: this one's cached statement is judged again.
    update = posts.update_table("posts").set({"Title": "q"}).where("id", "=", 2)
    assert update.execute().num_updated_rows == 1
    with typedb.connect(db_url) as other:
        other.schema.alter_table("posts").rename_column("Title", "title").execute()
    with pytest.raises(typedb.UnknownColumnError, match="Title"):
        update.execute()
    assert query.execute() == [{"title": "a"}]
    assert _rows(posts)[1]["title"] == "q"


def test_statements_compiled_again_are_judged_by_the_schema_they_meet(
    posts: typedb.Database,
) -> None:
    """More statements than sqlite3 keeps compiled per connection (128): each is compiled
    again at its next run. At the same schema it answers; after a column is renamed to
    another case, every one of them is refused."""
    queries = [
        posts.select_from("posts").select("title").where("rank", "=", 2).limit(n)
        for n in range(1, 201)
    ]
    for _ in range(2):
        assert all(q.execute() == [{"title": "a"}] for q in queries)
    posts.schema.alter_table("posts").rename_column("rank", "Rank").execute()
    for query in (queries[0], queries[150], queries[-1]):
        with pytest.raises(typedb.UnknownColumnError, match="rank"):
            query.execute()
