"""`DROP TABLE`, with PostgreSQL's meaning on every backend: refused while other tables'
foreign keys or views depend on the table; with `cascade()`, those foreign key constraints
and views are dropped — never a row of another table.

SQLite alone would drop the table and run the ON DELETE actions of every table referencing
it (a cascade deletes their rows, SET NULL clears their references), or leave views broken.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Self

from typedb._errors import QueryError
from typedb.schema._ddl import Statement, Target

if TYPE_CHECKING:
    from typedb.connection import Database


@dataclass(frozen=True, slots=True)
class DropTable(Statement):
    """`DROP TABLE`. Refused while another table's foreign key or a view depends on the
    table; `cascade()` drops those constraints and views (not rows), on every backend.

    >>> from typedb.dialects import PostgresDialect
    >>> from typedb.schema import SchemaBuilder
    >>> SchemaBuilder(PostgresDialect()).drop_table("items").if_exists().cascade().compile().sql
    'DROP TABLE IF EXISTS "items" CASCADE'
    """

    target: Target
    name: str
    if_exists_flag: bool = False
    cascade_flag: bool = False

    def if_exists(self) -> Self:
        return replace(self, if_exists_flag=True)

    def cascade(self) -> Self:
        """Also drop the foreign key constraints of other tables that reference this one, and
        the views that use it, as PostgreSQL's `DROP TABLE ... CASCADE`. Their rows stay."""
        return replace(self, cascade_flag=True)

    def _statements(self) -> list[str]:
        dialect = self.target.dialect
        sql = "DROP TABLE IF EXISTS " if self.if_exists_flag else "DROP TABLE "
        sql += dialect.quote(self.name)
        if self.cascade_flag and dialect.name == "postgresql":
            sql += " CASCADE"
        return [sql]

    def execute(self) -> None:
        if self.target.dialect.name != "sqlite":
            return Statement.execute(self)
        from typedb.schema._fk_actions import paused
        from typedb.schema._sqlite_catalog import table_sql
        from typedb.schema._transaction import schema_transaction

        db = self.target.database("DropTable")
        if table_sql(db, self.name) is None:
            db._run(self._statements()[0])  # "no such table", or nothing with if_exists()
            return None
        with schema_transaction(db, keep_actions=False) as trx, paused(trx):
            self._drop_on_sqlite(trx)
        return None

    def _drop_on_sqlite(self, db: Database) -> None:
        from typedb.schema._rebuild import rebuild
        from typedb.schema._sqlite_catalog import broken_views, foreign_keys_to
        from typedb.schema._transaction import ForeignKeysOnError

        q = db.dialect.quote
        depending = foreign_keys_to(db, self.name)
        if depending and not self.cascade_flag:
            first = depending[0]
            raise QueryError(
                f"cannot drop table {self.name} because other objects depend on it: "
                f"constraint {first.constraint} on table {first.table} depends on table "
                f"{self.name}{_and_more(len(depending))}. Drop it first, or use "
                "drop_table(...).cascade() to drop the foreign key constraints (rows are kept)"
            )
        for child in dict.fromkeys(ref.table for ref in depending):
            rebuild(db, child, [("drop_references_to", self.name)])
        if db._run("PRAGMA foreign_keys")[0][0]["foreign_keys"] and _restricts_itself(
            db, self.name
        ):
            # The implicit DELETE of DROP TABLE would fail on its own RESTRICT references.
            raise ForeignKeysOnError(
                f"table {self.name} references itself ON DELETE RESTRICT: dropping it on "
                "SQLite needs foreign keys off; run it outside a transaction, inside "
                "db.schema.transaction(), or in a migration (migrations do this)"
            )
        already_broken = set(broken_views(db))  # not this drop's doing: left alone
        db._run(f"DROP TABLE {q(self.name)}")
        views = [v for v in broken_views(db) if v not in already_broken]
        if views and not self.cascade_flag:
            schema, view = views[0]
            raise QueryError(
                f"cannot drop table {self.name} because other objects depend on it: view "
                f"{view} depends on table {self.name}{_and_more(len(views))}. Drop it first, "
                "or use drop_table(...).cascade() to drop the views too"
            )
        for schema, view in views:
            db._run(f"DROP VIEW {schema}.{q(view)}")


def _and_more(count: int) -> str:
    return f" (and {count - 1} more)" if count > 1 else ""


def _restricts_itself(db: Database, table: str) -> bool:
    refs = db._run(f"PRAGMA foreign_key_list({db.dialect.quote(table)})")[0]
    return any(
        str(r["table"]).lower() == table.lower() and str(r["on_delete"]).upper() == "RESTRICT"
        for r in refs
    )
