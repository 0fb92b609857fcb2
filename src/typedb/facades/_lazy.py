"""The runtime of the typed facade `typedb.facades.db`: `db`, the project's database, and
`connect(url)`.

At run time `db` is an ordinary `Database` that connects on first use, configured from the
project (`TYPEDB_DATABASE_URL`, `DATABASE_URL`, `[tool.typedb] database_url`). Type checkers
see this module through the generated stub package (`typedb stubs:generate` and
`typedb stubs:install`), where `db` is a `DB` whose table names, columns and values are checked
against the contracts.

>>> from typedb.facades._lazy import connect
>>> with connect("sqlite://") as memory:
...     memory.raw("SELECT 1 AS one")
[{'one': 1}]
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

from typedb._url import Url
from typedb.connection import Database
from typedb.connection import connect as _connect
from typedb.connection._database import Pin
from typedb.connection._pools import Pool

#: What the stub types as `DB` (`Database` typed by the contracts) is a `Database` at run time.
DB = Database


class LazyDatabase(Database):
    """A `Database` that opens its pool on first use, and again after `close()`. Safe to share
    between threads like any `Database`: this is what a web app's module-level `db` is.

    >>> lazy = LazyDatabase("sqlite://")
    >>> lazy.connected
    False
    >>> lazy.raw("SELECT 2 AS two")
    [{'two': 2}]
    >>> lazy.connected
    True
    """

    def __init__(self, url: str | None = None) -> None:
        # No super().__init__(): the pool and URL are made on first use, through the
        # properties below, so importing the facade never touches a database.
        self._url_text = url
        self._lazy: Database | None = None
        self._lazy_url: Url | None = None
        self._lock = threading.Lock()
        # The LazyDatabase's own, not the current pool's: a transaction open in one thread
        # when another calls close() stays pinned to its connection (rather than its next
        # statement running outside it, on a reopened pool).
        self._pinned: ContextVar[Pin | None] = ContextVar("typedb_lazy_pinned", default=None)

    @property
    def connected(self) -> bool:
        return self._lazy is not None

    def _database(self) -> Database:
        lazy = self._lazy
        if lazy is None:
            with self._lock:
                lazy = self._lazy
                if lazy is None:
                    lazy = self._lazy = _connect(self._database_url())
                    self._lazy_url = lazy.url
                    executor = getattr(lazy._pool, "executor", None)  # pyright: ignore[reportPrivateUsage]
                    if executor is not None:
                        # The real database's fast statement path (see Database.__init__),
                        # with this facade's own pins.
                        self._execute = executor(self._pinned)  # type: ignore[method-assign]
        return lazy

    # Everything a Database does goes through the real one.
    @property
    def _pool(self) -> Pool:  # type: ignore[override]
        return self._database()._pool  # pyright: ignore[reportPrivateUsage]

    @property
    def url(self) -> Url:  # type: ignore[override]
        if self._lazy_url is None:
            from typedb._url import parse

            self._lazy_url = parse(self._database_url())
        return self._lazy_url

    def _database_url(self) -> str:
        from typedb._config import load
        from typedb.migrator._project import database_url

        return database_url(load(), self._url_text)

    def close(self) -> None:
        with self._lock:
            if self._lazy is not None:
                self._lazy.close()
                self._lazy = None
                # Back to Database._execute, which reopens through `_pool` on next use.
                self.__dict__.pop("_execute", None)

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<{type(self).__name__} {state}>"


def connect(url: str | None = None) -> Database:
    """Open a database (the same as `typedb.connect`); the stub types it as `DB`."""
    return _connect(url)


#: The project's database, connected on first use.
db: Database = LazyDatabase()

__all__ = ["DB", "LazyDatabase", "connect", "db"]
