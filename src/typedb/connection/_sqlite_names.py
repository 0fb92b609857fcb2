"""The names a statement was written with, judged against a SQLite connection's schema.

typedb notes the tables and columns each statement names as written (typedb.query._names);
PostgreSQL matches them exactly, SQLite in any case. The driver has them judged here when
SQLite compiles the statement on its connection (see SqliteDriver._authorize), and refuses
what PostgreSQL would refuse. What is read of the schema is kept until it changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typedb._errors import QueryError
from typedb.query._names import refused

if TYPE_CHECKING:
    import sqlite3

    from typedb.connection._sqlite_types import AggregateTypes


class SchemaNames:
    """Per connection: the statements judged right, and the tables' names as declared."""

    MAX_ENTRIES = 1024

    def __init__(self, conn: sqlite3.Connection, types: AggregateTypes) -> None:
        self._cursor = conn.cursor()
        self._types = types  # follows the schema's changes
        self._seen = -1
        self._right: set[str] = set()
        self._columns: dict[str, tuple[str, ...] | None] = {}

    def refused(self, sql: str) -> QueryError | None:
        """What PostgreSQL would refuse among the names `sql` was written with (a column or
        table in another case, a select-list alias in where()); None when nothing."""
        names = getattr(sql, "names", None)
        if names is None:
            return None
        changes = self._types.follow_schema()
        if changes != self._seen:
            self._right.clear()
            self._columns.clear()
            self._seen = changes
        if sql in self._right:
            return None
        error = refused(names, str(sql), self._declared_columns, self._declared_table)
        if error is None:
            if len(self._right) >= self.MAX_ENTRIES:
                self._right.clear()
            self._right.add(sql)
        return error

    def _declared_columns(self, table: str) -> tuple[str, ...] | None:
        key = table.lower()
        if key not in self._columns:
            cur = self._cursor
            cur.execute("SELECT name FROM pragma_table_info(?)", (table,))
            self._columns[key] = tuple(row[0] for row in cur.fetchall()) or None
        return self._columns[key]

    def _declared_table(self, table: str) -> str | None:
        cur = self._cursor
        cur.execute(
            "SELECT name FROM sqlite_temp_master WHERE type IN ('table', 'view') AND name = ? "
            "COLLATE NOCASE UNION ALL SELECT name FROM sqlite_master WHERE type IN ('table', "
            "'view') AND name = ? COLLATE NOCASE",
            (table, table),
        )
        row = cur.fetchone()
        return None if row is None else str(row[0])
