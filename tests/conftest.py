"""Backends for the tests: every database test runs on SQLite and on PostgreSQL.

Each test gets its own SQLite file or its own PostgreSQL schema (via `search_path` in the URL).
Without a reachable PostgreSQL server those tests skip locally and FAIL under CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

# Imported before any test: pytester restores sys.modules after its tests, and a psycopg
# first imported inside one would come back as a second copy whose error classes are not
# the ones psycopg's C extension raises.
import psycopg  # noqa: F401
import psycopg_pool  # noqa: F401
import pytest

import typedb

PG_URL = os.environ.get("TYPEDB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_pg_problem: str | None = None
_pg_checked = False


def _pg_available() -> str | None:
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            typedb.connect(PG_URL).close()
        except typedb.ConnectionError as exc:
            _pg_problem = str(exc)
    return _pg_problem


def require_postgres() -> None:
    problem = _pg_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {problem}", pytrace=False)
        pytest.skip(f"no PostgreSQL server: {problem}")


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections see a fresh, empty PostgreSQL schema, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with typedb.connect(PG_URL) as admin:
        admin.raw(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]  # generated name
    try:
        yield _with_search_path(PG_URL, schema)
    finally:
        with typedb.connect(PG_URL) as admin:
            admin.raw(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


# PgBouncer in transaction-pooling mode in front of the test server (.ci/run starts it, with
# `auth_user` so per-test roles can log in). Tests marked `pgbouncer` also run on the
# "pgbouncer" backend: PostgreSQL reached through PgBouncer, with server-side prepared
# statements off. `backend` reads "postgresql" there, as it is PostgreSQL's dialect.
PGBOUNCER_URL = os.environ.get(
    "TYPEDB_TEST_PGBOUNCER_URL", "postgresql://postgres@127.0.0.1:6432/test"
)
_pgbouncer_problem: list[str | None] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pgbouncer: also run on the PostgreSQL-behind-PgBouncer backend"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("pgbouncer") is not None
        backends = [*BACKENDS, "pgbouncer"] if marked else BACKENDS
        metafunc.parametrize("backend", backends, indirect=True)


def require_pgbouncer() -> None:
    require_postgres()
    if not _pgbouncer_problem:
        try:
            typedb.connect(PGBOUNCER_URL).close()
            _pgbouncer_problem.append(None)
        except typedb.ConnectionError as exc:
            _pgbouncer_problem.append(str(exc))
    problem = _pgbouncer_problem[0]
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PgBouncer is required under CI=true: {problem}", pytrace=False)
        pytest.skip(f"no PgBouncer at {PGBOUNCER_URL}: {problem}")


def through_pgbouncer(user: str, prepare: bool = False) -> str:
    """PGBOUNCER_URL logged in as `user`; `prepare=false` unless asked (PgBouncer < 1.21
    cannot route server-side prepared statements in transaction mode)."""
    parts = urlsplit(PGBOUNCER_URL)
    netloc = f"{user}@{parts.hostname}:{parts.port or 5432}"
    query = parts.query if prepare else "&".join(q for q in (parts.query, "prepare=false") if q)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@pytest.fixture
def pgbouncer_user() -> Iterator[str]:
    """A fresh role whose `search_path` is its own fresh schema: through PgBouncer, which
    refuses the `options` startup parameter, this is how a test gets its own schema."""
    require_pgbouncer()
    name = f"t_{uuid.uuid4().hex[:16]}"
    with typedb.connect(PG_URL) as admin:
        admin.raw(f"CREATE ROLE {name} LOGIN SUPERUSER")  # type: ignore[arg-type]
        admin.raw(f"CREATE SCHEMA {name} AUTHORIZATION {name}")  # type: ignore[arg-type]
        admin.raw(f"ALTER ROLE {name} SET search_path = {name}")  # type: ignore[arg-type]
    try:
        yield name
    finally:
        with typedb.connect(PG_URL) as admin:
            # PgBouncer keeps idle server connections per role; end them with the role.
            admin.raw(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [name],
            )
            admin.raw(f"DROP SCHEMA {name} CASCADE")  # type: ignore[arg-type]
            admin.raw(f"DROP ROLE {name}")  # type: ignore[arg-type]


@pytest.fixture
def pgbouncer_url(pgbouncer_user: str) -> str:
    return through_pgbouncer(pgbouncer_user)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return "postgresql" if request.param == "pgbouncer" else str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A URL for a fresh database on the test's backend."""
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    if request.node.callspec.params.get("backend") == "pgbouncer":
        return str(request.getfixturevalue("pgbouncer_url"))
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture(params=["db_url", "memory"])
def shared_url(request: pytest.FixtureRequest, db_url: str) -> str:
    """`db_url`, and the in-memory SQLite database besides (once, on the sqlite backend): for
    what the one-connection in-memory pool does differently (a shared trx, raw() control)."""
    if request.param == "memory":
        if not db_url.startswith("sqlite"):
            pytest.skip("the in-memory database is SQLite's")
        return "sqlite://"
    return db_url


@pytest.fixture
def pg_url(backend: str, db_url: str) -> str:
    """`db_url` on the PostgreSQL backends only (direct, and through PgBouncer)."""
    if backend == "sqlite":
        pytest.skip("PostgreSQL only")
    return db_url


@pytest.fixture
def db(db_url: str) -> Iterator[typedb.Database]:
    with typedb.connect(db_url) as database:
        yield database


@pytest.fixture
def store(db: typedb.Database) -> typedb.Database:
    """`db` with the small Chinook-like store of tests/_store.py, on either backend."""
    from _store import make_store

    return make_store(db)
