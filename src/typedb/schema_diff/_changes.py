"""One small frozen dataclass per kind of schema change, as `diff(old, new)` returns them.

Every change names its `table` (the table's name in `new`, except for DropTable, and the old
name for RenameTable). Column changes carry the whole old and new `ColumnSchema`, so that a
migration writer has everything for both `up` and an exact `down`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from typedb.schema_diff._model import (
    Check,
    ColumnSchema,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    TableSchema,
    Unique,
)


@dataclass(frozen=True, slots=True)
class AddTable:
    table: str
    schema: TableSchema


@dataclass(frozen=True, slots=True)
class DropTable:
    table: str
    schema: TableSchema  # the table as it was, for a `down` that recreates it


@dataclass(frozen=True, slots=True)
class RenameTable:
    table: str  # the old name
    new_name: str


@dataclass(frozen=True, slots=True)
class AddColumn:
    table: str
    column: ColumnSchema


@dataclass(frozen=True, slots=True)
class DropColumn:
    table: str
    column: ColumnSchema  # the column as it was


@dataclass(frozen=True, slots=True)
class RenameColumn:
    table: str
    old_name: str
    new_name: str


@dataclass(frozen=True, slots=True)
class AlterColumnType:
    """`type` or `auto_increment` differ."""

    table: str
    old: ColumnSchema
    new: ColumnSchema


@dataclass(frozen=True, slots=True)
class AlterColumnDefault:
    table: str
    old: ColumnSchema
    new: ColumnSchema


@dataclass(frozen=True, slots=True)
class AlterColumnNullable:
    table: str
    old: ColumnSchema
    new: ColumnSchema


@dataclass(frozen=True, slots=True)
class AlterPrimaryKey:
    """The primary key's columns differ; either side may be None (no primary key)."""

    table: str
    old: PrimaryKey | None
    new: PrimaryKey | None


@dataclass(frozen=True, slots=True)
class AddIndex:
    table: str
    index: IndexSchema


@dataclass(frozen=True, slots=True)
class DropIndex:
    table: str
    index: IndexSchema


@dataclass(frozen=True, slots=True)
class AddUnique:
    table: str
    unique: Unique


@dataclass(frozen=True, slots=True)
class DropUnique:
    table: str
    unique: Unique


@dataclass(frozen=True, slots=True)
class AddForeignKey:
    table: str
    foreign_key: ForeignKey


@dataclass(frozen=True, slots=True)
class DropForeignKey:
    table: str
    foreign_key: ForeignKey


@dataclass(frozen=True, slots=True)
class AddCheck:
    table: str
    check: Check


@dataclass(frozen=True, slots=True)
class DropCheck:
    table: str
    check: Check


Change: TypeAlias = (
    AddTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | AlterColumnType
    | AlterColumnDefault
    | AlterColumnNullable
    | AlterPrimaryKey
    | AddIndex
    | DropIndex
    | AddUnique
    | DropUnique
    | AddForeignKey
    | DropForeignKey
    | AddCheck
    | DropCheck
)


def describe(change: Change) -> str:
    """One line for a person, as `contracts:check` prints it.

    >>> describe(RenameColumn("users", "name", "full_name"))
    'users: rename column name to full_name'
    """
    t = change.table
    match change:
        case AddTable():
            return f"{t}: add table"
        case DropTable():
            return f"{t}: drop table"
        case RenameTable(new_name=new):
            return f"{t}: rename table to {new}"
        case AddColumn(column=c):
            return f"{t}.{c.name}: add column ({_column_text(c)})"
        case DropColumn(column=c):
            return f"{t}.{c.name}: drop column ({_column_text(c)})"
        case RenameColumn(old_name=old, new_name=new):
            return f"{t}: rename column {old} to {new}"
        case AlterColumnType(old=o, new=n):
            return f"{t}.{n.name}: type {_type_text(o)} -> {_type_text(n)}"
        case AlterColumnDefault(old=o, new=n):
            return f"{t}.{n.name}: default {_default_text(o)} -> {_default_text(n)}"
        case AlterColumnNullable(new=n):
            return f"{t}.{n.name}: {'drop NOT NULL' if n.nullable else 'set NOT NULL'}"
        case AlterPrimaryKey(old=o, new=n):
            return f"{t}: primary key {_cols(o)} -> {_cols(n)}"
        case AddIndex(index=i) | DropIndex(index=i):
            verb = "add" if isinstance(change, AddIndex) else "drop"
            kind = "unique index" if i.unique else "index"
            where = f" where {i.where}" if i.where else ""
            return f"{t}: {verb} {kind} {i.name} ({', '.join(i.columns)}){where}"
        case AddUnique(unique=u) | DropUnique(unique=u):
            verb = "add" if isinstance(change, AddUnique) else "drop"
            return f"{t}: {verb} unique {u.name} ({', '.join(u.columns)})"
        case AddForeignKey(foreign_key=f) | DropForeignKey(foreign_key=f):
            verb = "add" if isinstance(change, AddForeignKey) else "drop"
            return (
                f"{t}: {verb} foreign key {f.name} ({', '.join(f.columns)}) -> "
                f"{f.ref_table} ({', '.join(f.ref_columns)}) on delete {f.on_delete}, "
                f"on update {f.on_update}"
            )
        case AddCheck(check=c) | DropCheck(check=c):
            verb = "add" if isinstance(change, AddCheck) else "drop"
            return f"{t}: {verb} check {c.name} ({c.expression})"


def _column_text(c: ColumnSchema) -> str:
    parts = [_type_text(c), "null" if c.nullable else "not null"]
    if c.default is not None:
        parts.append(f"default {_default_text(c)}")
    return ", ".join(parts)


def _type_text(c: ColumnSchema) -> str:
    return f"{c.type} auto increment" if c.auto_increment else c.type


def _default_text(c: ColumnSchema) -> str:
    d = c.default
    if d is None:
        return "none"
    if d.kind == "now":
        return "now"
    if d.kind == "sql":
        return f"sql({d.sql})"
    return repr(d.value)


def _cols(pk: PrimaryKey | None) -> str:
    return "none" if pk is None else f"({', '.join(pk.columns)})"
