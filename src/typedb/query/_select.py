"""`db.select_from(table)`: SELECT built fluently, rendered by PyPika once per shape."""

from __future__ import annotations

from functools import partial
from types import FunctionType
from typing import Any, Literal, Self, cast, overload

from typedb._errors import CompileError, NoResultError
from typedb._sql import Fragment
from typedb.dialects import Dialect
from typedb.query import _cache
from typedb.query._aggregate_plan import TypedSql, plan_of
from typedb.query._base import Result, Row, first_row, new_instance, rows_of, split_table
from typedb.query._expr import (
    Aggregate,
    Column,
    Marks,
    Op,
    Replacements,
    Shape,
    Where,
    condition,
)
from typedb.query._locks import LockingSql, takes_locks
from typedb.query._node import Expr
from typedb.query._params import finish
from typedb.query._select_parts import (
    ExprCallback,
    JoinOn,
    SelectParts,
    expression_items,
)
from typedb.query._select_sql import _sub_sql, render_select

# The count of limit() is part of the shape and written into the SQL, not bound: PostgreSQL
# plans a prepared `LIMIT $n` for a tenth of the table, finds that generic plan dearer than
# a plan for the actual count, and so plans such a query again at every execution (its
# pg_prepared_statements row counts custom plans only). A literal LIMIT gets the generic
# plan after five runs, as a hand-written query does. (OFFSET stays bound: pages would each
# be a statement of their own.) limit(1) in the shape also tells _expr._one_row_at_most
# that a scalar subquery has one row at most.

# The largest count written into a LIMIT: past it SQLite read the literal as a float
# ("datatype mismatch") and PostgreSQL as a numeric ("bigint out of range").
_MAX_LIMIT = 2**63 - 1

# A tuple, not `Aggregate | Fragment`: that union is a new object at every evaluation.
_COLUMN_OBJECTS = (Aggregate, Fragment)


class SelectQuery(SelectParts):
    """A SELECT. Immutable: every method returns a new query.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> q = db.select_from("items").select("id", "name as title").where("price", ">", 10) \\
    ...       .order_by("id", "desc").limit(5)
    >>> print(q.compile().sql)
    SELECT `id`,`name` AS `title` FROM `items` WHERE `price` > ? ORDER BY `id` DESC NULLS FIRST LIMIT 5
    >>> q.compile().parameters
    (10,)
    """

    __slots__ = ()

    def select(self, *columns: Column | Fragment | ExprCallback) -> Self:
        """Columns to return: `"name"`, `"table.name"`, `"name as alias"`, `fn.count("id")`,
        or `typedb.sql(...)`. Several calls add up; none at all means `*`."""
        if not columns:
            raise CompileError("select() needs at least one column (or use select_all())")
        for c in columns:
            # type() first: plain names are the common case, and the union isinstance is slow.
            if type(c) is not str and not isinstance(c, _COLUMN_OBJECTS):
                if type(c) is FunctionType or isinstance(c, Expr) or callable(c):
                    head = self._shape[0]  # (class, dialect, table)
                    items, values = expression_items(columns, head[1], head[2])
                    new = new_instance(type(self))  # _add, inlined (see Query._add)
                    new._db = self._db
                    new._shape = self._shape + (("select", items),)  # noqa: RUF005
                    new._values = self._values + values
                    return new
                raise CompileError(
                    f"select() on table {self._table!r} takes column names, fn aggregates, "
                    f"eb expressions (select(lambda eb: ...)) or typedb.sql(), not {c!r}"
                )
        new = new_instance(type(self))  # _add, inlined (see Query._add)
        new._db = self._db
        new._shape = self._shape + (("select", columns),)  # noqa: RUF005
        new._values = self._values
        return new

    def select_all(self, table: str | None = None) -> Self:
        """`SELECT *`, or `SELECT "table".*` for one table of a join."""
        return self._add(("select", ("*" if table is None else f"{table}.*",)))

    def distinct(self) -> Self:
        return self._add(("distinct",))

    @overload
    def inner_join(self, table: str, left_column: str, right_column: str, /) -> Self: ...
    @overload
    def inner_join(self, table: str, on: JoinOn, /) -> Self: ...
    def inner_join(self, table: str, left_column: Any, right_column: Any = None) -> Self:
        """`INNER JOIN table ON left_column = right_column` (`"table as alias"` works), or on
        several conditions: `inner_join("t", lambda on: on("a.x", "=", "t.y") & on(...))`."""
        return self._join("inner", table, left_column, right_column)

    @overload
    def left_join(self, table: str, left_column: str, right_column: str, /) -> Self: ...
    @overload
    def left_join(self, table: str, on: JoinOn, /) -> Self: ...
    def left_join(self, table: str, left_column: Any, right_column: Any = None) -> Self:
        """`LEFT JOIN table ON left_column = right_column`: columns of `table` may be None."""
        return self._join("left", table, left_column, right_column)

    def _join(self, kind: str, table: str, left_column: Any, right_column: Any) -> Self:
        if right_column is None and callable(left_column):
            return self._join_on(kind, table, cast("JoinOn", left_column))
        if not (
            type(table) is str
            and type(left_column) is str
            and type(right_column) is str
            and table
            and left_column
            and right_column
        ):
            raise CompileError(
                f"{kind}_join() takes a table and two column names, got "
                f"{table!r}, {left_column!r}, {right_column!r}"
            )
        new = new_instance(type(self))  # _add, inlined (see Query._add)
        new._db = self._db
        new._shape = self._shape + (("join", kind, table, left_column, right_column),)  # noqa: RUF005
        new._values = self._values
        return new

    def order_by(
        self, column: Column | ExprCallback, direction: Literal["asc", "desc"] = "asc"
    ) -> Self:
        if direction != "asc" and direction != "desc":
            raise CompileError(f"order_by direction must be 'asc' or 'desc', got {direction!r}")
        if type(column) is not str and not isinstance(column, Aggregate):
            if isinstance(column, Expr) or callable(column):
                expr = self._expression(column, "order_by")
                return self._add(("order", expr.node, direction), expr.values)
            raise CompileError(
                f"order_by() takes a column name, fn aggregate or eb expression, not {column!r}"
            )
        new = new_instance(type(self))  # _add, inlined (see Query._add)
        new._db = self._db
        new._shape = self._shape + (("order", column, direction),)  # noqa: RUF005
        new._values = self._values
        return new

    def group_by(self, *columns: str | Expr[Any] | ExprCallback) -> Self:
        if not columns or not all(isinstance(c, str) for c in columns):
            if columns and all(isinstance(c, str | Expr) or callable(c) for c in columns):
                return self._group_expressions(columns)
            raise CompileError(f"group_by() needs one or more column names, got {columns!r}")
        return self._add(("group", columns))

    @overload
    def having(self, column: Column, op: Op, value: Any, /) -> Self: ...
    @overload
    def having(self, build: Where, /) -> Self: ...
    def having(self, *args: Any) -> Self:
        """Like `where`, applied after grouping: `having(fn.count("id"), ">", 1)`."""
        shape, values = condition(self._dialect, args)
        return self._add(("having", shape), values)

    def limit(self, count: int) -> Self:
        if type(count) is not int or not 0 <= count <= _MAX_LIMIT:
            _count("limit", count)  # raises for a non-int or a negative count
            raise CompileError(
                f"limit() needs a count up to {_MAX_LIMIT} (PostgreSQL's bigint, the "
                f"largest SQLite integer), got {_shown(count)}"
            )
        new = new_instance(type(self))  # _add, inlined (see Query._add)
        new._db = self._db
        new._shape = self._shape + (("limit", count),)  # noqa: RUF005
        new._values = self._values
        return new

    def offset(self, count: int) -> Self:
        return self._add(("offset",), (_count("offset", count),))

    # -- running -------------------------------------------------------------------------------

    def execute(self) -> list[Row]:
        """All matching rows, as dicts."""
        entry = _cache.entries.get(self._shape)  # _compile's hit, inlined: one call less
        if entry is None:
            return self._db._execute(*self._compile(), rows_of, self._tables)
        values = self._values
        if entry[1] is not None:
            values = tuple([values[i] for i in entry[1]])
        return self._db._execute(entry[0], values, rows_of, self._tables)

    def execute_take_first(self) -> Row | None:
        """The first row, or None. Adds `LIMIT 1` unless a limit is set."""
        query = self if any(r[0] == "limit" for r in self._records) else self.limit(1)
        return self._db._execute(*query._compile(), first_row, self._tables)

    def execute_take_first_or_throw(self) -> Row:
        """The first row; `typedb.NoResultError` naming the table when there is none."""
        query = self if any(r[0] == "limit" for r in self._records) else self.limit(1)
        sql, params = query._compile()

        def first(result: Result) -> Row:
            if not result[0]:
                raise NoResultError(f"no row found in table {self._table!r} for: {sql}")
            return result[0][0]

        return self._db._execute(sql, params, first, self._tables)

    # -- rendering -----------------------------------------------------------------------------

    def _render(self) -> str:
        return render_select(self._shape, self._db.dialect)

    def _finish(self) -> tuple[str, tuple[int, ...] | None]:
        sql, order = super()._finish()
        if self._dialect == "sqlite":
            # SQLite cannot type aggregates: the driver does, from this plan (see
            # typedb.query._aggregate_plan). Made once per shape, like the SQL.
            dialect = self._db.dialect
            again = partial(_render_sql, self._shape, dialect, len(self._values))
            tables = tuple(split_table(t) for t in self._tables())
            plan = plan_of(self._records, tables, again)
            if plan is not None:
                sql = TypedSql(sql, plan)
        elif takes_locks(self._shape):
            sql = LockingSql(sql)
        return sql, order

    @staticmethod
    def _render_sub(shape: Shape, marks: Marks) -> str:
        """This query as a subquery of another (see _expr.subquery_sql)."""
        return _sub_sql(shape, marks)


def _render_sql(shape: Shape, dialect: Dialect, values: int, replace: Replacements) -> str:
    """The finished SQL of a SELECT shape with some aggregates replaced."""
    return finish(render_select(shape, dialect, replace), dialect.placeholder, values)[0]


def _shown(count: int) -> str:
    # repr() of an int past 4,300 digits raises ValueError (sys.get_int_max_str_digits).
    return repr(count) if count.bit_length() <= 256 else f"an int of {count.bit_length()} bits"


def _count(what: str, value: int) -> int:
    if type(value) is not int or value < 0:
        shown = _shown(value) if type(value) is int else repr(value)
        raise CompileError(f"{what}() needs a non-negative int, got {shown}")
    return value
