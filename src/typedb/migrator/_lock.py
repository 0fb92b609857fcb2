"""One migrator at a time, with a lock the operating system or server drops if we die.

- PostgreSQL: a session-level advisory lock on the migrator's own connection (autocommit, so
  per-migration transactions do not end it). Its key is derived from the current schema and
  the tracking table's name, so projects in different schemas of one database do not wait
  for each other. A killed process's session ends and the server frees the lock.
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


@contextmanager
def _postgres(db: Database, table: str, log: logging.Logger) -> Generator[None, None, None]:
    run = db._run  # pyright: ignore[reportPrivateUsage]
    rows, _ = run("SELECT coalesce(current_schema(), '') AS schema")
    key = advisory_key(str(rows[0]["schema"]), table)
    rows, _ = run("SELECT pg_try_advisory_lock(%s) AS locked", [key])
    if not rows[0]["locked"]:
        log.info("waiting for another migrator to finish (advisory lock %s)", key)
        run("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        # If the connection is gone, the lock went with it.
        with suppress(TypedbError):
            run("SELECT pg_advisory_unlock(%s)", [key])


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
    if db.dialect.name == "postgresql":
        with _postgres(db, table, _LOG):
            yield
    elif db.url.path is not None:
        with _sqlite(os.path.realpath(db.url.path), _LOG):
            yield
    else:
        yield
