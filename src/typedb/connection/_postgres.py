"""psycopg 3, in autocommit mode so BEGIN / SAVEPOINT are ours, with JSON for dict and list."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg.types.json import JsonDumper

from typedb._errors import ConnectionError, IntegrityError, QueryError
from typedb._sql import Parameters
from typedb._url import Url, scrub
from typedb.connection._driver import Row, json_dumps
from typedb.connection._pg_copy import copy_rows
from typedb.connection._rows import Maker, maker
from typedb.dialects import Dialect, PostgresDialect

CONNECT_TIMEOUT_SECONDS = 10
_TUPLES_OK = pq.ExecStatus.TUPLES_OK

#: typedb's rule is UTC. A server, database or role TimeZone would otherwise shift values cast
#: between timestamp and timestamptz (a naive datetime into timestamptz, an aware one into
#: timestamp, comparisons between the two) and the zone psycopg gives timestamptz values back in.
SESSION_TIME_ZONE_OPTION = "-c TimeZone=UTC"


def utc_session_kwargs(conninfo: str) -> dict[str, Any]:
    """Keyword arguments for `psycopg.connect()` (or a pool's `kwargs`) that start every session
    in UTC, whatever the server, database, role or URL says.

    Sent as a startup option, so it costs no round trip; appended to the URL's own `options`
    (a later `-c` wins), which it would otherwise replace.

    >>> utc_session_kwargs("postgresql://u@h/db?options=-csearch_path%3Dtenant")
    {'options': '-csearch_path=tenant -c TimeZone=UTC'}
    """
    own = conninfo_to_dict(conninfo).get("options")
    options = f"{own} {SESSION_TIME_ZONE_OPTION}" if own else SESSION_TIME_ZONE_OPTION
    return {"options": options}


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


class PostgresDriver:
    dialect: Dialect = PostgresDialect()

    def __init__(self, url: Url) -> None:
        try:
            self.conn = psycopg.connect(
                url.raw,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                **utc_session_kwargs(url.raw),
            )
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            # libpq quotes parts of the URL it cannot parse, password included.
            reason = scrub(reason, url.raw)
            raise ConnectionError(f"cannot connect to {url.masked}: {reason}") from None
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

    def copy_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> int | None:
        """Bulk insert through COPY when it stores exactly what INSERT would (see _pg_copy);
        None when it would not, having written nothing."""
        return copy_rows(self.cursor, table, columns, rows)

    def aborted(self) -> bool:
        # After a failed statement PostgreSQL refuses everything but ROLLBACK, and answers
        # COMMIT with a silent ROLLBACK.
        return self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR

    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.conn.close()
