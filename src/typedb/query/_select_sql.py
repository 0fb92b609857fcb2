"""A SELECT's shape as SQL: PyPika assembles the core (FROM, joins, WHERE, GROUP BY, HAVING);
typedb adds what PyPika cannot say or would quote its own way (CTEs, compound operators,
ORDER BY after them, LIMIT and a bound OFFSET, DISTINCT ON, row locks). Runs once per shape.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from pypika import JoinType, Query, Table
from pypika.terms import Criterion

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.dialects import Dialect, quote_identifier
from typedb.query import _names as names
from typedb.query._aggregate_plan import not_null_key
from typedb.query._base import split_table
from typedb.query._expr import (
    Aggregate,
    Marks,
    Replacements,
    Shape,
    column_sql,
    node_sql,
    ref,
    render,
    split_alias,
)
from typedb.query._output_names import (
    output_name,
    refuse_case_only_matches,
    refuse_duplicate_names,
)
from typedb.query._params import mark


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


def _selected(item: Any, marks: Marks) -> _Sql:
    quote = marks.quote
    if type(item) is tuple:  # ("x", node, alias): an eb expression
        return _Sql(node_sql(item[1], marks, selected=not marks.inner), item[2])
    if isinstance(item, Fragment):
        return _Sql(item.text)
    if isinstance(item, Aggregate):
        # Unaliased aggregates are named like PostgreSQL names them ("count"), on every backend.
        sql = column_sql(item, quote, marks.replace, selected=not marks.inner)
        return _Sql(sql, item.alias or item.name.lower())
    if not isinstance(item, str):
        raise CompileError(
            f"select() takes column names, fn aggregates or typedb.sql(), not {item!r}"
        )
    name, alias = split_alias(item)
    return _Sql(ref(name, quote), alias)


def _term(column: Any, marks: Marks) -> str:
    """A column, aggregate or expression node outside the select list."""
    if type(column) is tuple:
        return node_sql(column, marks)
    return column_sql(column, marks.quote, marks.replace)


JOINS = {"inner": JoinType.inner, "left": JoinType.left, "right": JoinType.right}
JOINS["full"] = JoinType.outer


#: SQLite got NULLS FIRST / NULLS LAST in 3.30.0.
_SQLITE_NULLS_ORDER = sqlite3.sqlite_version_info >= (3, 30, 0)


def _null_order(term: str, direction: str) -> str:
    """An SQLite ORDER BY term with NULLs where PostgreSQL puts them: after every value
    ascending, before descending (SQLite puts them first ascending), so that an order_by()
    with a limit() keeps the same rows on both."""
    nulls = "NULLS LAST" if direction == "ASC" else "NULLS FIRST"
    if _SQLITE_NULLS_ORDER:
        return f"{term} {direction} {nulls}"
    if "\x00" in term:  # a bound value: repeating the term would bind it twice
        raise CompileError(
            f"order_by() of an expression with a bound value puts NULLs {nulls.split()[1]} "
            f"only with SQLite 3.30 or newer (this is {sqlite3.sqlite_version})"
        )
    flag = "IS NULL" if direction == "ASC" else "IS NOT NULL"
    return f"{term} {flag}, {term} {direction}"


def render_select(
    shape: Shape, dialect: Dialect, replace: Replacements | None = None, marks: Marks | None = None
) -> str:
    """SQL with value markers for a SELECT shape (its head, then one record per call). With
    `marks`, it is a subquery: its markers go on from the outer statement's."""
    _, dialect_name, table = shape[0]
    if marks is None:
        marks = Marks(dialect, replace)
    quote = marks.quote
    query = Query.from_(_table(table))
    collector = names.active()
    scope = outer = None
    first_inner = 0
    if collector is not None:
        outer = collector.scope
        scope = names.enter(
            collector,
            [split_table(t) for t in (table, *(r[2] for r in shape[1:] if r[0] == "join"))],
        )
    selected: list[_Sql] = []
    where_sql: list[str] = []
    having_sql: list[str] = []
    ctes: list[str] = []
    recursive = False
    orders: list[str] = []
    compound: list[str] = []
    tail: list[str] = []
    distinct_on: str | None = None
    limit: str | None = None
    offset: str | None = None
    records = shape[1:]
    n_where = sum(1 for r in records if r[0] == "where")
    n_having = sum(1 for r in records if r[0] == "having")
    # Records are rendered in call order so markers number the values as they were added.
    for record in records:
        kind = record[0]
        if collector is not None:
            collector.clause = kind
            collector.detach = kind in ("with", "compound")
            first_inner = len(collector.scopes)
        if kind == "select":
            if compound:
                # It would add columns to the first operand only, after union() checked
                # that both sides match: the database's error, or a wrong shape of rows.
                operator = compound[0].split(" SELECT ")[0].strip()
                raise CompileError(
                    f"select() on table {table!r} after {operator}: select every column "
                    "before union() / intersect() / except_() combines the queries"
                )
            selected.extend(_selected(c, marks) for c in record[1])
        elif kind == "where":
            where_sql.append(render(record[1], marks, n_where == 1))
        elif kind == "having":
            having_sql.append(render(record[1], marks, n_having == 1))
        elif kind == "join":
            # join(table, lambda on: ...) records the condition; the plain form two columns.
            plain = len(record) == 5
            on = (
                f"{ref(record[3], quote)}={ref(record[4], quote)}"
                if plain
                else render(record[3], marks)
            )
            query = query.join(_table(record[2]), how=JOINS[record[1]]).on(_Sql(on))
        elif kind == "order":
            direction = "DESC" if record[2] == "desc" else "ASC"
            term = _term(record[1], marks)
            if marks.sqlite and not (marks.replace and not_null_key(record[1]) in marks.replace):
                orders.append(_null_order(term, direction))
            else:
                # PostgreSQL's order, or a NOT NULL column of the FROM table or an inner
                # join (the driver knows which: _aggregate_plan.Ordered), where SQLite's
                # order is the same and an index on several columns serves it.
                orders.append(f"{term} {direction}")
        elif kind == "group":
            query = query.groupby(*(_Sql(_term(c, marks)) for c in record[1]))
        elif kind == "distinct":
            query = query.distinct()
        elif kind == "distinct_on":
            distinct_on = ", ".join(ref(c, quote) for c in record[1])
        elif kind == "limit":
            limit = str(record[1])  # an int (limit() checks), written in (see SelectQuery.limit)
        elif kind == "offset":
            offset = mark(marks.take())
        elif kind == "with":
            _, is_recursive, name, columns, sub = record
            recursive = recursive or is_recursive
            listed = (
                f"({', '.join(quote_identifier(c, quote) for c in columns)})" if columns else ""
            )
            ctes.append(f"{quote_identifier(name, quote)}{listed} AS ({_sub_sql(sub, marks)})")
            if collector is not None:
                body = collector.scopes[first_inner]
                collector.ctes[name.lower()] = tuple(columns) if columns else body
                collector.cte_names[name.lower()] = name
        elif kind == "compound":
            compound.append(f" {record[1]} {_sub_sql(record[2], marks)}")
        elif kind == "lock":
            tail.append(f" {record[1]}")
    if scope is not None and collector is not None:
        picked_names = [
            c[2]
            if type(c) is tuple
            else c
            if type(c) is str and c.endswith("*")
            else output_name(c)
            for r in records
            if r[0] == "select"
            for c in r[1]
        ]
        scope.outputs = picked_names if picked_names else ["*"]
        collector.scope = outer
        collector.detach = False
    if len(selected) > 1:
        # An expression's output name is its alias (an alias never has a dot).
        picked = (
            c[2] if type(c) is tuple else c for r in records if r[0] == "select" for c in r[1]
        )
        refuse_duplicate_names(picked, f"select() on {table!r}")
    if any(r[0] in ("order", "group") for r in records):
        refuse_case_only_matches(records, table)
    query = query.select(*selected) if selected else query.select("*")
    if where_sql:
        query = query.where(_Sql(" AND ".join(where_sql)))
    if having_sql:
        query = query.having(_Sql(" AND ".join(having_sql)))
    text: str = query.get_sql(quote_char=quote)
    if distinct_on is not None:
        text = f"SELECT DISTINCT ON ({distinct_on}) {text.removeprefix('SELECT ')}"
    text += "".join(compound)
    if compound and orders and marks.sqlite and not _SQLITE_NULLS_ORDER:
        # The fallback's `x IS NULL` term is an expression, which a compound SELECT's ORDER
        # BY refuses (only its result columns may be named there): the compound is ordered
        # as a subquery, whose columns are named as its result's.
        text = f"SELECT * FROM ({text}) AS {quote_identifier('typedb_compound', quote)}"
    if ctes:
        text = f"WITH {'RECURSIVE ' if recursive else ''}{', '.join(ctes)} {text}"
    if orders:
        text += " ORDER BY " + ",".join(orders)
    # LIMIT and OFFSET are appended here rather than by PyPika: OFFSET is a bound value.
    if limit is not None:
        text += f" LIMIT {limit}"
    elif offset is not None and dialect_name == "sqlite":
        text += " LIMIT -1"  # SQLite needs a LIMIT before OFFSET
    if offset is not None:
        text += f" OFFSET {offset}"
    return text + "".join(tail)


def _sub_sql(shape: Shape, marks: Marks) -> str:
    """A nested SELECT (CTE body, compound operand, subquery) without parentheses, sharing
    `marks`. The outer statement's replacements name its own tables' columns: inside, the
    nested SELECT's own apply (see _aggregate_plan.Inner), found under ("nested", shape)."""
    replace, inner = marks.replace, marks.inner
    marks.replace = replace.get(("nested", shape)) if replace else None
    marks.inner = True
    try:
        return render_select(shape, marks.dialect, marks=marks)
    finally:
        marks.replace, marks.inner = replace, inner
