from __future__ import annotations

import math
import sys
from datetime import UTC, date, datetime, time
from decimal import Decimal

from typedb._errors import DataTypeError
from typedb._sql import Fragment
from typedb.dialects._base import DataType, Dialect, parse_type

# Declared types are chosen for two things: the column affinity SQLite gives them, and the
# first word, which picks the converter (typedb.connection._sqlite) that gives back the Python
# type. "JSON TEXT" has TEXT affinity, so '1.0' stays text instead of becoming REAL 1.
_NAMES = {
    "text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT",
    "boolean": "BOOLEAN", "real": "REAL", "double precision": "DOUBLE PRECISION",
    "date": "DATE", "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ",
    "uuid": "UUID", "json": "JSON TEXT", "jsonb": "JSONB TEXT", "bytea": "BLOB",
}  # fmt: skip

#: SQLite numbers keep 15 significant decimal digits (a REAL is a double; text with more digits
#: is rounded on its way into a NUMERIC column), and 64-bit integers exactly.
EXACT_DIGITS = 15

# -- one canonical text form per temporal type --------------------------------------------------
# SQLite compares these as text, so every writer (bound values, DDL literals, the "now" default,
# SQLite's own CURRENT_TIMESTAMP) must write one form: equal instants are then equal strings,
# and text order is time order. The form is Python's isoformat(): seconds, then a fraction of
# exactly six digits unless it is zero; UTC without an offset.
_D = "[0-9]"
_FRACTION = "." + _D * 6
_TIME_GLOB = f"[0-2]{_D}:[0-5]{_D}:[0-5]{_D}"
_DATE_GLOB = f"{_D * 4}-[0-1]{_D}-[0-3]{_D}"
_HEX = "[0-9a-f]"
_UUID_GLOB = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))


def timestamp_text(value: datetime) -> str:
    """A datetime as typedb stores it on SQLite; aware values as UTC wall time.

    >>> timestamp_text(datetime(2024, 1, 2, 3, 4, 5)), timestamp_text(datetime(2024, 1, 2, 3, 4, 5, 6))
    ('2024-01-02 03:04:05', '2024-01-02 03:04:05.000006')
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ")


def time_text(value: time) -> str:
    """A time as typedb stores it on SQLite. An offset is dropped, as PostgreSQL does when a
    time with zone goes into a `time` column.

    >>> time_text(time(9, 30)), time_text(time(9, 30, 0, 500000))
    ('09:30:00', '09:30:00.500000')
    """
    return value.replace(tzinfo=None).isoformat()


def date_text(value: date) -> str:
    return value.isoformat()


def portable_type(declared: str) -> str | None:
    """The portable type a SQLite declared type was rendered from; None for one typedb did
    not write.

    >>> portable_type("JSON TEXT"), portable_type("NUMERIC(10,2)"), portable_type("money")
    ('json', 'numeric(10,2)', None)
    """
    text = " ".join(declared.lower().split()).replace("decimal text", "numeric")
    text = text.removesuffix(" text")
    try:
        parse_type(text)
    except DataTypeError:
        return None
    return text


def decimal_value(value: Decimal) -> int | float:
    """A Decimal as SQLite stores it in a numeric column: a number, so that it compares and
    aggregates as one. Refuses what SQLite would round.

    >>> decimal_value(Decimal("12.50")), decimal_value(Decimal("1E+3"))
    (12.5, 1000)
    """
    text = str(value)
    if len(text) <= EXACT_DIGITS and "E" not in text and text[-1] in _DIGIT_CHARS:
        # The common case, four times faster than the checks below (a bulk insert runs this
        # per value): plain notation in 15 characters has at most 15 significant digits and
        # is below 10**15, where a double holds every integer exactly.
        number = float(text)
        return int(number) if number.is_integer() else number
    if not value.is_finite():
        if value.is_nan():
            raise ValueError("SQLite cannot store NaN (it would become NULL)")
        return float(value)
    if value == value.to_integral_value() and -(2**63) <= value < 2**63:
        return int(value)
    if len(value.normalize().as_tuple().digits) > EXACT_DIGITS:
        raise ValueError(
            f"Decimal {value} has more than {EXACT_DIGITS} significant digits, "
            "which SQLite would round"
        )
    number = float(value)
    if not _MIN_NORMAL <= abs(number) < math.inf:
        # 1E-400 would become 0.0, 1E+400 Infinity, 1E-320 a subnormal with fewer digits.
        raise ValueError(f"Decimal {value} is beyond the range of SQLite's numbers")
    return number


_DIGIT_CHARS = frozenset("0123456789")

#: The smallest double that keeps all 15 digits; a nonzero Decimal below it would lose some.
_MIN_NORMAL = sys.float_info.min


class SqliteDialect(Dialect):
    name = "sqlite"
    placeholder = "?"
    # SQLite reads a double-quoted name that matches no column as a string literal (its
    # "double-quoted string" misfeature, on in most builds), so `where("nmae", "!=", "x")`
    # would compare two constants and match every row. A backtick-quoted name is always a
    # name: an unknown one is "no such column", as PostgreSQL says "does not exist".
    quote_char = "`"
    # A deferred BEGIN takes a read lock first; when such a transaction then needs to write
    # while another connection writes, SQLite fails at once ("database is locked") instead of
    # waiting out the busy timeout. IMMEDIATE takes the write lock up front, and waits; it is
    # opt-in, since it also makes read-only transactions wait for each other.
    begin_immediate_sql = "BEGIN IMMEDIATE"
    alter_in_place = frozenset({"add_column", "drop_column", "rename_column", "rename_to"})

    def render_type(self, t: DataType) -> str:
        if t.name in ("varchar", "char"):
            return f"{t.name.upper()}({t.size})"
        if t.name == "numeric":
            # Stored as a number (NUMERIC affinity), so it compares and aggregates as one; a
            # wider precision could not be exact there, so it is refused rather than rounded.
            if t.size is None:
                return "NUMERIC"
            if t.size > EXACT_DIGITS:
                raise DataTypeError(
                    f"numeric({t.size},{t.scale or 0}) cannot be exact on SQLite, whose numbers "
                    f"keep {EXACT_DIGITS} significant digits: use a precision of at most "
                    f"{EXACT_DIGITS}, or text"
                )
            return f"NUMERIC({t.size},{t.scale or 0})"
        return _NAMES[t.name]

    def type_check(self, column: str, data_type: str | Fragment) -> str | None:
        """The CHECK expression that makes a column of `data_type` refuse what PostgreSQL
        refuses (SQLite stores any value in any column). `column` is the quoted name.

        It starts with the quoted column name: for such a column CHECK SQLite's error reads
        "CHECK constraint failed: <column>", even after a rename, which is how the driver
        names the column at fault.

        >>> SqliteDialect().type_check('`code`', "varchar(3)")
        "`code` IS NULL OR typeof(`code`) = 'text' AND length(`code`) <= 3"
        """
        if isinstance(data_type, Fragment):
            return None
        test = _type_test(column, parse_type(data_type))
        return None if test is None else f"{column} IS NULL OR {test}"

    def auto_increment_type(self, data_type: str | Fragment) -> str:
        # Only "INTEGER PRIMARY KEY" aliases the rowid; BIGINT would not auto-increment.
        return "INTEGER"

    def now_sql(self, data_type: str) -> str:
        # UTC like CURRENT_TIMESTAMP, in timestamp_text()'s form: SQLite's clock has
        # milliseconds, written out to six digits, or none when they are zero.
        return "(replace(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000', '.000000', ''))"


def _canonical(c: str, glob: str, fraction_at: int) -> str:
    """`c` is in the one form: whole seconds, or a six-digit fraction that is not zero."""
    with_fraction = f"{c} GLOB '{glob}{_FRACTION}' AND substr({c}, {fraction_at}) <> '.000000'"
    return f"({c} GLOB '{glob}' OR {with_fraction})"


# Comparisons below are between substr() results: a column of NUMERIC affinity (DATE, TIME...)
# would turn a text literal such as '24' into a number before comparing.
_INT_RANGES = {"smallint": 2**15, "integer": 2**31}


def _type_test(c: str, t: DataType) -> str | None:
    name = t.name
    # Text types take text only: SQLite would keep bytes as a BLOB and give back `bytes` from
    # a str column (PostgreSQL turns them into the text '\x616263'); typedb refuses them.
    if name == "text":
        return f"typeof({c}) = 'text'"
    if name == "varchar":
        return f"typeof({c}) = 'text' AND length({c}) <= {t.size}"
    if name == "char":
        # PostgreSQL pads a shorter value with spaces; SQLite cannot, so it takes exactly n.
        return f"typeof({c}) = 'text' AND length({c}) = {t.size}"
    if name == "boolean":
        return f"{c} IN (0, 1)"
    if name in ("smallint", "integer", "bigint"):
        limit = _INT_RANGES.get(name)
        test = f"typeof({c}) = 'integer'"
        return test if limit is None else f"{test} AND {c} BETWEEN {-limit} AND {limit - 1}"
    if name in ("real", "double precision"):
        return f"typeof({c}) = 'real'"
    if name == "numeric":
        test = f"typeof({c}) IN ('integer', 'real')"
        if t.size is None:
            return test
        scale = t.scale or 0
        return f"{test} AND abs({c}) < 1e{t.size - scale} AND {_within_scale(c, scale)}"
    if name == "date":
        # date(x, '+0 days') normalizes 2024-02-30 to 2024-03-01, so only real dates match.
        return f"{c} GLOB '{_DATE_GLOB}' AND date({c}, '+0 days') IS {c} AND {c} NOT GLOB '0000*'"
    if name == "time":
        return f"{_canonical(c, _TIME_GLOB, 9)} AND substr({c}, 1, 2) < '24'"
    if name in ("timestamp", "timestamptz"):
        # The date part alone: date() of the whole text keeps milliseconds, so it would read
        # 23:59:59.9995 and later as the next day and refuse a valid timestamp.
        day = f"substr({c}, 1, 10)"
        return (
            f"{_canonical(c, f'{_DATE_GLOB} {_TIME_GLOB}', 20)} AND "
            f"date({day}, '+0 days') IS {day} AND substr({c}, 12, 2) < '24' AND "
            f"substr({c}, 1, 4) <> '0000'"
        )
    if name == "uuid":
        return f"typeof({c}) = 'text' AND {c} GLOB '{_UUID_GLOB}'"
    if name in ("json", "jsonb"):
        return f"typeof({c}) = 'text' AND json_valid({c})"
    if name == "bytea":
        return f"typeof({c}) = 'blob'"
    return None  # a type typedb does not check


def _within_scale(c: str, scale: int) -> str:
    """`c` has at most `scale` decimals, tested exactly on its text.

    A REAL is the double nearest the decimal it was stored from, which had at most 15
    significant digits (decimal_value refuses more; a precision above 15 is refused), so its
    15-digit text is exactly that decimal. From 1e-4 up, `printf('%.15g')` writes it plainly
    without trailing zeros ('496708.487169'): at most `scale` digits may follow the point.
    Below 1e-4 it switches to an exponent, so there `printf('%.14e')` -- mantissa
    d.dddddddddddddd, exponent E -- is read: its last nonzero mantissa digit, at index i, is
    worth 10**(E - i), and at most `scale` decimals means i <= E + scale (two printf calls,
    so only for those). `round(c, scale) = c` was not exact: SQLite's round() goes through
    its text-to-double conversion, which can miss the nearest double by one unit
    (496708.487169 in a numeric(12,6) was refused).
    """
    plain = f"printf('%.15g', {c}) NOT GLOB '*.{'?' * (scale + 1)}*'"
    e = f"printf('%.14e', abs({c}))"  # the mantissa is its first 16 characters, E after 'e'
    digits = f"length(rtrim(replace(substr({e}, 1, 16), '.', ''), '0'))"
    tiny = f"{digits} <= {scale + 1} + CAST(substr({e}, 18) AS INTEGER)"
    return (
        f"(typeof({c}) = 'integer' OR abs({c}) >= 1e-4 AND {plain} OR abs({c}) < 1e-4 AND {tiny})"
    )
