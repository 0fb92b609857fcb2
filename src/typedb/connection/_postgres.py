"""psycopg 3 connections, in autocommit mode so BEGIN / SAVEPOINT are ours, with JSON for dict
and list. One driver wraps one pooled connection; the sync and the async driver share every
step but the awaited ones (`_rows_of`, `_error`, the state checks)."""

from __future__ import annotations

import select
from collections.abc import Callable, Sequence
from contextlib import suppress
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import pq
from psycopg.adapt import PyFormat
from psycopg.errors import NumericValueOutOfRange
from psycopg.rows import TupleRow
from psycopg.types.json import JsonDumper
from psycopg.types.numeric import Int4, IntNumeric, IntNumericDumper

from typedb._errors import ConnectionError, IntegrityError, QueryError, TypedbError
from typedb._sql import Parameters
from typedb._url import Url, scrub
from typedb.connection._driver import Kinds, LostConnection, Row, json_dumps, unencodable
from typedb.connection._pg_copy import copy_rows
from typedb.connection._rows import Maker, maker
from typedb.connection._transaction import after_raw, settle_raw
from typedb.dialects import Dialect, PostgresDialect

if TYPE_CHECKING:
    from typedb.connection._nesting import TaskTurns, Turns

CONNECT_TIMEOUT_SECONDS = 10
# Plain ints: comparing the int a result gives with an IntEnum member costs a reflected call.
_TUPLES_OK = int(pq.ExecStatus.TUPLES_OK)
_INERROR = pq.TransactionStatus.INERROR
_IDLE = pq.TransactionStatus.IDLE
_IDLE_STATUS = int(_IDLE)
_INERROR_STATUS = int(_INERROR)

#: typedb's rule is UTC. A server, database or role TimeZone would otherwise shift values cast
#: between timestamp and timestamptz (a naive datetime into timestamptz, an aware one into
#: timestamp, comparisons between the two) and the zone psycopg gives timestamptz values back in.
#: Set once per new connection, not as a startup option: PgBouncer refuses `options`, but it
#: tracks a SET TimeZone and replays it on whichever server connection a client gets.
SET_UTC = "SET TimeZone TO 'UTC'"


class _JsonUnknown(JsonDumper):
    # Unknown OID lets the server cast to json or jsonb by the column it goes into.
    oid = 0


# Assigned outside the class body, where a function would become a method.
_JsonUnknown._dumps = json_dumps


@lru_cache(maxsize=512)
def _maker(names: tuple[bytes | None, ...], encoding: str) -> Maker:
    # Keyed by the raw field names, so a repeated query decodes nothing.
    return maker(tuple((n or b"").decode(encoding) for n in names))


NamesOf = Callable[[Callable[[int], bytes | None]], tuple[bytes | None, ...]]
_NAMES_OF: dict[int, NamesOf] = {}


def names_of(count: int) -> NamesOf:
    """A function from a result's `fname` to its `count` raw field names.

    Read on every statement that returns rows, so generated per field count as the row
    makers are: `(fname(0), fname(1), fname(2))` measured 1.6k instructions against 4.7k for
    `tuple(map(fname, range(n)))`. The names are read every time, never remembered per SQL
    text: a `SELECT *` whose table gained or renamed a column returns new names.

    >>> names_of(2)(lambda i: b"col%d" % i)
    (b'col0', b'col1')
    """
    found = _NAMES_OF.get(count)
    if found is None:
        # Only integers go into the code.
        calls = "".join(f"fname({i})," for i in range(int(count)))
        found = eval(f"lambda fname: ({calls})", {"__builtins__": {}})
        _NAMES_OF[count] = found
    return found


def row_maker(
    makers: dict[tuple[bytes | None, ...], Maker], names: tuple[bytes | None, ...], encoding: str
) -> Maker:
    """The row maker for `names`, remembered in `makers` (one dict per connection, so its
    encoding is fixed; cleared past 512 sets of names, as the lru_cache it fronts)."""
    if len(makers) >= 512:
        makers.clear()
    made = makers[names] = _maker(names, encoding)
    return made


def _error(exc: psycopg.Error, sql: str, conn: psycopg.BaseConnection[Any]) -> QueryError:
    if conn.broken or conn.closed:
        # The server ended the session (pg_terminate_backend, a restart, a network cut): the
        # pool drops this connection when it comes back and opens a new one.
        return LostConnection(
            f"the connection to PostgreSQL was lost ({str(exc).strip() or type(exc).__name__}); "
            "it has been discarded and the next statement gets a new one. Whether this "
            "statement ran is unknown",
            sql,
        )
    if isinstance(exc, psycopg.IntegrityError):
        return IntegrityError(with_table(str(exc).strip(), exc), sql)
    return QueryError(str(exc).strip(), sql)


def with_table(message: str, exc: psycopg.Error) -> str:
    """`message` naming the table the server's error is about, when it does not already:
    a unique or exclusion violation names only its constraint, where SQLite says
    "UNIQUE constraint failed: accounts.email".

    >>> class Diag:
    ...     table_name = "accounts"
    >>> class Exc:
    ...     diag = Diag()
    >>> with_table('duplicate key value violates unique constraint "uq"', Exc())
    'duplicate key value violates unique constraint "uq" on table "accounts"'
    """
    table = exc.diag.table_name
    if not table or f'"{table}"' in message:
        return message
    head, newline, rest = message.partition("\n")
    return f'{head} on table "{table}"{newline}{rest}'


_CONTROL_TAGS = frozenset(("BEGIN", "START TRANSACTION", "COMMIT"))


def _control_ran(
    cur: psycopg.Cursor[Any] | psycopg.AsyncCursor[Any], sql: str, params: object
) -> bool:
    """After raw(): whether a statement after the first of a text of several (possible only
    without parameters, and with a `;`) began or committed a transaction, by the server's
    command tags (nextset() reads results already received). The first statement's was
    refused before running (refuse_transaction_control)."""
    if params is None and ";" in sql:
        while cur.nextset():
            if cur.statusmessage in _CONTROL_TAGS:
                return True
    return False


#: What a statement prepared before a column's type changed fails with: the parameter types
#: PostgreSQL inferred at PREPARE no longer fit (42804 "column "v" is of type jsonb but
#: expression is of type text", 42883 "operator does not exist: jsonb = text", 42846
#: "cannot cast type ...").
_STALE_TYPES = frozenset(("42804", "42883", "42846"))


def stale_plan(exc: psycopg.Error, conn: psycopg.BaseConnection[Any]) -> bool:
    """Whether `exc` may be PostgreSQL refusing a prepared statement that a schema change on
    another connection made stale: a column of a `SELECT *`'s table added or dropped
    ("cached plan must not change result type"), or a column's type changed (`_STALE_TYPES`,
    when this connection has statements prepared: psycopg's cursor does not say after an
    error whether the statement ran prepared). psycopg forgets its prepared statements only
    after an ALTER / DROP on the same connection, so without this every later run of the
    statement on this connection fails the same way, until the pool recycles it an hour
    later. Its cache is cleared here (DEALLOCATE ALL goes before the next statement); True
    when nothing had begun, so the statement can simply run again, unprepared (a statement
    that is wrong in itself then fails again, the same way)."""
    if isinstance(exc, psycopg.errors.FeatureNotSupported):
        if "cached plan must not change result type" not in str(exc):
            return False
    elif exc.sqlstate not in _STALE_TYPES or not conn._prepared._names:  # pyright: ignore[reportPrivateUsage]
        return False
    conn._prepared.clear()  # pyright: ignore[reportPrivateUsage]  # no public way to
    return conn.info.transaction_status == _IDLE  # in a transaction: aborted, not retried


# psycopg's int dumper (its C one when installed) and its int4 dumper, as psycopg picks them.
_PsycopgInt: Any = psycopg.adapters.get_dumper(int, PyFormat.TEXT)
_PsycopgInt4: Any = psycopg.adapters.get_dumper(Int4, PyFormat.TEXT)


class _HugeInt(IntNumericDumper):
    """An int beyond bigint, as numeric. psycopg writes its digits with str(), which Python
    refuses past 4,300 digits (ValueError "Exceeds the limit ... for integer string
    conversion"), a bare error naming no column; PostgreSQL's numeric holds 131,072.
    Decimal writes any int's digits, exactly; one past numeric is refused before its digits
    are written, a cost that grows with the square of their count (that is what Python's limit
    guards against): 15 s for a million digits, where PostgreSQL refused it anyway."""

    def dump(self, obj: int) -> bytes:
        if obj.bit_length() > _NUMERIC_BITS:
            raise NumericValueOutOfRange(
                f"value overflows numeric format: an int of {obj.bit_length()} bits (numeric "
                "holds up to 131072 digits before the decimal point)"
            )
        return str(Decimal(obj)).encode()


#: (10**131072).bit_length(), written out (6 ms at import): 10**131072, one past the largest
#: integer numeric holds, has this many bits; an int with more is past it (one with as many
#: may be: PostgreSQL decides).
_NUMERIC_BITS = 435_412


class IntAsLiteral(_PsycopgInt):  # type: ignore[misc]
    """A Python int typed as PostgreSQL types an integer literal: int4 when it fits, then
    int8, then numeric. psycopg's own sends int2 for a small one, so `eb.val(1) * 2` was
    smallint arithmetic, and a recursive CTE doubling it from 1 failed at 2^15 ("smallint out
    of range") where `SELECT 1` goes to 2^31. Only the small range's dumper changes: psycopg's
    `upgrade()` (in C with psycopg-binary) still picks per value, so a bound int costs what it
    did. Text, not binary (psycopg's binary int dumper cannot be subclassed): the same digits
    psycopg writes into a query's text. A smallint or bigint column compared with an int4
    parameter keeps its index (btree integer_ops has the cross-type operators)."""

    # The C upgrade() instantiates the class it finds here, the Python one returns the object.
    _int2_dumper = (
        _PsycopgInt4 if isinstance(_PsycopgInt._int2_dumper, type) else _PsycopgInt4(Int4)
    )
    _int_numeric_dumper = (
        _HugeInt if isinstance(_PsycopgInt._int_numeric_dumper, type) else _HugeInt(IntNumeric)
    )


def configure_adapters(conn: psycopg.BaseConnection[Any]) -> None:
    """JSON for dict and list, ints typed as PostgreSQL's literals, on every connection
    before its first use."""
    conn.adapters.register_dumper(dict, _JsonUnknown)
    conn.adapters.register_dumper(list, _JsonUnknown)
    conn.adapters.register_dumper(int, IntAsLiteral)


def configure(conn: psycopg.Connection[Any]) -> None:
    """What every pooled connection needs before its first use: JSON adapters, UTC."""
    configure_adapters(conn)
    conn.execute(SET_UTC)


def connection_kwargs(prepare: bool) -> dict[str, Any]:
    """Keyword arguments for every connection typedb opens: autocommit (BEGIN is typedb's),
    a connect timeout, and, with `prepare=False`, no server-side prepared statements."""
    # prepare_threshold=None: never prepare server-side (PgBouncer in transaction mode before
    # 1.21 routes the next EXECUTE to a server that never saw the PREPARE).
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_SECONDS}
    if not prepare:
        kwargs["prepare_threshold"] = None
    return kwargs


def connect_error(exc: psycopg.Error, url: Url) -> ConnectionError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # libpq quotes parts of the URL it cannot parse, password included.
    return ConnectionError(f"cannot connect to {url.masked}: {scrub(reason, url.raw)}")


#: A connection idle for longer than this is polled before use (see `check_alive`).
RECHECK_AFTER_SECONDS = 0.05


def check_alive(conn: psycopg.BaseConnection[Any]) -> None:
    """Raise if the server has closed this idle connection; costs a poll, not a round trip.

    An idle session the server ended (pg_terminate_backend, a restart) has its goodbye waiting
    on the socket. The pool calls this on checkout of a connection idle for more than
    RECHECK_AFTER_SECONDS (a busy connection skips the 1-2 us poll), drops a dead one and hands
    out another, so a killed connection fails no query.
    """
    pgconn = conn.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        raise psycopg.OperationalError("connection is bad")
    socket = [pgconn.socket]
    # Readable while idle: a notice, or the server's goodbye and then end of file, which makes
    # consume_input() raise. After a notice the socket is quiet again, so this ends.
    while select.select(socket, [], [], 0)[0]:
        pgconn.consume_input()
        if pgconn.status != pq.ConnStatus.OK:
            raise psycopg.OperationalError("connection closed by the server")


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
    """One pooled psycopg connection and a reused cursor."""

    dialect: Dialect = PostgresDialect()
    inherited = False  # the parent's, in a forked child (see _fork)
    turns: Turns | None = None  # see Driver.turns

    def __init__(self, conn: psycopg.Connection[TupleRow]) -> None:
        self.conn = conn
        self.pgconn = conn.pgconn  # libpq's handle: its transaction status is read per statement
        self.depth = 0
        # time.monotonic() deadlines kept by PostgresPool: reused without a check until
        # `fresh_until` (its last use began moments before), and back to psycopg_pool for
        # recycling after `return_by`.
        self.fresh_until = 0.0
        self.return_by = 0.0
        # Tuple rows made into dicts here by a generated comprehension (see _rows): measured
        # cheaper than dict_row, which calls a Python function per row and builds
        # cursor.description's Column objects on every query.
        self.cursor: psycopg.Cursor[TupleRow] = conn.cursor()
        self._encoding = conn.info.encoding
        # Row makers by raw field names: a dict lookup per statement, not an lru_cache call.
        self._makers: dict[tuple[bytes | None, ...], Maker] = {}

    def run(
        self, sql: str, params: Parameters | None, again: bool = False
    ) -> tuple[list[Row], int]:
        cur = self.cursor
        try:
            # The SQL is typedb's own or a LiteralString the user passed to raw().
            cur.execute(sql, params)  # pyright: ignore[reportArgumentType]
            result = cur.pgresult
            if result is None or result.status != _TUPLES_OK:
                return [], cur.rowcount
            names = (_NAMES_OF.get(result.nfields) or names_of(result.nfields))(result.fname)
            make = self._makers.get(names)
            if make is None:
                make = row_maker(self._makers, names, self._encoding)
            return make(cur.fetchall()), cur.rowcount
        except psycopg.Error as exc:
            if stale_plan(exc, self.conn) and not again:
                return self.run(sql, params, again=True)
            raise _error(exc, sql, self.conn) from exc
        except UnicodeEncodeError as exc:
            raise unencodable(exc) from exc

    def command(self, sql: str) -> None:
        """BEGIN, COMMIT, SAVEPOINT...: sent as psycopg's own `conn.transaction()` sends them
        (one simple-protocol query, the connection's lock held), not through the cursor,
        whose query conversion, prepared-statement bookkeeping and result handling measured
        about 40k instructions a statement (an empty block's BEGIN and COMMIT: 182k -> 98k;
        README, "Throughput")."""
        conn = self.conn
        try:
            with conn.lock:
                # ASCII text of typedb's own: encoded here, as psycopg would.
                conn.wait(conn._exec_command(sql.encode()))  # pyright: ignore[reportPrivateUsage]
        except psycopg.Error as exc:
            raise _error(exc, sql, conn) from exc

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        """`run()`, then a check that the user's SQL did not end the block's transaction or
        leave one open (see `after_raw`)."""
        result = self.run(sql, params)
        # libpq's own answer, an int: conn.info builds an object and an enum member.
        open_now = self.pgconn.transaction_status != _IDLE_STATUS
        if open_now == (self.depth > 0) and ";" not in sql:
            return result  # the common case, decided without a call
        settle_raw(self, self.depth, open_now, sql, _control_ran(self.cursor, sql, params))
        return result

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            cur = self.cursor
            cur.executemany(sql, rows)  # pyright: ignore[reportArgumentType]
            return cur.rowcount
        except psycopg.Error as exc:
            raise _error(exc, sql, self.conn) from exc
        except UnicodeEncodeError as exc:
            raise unencodable(exc) from exc

    def copy_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Kinds | None = None,
    ) -> int | None:
        """Bulk insert through COPY when it stores exactly what INSERT would (see _pg_copy);
        None when it would not, having written nothing."""
        return copy_rows(self.cursor, table, columns, rows, kinds)

    def aborted(self) -> bool:
        # After a failed statement PostgreSQL refuses everything but ROLLBACK, and answers
        # COMMIT with a silent ROLLBACK.
        # libpq's int, as in run_raw: conn.info builds an object and an enum member.
        return self.pgconn.transaction_status == _INERROR_STATUS

    def in_transaction(self) -> bool:
        return self.pgconn.transaction_status != _IDLE_STATUS

    def close(self) -> None:
        self.conn.close()


class AsyncPostgresDriver:
    """`PostgresDriver` with awaited I/O; everything else is the same code."""

    dialect: Dialect = PostgresDialect()
    awaited = True  # its statements are coroutines (see _fork.disown)
    inherited = False  # the parent's, in a forked child (see _fork)
    turns: TaskTurns | None = None  # see AsyncDriver.turns

    def __init__(self, conn: psycopg.AsyncConnection[TupleRow]) -> None:
        self.conn = conn
        self.depth = 0
        self.released_at = 0.0
        self.cursor: psycopg.AsyncCursor[TupleRow] = conn.cursor()
        self._encoding = conn.info.encoding
        # Row makers by raw field names: a dict lookup per statement, not an lru_cache call.
        self._makers: dict[tuple[bytes | None, ...], Maker] = {}

    async def run(
        self, sql: str, params: Parameters | None, again: bool = False
    ) -> tuple[list[Row], int]:
        cur = self.cursor
        try:
            await cur.execute(sql, params)  # pyright: ignore[reportArgumentType]
            result = cur.pgresult
            if result is None or result.status != _TUPLES_OK:
                return [], cur.rowcount
            names = (_NAMES_OF.get(result.nfields) or names_of(result.nfields))(result.fname)
            make = self._makers.get(names)
            if make is None:
                make = row_maker(self._makers, names, self._encoding)
            return make(await cur.fetchall()), cur.rowcount
        except psycopg.Error as exc:
            if stale_plan(exc, self.conn) and not again:
                return await self.run(sql, params, again=True)
            raise _error(exc, sql, self.conn) from exc
        except UnicodeEncodeError as exc:
            raise unencodable(exc) from exc

    async def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        """As `PostgresDriver.run_raw`."""
        result = await self.run(sql, params)
        control = _control_ran(self.cursor, sql, params)
        open_now = self.conn.pgconn.transaction_status != _IDLE_STATUS
        rollback, error = after_raw(self.depth, open_now, sql, control)
        if error is not None:
            if rollback:
                with suppress(TypedbError):
                    await self.run("ROLLBACK", None)
            raise error
        return result

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            cur = self.cursor
            await cur.executemany(sql, rows)  # pyright: ignore[reportArgumentType]
            return cur.rowcount
        except psycopg.Error as exc:
            raise _error(exc, sql, self.conn) from exc
        except UnicodeEncodeError as exc:
            raise unencodable(exc) from exc

    def aborted(self) -> bool:
        return self.conn.info.transaction_status == _INERROR

    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != _IDLE
