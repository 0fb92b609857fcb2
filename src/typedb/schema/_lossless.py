"""A column's type changes only if every value survives it unchanged, on every backend.

PostgreSQL's `ALTER COLUMN ... TYPE varchar(5) USING col::varchar(5)` cuts longer strings,
`numeric(10,2)` rounds away a third decimal, `date` drops the time of day, `integer` rounds
a float. So before the change, typedb looks for a non-null value the conversion would alter
and refuses, naming the table, the column, how many values and one of them.

On PostgreSQL the test is a round trip: the value converted to the new type and back must
equal the original (compared in the old type; a string converted to a number or a date is
compared as a number or a timestamp, so '007' -> 7 is fine but '1.005' -> numeric(5,2) is
not). On SQLite a rebuild copies the stored values as they are, so each one must already be a
value of the new type (what PostgreSQL would keep); the test is done in Python.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from uuid import UUID

from typedb._errors import DataTypeError, QueryError
from typedb._sql import Fragment
from typedb.dialects._base import DataType, parse_type

if TYPE_CHECKING:
    from typedb.connection import Database

_INTEGER_RANGE = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
_NUMBERS = ("SMALLINT", "INTEGER", "BIGINT", "NUMERIC", "DECIMAL", "REAL", "DOUBLE PRECISION")
_TEXTS = ("TEXT", "VARCHAR", "CHAR", "CHARACTER")


def refuse_loss(table: str, column: str, new_type: str, count: int, sample: Any) -> QueryError:
    shown = repr(sample) if len(repr(sample)) <= 60 else repr(sample)[:57] + "..."
    return QueryError(
        f"cannot change column {table}.{column} to {new_type}: {count} value(s) would not "
        f"survive the conversion unchanged, e.g. {shown}. Change those values first "
        "(or add a new column and convert them explicitly)"
    )


# -- PostgreSQL ----------------------------------------------------------------------------


def check_postgres(db: Database, table: str, column: str, new_type: str | Fragment) -> None:
    q = db.dialect.quote
    rows = db._run(
        "SELECT format_type(a.atttypid, a.atttypmod) AS old FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND a.attnum > 0 "
        "AND NOT a.attisdropped",
        [q(table), column],
    )[0]
    if not rows:
        return  # PostgreSQL's own ALTER names the missing table or column
    old = str(rows[0]["old"])
    shown = new_type.text if isinstance(new_type, Fragment) else new_type
    try:
        new = db.dialect.type_sql(new_type)
    except DataTypeError as exc:
        raise DataTypeError(f"column {table}.{column}: {exc}") from None
    lossy = _pg_lossy(q(column), old, new)
    if lossy is None:
        return
    sql = (
        f"SELECT {q(column)}::text AS sample, count(*) OVER () AS n FROM {q(table)} "
        f"WHERE {q(column)} IS NOT NULL AND {lossy} LIMIT 1"
    )
    try:
        with db.transaction() as check:  # a savepoint: a failed check leaves no aborted block
            found = check._run(sql)[0]
    except QueryError as exc:
        if "equality operator" in str(exc) or "operator does not exist" in str(exc):
            return  # a type without "=" (xml, point...): nothing to compare with
        raise QueryError(f"cannot change column {table}.{column} to {new}: {exc}", exc.sql) from exc
    if found:
        raise refuse_loss(table, column, shown, int(found[0]["n"]), found[0]["sample"])


def _pg_lossy(col: str, old: str, new: str) -> str | None:
    """A predicate true for a value of type `old` that converting to `new` would change."""
    old_upper, new_upper = old.upper(), new.upper()
    old_text = old_upper.startswith(_TEXTS)
    if old_upper == new_upper:
        return None
    if old_text and not new_upper.startswith(_TEXTS):
        # Parsing text: compare as the widest type of the new kind.
        ref = "numeric" if new_upper.startswith(_NUMBERS) else None
        ref = "timestamp" if new_upper == "DATE" else ref
        if ref is None:
            return None  # uuid, boolean, json...: a string parses or the change fails
        return f"({col}::{new})::{ref} IS DISTINCT FROM {col}::{ref}"
    if new_upper == "REAL" and old_upper.startswith(_NUMBERS) and old_upper != "REAL":
        # float4 keeps ~7 digits: compare the number it shows with the one stored.
        return f"({col}::{new})::text::numeric IS DISTINCT FROM {col}::numeric"
    if old_upper in ("JSON", "JSONB"):
        return f"({col}::{new})::jsonb IS DISTINCT FROM {col}::jsonb"
    return f"({col}::{new})::{old} IS DISTINCT FROM {col}"


# -- SQLite --------------------------------------------------------------------------------


def check_sqlite(db: Database, table: str, column: str, new_type: str | Fragment) -> None:
    try:
        target = parse_type(new_type.text if isinstance(new_type, Fragment) else new_type)
    except DataTypeError as exc:
        if isinstance(new_type, Fragment):
            return  # a type typedb does not know: SQLite keeps every value as it is
        raise DataTypeError(f"column {table}.{column}: {exc}") from None
    q = db.dialect.quote
    rows = db._run(
        f"SELECT +{q(column)} AS v, CAST({q(column)} AS TEXT) AS s, typeof({q(column)}) AS t "
        f"FROM {q(table)} WHERE {q(column)} IS NOT NULL"
    )[0]
    bad = [r["v"] for r in rows if not _survives(r["v"], str(r["s"]), str(r["t"]), target)]
    if bad:
        shown = new_type.text if isinstance(new_type, Fragment) else new_type
        raise refuse_loss(table, column, shown, len(bad), bad[0])


def _survives(value: Any, text: str, storage: str, t: DataType) -> bool:
    """Whether a stored SQLite value is, unchanged, a value of type `t`."""
    name = t.name
    if name == "text":
        return storage != "blob"
    if name in ("varchar", "char"):
        return storage != "blob" and t.size is not None and len(text) <= t.size
    if name == "bytea":
        return storage == "blob"
    if storage == "blob":
        return False
    if name in _INTEGER_RANGE:
        number = _decimal(text)
        limit = _INTEGER_RANGE[name]
        return (
            number is not None
            and number == number.to_integral_value()
            and (-limit <= number < limit)
        )
    if name == "numeric":
        number = _decimal(text)
        if number is None or not number.is_finite():
            return False
        if t.scale is not None and number != number.quantize(Decimal(1).scaleb(-t.scale)):
            return False
        return t.size is None or abs(number) < Decimal(10) ** (t.size - (t.scale or 0))
    if name in ("real", "double precision"):
        return _float_survives(value, text, single=name == "real")
    if name == "boolean":
        return storage == "integer" and value in (0, 1)
    return _parses(text, name)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def _float_survives(value: Any, text: str, single: bool) -> bool:
    exact = _decimal(text) if not isinstance(value, int) else Decimal(value)
    if exact is None or not exact.is_finite():
        return False
    number = float(exact)
    if single:
        try:
            number = struct.unpack("f", struct.pack("f", number))[0]
        except OverflowError:
            return False
        return Decimal(_shortest_single(number)) == exact
    return Decimal(repr(number)) == exact or Decimal(number) == exact


def _shortest_single(number: float) -> str:
    """The shortest decimal that reads back as this float4, as PostgreSQL prints it."""
    for digits in range(1, 10):
        text = f"{number:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == number:
            return text
    return repr(number)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(text: str) -> date | None:
    """A date, or a timestamp at midnight without offset (the rebuild keeps its date part)."""
    if _DATE.match(text):
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None and moment.time() == time() and text[10] in " T":
        return moment.date()
    return None


def _parses(text: str, name: str) -> bool:
    parse: dict[str, Any] = {
        "date": _date,
        "time": time.fromisoformat,
        "timestamp": datetime.fromisoformat,
        "timestamptz": datetime.fromisoformat,
        "uuid": UUID,
        "json": json.loads,
        "jsonb": json.loads,
    }
    try:
        return bool(parse[name](text)) or name in ("json", "jsonb")
    except (ValueError, TypeError, KeyError, IndexError):
        return False
