"""What every builder shares: immutable copies, shape-cached compilation, where clauses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NoReturn, Self, overload
from uuid import UUID

from typedb._errors import CompileError, QueryError, UnknownColumnError
from typedb._sql import CompiledQuery, Parameters
from typedb.query import _cache
from typedb.query._expr import Column, Op, Shape, Values, Where, condition
from typedb.query._names import collecting, with_names
from typedb.query._params import finish

if TYPE_CHECKING:
    from typedb.connection import Database

Row = dict[str, Any]

DELETED_AT = "deleted_at"

_NO: Any = object()  # an argument not given
_PLAIN_OPS = {"=": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# Not date and datetime: on SQLite compare() binds a midnight for how it orders (_sqlite_dates).
_PLAIN_TYPES = frozenset({int, float, bool, Decimal, time, UUID, bytes})


Result = tuple[list[Row], int]  # a statement's rows and affected row count
Statement = tuple[str, Parameters | None]  # SQL and its parameters, as a plan lists them
rows_of: Callable[[Result], list[Row]] = itemgetter(0)
new_instance = object.__new__


def first_row(result: Result) -> Row | None:
    return result[0][0] if result[0] else None


Tables = Callable[[], tuple[str, ...]]  # a statement's tables (aliases included), for errors


def raise_named(exc: QueryError, tables: Tables) -> NoReturn:
    """Raise `exc`, as an UnknownColumnError naming the column and table when that is what
    it is. Called from the databases' `except`, so a query pays nothing until one fails."""
    if isinstance(exc, UnknownColumnError):
        raise exc  # named already (SQLite's refusal of a name in another case: _names)
    error = unknown_column(exc, tables())
    if error is None:
        raise exc
    raise error from exc.__cause__


# How each backend words "no such column"; the name is in group 1, maybe quoted.
_UNKNOWN_COLUMN = (
    # SQLite; newer versions may add a hint about string literals after " - ".
    re.compile(r"no such column: (.+?)(?: - should this be a string literal.*)?$", re.S),
    re.compile(r"table \S+ has no column named (.+)"),  # SQLite, INSERT
    # PostgreSQL quotes a plain name ('column "my col" does not exist') but not a qualified
    # one ('column b.my col does not exist'), which may hold spaces.
    re.compile(r'column (".+?"|.+?) (?:of relation ".+?" )?does not exist'),  # PostgreSQL
)


def unknown_column(exc: QueryError, tables: tuple[str, ...]) -> UnknownColumnError | None:
    """`exc` as an UnknownColumnError naming the column and table, if that is what it is.

    >>> print(unknown_column(QueryError("no such column: nmae"), ("users",)))
    unknown column 'nmae' in table 'users': no such column: nmae
    """
    message = str(exc)
    for pattern in _UNKNOWN_COLUMN:
        match = pattern.match(message)
        if match:
            column = match.group(1).strip().strip('"')
            where = ("table " if len(tables) == 1 else "tables ") + ", ".join(map(repr, tables))
            return UnknownColumnError(
                f"unknown column {column!r} in {where}: {message.splitlines()[0]}",
                exc.sql,
                column,
                split_table(tables[0])[0],
            )
    return None


def split_table(table: str) -> tuple[str, str | None]:
    """`"items as i"` -> ("items", "i"); plain names have no alias."""
    if not isinstance(table, str) or not table.strip():
        raise CompileError(f"table name must be a non-empty string, got {table!r}")
    name, _, alias = table.partition(" as ") if " as " in table else table.partition(" AS ")
    return (name.strip(), alias.strip() or None) if alias else (table, None)


class Query:
    """Base of the builders. Each call returns a new builder that records the call in its
    SHAPE (hashable, the cache key) and its values in VALUES (bound, never in the SQL)."""

    __slots__ = ("_db", "_shape", "_values")

    _db: Database
    _shape: Shape
    _values: Values

    def __init__(self, db: Database, table: str) -> None:
        if type(table) is not str or not table:
            split_table(table)  # raises the error; names are fully checked when rendered
        self._db = db
        # The head record holds all but the calls that decides the SQL, so the shape is the
        # cache key as it is and every call copies three attributes: both run per query.
        # A database keeps its dialect's name as a plain attribute (the lazy facades, which
        # may not have connected yet, leave it None): read for every query.
        name = db._dialect_name
        self._shape = ((type(self), name if name is not None else db.dialect.name, table),)
        self._values = ()

    @property
    def _dialect(self) -> str:
        return self._shape[0][1]  # type: ignore[no-any-return]

    @property
    def _table(self) -> str:
        return self._shape[0][2]  # type: ignore[no-any-return]

    @property
    def _records(self) -> Shape:
        """The calls made, in order (the shape without its head)."""
        return self._shape[1:]

    def _add(self, record: Shape, values: Values = ()) -> Self:
        # The builder calls run for every query, so the hot ones (where, select, join,
        # order_by, limit) do this inline: the call to _add cost 0.9k instructions a call.
        new = new_instance(type(self))
        new._db = self._db
        new._shape = self._shape + (record,)  # noqa: RUF005  # 40 ns faster than (*s, r)
        new._values = self._values + values if values else self._values
        return new

    def _render(self) -> str:
        """SQL with value markers, built from the shape (only on a cache miss)."""
        raise NotImplementedError

    def _compile(self) -> tuple[str, tuple[Any, ...]]:
        key = self._shape
        entry = _cache.entries.get(key)  # the hit, inlined: this runs for every query
        sql, order = entry if entry is not None else _cache.lookup(key, self._finish)
        values = self._values
        if order is not None:
            values = tuple([values[i] for i in order])
        return sql, values

    def _finish(self) -> tuple[str, tuple[int, ...] | None]:
        # The value count is part of the shape, so it is the same for every query it caches.
        if self._dialect == "sqlite":
            # The names as written ride on the SQL: SQLite matches them in any case, and its
            # driver refuses what PostgreSQL would (see _names).
            with collecting(self._scope_tables()) as names:
                sql, order = finish(self._render(), self._db.dialect.placeholder, len(self._values))
            sql = with_names(sql, names)
        else:
            sql, order = finish(self._render(), self._db.dialect.placeholder, len(self._values))
        if order is not None and any(i >= len(self._values) for i in order):
            # Only a hand-made Expression can get here: its shape has more placeholders
            # than it carries values.
            raise CompileError(
                f"a condition on table {self._table!r} has {len(order)} placeholders but "
                f"{len(self._values)} values"
            )
        return sql, order

    def _scope_tables(self) -> tuple[tuple[str, str | None], ...]:
        """The tables of a write's one scope (a SELECT makes its scopes as it renders)."""
        return ()

    def compile(self) -> CompiledQuery:
        """The SQL and parameters this builder runs, without touching the database."""
        return CompiledQuery(*self._compile())

    def _tables(self) -> tuple[str, ...]:
        """The table and the joined tables the query is on, as given."""
        return (self._table, *(r[2] for r in self._records if r[0] == "join"))

    def _alias(self) -> str:
        name, alias = split_table(self._table)
        return alias or name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.compile().sql!r}>"


class Filtered(Query):
    """Builders with a WHERE clause: select, update, delete, soft delete."""

    __slots__ = ()

    @overload
    def where(self, column: Column, op: Op, value: Any, /) -> Self: ...
    @overload
    def where(self, build: Where, /) -> Self: ...
    def where(self, column: Any = _NO, op: Any = _NO, value: Any = _NO, /, *more: Any) -> Self:
        """AND one condition: `where("price", ">", 10)`, or a group built by a callback:
        `where(lambda eb: eb.or_([eb("a", "=", 1), eb("b", "is", None)]))`."""
        # Named positional parameters, not *args: no tuple to pack for the common call.
        if value is not _NO and not more:
            # Fast path for the common case (a plain comparison with a scalar value); it
            # records exactly what compare() would, NUL check on text included.
            sql_op = _PLAIN_OPS.get(op) if type(op) is str else None
            if (
                sql_op is not None
                and type(column) is str
                and (type(value) in _PLAIN_TYPES or (type(value) is str and "\x00" not in value))
            ):
                new = new_instance(type(self))
                new._db = self._db
                new._shape = self._shape + (("where", ("cmp", column, sql_op, 1)),)  # noqa: RUF005
                new._values = self._values + (value,)  # noqa: RUF005
                return new
            if (op == "in" or op == "not in") and type(column) is str:
                # A subquery on the right (`where("id", "in", db.select_from(...))`): the
                # record compare() makes, without its checks for every other kind of value.
                sub = getattr(value, "_subquery", None)
                if sub is not None:
                    sub_shape, sub_values = sub()
                    record = ("cmp", column, "IN" if op == "in" else "NOT IN", ("sub", sub_shape))
                    new = new_instance(type(self))
                    new._db = self._db
                    new._shape = self._shape + (("where", record),)  # noqa: RUF005
                    new._values = self._values + sub_values
                    return new
        args = tuple(a for a in (column, op, value) if a is not _NO) + more
        shape, values = condition(self._dialect, args)
        return self._add(("where", shape), values)

    def where_not_deleted(self) -> Self:
        """Only rows not soft-deleted: `deleted_at IS NULL`."""
        return self._add(("where", ("cmp", f"{self._alias()}.{DELETED_AT}", "IS", None)))

    def where_deleted(self) -> Self:
        """Only soft-deleted rows: `deleted_at IS NOT NULL`."""
        return self._add(("where", ("cmp", f"{self._alias()}.{DELETED_AT}", "IS NOT", None)))

    def _where_shapes(self) -> list[Shape]:
        return [r[1] for r in self._records if r[0] == "where"]
