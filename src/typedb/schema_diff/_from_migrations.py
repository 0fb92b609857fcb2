"""`from_migrations(config, url)`: the schema the migrations build, read from a throwaway
database they were run on -- SQLite in memory, or a temporary PostgreSQL schema (dropped
afterwards) in the database `url` names. Nothing of the project's own database is touched."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from typedb._config import Config
from typedb.schema_diff._introspect import from_database
from typedb.schema_diff._model import Schema


def from_migrations(config: Config, database_url: str) -> Schema:
    """Run every migration of the project (core and enabled modules) on a throwaway database
    of `database_url`'s backend and read the schema they leave (without the migration table)."""
    from typedb.connection import connect
    from typedb.migrator import Migrator

    if database_url.startswith("sqlite"):
        with connect("sqlite://") as db:
            migrator = Migrator(db, config)
            migrator.latest()
            return from_database(db, exclude=(config.migration_table,))
    schema = f"typedb_tmp_{uuid.uuid4().hex[:12]}"
    with connect(database_url) as admin:
        # A name made up here, not text from outside: run as is.
        admin._run(f"CREATE SCHEMA {admin.dialect.quote(schema)}")
        try:
            with connect(with_search_path(database_url, f"{schema},public")) as db:
                Migrator(db, config).latest()
                return from_database(db, exclude=(config.migration_table,))
        finally:
            admin._run(f"DROP SCHEMA {admin.dialect.quote(schema)} CASCADE")


def with_search_path(url: str, search_path: str) -> str:
    """`url` whose connections use `search_path` (any `options` it had are replaced).

    >>> with_search_path("postgresql://u@h/db?sslmode=disable", "s,public")
    'postgresql://u@h/db?sslmode=disable&options=-csearch_path%3Ds%2Cpublic'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={search_path}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
