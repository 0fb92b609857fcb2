"""psycopg 3, in autocommit mode so BEGIN / SAVEPOINT are ours, with JSON for dict and list."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg.rows import TupleRow
from psycopg.types.json import JsonDumper

from typedb._errors import ConnectionError, IntegrityError, QueryError
from typedb._sql import Parameters
from typedb._url import Url, scrub
from typedb.connection._driver import Row, json_dumps
from typedb.connection._rows import Maker, maker
from typedb.dialects import Dialect, PostgresDialect

CONNECT_TIMEOUT_SECONDS = 10
_TUPLES_OK = pq.ExecStatus.TUPLES_OK


class _JsonUnknown(JsonDumper):
    # Unknown OID lets the server cast to json or jsonb by the column it goes into.
    oid = 0


# Assigned outside the class body, where a function would become a method.
_JsonUnknown._dumps = json_dumps


@lru_cache(maxsize=512)
def _maker(names: tuple[bytes | None, ...], encoding: str) -> Maker:
    # Keyed by the raw field names, so a repeated query decodes nothing.
    return maker(tuple((n or b"").decode(encoding) for n in names))


def _error(exc: psycopg.Error, sql: str) -> QueryError:
    cls = IntegrityError if isinstance(exc, psycopg.IntegrityError) else QueryError
    message = str(exc).strip()
    return cls(message, sql)


def split_prepare(raw: str) -> tuple[str, bool | None]:
    """typedb's own `prepare=true|false` URL option, taken out of the URL before libpq (which
    refuses unknown options) sees it. Behind PgBouncer < 1.21 in transaction mode, server-side
    prepared statements land on one server connection and are run on another, so
    `prepare=false` turns them off.

    >>> split_prepare("postgresql://u@pgbouncer:6432/app?prepare=false&sslmode=prefer")
    ('postgresql://u@pgbouncer:6432/app?sslmode=prefer', False)
    >>> split_prepare("postgresql://u@db/app")
    ('postgresql://u@db/app', None)
    """
    head, sep, query = raw.partition("?")
    if not sep or "://" not in head:
        return raw, None
    kept: list[str] = []
    prepare: bool | None = None
    for option in query.split("&"):
        key, _, value = option.partition("=")
        if key != "prepare":
            kept.append(option)
        elif value.lower() in ("false", "0", "no", "off"):
            prepare = False
        elif value.lower() in ("true", "1", "yes", "on"):
            prepare = True
        else:
            raise ConnectionError(f"bad prepare={value!r} in the database URL: use true or false")
    return head + ("?" + "&".join(kept) if kept else ""), prepare


class PostgresDriver:
    dialect: Dialect = PostgresDialect()

    def __init__(self, url: Url, prepare: bool | None = None) -> None:
        """`prepare=False` (or `?prepare=false` in the URL) turns off server-side prepared
        statements, for poolers in transaction mode. `connect(url, prepare=...)` and
        `[tool.typedb] prepare` plug in here through the `prepare` argument."""
        conninfo, from_url = split_prepare(url.raw)
        if prepare is None:
            prepare = from_url
        try:
            self.conn = psycopg.connect(
                conninfo,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
            )
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            # libpq quotes parts of the URL it cannot parse, password included.
            reason = scrub(reason, url.raw)
            raise ConnectionError(f"cannot connect to {url.masked}: {reason}") from None
        if prepare is False:
            self.conn.prepare_threshold = None  # never PREPARE; psycopg's default is 5 runs
        self.conn.adapters.register_dumper(dict, _JsonUnknown)
        self.conn.adapters.register_dumper(list, _JsonUnknown)
        self.depth = 0
        # Tuple rows made into dicts here by a generated comprehension (see _rows): measured
        # cheaper than dict_row, which calls a Python function per row and builds
        # cursor.description's Column objects on every query.
        self.cursor: psycopg.Cursor[TupleRow] = self.conn.cursor()
        self._encoding = self.conn.info.encoding

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        cur = self.cursor
        try:
            # The SQL is typedb's own or a LiteralString the user passed to raw().
            cur.execute(sql, params)  # pyright: ignore[reportArgumentType]
            result = cur.pgresult
            if result is None or result.status != _TUPLES_OK:
                return [], cur.rowcount
            names = tuple(map(result.fname, range(result.nfields)))
            rows = _maker(names, self._encoding)(cur.fetchall())
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

    def aborted(self) -> bool:
        # After a failed statement PostgreSQL refuses everything but ROLLBACK, and answers
        # COMMIT with a silent ROLLBACK.
        return self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR

    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.conn.close()
