"""psycopg 3, in autocommit mode so BEGIN / SAVEPOINT are ours, with JSON for dict and list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import JsonDumper

from typedb._errors import ConnectionError, IntegrityError, QueryError
from typedb._sql import Parameters
from typedb._url import Url
from typedb.connection._driver import Row
from typedb.dialects import Dialect, PostgresDialect

CONNECT_TIMEOUT_SECONDS = 10


class _JsonUnknown(JsonDumper):
    # Unknown OID lets the server cast to json or jsonb by the column it goes into.
    oid = 0


def _error(exc: psycopg.Error, sql: str) -> QueryError:
    cls = IntegrityError if isinstance(exc, psycopg.IntegrityError) else QueryError
    message = str(exc).strip()
    return cls(message, sql)


class PostgresDriver:
    dialect: Dialect = PostgresDialect()

    def __init__(self, url: Url) -> None:
        try:
            self.conn = psycopg.connect(
                url.raw,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
            )
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConnectionError(f"cannot connect to {url.masked}: {reason}") from None
        self.conn.adapters.register_dumper(dict, _JsonUnknown)
        self.conn.adapters.register_dumper(list, _JsonUnknown)
        self.depth = 0
        self.cursor: psycopg.Cursor[DictRow] = self.conn.cursor(row_factory=dict_row)

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        cur = self.cursor
        try:
            # The SQL is typedb's own or a LiteralString the user passed to raw().
            cur.execute(sql, params)  # pyright: ignore[reportArgumentType]
            rows = cur.fetchall() if cur.description is not None else []
            return rows, cur.rowcount
        except psycopg.Error as exc:
            raise _error(exc, sql) from exc

    run_raw = run

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            cur = self.cursor
            cur.executemany(sql, rows)  # pyright: ignore[reportArgumentType]
            return cur.rowcount
        except psycopg.Error as exc:
            raise _error(exc, sql) from exc

    def close(self) -> None:
        self.conn.close()
