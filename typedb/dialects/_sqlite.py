from __future__ import annotations

from typedb._sql import Fragment
from typedb.dialects._base import DataType, Dialect

# Declared types are chosen for two things: the column affinity SQLite gives them, and the
# first word, which picks the converter (typedb.connection._sqlite) that gives back the Python
# type. "JSON TEXT" has TEXT affinity, so '1.0' stays text instead of becoming REAL 1.
_NAMES = {
    "text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT",
    "boolean": "BOOLEAN", "real": "REAL", "double precision": "DOUBLE PRECISION",
    "date": "DATE", "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ",
    "uuid": "UUID", "json": "JSON TEXT", "jsonb": "JSONB TEXT", "bytea": "BLOB",
}  # fmt: skip

# SQLite keeps only 15 significant digits when NUMERIC affinity turns text into REAL.
_EXACT_NUMERIC_DIGITS = 15


class SqliteDialect(Dialect):
    name = "sqlite"
    placeholder = "?"
    # SQLite reads a double-quoted name that matches no column as a string literal (its
    # "double-quoted string" misfeature, on in most builds), so `where("nmae", "!=", "x")`
    # would compare two constants and match every row. A backtick-quoted name is always a
    # name: an unknown one is "no such column", as PostgreSQL says "does not exist".
    quote_char = "`"
    # A deferred BEGIN takes a read lock first; when such a transaction then needs to write
    # while another connection writes, SQLite fails at once ("database is locked") instead of
    # waiting out the busy timeout. IMMEDIATE takes the write lock up front, and waits; it is
    # opt-in, since it also makes read-only transactions wait for each other.
    begin_immediate_sql = "BEGIN IMMEDIATE"
    alter_in_place = frozenset({"add_column", "drop_column", "rename_column", "rename_to"})

    def render_type(self, t: DataType) -> str:
        if t.name in ("varchar", "char"):
            return f"{t.name.upper()}({t.size})"
        if t.name == "numeric":
            # Up to 15 digits NUMERIC affinity is exact and compares as a number; wider (or
            # unbounded) decimals are kept as text so no digit is lost.
            if t.size is not None and t.size <= _EXACT_NUMERIC_DIGITS:
                return f"NUMERIC({t.size},{t.scale or 0})"
            return "DECIMAL TEXT" if t.size is None else f"DECIMAL TEXT({t.size},{t.scale or 0})"
        return _NAMES[t.name]

    def auto_increment_type(self, data_type: str | Fragment) -> str:
        # Only "INTEGER PRIMARY KEY" aliases the rowid; BIGINT would not auto-increment.
        return "INTEGER"

    def now_sql(self, data_type: str) -> str:
        # UTC like CURRENT_TIMESTAMP, but to the millisecond as PostgreSQL's is (to the µs).
        return "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"
