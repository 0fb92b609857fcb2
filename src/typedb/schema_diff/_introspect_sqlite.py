"""A SQLite database read into the schema model: `PRAGMA table_info / foreign_key_list /
index_list / index_info`, and the stored CREATE TABLE text (parsed by the rebuild parser) for
constraint names and CHECKs. The CHECKs typedb adds to make SQLite refuse values of the wrong
type (see `SqliteDialect.type_check`) are part of the type, not constraints of the schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, LiteralString

from typedb.schema._rebuild import implicit_name
from typedb.schema._sqlite_ddl import parse_create_table, rowid_type
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
    fk_action,
)
from typedb.schema_diff._normalize import default_from_sql, portable_type, sql_key

if TYPE_CHECKING:
    from typedb.connection import Database


def sqlite_schema(db: Database) -> Schema:
    rows = db.raw(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )
    return Schema(tuple(_table(db, str(r["name"]), str(r["sql"] or "")) for r in rows))


# Table-valued pragma functions take the name as a bound value: no quoting needed.
_PRAGMAS: dict[str, LiteralString] = {
    "table_info": "SELECT * FROM pragma_table_info(%s)",
    "index_list": "SELECT * FROM pragma_index_list(%s)",
    "index_info": "SELECT * FROM pragma_index_info(%s)",
    "foreign_key_list": "SELECT * FROM pragma_foreign_key_list(%s)",
}


def _pragma(db: Database, pragma: str, arg: str) -> list[dict[str, Any]]:
    return db.raw(_PRAGMAS[pragma], [arg])


def _table(db: Database, name: str, sql: str) -> TableSchema:
    info = _pragma(db, "table_info", name)
    definition = parse_create_table(sql) if sql else None
    pk = [str(c["name"]) for c in sorted((c for c in info if c["pk"]), key=lambda c: int(c["pk"]))]
    columns: list[ColumnSchema] = []
    types: dict[str, str] = {}
    for c in info:
        declared = str(c["type"] or "")
        portable = portable_type(declared, "sqlite") if declared else "blob"
        types[str(c["name"])] = portable
        # INTEGER PRIMARY KEY written on the column is SQLite's auto-increment idiom (what
        # add_id_column() writes, with AUTOINCREMENT); a table-level PRIMARY KEY (a) over an
        # INTEGER column also aliases the rowid, but says a key, not an id the database makes.
        rowid = (
            pk == [str(c["name"])]
            and declared.upper() == "INTEGER"
            and _inline_primary_key(definition, str(c["name"]))
        )
        if rowid and definition is not None:
            # A bigint auto-increment key is INTEGER too (only that is the rowid): its
            # type CHECK says what it was declared.
            found = definition.column(str(c["name"]))
            if found is not None:
                portable = types[str(c["name"])] = rowid_type(found)
        nullable = not (c["notnull"] or c["pk"])
        default = None if rowid else default_from_sql(_str(c["dflt_value"]), portable)
        columns.append(ColumnSchema(str(c["name"]), portable, nullable, default, rowid))
    named = _constraint_names(definition)
    primary = None
    if pk:
        primary = PrimaryKey(named.get(("PRIMARY KEY", tuple(pk)), f"{name}_pkey"), tuple(pk))
    return TableSchema(
        name,
        tuple(columns),
        primary,
        _uniques(db, name, named),
        _foreign_keys(db, name, named, pk_of=lambda parent: _primary_key(db, parent)),
        _indexes(db, name),
        _checks(db, name, definition, types),
    )


def _inline_primary_key(definition: Any, column: str) -> bool:
    found = definition.column(column) if definition is not None else None
    return found is not None and found.has("PRIMARY KEY")


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _constraint_names(definition: Any) -> dict[tuple[str, tuple[str, ...]], str]:
    """(kind, columns) -> the name the CREATE TABLE gave it (CONSTRAINT name ...)."""
    names: dict[tuple[str, tuple[str, ...]], str] = {}
    if definition is None:
        return names
    for column in definition.columns:
        for clause in column.clauses:
            if clause.name is not None:
                kind = "FOREIGN KEY" if clause.kind == "REFERENCES" else clause.kind
                names[(kind, (column.name,))] = clause.name
    for constraint in definition.constraints:
        if constraint.name is not None:
            names[(constraint.kind, tuple(constraint.columns))] = constraint.name
    return names


def _primary_key(db: Database, table: str) -> tuple[str, ...]:
    info = _pragma(db, "table_info", table)
    return tuple(
        str(c["name"]) for c in sorted((c for c in info if c["pk"]), key=lambda c: int(c["pk"]))
    )


def _index_columns(db: Database, index: str) -> tuple[str, ...]:
    cols = sorted(_pragma(db, "index_info", index), key=lambda c: int(c["seqno"]))
    return tuple(str(c["name"]) for c in cols)


def _uniques(
    db: Database, table: str, named: dict[tuple[str, tuple[str, ...]], str]
) -> tuple[Unique, ...]:
    found: list[Unique] = []
    for index in _pragma(db, "index_list", table):
        if index["origin"] != "u":
            continue
        columns = _index_columns(db, str(index["name"]))
        name = named.get(("UNIQUE", columns), implicit_name("UNIQUE", table, columns))
        found.append(Unique(name, columns))
    return tuple(sorted(found, key=lambda u: u.columns))


def _foreign_keys(
    db: Database,
    table: str,
    named: dict[tuple[str, tuple[str, ...]], str],
    pk_of: Callable[[str], tuple[str, ...]],
) -> tuple[ForeignKey, ...]:
    by_id: dict[int, list[dict[str, Any]]] = {}
    for row in _pragma(db, "foreign_key_list", table):
        by_id.setdefault(int(row["id"]), []).append(row)
    found: list[ForeignKey] = []
    for refs in by_id.values():
        refs.sort(key=lambda r: int(r["seq"]))
        columns = tuple(str(r["from"]) for r in refs)
        parent = str(refs[0]["table"])
        targets = tuple(str(r["to"]) for r in refs if r["to"] is not None)
        if len(targets) != len(columns):
            targets = tuple(pk_of(parent))
        name = named.get(("FOREIGN KEY", columns), implicit_name("FOREIGN KEY", table, columns))
        found.append(
            ForeignKey(
                name,
                columns,
                parent,
                targets,
                _action(refs[0]["on_delete"]),
                _action(refs[0]["on_update"]),
            )
        )
    return tuple(sorted(found, key=lambda f: f.columns))


def _action(text: object) -> FkAction:
    return fk_action(text)


_WHERE = re.compile(r"\bWHERE\b(.*)$", re.I | re.S)


def _indexes(db: Database, table: str) -> tuple[IndexSchema, ...]:
    found: list[IndexSchema] = []
    for index in _pragma(db, "index_list", table):
        if index["origin"] != "c":
            continue
        name = str(index["name"])
        if _on_an_expression(db, name):
            continue
        where = None
        if index["partial"]:
            sql = db.raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
            match = _WHERE.search(str(sql[0]["sql"])) if sql else None
            where = match.group(1).strip() if match else None
        found.append(IndexSchema(name, _index_columns(db, name), bool(index["unique"]), where))
    return tuple(sorted(found, key=lambda i: i.name))


def _on_an_expression(db: Database, index: str) -> bool:
    """An index on an expression (`lower(email)`): SQLite gives its key no column name. Such
    an index is not modelled (a contract's Index names columns), so it is left alone rather
    than written into a contract as a column "None" or dropped by a generated migration."""
    return any(c["name"] is None for c in _pragma(db, "index_info", index))


def _checks(db: Database, table: str, definition: Any, types: dict[str, str]) -> tuple[Check, ...]:
    if definition is None:
        return ()
    found: list[Check] = []
    for column in definition.columns:
        portable = types.get(column.name, "")
        own = (
            db.dialect.type_check(db.dialect.quote(column.name), portable)
            if _known(portable)
            else None
        )
        for clause in column.clauses:
            if clause.kind != "CHECK":
                continue
            expression = _inside(clause.text)
            if own is not None and sql_key(expression) == sql_key(own):
                continue  # typedb's type check
            taken = {c.name for c in found}
            base = clause.name or implicit_name("CHECK", table, (column.name,))
            name = base
            n = 0
            while name in taken:
                n += 1
                name = f"{base}{n}"
            found.append(Check(name, expression))
    for i, constraint in enumerate(c for c in definition.constraints if c.kind == "CHECK"):
        found.append(Check(constraint.name or f"{table}_check{i or ''}", _inside(constraint.text)))
    return tuple(found)


def _known(portable: str) -> bool:
    from typedb._errors import DataTypeError
    from typedb.dialects._base import parse_type

    try:
        parse_type(portable)
    except DataTypeError:
        return False
    return True


def _inside(check: str) -> str:
    """`CHECK (expr)` -> `expr`."""
    text = check.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:].strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text
