"""`from_database(db)`: the live schema, in the model's terms, on either backend."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from typedb.schema_diff._model import Schema

if TYPE_CHECKING:
    from typedb.connection import Database


def from_database(db: Database, *, exclude: Iterable[str] = ()) -> Schema:
    """Every table of the database (PostgreSQL: of its current schema; SQLite: of `main`,
    without SQLite's own tables), less the `exclude`d ones (typedb's migration table)."""
    if db.dialect.name == "sqlite":
        from typedb.schema_diff._introspect_sqlite import sqlite_schema

        schema = sqlite_schema(db)
    else:
        from typedb.schema_diff._introspect_postgres import postgres_schema

        schema = postgres_schema(db)
    return schema.without(*exclude)
