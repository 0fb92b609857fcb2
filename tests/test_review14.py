"""A hostile review (review14) of today's merges: SQLite's checked integer arithmetic, the
NOT NULL ORDER BY terms without NULLS FIRST/LAST, concat_ws()/format() on SQLite, the bulk
COPY text payload and LockedSelectQuery. Each test runs on both backends and asserts what
PostgreSQL gives; each failed on SQLite at the commit it names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import typedb


def _make(db: typedb.Database) -> None:
    db.schema.create_table("tasks").add_id_column().add_column(
        "title", "text", lambda c: c.not_null()
    ).add_column("rank", "integer").execute()
    db.insert_into("tasks").values(
        [
            {"title": "a", "rank": None},
            {"title": "b", "rank": 2},
            {"title": "c", "rank": None},
            {"title": "d", "rank": 1},
        ]
    ).execute()


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_order_by_a_typedb_sql_alias_named_like_a_not_null_column(
    db: typedb.Database, direction: str
) -> None:
    """`select(typedb.sql("rank AS title"))` then ORDER BY title: both databases sort by the
    result column (the nullable rank), so NULLs go last ascending, first descending. The
    driver, which cannot see an alias inside typedb.sql(), took `title` for the NOT NULL
    column and dropped NULLS LAST: SQLite put the NULL ranks first (6118c40)."""
    _make(db)
    rows = (
        db.select_from("tasks")
        .select("id", typedb.sql("rank AS title"))
        .order_by("title", direction)  # type: ignore[arg-type]
        .order_by("id")
        .limit(10)
        .execute()
    )
    ranks = [r["title"] for r in rows]
    expected = [1, 2, None, None] if direction == "asc" else [None, None, 2, 1]
    assert ranks == expected


def test_a_temp_table_shadowing_a_not_null_column(backend: str, db: typedb.Database) -> None:
    """SQLite: the driver's NOT NULL cache was reset on main's `PRAGMA schema_version` only;
    a TEMP table created afterwards that shadows a NOT NULL column kept it, so its NULLs
    sorted first (PostgreSQL: last)."""
    _make(db)

    def ordered(on: Any) -> list[Any]:
        query = on.select_from("tasks").select("id").order_by("title").order_by("id")
        return [r["id"] for r in query.limit(10).execute()]

    with db.transaction() as trx:
        assert ordered(trx) == [1, 2, 3, 4]  # the driver reads `title` NOT NULL here
        trx.raw("CREATE TEMP TABLE tasks (id integer, title text, rank integer)")
        trx.raw("INSERT INTO tasks VALUES (1, NULL, 1), (2, 'z', 1)")
        shadowed = ordered(trx)
        trx.raw("DROP TABLE temp.tasks" if backend == "sqlite" else "DROP TABLE pg_temp.tasks")
    assert shadowed == [2, 1]  # the NULL title last, ascending
    assert ordered(db) == [1, 2, 3, 4]


def _stamped(db: typedb.Database) -> None:
    db.schema.create_table("stamps").add_id_column().add_column("at", "timestamp").add_column(
        "at_tz", "timestamptz"
    ).add_column("doc", "jsonb").execute()
    db.insert_into("stamps").values(
        {
            "at": datetime(2024, 1, 1, 12, 30, 0, 500),
            "at_tz": datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
            "doc": {"b": 1, "a": 2},
        }
    ).execute()


@pytest.mark.parametrize("function", ["concat_ws", "format", "concat", "cast"])
@pytest.mark.parametrize("column", ["at", "at_tz", "doc"])
def test_text_of_timestamps_and_documents_as_postgresql(
    backend: str, db: typedb.Database, function: str, column: str
) -> None:
    """PostgreSQL's text of each value, or (SQLite, a timestamptz or jsonb, whose text it
    cannot write) a clear refusal; never other text. SQLite's concat_ws() and format()
    (6118c40), as concat() and eb.cast(x, 'text') before, gave a timestamp's stored
    '12:30:00.000500' (PostgreSQL: '12:30:00.0005'), a timestamptz without its '+00' and a
    document with its keys unsorted."""
    _stamped(db)

    def text_of(e: Any, value: Any) -> Any:
        if function == "cast":
            return e.cast(value, "text")
        if function == "concat":
            return e.fn("concat", value)
        return e.fn(function, e.val("|") if function == "concat_ws" else e.val("%s"), value)

    expected = {
        "at": "2024-01-01 12:30:00.0005",
        "at_tz": "2024-01-01 12:00:00+00",
        "doc": '{"a": 2, "b": 1}',
    }[column]
    listed = db.select_from("stamps").select(lambda e: [text_of(e, e.ref(column)).as_("x")])
    matched = (
        db.select_from("stamps")
        .select("id")
        .where(lambda e: e(text_of(e, e.ref(column)), "=", expected))
    )
    if backend == "sqlite" and column != "at":
        for query in (listed, matched):
            with pytest.raises(typedb.CompileError, match="no SQLite equivalent"):
                query.execute()
        return
    assert listed.execute() == [{"x": expected}]
    assert matched.execute() == [{"id": 1}]


def test_a_select_over_a_locked_cte_outside_a_transaction_is_refused(
    backend: str, db: typedb.Database
) -> None:
    _make(db)
    if backend == "sqlite":  # no row locks at all: refused as the query is built
        with pytest.raises(typedb.CompileError, match="PostgreSQL only"):
            db.select_from("tasks").select("id").for_update()
        return
    locked = db.select_from("tasks").select("id").where("rank", "is", None).for_update()
    with pytest.raises(typedb.CompileError, match="for_update"):
        db.with_("todo", locked).select_from("todo").select("id").execute()
    with pytest.raises(typedb.CompileError, match="for_update"):
        db.select_from("tasks").select("title").where("id", "in", locked).execute()
    with db.transaction() as trx:  # inside a transaction the locks hold: allowed
        assert trx.with_("todo", locked).select_from("todo").select("id").execute()
        assert db.select_from("tasks").select("title").where("id", "in", locked).execute()
    # An UPDATE over the locked subquery holds the lock while it runs: allowed anywhere.
    assert db.update_table("tasks").set({"title": "t"}).where("id", "in", locked).execute()
