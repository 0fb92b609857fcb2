from __future__ import annotations

from typedb._sql import Fragment
from typedb.dialects._base import DataType, Dialect, parse_type

_NAMES = {
    "text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT",
    "boolean": "BOOLEAN", "real": "REAL", "double precision": "DOUBLE PRECISION",
    "date": "DATE", "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ",
    "uuid": "UUID", "json": "JSON", "jsonb": "JSONB", "bytea": "BYTEA",
}  # fmt: skip


class PostgresDialect(Dialect):
    name = "postgresql"
    placeholder = "%s"
    alter_in_place = frozenset(
        {"add_column", "drop_column", "rename_column", "rename_to", "alter_column",
         "add_constraint", "drop_constraint"}
    )  # fmt: skip

    def render_type(self, t: DataType) -> str:
        if t.name in ("varchar", "char"):
            return f"{t.name.upper()}({t.size})"
        if t.name == "numeric":
            if t.size is None:
                return "NUMERIC"
            return f"NUMERIC({t.size},{t.scale or 0})"
        return _NAMES[t.name]

    def auto_increment_type(self, data_type: str | Fragment) -> str:
        if isinstance(data_type, Fragment):
            return data_type.text
        name = parse_type(data_type).name
        return {"bigint": "BIGSERIAL", "smallint": "SMALLSERIAL"}.get(name, "SERIAL")

    def now_sql(self, data_type: str) -> str:
        # A plain TIMESTAMP default of CURRENT_TIMESTAMP would be the session's local time;
        # SQLite's is UTC. Both backends store UTC so the helper means the same everywhere.
        if data_type == "timestamptz":
            return "CURRENT_TIMESTAMP"
        return "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"
