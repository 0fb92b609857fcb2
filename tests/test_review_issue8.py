"""A hostile review of issue 8's fixes: each test is a form in which one of its defects came
back after the fixes were merged (both backends wherever a database is involved)."""

from __future__ import annotations

import copy
import pickle
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from _migrator_project import Project
from conftest import PG_URL

import typedb
from typedb.migrator import Migration, MigrationRunner
from typedb.query import fn

# -- defect 7 / 3b: dropping a developer's CHECK must not drop the column's type CHECK ---------


def test_dropping_a_column_check_keeps_the_type_check(db: typedb.Database) -> None:
    # On SQLite the type CHECK of `price` and the developer's `price > 0` share PostgreSQL's
    # implicit name items_price_check; dropping that name dropped both, and 'abc' was then
    # stored in a numeric column and broke every later read.
    db.schema.create_table("items").add_id_column().add_column(
        "price", "numeric(10,2)", lambda c: c.check("price > 0")
    ).add_column("code", "varchar(3)", lambda c: c.check("code <> ''")).execute()
    db.schema.alter_table("items").drop_constraint("items_price_check").drop_constraint(
        "items_code_check"
    ).execute()
    db.insert_into("items").values({"price": Decimal("-1"), "code": ""}).execute()  # dropped
    with pytest.raises(typedb.QueryError):
        db.insert_into("items").values({"price": "abc"}).execute()
    with pytest.raises(typedb.QueryError):
        db.insert_into("items").values({"code": "abcd"}).execute()
    assert db.select_from("items").select("price", "code").execute() == [
        {"price": Decimal("-1"), "code": ""}
    ]


def test_the_type_check_is_no_constraint_to_drop(db: typedb.Database) -> None:
    # PostgreSQL has no constraint items_code_check on a bare varchar(3) column: neither may
    # SQLite, which would otherwise stop enforcing the length.
    db.schema.create_table("items").add_column("code", "varchar(3)").execute()
    with pytest.raises((typedb.QueryError, typedb.CompileError)):
        db.schema.alter_table("items").drop_constraint("items_code_check").execute()
    with pytest.raises(typedb.QueryError):
        db.insert_into("items").values({"code": "abcd"}).execute()


# -- defect 6: Decimals beyond a double's range ------------------------------------------------


@pytest.mark.parametrize("value", ["1E-400", "1E+400", "-1E-320"])
def test_a_decimal_a_double_cannot_hold_is_kept_or_refused(db: typedb.Database, value: str) -> None:
    # SQLite stored 1E-400 as 0, 1E+400 as Infinity and 1E-320 with 9 digits, silently.
    db.schema.create_table("m").add_column("n", "numeric").execute()
    try:
        rows = db.insert_into("m").values({"n": Decimal(value)}).returning("n").execute().rows
    except typedb.CompileError:
        assert db.dialect.name == "sqlite"
        assert db.select_from("m").execute() == []
    else:
        assert rows == [{"n": Decimal(value)}]


# -- defect 6: aggregates of money -------------------------------------------------------------


def test_a_sum_of_money_is_an_exact_decimal_on_both(db: typedb.Database) -> None:
    db.schema.create_table("pay").add_column("g", "integer").add_column(
        "amount", "numeric(10,2)"
    ).execute()
    db.insert_into("pay").values(
        [{"g": 1, "amount": Decimal("0.10")}, {"g": 1, "amount": Decimal("0.20")}]
    ).execute()
    matched = (
        db.select_from("pay")
        .select("g")
        .group_by("g")
        .having(fn.sum("amount"), "=", Decimal("0.30"))
        .execute()
    )
    total = db.select_from("pay").select(fn.sum("amount")).execute()
    assert (matched, total) == ([{"g": 1}], [{"sum": Decimal("0.30")}])


# -- defect 4: UTC also in DDL literals --------------------------------------------------------

_NOON_PLUS_5 = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))


def test_an_aware_default_is_stored_as_utc_like_a_bound_value(db: typedb.Database) -> None:
    # PostgreSQL read the default literal '2024-01-01 12:00:00+05:00' into a `timestamp`
    # column as 12:00 (the offset dropped); the same value bound, and SQLite, store 07:00.
    db.schema.create_table("t").add_column(
        "at", "timestamp", lambda c: c.default_to(_NOON_PLUS_5)
    ).add_column("n", "integer").execute()
    db.insert_into("t").values([{"n": 1}, {"n": 2, "at": _NOON_PLUS_5}]).execute()
    rows = db.select_from("t").select("n", "at").order_by("n").execute()
    assert rows == [
        {"n": 1, "at": datetime(2024, 1, 1, 7)},
        {"n": 2, "at": datetime(2024, 1, 1, 7)},
    ]


def test_an_aware_value_in_a_partial_index_is_utc(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("at", "timestamp").add_column("k", "integer").execute()
    # Unique among rows after 07:00 UTC (12:00+05:00); a row at 08:00 UTC is covered.
    db.schema.create_index("t_k_late").on("t").columns(["k"]).unique().where(
        "at", ">", _NOON_PLUS_5
    ).execute()
    db.insert_into("t").values({"at": datetime(2024, 1, 1, 8), "k": 1}).execute()
    with pytest.raises(typedb.IntegrityError):
        db.insert_into("t").values({"at": datetime(2024, 1, 1, 9), "k": 1}).execute()


# -- migrator: --dry-run leaves no trace, and must not stall the application either -----------


def test_a_dry_run_does_not_wait_for_an_unrelated_transaction(
    tmp_path: Path, pg_schema_url: str
) -> None:
    project = Project(tmp_path / "app", pg_schema_url)
    try:
        project.create("2026_01_01_00_00_00_users", "users")
        assert project.cli("migration:latest").returncode == 0
        project.create("2026_01_02_00_00_00_items", "items")  # pending, uses no sequence
        project.db.raw("CREATE TABLE counters (id serial PRIMARY KEY, label text)")
        schema = project.db.raw("SELECT current_schema() AS s")[0]["s"]
        with psycopg.connect(PG_URL, options=f"-csearch_path={schema}") as app:
            # The application is mid-transaction after an insert into an unrelated table.
            app.execute("INSERT INTO counters (label) VALUES ('app')")
            try:
                result = project.cli("migration:latest", "--dry-run", timeout=8)
            except subprocess.TimeoutExpired:
                pytest.fail("migration:latest --dry-run waited on the application's transaction")
            app.rollback()
        assert result.returncode == 0, result.stderr
    finally:
        project.close()


def _counters_project(tmp_path: Path, url: str, pending_up: str) -> Project:
    """Applied: a `counters` table with a serial id and one row; pending: `pending_up`."""
    project = Project(tmp_path / "app", url)
    project.write(
        "2026_01_01_00_00_00_counters",
        """
        def up(db):
            db.raw("CREATE TABLE counters (id serial PRIMARY KEY, label text)")
            db.raw("INSERT INTO counters (label) VALUES ('first')")
        """,
    )
    assert project.cli("migration:latest").returncode == 0
    project.write("2026_01_02_00_00_00_pending", f"def up(db):\n{pending_up}\n")
    return project


def _next_counter_id(project: Project) -> int:
    return int(project.db.raw("SELECT last_value FROM counters_id_seq")[0]["last_value"]) + 1


def test_a_dry_run_refuses_rather_than_wait_for_a_sequence_an_open_transaction_holds(
    tmp_path: Path, pg_schema_url: str
) -> None:
    # The dry run would draw from counters_id_seq, which an open application transaction
    # used: keeping the sequence still needs a lock that transaction holds. Waiting would
    # also queue every other nextval() on it behind the dry run; it stops instead.
    project = _counters_project(
        tmp_path, pg_schema_url, "    db.raw(\"INSERT INTO counters (label) VALUES ('dry')\")"
    )
    try:
        schema = project.db.raw("SELECT current_schema() AS s")[0]["s"]
        with psycopg.connect(PG_URL, options=f"-csearch_path={schema}") as app:
            app.execute("INSERT INTO counters (label) VALUES ('app')")  # draws id 2, stays open
            started = time.monotonic()
            result = project.cli("migration:latest", "--dry-run", timeout=20)
            waited = time.monotonic() - started
            # The application is not held up either: its next nextval() runs at once.
            app.execute("SET LOCAL lock_timeout = '2s'")
            app.execute("INSERT INTO counters (label) VALUES ('app')")  # id 3
            app.rollback()
        assert result.returncode == 1, result.stdout
        assert "counters_id_seq" in result.stderr and "open transaction" in result.stderr
        assert "2026_01_02_00_00_00_pending" in result.stderr
        assert waited < 10, waited  # the CLI's start-up included; the lock wait is 0.25 s
        assert _next_counter_id(project) == 4  # the application's two; none of the dry run's
    finally:
        project.close()


def test_a_dry_run_is_not_stopped_by_a_same_named_table_in_another_schema(
    tmp_path: Path, pg_schema_url: str
) -> None:
    # `counters` in the statement is the search_path's table: another schema's `counters`,
    # busy in an open application transaction, is none of the dry run's business.
    project = _counters_project(
        tmp_path, pg_schema_url, "    db.raw(\"INSERT INTO counters (label) VALUES ('dry')\")"
    )
    other = f"other_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {other}")  # type: ignore[arg-type]
            admin.execute(f"CREATE TABLE {other}.counters (id serial, label text)")  # type: ignore[arg-type]
        with psycopg.connect(PG_URL) as app:
            app.execute(f"INSERT INTO {other}.counters (label) VALUES ('app')")  # type: ignore[arg-type]
            result = project.cli("migration:latest", "--dry-run", timeout=20)
            app.rollback()
        assert result.returncode == 0, result.stderr
        assert _next_counter_id(project) == 2
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {other} CASCADE")  # type: ignore[arg-type]
        project.close()


def test_a_dry_run_refuses_a_sequence_it_may_not_keep_still(
    tmp_path: Path, pg_schema_url: str
) -> None:
    # A role that may insert but does not own the sequence cannot ALTER it, so the dry run
    # could not keep it still: it says so (before, such sequences were skipped, and moved).
    project = _counters_project(
        tmp_path, pg_schema_url, "    db.raw(\"INSERT INTO counters (label) VALUES ('dry')\")"
    )
    schema = project.db.raw("SELECT current_schema() AS s")[0]["s"]
    role = f"r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")  # type: ignore[arg-type]
        for grant in (
            f"GRANT ALL ON SCHEMA {schema} TO {role}",
            f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        ):
            admin.execute(grant)  # type: ignore[arg-type]
    try:
        url = pg_schema_url.replace("postgres@", f"{role}@", 1)
        assert url != pg_schema_url
        result = project.cli("migration:latest", "--dry-run", "--database-url", url, url=False)
        assert result.returncode == 1, result.stdout
        assert "counters_id_seq" in result.stderr and "owner" in result.stderr
        assert _next_counter_id(project) == 2
    finally:
        project.close()
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")  # type: ignore[arg-type]
            admin.execute(f"DROP ROLE {role}")  # type: ignore[arg-type]


def test_a_dry_run_shields_again_after_a_rolled_back_savepoint(
    tmp_path: Path, pg_schema_url: str
) -> None:
    # A savepoint rolled back inside the migration undoes the shield taken in it; the insert
    # after it must not draw from the real sequence.
    project = _counters_project(
        tmp_path,
        pg_schema_url,
        """    try:
        with db.transaction():
            db.raw("INSERT INTO counters (label) VALUES ('inner')")
            raise ValueError("undo the inner block")
    except ValueError:
        pass
    db.raw("INSERT INTO counters (label) VALUES ('after')")""",
    )
    try:
        result = project.cli("migration:latest", "--dry-run")
        assert result.returncode == 0, result.stderr
        assert _next_counter_id(project) == 2
    finally:
        project.close()


# -- defect 1: UnknownColumnError is an exception like the others ----------------------------


def test_an_unknown_column_error_survives_pickle_and_copy(db: typedb.Database) -> None:
    # Process pools and task queues pickle exceptions; this one could not be rebuilt.
    db.schema.create_table("users").add_column("name", "text").execute()
    with pytest.raises(typedb.UnknownColumnError) as caught:
        db.select_from("users").where("nmae", "=", "bob").execute()
    for again in (pickle.loads(pickle.dumps(caught.value)), copy.deepcopy(caught.value)):
        assert type(again) is typedb.UnknownColumnError
        assert (str(again), again.sql, again.column, again.table) == (
            str(caught.value),
            caught.value.sql,
            "nmae",
            "users",
        )


# -- defect 9: ON DELETE actions in a migration that also rebuilds a referenced table ----------


def _cascade_then_rebuild(create_child: Callable[[typedb.Database], None]) -> list[Migration]:
    def parent(d: typedb.Database) -> None:
        d.schema.create_table("a").add_id_column().add_column("x", "text").execute()
        d.insert_into("a").values([{"id": 1, "x": "1"}, {"id": 2, "x": "2"}]).execute()

    def child_delete_rebuild(d: typedb.Database) -> None:
        create_child(d)
        d.insert_into("c").values([{"id": 1, "a_id": 1}, {"id": 2, "a_id": 2}]).execute()
        d.delete_from("a").where("id", "=", 1).execute()  # cascades to c
        # Rebuilds `a` on SQLite: the migration runs again with enforcement off.
        d.schema.alter_table("a").alter_column("x", lambda c: c.set_not_null()).execute()

    return [
        typedb.migration("001_a", up=parent),
        typedb.migration("002_c", up=child_delete_rebuild),
    ]


def test_a_cascade_from_a_table_created_in_the_same_migration(db: typedb.Database) -> None:
    # The temporary triggers doing ON DELETE actions were reinstalled after a schema change
    # only if some were installed at the start: with no foreign key action before the
    # migration, the new table's CASCADE never ran and the final check found orphans.
    def child(d: typedb.Database) -> None:
        d.schema.create_table("c").add_column(
            "id", "integer", lambda c: c.primary_key()
        ).add_column(
            "a_id", "integer", lambda c: c.references("a.id").on_delete("cascade")
        ).execute()

    MigrationRunner(db, _cascade_then_rebuild(child)).up()
    assert db.select_from("c").select("a_id").execute() == [{"a_id": 2}]


def test_a_cascade_from_a_table_created_by_raw_sql(db: typedb.Database) -> None:
    def child(d: typedb.Database) -> None:
        d.raw(
            "CREATE TABLE c (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id) "
            "ON DELETE CASCADE)"
        )

    MigrationRunner(db, _cascade_then_rebuild(child)).up()
    assert db.select_from("c").select("a_id").execute() == [{"a_id": 2}]


# -- defect 7: the developer's own CHECK stays an IntegrityError --------------------------------


def test_a_check_named_like_its_column_is_an_integrity_error(db: typedb.Database) -> None:
    # SQLite reports both this CHECK and the column's type CHECK as "CHECK constraint failed:
    # price"; typedb took the developer's for the type's and raised a QueryError saying the
    # value was not a numeric(10,2).
    db.schema.create_table("items").add_column("price", "numeric(10,2)").add_check_constraint(
        "price", "price > 0"
    ).execute()
    with pytest.raises(typedb.IntegrityError, match="price"):
        db.insert_into("items").values({"price": Decimal("-1")}).execute()


# -- defect 6 / 7: the same Python types from both backends ------------------------------------


def test_returning_a_whole_float_gives_a_float(db: typedb.Database) -> None:
    # (With `f` as the table's first column SQLite happens to give 2.0.)
    db.schema.create_table("t").add_column("k", "integer").add_column(
        "f", "double precision"
    ).execute()
    rows = db.insert_into("t").values({"k": 1, "f": 2.0}).returning("f").execute().rows
    assert rows == [{"f": 2.0}] and type(rows[0]["f"]) is float


def test_bytes_in_a_text_column_are_refused_or_text(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("s", "text").execute()
    try:
        db.insert_into("t").values({"s": b"abc"}).execute()
    except typedb.QueryError:
        return
    assert type(db.select_from("t").execute()[0]["s"]) is str


# -- defect 5: timestamps compare as text ------------------------------------------------------


def test_a_timestamp_compared_with_a_date_as_on_postgresql(db: typedb.Database) -> None:
    db.schema.create_table("t").add_column("at", "timestamp").add_column("d", "date").execute()
    db.insert_into("t").values(
        [
            {"at": datetime(2024, 1, 1), "d": date(2024, 1, 1)},
            {"at": datetime(2024, 1, 1, 12), "d": date(2024, 1, 2)},
        ]
    ).execute()
    day = date(2024, 1, 1)
    counts = [len(db.select_from("t").where("at", op, day).execute()) for op in ("=", "<=", ">")]
    same_day = db.select_from("t").where("d", "=", datetime(2024, 1, 1)).execute()
    assert (counts, len(same_day)) == ([1, 1, 1], 1)


# -- migrator: fresh --drop-all drops every table ---------------------------------------------


def test_fresh_drop_all_with_a_virtual_table(tmp_path: Path, sqlite_url: str) -> None:
    # SQLite only: FTS5's shadow tables (docs_config...) go with their virtual table, and
    # dropping them next by name failed the whole wipe with "no such table: docs_config".
    project = Project(tmp_path / "app", sqlite_url)
    try:
        project.create("2026_01_01_00_00_00_users", "users")
        project.migrator().migrate()
        project.db.raw("CREATE VIRTUAL TABLE docs USING fts5(body)")
        project.migrator().fresh(drop_all=True)
        assert project.tables() == {"typedb_migrations", "users"}
    finally:
        project.close()


# -- security: a password with @ -------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["postgresql://u:Xy7@secret@127.0.0.1:1/db", "postgresql://u:a@b@secret@127.0.0.1:1/db"]
)
def test_no_part_of_a_password_with_at_signs_reaches_the_error(url: str) -> None:
    # The URL was masked at the last @, but libpq ends the password at the first one and
    # looked up "secret@127.0.0.1" as the host, quoting it in the error typedb passed on.
    with pytest.raises(typedb.ConnectionError) as caught:
        typedb.connect(url)
    assert "secret" not in str(caught.value)
    assert "%40" in str(caught.value)  # says how to write it


# -- defect 7: SQLite stores what PostgreSQL refuses -------------------------------------------


def test_a_primary_key_takes_no_null(db: typedb.Database) -> None:
    # SQLite lets NULL into any primary key but INTEGER PRIMARY KEY, and then any number of
    # NULL "keys"; PostgreSQL refuses.
    db.schema.create_table("a").add_column(
        "code", "varchar(5)", lambda c: c.primary_key()
    ).execute()
    db.schema.create_table("b").add_column("x", "text").add_column(
        "y", "text"
    ).add_primary_key_constraint("b_pk", ["x", "y"]).execute()
    for table, row in (("a", {"code": None}), ("b", {"x": "1"})):
        with pytest.raises(typedb.IntegrityError):
            db.insert_into(table).values(row).execute()
    for table in ("a", "b"):
        assert db.select_from(table).execute() == []


# -- a connection the server ended -------------------------------------------------------------


def _terminate(db: typedb.Database) -> int:
    """End the session of the connection `db` hands out next; its process id."""
    pid: int = db.raw("SELECT pg_backend_pid() AS pid")[0]["pid"]
    with typedb.connect(PG_URL) as admin:
        admin.raw("SELECT pg_terminate_backend(%s)", [pid])
        # pg_terminate_backend only signals the backend; wait until it has exited, or the
        # next statement may still find the session alive.
        for _ in range(500):
            if not admin.raw("SELECT 1 AS gone FROM pg_stat_activity WHERE pid = %s", [pid]):
                break
            time.sleep(0.01)
    return pid


def test_a_terminated_session_is_replaced_on_the_next_query(
    pg_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every later query failed with "the connection is lost" until close().
    # The pool polls a connection idle for more than RECHECK_AFTER_SECONDS before handing it
    # out; on a loaded machine _terminate() takes longer than that, the poll finds the dead
    # session and this statement never meets it. Polling is tested elsewhere; here the
    # statement must meet the closed session itself.
    monkeypatch.setattr("typedb.connection._postgres.RECHECK_AFTER_SECONDS", 1e9)
    with typedb.connect(pg_schema_url) as db:
        db.schema.create_table("t").add_column("n", "integer").execute()
        _terminate(db)
        with pytest.raises(typedb.QueryError):
            db.select_from("t").execute()  # the statement that meets the closed session
        assert db.select_from("t").execute() == []  # a new session, same search_path
        _terminate(db)
        # A transaction's BEGIN that meets the closed session goes to a new one (it ran
        # nothing): the block runs (tests/test_runtime_defects.py has the details).
        with db.transaction() as trx:
            trx.insert_into("t").values({"n": 1}).execute()
        db.insert_into("t").values({"n": 2}).execute()
        assert db.select_from("t").order_by("n").execute() == [{"n": 1}, {"n": 2}]
        assert db.raw("SELECT current_setting('TimeZone') AS tz") == [{"tz": "UTC"}]


def test_raw_commit_inside_a_transaction_is_refused_before_it_runs(db: typedb.Database) -> None:
    # It committed, the rest of the block ran in autocommit (row 2 stored), and the block
    # then said "rolled back by SQLite itself ... nothing after it ran", on PostgreSQL too.
    db.raw("CREATE TABLE t (n integer)")
    for statement in ("COMMIT", "  commit work", "END", "ROLLBACK", "BEGIN"):
        refused = pytest.raises(typedb.CompileError, match=r"raw\(\) cannot run")
        with refused, db.transaction() as trx:
            trx.raw("INSERT INTO t VALUES (1)")
            trx.raw(statement)  # type: ignore[arg-type]  # chosen from literals
            trx.raw("INSERT INTO t VALUES (2)")
    with db.transaction() as trx:  # savepoints of one's own still work
        trx.raw("SAVEPOINT mine")
        trx.raw("INSERT INTO t VALUES (3)")
        trx.raw("ROLLBACK TO SAVEPOINT mine")
        trx.raw("INSERT INTO t VALUES (4)")
    assert db.raw("SELECT n FROM t") == [{"n": 4}]


# -- defect 7: the numeric CHECK refuses values PostgreSQL keeps -------------------------------


@pytest.mark.parametrize(
    ("data_type", "value"),
    [
        ("numeric(12,6)", "496708.487169"),
        ("numeric(12,6)", "-914616.174497"),
        ("numeric(10,9)", "5.702273543"),
    ],
)
def test_a_numeric_value_within_precision_and_scale_is_kept(
    db: typedb.Database, data_type: str, value: str
) -> None:
    db.schema.create_table("m").add_column("n", data_type).execute()
    rows = db.insert_into("m").values({"n": Decimal(value)}).returning("n").execute().rows
    assert rows == [{"n": Decimal(value)}]
