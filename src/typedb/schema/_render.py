"""SQL text shared by the DDL builders: literals, column definitions, constraints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.dialects import Dialect

if TYPE_CHECKING:
    from typedb.schema._column import Column


@dataclass(frozen=True, slots=True)
class Now:
    """The current time as a column default, spelled per dialect (UTC everywhere)."""

    data_type: str = "timestamp"

    def __repr__(self) -> str:
        return f"Now({self.data_type!r})"


FK_ACTIONS = ("cascade", "set null", "set default", "restrict", "no action")


def fk_action(action: str, where: str) -> str:
    normalized = " ".join(str(action).lower().split())
    if normalized not in FK_ACTIONS:
        raise CompileError(
            f"{where}: unknown foreign key action {action!r}; expected one of {', '.join(FK_ACTIONS)}"
        )
    return normalized.upper()


def literal(value: Any, dialect: Dialect, where: str) -> str:
    r"""A Python value as a SQL literal, for the places DDL cannot bind parameters (defaults,
    partial index predicates). Strings are quoted by doubling quotes; nothing else is spliced.
    On PostgreSQL a string with a backslash is written as E'...' with the backslash doubled:
    a plain '...' would read it as an escape under `standard_conforming_strings = off` (a
    per-role or per-database setting), and `x'` would end the string there.

    >>> from typedb.dialects import PostgresDialect, SqliteDialect
    >>> literal("it's", SqliteDialect(), "x")
    "'it''s'"
    >>> print(literal("a\\'b", PostgresDialect(), "x"), literal("a\\'b", SqliteDialect(), "x"))
    E'a\\''b' 'a\''b'
    >>> print(literal(b"AB", PostgresDialect(), "x"), literal(b"AB", SqliteDialect(), "x"))
    E'\\x4142' X'4142'
    >>> literal(True, PostgresDialect(), "x"), literal(True, SqliteDialect(), "x")
    ('TRUE', '1')
    """
    if isinstance(value, Fragment):
        return value.text
    if isinstance(value, Now):
        return dialect.now_sql(value.data_type)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        if dialect.name == "sqlite":
            return "1" if value else "0"
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal) and not value.is_finite():
        raise CompileError(f"{where}: {value!r} cannot be written as a SQL literal")
    if dialect.name == "sqlite" and isinstance(value, int | Decimal):
        _refuse_inexact_on_sqlite(value, where)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CompileError(f"{where}: {value!r} cannot be written as a SQL literal")
        return repr(value)
    if isinstance(value, datetime | date | time):
        if dialect.name == "sqlite":  # the one text form SQLite compares (see timestamp_text)
            return _quote_text(_sqlite_temporal_text(value), dialect, where)
        if isinstance(value, datetime) and value.tzinfo is not None:
            # As UTC: a `timestamp` column reads '12:00+05:00' as 12:00, dropping the offset,
            # where a bound value (and SQLite) store the UTC wall time, 07:00.
            value = value.astimezone(UTC)
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        return _quote_text(text, dialect, where)
    if isinstance(value, UUID):
        return _quote_text(str(value), dialect, where)
    if isinstance(value, dict | list):
        return _quote_text(json.dumps(value), dialect, where)
    if isinstance(value, str):
        return _quote_text(value, dialect, where)
    if isinstance(value, bytes):
        if dialect.name == "sqlite":
            return "X'" + value.hex() + "'"
        return _quote_text("\\x" + value.hex(), dialect, where)
    raise CompileError(
        f"{where}: cannot use a {type(value).__name__} as a SQL literal; "
        "use typedb.sql('...') for an expression"
    )


def _refuse_inexact_on_sqlite(value: int | Decimal, where: str) -> None:
    from typedb.dialects._sqlite import decimal_value

    try:
        if isinstance(value, Decimal):
            decimal_value(value)
        elif not -(2**63) <= value < 2**63:
            raise ValueError(
                f"{value} is outside SQLite's 64-bit integers and would become a float"
            )
    except ValueError as exc:
        raise CompileError(f"{where}: {exc}") from None


def _sqlite_temporal_text(value: datetime | date | time) -> str:
    from typedb.dialects._sqlite import date_text, time_text, timestamp_text

    if isinstance(value, datetime):
        return timestamp_text(value)
    return time_text(value) if isinstance(value, time) else date_text(value)


def _quote_text(text: str, dialect: Dialect, where: str) -> str:
    if "\x00" in text:
        raise CompileError(f"{where}: a text literal cannot contain a NUL character")
    quoted = "'" + text.replace("'", "''") + "'"
    if dialect.name == "postgresql" and "\\" in text:
        # E'' reads backslashes as escapes whatever standard_conforming_strings says.
        return "E" + quoted.replace("\\", "\\\\")
    return quoted


def expression(value: str | Fragment) -> str:
    """A SQL expression written by the developer (CHECK, partial index WHERE)."""
    text = value.text if isinstance(value, Fragment) else value
    if not isinstance(text, str) or not text.strip():
        raise CompileError(f"expected a SQL expression, got {value!r}")
    return text


def column_list(dialect: Dialect, columns: Sequence[str], where: str) -> str:
    if isinstance(columns, str) or not columns:
        raise CompileError(f"{where}: expected a non-empty list of column names, got {columns!r}")
    return ", ".join(dialect.quote(c) for c in columns)


def column_definition(col: Column, dialect: Dialect, table: str) -> str:
    """`"name" TYPE constraints...` for CREATE TABLE and ADD COLUMN."""
    where = f"column {table}.{col.name}"
    parts = [dialect.quote(col.name)]
    if col.auto_increment:
        if dialect.name == "sqlite":
            if not col.primary_key:
                raise CompileError(
                    f"{where}: SQLite can only auto-increment an INTEGER PRIMARY KEY; "
                    "add primary_key() to the column"
                )
            parts.append("INTEGER PRIMARY KEY AUTOINCREMENT")
            # Only INTEGER auto-increments: a bigint key says what it is by its type's
            # CHECK (typedb reads it back, see _sqlite_ddl.rowid_type).
            rowid = rowid_declared(col.data_type)
            if rowid is not None:
                parts.extend(type_check_clauses(col.name, rowid, dialect))
        else:
            parts.append(dialect.type_sql(_check_type(col, where)))
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
            if col.primary_key:
                parts.append("PRIMARY KEY")
    else:
        parts.append(dialect.type_sql(_check_type(col, where)))
        if col.primary_key:
            parts.append("PRIMARY KEY")
    if not col.auto_increment:
        parts.extend(type_check_clauses(col.name, col.data_type, dialect))
    if col.not_null and not col.primary_key:
        parts.append("NOT NULL")
    elif col.primary_key and not col.auto_increment and dialect.name == "sqlite":
        # SQLite lets NULL into a primary key (other than INTEGER PRIMARY KEY, which makes
        # one up), and then as many NULL "keys" as you like; PostgreSQL refuses them.
        parts.append("NOT NULL")
    if col.unique:
        parts.append("UNIQUE")
    if col.has_default:
        parts.append("DEFAULT " + default_sql(col.default, dialect, where))
    for check in col.checks:
        parts.append(f"CHECK ({expression(check)})")
    if col.references is not None:
        ref_table, ref_column = col.references
        parts.append(f"REFERENCES {dialect.quote(ref_table)} ({dialect.quote(ref_column)})")
        if col.on_delete is not None:
            parts.append("ON DELETE " + fk_action(col.on_delete, where))
        if col.on_update is not None:
            parts.append("ON UPDATE " + fk_action(col.on_update, where))
    elif col.on_delete is not None or col.on_update is not None:
        raise CompileError(f"{where}: on_delete()/on_update() need references('table.column')")
    return " ".join(parts)


def rowid_declared(data_type: str | Fragment) -> str | None:
    """The type of ROWID_TYPES an auto-increment key of `data_type` is (None: integer, or a
    type SQLite's INTEGER key cannot say).

    >>> rowid_declared("BIGINT"), rowid_declared("integer"), rowid_declared("text")
    ('bigint', None, None)
    """
    from typedb._errors import DataTypeError
    from typedb.dialects._base import parse_type
    from typedb.schema._sqlite_ddl import ROWID_TYPES

    if isinstance(data_type, Fragment):
        return None
    try:
        name = parse_type(data_type).name
    except DataTypeError:
        return None
    return name if name in ROWID_TYPES else None


def type_check_clauses(name: str, data_type: str | Fragment, dialect: Dialect) -> list[str]:
    """The CHECK a column of `data_type` gets so that SQLite refuses, as PostgreSQL does,
    values that are not of its type ([] on PostgreSQL). Part of every column definition,
    and what a type change in a SQLite table rebuild swaps.

    >>> from typedb.dialects import SqliteDialect
    >>> type_check_clauses("ok", "boolean", SqliteDialect())
    ['CHECK (`ok` IS NULL OR `ok` IN (0, 1))']
    """
    check = dialect.type_check(dialect.quote(name), data_type)
    return [] if check is None else [f"CHECK ({check})"]


def default_sql(value: Any, dialect: Dialect, where: str) -> str:
    text = literal(value, dialect, f"{where} default")
    # SQLite accepts an expression default only in parentheses; a bare literal needs none.
    if isinstance(value, Fragment) and dialect.name == "sqlite" and not _is_simple(text):
        return f"({text})"
    return text


def _is_simple(text: str) -> bool:
    upper = text.strip().upper()
    return upper in ("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "NULL") or (
        upper.startswith("(") and upper.endswith(")")
    )


def _check_type(col: Column, where: str) -> str | Fragment:
    from typedb._errors import DataTypeError
    from typedb.dialects._base import parse_type

    if isinstance(col.data_type, Fragment):
        return col.data_type
    try:
        parse_type(col.data_type)
    except DataTypeError as exc:
        raise DataTypeError(f"{where}: {exc}") from None
    return col.data_type


def foreign_key(
    dialect: Dialect,
    columns: Sequence[str],
    ref_table: str,
    ref_columns: Sequence[str],
    on_delete: str | None,
    on_update: str | None,
    where: str,
) -> str:
    if len(columns) != len(ref_columns):
        raise CompileError(
            f"{where}: {len(columns)} column(s) cannot reference {len(ref_columns)} column(s)"
        )
    text = (
        f"FOREIGN KEY ({column_list(dialect, columns, where)}) REFERENCES "
        f"{dialect.quote(ref_table)} ({column_list(dialect, ref_columns, where)})"
    )
    if on_delete is not None:
        text += " ON DELETE " + fk_action(on_delete, where)
    if on_update is not None:
        text += " ON UPDATE " + fk_action(on_update, where)
    return text
