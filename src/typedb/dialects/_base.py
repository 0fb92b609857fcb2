from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from typedb._errors import DataTypeError, IdentifierError
from typedb._sql import Fragment

PORTABLE_TYPES: tuple[str, ...] = (
    "text", "varchar(n)", "char(n)", "integer", "bigint", "smallint", "boolean", "real",
    "double precision", "numeric(p,s)", "decimal(p,s)", "date", "time", "timestamp",
    "timestamptz", "uuid", "json", "jsonb", "bytea", "blob",
)  # fmt: skip

_TYPE = re.compile(r"^\s*([a-z]+(?:\s+precision)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")
_MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names; refuse them everywhere.


@lru_cache(maxsize=4096)
def quote_identifier(name: str, quote: str = '"') -> str:
    """`name` as an identifier quoted with `quote` (the dialect's `quote_char`), the quote
    doubled inside. Refuses what cannot be quoted safely.

    >>> quote_identifier("items")
    '"items"'
    >>> quote_identifier('odd"name')
    '"odd""name"'
    >>> quote_identifier("odd`name", "`")
    '`odd``name`'
    >>> quote_identifier("bad\\x00name")
    Traceback (most recent call last):
    ...
    typedb._errors.IdentifierError: identifier 'bad\\x00name' contains a control character
    """
    if not isinstance(name, str) or not name:
        raise IdentifierError(f"identifier must be a non-empty string, got {name!r}")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise IdentifierError(f"identifier {name!r} contains a control character")
    if len(name.encode("utf-8")) > _MAX_IDENTIFIER_BYTES:
        raise IdentifierError(
            f"identifier {name!r} is longer than {_MAX_IDENTIFIER_BYTES} bytes "
            "(PostgreSQL would silently truncate it)"
        )
    return quote + name.replace(quote, quote + quote) + quote


@dataclass(frozen=True, slots=True)
class DataType:
    """A parsed portable type name: `numeric(10,2)` is DataType("numeric", 10, 2)."""

    name: str
    size: int | None = None
    scale: int | None = None


_SIZED = {"varchar", "char"}
_PRECISION = {"numeric", "decimal"}
_PLAIN = {t for t in PORTABLE_TYPES if "(" not in t}


@lru_cache(maxsize=1024)
def parse_type(text: str) -> DataType:
    """Parse a portable type name, or raise DataTypeError listing the valid ones."""
    match = _TYPE.match(text.lower()) if isinstance(text, str) else None
    if match:
        name = " ".join(match.group(1).split())
        size = int(match.group(2)) if match.group(2) else None
        scale = int(match.group(3)) if match.group(3) else None
        if name in _SIZED and size is not None and scale is None and size > 0:
            return DataType(name, size)
        if name in _PRECISION and (size is None or size > 0) and (scale is None or size):
            if scale is not None and size is not None and scale > size:
                raise DataTypeError(f"data type {text!r}: scale {scale} exceeds precision {size}")
            return DataType("numeric", size, scale)
        if name in _PLAIN and size is None:
            return DataType("bytea" if name == "blob" else name)
    raise DataTypeError(
        f"unknown data type {text!r}; valid types are: {', '.join(PORTABLE_TYPES)} "
        "(or typedb.sql('...') to pass a type through untouched)"
    )


class Dialect:
    """Base for the backends. Instances are stateless; compare them by `name`."""

    name: str = ""
    placeholder: str = "?"
    #: Quotes identifiers: a name in it is always a name, never text.
    quote_char: str = '"'
    #: How `transaction(immediate=True)` starts: taking the write lock up front.
    begin_immediate_sql: str = "BEGIN"
    transactional_ddl: bool = True
    supports_returning: bool = True
    #: ALTER TABLE actions this backend does in place; the rest needs a table rebuild.
    alter_in_place: frozenset[str] = frozenset()

    def quote(self, name: str) -> str:
        return quote_identifier(name, self.quote_char)

    def type_sql(self, data_type: str | Fragment) -> str:
        """The column type as this backend spells it."""
        if isinstance(data_type, Fragment):
            return data_type.text
        return self.render_type(parse_type(data_type))

    def render_type(self, t: DataType) -> str:
        raise NotImplementedError

    def auto_increment_type(self, data_type: str | Fragment) -> str:
        """The type of an auto-incrementing integer column of `data_type`."""
        raise NotImplementedError

    def type_check(self, column: str, data_type: str | Fragment) -> str | None:
        """A CHECK expression that makes `column` (quoted) hold only values of `data_type`,
        where the backend would not refuse others by itself; None where it does."""
        return None

    def now_sql(self, data_type: str) -> str:
        """SQL for "now" as a default of a timestamp column: UTC, on every backend."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dialect) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)
