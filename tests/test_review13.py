"""Hostile review of the single-row insert / BEGIN-COMMIT fast path, bulk COPY, the eb
expression builder and prepared statements (review13): each test here failed on the code
as merged, or is a strict xfail saying exactly what is still wrong. Every database test runs
on SQLite and on PostgreSQL (and, where marked, through PgBouncer)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from _statement_log import log_statements, statements
from _store import run_async

import typedb
from typedb.query._insert import CHUNK_ROWS

N = CHUNK_ROWS * 2 + 7  # more rows than one INSERT chunk: COPY on PostgreSQL


def _stored_or_refused(db: typedb.Database, table: str, rows: list[dict[str, Any]]) -> object:
    """What the rows' insert stored (the distinct values as text), or the class of the
    error it raised: any exception, so a non-typedb one shows as a difference too."""
    try:
        with db.transaction():  # a savepoint inside the caller's block: a failure undoes itself
            db.insert_into(table).values(rows).execute()
    except Exception as exc:  # the class is the outcome compared
        return type(exc)
    # As text: a timestamp past Python's years does not come back as a datetime.
    stored = db.raw(f"SELECT DISTINCT CAST(v AS text) AS v FROM {table}")  # type: ignore[arg-type]
    return [r["v"] for r in stored]


# -- 1. bulk insert: aware datetimes near year 1 / 9999 into `timestamp` --------------------


@pytest.mark.pgbouncer
@pytest.mark.parametrize(
    ("zone", "value"),
    [
        # INSERT's cast gives '0001-12-31 19:03:58 BC' (New York's LMT); Python cannot.
        ("America/New_York", datetime(1, 1, 1, tzinfo=UTC)),
        # INSERT's cast gives the year 10000.
        ("Asia/Tokyo", datetime(9999, 12, 31, 23, tzinfo=UTC)),
        ("UTC", datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))),
    ],
)
def test_bulk_insert_of_aware_datetimes_at_the_year_edges_stores_as_insert(
    db: typedb.Database, backend: str, zone: str, value: datetime
) -> None:
    """COPY converts aware datetimes to the session zone in Python first (as INSERT's cast
    does on the server). Past Python's year range that conversion raised a bare
    OverflowError (not a typedb error) where the same rows through INSERT were stored."""
    for table in ("single", "bulk"):
        db.schema.create_table(table).add_column("k", "integer").add_column(
            "v", "timestamp"
        ).execute()
    # One block, so both inserts run on the connection whose zone is set: a session-wide
    # set_config() stayed on whichever pooled connection ran it (through PgBouncer, on
    # whichever server session), and the bulk insert could land on another, in UTC.
    with db.transaction():
        if backend == "postgresql":
            db.raw("SELECT set_config('TimeZone', %s, true)", [zone])
        single = _stored_or_refused(db, "single", [{"k": 0, "v": value}])
        bulk = _stored_or_refused(db, "bulk", [{"k": i, "v": value} for i in range(N)])
    assert bulk == single


# -- 2. prepared statements after another connection changes a column's type ----------------


def _retype_elsewhere(url: str, column: str) -> None:
    with typedb.connect(url) as other:
        other.raw(f"ALTER TABLE docs ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb")  # type: ignore[arg-type]


def test_statements_prepared_before_a_column_type_change_elsewhere_still_run(
    pg_url: str,
) -> None:
    """psycopg prepares a statement on its 5th run, and PostgreSQL keeps the parameter types
    it inferred then (text, for a str into a text column). After a migration on another
    connection turned the column into jsonb, every later run of the same INSERT or SELECT on
    that pooled connection failed ("column "body" is of type jsonb but expression is of type
    text", "operator does not exist: jsonb = text") until the connection was recycled, an
    hour later; a fresh connection runs them."""
    with typedb.connect(pg_url, pool_max=1) as db:
        db.raw("CREATE TABLE docs (id serial PRIMARY KEY, body text, tag text)")
        for i in range(7):
            db.insert_into("docs").values({"body": f'{{"n": {i}}}', "tag": '"a"'}).execute()
            db.select_from("docs").select("id").where("body", "=", '{"n": 0}').execute()
        _retype_elsewhere(pg_url, "body")
        db.insert_into("docs").values({"body": '{"n": 7}', "tag": '"a"'}).execute()
        found = db.select_from("docs").select("id").where("body", "=", '{"n": 7}').execute()
        assert found == [{"id": 8}]
        # In a transaction the failed statement cannot simply run again (PostgreSQL aborted
        # the transaction), but the next transaction must work.
        for _ in range(7):
            db.insert_into("docs").values({"body": "{}", "tag": '"b"'}).execute()
        _retype_elsewhere(pg_url, "tag")
        try:
            with db.transaction() as trx:
                trx.insert_into("docs").values({"body": "{}", "tag": '"c"'}).execute()
        except typedb.QueryError:
            pass
        with db.transaction() as trx:
            trx.insert_into("docs").values({"body": "{}", "tag": '"d"'}).execute()
        tags = db.raw("SELECT tag::text AS tag FROM docs WHERE id > 15 ORDER BY id")
        assert tags[-1] == {"tag": '"d"'}


def test_async_statements_prepared_before_a_column_type_change_elsewhere_still_run(
    pg_url: str,
) -> None:
    with typedb.connect(pg_url) as setup:
        setup.raw("CREATE TABLE docs (id serial PRIMARY KEY, body text, tag text)")

    async def main() -> None:
        async with typedb.connect_async(pg_url, pool_max=1) as db:
            for _ in range(7):
                await db.insert_into("docs").values({"body": "{}", "tag": "x"}).execute()
            _retype_elsewhere(pg_url, "body")
            await db.insert_into("docs").values({"body": '{"n": 1}', "tag": "y"}).execute()
            rows = (
                await db.select_from("docs").select("tag").where("body", "=", '{"n": 1}').execute()
            )
            assert rows == [{"tag": "y"}]

    asyncio.run(main())


# -- 3. eb arithmetic with a bool ------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda eb: eb.ref("quantity") * True,
        lambda eb: eb.ref("quantity") + eb.val(False),
        lambda eb: True - eb.ref("quantity"),
    ],
)
def test_arithmetic_with_a_bool_is_refused_on_both_backends(
    store: typedb.Database, build: Any
) -> None:
    """PostgreSQL has no integer * boolean ("operator does not exist"); SQLite computed
    3 * 1 = 3 and returned rows, so a condition or a total silently differed."""
    lines = store.select_from("invoice_lines")
    with pytest.raises((typedb.CompileError, typedb.QueryError)):
        lines.select(lambda eb: build(eb).as_("x")).execute()
    with pytest.raises((typedb.CompileError, typedb.QueryError)):
        lines.select("id").where(lambda eb: eb(build(eb), ">", 0)).execute()


# -- 4. a unique violation names its table -----------------------------------------------------


@pytest.mark.pgbouncer
def test_a_unique_violation_names_the_table_inside_and_outside_a_transaction(
    db: typedb.Database,
) -> None:
    """SQLite says "UNIQUE constraint failed: accounts.email"; PostgreSQL's message names
    only the constraint ('duplicate key value violates unique constraint "uq_email"'), so
    the IntegrityError of a single-row insert did not say which table refused the row. The
    connection goes on working after each."""
    db.schema.create_table("accounts").add_id_column().add_column("email", "text").add_column(
        "code", "integer"
    ).add_unique_constraint("uq_email", ["email"]).add_unique_constraint(
        "uq_code", ["code"]
    ).execute()
    db.insert_into("accounts").values({"email": "a@x", "code": 1}).execute()
    with pytest.raises(typedb.IntegrityError, match="accounts"):
        db.insert_into("accounts").values({"email": "a@x", "code": 2}).execute()
    with pytest.raises(typedb.IntegrityError, match="accounts"), db.transaction() as trx:
        trx.insert_into("accounts").values({"email": "b@x", "code": 3}).execute()
        trx.insert_into("accounts").values({"email": "c@x", "code": 1}).execute()
    with pytest.raises(typedb.IntegrityError, match="accounts"):
        db.insert_into("accounts").values([{"email": "d@x", "code": 4}] * 2).execute()
    db.insert_into("accounts").values({"email": "e@x", "code": 5}).execute()
    got = db.select_from("accounts").select("email").order_by("id").execute()
    assert [r["email"] for r in got] == ["a@x", "e@x"]


# -- 5. text that cannot be encoded ------------------------------------------------------------


@pytest.mark.pgbouncer
def test_a_lone_surrogate_is_a_typedb_error_on_every_path(db: typedb.Database) -> None:
    """A str with a lone surrogate (what `bytes.decode(errors="surrogateescape")` leaves for
    a bad byte) cannot be encoded as UTF-8. Every path raised Python's bare
    UnicodeEncodeError, not a typedb error, though NUL is refused as a CompileError."""
    db.schema.create_table("notes").add_id_column().add_column("body", "text").execute()
    bad = "caf\udce9"
    notes = db.select_from("notes")
    with pytest.raises(typedb.TypedbError):
        db.insert_into("notes").values({"body": bad}).execute()
    with pytest.raises(typedb.TypedbError):
        db.insert_into("notes").values([{"body": "ok"}] * N + [{"body": bad}]).execute()
    with pytest.raises(typedb.TypedbError):
        notes.where("body", "=", bad).execute()
    with pytest.raises(typedb.TypedbError):
        db.raw("SELECT %s AS v", [bad])
    with db.transaction() as trx:
        trx.insert_into("notes").values({"body": "kept"}).execute()
        with pytest.raises(typedb.TypedbError):
            trx.insert_into("notes").values({"body": bad}).execute()
    assert notes.select("body").execute() == [{"body": "kept"}]

    async def on_async(adb: typedb.AsyncDatabase) -> None:
        with pytest.raises(typedb.TypedbError):
            await adb.insert_into("notes").values({"body": bad}).execute()
        assert len(await adb.select_from("notes").execute()) == 1

    run_async(db.url.raw, on_async)


# -- 6. bulk rows in runs of different columns ---------------------------------------------------


def test_postgresql_bulk_rows_in_runs_of_different_columns_go_as_one_copy_per_run(
    pg_url: str,
) -> None:
    with typedb.connect(pg_url) as db:
        db.raw("CREATE TABLE people (id serial PRIMARY KEY, email text, visits integer DEFAULT 0)")
        log_statements(db)
        rows: list[dict[str, Any]] = [{"email": f"{i}@x"} for i in range(N)]
        rows += [{"email": f"v{i}@x", "visits": i} for i in range(N)]
        assert db.insert_into("people").values(rows).execute().num_inserted_rows == 2 * N
        assert statements(db) == ["COPY", "COPY"]


# -- 7. CASE / coalesce over text and numbers on SQLite ------------------------------------------


def test_coalesce_of_a_text_column_and_a_number_is_an_error_on_both(
    backend: str, store: typedb.Database
) -> None:
    """PostgreSQL: "COALESCE types text and smallint cannot be matched". SQLite returned
    'Lisbon', 'Oslo' and 3 in one column."""
    query = store.select_from("customers").select(lambda eb: eb.fn.coalesce("city", 3).as_("c"))
    with pytest.raises((typedb.CompileError, typedb.QueryError)) as refused:
        query.execute()
    if backend == "sqlite":  # refused before running, naming the column and its table
        assert "'city' (text)" in str(refused.value)
        assert "'customers'" in str(refused.value)


def test_case_of_a_bound_str_and_an_int_is_an_int_on_both(
    backend: str, store: typedb.Database
) -> None:
    """PostgreSQL resolves `CASE ... THEN $1 ELSE 0` with a str '3' bound to integer and
    gives 3 (and refuses 'abc'); SQLite gave the str '3'."""
    rows = (
        store.select_from("invoice_lines")
        .select(lambda eb: eb.case().when("quantity", "=", 3).then("3").else_(0).end().as_("k"))
        .order_by("id")
        .execute()
    )
    assert [r["k"] for r in rows] == [3, 0, 0, 0, 0]
    not_a_number = store.select_from("invoice_lines").select(
        lambda eb: eb.case().when("quantity", "=", 3).then("abc").else_(0).end().as_("k")
    )
    with pytest.raises(typedb.QueryError, match="invalid input syntax for type"):
        not_a_number.execute()


# -- 8. the pytest plugin with an in-memory SQLite URL -------------------------------------------

pytest_plugins = ["pytester"]


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_the_pytest_plugin_refuses_an_in_memory_sqlite_test_database(
    pytester: pytest.Pytester, url: str
) -> None:
    """`--typedb-url sqlite://` (a natural choice for speed) was migrated on one connection
    and closed; typedb_db then connected to a new, empty in-memory database, and every test
    failed with "no such table: items", which sends one looking at the migrations."""
    from test_pytest_plugin import _project

    _project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--typedb-url={url}")
    assert "in-memory SQLite database" in result.stdout.str()
    assert "no such table" not in result.stdout.str()


# -- 9. a row lock outside a transaction -------------------------------------------------------


def test_postgresql_row_lock_outside_a_transaction_is_refused(pg_url: str) -> None:
    with typedb.connect(pg_url) as db:
        db.schema.create_table("jobs").add_id_column().add_column("state", "text").execute()
        db.insert_into("jobs").values([{"state": "new"}] * 3).execute()
        pick = db.select_from("jobs").select("id").order_by("id").limit(1)
        # Today two workers' picks both return job 1, each "locked" only while it ran.
        with pytest.raises(typedb.CompileError, match="transaction"):
            pick.for_update().skip_locked().execute_take_first()
        with db.transaction() as trx:  # where the lock holds, it stays allowed
            assert trx.select_from("jobs").for_update().limit(1).execute_take_first()
        # A kept `trx` after its block refuses it as every statement (not run unlocked).
        with pytest.raises(typedb.QueryError, match="block has ended"):
            trx.select_from("jobs").for_update().execute()
        # As a subquery the lock holds while the one UPDATE runs: allowed outside a block.
        taken = (
            db.update_table("jobs")
            .set({"state": "taken"})
            .where("id", "in", pick.for_update().skip_locked())
            .returning("id")
            .execute_take_first()
        )
        assert taken == {"id": 1}
        for run in (pick.for_share().execute, pick.for_update().nowait().execute_take_first_or_throw):
            with pytest.raises(typedb.CompileError, match=r"'jobs' outside a transaction"):
                run()


def test_postgresql_async_row_lock_outside_a_transaction_is_refused(pg_url: str) -> None:
    with typedb.connect(pg_url) as sync_db:
        sync_db.schema.create_table("jobs").add_id_column().execute()
        sync_db.raw("INSERT INTO jobs DEFAULT VALUES")

    async def main() -> None:
        async with typedb.connect_async(pg_url) as db:
            with pytest.raises(typedb.CompileError, match="outside a transaction"):
                await db.select_from("jobs").for_update().execute()
            async with db.transaction() as trx:
                assert await trx.select_from("jobs").for_update().skip_locked().execute()
                # `db` inside the block runs on the block's connection: allowed too.
                assert await db.select_from("jobs").for_update().execute_take_first()

    asyncio.run(main())
