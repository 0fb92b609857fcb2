"""The small surface every backend driver offers `Database` and the builders."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence, Set
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from typedb._errors import CompileError, QueryError
from typedb._sql import Parameters
from typedb.dialects import Dialect

if TYPE_CHECKING:
    from typedb.connection._nesting import Turns

Row = dict[str, Any]


class LostConnection(QueryError):
    """The server ended the connection's session (a restart, `pg_terminate_backend`, a network
    cut) before or while it ran the statement. A statement is not retried: whether it ran is
    unknown. A BEGIN is, on another connection: nothing ran, so nothing can run twice."""


#: How many connections a transaction tries for its BEGIN, one after another while each
#: turns out lost: the pool polls a connection idle a while before handing it out, so only
#: ones used within the last RECHECK_AFTER_SECONDS can be; after a server restart, as many
#: as were busy then.
BEGIN_ATTEMPTS = 5


class Driver(Protocol):
    dialect: Dialect

    @property
    def turns(self) -> Turns | None:
        """The blocks open on this connection's transaction and their threads (see
        _nesting); None outside a `transaction()` block."""
        ...

    @turns.setter
    def turns(self, value: Turns | None) -> None: ...

    @property
    def depth(self) -> int:
        """Open transactions on this connection: 0 outside, 1 in BEGIN, 2+ in savepoints."""
        ...

    @depth.setter
    def depth(self, value: int) -> None: ...

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        """Execute one statement; its rows ([] when it returns none) and affected row count."""
        ...

    def command(self, sql: str) -> None:
        """Run typedb's own transaction control (BEGIN, COMMIT, SAVEPOINT...): no parameters,
        no rows."""
        ...

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        """`run()` for user SQL written with psycopg-style placeholders on every backend."""
        ...

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Execute one statement once per parameter row; the total affected count."""
        ...

    def aborted(self) -> bool:
        """Whether the open transaction can only be rolled back (PostgreSQL after an error)."""
        ...

    def in_transaction(self) -> bool:
        """Whether the database has a transaction open (SQLite can end one by itself)."""
        ...

    def close(self) -> None: ...


#: Each column's set of Python types among the rows, in column order.
Kinds = Sequence[Set[type]]


#: A run of a bulk insert's rows with the same columns: the columns (empty: not for COPY),
#: the rows as tuples, each column's Python types if known, and the run's INSERTs.
CopyRun = tuple[
    Sequence[str], Sequence[Sequence[Any]], Kinds | None, Callable[[], list[tuple[str, Any]]]
]


@runtime_checkable
class BulkCopier(Protocol):
    """A driver with a faster way than INSERT to store many rows (PostgreSQL's COPY)."""

    def copy_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Kinds | None = None,
    ) -> int | None:
        """Insert `rows` (in `columns` order) as one statement and return how many; or
        return None, having written nothing, where that would not store exactly what INSERT
        does (the caller then runs INSERTs). `kinds`, when the caller has them, spares
        scanning the rows for their types again."""
        ...


# NaN and Infinity are not JSON: PostgreSQL rejects them, SQLite would store them. One
# encoder made once: json.dumps() with any option builds a new one per call, which doubled
# the cost of each value (3.6 us against 1.9) in a bulk insert of JSON.
_JSON = json.JSONEncoder(allow_nan=False)


def unencodable(exc: UnicodeEncodeError) -> CompileError:
    """The error for a str value the connection's encoding cannot write: a lone surrogate,
    as `bytes.decode(errors="surrogateescape")` leaves for a byte that is not UTF-8. Refused
    before it reaches the database, as a NUL character is."""
    bad = exc.object[exc.start : exc.end]
    hint = (
        "decode the bytes it came from strictly"
        if "surrogate" in exc.reason
        else "the connection's client_encoding cannot write it"
    )
    return CompileError(
        f"a text value cannot be sent to the database: {bad!r} at position {exc.start} "
        f"cannot be encoded as {exc.encoding} ({exc.reason}); {hint}"
    )


def json_dumps(value: Any) -> str:
    """A dict or list as JSON text for the database, or a clear error saying what cannot be.

    >>> json_dumps({"a": [1, "x"]})
    '{"a": [1, "x"]}'
    """
    try:
        return _JSON.encode(value)
    except (TypeError, ValueError) as exc:
        raise CompileError(
            f"cannot store this {type(value).__name__} as JSON: {exc} (JSON holds str, int, "
            "float, bool, None, list and dict; convert other values first, e.g. .isoformat())"
        ) from None


_PYFORMAT = re.compile(r"%(?:\((?P<name>[^)]*)\))?(?P<kind>.)", re.S)


@lru_cache(maxsize=512)
def pyformat_to_qmark(sql: str) -> tuple[str, bool]:
    """Rewrite psycopg-style placeholders for sqlite3; also says whether they were named.

    `raw()` takes one placeholder style on every backend: psycopg's `%s` and `%(name)s`,
    with `%%` for a literal percent sign.

    >>> pyformat_to_qmark("SELECT * FROM t WHERE a = %s AND b LIKE 'x%%'")
    ("SELECT * FROM t WHERE a = ? AND b LIKE 'x%'", False)
    >>> pyformat_to_qmark("SELECT %(id)s")
    ('SELECT :id', True)
    """
    styles: set[bool] = set()

    def swap(m: re.Match[str]) -> str:
        name, kind = m.group("name"), m.group("kind")
        if kind == "%" and name is None:
            return "%"
        if kind not in "sbt":
            raise CompileError(f"bad placeholder {m.group(0)!r} in {sql!r}: use %s or %(name)s")
        styles.add(name is not None)
        return "?" if name is None else f":{name}"

    out = _PYFORMAT.sub(swap, sql)
    if len(styles) > 1:
        raise CompileError(f"placeholders in {sql!r} mix %s and %(name)s; use one style")
    return out, styles == {True}
