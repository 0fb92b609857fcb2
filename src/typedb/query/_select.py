"""`db.select_from(table)`: SELECT built fluently, rendered by PyPika once per shape."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal, Self, overload

from pypika import JoinType, Order, Query, Table
from pypika.terms import Criterion

from typedb._errors import CompileError, NoResultError
from typedb._sql import Fragment
from typedb.dialects import Dialect, quote_identifier
from typedb.query._aggregate_plan import TypedSql, plan_of
from typedb.query._base import Filtered, Result, Row, first_row, rows_of, split_table
from typedb.query._expr import (
    Aggregate,
    Column,
    Marks,
    Op,
    Replacements,
    Shape,
    Where,
    column_sql,
    condition,
    ref,
    render,
    split_alias,
)
from typedb.query._output_names import refuse_duplicate_names
from typedb.query._params import finish, mark


class _Sql(Criterion):
    """SQL typedb rendered itself (quoted names, markers) as a PyPika term."""

    def __init__(self, text: str, alias: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.label = alias

    def get_sql(self, with_alias: bool = False, **kwargs: Any) -> str:
        if with_alias and self.label is not None:
            return f"{self.text} AS {quote_identifier(self.label, kwargs['quote_char'])}"
        return self.text


class _Table(Table):
    """A table whose name and alias typedb quotes itself. PyPika before 0.50 did not double
    a quote inside a name (kayak/pypika#768), so a table name could end the identifier and
    inject SQL; no identifier is left to PyPika's quoting."""

    def get_sql(self, **kwargs: Any) -> str:
        quote: str = kwargs["quote_char"]
        sql = quote_identifier(self._table_name, quote)
        # PyPika annotates alias `str`; it is None for a table without one.
        return f"{sql} {quote_identifier(self.alias, quote)}" if self.alias else sql


def _table(table: str) -> _Table:
    name, alias = split_table(table)
    quote_identifier(name)  # refuses a bad name here, whether or not PyPika renders it
    if alias is not None:
        quote_identifier(alias)
    return _Table(name, alias=alias)


def _selected(item: Column | Fragment, marks: Marks) -> _Sql:
    quote = marks.quote
    if isinstance(item, Fragment):
        return _Sql(item.text)
    if isinstance(item, Aggregate):
        # Unaliased aggregates are named like PostgreSQL names them ("count"), on every backend.
        sql = column_sql(item, quote, marks.replace, selected=True)
        return _Sql(sql, item.alias or item.name.lower())
    if not isinstance(item, str):
        raise CompileError(
            f"select() takes column names, fn aggregates or typedb.sql(), not {item!r}"
        )
    name, alias = split_alias(item)
    return _Sql(ref(name, quote), alias)


_JOINS = {"inner": JoinType.inner, "left": JoinType.left}
_LIMIT = ("limit",)


class SelectQuery(Filtered):
    """A SELECT. Immutable: every method returns a new query.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> q = db.select_from("items").select("id", "name as title").where("price", ">", 10) \\
    ...       .order_by("id", "desc").limit(5)
    >>> print(q.compile().sql)
    SELECT `id`,`name` AS `title` FROM `items` WHERE `price` > ? ORDER BY `id` DESC LIMIT ?
    >>> q.compile().parameters
    (10, 5)
    """

    __slots__ = ()

    def select(self, *columns: Column | Fragment) -> Self:
        """Columns to return: `"name"`, `"table.name"`, `"name as alias"`, `fn.count("id")`,
        or `typedb.sql(...)`. Several calls add up; none at all means `*`."""
        if not columns:
            raise CompileError("select() needs at least one column (or use select_all())")
        for c in columns:
            # type() first: plain names are the common case, and the union isinstance is slow.
            if type(c) is not str and not isinstance(c, Aggregate | Fragment):
                raise CompileError(
                    f"select() on table {self._table!r} takes column names, fn aggregates or "
                    f"typedb.sql(), not {c!r}"
                )
        return self._add(("select", columns))

    def select_all(self, table: str | None = None) -> Self:
        """`SELECT *`, or `SELECT "table".*` for one table of a join."""
        return self._add(("select", ("*" if table is None else f"{table}.*",)))

    def distinct(self) -> Self:
        return self._add(("distinct",))

    def inner_join(self, table: str, left_column: str, right_column: str) -> Self:
        """`INNER JOIN table ON left_column = right_column` (`"table as alias"` works)."""
        return self._join("inner", table, left_column, right_column)

    def left_join(self, table: str, left_column: str, right_column: str) -> Self:
        """`LEFT JOIN table ON left_column = right_column`: columns of `table` may be None."""
        return self._join("left", table, left_column, right_column)

    def _join(self, kind: str, table: str, left_column: str, right_column: str) -> Self:
        if not all(isinstance(a, str) and a for a in (table, left_column, right_column)):
            raise CompileError(
                f"{kind}_join() takes a table and two column names, got "
                f"{table!r}, {left_column!r}, {right_column!r}"
            )
        return self._add(("join", kind, table, left_column, right_column))

    def order_by(self, column: Column, direction: Literal["asc", "desc"] = "asc") -> Self:
        if type(column) is not str and not isinstance(column, Aggregate):
            raise CompileError(f"order_by() takes a column name or fn aggregate, not {column!r}")
        if direction != "asc" and direction != "desc":
            raise CompileError(f"order_by direction must be 'asc' or 'desc', got {direction!r}")
        return self._add(("order", column, direction))

    def group_by(self, *columns: str) -> Self:
        if not columns or not all(isinstance(c, str) for c in columns):
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
        if type(count) is not int or count < 0:
            _count("limit", count)  # raises
        return self._add(_LIMIT, (count,))

    def offset(self, count: int) -> Self:
        return self._add(("offset",), (_count("offset", count),))

    # -- running -------------------------------------------------------------------------------

    def execute(self) -> list[Row]:
        """All matching rows, as dicts."""
        return self._db._execute(*self._compile(), rows_of, self._tables)

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
        return _render(self._shape, self._db.dialect)

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
        return sql, order


def _render_sql(shape: Shape, dialect: Dialect, values: int, replace: Replacements) -> str:
    """The finished SQL of a SELECT shape with some aggregates replaced."""
    return finish(_render(shape, dialect, replace), dialect.placeholder, values)[0]


def _render(shape: Shape, dialect: Dialect, replace: Replacements | None = None) -> str:
    """SQL with value markers for a SELECT shape (its head, then one record per call)."""
    _, dialect_name, table = shape[0]
    marks = Marks(dialect, replace)
    quote = marks.quote
    query = Query.from_(_table(table))
    selected: list[_Sql] = []
    where_sql: list[str] = []
    having_sql: list[str] = []
    limit = offset = None
    records = shape[1:]
    n_where = sum(1 for r in records if r[0] == "where")
    n_having = sum(1 for r in records if r[0] == "having")
    # Records are rendered in call order so markers number the values as they were added.
    for record in records:
        kind = record[0]
        if kind == "select":
            selected.extend(_selected(c, marks) for c in record[1])
        elif kind == "where":
            where_sql.append(render(record[1], marks, n_where == 1))
        elif kind == "having":
            having_sql.append(render(record[1], marks, n_having == 1))
        elif kind == "join":
            _, how, joined, left, right = record
            query = query.join(_table(joined), how=_JOINS[how]).on(
                _Sql(f"{ref(left, quote)}={ref(right, quote)}")
            )
        elif kind == "order":
            order = Order.desc if record[2] == "desc" else Order.asc
            query = query.orderby(_Sql(column_sql(record[1], quote, replace)), order=order)
        elif kind == "group":
            query = query.groupby(*(_Sql(ref(c, quote)) for c in record[1]))
        elif kind == "distinct":
            query = query.distinct()
        elif kind == "limit":
            limit = mark(marks.take())
        elif kind == "offset":
            offset = mark(marks.take())
    if len(selected) > 1:
        picked = (c for r in records if r[0] == "select" for c in r[1])
        refuse_duplicate_names(picked, f"select() on {table!r}")
    query = query.select(*selected) if selected else query.select("*")
    if where_sql:
        query = query.where(_Sql(" AND ".join(where_sql)))
    if having_sql:
        query = query.having(_Sql(" AND ".join(having_sql)))
    text: str = query.get_sql(quote_char=quote)
    # LIMIT / OFFSET are bound values, so they are appended here rather than by PyPika.
    if limit is not None:
        text += f" LIMIT {limit}"
    elif offset is not None and dialect_name == "sqlite":
        text += " LIMIT -1"  # SQLite needs a LIMIT before OFFSET
    if offset is not None:
        text += f" OFFSET {offset}"
    return text


def _count(what: str, value: int) -> int:
    if type(value) is not int or value < 0:
        raise CompileError(f"{what}() needs a non-negative int, got {value!r}")
    return value
