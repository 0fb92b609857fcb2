"""`update_table`, `delete_from` and `soft_delete`: WHERE-filtered writes with RETURNING."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from types import SimpleNamespace
from typing import Any, Self, TypeVar

from typedb._errors import CompileError, NoResultError
from typedb._sql import Fragment
from typedb.dialects import Dialect
from typedb.query._aggregate_plan import AggregatePlan, TypedSql, condition_nodes, inner_of
from typedb.query._base import DELETED_AT, Filtered, Result, Row, first_row, split_table
from typedb.query._expr import Marks, Replacements, Shape, render
from typedb.query._names import note, note_clause
from typedb.query._params import finish, mark, refuse_builder_value, refuse_nul
from typedb.query._result import DeleteResult, UpdateResult
from typedb.query._returning import returning_sql

T = TypeVar("T")


def _update_result(result: Result) -> UpdateResult:
    return UpdateResult(result[1], result[0])


def _delete_result(result: Result) -> DeleteResult:
    return DeleteResult(result[1], result[0])


class _Write(Filtered):
    __slots__ = ()

    def returning(self, *columns: str) -> Self:
        """Give back these columns of the affected rows (`"name as alias"` works)."""
        if not columns:
            raise CompileError("returning() needs at least one column (or use returning_all())")
        return self._add(("returning", columns))

    def returning_all(self) -> Self:
        return self._add(("returning", ("*",)))

    def _returns(self) -> bool:
        return any(r[0] == "returning" for r in self._records)

    def _execute(self, post: Callable[[Result], T]) -> T:
        """Run the statement; `post` gets its rows and the affected count (the rows
        returned, with `returning()`)."""
        sql, params = self._compile()
        if self._returns():
            return self._db._execute(sql, params, lambda r: post((r[0], len(r[0]))), self._tables)
        return self._db._execute(sql, params, post, self._tables)

    def _first(self) -> Row | None:
        """execute_take_first(): the first returned row, or None."""
        self._need_returning()
        return self._db._execute(*self._compile(), first_row, self._tables)

    def _first_or_throw(self, missing: str) -> Row:
        self._need_returning()

        def first(result: Result) -> Row:
            if not result[0]:
                raise NoResultError(missing)
            return result[0][0]

        return self._db._execute(*self._compile(), first, self._tables)

    def _need_returning(self) -> None:
        # Checked before running: raising after the write would report a failure for a
        # change that was made.
        if not self._returns():
            raise CompileError(
                f"execute_take_first() on {type(self).__name__} of table {self._table!r} needs "
                "returning(...); nothing was changed"
            )

    def _tail(
        self, marks: Marks, more: bool = False, other: Callable[[Any], None] | None = None
    ) -> tuple[list[str], str]:
        """WHERE conditions and the RETURNING clause, rendered in call order; `other` renders
        the remaining records (set) in the same walk. Value markers must be numbered in call
        order, the order the values were recorded in. `more`: other conditions will be ANDed,
        so a lone OR group needs its parentheses."""
        wheres = [r for r in self._records if r[0] == "where"]
        where_sql: list[str] = []
        returning = ""
        for record in self._records:
            note_clause(record[0])
            if record[0] == "where":
                where_sql.append(render(record[1], marks, len(wheres) == 1 and not more))
            elif record[0] == "returning":
                returning = returning_sql(record[1], marks.quote)
            elif other is not None:
                other(record)
        return where_sql, returning

    def _finish(self) -> tuple[str, tuple[int, ...] | None]:
        sql, order = super()._finish()
        if self._dialect == "sqlite":
            # Decimal arithmetic in a condition: SQLite computes it in floating point, so
            # `price * qty = 2.97` missed rows PostgreSQL updates or deletes. The plan has the
            # driver compute it exactly, as for a SELECT (see _aggregate_plan).
            compared = tuple(
                n for r in self._records if r[0] == "where" for n in condition_nodes(r[1])
            )
            table = ((split_table(self._table)[0], None),)
            # Subqueries in the where (IN, EXISTS, scalar): the same, over their tables.
            wheres = tuple(r for r in self._records if r[0] == "where")
            inner = inner_of(wheres, table) if any(_has_select(r) for r in wheres) else ()
            if compared or inner:
                again = partial(_render_again, type(self), self._shape, self._db.dialect)
                plan = AggregatePlan(table, (), (), again, (), compared, inner)
                sql = TypedSql(sql, plan)
        return sql, order

    def _scope_tables(self) -> tuple[tuple[str, str | None], ...]:
        return ((split_table(self._table)[0], None),)

    def _table_sql(self) -> str:
        name, alias = split_table(self._table)
        if alias is not None:
            raise CompileError(f"{type(self).__name__} takes a table name, not an alias: {name!r}")
        return self._db.dialect.quote(name)


def _has_select(value: Any) -> bool:
    """Whether a where record holds a subquery (most do not: skip the walk for them)."""
    if type(value) is not tuple:
        return False
    if len(value) == 2 and value[0] in ("sub", "exists"):
        return True
    return any(_has_select(v) for v in value)


def _render_again(cls: type[_Write], shape: Shape, dialect: Dialect, replace: Replacements) -> str:
    """A write's SQL with some expressions replaced, from its shape alone: the cached plan
    must not keep the builder (and its Database) alive."""
    query: Any = object.__new__(cls)  # each write's _render takes `replace`
    query._shape = shape
    query._db = SimpleNamespace(dialect=dialect)  # only its dialect is read
    return finish(query._render(replace), dialect.placeholder)[0]


UPDATED_AT = "updated_at"
_TOUCH = ("touch",)


def _sets_updated_at(record: Any) -> bool:
    # Any case: SQLite's names ignore it, and a set({"UPDATED_AT": x}) there was silently
    # overridden by the now() assigned after it.
    return any(column.lower() == UPDATED_AT for column, _ in record[1])


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


class UpdateQuery(_Write):
    """An UPDATE. Without a where() it updates every row, as SQL does.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> db.update_table("items").set({"name": "x"}).where("id", "=", 1).compile()
    CompiledQuery(sql='UPDATE `items` SET `name` = ? WHERE `id` = ?', parameters=('x', 1))
    """

    __slots__ = ()

    def set(self, values: Mapping[str, Any]) -> Self:
        """Columns to change: plain values are bound, `typedb.sql(...)` goes in as SQL.
        Several calls merge (a later value for a column wins)."""
        if not isinstance(values, Mapping) or not values:
            raise CompileError(
                f"set() for table {self._table!r} needs a non-empty dict of column -> value"
            )
        kinds: list[tuple[str, Fragment | None]] = []
        bound: list[Any] = []
        for column, value in values.items():
            if not isinstance(column, str):
                raise CompileError(f"set() column names must be strings, got {column!r}")
            if isinstance(value, Fragment):
                kinds.append((column, value))
                continue
            if isinstance(value, str):  # a subclass too (a StrEnum member)
                refuse_nul(value, f"column {column!r} of table {self._table!r}")
            elif value is not None:
                refuse_builder_value(value, column, self._table, "set()")
            kinds.append((column, None))
            bound.append(value)
        return self._add(("set", tuple(kinds)), tuple(bound))

    def execute(self) -> UpdateResult:
        return self._touched(lambda q: q._execute(_update_result))

    def execute_take_first(self) -> Row | None:
        return self._touched(lambda q: q._first())

    def execute_take_first_or_throw(self) -> Row:
        message = f"update of table {self._table!r} matched no row"
        return self._touched(lambda q: q._first_or_throw(message))

    def _touched(self, run: Callable[[UpdateQuery], T]) -> T:
        """Run this update, setting `updated_at` to now too when the table has the columns
        `add_timestamp_columns()` makes and set() did not name it (see _timestamps)."""
        if any(r[0] == "touch" or (r[0] == "set" and _sets_updated_at(r)) for r in self._records):
            return run(self)
        return self._db._timestamped(
            split_table(self._table)[0], lambda has: run(self._add(_TOUCH) if has else self)
        )

    def _render(self, replace: Replacements | None = None) -> str:
        marks = Marks(self._db.dialect, replace)
        sets: dict[str, str] = {}

        def assign(record: Any) -> None:
            if record[0] == "set":
                for column, fragment in record[1]:
                    note(column)
                    sets.pop(column, None)  # a later set() wins, in its own position
                    sets[column] = fragment.text if fragment else mark(marks.take())

        where_sql, returning = self._tail(marks, other=assign)
        if not sets:
            raise CompileError(f"update_table({self._table!r}) needs set({{...}})")
        if any(r[0] == "touch" for r in self._records):
            sets[UPDATED_AT] = self._db.dialect.now_sql("timestamp")
        q = self._db.dialect.quote
        assignments = ", ".join(f"{q(c)} = {v}" for c, v in sets.items())
        return f"UPDATE {self._table_sql()} SET {assignments}{_where(where_sql)}{returning}"


class DeleteQuery(_Write):
    """A DELETE. Without a where() it deletes every row, as SQL does.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> db.delete_from("items").where("id", "in", [1, 2]).compile()
    CompiledQuery(sql='DELETE FROM `items` WHERE `id` IN (?, ?)', parameters=(1, 2))
    """

    __slots__ = ()

    def execute(self) -> DeleteResult:
        return self._execute(_delete_result)

    def execute_take_first(self) -> Row | None:
        return self._first()

    def execute_take_first_or_throw(self) -> Row:
        return self._first_or_throw(f"delete from table {self._table!r} matched no row")

    def _render(self, replace: Replacements | None = None) -> str:
        where_sql, returning = self._tail(Marks(self._db.dialect, replace))
        return f"DELETE FROM {self._table_sql()}{_where(where_sql)}{returning}"


class SoftDeleteQuery(DeleteQuery):
    """Marks rows deleted: `deleted_at` = now (UTC, naive, the database clock). Rows already
    deleted keep their original time and are not counted.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> print(db.soft_delete("items").where("id", "=", 1).compile().sql)  # doctest: +NORMALIZE_WHITESPACE
    UPDATE `items` SET `deleted_at` = (replace(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000', '.000000', ''))
    WHERE `id` = ? AND `deleted_at` IS NULL
    """

    __slots__ = ()

    def _render(self, replace: Replacements | None = None) -> str:
        where_sql, returning = self._tail(Marks(self._db.dialect, replace), more=True)
        column = self._db.dialect.quote(DELETED_AT)
        where_sql.append(f"{column} IS NULL")
        now = self._db.dialect.now_sql("timestamp")
        return f"UPDATE {self._table_sql()} SET {column} = {now}{_where(where_sql)}{returning}"


class RestoreQuery(_Write):
    """Undoes `soft_delete`: `deleted_at` back to NULL on the matched rows that are deleted
    (rows not deleted are left alone and not counted).

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> print(db.restore("items").where("id", "=", 1).compile().sql)
    UPDATE `items` SET `deleted_at` = NULL WHERE `id` = ? AND `deleted_at` IS NOT NULL
    """

    __slots__ = ()

    def execute(self) -> UpdateResult:
        return self._execute(_update_result)

    def execute_take_first(self) -> Row | None:
        return self._first()

    def execute_take_first_or_throw(self) -> Row:
        return self._first_or_throw(f"restore of table {self._table!r} matched no deleted row")

    def _render(self, replace: Replacements | None = None) -> str:
        where_sql, returning = self._tail(Marks(self._db.dialect, replace), more=True)
        column = self._db.dialect.quote(DELETED_AT)
        where_sql.append(f"{column} IS NOT NULL")
        return f"UPDATE {self._table_sql()} SET {column} = NULL{_where(where_sql)}{returning}"
