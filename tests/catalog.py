"""Read what really exists in the database, the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import typedb


@dataclass(frozen=True)
class ColumnInfo:
    type: str
    nullable: bool
    default: str | None


def tables(db: typedb.Database) -> set[str]:
    if db.dialect.name == "sqlite":
        rows = db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {r["name"] for r in rows if not r["name"].startswith("sqlite_")}
    rows = db.raw(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    return {r["table_name"] for r in rows}


def columns(db: typedb.Database, table: str) -> dict[str, ColumnInfo]:
    if db.dialect.name == "sqlite":
        rows = db._run(f"PRAGMA table_info({db.dialect.quote(table)})")[0]
        return {
            r["name"]: ColumnInfo(
                r["type"].lower(), not r["notnull"] and not r["pk"], r["dflt_value"]
            )
            for r in rows
        }
    rows = db.raw(
        "SELECT column_name, data_type, character_maximum_length AS len, numeric_precision AS p, "
        "numeric_scale AS s, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    out = {}
    for r in rows:
        kind = r["data_type"]
        if r["len"] is not None:
            kind += f"({r['len']})"
        elif kind == "numeric" and r["p"] is not None:
            kind += f"({r['p']},{r['s']})"
        out[r["column_name"]] = ColumnInfo(kind, r["is_nullable"] == "YES", r["column_default"])
    return out


def indexes(db: typedb.Database, table: str) -> dict[str, bool]:
    """Explicitly created indexes of `table` -> unique?"""
    if db.dialect.name == "sqlite":
        rows = db._run(f"PRAGMA index_list({db.dialect.quote(table)})")[0]
        return {r["name"]: bool(r["unique"]) for r in rows if r["origin"] == "c"}
    rows = db.raw(
        "SELECT i.relname AS name, x.indisunique AS uniq FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = current_schema() AND t.relname = %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    return {r["name"]: r["uniq"] for r in rows}


def count(db: typedb.Database, table: str) -> int:
    return int(db._run(f"SELECT count(*) AS n FROM {db.dialect.quote(table)}")[0][0]["n"])
