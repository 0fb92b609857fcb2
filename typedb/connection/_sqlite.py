"""sqlite3 made to behave like a server: FKs on, waits instead of 'locked', typed values back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from operator import itemgetter
from typing import Any
from uuid import UUID

from typedb._errors import ConnectionError, IntegrityError, QueryError
from typedb._sql import Parameters
from typedb._url import Url
from typedb.connection._driver import Row, json_dumps, pyformat_to_qmark
from typedb.connection._rows import maker
from typedb.dialects import Dialect, SqliteDialect

BUSY_TIMEOUT_SECONDS = 30.0
_first = itemgetter(0)  # a column name out of a cursor.description entry


def _timestamp_out(value: datetime) -> str:
    # Aware values are stored as UTC without an offset, the format the dialect's "now" default
    # writes too, so that text order is time order and equal instants compare equal.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ")


_ADAPTERS: dict[type, Callable[[Any], Any]] = {
    datetime: _timestamp_out,
    date: date.isoformat,
    time: time.isoformat,
    Decimal: str,
    UUID: str,
    dict: json_dumps,
    list: json_dumps,
}


def adapt(value: Any) -> Any:
    """A Python value as sqlite3 should store it."""
    adapter = _ADAPTERS.get(type(value))
    return value if adapter is None else adapter(value)


def _adapt_params(params: Parameters) -> Parameters:
    get = _ADAPTERS.get  # inlined adapt(): this runs for every value of every query
    if isinstance(params, Mapping):
        return {k: adapt(v) for k, v in params.items()}
    return [v if (a := get(type(v))) is None else a(v) for v in params]


def _timestamptz_in(raw: bytes) -> datetime:
    value = datetime.fromisoformat(raw.decode())
    # CURRENT_TIMESTAMP writes UTC without an offset.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _register_converters() -> None:
    # sqlite3 converters are process-wide; these names are the declared types typedb's SQLite
    # dialect writes (first word), so they only touch columns typed that way.
    convert: dict[str, Callable[[bytes], Any]] = {
        "DATE": lambda b: date.fromisoformat(b.decode()),
        "TIME": lambda b: time.fromisoformat(b.decode()),
        "TIMESTAMP": lambda b: datetime.fromisoformat(b.decode()),
        "TIMESTAMPTZ": _timestamptz_in,
        "NUMERIC": lambda b: Decimal(b.decode()),
        "DECIMAL": lambda b: Decimal(b.decode()),
        "BOOLEAN": lambda b: b not in (b"0", b"0.0", b""),
        "UUID": lambda b: UUID(b.decode()),
        "JSON": json.loads,
        "JSONB": json.loads,
    }
    for name, fn in convert.items():
        sqlite3.register_converter(name, fn)


_register_converters()


def _error(exc: sqlite3.Error, sql: str) -> QueryError:
    cls = IntegrityError if isinstance(exc, sqlite3.IntegrityError) else QueryError
    return cls(str(exc), sql)


class SqliteDriver:
    dialect: Dialect = SqliteDialect()

    def __init__(self, url: Url, *, wal: bool = False) -> None:
        try:
            self.conn = sqlite3.connect(
                url.path or ":memory:",
                timeout=BUSY_TIMEOUT_SECONDS,
                detect_types=sqlite3.PARSE_DECLTYPES,
                isolation_level=None,  # we issue BEGIN ourselves, DDL included
                check_same_thread=False,
            )
            self.conn.execute("PRAGMA foreign_keys = ON")
            if wal:
                # Persistent in the file; readers then never wait for a writer (see README).
                self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as exc:
            raise ConnectionError(f"cannot open {url.masked}: {exc}") from exc
        self.depth = 0
        self.cursor = self.conn.cursor()

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        if self.depth and not self.conn.in_transaction:
            raise QueryError(
                "SQLite rolled back this transaction by itself after a statement failed "
                "(ON CONFLICT ROLLBACK, RAISE(ROLLBACK) or a disk error); refusing to run "
                "more statements, which would each commit on their own",
                sql,
            )
        cur = self.cursor
        try:
            if params is None:
                cur.execute(sql)
            else:
                cur.execute(sql, _adapt_params(params))
            description = cur.description
            if description is None:
                return [], cur.rowcount
            rows = maker(tuple(map(_first, description)))(cur.fetchall())
            return rows, cur.rowcount
        except sqlite3.Error as exc:
            raise _error(exc, sql) from exc
        except OverflowError as exc:
            # An int beyond 64 bits: PostgreSQL says "out of range"; say the same kind of thing.
            raise QueryError(f"value out of range for SQLite: {exc}", sql) from exc

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        if params is not None:
            sql, named = pyformat_to_qmark(sql)
            if named != isinstance(params, Mapping):
                from typedb._errors import CompileError

                raise CompileError(
                    "named placeholders need a mapping of parameters and %s needs a sequence"
                )
        return self.run(sql, params)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            cur = self.cursor
            cur.executemany(sql, ([adapt(v) for v in row] for row in rows))
            return cur.rowcount
        except sqlite3.Error as exc:
            raise _error(exc, sql) from exc
        except OverflowError as exc:
            raise QueryError(f"value out of range for SQLite: {exc}", sql) from exc

    def aborted(self) -> bool:
        return False  # SQLite either undoes just the failed statement or ends the transaction

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def close(self) -> None:
        self.conn.close()
