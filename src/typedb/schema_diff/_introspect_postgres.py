"""A PostgreSQL schema (the connection's `current_schema()`) read into the schema model from
pg_catalog: columns with format_type() and their defaults, constraints (primary, unique,
foreign with their actions, check) and the indexes that back no constraint
(but those on an expression, which a contract cannot declare: they are left alone)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typedb.schema_diff._model import (
    Check,
    ColumnSchema,
    FkAction,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    Schema,
    TableSchema,
    Unique,
)
from typedb.schema_diff._normalize import default_from_sql, portable_type

if TYPE_CHECKING:
    from typedb.connection import Database

_COLUMNS = """
SELECT c.relname AS tbl, a.attnum AS num, a.attname AS col,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
       pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS ident
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""

_CONSTRAINTS = """
SELECT con.conname AS name, rel.relname AS tbl, con.contype AS kind,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.pos) AS cols,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.pos) AS ref_cols,
       frel.relname AS ref_table, con.confdeltype AS on_delete, con.confupdtype AS on_update,
       pg_get_constraintdef(con.oid, true) AS def
FROM pg_constraint con
JOIN pg_class rel ON rel.oid = con.conrelid
JOIN pg_namespace n ON n.oid = rel.relnamespace
LEFT JOIN pg_class frel ON frel.oid = con.confrelid
WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY rel.relname, con.conname
"""

_INDEXES = """
SELECT i.relname AS name, t.relname AS tbl, ix.indisunique AS uniq,
       ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k + 1, true)
             FROM generate_series(0, ix.indnkeyatts - 1) k ORDER BY k) AS cols,
       pg_get_expr(ix.indpred, ix.indrelid, true) AS pred
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p')
  AND ix.indexprs IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid
                  AND c.contype IN ('p', 'u', 'x'))
ORDER BY t.relname, i.relname
"""

_ACTIONS: dict[str, FkAction] = {
    "a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default",
}  # fmt: skip


def postgres_schema(db: Database) -> Schema:
    columns: dict[str, list[ColumnSchema]] = {}
    for r in db.raw(_COLUMNS):
        table, name = str(r["tbl"]), str(r["col"])
        portable = portable_type(str(r["type"]), "postgresql")
        dflt = None if r["dflt"] is None else str(r["dflt"])
        auto = r["ident"] in ("a", "d") or (dflt is not None and dflt.startswith("nextval("))
        default = None if auto else default_from_sql(dflt, portable)
        columns.setdefault(table, []).append(
            ColumnSchema(name, portable, not r["notnull"], default, auto)
        )
    primary: dict[str, PrimaryKey] = {}
    uniques: dict[str, list[Unique]] = {}
    fks: dict[str, list[ForeignKey]] = {}
    checks: dict[str, list[Check]] = {}
    for r in db.raw(_CONSTRAINTS):
        table, name, kind = str(r["tbl"]), str(r["name"]), str(r["kind"])
        cols = tuple(str(c) for c in r["cols"])
        if kind == "p":
            primary[table] = PrimaryKey(name, cols)
        elif kind == "u":
            uniques.setdefault(table, []).append(Unique(name, cols))
        elif kind == "f":
            targets = tuple(str(c) for c in r["ref_cols"])
            fks.setdefault(table, []).append(
                ForeignKey(
                    name,
                    cols,
                    str(r["ref_table"]),
                    targets,
                    _ACTIONS.get(str(r["on_delete"]), "no action"),
                    _ACTIONS.get(str(r["on_update"]), "no action"),
                )
            )
        else:
            checks.setdefault(table, []).append(Check(name, _inside(str(r["def"]))))
    indexes: dict[str, list[IndexSchema]] = {}
    for r in db.raw(_INDEXES):
        cols = tuple(_unquote(str(c)) for c in r["cols"])
        pred = None if r["pred"] is None else str(r["pred"])
        indexes.setdefault(str(r["tbl"]), []).append(
            IndexSchema(str(r["name"]), cols, bool(r["uniq"]), pred)
        )
    return Schema(
        tuple(
            TableSchema(
                table,
                tuple(cols),
                primary.get(table),
                tuple(sorted(uniques.get(table, []), key=lambda u: u.columns)),
                tuple(sorted(fks.get(table, []), key=lambda f: f.columns)),
                tuple(indexes.get(table, [])),
                tuple(checks.get(table, [])),
            )
            for table, cols in columns.items()
        )
    )


def _inside(definition: str) -> str:
    """`CHECK ((price > 0::numeric))` -> `(price > 0::numeric)`; compared with sql_key()."""
    text = definition.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:].strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def _unquote(name: str) -> str:
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name
