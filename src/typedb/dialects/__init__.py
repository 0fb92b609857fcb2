"""What differs between backends: type names, identifier quoting, placeholders, capabilities."""

from typedb.dialects._base import PORTABLE_TYPES, Dialect, quote_identifier
from typedb.dialects._postgres import PostgresDialect
from typedb.dialects._sqlite import SqliteDialect

__all__ = [
    "PORTABLE_TYPES",
    "Dialect",
    "PostgresDialect",
    "SqliteDialect",
    "dialect_for",
    "quote_identifier",
]


def dialect_for(name: str) -> Dialect:
    """The dialect called `name` ("sqlite" or "postgresql")."""
    if name == "sqlite":
        return SqliteDialect()
    if name == "postgresql":
        return PostgresDialect()
    from typedb._errors import CompileError

    raise CompileError(f"unknown dialect {name!r}: expected 'sqlite' or 'postgresql'")
