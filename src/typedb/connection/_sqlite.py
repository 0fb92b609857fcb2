"""sqlite3 made to behave like a server: FKs on, waits instead of 'locked', typed values back."""

from __future__ import annotations

import importlib.util
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from operator import itemgetter
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from typedb._errors import CompileError, ConnectionError, IntegrityError, QueryError
from typedb._sql import Parameters
from typedb._url import Url
from typedb.connection._driver import Row, json_dumps, pyformat_to_qmark, unencodable
from typedb.connection._rows import maker
from typedb.connection._sqlite_errors import take_function_error
from typedb.connection._sqlite_functions import register_pg_functions
from typedb.connection._sqlite_names import SchemaNames
from typedb.connection._sqlite_types import (
    PARSERS,
    AggregateTypes,
    exact_avg,
    exact_sum,
    register_expression_functions,
)
from typedb.connection._transaction import settle_raw
from typedb.dialects import Dialect, SqliteDialect, quote_identifier
from typedb.dialects._sqlite import (
    date_text,
    decimal_value,
    portable_type,
    time_text,
    timestamp_text,
)
from typedb.query._aggregate_plan import TypedSql


def _private_sqlite3() -> ModuleType:
    """A copy of the `_sqlite3` extension module of typedb's own.

    sqlite3's converters and adapters live in a registry per module instance, which for the
    one everybody imports is the whole process: registering typedb's there would hand other
    sqlite3 code in the program typedb's parsing (and theirs to typedb). `_sqlite3` supports
    several instances (PEP 489 multi-phase init, each with its own state), so typedb loads its
    own: the same C code and speed, with converters seen by typedb's connections only.
    """
    spec = importlib.util.find_spec("_sqlite3")
    if spec is None or spec.loader is None:  # pragma: no cover - a Python without sqlite3
        raise ImportError("the _sqlite3 extension module is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import sqlite3

    from typedb.connection._nesting import Turns
else:
    sqlite3 = _private_sqlite3()

T = TypeVar("T")
BUSY_TIMEOUT_SECONDS = 30.0
#: Compiled statements sqlite3 keeps per connection (a few KB each).
CACHED_STATEMENTS = 1024
_SQLITE_OK = 0
_SQLITE_DENY = 1
# Authorizer actions whose table is a statement's own: SQLITE_DELETE, _INSERT, _READ, _UPDATE.
_TABLE_ACTIONS = frozenset({9, 18, 20, 23})
# The first letters of typedb's writes: INSERT, UPDATE, DELETE.
_WRITES = frozenset("IUD")
_first = itemgetter(0)  # a column name out of a cursor.description entry


def _float_out(value: float) -> float:
    if math.isnan(value):
        # SQLite stores NaN as NULL; PostgreSQL keeps it. Refuse rather than lose it.
        raise CompileError("SQLite cannot store NaN (it would become NULL); use None")
    return value


def _decimal_out(value: Decimal) -> int | float:
    try:
        return decimal_value(value)
    except ValueError as exc:
        raise CompileError(f"{exc}; PostgreSQL keeps it, so typedb refuses it") from None


# What each Python type is stored as: the one text form typedb writes for each (see
# typedb.dialects._sqlite), so that equal values compare equal in SQL.
_ADAPTERS: dict[type, Callable[[Any], Any]] = {
    datetime: timestamp_text,
    date: date_text,
    time: time_text,
    Decimal: _decimal_out,
    float: _float_out,
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


def _register_converters() -> None:
    # On typedb's own sqlite3 module only (see _private_sqlite3). The names are the first
    # word of the declared types typedb's SQLite dialect writes; each column's type CHECK
    # (SqliteDialect.type_check) guarantees the text parses. Aggregates use the same parsers.
    for name, parse in PARSERS.items():
        sqlite3.register_converter(name, _from_bytes(parse))


def _from_bytes(parse: Callable[[str], Any]) -> Callable[[bytes], Any]:
    return lambda raw: parse(raw.decode())


_register_converters()

# A statement that may create a TEMP table or view, which would shadow a main table of its
# name (see AggregateTypes.temp_schema); TEMP triggers shadow nothing.
_CREATES_TEMP = re.compile(
    r"\s*CREATE\s+(?:(?:TEMP|TEMPORARY)\s+(?:TABLE|VIEW)\b"
    r"|(?:VIRTUAL\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"\[]?temp[`\"\]]?\s*\.)",
    re.I,
)
# "CHECK constraint failed: <column>" is the type CHECK of that column (see type_check).
_CHECK_FAILED = re.compile(r"CHECK constraint failed: (.*)\Z", re.S)
_WRITTEN_TABLE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?)\s+"
    r"(\"(?:[^\"]|\"\")*\"|\[[^\]]*\]|`(?:[^`]|``)*`|[\w$]+)",
    re.I,
)


def _error(
    exc: sqlite3.Error,
    sql: str,
    conn: sqlite3.Connection,
    url: Url,
    behind_own_block: bool = False,
) -> QueryError | ConnectionError:
    if isinstance(exc, sqlite3.ProgrammingError) and _is_closed(conn):
        # As on PostgreSQL: a statement through a closed database is a ConnectionError (a
        # `trx` kept past db.close(), another thread's statement racing the close).
        return ConnectionError(f"{url.masked} is closed")
    if behind_own_block and isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return ConnectionError(
            f"{url.masked}: this write waits for SQLite's write lock, which a "
            "`transaction()` block of another context on this same thread holds (another "
            "asyncio task using the sync database, or a suspended generator); that block can "
            "only go on in this thread, so waiting would freeze it. Use typedb.connect_async() "
            "in asyncio code, or finish the block before writing outside it"
        )
    if isinstance(exc, sqlite3.IntegrityError):
        refused = _type_refused(str(exc), sql, conn)
        if refused is not None:
            return QueryError(refused, sql)
        return IntegrityError(str(exc), sql)
    message = str(exc)
    if message == "user-defined function raised exception":
        # One of typedb's SQL functions refused a value: say what it said.
        message = take_function_error() or message
    return QueryError(message, sql)


def _denied(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused to compile the statement because typedb's authorizer said so
    (SqliteDriver._authorize): nothing of it ran, so it may run again once judged."""
    message = str(exc)
    # A column read refused is worded "access to table.column is prohibited"; the rest so.
    return message == "not authorized" or (
        message.startswith("access to ") and message.endswith(" is prohibited")
    )


def _is_closed(conn: sqlite3.Connection) -> bool:
    try:
        conn.total_changes  # noqa: B018 - raises on a closed connection, and only then
    except sqlite3.ProgrammingError:
        return True
    return False


def _type_refused(message: str, sql: str, conn: sqlite3.Connection) -> str | None:
    """A message naming table.column and its type, when that column's type CHECK failed."""
    failed = _CHECK_FAILED.match(message)
    table = _WRITTEN_TABLE.match(sql)
    if failed is None or table is None:
        return None
    name, column = _unquote(table.group(1)), failed.group(1)
    try:
        rows = conn.execute(
            "SELECT p.name, p.type, m.sql FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
            "WHERE m.type = 'table' AND m.name = ? COLLATE NOCASE AND p.name = ? COLLATE NOCASE",
            (name, column),
        ).fetchall()
    except sqlite3.Error:
        return None
    portable = portable_type(rows[0][1]) if rows else None
    if portable is None:
        return None
    table_sql: str = rows[0][2]
    if portable == "integer":
        portable = _rowid_type(table_sql, rows[0][0])
    # Tables written before typedb quoted SQLite names with backticks have '"' in their CHECKs.
    for quote in (SqliteDialect.quote_char, '"'):
        quoted = quote_identifier(rows[0][0], quote)
        check = SqliteDialect().type_check(quoted, portable)
        if check is not None and f"CHECK ({check})" in table_sql:
            break
    else:
        return None  # the developer's own CHECK, which SQLite happened to report by column name
    name_only = rows[0][0]
    if sum(table_sql.count(f"CHECK ({quote_identifier(name_only, q)}") for q in '`"') > 1:
        return None  # a CHECK of the developer's is reported the same way: cannot tell which
    if _named_constraint(table_sql, column):
        return None  # the developer's CHECK named like the column: reported by its name
    where = f"column {name}.{column}"
    kind = portable.split("(")[0]
    text_only = " (or not text: bytes go in a bytea column)"
    if kind == "varchar":
        return f"value too long for type {portable} in {where}{text_only}"
    if kind == "char":
        return (
            f"value for type {portable} in {where} must have exactly that many characters on "
            f"SQLite (PostgreSQL pads shorter ones with spaces, which SQLite cannot){text_only}"
        )
    return f"invalid value for type {portable} in {where}{_HINTS.get(kind, '')}"


def _rowid_type(table_sql: str, column: str) -> str:
    """An INTEGER column's type as typedb declared it: a smallint or bigint auto-increment
    key is INTEGER (SQLite's rowid) with its type's CHECK (see _sqlite_ddl.rowid_type)."""
    from typedb.schema._sqlite_ddl import parse_create_table, rowid_type

    try:
        found = parse_create_table(table_sql).column(column)
    except CompileError:
        return "integer"
    return "integer" if found is None else rowid_type(found)


def _named_constraint(table_sql: str, name: str) -> bool:
    """Whether the table has a constraint called `name` (in any of SQLite's quotings)."""
    spellings = (
        quote_identifier(name, "`"),
        quote_identifier(name, '"'),
        f"[{name}]",
        f"'{name}'",
        name,
    )
    alternatives = "|".join(map(re.escape, spellings))
    return re.search(rf"\bCONSTRAINT\s+(?:{alternatives})\s", table_sql, re.I) is not None


_STORED_AS = "; bind the Python value, or write the text typedb stores: "
_HINTS = {
    "timestamp": _STORED_AS + "'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC",
    "timestamptz": _STORED_AS + "'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC, without an offset",
    "time": _STORED_AS + "'HH:MM:SS[.ffffff]'",
    "date": _STORED_AS + "'YYYY-MM-DD'",
    "uuid": _STORED_AS + "lowercase 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'",
    "boolean": "; booleans are stored as 0 and 1",
    "text": ": bytes are refused on SQLite (PostgreSQL would store their hex text '\\x...'); "
    "decode them, or use a bytea column",
    "numeric": (
        ": on SQLite a number within the type's precision and scale (PostgreSQL would round "
        "extra decimals, SQLite cannot: round the value first)"
    ),
}


def _unquote(name: str) -> str:
    if name[:1] in ('"', "`"):
        return name[1:-1].replace(name[0] * 2, name[0])
    if name[:1] == "[":
        return name[1:-1]
    return name


class SqliteDriver:
    dialect: Dialect = SqliteDialect()
    turns: Turns | None = None  # see Driver.turns

    def __init__(self, url: Url, *, wal: bool = False) -> None:
        try:
            self.conn = sqlite3.connect(
                url.path or ":memory:",
                timeout=BUSY_TIMEOUT_SECONDS,
                detect_types=sqlite3.PARSE_DECLTYPES,
                isolation_level=None,  # we issue BEGIN ourselves, DDL included
                check_same_thread=False,
                # sqlite3 keeps 128 compiled statements by default; one compiled again costs
                # a compilation and the names check's judgement (see README, "A name is
                # matched exactly"): 12 us a run instead of 3.4 with 200 shapes in rotation.
                cached_statements=CACHED_STATEMENTS,
            )
            self.conn.execute("PRAGMA foreign_keys = ON")
            if wal:
                # Persistent in the file; readers then never wait for a writer (see README).
                self.conn.execute("PRAGMA journal_mode = WAL")
            # Exact SUM / AVG of decimals, for the aggregates SQLite cannot type (below).
            self.conn.create_function("typedb_sum", 1, exact_sum, deterministic=True)
            self.conn.create_function("typedb_avg", 1, exact_avg, deterministic=True)
            register_expression_functions(self.conn)
            register_pg_functions(self.conn)
        except sqlite3.Error as exc:
            raise ConnectionError(f"cannot open {url.masked}: {exc}") from exc
        self.url = url
        self.depth = 0
        # Held by a `transaction()` block (SqliteThreadPool): another context on the same
        # thread gets a spare connection instead. An instance attribute: read per statement.
        self.held = False
        # A spare connection (SqliteThreadPool._spare) whose thread's own block holds the
        # write lock: "database is locked" then means that block, which cannot end while
        # this thread waits, so it is refused at once (busy timeout 0) and said so.
        self.behind_own_block = False
        # total_changes at this connection's BEGIN (-1: BEGIN IMMEDIATE, the write lock
        # taken): whether its open block has written since, so holds SQLite's write lock.
        self.begun_at = 0
        # One sqlite3 connection and cursor must not run two statements at once (that
        # crashes the interpreter); a transaction's `trx` (and the pytest plugin's
        # `typedb_db`) may be used by several threads, as psycopg allows on PostgreSQL.
        self._lock = threading.RLock()
        self.cursor = self.conn.cursor()
        self.aggregate_types = AggregateTypes(self.conn)
        self.schema_names = SchemaNames(self.conn, self.aggregate_types)
        # The statement being run, whose names as written (NamedSql) are judged when SQLite
        # compiles it on this connection: the authorizer refuses its first compilation here,
        # and each after a schema change, until judged (see _authorize). A statement already
        # compiled runs without a call: the hot path pays one attribute store.
        self._current: str = ""
        self._judged: str | None = None
        self._refused = False
        self.conn.set_authorizer(self._authorize)

    def command(self, sql: str) -> None:
        self.run(sql, None)
        if sql[:5] == "BEGIN":
            self.begun_at = -1 if sql[-9:] == "IMMEDIATE" else self.conn.total_changes

    def writing(self) -> bool:
        """Whether this connection's open transaction holds SQLite's write lock (it began
        IMMEDIATE or has changed rows; a block's DDL alone is not seen)."""
        try:
            conn = self.conn
            return conn.in_transaction and (
                self.begun_at < 0 or conn.total_changes != self.begun_at
            )
        except sqlite3.ProgrammingError:  # closed
            return False

    def wait_for_writers(self, behind_own_block: bool) -> None:
        """A spare connection: wait for SQLite's write lock as usual, or, while this
        thread's own block holds it, not at all (see `behind_own_block`)."""
        if behind_own_block != self.behind_own_block:
            timeout = 0 if behind_own_block else int(BUSY_TIMEOUT_SECONDS * 1000)
            with self._lock:
                self.conn.execute(f"PRAGMA busy_timeout = {timeout}")
            self.behind_own_block = behind_own_block

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        if self.depth and not self._still_in_transaction(sql):
            raise QueryError(
                "SQLite rolled back this transaction by itself after a statement failed "
                "(ON CONFLICT ROLLBACK, RAISE(ROLLBACK) or a disk error); refusing to run "
                "more statements, which would each commit on their own",
                sql,
            )
        with self._lock:  # a `trx` handed to other threads: one statement at a time
            cur = self.cursor
            self._current = sql
            try:
                if type(sql) is TypedSql:
                    # A SELECT with aggregates over columns, which SQLite cannot type alone.
                    return self._run_typed(sql, params)
                if params is None:
                    cur.execute(sql)
                else:
                    cur.execute(sql, _adapt_params(params))
                description = cur.description
                if description is None:
                    if _CREATES_TEMP.match(sql):
                        self.aggregate_types.temp_schema = True
                    return [], cur.rowcount
                names = tuple(map(_first, description))
                fetched = cur.fetchall()
                if fetched and sql[:1] != "S" and " RETURNING " in sql:
                    fetched = self._whole_floats(sql, names, fetched)
                return maker(names)(fetched), cur.rowcount
            except sqlite3.Error as exc:
                if self._refused and _denied(exc):
                    # No lambda here: its cells would be made at every call of run().
                    return self._judge(sql, self.run, params)
                raise _error(exc, sql, self.conn, self.url, self.behind_own_block) from exc
            except OverflowError as exc:
                # An int beyond 64 bits: PostgreSQL says "out of range"; say the same.
                raise QueryError(f"value out of range for SQLite: {exc}", sql) from exc
            except UnicodeEncodeError as exc:
                raise unencodable(exc) from exc
            finally:
                # Not the statement of typedb's own reads of the schema, or of a caller's
                # SQL on this sqlite3 connection (see _authorize).
                self._current = ""

    def _authorize(
        self, action: int, table: str | None, column: str | None, _db: str | None, _by: str | None
    ) -> int:
        """SQLite's authorizer, called while it compiles a statement (never when it runs one
        compiled already): refuses the statement being run when it has names as written
        (see typedb.query._names) and is not judged yet at this schema. The driver then
        judges them, and runs the statement again or raises PostgreSQL's error."""
        if action not in _TABLE_ACTIONS:
            return _SQLITE_OK
        current = self._current
        names = getattr(current, "names", None)
        if names is None or table is None or table.lower() not in names.tables:
            return _SQLITE_OK  # not a statement's table: typedb's own look at the schema
        if current is self._judged:
            return _SQLITE_OK
        # Compiled again (out of sqlite3's statement cache, or after a schema change): judged
        # again, as the first time (SchemaNames answers at once while the schema is the same).
        # What SQLite reports reading says too little to pass it: an INSERT's columns and ON
        # CONFLICT's target are never reported, and a name may now resolve to a column that
        # another name of the statement read rightly before (a subquery's column dropped: its
        # name reaches the enclosing query's column in another case).
        self._refused = True
        return _SQLITE_DENY

    def _judge(self, sql: str, again: Callable[[str, Any], T], arguments: Any) -> T:
        """The statement's names judged against the schema (refused as PostgreSQL refuses
        them), then the statement run again: SQLite refused to compile it (see _authorize),
        so nothing of it ran."""
        self._refused = False
        self._judged = sql  # typedb's own reads of the schema below, and the run again
        try:
            try:
                if sql[:1] in _WRITES and self.conn.in_transaction and not self.writing():
                    self._take_write_lock(sql)
                error = self.schema_names.refused(sql)
            except sqlite3.Error as exc:
                raise _error(exc, sql, self.conn, self.url, self.behind_own_block) from exc
            if error is not None:
                raise error
            return again(sql, arguments)
        finally:
            self._judged = None

    def _take_write_lock(self, sql: str) -> None:
        """In a block that has not written yet, SQLite's write lock, taken (waiting for
        another writer) before the schema is read, as the write being judged would take it:
        reading first and then writing fails with "database is locked" at once when another
        connection writes meanwhile (SQLite cannot let both go on)."""
        names = getattr(sql, "names", None)
        table = names.scopes[0].tables[0][0] if names and names.scopes else None
        if table is None:
            return
        try:
            self.cursor.execute(f"DELETE FROM {quote_identifier(table, '`')} WHERE 0")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise
            # No such table, or a view: the write says so itself, or takes the lock then.

    def _still_in_transaction(self, sql: str) -> bool:
        try:
            return self.conn.in_transaction
        except sqlite3.ProgrammingError as exc:  # closed
            raise _error(exc, sql, self.conn, self.url, self.behind_own_block) from exc

    def _whole_floats(self, sql: str, names: tuple[str, ...], rows: list[Any]) -> list[Any]:
        """RETURNING rows with the ints of float columns made floats again (SQLite gives a
        whole 2.0 of a REAL column, not the table's first, back as 2 there)."""
        positions = self.aggregate_types.float_positions(sql, names)
        if not positions:
            return rows
        fixed = []
        for row in rows:
            values = list(row)
            for i in positions:
                if type(values[i]) is int:
                    values[i] = float(values[i])
            fixed.append(values)
        return fixed

    def _run_typed(self, sql: TypedSql, params: Parameters | None) -> tuple[list[Row], int]:
        """`run()` with aggregates typed as PostgreSQL types them (see _sqlite_types)."""
        specialized = self.aggregate_types.specialize(sql)
        cur = self.cursor
        cur.execute(specialized.sql, () if params is None else _adapt_params(params))
        if cur.description is None:  # an UPDATE / DELETE without RETURNING
            return [], cur.rowcount
        names = tuple(map(_first, cur.description))
        fetched = cur.fetchall()
        if fetched and sql[:1] != "S" and " RETURNING " in sql:
            fetched = self._whole_floats(str(sql), names, fetched)
        try:
            converted = specialized.convert(names, fetched)
        except (ValueError, ArithmeticError) as exc:
            # CASE ... THEN a timestamp ELSE 'n/a': PostgreSQL refuses the statement; here the
            # text reaches the converter. Raised as the database error it is there.
            raise QueryError(
                f"a result does not parse as the type its expression has on PostgreSQL, "
                f"which refuses this query: {exc}",
                str(sql),
            ) from exc
        rows = maker(names)(converted)
        return rows, cur.rowcount

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        if params is not None:
            sql, named = pyformat_to_qmark(sql)
            if named != isinstance(params, Mapping):
                from typedb._errors import CompileError

                raise CompileError(
                    "named placeholders need a mapping of parameters and %s needs a sequence"
                )
        result = self.run(sql, params)
        # One statement a call (sqlite3 refuses more), whose BEGIN / COMMIT was refused
        # before running; still, a transaction's state is checked as on PostgreSQL.
        settle_raw(self, self.depth, self.in_transaction(), sql, False)
        return result

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            with self._lock:
                cur = self.cursor
                self._current = sql
                try:
                    cur.executemany(sql, ([adapt(v) for v in row] for row in rows))
                except sqlite3.Error as exc:
                    # Under the lock, as in run(): the refusal and the judgement are this
                    # statement's, not another thread's on a shared `trx`.
                    if self._refused and _denied(exc):
                        return self._judge(sql, self.run_many, rows)
                    raise
                finally:
                    self._current = ""
                return cur.rowcount
        except sqlite3.Error as exc:
            raise _error(exc, sql, self.conn, self.url, self.behind_own_block) from exc
        except OverflowError as exc:
            raise QueryError(f"value out of range for SQLite: {exc}", sql) from exc
        except UnicodeEncodeError as exc:
            raise unencodable(exc) from exc

    def aborted(self) -> bool:
        return False  # SQLite either undoes just the failed statement or ends the transaction

    def in_transaction(self) -> bool:
        try:
            return self.conn.in_transaction
        except sqlite3.ProgrammingError:  # closed: nothing left open to end
            return False

    def close(self) -> None:
        # Not under another thread's running statement: closing under it crashes the
        # interpreter (db.close() at shutdown while requests are still running).
        with self._lock:
            self.conn.close()
