"""typedb's pytest plugin (the `pytest11` entry point `typedb`), like pytest-django's `db`:

- `typedb_url` (session): a test database, migrated once with the project's migrations. A
  temporary SQLite file, unless `--typedb-url URL` or `TYPEDB_TEST_DATABASE_URL` names one. A
  PostgreSQL URL names the server: a throwaway database `typedb_test_<random>` is created
  there and dropped at the end of the session. A SQLite URL is used as it is.
- `typedb_db`: a `Database` inside a transaction that is rolled back when the test ends, so no
  test sees another's rows. Code under test that calls `typedb_db.transaction()` gets a
  savepoint inside it. Meanwhile the facade `typedb.facades.db.db` (the app's `db`) runs in
  that same transaction, from any thread: app code under test never reaches the real database.
- `typedb_async_db`: the same for typedb's async API (`typedb.connect_async`), for async tests
  run by an async plugin (pytest-asyncio or anyio), with `typedb.facades.async_db.db` in its
  transaction.

The project is the one around pytest's rootdir (the first pyproject.toml with [tool.typedb]).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from typedb._config import load
from typedb._errors import TypedbError
from typedb._url import parse
from typedb.connection import AsyncDatabase, Database, connect, connect_async
from typedb.facades._lazy import LazyDatabase
from typedb.facades._lazy_async import LazyAsyncDatabase
from typedb.migrator import Migrator
from typedb.migrator._project import database_url

ENV = "TYPEDB_TEST_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("typedb").addoption(
        "--typedb-url",
        dest="typedb_url",
        metavar="URL",
        default=None,
        help=f"the test database (default: ${ENV}, else a temporary SQLite file); on "
        "PostgreSQL a throwaway database is created on that server and dropped afterwards",
    )


class _Rollback(Exception):
    """Raised at the end of a test to roll its transaction back."""


def _ddl(statement: str) -> Any:
    """SQL naming a database this plugin made up itself (`typedb_test_<hex>`), which no
    parameter can stand for: deliberately not a LiteralString."""
    return statement


def _on_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def typedb_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The session's test database, migrated once with the project's migrations."""
    config = load(Path(request.config.rootpath))
    named: str | None = request.config.getoption("typedb_url") or os.environ.get(ENV)
    if named is None:
        named = f"sqlite:///{tmp_path_factory.mktemp('typedb') / 'test.sqlite3'}"
    server_url = url = database_url(config, named)
    parsed = parse(url)
    if parsed.backend == "sqlite" and parsed.path is None:
        # Each connection to it is a new, empty database: the tests would not see the
        # migrated one, and would fail as if the migrations had not made the tables.
        raise TypedbError(
            f"the test database {url!r} is an in-memory SQLite database, which lives only as "
            "long as one connection: typedb_db would get a new, unmigrated one. Name a file "
            "(sqlite:///test.db), or leave --typedb-url and $TYPEDB_TEST_DATABASE_URL unset "
            "for a temporary file"
        )
    throwaway: str | None = None
    if parsed.backend == "postgresql":
        throwaway = f"typedb_test_{uuid.uuid4().hex[:12]}"
        with connect(server_url) as server:
            server.raw(_ddl(f"CREATE DATABASE {throwaway}"))
        url = _on_database(server_url, throwaway)
    try:
        with connect(url) as db:
            Migrator(db, config).latest()
        yield url
    finally:
        if throwaway is not None:
            with connect(server_url) as server:
                server.raw(_ddl(f"DROP DATABASE IF EXISTS {throwaway} WITH (FORCE)"))


@pytest.fixture
def typedb_db(typedb_url: str) -> Iterator[Database]:
    """A `Database` whose every change in the test is rolled back at its end. While the test
    runs, the app's facade `typedb.facades.db.db` runs in the same transaction (code under
    test that uses it touches only the test database, and is rolled back too)."""
    from typedb.facades._lazy import db as facade

    with connect(typedb_url) as db, suppress(_Rollback), db.transaction() as trx:
        if isinstance(facade, LazyDatabase):
            with facade.standing_in(trx):
                yield trx
        else:  # replaced by the app itself: leave it alone
            yield trx
        raise _Rollback


if TYPE_CHECKING:
    _async_fixture = pytest.fixture
else:
    try:  # pytest-asyncio in strict mode (its default) runs only fixtures marked as its own
        from pytest_asyncio import fixture as _async_fixture
    except ImportError:  # anyio's plugin runs a plain async fixture
        _async_fixture = pytest.fixture


@_async_fixture
async def typedb_async_db(typedb_url: str) -> AsyncIterator[AsyncDatabase]:
    """The async `typedb_db`, for tests run by pytest-asyncio or anyio: an `AsyncDatabase`
    whose every change is rolled back; the app's `typedb.facades.async_db.db` runs in the same
    transaction meanwhile."""
    from typedb.facades._lazy_async import db as facade

    async with connect_async(typedb_url) as db:
        with suppress(_Rollback):
            async with db.transaction() as trx:
                if isinstance(facade, LazyAsyncDatabase):
                    with facade.standing_in(trx):
                        yield trx
                else:
                    yield trx
                raise _Rollback
