"""One `Database` shared by threads: no crash, no transaction mixed with another thread's
statements, no lost row, a clear error when the pool runs dry (issue 9), and the connection
faults of issue 8 (a killed connection, COMMIT through raw())."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import typedb
from tests.conftest import PG_URL, require_postgres
from typedb.connection._pools import PoolTimeoutError

pytestmark = pytest.mark.pgbouncer  # the PostgreSQL tests run through PgBouncer too

THREADS = 8


@pytest.fixture
def shared(db_url: str) -> Iterator[typedb.Database]:
    db = typedb.connect(db_url)
    db.schema.create_table("items").add_id_column().add_column(
        "name", "text", lambda c: c.not_null()
    ).add_column("worker", "integer").execute()
    try:
        yield db
    finally:
        db.close()


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_threads_with_transactions_and_selects_do_not_crash(db_url: str) -> None:
    # Before: SQLite segfaulted here (one sqlite3 connection used by eight threads at once).
    # A subprocess, so that a crash fails this test instead of killing pytest.
    script = textwrap.dedent(
        f"""
        import threading, typedb
        db = typedb.connect({db_url!r})
        db.schema.create_table("items").add_id_column().add_column("name", "text").execute()
        def work(n):
            for i in range(40):
                with db.transaction():
                    db.insert_into("items").values({{"name": f"{{n}}-{{i}}"}}).execute()
                db.select_from("items").select("id", "name").limit(20).execute()
        threads = [threading.Thread(target=work, args=(n,)) for n in range({THREADS})]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(db.raw("SELECT count(*) AS n FROM items")[0]["n"])
        db.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(THREADS * 40)


def test_a_rollback_in_one_thread_keeps_another_threads_insert(
    shared: typedb.Database,
) -> None:
    # Before: B's plain insert ran inside A's transaction (one shared connection) and A's
    # rollback took it away.
    inserted_by_a = threading.Event()
    b_finished = threading.Event()

    class Boom(Exception):
        pass

    def thread_a() -> None:
        with pytest.raises(Boom), shared.transaction():
            shared.insert_into("items").values({"name": "from A"}).execute()
            inserted_by_a.set()
            # SQLite lets one writer at a time: B waits for this block to end.
            b_finished.wait(timeout=1.0)
            raise Boom

    def thread_b() -> None:
        assert inserted_by_a.wait(timeout=30)
        shared.insert_into("items").values({"name": "from B"}).execute()
        b_finished.set()

    errors = run_threads(2, lambda n: (thread_a if n == 0 else thread_b)())
    assert errors == []
    names = [r["name"] for r in shared.select_from("items").select("name").execute()]
    assert names == ["from B"]


def test_nested_transactions_in_one_thread_share_its_connection(
    shared: typedb.Database,
) -> None:
    with shared.transaction() as outer:
        outer.insert_into("items").values({"name": "outer"}).execute()
        with pytest.raises(ZeroDivisionError), shared.transaction():
            shared.insert_into("items").values({"name": "inner"}).execute()
            # The savepoint sees the outer block's row: the same connection.
            assert shared.select_from("items").select("name").execute() == [
                {"name": "outer"},
                {"name": "inner"},
            ]
            _ = 1 / 0
        assert shared.in_transaction
    assert [r["name"] for r in shared.select_from("items").select("name").execute()] == ["outer"]


def test_another_thread_does_not_see_or_join_an_open_transaction(
    shared: typedb.Database,
) -> None:
    seen: list[object] = []
    with shared.transaction():
        shared.insert_into("items").values({"name": "uncommitted"}).execute()

        def look(_: int) -> None:
            seen.append(shared.in_transaction)
            if shared.dialect.name == "postgresql":  # SQLite would wait for the writer
                seen.append(len(shared.select_from("items").select("id").execute()))

        assert run_threads(1, look) == []
    assert seen[0] is False
    assert seen[1:] in ([], [0])


def test_many_threads_writing_and_reading_lose_nothing(shared: typedb.Database) -> None:
    per_thread = 30

    def work(n: int) -> None:
        for i in range(per_thread):
            with shared.transaction():
                shared.insert_into("items").values({"name": f"{n}-{i}", "worker": n}).execute()
                mine = shared.select_from("items").select("id").where("worker", "=", n).execute()
                assert len(mine) == i + 1
            shared.select_from("items").select("id").limit(5).execute()
            if i % 10 == 0:
                shared.insert_into("items").values({"name": f"plain {n}-{i}"}).execute()

    errors = run_threads(THREADS, work)
    assert errors == [], [str(e) for e in errors[:3]]  # no "database is locked", no crash
    total = shared.raw("SELECT count(*) AS n FROM items")[0]["n"]
    assert total == THREADS * (per_thread + 3)


def test_pool_exhaustion_is_a_clear_error(backend: str, db_url: str) -> None:
    # SQLite's in-memory database is its one connection shared under a lock: the same wait.
    url = "sqlite://" if backend == "sqlite" else db_url
    db = typedb.connect(url, pool_min=1, pool_max=1, pool_timeout=0.3)
    holding = threading.Event()
    release = threading.Event()

    def hold(_: int) -> None:
        with db.transaction():
            db.raw("SELECT 1 AS one")
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold, args=(0,))
    holder.start()
    try:
        assert holding.wait(timeout=30)
        started = time.monotonic()
        with pytest.raises(PoolTimeoutError) as caught:
            db.raw("SELECT 2 AS two")
        assert time.monotonic() - started < 5
        assert isinstance(caught.value, typedb.ConnectionError)
        assert "0.3s" in str(caught.value)
    finally:
        release.set()
        holder.join()
    assert db.raw("SELECT 2 AS two") == [{"two": 2}]
    db.close()


def test_raw_refuses_commit_rollback_and_begin(shared: typedb.Database) -> None:
    with shared.transaction():
        shared.insert_into("items").values({"name": "kept?"}).execute()
        for sql in ("COMMIT", "rollback", "  BEGIN", "END", "START TRANSACTION"):
            with pytest.raises(typedb.CompileError, match=r"use `with db\.transaction"):
                shared.raw(sql)  # type: ignore[arg-type]
        shared.raw("SAVEPOINT mine")
        shared.raw("ROLLBACK TO SAVEPOINT mine")
    with pytest.raises(typedb.CompileError):
        shared.raw("BEGIN")
    assert len(shared.select_from("items").select("id").execute()) == 1


def test_a_transaction_ended_behind_typedbs_back_names_the_right_cause(
    shared: typedb.Database,
) -> None:
    # Before: PostgreSQL reported "rolled back by SQLite itself".
    with pytest.raises(typedb.QueryError) as caught, shared.transaction() as trx:
        trx.insert_into("items").values({"name": "x"}).execute()
        trx._current().run("COMMIT", None)  # pyright: ignore[reportPrivateUsage]
    message = str(caught.value)
    if shared.dialect.name == "postgresql":
        assert "SQLite" not in message
        assert "ended inside its block" in message
    else:
        assert "SQLite itself" in message


def test_a_connection_killed_by_the_server_is_replaced(pg_schema_url: str) -> None:
    db = typedb.connect(pg_schema_url, pool_min=1, pool_max=1)
    pid = db.raw("SELECT pg_backend_pid() AS pid")[0]["pid"]
    with typedb.connect(PG_URL) as admin:
        # Waits until the backend has exited: its goodbye is then on the client's socket
        # (a bare pg_terminate_backend only signals it, and on a loaded machine the next
        # statement could reach the session before it ends, inside README's window).
        assert admin.raw("SELECT pg_terminate_backend(%s, 10000) AS ok", [pid]) == [{"ok": True}]
    time.sleep(0.2)  # past the 50 ms after its last statement: the pool polls it
    # The very next statement gets a new connection (before: "the connection is closed"
    # until close()).
    new_pid = db.raw("SELECT pg_backend_pid() AS pid")[0]["pid"]
    assert new_pid != pid
    with db.transaction():
        assert db.raw("SELECT 1 AS one") == [{"one": 1}]
    db.close()


def test_a_connection_lost_inside_a_transaction_says_so_and_is_replaced(pg_url: str) -> None:
    # Through PgBouncer the server session is the client's for the transaction, and ending
    # it ends the client's connection too: the same error, the same replacement.
    db = typedb.connect(pg_url, pool_min=1, pool_max=1)
    with (
        pytest.raises(typedb.QueryError, match="connection to PostgreSQL was lost"),
        db.transaction(),
    ):
        pid = db.raw("SELECT pg_backend_pid() AS pid")[0]["pid"]
        with typedb.connect(PG_URL) as admin:
            admin.raw("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)
        db.raw("SELECT 1")
    assert db.raw("SELECT 1 AS one") == [{"one": 1}]
    db.close()


@pytest.mark.parametrize("prepare", [True, False])
def test_prepare_false_never_prepares_server_side(pg_schema_url: str, prepare: bool) -> None:
    require_postgres()
    db = typedb.connect(pg_schema_url, pool_min=1, pool_max=1, prepare=prepare)
    db.schema.create_table("items").add_id_column().add_column("name", "text").execute()
    for _ in range(8):
        db.select_from("items").select("id").where("name", "=", "x").execute()
    prepared = db.raw("SELECT count(*) AS n FROM pg_prepared_statements")[0]["n"]
    assert (prepared > 0) is prepare
    db.close()


def test_close_closes_every_threads_connection(shared: typedb.Database) -> None:
    assert run_threads(3, lambda _: shared.raw("SELECT 1")) == []
    shared.close()
    with pytest.raises(typedb.TypedbError):
        shared.raw("SELECT 1")


def test_an_unclosed_database_is_closed_at_exit(db_url: str) -> None:
    script = textwrap.dedent(
        f"""
        import threading, typedb
        db = typedb.connect({db_url!r})
        threading.Thread(target=lambda: db.raw("SELECT 1")).start()
        with db.transaction():
            db.raw("SELECT 1")
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-X", "dev", "-c", script],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr


def test_the_facade_db_is_shared_by_threads(db_url: str) -> None:
    from typedb.facades.db import LazyDatabase

    lazy = LazyDatabase(db_url)
    lazy.schema.create_table("items").add_id_column().add_column("name", "text").execute()

    def work(n: int) -> None:
        for i in range(10):
            with lazy.transaction():
                lazy.insert_into("items").values({"name": f"{n}-{i}"}).execute()

    assert run_threads(4, work) == []
    assert lazy.raw("SELECT count(*) AS n FROM items") == [{"n": 40}]
    lazy.close()


def test_in_memory_sqlite_is_shared_by_threads_one_at_a_time() -> None:
    with typedb.connect("sqlite://") as db:
        db.raw("CREATE TABLE items (id integer PRIMARY KEY, worker integer)")

        def work(n: int) -> None:
            for _ in range(25):
                with db.transaction():
                    db.insert_into("items").values({"worker": n}).execute()
                    assert db.in_transaction
                db.select_from("items").select("id").limit(3).execute()

        assert run_threads(THREADS, work) == []
        assert db.raw("SELECT count(*) AS n FROM items") == [{"n": THREADS * 25}]


def test_pool_settings_come_from_tool_typedb(
    pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.typedb]\npool_min = 0\npool_max = 3\nprepare = false\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    db = typedb.connect(pg_schema_url)
    pool = db._pool._pool  # type: ignore[attr-defined]  # pyright: ignore[reportPrivateUsage]
    assert (pool.min_size, pool.max_size) == (0, 3)
    for _ in range(8):
        db.raw("SELECT 1 AS one WHERE 1 = %s", [1])
    with db.transaction():  # one connection: the count is about the one that ran the selects
        assert db.raw("SELECT count(*) AS n FROM pg_prepared_statements") == [{"n": 0}]
    db.close()
    # Arguments win over the file.
    db = typedb.connect(pg_schema_url, pool_max=5)
    assert db._pool._pool.max_size == 5  # type: ignore[attr-defined]  # pyright: ignore[reportPrivateUsage]
    db.close()
    with pytest.raises(typedb.CompileError, match="pool_min <= pool_max"):
        typedb.connect(pg_schema_url, pool_min=4, pool_max=2)


def test_more_threads_than_connections_take_turns(pg_url: str) -> None:
    # Eight threads on two connections: a thread waiting in psycopg_pool must be handed a
    # connection that another thread gives back, never left to time out.
    db = typedb.connect(pg_url, pool_min=1, pool_max=2, pool_timeout=20)
    db.raw("CREATE TABLE items (id serial PRIMARY KEY, worker integer)")

    def work(n: int) -> None:
        for i in range(40):
            if i % 2:
                with db.transaction():
                    db.insert_into("items").values({"worker": n}).execute()
            else:
                db.insert_into("items").values({"worker": n}).execute()
            db.select_from("items").select("id").limit(2).execute()

    started = time.monotonic()
    assert run_threads(THREADS, work) == []
    assert time.monotonic() - started < 20
    assert db.raw("SELECT count(*) AS n FROM items") == [{"n": THREADS * 40}]
    db.close()
