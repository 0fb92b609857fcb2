from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import typedb

# Also through PgBouncer in transaction mode (conftest's "pgbouncer" backend).
pytestmark = pytest.mark.pgbouncer


def test_raw_round_trip_and_placeholders(db: typedb.Database) -> None:
    assert db.raw("SELECT %s AS a, %s AS b", [1, "x"]) == [{"a": 1, "b": "x"}]
    assert db.raw("SELECT %(n)s AS n", {"n": 5}) == [{"n": 5}]
    assert db.raw("SELECT 'a%%' AS p WHERE 1 = %s", [1]) == [{"p": "a%"}]
    assert db.raw("CREATE TABLE t (a INTEGER)") == []


def test_dialect_name(db: typedb.Database, backend: str) -> None:
    assert db.dialect.name == backend


def test_transaction_commits_and_rolls_back(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (a INTEGER)")
    with db.transaction() as trx:
        trx.raw("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError), db.transaction() as trx:
        trx.raw("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")
    assert db.raw("SELECT a FROM t") == [{"a": 1}]
    assert not db.in_transaction


def test_nested_transactions_use_savepoints(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (a INTEGER)")
    with db.transaction() as outer:
        outer.raw("INSERT INTO t VALUES (1)")
        with pytest.raises(ValueError), outer.transaction() as inner:
            inner.raw("INSERT INTO t VALUES (2)")
            raise ValueError
        with outer.transaction() as inner:
            inner.raw("INSERT INTO t VALUES (3)")
    assert [r["a"] for r in db.raw("SELECT a FROM t ORDER BY a")] == [1, 3]


def test_ddl_rolls_back_with_the_transaction(db: typedb.Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as trx:
        trx.raw("CREATE TABLE gone (a INTEGER)")
        raise RuntimeError
    with pytest.raises(typedb.QueryError):
        db.raw("SELECT * FROM gone")


def test_foreign_keys_are_enforced(db: typedb.Database) -> None:
    db.raw("CREATE TABLE p (id INTEGER PRIMARY KEY)")
    db.raw("CREATE TABLE c (p_id INTEGER REFERENCES p (id))")
    with pytest.raises(typedb.IntegrityError):
        db.raw("INSERT INTO c VALUES (42)")


def test_database_errors_are_typedb_errors(db: typedb.Database) -> None:
    with pytest.raises(typedb.QueryError, match="nope") as info:
        db.raw("SELECT * FROM nope")
    assert info.value.sql == "SELECT * FROM nope"


@contextmanager
def _another_writer(sqlite_url: str, sql: str = "") -> Iterator[None]:
    """Another process takes SQLite's write lock (running `sql` under it) and holds it for
    half a second from the moment the block starts; the block's end waits for it."""
    script = (
        "import sqlite3, time; c = sqlite3.connect({!r}, isolation_level=None);"
        "c.execute('BEGIN IMMEDIATE'); {}print('locked', flush=True); time.sleep(0.5);"
        "c.execute('COMMIT')"
    ).format(sqlite_url.removeprefix("sqlite:///"), f"c.execute({sql!r}); " if sql else "")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    try:
        yield
    finally:
        proc.wait()


def test_sqlite_waits_for_a_lock_instead_of_failing(sqlite_url: str) -> None:
    with typedb.connect(sqlite_url) as a, typedb.connect(sqlite_url) as b:
        a.raw("CREATE TABLE t (a INTEGER)")
        with _another_writer(sqlite_url):
            b.raw("INSERT INTO t VALUES (1)")  # would be "database is locked" without a timeout
        assert a.raw("SELECT count(*) AS n FROM t") == [{"n": 1}]


def test_in_memory_and_relative_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with typedb.connect("sqlite://") as db:
        assert db.raw("SELECT 1 AS one") == [{"one": 1}]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with typedb.connect("sqlite:///rel.db") as db:
        db.raw("CREATE TABLE t (a INTEGER)")
    assert (tmp_path / "rel.db").is_file()


def test_url_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TYPEDB_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with typedb.connect() as db:  # nothing configured: a SQLite file in the project
        assert db.url.path == str(tmp_path / "typedb.sqlite3")
    (tmp_path / "pyproject.toml").write_text('[tool.typedb]\ndatabase_url = "sqlite:///c.db"\n')
    with typedb.connect() as db:
        assert db.url.path == str(tmp_path / "c.db")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///d.db")
    with typedb.connect() as db:
        assert db.url.path == str(tmp_path / "d.db")
    monkeypatch.setenv("TYPEDB_DATABASE_URL", "sqlite:///t.db")
    with typedb.connect() as db:
        assert db.url.path == str(tmp_path / "t.db")
    with typedb.connect("sqlite:///arg.db") as db:
        assert db.url.path == str(tmp_path / "arg.db")


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/x", "not a url", "sqlite:relative.db", "postgresql://u:pw@h:99999/x"],
)
def test_bad_urls_are_clear_errors(url: str) -> None:
    with pytest.raises(typedb.ConnectionError) as info:
        typedb.connect(url)
    assert "pw" not in str(info.value)


def test_unreachable_server_masks_the_password() -> None:
    with pytest.raises(typedb.ConnectionError) as info:
        typedb.connect("postgresql://postgres:hunter2@127.0.0.1:1/test")
    message = str(info.value)
    assert "hunter2" not in message and "postgres:***@127.0.0.1:1/test" in message


def test_sql_fragment_rejects_empty() -> None:
    with pytest.raises(typedb.CompileError):
        typedb.sql("  ")


def test_explicit_url_ignores_a_broken_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.typedb\nbroken")
    with typedb.connect("sqlite://") as db:
        assert db.raw("SELECT 1 AS one") == [{"one": 1}]
    monkeypatch.delenv("TYPEDB_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(typedb.TypedbError, match=r"pyproject\.toml"):
        typedb.connect()


def test_an_error_caught_inside_a_transaction(db: typedb.Database) -> None:
    """Catching a failed statement does not undo it on PostgreSQL: the transaction is
    aborted and COMMIT would silently roll back. typedb says so instead of pretending it
    committed. A nested transaction (a savepoint) recovers on both backends."""
    db.raw("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with db.transaction() as trx:
        trx.raw("INSERT INTO t VALUES (1)")
        with pytest.raises(typedb.IntegrityError), trx.transaction() as inner:
            inner.raw("INSERT INTO t VALUES (1)")
        trx.raw("INSERT INTO t VALUES (2)")
    assert db.raw("SELECT id FROM t ORDER BY id") == [{"id": 1}, {"id": 2}]

    def swallow_a_failure() -> None:
        with db.transaction() as trx:
            trx.raw("INSERT INTO t VALUES (3)")
            with pytest.raises(typedb.IntegrityError):
                trx.raw("INSERT INTO t VALUES (1)")

    if db.dialect.name == "postgresql":
        with pytest.raises(typedb.QueryError, match="rolled back"):
            swallow_a_failure()
        assert db.raw("SELECT count(*) AS n FROM t") == [{"n": 2}]
    else:  # SQLite undoes only the failed statement
        swallow_a_failure()
        assert db.raw("SELECT count(*) AS n FROM t") == [{"n": 3}]
    assert not db.in_transaction
    db.raw("INSERT INTO t VALUES (4)")  # the connection is usable


def test_a_failed_commit_leaves_the_connection_usable(db: typedb.Database) -> None:
    db.raw("CREATE TABLE p (id INTEGER PRIMARY KEY)")
    db.raw("CREATE TABLE c (p_id INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(typedb.IntegrityError), db.transaction() as trx:
        trx.raw("INSERT INTO c VALUES (1)")  # checked only at COMMIT
    assert not db.in_transaction
    with db.transaction() as trx:
        trx.raw("INSERT INTO p VALUES (1)")
        trx.raw("INSERT INTO c VALUES (1)")
    assert db.raw("SELECT p_id FROM c") == [{"p_id": 1}]


def test_sqlite_transaction_waits_for_another_writer(sqlite_url: str) -> None:
    """With immediate=True a transaction that reads before it writes waits for a concurrent
    writer instead of failing with "database is locked" (what a deferred BEGIN does)."""
    with typedb.connect(sqlite_url) as db:
        db.raw("CREATE TABLE t (a INTEGER)")
        with (
            _another_writer(sqlite_url, "INSERT INTO t VALUES (1)"),
            db.transaction(immediate=True) as trx,
        ):
            trx.raw("SELECT count(*) AS n FROM t")
            trx.raw("INSERT INTO t VALUES (2)")
        assert db.raw("SELECT count(*) AS n FROM t") == [{"n": 2}]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql:/app:S3CRET@127.0.0.1/test",
        "app:S3CRET@127.0.0.1/test",
        "postgresql://app@127.0.0.1:1/test?password=S3CRET",
        "postgresql://app:S3/CRET@127.0.0.1:1/test",
        "postgresql://app:S3#CRET@127.0.0.1:1/test",
        "postgresql://app:S3?CRET@127.0.0.1:1/test",
        "postgresql://app:S3%zzCRET@127.0.0.1:1/test",  # libpq quotes the bad token
        "postgresql://app@127.0.0.1:1/test?password=S3 CRET",
        "postgresql://app@127.0.0.1:1/test?sslpassword=S3CRET",
        "host=db user=app password = S3CRET dbname=x",
        "host=db user=app password='S3 CRET' dbname=x",
    ],
)
def test_no_error_shows_a_password(url: str) -> None:
    with pytest.raises(typedb.ConnectionError) as info:
        typedb.connect(url)
    assert "S3" not in str(info.value) and "CRET" not in str(info.value)


def test_url_repr_hides_the_password() -> None:
    from typedb._url import parse

    assert "S3CRET" not in repr(parse("postgresql://app:S3CRET@db/x"))


def test_sqlite_read_transactions_do_not_wait_for_each_other(sqlite_url: str) -> None:
    with typedb.connect(sqlite_url) as a, typedb.connect(sqlite_url) as b:
        a.raw("CREATE TABLE t (x INTEGER)")
        with a.transaction() as ra, b.transaction() as rb:  # would deadlock if either waited
            assert ra.raw("SELECT count(*) AS n FROM t") == rb.raw("SELECT count(*) AS n FROM t")


def test_sqlite_ending_the_transaction_itself_stops_it(sqlite_url: str) -> None:
    """ON CONFLICT ROLLBACK ends the whole transaction; what follows must not autocommit."""
    with typedb.connect(sqlite_url) as db:
        db.raw("CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT ROLLBACK)")
        db.raw("INSERT INTO t VALUES (1)")
        with pytest.raises(typedb.QueryError, match="rolled back"), db.transaction() as trx:
            trx.raw("INSERT INTO t VALUES (2)")
            with pytest.raises(typedb.IntegrityError):
                trx.raw("INSERT INTO t VALUES (1)")
            trx.raw("INSERT INTO t VALUES (3)")
        assert db.raw("SELECT id FROM t") == [{"id": 1}]
        with pytest.raises(typedb.IntegrityError), db.transaction() as trx:  # the original error
            trx.raw("INSERT INTO t VALUES (1)")
        db.raw("INSERT INTO t VALUES (4)")  # usable afterwards


def test_a_nested_transaction_that_swallowed_an_error(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with db.transaction() as trx:
        trx.raw("INSERT INTO t VALUES (1)")
        try:
            with trx.transaction() as inner:
                inner.raw("INSERT INTO t VALUES (2)")
                with pytest.raises(typedb.IntegrityError):
                    inner.raw("INSERT INTO t VALUES (1)")
        except typedb.QueryError as exc:  # PostgreSQL: the savepoint is rolled back, and said so
            assert db.dialect.name == "postgresql" and "nested transaction" in str(exc)
        trx.raw("INSERT INTO t VALUES (3)")  # the outer transaction goes on
    expected = [1, 3] if db.dialect.name == "postgresql" else [1, 2, 3]
    assert [r["id"] for r in db.raw("SELECT id FROM t ORDER BY id")] == expected


def test_sqlite_paths_are_not_masked() -> None:
    with pytest.raises(typedb.ConnectionError, match="with:colon@at"):
        typedb.connect("sqlite:////nonexistent/with:colon@at/x.db")
