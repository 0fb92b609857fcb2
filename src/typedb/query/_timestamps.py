"""How `update_table()` knows a table has the columns `add_timestamp_columns()` makes.

By introspection, once per table and Database: the first update of a table asks the catalog
whether it has both `created_at` and `updated_at` (one small query), and the answer is kept
for the Database's life (its transactions share it), so later updates pay a dict lookup.
A table that does not exist yet is not remembered. Chosen over the alternatives: a contract
is not loaded at run time (the registry is for the stubs), and a trigger would have to be
added to every existing table by a migration and would fight a caller who sets `updated_at`.
"""

from __future__ import annotations

from typedb._sql import Parameters
from typedb.dialects import Dialect, quote_identifier
from typedb.query._base import Result

_CATALOG = {
    "sqlite": (
        "SELECT count(*) AS n, sum(name IN ('created_at', 'updated_at')) AS t "
        "FROM pragma_table_info(?)"
    ),
    "postgresql": (
        "SELECT count(*) AS n, count(*) FILTER (WHERE attname IN ('created_at', 'updated_at')) AS t "
        "FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
    ),
}


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
