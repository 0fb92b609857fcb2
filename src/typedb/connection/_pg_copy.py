"""Bulk inserts through `COPY ... FROM STDIN` on PostgreSQL, only where COPY stores exactly
what INSERT would.

COPY is about three times faster than multi-row INSERTs for 10,000 rows, but it is not the
same statement with another syntax. INSERT binds each value with its Python type and the
server applies an assignment cast to the column's type; COPY (text format) hands the value's
text to the column's input function. For most pairs the result is the same; where it is not,
COPY would store something else or refuse what INSERT accepts:

- a Decimal or float into an integer column: INSERT rounds, COPY refuses; a float into a
  numeric: INSERT keeps 15 significant digits, COPY all of Python's;
- an int into a boolean or json column, a bool into a text column: INSERT refuses or writes
  'true', COPY accepts or writes 't';
- an aware datetime into a `timestamp` column: INSERT converts it to the session time zone,
  COPY drops the offset (so values are converted here first);
- COPY writes GENERATED ALWAYS identity columns, ignores rules, is refused on views and on
  tables with row-level security.

So one catalog query reads the table's kind and the listed columns' types, and COPY is used
only when every value's Python type is one whose text the column reads as INSERT's cast would
(`_SAME_AS_INSERT`); otherwise `copy_rows` returns None and the caller runs INSERTs.

COPY runs in the text format. A table whose values are all str, int, float, Decimal or None
has its data written here (`text_payload`): the same bytes as psycopg's `write_row`, a row at
a time instead of a value at a time. Any other value goes through `write_row`. (The binary
format, with psycopg's binary dumpers, was used for tables of only text and integers; since
`text_payload` formats rows in C it measured slower for them, 0.3 to 0.9 ms per 10,000 rows
of `text, integer, bigint`, and its dumpers wrap an int past the column's range where the
server's input function refuses it, which needed a range check of its own.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Set
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from psycopg.adapt import PyFormat
from psycopg.rows import TupleRow

from typedb._column_rows import ColumnRows, column_of
from typedb._errors import IntegrityError, QueryError
from typedb.connection._driver import Kinds, unencodable
from typedb.dialects import quote_identifier

# The table's kind and rule / row-security flags, with each live column's type, identity and
# generated markers, read after taking the lock COPY itself takes: without it another
# session's `ALTER TABLE ... TYPE` could commit between this read and the COPY, which would
# then read each value's text with the new type's input function where INSERT's cast might
# refuse it (an `integer` made `boolean`: COPY stores 1 as true). ROW EXCLUSIVE waits for
# an ALTER in progress and holds off a new one until the transaction ends. One
# simple-protocol message (no parameters: the name is quoted as an identifier and as a
# literal here) sends both statements, so the lock costs no round trip. A missing table
# fails the LOCK with "relation ... does not exist", the message INSERT gives.
# to_regclass() resolves the quoted name through search_path as COPY does.
_LOCK_AND_CATALOG = (
    "LOCK TABLE {table} IN ROW EXCLUSIVE MODE; "
    "SELECT c.relkind, c.relhasrules, c.relrowsecurity, a.attname, a.atttypid, "
    "a.attidentity, a.attgenerated FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
    "AND NOT a.attisdropped WHERE c.oid = pg_catalog.to_regclass({literal})"
)

_NONE = type(None)
# str, dict and list (JSON) go as parameters of unknown type on the INSERT path, so the
# column's input function reads their text there too: the same on every column type.
_ANY_COLUMN = frozenset({str, _NONE, dict, list})
_TIMESTAMP = 1114
_TIME = 1083
# Column type OID -> the Python types whose text COPY reads as INSERT's cast would.
_SAME_AS_INSERT: dict[int, frozenset[type]] = {
    21: frozenset({int}),  # smallint
    23: frozenset({int}),  # integer
    20: frozenset({int}),  # bigint
    700: frozenset({int}),  # real (a float would be rounded twice by INSERT)
    701: frozenset({int, float}),  # double precision (Decimal("-0") would become -0.0)
    1700: frozenset({int, Decimal}),  # numeric (INSERT keeps 15 digits of a float, COPY 17)
    16: frozenset({bool}),  # boolean
    _TIMESTAMP: frozenset({datetime, date}),  # timestamp (aware values converted below)
    1184: frozenset({datetime, date}),  # timestamptz
    1082: frozenset({date}),  # date (a datetime would be truncated by INSERT's cast)
    _TIME: frozenset({time}),  # time (naive values only, checked below)
    2950: frozenset({UUID}),  # uuid
    17: frozenset({bytes}),  # bytea
}


def copy_rows(
    cursor: psycopg.Cursor[TupleRow],
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    kinds: Kinds | None = None,
) -> int | None:
    """COPY `rows` (tuples in `columns` order) into `table` and return the row count, or
    return None, having written nothing, when COPY would not store exactly what INSERT does.
    `kinds`: each column's set of the values' Python types, if the caller has them.

    One COPY is one statement: a bad row leaves none of them behind.
    """
    quoted = quote_identifier(table)
    # An E'' literal reads the same whatever standard_conforming_strings says.
    literal = "E'" + quoted.replace("\\", "\\\\").replace("'", "''") + "'"
    catalog_sql = _LOCK_AND_CATALOG.format(table=quoted, literal=literal)
    try:
        # No parameters: psycopg sends it as one simple-protocol query, two results.
        cursor.execute(catalog_sql)  # pyright: ignore[reportCallIssue, reportArgumentType]  # quoted
        cursor.nextset()  # past the LOCK's result
        catalog = cursor.fetchall()
    except psycopg.Error as exc:
        raise QueryError(str(exc).strip(), catalog_sql) from exc
    prepared = _prepare(catalog, columns, rows, kinds, cursor.connection)
    if prepared is None:
        return None
    rows = prepared
    sql = f"COPY {quoted} ({', '.join(map(quote_identifier, columns))}) FROM STDIN"
    conn = cursor.connection
    encoding = conn.info.encoding
    embeds = (conn.info.parameter_status("client_encoding") or "").upper() in _EMBEDS_ASCII
    text = (
        text_payload(rows, kinds or _kinds_of(rows, len(columns)), _text_dumper(conn), encoding)
        if encoding == "utf-8" or embeds
        else None
    )
    if text is None and embeds:
        return None  # write_row would escape the bytes of a character: see _EMBEDS_ASCII
    try:
        with cursor.copy(sql) as copy:  # pyright: ignore[reportArgumentType]  # quoted names
            if text is not None:
                for chunk in text:
                    copy.write(chunk)
            else:
                write = copy.write_row
                for row in rows:
                    write(row)
    except psycopg.Error as exc:
        # The server's message ends with "CONTEXT: COPY <table>, line <n>": the table and the
        # row (1-based within this COPY) at fault.
        cls = IntegrityError if isinstance(exc, psycopg.IntegrityError) else QueryError
        raise cls(str(exc).strip(), sql) from exc
    except UnicodeEncodeError as exc:  # the COPY was cancelled: nothing written
        raise unencodable(exc) from exc
    return cursor.rowcount


def _prepare(
    catalog: list[tuple[Any, ...]],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    kinds: Kinds | None,
    conn: psycopg.Connection[Any],
) -> Sequence[Sequence[Any]] | None:
    """The rows as COPY must send them, or None when COPY cannot stand in for INSERT."""
    if not catalog:
        return None
    kind, has_rules, row_security = catalog[0][:3]
    if kind not in ("r", "p") or has_rules or row_security:
        return None  # a view, foreign table...; rules and row security act on INSERT only
    types: dict[str, int] = {}
    for _, _, _, name, type_oid, identity, generated in catalog:
        if identity != "a" and not generated:  # COPY would write GENERATED ALWAYS columns
            types[name] = type_oid
    aware_columns: list[int] = []
    for j, column in enumerate(columns):
        type_oid = types.get(column)
        if type_oid is None:
            return None  # unknown or generated column: let INSERT say so
        seen = kinds[j] if kinds is not None else set(map(type, column_of(rows, j)))
        if not seen <= _ANY_COLUMN | _SAME_AS_INSERT.get(type_oid, frozenset()):
            return None
        if type_oid == _TIMESTAMP and datetime in seen:
            if any(type(v) is datetime and v.tzinfo is not None for v in column_of(rows, j)):
                aware_columns.append(j)
        elif (
            type_oid == _TIME
            and time in seen
            and any(type(v) is time and v.tzinfo is not None for v in column_of(rows, j))
        ):
            return None  # INSERT's timetz -> time cast and time_in may differ
    if not aware_columns:
        return rows
    # INSERT casts an aware datetime to `timestamp` in the session's time zone; COPY would
    # drop the offset. Convert first, as the cast would, in that zone; decline if Python
    # does not know it (a POSIX spec such as '<+0530>-05:30', where psycopg's
    # `info.timezone` would silently answer UTC).
    try:
        zone = ZoneInfo(conn.info.parameter_status("TimeZone") or "")
    except (ValueError, OSError, ZoneInfoNotFoundError):
        return None
    out: list[Sequence[Any]] = []
    try:
        for row in rows:
            values = list(row)
            for j in aware_columns:
                v = values[j]
                if type(v) is datetime and v.tzinfo is not None:
                    values[j] = v.astimezone(zone).replace(tzinfo=None)
            out.append(values)
    except OverflowError:
        # The instant falls before year 1 or after 9999 in that zone: Python cannot write
        # it, the server's cast can ('0001-12-31 19:03:58 BC'), so INSERT stores it.
        return None
    return out


def _text_dumper(conn: psycopg.Connection[Any]) -> Callable[[Any], str]:
    """psycopg's text for a value, as its text COPY writes it (before escaping)."""
    adapters = conn.adapters

    def dump(value: Any) -> str:
        dumper = adapters.get_dumper(type(value), PyFormat.TEXT)(type(value), conn)
        return bytes(dumper.dump(value) or b"").decode()

    return dump


def _kinds_of(rows: Sequence[Sequence[Any]], width: int) -> list[set[type]]:
    return [set(map(type, column_of(rows, j))) for j in range(width)]


# The Python types whose text `text_payload` writes itself, as psycopg's text dumpers do:
# str as it is, int / float / Decimal as str() gives them (NaN Decimals through psycopg).
_PLAIN = frozenset({str, int, float, Decimal, _NONE})
# What psycopg's text COPY escapes (format_row_text), besides the tab and newline.
_ESCAPED = ("\\", "\r", "\b", "\v", "\f")
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\v": "\\v", "\f": "\\f"}
)
# PostgreSQL's client-only encodings, whose two-byte characters may end in an ASCII byte
# ("ソ" is 0x83 0x5C in SJIS). The server reads COPY data in them character by character;
# psycopg's write_row escapes the encoded bytes, so it doubled the 0x5C of "ソ" and the
# server took the second one as an escape of what followed ("ソn" stored as "ソ" and a
# newline). In them, COPY takes `text_payload`, which escapes characters and then encodes,
# or does not run (INSERT sends values as parameters, never escaped).
_EMBEDS_ASCII = frozenset({"SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "GB18030", "UHC", "JOHAB"})
#: Rows per chunk of COPY data: the server parses one while the next is formatted, and a
#: million rows are never one string.
PAYLOAD_ROWS = 2000


def text_payload(
    rows: Sequence[Sequence[Any]],
    kinds: Sequence[Set[type]],
    dump: Callable[[Any], str],
    encoding: str = "utf-8",
) -> Iterator[bytes] | None:
    r"""COPY's text-format data for `rows`, byte for byte what psycopg's `write_row` sends
    (but for the encodings of `_EMBEDS_ASCII`), in chunks encoded in `encoding` (Python's
    name for the connection's); or None when a column holds a type not written here
    (`write_row` then sends the rows). `dump`: psycopg's text for a value, used for NaN
    Decimals.

    `write_row` converts and escapes value by value (measured 1.3 us a row of text, numeric
    and integer); here a row is one `%` formatting in C, and escapes and NULLs, rare in bulk
    data, are looked for in each chunk's text at once: some value holds a tab, a newline or
    a backslash... exactly when the chunk's text holds more of them than its separators.
    Only such a chunk, or one with NULLs or NaN, takes the value-by-value path.

    >>> rows = [("a\tb", 1, None), ("c", -2, Decimal("1.50"))]
    >>> b"".join(text_payload(rows, [{str}, {int}, {Decimal, type(None)}], str) or [])
    b'a\\tb\t1\t\\N\nc\t-2\t1.50\n'
    """
    if not all(k <= _PLAIN for k in kinds):
        return None
    return _chunks(rows, kinds, dump, encoding)


def _chunks(
    rows: Sequence[Sequence[Any]],
    kinds: Sequence[Set[type]],
    dump: Callable[[Any], str],
    encoding: str,
) -> Iterator[bytes]:
    width = len(kinds)
    decimals = [j for j, k in enumerate(kinds) if Decimal in k]
    nulls = [j for j, k in enumerate(kinds) if _NONE in k]
    texts = [j for j, k in enumerate(kinds) if str in k]
    format_row = ("\t".join(["%s"] * width) + "\n").__mod__
    for start in range(0, len(rows), PAYLOAD_ROWS):
        part = rows[start : start + PAYLOAD_ROWS]
        if type(part) is not ColumnRows and set(map(type, part)) != {tuple}:
            part = list(map(tuple, part))  # `%` takes a tuple's items; a list is one value
        text = "".join(map(format_row, part))
        n = len(part)
        escape = bool(texts) and (
            text.count("\t") != n * (width - 1)
            or text.count("\n") != n
            or any(c in text for c in _ESCAPED)
        )
        # psycopg writes sNaN as NaN; str() does not.
        nan = bool(decimals) and "NaN" in text
        if escape or nan or nulls:
            cells = _cells(
                part, width, texts if escape else (), decimals if nan else (), nulls, dump
            )
            text = "".join(map(format_row, cells))
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            _refuse_unencodable(part, encoding)
            raise  # (a value's text is itself: some value fails above)
        yield data


def _refuse_unencodable(rows: Sequence[Sequence[Any]], encoding: str) -> None:
    """Raise the first value's UnicodeEncodeError (in row order, as write_row and INSERT
    meet them): its position is then within the value, not within the chunk's text."""
    for row in rows:
        for v in row:
            if type(v) is str:
                v.encode(encoding)


def _cells(
    rows: Sequence[Sequence[Any]],
    width: int,
    texts: Sequence[int],
    decimals: Sequence[int],
    nulls: Sequence[int],
    dump: Callable[[Any], str],
) -> Iterator[tuple[Any, ...]]:
    """The rows with text escaped in columns `texts`, NaN Decimals in `decimals` as psycopg
    writes them, and None as COPY's NULL in `nulls`."""
    columns: list[list[Any]] = []
    for j in range(width):
        column = column_of(rows, j)
        if j in texts:
            column = [v.translate(_ESCAPES) if type(v) is str else v for v in column]
        if j in decimals:
            column = [dump(v) if type(v) is Decimal and v.is_nan() else v for v in column]
        if j in nulls:
            column = ["\\N" if v is None else v for v in column]
        columns.append(column)
    return zip(*columns, strict=True)
