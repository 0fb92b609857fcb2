"""`Database`: one connection, its dialect, transactions, and the entry points of the builders."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, Self

from typedb._errors import CompileError, QueryError
from typedb._sql import Parameters
from typedb._url import Url, resolve
from typedb.connection._driver import Driver, Row
from typedb.dialects import Dialect
from typedb.query import DeleteQuery, InsertQuery, SelectQuery, SoftDeleteQuery, UpdateQuery

if TYPE_CHECKING:
    from typedb.schema import SchemaBuilder


class Database:
    """A connection to SQLite or PostgreSQL with the whole typedb API.

    >>> with connect("sqlite://") as db:
    ...     db.raw("SELECT 1 + %s AS two", [1])
    [{'two': 2}]
    """

    def __init__(self, driver: Driver, url: Url) -> None:
        self._driver = driver
        self.url = url

    @property
    def dialect(self) -> Dialect:
        return self._driver.dialect

    @property
    def in_transaction(self) -> bool:
        return self._driver.depth > 0

    # -- raw SQL -------------------------------------------------------------------------------

    def raw(self, sql: LiteralString, params: Parameters | None = None) -> list[Row]:
        """Run SQL as written. Placeholders are `%s` / `%(name)s` on every backend (`%%` is a
        literal `%` when params are given). Returns the rows as dicts ([] for none)."""
        if not isinstance(sql, str):
            raise CompileError(f"raw() needs SQL text, got {type(sql).__name__}")
        return self._driver.run_raw(sql, params)[0]

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Generator[Transaction, None, None]:
        """Commit on success, roll back on an exception. Nested calls use savepoints.

        The connection is shared: statements run through `db` inside the block are part of
        the transaction too. `immediate=True` (SQLite; PostgreSQL ignores it) takes the write
        lock at BEGIN: a transaction that reads and then writes waits for another writer
        instead of failing with "database is locked". Without it, readers never wait.
        """
        driver = self._driver
        level = driver.depth
        name = f"typedb_sp_{level}"
        if level > 0:
            driver.run(f"SAVEPOINT {name}", None)
        else:
            driver.run(self.dialect.begin_immediate_sql if immediate else "BEGIN", None)
        driver.depth = level + 1
        try:
            yield Transaction(driver, self.url)
        except BaseException:
            driver.depth = level
            if driver.in_transaction():  # SQLite may have rolled back by itself already
                driver.run("ROLLBACK" if level == 0 else f"ROLLBACK TO SAVEPOINT {name}", None)
                if level > 0:
                    driver.run(f"RELEASE SAVEPOINT {name}", None)
            raise
        driver.depth = level
        if not driver.in_transaction():
            raise QueryError(
                "the transaction was rolled back by SQLite itself (ON CONFLICT ROLLBACK, "
                "RAISE(ROLLBACK) or a disk error) after a statement failed; nothing after it ran"
            )
        if driver.aborted():
            # PostgreSQL refuses everything after a failed statement and would answer COMMIT
            # with a silent ROLLBACK; a savepoint can be rolled back to, and then reported.
            if level == 0:
                driver.run("ROLLBACK", None)
            else:
                driver.run(f"ROLLBACK TO SAVEPOINT {name}", None)
                driver.run(f"RELEASE SAVEPOINT {name}", None)
            raise QueryError(
                f"the {'transaction' if level == 0 else 'nested transaction'} was rolled "
                "back: a statement in it failed, and PostgreSQL refuses to commit after that "
                "(catching the error does not undo it; run the statement in its own nested "
                "transaction() to recover from it)"
            )
        if level > 0:
            driver.run(f"RELEASE SAVEPOINT {name}", None)
            return
        try:
            driver.run("COMMIT", None)
        except QueryError:
            # A COMMIT can fail (a deferred constraint, SQLite busy): end the transaction so
            # the connection stays usable, then report the failure.
            if driver.in_transaction():
                driver.run("ROLLBACK", None)
            raise

    # -- builders ------------------------------------------------------------------------------

    @property
    def schema(self) -> SchemaBuilder:
        from typedb.schema import SchemaBuilder

        return SchemaBuilder(self)

    def select_from(self, table: str) -> SelectQuery:
        """A SELECT on `table` (`"items"` or `"items as i"`); see `typedb.query`."""
        return SelectQuery(self, table)

    def insert_into(self, table: str) -> InsertQuery:
        """An INSERT of `values(row | [rows])` into `table`."""
        return InsertQuery(self, table)

    def update_table(self, table: str) -> UpdateQuery:
        """An UPDATE: `set({...})` on the rows matched by `where(...)`."""
        return UpdateQuery(self, table)

    def delete_from(self, table: str) -> DeleteQuery:
        """A DELETE of the rows matched by `where(...)`."""
        return DeleteQuery(self, table)

    def soft_delete(self, table: str) -> SoftDeleteQuery:
        """Set `deleted_at` to now (UTC) on the rows matched by `where(...)`."""
        return SoftDeleteQuery(self, table)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url.masked}>"

    def _run(self, sql: str, params: Parameters | None = None) -> tuple[list[Row], int]:
        """Builders execute through here: SQL they compiled, parameters already bound."""
        return self._driver.run(sql, params)

    def _run_many(self, sql: str, rows: list[list[Any]]) -> int:
        return self._driver.run_many(sql, rows)


class Transaction(Database):
    """The `Database` API inside `with db.transaction() as trx:`. Closing it is a no-op;
    the block ends the transaction."""

    def close(self) -> None:
        pass


def connect(url: str | None = None) -> Database:
    """Open a database. `None` resolves TYPEDB_DATABASE_URL, DATABASE_URL,
    `[tool.typedb] database_url`, then a SQLite file in the project.

    >>> connect("sqlite://").dialect.name
    'sqlite'
    """
    parsed = resolve(url)
    driver: Driver
    if parsed.backend == "sqlite":
        from typedb.connection._sqlite import SqliteDriver

        driver = SqliteDriver(parsed)
    else:
        from typedb.connection._postgres import PostgresDriver

        driver = PostgresDriver(parsed)
    return Database(driver, parsed)
