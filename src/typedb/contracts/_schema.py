"""Contracts against the live database: `compare()` (what `contracts:check` prints), and the
plain column listing `live_schema()` with the type families both use.

Read from `PRAGMA table_info` on SQLite and `information_schema.columns` of the current schema
on PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typedb.contracts._registry import Registry

if TYPE_CHECKING:
    from typedb.connection import Database


@dataclass(frozen=True, slots=True)
class LiveColumn:
    name: str
    type: str  # as the database declares it
    nullable: bool
    has_default: bool  # a default, an identity, or SQLite's rowid alias

    @property
    def family(self) -> str:
        return type_family(self.type)


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the contracts and the database disagree; `column` is None for a whole table."""

    table: str
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        return f"{where}: {self.message}"


# Declared type (first word) or PostgreSQL udt_name -> the Python family typedb returns for it.
_DB_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        ("integer", "int", "bigint", "smallint", "tinyint", "mediumint", "int2", "int4",
         "int8", "serial", "bigserial", "smallserial"), "int"),
    **dict.fromkeys(
        ("text", "varchar", "char", "character", "clob", "nvarchar", "nchar", "bpchar",
         "name", "citext"), "str"),
    **dict.fromkeys(("boolean", "bool"), "bool"),
    **dict.fromkeys(("real", "double", "float", "float4", "float8"), "float"),
    **dict.fromkeys(("numeric", "decimal"), "decimal"),
    **dict.fromkeys(("timestamp", "timestamptz", "datetime"), "datetime"),
    "date": "date",
    **dict.fromkeys(("time", "timetz"), "time"),
    "interval": "interval",
    "uuid": "uuid",
    **dict.fromkeys(("json", "jsonb"), "json"),
    **dict.fromkeys(("blob", "bytea"), "bytes"),
}  # fmt: skip
_FIRST_WORD = re.compile(r"[a-z0-9_]+")


def type_family(declared: str) -> str:
    """The family of a database column type; "unknown" when typedb does not know it.

    >>> type_family("NUMERIC(10,2)"), type_family("DECIMAL TEXT"), type_family("int8")
    ('decimal', 'decimal', 'int')
    >>> type_family("character varying"), type_family("timestamp without time zone")
    ('str', 'datetime')
    """
    match = _FIRST_WORD.match(declared.strip().lower())
    return _DB_FAMILIES.get(match.group(0), "unknown") if match else "unknown"


def live_schema(db: Database) -> dict[str, dict[str, LiveColumn]]:
    """Every table of the database (PostgreSQL: of its current schema) with its columns."""
    if db.dialect.name == "sqlite":
        return _sqlite(db)
    return _postgres(db)


def _sqlite(db: Database) -> dict[str, dict[str, LiveColumn]]:
    tables: dict[str, dict[str, LiveColumn]] = {}
    names = db.raw(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%%' "
        "ORDER BY name",
        [],
    )
    for row in names:
        table = str(row["name"])
        columns: dict[str, LiveColumn] = {}
        info = db.raw(
            'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(%s) ORDER BY cid',
            [table],
        )
        pk_count = sum(1 for c in info if c["pk"])
        for c in info:
            declared = str(c["type"] or "")
            # INTEGER PRIMARY KEY aliases the rowid: never NULL, filled when left out.
            rowid = bool(c["pk"]) and pk_count == 1 and declared.upper() == "INTEGER"
            columns[str(c["name"])] = LiveColumn(
                str(c["name"]),
                declared,
                nullable=not (c["notnull"] or c["pk"]),
                has_default=c["dflt_value"] is not None or rowid,
            )
        tables[table] = columns
    return tables


def _postgres(db: Database) -> dict[str, dict[str, LiveColumn]]:
    rows = db.raw(
        "SELECT c.table_name, c.column_name, c.udt_name, c.is_nullable, c.column_default, "
        "c.is_identity, c.is_generated FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
        "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
        "WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position",
        [],
    )
    tables: dict[str, dict[str, LiveColumn]] = {}
    for r in rows:
        tables.setdefault(str(r["table_name"]), {})[str(r["column_name"])] = LiveColumn(
            str(r["column_name"]),
            str(r["udt_name"]),
            nullable=r["is_nullable"] == "YES",
            has_default=r["column_default"] is not None
            or r["is_identity"] == "YES"
            or r["is_generated"] == "ALWAYS",
        )
    return tables


def compare(
    registry: Registry, db: Database, migration_table: str = "typedb_migrations"
) -> list[Difference]:
    """Every difference between the registry and the live schema, sorted by table and column
    ([] when they agree), including the live tables no contract declares (typedb's migration
    table aside). See `typedb.schema_diff._check` for what is compared."""
    from typedb.schema_diff._check import check_contracts

    return check_contracts(registry, db, migration_table)
