from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from typedb.dialects import Dialect
from typedb.schema._alter_table import AlterTable
from typedb.schema._create_table import CreateTable
from typedb.schema._ddl import Target
from typedb.schema._drop_table import DropTable
from typedb.schema._index import CreateIndex, DropIndex

if TYPE_CHECKING:
    from typedb.connection import Database, Transaction
    from typedb.contracts import Registry
    from typedb.schema_diff._sync import SyncResult


class SchemaBuilder:
    """`db.schema`: starts the DDL builders. Built on a `Dialect` alone it can only compile.

    >>> from typedb.dialects import PostgresDialect
    >>> SchemaBuilder(PostgresDialect()).drop_table("items").compile().sql
    'DROP TABLE "items"'
    """

    __slots__ = ("_target",)

    def __init__(self, db: Database | Dialect) -> None:
        if isinstance(db, Dialect):
            self._target = Target(db)
        else:
            self._target = Target(db.dialect, db)

    def transaction(self) -> AbstractContextManager[Transaction]:
        """`db.transaction()` made for schema changes: on SQLite, foreign key enforcement is off
        inside it (so tables others reference can be rebuilt) and every reference is checked
        before it commits."""
        from typedb.schema._transaction import schema_transaction

        return schema_transaction(self._target.database("SchemaBuilder"))

    def create_table(self, name: str) -> CreateTable:
        return CreateTable(self._target, _named(name))

    def alter_table(self, name: str) -> AlterTable:
        return AlterTable(self._target, _named(name))

    def drop_table(self, name: str) -> DropTable:
        return DropTable(self._target, _named(name))

    def create_index(self, name: str) -> CreateIndex:
        return CreateIndex(self._target, _named(name))

    def drop_index(self, name: str) -> DropIndex:
        return DropIndex(self._target, _named(name))

    def sync(self, registry: Registry | None = None, *, dry_run: bool = False) -> SyncResult:
        """Create the tables and add the columns the contracts declare (`registry`, default
        the project's) and the database lacks; never drops or alters (a difference it leaves
        alone is listed in `skipped`). For development and tests: it keeps no migration
        history. `dry_run` only compiles: `statements` is the SQL it would run."""
        from typedb.schema_diff._sync import sync

        return sync(self._target.database("SchemaBuilder"), registry, dry_run=dry_run)


def _named(name: str) -> str:
    from typedb.dialects import quote_identifier

    quote_identifier(name)  # refuse a bad name where it is given, not at execute()
    return name
