"""A hostile review (review14) of today's merges: SQLite's checked integer arithmetic, the
NOT NULL ORDER BY terms without NULLS FIRST/LAST, concat_ws()/format() on SQLite, the bulk
COPY text payload and LockedSelectQuery. Each test runs on both backends and asserts what
PostgreSQL gives; each failed on SQLite at the commit it names."""

from __future__ import annotations

from datetime import datetime, timezone
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
