"""Names that SQLite and PostgreSQL resolved differently, now the same on both.

- An order_by() / group_by() name that is a selected column's name in another case
  (`select("rank as TITLE").order_by("title")`): PostgreSQL matches typedb's quoted names
  exactly (it sorts by a table column `title`, or refuses the query); SQLite matched the
  alias in any case and sorted by `rank`, silently. typedb refuses it on both before
  anything runs (SQLite cannot be made to match names exactly), naming both names.
- A join column whose name has a space: PostgreSQL writes a qualified name unquoted in its
  error ("column b.my col does not exist"), which typedb did not read as an unknown column:
  a plain QueryError there, an UnknownColumnError on SQLite.
"""

from __future__ import annotations

import pytest

import typedb


@pytest.fixture
def posts(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("posts").add_column("id", "integer").add_column(
        "rank", "integer"
    ).add_column("title", "text").execute()
    db.insert_into("posts").values(
        [{"id": 1, "rank": 2, "title": "a"}, {"id": 2, "rank": 1, "title": "b"}]
    ).execute()
    return db


def test_order_by_an_alias_in_another_case_is_refused(posts: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match=r"order_by\('title'\).*'TITLE'") as info:
        posts.select_from("posts").select("rank as TITLE").order_by("title").execute()
    assert "posts.title" in str(info.value)  # the table's column, qualified


def test_order_by_an_expression_alias_in_another_case_is_refused(posts: typedb.Database) -> None:
    query = (
        posts.select_from("posts")
        .select(lambda eb: [(eb.ref("rank") + 0).as_("Score")])
        .order_by("score", "desc")
        .limit(1)
    )
    with pytest.raises(typedb.CompileError, match=r"'score'.*'Score'"):
        query.execute()


def test_order_by_a_column_in_another_case_is_refused(posts: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match="'Title'"):
        posts.select_from("posts").select("id", "title").order_by("Title").execute()


def test_group_by_an_alias_in_another_case_is_refused(posts: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match=r"group_by\('r'\).*'R'"):
        posts.select_from("posts").select("rank as R").group_by("r").execute()


def test_exact_and_qualified_names_still_sort(posts: typedb.Database) -> None:
    """The alias as written sorts by it; the table's column, qualified, by the column."""
    by_alias = posts.select_from("posts").select("rank as TITLE").order_by("TITLE").execute()
    assert by_alias == [{"TITLE": 1}, {"TITLE": 2}]
    by_column = posts.select_from("posts").select("rank as TITLE").order_by("posts.title").execute()
    assert by_column == [{"TITLE": 2}, {"TITLE": 1}]
    grouped = posts.select_from("posts").select("rank as r").group_by("r").order_by("r").execute()
    assert grouped == [{"r": 1}, {"r": 2}]


def test_a_join_column_with_a_space_is_an_unknown_column(posts: typedb.Database) -> None:
    query = posts.select_from("posts as a").inner_join("posts as b", "a.id", "b.my col")
    with pytest.raises(typedb.UnknownColumnError) as info:
        query.execute()
    assert info.value.column == "b.my col"
    assert "b.my col" in str(info.value)
