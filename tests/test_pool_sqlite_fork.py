"""A SQLite file `Database` used before os.fork(): the child opens sqlite3 connections of its
own (SQLite forbids carrying one across a fork), and the parent's go on undisturbed."""

from __future__ import annotations

import os
import threading

import typedb


def _child(db: typedb.Database) -> int:
    """Exit code of the child's checks (0: its connection is its own and works)."""
    try:
        # A temporary table belongs to the connection that made it: the parent's main-thread
        # connection has one, a connection of the child's own does not.
        seen = db.raw("SELECT count(*) AS n FROM sqlite_temp_master WHERE name = 'mine'")
        if seen != [{"n": 0}]:
            return 3
        db.insert_into("forked").values({"id": 2}).execute()
        with db.transaction():
            db.insert_into("forked").values({"id": 3}).execute()
        if db.select_from("forked").select("id").order_by("id").execute() != [
            {"id": 1},
            {"id": 2},
            {"id": 3},
        ]:
            return 5
    except BaseException:
        return 4
    return 0


def test_sqlite_file_database_gives_a_forked_child_connections_of_its_own(
    sqlite_url: str,
) -> None:
    """It used to hand the child the parent's sqlite3 connection of the forking thread, and
    the child's statements ran on it (the parent's temporary table was visible there)."""
    with typedb.connect(sqlite_url) as db:
        db.raw("CREATE TABLE forked (id integer primary key)")
        db.raw("CREATE TEMP TABLE mine (x integer)")
        db.insert_into("forked").values({"id": 1}).execute()
        # Another thread's connection, open at the fork too: the child must not close it.
        worker = threading.Thread(target=lambda: db.raw("SELECT 1 AS one"))
        worker.start()
        worker.join()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os._exit(_child(db))
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        # The parent's connection is the one it had: its temporary table is still there.
        assert db.raw("SELECT count(*) AS n FROM temp.mine") == [{"n": 0}]
        assert db.select_from("forked").select("id").order_by("id").execute() == [
            {"id": 1},
            {"id": 2},
            {"id": 3},
        ]
