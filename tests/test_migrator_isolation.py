"""Which migrator state a run sees: the PostgreSQL schema its tracking table and lock live in
(defect 10: `search_path = tenant, public`), and the SQLite lock file reached through a
symlink. Real processes, real servers."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project
from conftest import PG_URL, _with_search_path, require_postgres

import typedb
from typedb.migrator._lock import migration_lock


@pytest.fixture
def schemas() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL schemas: (tenant, shared)."""
    require_postgres()
    tag = uuid.uuid4().hex[:12]
    tenant, shared = f"tenant_{tag}", f"shared_{tag}"
    with typedb.connect(PG_URL) as admin:
        admin.raw(f"CREATE SCHEMA {tenant}")  # type: ignore[arg-type]  # generated names
        admin.raw(f"CREATE SCHEMA {shared}")  # type: ignore[arg-type]
    try:
        yield tenant, shared
    finally:
        with typedb.connect(PG_URL) as admin:
            admin.raw(f"DROP SCHEMA {tenant} CASCADE")  # type: ignore[arg-type]
            admin.raw(f"DROP SCHEMA {shared} CASCADE")  # type: ignore[arg-type]


def _tables(db: typedb.Database, schema: str) -> set[str]:
    rows = db.raw(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = %s",
        [schema],
    )
    return {str(r["name"]) for r in rows}


def test_a_new_tenant_on_a_shared_search_path_gets_its_own_migrations(
    tmp_path: Path, schemas: tuple[str, str]
) -> None:
    tenant, shared = schemas
    # The shared schema is fully migrated (its typedb_migrations lists `users`).
    shared_app = Project(tmp_path / "app", _with_search_path(PG_URL, shared))
    try:
        shared_app.create("2026_01_01_00_00_00_users", "users")
        assert shared_app.cli("migration:latest").returncode == 0
    finally:
        shared_app.close()
    # A new tenant whose search_path falls back to the shared schema.
    app = Project(tmp_path / "app", _with_search_path(PG_URL, f"{tenant},{shared}"))
    try:
        result = app.cli("migration:latest")
        assert result.returncode == 0, result.stderr
        assert "Nothing to do" not in result.stdout
        assert "Ran 1 migration in batch 1." in result.stdout
        assert _tables(app.db, tenant) == {"users", "typedb_migrations"}
        rows = app.db.raw(f"SELECT name FROM {tenant}.typedb_migrations")  # type: ignore[arg-type]
        assert [r["name"] for r in rows] == ["2026_01_01_00_00_00_users"]
        # The shared schema's table was not touched: still one row, batch 1.
        rows = app.db.raw(f"SELECT batch FROM {shared}.typedb_migrations")  # type: ignore[arg-type]
        assert [r["batch"] for r in rows] == [1]
        assert "Nothing to do." in app.cli("migration:latest").stdout
        # The lock is keyed on the tenant's schema: a migrator holding the tenant-only lock
        # makes this one wait.
        with typedb.connect(_with_search_path(PG_URL, tenant)) as holder:
            with migration_lock(holder, "typedb_migrations"):
                proc = app.start(
                    "migration:latest", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
                watchdog = threading.Timer(60, proc.kill)
                watchdog.start()
                assert proc.stderr is not None
                assert "waiting for another migrator" in proc.stderr.readline()
            proc.communicate(timeout=60)
            watchdog.cancel()
        assert proc.returncode == 0
    finally:
        app.close()


def test_a_missing_first_schema_falls_through_like_postgresql_does(
    tmp_path: Path, schemas: tuple[str, str]
) -> None:
    """current_schema() is the first schema of the search_path that exists; the tracking
    table and the migrations' tables land there, together."""
    tenant, _ = schemas
    app = Project(tmp_path / "app", _with_search_path(PG_URL, f"no_such_{tenant},{tenant}"))
    try:
        app.create("2026_01_01_00_00_00_users", "users")
        assert app.cli("migration:latest").returncode == 0
        assert _tables(app.db, tenant) == {"users", "typedb_migrations"}
    finally:
        app.close()


def test_the_sqlite_lock_is_shared_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "data" / "app.db"
    real.parent.mkdir()
    link = tmp_path / "link.db"
    app = Project(tmp_path / "app", f"sqlite:///{real}")
    try:
        link.symlink_to(real)
        app.create("2026_01_01_00_00_00_users", "users")
        app.url = f"sqlite:///{link}"  # the CLI reaches the same file through the symlink
        with migration_lock(app.db, "typedb_migrations"):  # held through the real path
            proc = app.start(
                "migration:latest", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            watchdog = threading.Timer(60, proc.kill)  # never hang the suite
            watchdog.start()
            assert proc.stderr is not None
            assert "waiting for another migrator to finish" in proc.stderr.readline()
        out, err = proc.communicate(timeout=60)
        watchdog.cancel()
        assert proc.returncode == 0, err
        assert "2026_01_01_00_00_00_users" in out
        assert sorted(p.name for p in tmp_path.glob("*.typedb-lock")) == []
    finally:
        app.close()
