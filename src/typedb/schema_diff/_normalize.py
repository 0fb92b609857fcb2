"""Normalising what the sources spell differently: types, defaults, SQL expressions.

A schema built by typedb's builder and read back from either backend must equal the model
the contracts describe, so every source passes its types and defaults through here.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from typedb._errors import DataTypeError
from typedb.dialects._base import parse_type
from typedb.schema_diff._model import Default, DefaultValue

# Spellings of the portable types by PostgreSQL's format_type() and common hand-written DDL.
_ALIASES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint",
    "bool": "boolean", "float8": "double precision", "double": "double precision",
    "float": "double precision", "float4": "real", "decimal": "numeric",
    "character varying": "varchar", "character": "char", "bpchar": "char",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "time without time zone": "time", "serial": "integer", "bigserial": "bigint",
    "smallserial": "smallint", "serial4": "integer", "serial8": "bigint", "blob": "bytea",
    "json text": "json", "jsonb text": "jsonb", "decimal text": "numeric",
}  # fmt: skip
_SIZED = re.compile(r"^(.*?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*(.*)$")


def portable_type(declared: str, dialect: str) -> str:
    """The portable name of a declared type, in one spelling; a type typedb does not know
    keeps its declared text, lowercased and with single spaces.

    `jsonb` is `json` on SQLite: both are text there, and a contract's `dict` means either.

    >>> portable_type("character varying(200)", "postgresql"), portable_type("NUMERIC(10,2)", "sqlite")
    ('varchar(200)', 'numeric(10,2)')
    >>> portable_type("JSONB TEXT", "sqlite"), portable_type("INT", "sqlite"), portable_type("money", "postgresql")
    ('json', 'integer', 'money')
    """
    text = " ".join(declared.lower().split())
    spelled = _ALIASES.get(text, text)
    match = _SIZED.match(spelled)
    if match and match.group(4) in ("", "text"):
        base = _ALIASES.get(match.group(1), match.group(1))
        size, scale = match.group(2), match.group(3)
        spelled = f"{base}({size})" if scale is None else f"{base}({size},{scale})"
    try:
        t = parse_type(spelled)
    except DataTypeError:
        return text
    if t.name == "jsonb" and dialect == "sqlite":
        return "json"
    if t.size is None:
        return t.name
    if t.name == "numeric":
        return f"numeric({t.size},{t.scale or 0})"
    return f"{t.name}({t.size})"


_INTEGER_TYPES = {"integer", "bigint", "smallint"}
_FLOAT_TYPES = {"real", "double precision"}


def default_value(value: object, portable: str) -> DefaultValue:
    """A literal default as the model holds it for a column of type `portable`: what the
    contracts say (`Column(default=...)`) and what the database gives back compare equal.

    >>> default_value("1.50", "numeric(10,2)"), default_value(1, "boolean"), default_value({"a": 1}, "jsonb")
    (Decimal('1.50'), True, '{"a":1}')
    """
    name = portable.partition("(")[0]
    if name in ("json", "jsonb"):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return str(value)
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if name == "boolean":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "t", "true", "y", "yes", "on")
        return bool(value)
    if isinstance(value, bool):
        return value
    if name in _INTEGER_TYPES:
        try:
            return int(str(value))
        except ValueError:
            return str(value)
    if name == "numeric":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value)
    if name in _FLOAT_TYPES:
        try:
            return float(str(value))
        except ValueError:
            return str(value)
    if isinstance(value, int | float | Decimal | str):
        return str(value) if not isinstance(value, str) else value
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        return str(iso(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else iso())
    return str(value)


# Forms of "now" the backends give back for `add_timestamp_columns()` and friends.
_NOW_FORMS = {
    "current_timestamp",
    "now()",
    "current_timestamp at time zone 'utc'",
    "timezone('utc', current_timestamp)",
    "timezone('utc', now())",
    "replace(strftime('%y-%m-%d %h:%m:%f', 'now') || '000', '.000000', '')",
    "datetime('now')",
    "localtimestamp",
}


def is_now(sql: str) -> bool:
    """Whether a default expression is the current time.

    >>> is_now("(CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text)"), is_now("'now'")
    (True, False)
    """
    return _strip_casts_and_parens(sql) in _NOW_FORMS


def _strip_casts_and_parens(sql: str) -> str:
    text = re.sub(r"::[a-z_ ]+(\(\d+(,\s*\d+)?\))?(\[\])?", "", sql.lower())
    text = " ".join(text.split())
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        if depth < 0:
            return False
    return depth == 0


def default_from_sql(sql: str | None, portable: str) -> Default | None:
    """A default as a database reports it (SQL text) in the model's terms: a literal becomes
    its value, "now" in any spelling `Default.now()`, anything else `Default.raw()`.

    >>> default_from_sql("'draft'::text", "text"), default_from_sql("(1)", "integer")
    (Default(kind='value', value='draft', sql=None), Default(kind='value', value=1, sql=None))
    """
    if sql is None:
        return None
    text = sql.strip()
    if text.upper() == "NULL" or text.upper().startswith("NULL::"):
        return None
    if is_now(text):
        return Default.now()
    inner = text
    while inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
        inner = inner[1:-1].strip()
    quoted = re.fullmatch(
        r"E?'((?:[^']|'')*)'(?:::[a-z_ ]+(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?)?", inner, re.S
    )
    if quoted:
        raw = quoted.group(1).replace("''", "'")
        if inner.startswith("E'"):
            raw = raw.replace("\\\\", "\\")
        if portable == "bytea" and raw.startswith("\\x"):
            return Default.raw(text)
        return Default.of(default_value(raw, portable))
    bare = re.fullmatch(r"-?\d+(\.\d+)?(e[-+]?\d+)?|true|false", inner.lower())
    if bare:
        return Default.of(default_value(inner, portable))
    return Default.raw(text)


def sql_key(sql: str) -> str:
    """Two SQL expressions with the same key are the same expression as far as typedb can
    tell: case, whitespace, identifier quotes, casts and parentheses are ignored, and
    PostgreSQL's `x = ANY (ARRAY[...])` reads as `x IN (...)`.

    >>> sql_key("((status = ANY (ARRAY['draft'::text, 'published'::text])))")
    "statusin'draft','published'"
    >>> sql_key("`status` IN ('draft', 'published')")
    "statusin'draft','published'"
    """
    text = sql.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:]
    text = re.sub(r"=\s*ANY\s*\(\s*ARRAY\s*\[(.*?)\]\s*\)", r" IN (\1)", text, flags=re.I | re.S)
    text = re.sub(r"::[A-Za-z_ ]+(\(\d+(,\s*\d+)?\))?(\[\])?", "", text)
    # Keep the case of string literals; lowercase the rest.
    parts = re.split(r"('(?:[^']|'')*')", text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
        else:
            out.append(re.sub(r'[\s"`()\[\]]', "", part.lower()))
    return "".join(out)


def check_key(expression: str) -> str:
    return sql_key(expression)
