"""One migrator at a time, with a lock the operating system or server drops if we die.

- PostgreSQL: a transaction-level advisory lock (`pg_advisory_xact_lock`) taken in a
  transaction that a second connection keeps open for the whole run. A session-level lock
  would not do behind a pooler in transaction mode (PgBouncer, managed PostgreSQL): there each
  statement outside a transaction may run on another server session, so the lock would stay
  behind on one session, or be "taken" twice through the same one. An open transaction pins its
  server session, so this lock holds directly and through a pooler alike. Its key is derived
  from the current schema and the tracking table's name, so projects in different schemas of
  one database do not wait for each other. A killed process's connection closes, its
  transaction ends (PgBouncer drops a server session whose client left mid-transaction) and the
  server frees the lock. The lock's transaction holds no snapshot and a waiting migrator polls,
  so neither stalls a `CREATE INDEX CONCURRENTLY` the running migrator makes.
- SQLite: `flock()` on a lock file next to the database (`<db>.typedb-lock`), the database's
  resolved real path, so migrators reaching one file through a symlink share it. The kernel drops
  it when the process exits, however it exits. SQLite's own locks cannot serve: holding one
  across several transactions on a second connection would block the migrator's own writes.
  An in-memory database has a single connection, so it needs no lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Generator
from contextlib import contextmanager, suppress

from typedb._errors import MigrationError, TypedbError
from typedb.connection import Database


def advisory_key(schema: str, table: str) -> int:
    """A signed 64-bit key for pg_advisory_lock from the schema and tracking table name.

    >>> advisory_key("public", "typedb_migrations") == advisory_key("public", "typedb_migrations")
    True
    >>> advisory_key("a", "typedb_migrations") != advisory_key("b", "typedb_migrations")
    True
    """
    digest = hashlib.sha256(f"typedb-migrator\0{schema}\0{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_LOG = logging.getLogger("typedb.migrator.lock")


def _unprepared(url: str) -> str:
    """The URL with server-side prepares off: a waiting migrator runs the same statement many
    times, and behind a pooler a prepared statement would outlive the lock's server session.

    >>> _unprepared("postgresql://u@h/db"), _unprepared("postgresql://u@h/db?sslmode=require")
    ('postgresql://u@h/db?prepare=false', 'postgresql://u@h/db?sslmode=require&prepare=false')
    """
    if "://" not in url:  # a libpq "key=value" string: no room for typedb's own option
        return url
    return f"{url}{'&' if '?' in url else '?'}prepare=false"


#: How often a waiting migrator tries the lock again.
POLL_SECONDS = 0.2


@contextmanager
def _postgres(db: Database, table: str, log: logging.Logger) -> Generator[None, None, None]:
    from typedb.connection import connect

    run = db._run  # pyright: ignore[reportPrivateUsage]
    rows, _ = run("SELECT coalesce(current_schema(), '') AS schema")
    key = advisory_key(str(rows[0]["schema"]), table)
    # The key is written into the SQL, not bound: a statement with bound parameters leaves its
    # portal, and so its snapshot, open in the idle transaction, and `CREATE INDEX
    # CONCURRENTLY` (a `transaction = False` migration) waits for every older snapshot, ours
    # included. For the same reason a waiting migrator polls rather than blocks inside one
    # long statement: its snapshot would stall the running migrator's CONCURRENTLY index.
    try_lock = f"SELECT pg_try_advisory_xact_lock({int(key)}) AS locked"
    holder = connect(_unprepared(db.url.raw))
    finished = False
    try:
        with holder.transaction() as trx:
            # A server's idle-in-transaction timeout must not end the lock mid-run.
            trx._run("SET LOCAL idle_in_transaction_session_timeout = 0")  # pyright: ignore[reportPrivateUsage]
            waiting = False
            while not trx._run(try_lock)[0][0]["locked"]:  # pyright: ignore[reportPrivateUsage]
                if not waiting:
                    log.info("waiting for another migrator to finish (advisory lock %s)", key)
                    waiting = True
                time.sleep(POLL_SECONDS)
            yield
            finished = True
            # The transaction's end (commit, or rollback on error) frees the lock.
    except TypedbError:
        if not finished:
            raise
        # The work is done; only ending the lock's transaction failed, so its connection is
        # gone, and the lock went with it.
    finally:
        # If the connection is gone, the lock went with it.
        with suppress(TypedbError):
            holder.close()


@contextmanager
def _sqlite(path: str, log: logging.Logger) -> Generator[None, None, None]:
    import fcntl

    lock_path = f"{path}.typedb-lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise MigrationError(f"cannot open the migration lock file {lock_path}: {exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another migrator to finish (%s)", lock_path)
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def migration_lock(db: Database, table: str) -> Generator[None, None, None]:
    """Hold the migration lock for the block; waits while another migrator holds it, and says
    so on the `typedb.migrator.lock` logger (the CLI shows it on stderr)."""
    if db.in_transaction:
        raise MigrationError("the migrator needs a connection outside any transaction")
    # One connection of the pool for the whole run: a dry run records on it.
    with db._pin():  # pyright: ignore[reportPrivateUsage]
        if db.dialect.name == "postgresql":
            with _postgres(db, table, _LOG):
                yield
        elif db.url.path is not None:
            with _sqlite(os.path.realpath(db.url.path), _LOG):
                yield
        else:
            yield
