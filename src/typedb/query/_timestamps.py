"""How `update_table()` knows a table has the columns `add_timestamp_columns()` makes.

By introspection, once per table and Database: the first update of a table asks the catalog
whether it has both `created_at` and `updated_at` (one small query), and the answer is kept
for the Database's life (its transactions share it), so later updates pay a dict lookup.
A table that does not exist yet is not remembered. The answers are forgotten when the
Database changes a schema (CREATE / ALTER / DROP through it: at the statement, and again when
its transaction ends, as another thread may have asked the catalog before the commit), and
when a transaction that taught one rolls back. A schema changed by another process is not
seen until restart (deploys migrate first, then start the app). Chosen over the
alternatives: a contract is not loaded at run time (the registry is for the stubs), and a
trigger would have to be added to every existing table by a migration and would fight a
caller who sets `updated_at`.
"""

from __future__ import annotations

import re

from typedb._sql import Parameters
from typedb.dialects import Dialect, quote_identifier
from typedb.query._base import Result

# `updated_at` must be a timestamp too: a legacy table keeping epoch seconds in integer
# `created_at` / `updated_at` columns is the caller's to set (writing a timestamp there
# failed every update_table() of it).
_CATALOG = {
    "sqlite": (
        "SELECT count(*) AS n, sum(name = 'created_at' OR (name = 'updated_at' "
        "AND upper(type) IN ('TIMESTAMP', 'TIMESTAMPTZ'))) AS t FROM pragma_table_info(?)"
    ),
    "postgresql": (
        "SELECT count(*) AS n, count(*) FILTER (WHERE attname = 'created_at' OR "
        "(attname = 'updated_at' AND atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype)))"
        " AS t FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped"
    ),
}


#: SQL after which the answers may be wrong: a CREATE / ALTER / DROP at its start (after
#: comments, as a migration's raw SQL often has) or after a `;` (raw() may send several).
SCHEMA_CHANGE = re.compile(
    r"(?:^(?:\s|--[^\n]*\n|/\*(?:[^*]|\*(?!/))*\*/)*|;\s*)(?:CREATE|ALTER|DROP)\b",
    re.IGNORECASE,
)


class TimestampTables(dict[str, bool]):
    """table -> whether it has the timestamp columns, shared by a Database and its
    transactions, with counters that let a transaction's end tell what happened meanwhile."""

    __slots__ = ("learned", "schema_changes")

    def __init__(self) -> None:
        super().__init__()
        self.learned = 0
        self.schema_changes = 0

    def learn(self, table: str, found: bool) -> None:
        self[table] = found
        self.learned += 1

    def schema_changed(self) -> None:
        self.clear()
        self.schema_changes += 1

    def mark(self) -> tuple[int, int]:
        """Taken when a top-level transaction begins, given back to `ended`."""
        return self.learned, self.schema_changes

    def ended(self, mark: tuple[int, int], rolled_back: bool) -> None:
        """A top-level transaction ended: forget every answer if the schema changed during it
        (a thread may have read the catalog before the commit), or if it rolled back after
        answers were learned (maybe of a table it created, now gone)."""
        learned, changes = mark
        if self.schema_changes != changes or (rolled_back and self.learned != learned):
            self.clear()


def catalog_query(dialect: Dialect, table: str) -> tuple[str, Parameters]:
    """The query that tells whether `table` has the timestamp columns."""
    name = table if dialect.name == "sqlite" else quote_identifier(table, '"')
    return _CATALOG[dialect.name], (name,)


def has_timestamps(result: Result) -> bool | None:
    """The catalog query's answer: None when the table was not found (not to be kept)."""
    row = result[0][0]
    if not row["n"]:
        return None
    return int(row["t"] or 0) == 2
