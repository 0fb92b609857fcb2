"""Backends for the tests: every database test runs on SQLite and on PostgreSQL.

Each test gets its own SQLite file or its own PostgreSQL schema (via `search_path` in the URL).
Without a reachable PostgreSQL server those tests skip locally and FAIL under CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A URL for a fresh database on the test's backend."""
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[typedb.Database]:
    with typedb.connect(db_url) as database:
        yield database
