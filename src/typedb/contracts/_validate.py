"""Metadata that contradicts its contract is refused when the registry is read, with the
file, table and column in the message: `Annotated[int, Column(type="text")]`, a default of
another type, a foreign key to a table or column no contract declares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from typedb._errors import ContractError, DataTypeError
from typedb._sql import Fragment
from typedb.contracts._metadata import Column, Table
from typedb.contracts._types import ColumnType
from typedb.dialects._base import parse_type

if TYPE_CHECKING:
    from typedb.contracts._registry import ContractColumn, ContractTable

_FK_ACTIONS = ("no action", "restrict", "cascade", "set null", "set default")

#: The family of values each portable type holds (as typedb.contracts._types names them).
_TYPE_FAMILIES = {
    "integer": "int", "bigint": "int", "smallint": "int", "text": "str", "varchar": "str",
    "char": "str", "boolean": "bool", "real": "float", "double precision": "float",
    "numeric": "decimal", "date": "date", "time": "time", "timestamp": "datetime",
    "timestamptz": "datetime", "uuid": "uuid", "json": "json", "jsonb": "json", "bytea": "bytes",
}  # fmt: skip


def check_column_meta(ctype: ColumnType, meta: Column, where: str) -> None:
    """Refuse a Column(...) that contradicts the annotation it is on."""
    if meta.type is not None:
        try:
            family = _TYPE_FAMILIES[parse_type(meta.type).name]
        except DataTypeError as exc:
            raise ContractError(f"{where}: Column(type={meta.type!r}): {exc}") from None
        if ctype.family != "any" and family != ctype.family:
            raise ContractError(
                f"{where}: Column(type={meta.type!r}) holds {family} values but the column is "
                f"annotated {ctype.full_text}"
            )
    for flag in ("unique", "index"):
        if not isinstance(getattr(meta, flag), bool):
            raise ContractError(f"{where}: Column({flag}=...) must be True or False")
    if meta.has_default:
        _check_value(ctype, meta.default, f"{where}: Column(default={meta.default!r})")
    if meta.has_backfill:
        _check_value(ctype, meta.backfill, f"{where}: Column(backfill={meta.backfill!r})")
    if meta.references is not None:
        table, dot, column = str(meta.references).rpartition(".")
        if not dot or not table or not column:
            raise ContractError(
                f"{where}: Column(references={meta.references!r}) must be 'table.column'"
            )
    for name in ("on_delete", "on_update"):
        action = getattr(meta, name)
        if action is None:
            continue
        if meta.references is None:
            raise ContractError(f"{where}: Column({name}=...) needs references='table.column'")
        if " ".join(str(action).lower().split()) not in _FK_ACTIONS:
            raise ContractError(
                f"{where}: Column({name}={action!r}): expected one of {', '.join(_FK_ACTIONS)}"
            )
    if meta.check is not None and (not isinstance(meta.check, str) or not meta.check.strip()):
        raise ContractError(f"{where}: Column(check=...) must be a SQL expression")


def _check_value(ctype: ColumnType, value: Any, where: str) -> None:
    if isinstance(value, Fragment):
        return  # typedb.sql("..."): the database judges it
    if value is None:
        if not ctype.nullable:
            raise ContractError(f"{where}: None, but the column is not `| None`")
        return
    if ctype.choices:
        if value not in ctype.choices or type(value) is not type(
            next(c for c in ctype.choices if c == value)
        ):
            raise ContractError(f"{where} is not one of {ctype.text}")
        return
    if not _fits(ctype.family, value):
        raise ContractError(f"{where} is a {type(value).__name__}, not a {ctype.text}")


def _fits(family: str, value: Any) -> bool:
    if family in ("any", "json"):
        return family == "any" or isinstance(value, dict | list | str | int | float | bool)
    if isinstance(value, bool):
        return family == "bool"
    kinds: dict[str, tuple[type, ...]] = {
        "int": (int,),
        "str": (str,),
        "bool": (bool,),
        "float": (int, float),
        "decimal": (int, Decimal),
        "datetime": (datetime,),
        "time": (time,),
        "uuid": (UUID,),
        "bytes": (bytes,),
    }
    if family == "date":
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, kinds.get(family, (object,)))


def check_table_meta(
    table: str, columns: Sequence[ContractColumn], meta: Table | None, where: str
) -> None:
    """Refuse a Table(...) naming columns the table does not have."""
    if meta is None:
        return
    names = {c.name for c in columns}

    def known(cols: Sequence[str], what: str) -> None:
        if not cols:
            raise ContractError(f"{where}: {what} names no column")
        for c in cols:
            if c not in names:
                raise ContractError(
                    f"{where}, column {c!r}: {what} names a column {table} does not have"
                )

    if meta.primary_key is not None:
        known(meta.primary_key, "Table(primary_key=...)")
    for index in meta.indexes:
        known(index.columns, f"Index({index.name!r})")
    for unique in meta.uniques:
        known(unique, "Table(uniques=...)")
    for check in meta.checks:
        if not isinstance(check, str) or not check.strip():
            raise ContractError(f"{where}: Table(checks=...) must be SQL expressions")


def check_references(tables: Mapping[str, ContractTable], root: Path | None) -> None:
    """Every `Column(references="t.c")` names a declared table and one of its columns."""
    from typedb.contracts._registry import _shown

    for table in tables.values():
        for column in table.columns:
            if column.meta is None or column.meta.references is None:
                continue
            target, _, target_column = column.meta.references.rpartition(".")
            where = f"{_shown(table.source, root)}: table {table.name!r}, column {column.name!r}"
            parent = tables.get(target)
            if parent is None:
                raise ContractError(
                    f"{where}: Column(references={column.meta.references!r}) names table "
                    f"{target!r}, which no contract declares"
                )
            referenced = parent.column(target_column)
            if referenced is None:
                raise ContractError(
                    f"{where}: Column(references={column.meta.references!r}): table {target!r} "
                    f"has no column {target_column!r}"
                )
            if (
                column.type.family != "any"
                and referenced.type.family != "any"
                and column.type.family != referenced.type.family
            ):
                raise ContractError(
                    f"{where}: Column(references={column.meta.references!r}) is "
                    f"{column.type.text} but {target}.{target_column} is {referenced.type.text}"
                )
