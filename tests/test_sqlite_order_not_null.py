"""An ORDER BY of several columns on SQLite: NULLS FIRST / LAST only where a NULL can be.

SQLite puts NULLs first ascending, PostgreSQL last, so every SQLite term says NULLS LAST
(ascending) or NULLS FIRST (descending). SQLite 3.40 then reads only the first term from an
index on the columns and sorts the rest (tests/test_review12.py). The driver leaves the
clause off a NOT NULL column of a table no join null-extends, read from the schema and
read again after it changes; everywhere else the clause stays, and NULLs come where
PostgreSQL puts them. Each test runs on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import typedb
from typedb.query._aggregate_plan import TypedSql


@contextmanager
def _statements(db: typedb.Database, backend: str) -> Iterator[list[str]]:
    """The SELECTs SQLite ran in the block (nothing on PostgreSQL)."""
    ran: list[str] = []
    if backend != "sqlite":
        yield ran
        return
    with db.transaction() as trx:
        conn = trx._current().conn  # type: ignore[attr-defined]  # the SQLite driver's
        conn.set_trace_callback(ran.append)
        try:
            yield ran
        finally:
            conn.set_trace_callback(None)
    ran[:] = [s for s in ran if " ORDER BY " in s]


def _make(db: typedb.Database) -> None:
    db.schema.create_table("tasks").add_id_column().add_column(
        "status", "text", lambda c: c.not_null()
    ).add_column("rank", "integer").execute()
    db.insert_into("tasks").values(
        [
            {"status": "open", "rank": 2},
            {"status": "open", "rank": None},
            {"status": "done", "rank": 1},
            {"status": "open", "rank": 1},
        ]
    ).execute()


def test_a_nullable_column_keeps_postgresqls_null_order(backend: str, db: typedb.Database) -> None:
    _make(db)
    with _statements(db, backend) as ran:
        up = (
            db.select_from("tasks")
            .select("id")
            .order_by("status")
            .order_by("rank")
            .limit(10)
            .execute()
        )
        down = (
            db.select_from("tasks")
            .select("id")
            .order_by("status", "desc")
            .order_by("rank", "desc")
            .limit(10)
            .execute()
        )
    assert [r["id"] for r in up] == [3, 4, 1, 2]  # NULL last ascending
    assert [r["id"] for r in down] == [2, 1, 4, 3]  # NULL first descending
    for statement in ran:  # SQLite: the clause on `rank` only
        assert "`status` ASC," in statement or "`status` DESC," in statement, statement
        assert "`rank` ASC NULLS LAST" in statement or "`rank` DESC NULLS FIRST" in statement


def test_dropping_not_null_brings_the_clause_back(backend: str, db: typedb.Database) -> None:
    """The driver's answer follows the schema: once `status` may be NULL (a migration
    through this Database, or any other connection: SQLite's schema version says so), its
    term has the clause again and a NULL status sorts where PostgreSQL sorts it."""
    _make(db)
    query = db.select_from("tasks").select("id").order_by("rank").order_by("status").limit(9)
    assert [r["id"] for r in query.execute()] == [3, 4, 1, 2]
    db.schema.alter_table("tasks").alter_column("status", lambda c: c.drop_not_null()).execute()
    db.insert_into("tasks").values({"status": None, "rank": 1}).execute()
    with _statements(db, backend) as ran:
        rows = query.execute()
    assert [r["id"] for r in rows] == [3, 4, 5, 1, 2]
    if backend == "sqlite":
        assert "`status` ASC NULLS LAST" in ran[0], ran


def test_a_not_null_column_of_a_left_joined_table_keeps_the_clause(
    backend: str, db: typedb.Database
) -> None:
    """A left join null-extends its table's rows: NOT NULL there is no promise."""
    _make(db)
    db.schema.create_table("notes").add_id_column().add_column(
        "task_id", "integer", lambda c: c.not_null()
    ).add_column("body", "text", lambda c: c.not_null()).execute()
    db.insert_into("notes").values(
        [{"task_id": 1, "body": "b"}, {"task_id": 3, "body": "a"}]
    ).execute()
    rows = (
        db.select_from("tasks")
        .left_join("notes", "notes.task_id", "tasks.id")
        .select("tasks.id")
        .order_by("notes.body", "desc")
        .order_by("tasks.id")
        .limit(10)
        .execute()
    )
    assert [r["id"] for r in rows] == [2, 4, 1, 3]  # descending: NULLs first


def test_a_result_column_named_like_a_not_null_column_keeps_the_clause(
    backend: str, db: typedb.Database
) -> None:
    """ORDER BY "status" sorts by the result column of that name, here the nullable rank."""
    _make(db)
    rows = (
        db.select_from("tasks")
        .select("id", "rank as status")
        .order_by("status")
        .order_by("id")
        .limit(10)
        .execute()
    )
    assert [r["id"] for r in rows] == [3, 4, 1, 2]


def test_the_rowid_and_a_not_null_column_go_without_the_clause(
    backend: str, db: typedb.Database
) -> None:
    _make(db)
    with _statements(db, backend) as ran:
        rows = (
            db.select_from("tasks as t")
            .inner_join("tasks as u", "u.id", "t.id")
            .select("t.id")
            .order_by("u.status", "desc")
            .order_by("t.id", "desc")
            .limit(10)
            .execute()
        )
    assert [r["id"] for r in rows] == [4, 2, 1, 3]
    if backend == "sqlite":
        assert "NULLS" not in ran[0], ran


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_one_term_or_no_limit_is_left_as_it_was(
    backend: str, db: typedb.Database, direction: str
) -> None:
    """A lone term is read from an index with its clause, and a query without a limit
    reads every row anyway: neither has a plan, so neither reads the schema (the common
    select pays nothing more)."""
    _make(db)
    one = db.select_from("tasks").select("id").order_by("status", direction).limit(2)  # type: ignore[arg-type]
    every = db.select_from("tasks").select("id").order_by("status", direction).order_by("id")  # type: ignore[arg-type]
    for query in (one, every):
        assert not isinstance(query.compile().sql, TypedSql)
        rows = query.execute()
        assert len(rows) == (2 if query is one else 4)
