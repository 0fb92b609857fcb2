"""SQL functions that make SQLite compute as PostgreSQL does where its own differ: a scalar
subquery's row check, casts that know what they cast, case changes beyond ASCII, ILIKE,
concat, concat_ws and format. Registered on every typedb SQLite connection (see register_pg_functions); the SQL
that calls them is written by typedb.query._expr and _expr_types.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

from typedb.connection._sqlite_errors import function_error
from typedb.connection._sqlite_types import _EXACT, _exact, sql_integer


def sql_one_row(count: int, table: str) -> int:
    """`typedb_one_row(n, table)`: true for the only row of a scalar subquery; raises for a
    subquery of more rows, as PostgreSQL does (see _expr.scalar_subquery_sql)."""
    if count > 1:
        raise function_error(
            ValueError(
                "more than one row returned by a subquery used as an expression (the "
                f"subquery on table {table!r}); PostgreSQL refuses it and SQLite would take "
                "the first row, so typedb refuses it on both"
            )
        )
    return 1


# -- casts as PostgreSQL does them (see _expr_types.cast_template) ---------------------------

_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_NUMERIC_TEXT = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")
_INTEGER_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}


def _invalid(type_name: str, value: Any) -> Exception:
    return function_error(ValueError(f'invalid input syntax for type {type_name}: "{value}"'))


def sql_cast_integer(value: Any, source: str, type_name: str) -> int | None:
    """`typedb_cast_integer(x, source, type)`: CAST(x AS integer) as PostgreSQL does it from
    a `source` kind: text must be an integer ('1.5' is refused), a float rounds half to even
    (rint), a numeric half away from zero; every result is checked against the type's range."""
    if value is None:
        return None
    if source == "text":
        if type(value) is not str or not _INTEGER_TEXT.fullmatch(value):
            raise _invalid(type_name, value)
        number = int(value)
    elif source == "float" and type(value) is not str:
        as_float = float(value)
        if not math.isfinite(as_float):
            raise function_error(ValueError(f"{type_name} out of range"))
        number = round(as_float)
    else:
        rounded = sql_integer(value)
        assert rounded is not None
        number = rounded
    limit = _INTEGER_RANGES.get(type_name, 2**63)
    if not -limit <= number < limit:
        raise function_error(ValueError(f"{type_name} out of range"))
    return number


def sql_text_boolean(value: Any) -> int | None:
    """`typedb_text_boolean(x)`: text as PostgreSQL's boolean reads it ('true', 'yes', 'on',
    '1', their unique prefixes, any case); SQLite's CAST makes 'true' 0."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text and ("true".startswith(text) or "yes".startswith(text) or text in ("on", "1")):
        return 1
    if text and ("false".startswith(text) or "no".startswith(text) or text in ("of", "off", "0")):
        return 0
    raise _invalid("boolean", value)


def sql_text_number(value: Any, type_name: str) -> Any:
    """`typedb_text_number(x, type)`: text to a numeric or a float as PostgreSQL reads it;
    SQLite's CAST makes 'abc' 0. Numbers pass through."""
    if type(value) is not str:
        return value
    if _NUMERIC_TEXT.fullmatch(value):
        number = Decimal(value.strip())
        return decimal_text(number) if type_name == "numeric" else float(number)
    word = value.strip().lower()
    if word in ("nan", "infinity", "+infinity", "-infinity") or (
        type_name != "numeric" and word in ("inf", "+inf", "-inf")
    ):
        return float(word)
    raise _invalid(type_name, value)


def decimal_text(number: Decimal) -> str:
    return format(number, "f")


def sql_numeric_text(value: Any, scale: int) -> str | None:
    """`typedb_numeric_text(x, s)`: a numeric of scale `s` as PostgreSQL writes it ('20.00';
    SQLite stored 20 and writes '20')."""
    if value is None:
        return None
    with localcontext(_EXACT):
        return decimal_text(_exact(value).quantize(Decimal(1).scaleb(-scale)))


def sql_clock_text(value: Any) -> Any:
    """`typedb_clock_text(x)`: a stored timestamp or time as PostgreSQL writes it: no
    trailing zeros in the fraction of a second ('12:30:00.0005'; stored '12:30:00.000500')."""
    if type(value) is not str or "." not in value:
        return value
    whole, _, fraction = value.rpartition(".")
    digits = fraction.rstrip("0")
    return f"{whole}.{digits}" if digits else whole


def sql_float_text(value: Any) -> str | None:
    """`typedb_float_text(x)`: a double as PostgreSQL writes it: the shortest digits that
    read back the same, an exponent below 1e-4 and from 1e15 ('1e+15'; SQLite: '1.0e+15'),
    no '.0' on whole numbers, 'Infinity' and 'NaN'."""
    if value is None:
        return None
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    d = Decimal(repr(x)).normalize()
    exponent = d.adjusted()
    if -4 <= exponent < 15:
        return decimal_text(d)
    sign, digits, _ = d.as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def sql_bool_text(value: Any) -> str | None:
    """`typedb_bool_text(x)`: PostgreSQL writes a boolean as 'true' / 'false' (SQLite '1')."""
    return None if value is None else ("true" if value else "false")


def _each_char(value: str, change: Callable[[str], str]) -> str:
    # PostgreSQL changes case a character at a time (towlower / towupper): 'ß' stays 'ß'
    # where Python's upper() makes 'SS'.
    out = change(value)
    if len(out) == len(value):
        return out
    return "".join(c if len(changed := change(c)) != 1 else changed for c in value)


def sql_lower(value: Any) -> Any:
    """`typedb_lower(x)`: eb.fn.lower as PostgreSQL's lower() in a UTF-8 database; SQLite's
    changes ASCII letters only ('Éva' stayed 'Éva')."""
    if type(value) is not str:
        return value
    if "Σ" in value or "İ" in value:
        # Python's lower() of a whole string writes a capital sigma at a word's end as the
        # final sigma U+03C2 and makes 'İ' two characters; PostgreSQL's towlower() gives the
        # plain small sigma U+03C3 and 'i' ('İ' is the only letter whose Python lower() is
        # longer than one character).
        return "".join("i" if c == "İ" else c.lower() for c in value)
    return _each_char(value, str.lower)


def sql_upper(value: Any) -> Any:
    return _each_char(value, str.upper) if type(value) is str else value


def _like_regex(pattern: str) -> re.Pattern[str]:
    """A LIKE pattern (% _ wildcards, backslash escapes) as a regular expression."""
    out: list[str] = []
    chars = iter(pattern)
    for c in chars:
        if c == "\\":
            out.append(re.escape(next(chars, "")))
        elif c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        else:
            out.append(re.escape(c))
    return re.compile("".join(out), re.DOTALL)


_LIKE_PATTERNS: dict[str, re.Pattern[str]] = {}


def sql_ilike(value: Any, pattern: Any) -> int | None:
    """`typedb_ilike(x, pattern)`: PostgreSQL's ILIKE, which lowers both sides as lower()
    does; SQLite's LIKE ignores the case of ASCII letters only ('Éva' ILIKE 'év%' missed)."""
    if value is None or pattern is None:
        return None
    if type(value) is not str or type(pattern) is not str:
        raise function_error(TypeError(f"ILIKE takes text, got {value!r} ILIKE {pattern!r}"))
    regex = _LIKE_PATTERNS.get(pattern)
    if regex is None:
        if len(_LIKE_PATTERNS) > 256:
            _LIKE_PATTERNS.clear()
        regex = _LIKE_PATTERNS[pattern] = _like_regex(sql_lower(pattern))
    return 1 if regex.fullmatch(sql_lower(value)) else 0


def sql_concat(*values: Any) -> str:
    """`concat(...)`, which typedb's error for text arithmetic suggests, as PostgreSQL's:
    NULLs skipped. SQLite has none before 3.44, and its own writes a number its own way
    (1.0, not 1; 20 for a numeric(10,2)'s 20.00), so only text is taken: a number, whose
    text depends on its type, is cast to text first (eb.cast(x, "text") writes it as
    PostgreSQL does)."""
    parts: list[str] = []
    for value in values:
        if value is None:
            continue
        if type(value) is not str:
            raise function_error(
                TypeError(
                    f"concat() of {value!r} on SQLite: cast numbers and booleans to text "
                    "first (eb.cast(x, 'text')), which writes them as PostgreSQL does"
                )
            )
        parts.append(value)
    return "".join(parts)


def _text_only(value: Any, function: str) -> str:
    if type(value) is not str:
        raise function_error(
            TypeError(
                f"{function}() of {value!r} on SQLite: cast numbers and booleans to text "
                "first (eb.cast(x, 'text')), which writes them as PostgreSQL does"
            )
        )
    return value


def sql_concat_ws(separator: Any, *values: Any) -> str | None:
    """`concat_ws(sep, ...)` as PostgreSQL's: NULL for a NULL separator, NULLs skipped. SQLite
    has none before 3.44 ("no such function"); text only, as for concat()."""
    if separator is None:
        return None
    sep = _text_only(separator, "concat_ws")
    return sep.join(_text_only(v, "concat_ws") for v in values if v is not None)


# PostgreSQL's format() specifier: %[position$][-][width]type (type s, I or L).
_FORMAT_SPEC = re.compile(r"%(?:([1-9][0-9]*)\$)?(-)?([0-9]+)?([sIL%])")


def _quote_literal(value: str) -> str:
    # PostgreSQL's quote_literal: quotes doubled; with a backslash, E'...' and it doubled.
    quoted = value.replace("'", "''")
    if "\\" in value:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def sql_format(template: Any, *values: Any) -> str | None:
    """`format(text, ...)` as PostgreSQL's, not SQLite's (which is printf: `%d`, `%.2f`,
    and `%s` of a number written SQLite's way). `%s`, `%L` (a quoted literal, NULL
    unquoted), `%%`, positions (`%2$s`) and a width (`%-10s`); `%I`, which quotes by
    PostgreSQL's keyword list, and `*` widths are refused. Arguments must be text."""
    if template is None:
        return None
    text = _text_only(template, "format")
    out: list[str] = []
    next_arg = 0
    pos = 0
    while (start := text.find("%", pos)) >= 0:
        out.append(text[pos:start])
        spec = _FORMAT_SPEC.match(text, start)
        if spec is None or (spec.group(4) == "%" and spec.group(0) != "%%"):
            raise function_error(
                ValueError(
                    f"format() specifier {text[start : start + 4]!r} on SQLite: typedb runs "
                    "PostgreSQL's %s, %L and %% (with a position and a width), not %I or '*'"
                )
            )
        pos = spec.end()
        position, left, width, kind = spec.groups()
        if kind == "%":
            out.append("%")
            continue
        index = int(position) - 1 if position else next_arg
        next_arg = index + 1
        if index >= len(values):
            raise function_error(ValueError("too few arguments for format()"))
        value = values[index]
        if kind == "I":
            raise function_error(
                ValueError("format() %I on SQLite: quote identifiers in Python instead")
            )
        if value is None:
            piece = "NULL" if kind == "L" else ""
        else:
            piece = _text_only(value, "format")
            if kind == "L":
                piece = _quote_literal(piece)
        if width:
            piece = piece.ljust(int(width)) if left else piece.rjust(int(width))
        out.append(piece)
    out.append(text[pos:])
    return "".join(out)


def register_pg_functions(conn: sqlite3.Connection) -> None:
    """The functions above, under the names typedb's SQL calls them by."""
    conn.create_function("typedb_one_row", 2, sql_one_row, deterministic=True)
    conn.create_function("concat", -1, sql_concat, deterministic=True)
    conn.create_function("concat_ws", -1, sql_concat_ws, deterministic=True)
    # SQLite's own format() is printf; this one is PostgreSQL's.
    conn.create_function("format", -1, sql_format, deterministic=True)
    conn.create_function("typedb_lower", 1, sql_lower, deterministic=True)
    conn.create_function("typedb_upper", 1, sql_upper, deterministic=True)
    conn.create_function("typedb_ilike", 2, sql_ilike, deterministic=True)
    conn.create_function("typedb_cast_integer", 3, sql_cast_integer, deterministic=True)
    conn.create_function("typedb_text_boolean", 1, sql_text_boolean, deterministic=True)
    conn.create_function("typedb_text_number", 2, sql_text_number, deterministic=True)
    conn.create_function("typedb_numeric_text", 2, sql_numeric_text, deterministic=True)
    conn.create_function("typedb_float_text", 1, sql_float_text, deterministic=True)
    conn.create_function("typedb_clock_text", 1, sql_clock_text, deterministic=True)
    conn.create_function("typedb_bool_text", 1, sql_bool_text, deterministic=True)
