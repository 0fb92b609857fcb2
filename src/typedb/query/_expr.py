"""Conditions for `where` / `having`: comparisons, AND / OR / NOT groups, and column references.

A condition is recorded as a SHAPE (nested tuples of names and operators, hashable, the cache
key) plus its VALUES (a tuple, in the order the shape's placeholders appear). Rendering a
shape to SQL happens once per shape; repeating it only binds new values.

Grouping follows Kysely's expression builder, so a stub can type it per table later:

    db.select_from("items").where(lambda eb: eb.or_([eb("a", "=", 1), eb("b", "=", 2)]))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar, overload

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.dialects import Dialect, quote_identifier
from typedb.query import _node
from typedb.query import _sqlite_dates as sqlite_dates
from typedb.query._expr_types import CHECKED_TEMPLATES, AsIs
from typedb.query._names import note
from typedb.query._node import ARITHMETIC, NODE_KINDS, Expr, Node, new_instance, to_expr
from typedb.query._params import mark, refuse_nul

if TYPE_CHECKING:
    from typedb.query._eb import Case, Fn

T = TypeVar("T")

Op: TypeAlias = Literal[
    "=", "!=", "<>", "<", "<=", ">", ">=", "like", "ilike", "in", "not in", "is", "is not"
]
OPS: tuple[str, ...] = (
    "=", "!=", "<>", "<", "<=", ">", ">=", "like", "ilike", "in", "not in", "is", "is not",
)  # fmt: skip
_SQL_OPS = {
    "=": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
    "like": "LIKE", "ilike": "ILIKE", "in": "IN", "not in": "NOT IN", "is": "IS", "is not": "IS NOT",
}  # fmt: skip

# Operators that take an expression or a subquery on their right.
_EXPR_OPS = frozenset({"=", "<>", "<", "<=", ">", ">=", "IN", "NOT IN"})

# What render() lets through as an operator: the SQL each op above maps to, and GLOB (an SQLite
# LIKE, made by compare()).
_RENDERED_OPS = frozenset(_SQL_OPS.values()) | {"GLOB"}

Shape: TypeAlias = tuple[Any, ...]
Values: TypeAlias = tuple[Any, ...]


AGGREGATES: tuple[str, ...] = ("COUNT", "SUM", "AVG", "MIN", "MAX")


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate function over a column, made by `fn`: usable in select, having, order_by.

    >>> fn.count().as_("n")
    Aggregate(name='COUNT', column=None, distinct=False, alias='n')
    """

    name: str
    column: str | None = None
    distinct: bool = False
    alias: str | None = None

    def __post_init__(self) -> None:
        # The name goes into the SQL as written: only the functions `fn` makes. The column
        # and alias are quoted where they are rendered.
        if self.name not in AGGREGATES:
            raise CompileError(
                f"unknown aggregate {self.name!r}; valid ones are {', '.join(AGGREGATES)} "
                "(use typedb.sql() for anything else)"
            )
        if self.column is not None and type(self.column) is not str:
            raise CompileError(f"aggregate {self.name} takes a column name, got {self.column!r}")
        if type(self.distinct) is not bool:
            raise CompileError(f"aggregate distinct must be a bool, got {self.distinct!r}")
        if self.alias is not None:
            quote_identifier(self.alias)  # refuses what cannot be a name

    def as_(self, alias: str) -> Aggregate:
        return Aggregate(self.name, self.column, self.distinct, alias)


class _Functions:
    """`fn.count("id")`, `fn.sum("price").as_("total")`: aggregates Kysely spells `eb.fn.*`."""

    # Over a column name an Aggregate (as before); over an eb expression an Expr.
    @overload
    def count(self, column: str | None = None, *, distinct: bool = False) -> Aggregate: ...
    @overload
    def count(self, column: Expr[Any], *, distinct: bool = False) -> Expr[int]: ...
    def count(self, column: Any = None, *, distinct: bool = False) -> Any:
        return _aggregate("COUNT", column, distinct)

    @overload
    def sum(self, column: str, *, distinct: bool = False) -> Aggregate: ...
    @overload
    def sum(self, column: Expr[T], *, distinct: bool = False) -> Expr[T]: ...
    def sum(self, column: Any, *, distinct: bool = False) -> Any:
        return _aggregate("SUM", column, distinct)

    @overload
    def avg(self, column: str, *, distinct: bool = False) -> Aggregate: ...
    @overload
    def avg(self, column: Expr[Any], *, distinct: bool = False) -> Expr[Any]: ...
    def avg(self, column: Any, *, distinct: bool = False) -> Any:
        return _aggregate("AVG", column, distinct)

    @overload
    def min(self, column: str) -> Aggregate: ...
    @overload
    def min(self, column: Expr[T]) -> Expr[T]: ...
    def min(self, column: Any) -> Any:
        return _aggregate("MIN", column, False)

    @overload
    def max(self, column: str) -> Aggregate: ...
    @overload
    def max(self, column: Expr[T]) -> Expr[T]: ...
    def max(self, column: Any) -> Any:
        return _aggregate("MAX", column, False)


def _aggregate(name: str, column: Any, distinct: bool) -> Any:
    if isinstance(column, Expr):
        return _node.aggregate(name, column, distinct)
    return Aggregate(name, column, distinct)


fn = _Functions()

Column: TypeAlias = str | Aggregate | Expr[Any]

#: An aggregate without its alias: what it computes. `fn.sum("total")` and
#: `fn.sum("total").as_("s")` are the same aggregate in SQL.
AggregateKey: TypeAlias = tuple[str, str | None, bool]
#: Aggregates to compute another way, by key: a SQL template whose `{}` takes the aggregate's
#: arguments (`DISTINCT "x"`). How a backend computes what its built-in gets wrong (SQLite
#: sums decimals as floats). Expression nodes are keys too, and ("nested", shape) keys the
#: Replacements of a SELECT inside the statement (see _aggregate_plan.Inner).
Replacements: TypeAlias = Mapping[Any, Any]


def aggregate_key(aggregate: Aggregate) -> AggregateKey:
    return (aggregate.name, aggregate.column, aggregate.distinct)


def ref(name: str, quote: str) -> str:
    """A column reference as SQL: `name`, `table.name`, `*` or `table.*`, quoted with `quote`
    (the dialect's quote character).

    >>> ref("items.name", '"')
    '"items"."name"'
    >>> ref("items.name", "`")
    '`items`.`name`'
    """
    if type(name) is not str:
        raise CompileError(f"a column must be a name, got {name!r}")
    if name == "*":
        return "*"
    note(name)  # rendering for SQLite: judged against its schema (see _names)
    table, dot, column = name.rpartition(".")
    if not dot:
        return quote_identifier(name, quote)
    column_sql = "*" if column == "*" else quote_identifier(column, quote)
    return quote_identifier(table, quote) + "." + column_sql


def column_sql(
    column: str | Aggregate, quote: str, replace: Replacements | None = None, selected: bool = False
) -> str:
    """A column or aggregate as SQL. An aggregate in `replace` is computed by its
    replacement; those return exact decimal text, so outside the select list (`selected`),
    where they are compared or sorted, they are cast back to a number.

    >>> column_sql(fn.sum("total"), "`")
    'SUM(`total`)'
    >>> column_sql(fn.sum("total"), "`", {("SUM", "total", False): "exact_sum({})"})
    'CAST(exact_sum(`total`) AS NUMERIC)'
    """
    if isinstance(column, Aggregate):
        inner = "*" if column.column is None else ref(column.column, quote)
        args = f"{'DISTINCT ' if column.distinct else ''}{inner}"
        template = replace.get(aggregate_key(column)) if replace else None
        if template is None:
            return f"{column.name}({args})"
        call = template.format(args)
        return call if selected else f"CAST({call} AS NUMERIC)"
    return ref(column, quote)


_ALIAS = re.compile(r"^\s*(.+?)\s+as\s+(.+?)\s*$", re.I | re.S)


def split_alias(text: str) -> tuple[str, str | None]:
    """`"name as alias"` -> ("name", "alias").

    >>> split_alias("items.name AS title")
    ('items.name', 'title')
    """
    m = _ALIAS.match(text)
    return (m.group(1), m.group(2)) if m else (text, None)


def like_to_glob(pattern: str) -> str:
    """A LIKE pattern (PostgreSQL rules: % _ wildcards, backslash escapes) as an SQLite GLOB,
    which is case-sensitive like PostgreSQL's LIKE (SQLite's own LIKE ignores ASCII case).

    >>> like_to_glob("a%b_c\\\\%*?[")
    'a*b?c%[*][?][[]'
    """
    out: list[str] = []
    chars = iter(pattern)
    for c in chars:
        if c == "\\":
            c = next(chars, "")
            out.append(f"[{c}]" if c in "*?[" and c else c)
        elif c == "%":
            out.append("*")
        elif c == "_":
            out.append("?")
        elif c in "*?[":
            out.append(f"[{c}]")
        else:
            out.append(c)
    return "".join(out)


def _bad_op(op: object) -> CompileError:
    return CompileError(
        f"unknown operator {op!r}; valid operators are: {', '.join(map(repr, OPS))}"
    )


def compare(dialect: str, column: Column, op: str, value: Any) -> tuple[Shape, Values]:
    """Validate one comparison; its shape and values."""
    before: Values = ()
    target: Any = column  # a name, an aggregate or an expression's node
    if isinstance(column, Expr):
        target, before = column.node, column.values
    elif not isinstance(column, str | Aggregate):
        raise CompileError(
            f"column must be a name, an fn aggregate or an eb expression, got {column!r}"
        )
    sql_op = _SQL_OPS.get(op) if isinstance(op, str) else None
    if sql_op is None:
        sql_op = _SQL_OPS.get(" ".join(op.lower().split())) if isinstance(op, str) else None
        if sql_op is None:
            raise _bad_op(op)
    if isinstance(value, Expr) or hasattr(value, "_subquery"):
        if dialect == "sqlite" and type(value) is Expr and value.node[0] == "val":
            bound = value.values[0]
            if type(bound) is date or type(bound) is datetime:
                # eb.val(date) compares as the plain date does (see _sqlite_dates), not as
                # SQLite's texts would ('2024-01-01 00:00:00' > '2024-01-01').
                return compare(dialect, column, op, bound)
        # An expression or a subquery as the value: rendered in place, its values bound.
        if sql_op not in _EXPR_OPS:
            raise CompileError(
                f"operator {op!r} takes a plain value, not an expression or a subquery; "
                f"use one of {', '.join(sorted(_EXPR_OPS))}"
            )
        right = to_expr(value)
        if sql_op in ("IN", "NOT IN") and right.node[0] != "sub":
            raise CompileError(f"operator {op!r} takes a list or a subquery, got {value!r}")
        return ("cmp", target, sql_op, right.node), before + right.values
    if before:
        shape, values = compare(dialect, "x", op, value)
        return ("cmp", target, *shape[2:]), before + values
    if isinstance(value, Fragment):
        return ("cmp", target, sql_op, value), ()
    if sql_op in ("IS", "IS NOT"):
        if value is not None:
            raise CompileError(
                f"operator {op!r} on column {column!r} takes None (IS NULL / IS NOT NULL), got "
                f"{value!r}; use '=' or '!=' to compare with a value"
            )
        return ("cmp", target, sql_op, None), ()
    if value is None:
        hint = "is" if sql_op in ("=", "IN") else "is not"
        raise CompileError(
            f"where({column!r}, {op!r}, None) never matches in SQL (NULL is not equal to "
            f"anything); use where({column!r}, {hint!r}, None)"
        )
    if sql_op in ("IN", "NOT IN"):
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | set | frozenset):
            raise CompileError(
                f"operator {op!r} on column {column!r} needs a list of values, got {value!r}"
            )
        values = tuple(value)
        for v in values:
            if isinstance(v, str):  # a subclass too (a StrEnum member)
                refuse_nul(v, f"column {column!r}")
        if dialect == "sqlite":
            values = sqlite_dates.listed(values)
        return ("cmp", target, sql_op, len(values)), values
    kind = type(value)
    if kind is str or isinstance(value, str):  # a StrEnum member is text too: NUL, LIKE
        refuse_nul(value, f"column {column!r}")
        if dialect == "sqlite" and sql_op == "LIKE":
            return ("cmp", target, "GLOB", 1), (like_to_glob(value),)
    elif (kind is date or kind is datetime) and dialect == "sqlite":
        found = sqlite_dates.midnight(value)
        if found is not None:
            # A date against a timestamp compares as PostgreSQL's cast to midnight does.
            sql_op, values = sqlite_dates.comparison(sql_op, *found)
            return ("cmp", target, sql_op, len(values)), values
    return ("cmp", target, sql_op, 1), (value,)


class Expression:
    """A condition built by the expression builder: combine with `eb.and_`, `eb.or_`,
    `eb.not_`, or the operators `&`, `|`, `~`."""

    __slots__ = ("shape", "values")

    def __init__(self, shape: Shape, values: Values) -> None:
        self.shape = shape
        self.values = values

    def __and__(self, other: Expression) -> Expression:
        return _group("and", [self, other])

    def __or__(self, other: Expression) -> Expression:
        return _group("or", [self, other])

    def __invert__(self) -> Expression:
        return Expression(("not", self.shape), self.values)

    def __repr__(self) -> str:
        return f"Expression({self.shape!r}, {self.values!r})"


def _group(kind: str, items: Sequence[Expression]) -> Expression:
    exprs = list(items)
    for e in exprs:
        if not isinstance(e, Expression):
            raise CompileError(f"{kind}_() takes expressions made by eb(...), got {e!r}")
    values: Values = ()
    for e in exprs:
        values += e.values
    return Expression((kind, tuple(e.shape for e in exprs)), values)


class ExpressionBuilder:
    """What a `where(lambda eb: ...)` callback receives (Kysely's `eb`).

    `eb(column, op, value)` is one comparison; `eb.and_([...])`, `eb.or_([...])` and
    `eb.not_(...)` group them. An empty `and_` is true and an empty `or_` false, as in Kysely.
    """

    __slots__ = ("_dialect",)

    def __init__(self, dialect: str) -> None:
        self._dialect = dialect

    def __call__(self, column: Column, op: Op, value: Any) -> Expression:
        shape, values = compare(self._dialect, column, op, value)
        return Expression(shape, values)

    def and_(self, expressions: Sequence[Expression]) -> Expression:
        return _group("and", expressions)

    # -- values (Kysely's eb.ref, eb.val, eb.fn, eb.case, eb.cast) ----------------------------

    def ref(self, column: str) -> Expr[Any]:
        """A column as an expression: `eb.ref("price") * eb.ref("quantity")`."""
        if type(column) is str and column:
            new: Expr[Any] = new_instance(Expr)  # Expr(("ref", column)), see _node.new_instance
            new.node = ("ref", column)
            new.values = ()
            new.alias = None
            return new
        return _node.ref(column)  # raises

    def val(self, value: T) -> Expr[T]:
        """A bound value as an expression (never spliced into the SQL)."""
        node, values = _node.value_node(value)
        return Expr(node, values)

    @property
    def fn(self) -> Fn:
        """`eb.fn("lower", "name")`, `eb.fn.coalesce("a", 0)`, `eb.fn.sum(expr)`."""
        from typedb.query._eb import FN

        return FN

    def case(self) -> Case:
        """`eb.case().when("n", ">", 1).then("many").else_("one").end()`."""
        from typedb.query._eb import Case

        return Case(self._dialect)

    def cast(self, value: Any, type_name: str) -> Expr[Any]:
        """`CAST(value AS type)`, the type a portable name (`integer`, `numeric(10,2)`, `text`)."""
        from typedb.dialects._base import parse_type

        parse_type(type_name)  # refuses an unknown type here
        inner = _node.operand(value)
        return Expr(("cast", inner.node, type_name.lower()), inner.values)

    def exists(self, query: Any) -> Expression:
        """`EXISTS (subquery)`; the subquery may reference the outer query's tables."""
        sub = getattr(query, "_subquery", None)
        if sub is None:
            raise CompileError(f"exists() takes a select_from() query, got {query!r}")
        shape, values = sub()
        return Expression(("exists", shape), values)

    def not_exists(self, query: Any) -> Expression:
        return ~self.exists(query)

    def or_(self, expressions: Sequence[Expression]) -> Expression:
        return _group("or", expressions)

    def not_(self, expression: Expression) -> Expression:
        if not isinstance(expression, Expression):
            raise CompileError(f"not_() takes an expression made by eb(...), got {expression!r}")
        return ~expression


Where: TypeAlias = Callable[[ExpressionBuilder], Expression]


def condition(dialect: str, args: tuple[Any, ...]) -> tuple[Shape, Values]:
    """The shape and values of `where(...)` / `having(...)` arguments: a callback, or
    (column, op, value)."""
    if len(args) == 1:
        (build,) = args
        if not callable(build):
            raise CompileError(
                "where() takes (column, op, value) or a callback: where(lambda eb: eb(...))"
            )
        expr = build(ExpressionBuilder(dialect))
        if not isinstance(expr, Expression):
            raise CompileError(f"the where() callback must return an expression, got {expr!r}")
        return expr.shape, expr.values
    if len(args) != 3:
        raise CompileError(
            f"where() takes (column, op, value) or one callback, got {len(args)} arguments"
        )
    return compare(dialect, args[0], args[1], args[2])


class Marks:
    """Numbers the value markers of one statement in order while it is rendered, and carries
    what rendering needs to know of the dialect."""

    __slots__ = ("dialect", "inner", "next", "quote", "replace", "sqlite")

    def __init__(self, dialect: Dialect, replace: Replacements | None = None) -> None:
        self.dialect = dialect
        # Rendering a SELECT inside another: its select list gives values the outer query
        # compares or reads as numbers, so exact (text) results are cast back to numbers.
        self.inner = False
        self.next = 0
        self.sqlite = dialect.name == "sqlite"
        self.quote = dialect.quote_char
        self.replace = replace

    def take(self, count: int = 1) -> int:
        start = self.next
        self.next += count
        return start


def render(shape: Shape, marks: Marks, top: bool = True) -> str:
    """SQL for a condition shape. Groups below the top are parenthesised.

    Shapes are checked here, not only where eb() builds them: `Expression` is public, and
    nothing but a `typedb.sql()` fragment may put its own text into the SQL. This runs once
    per shape (on a cache miss), so the check costs nothing per query.
    """
    kind = shape[0] if type(shape) is tuple and shape else None
    if kind == "cmp" and len(shape) == 4:
        _, column, op, arg = shape
        if op not in _RENDERED_OPS:
            raise _bad_op(op)
        left = (
            node_sql(column, marks)
            if type(column) is tuple
            else column_sql(column, marks.quote, marks.replace)
        )
        if type(arg) is tuple:
            if op in ("IN", "NOT IN") and arg[0] == "sub":
                return f"{left} {op} {subquery_sql(arg[1], marks)}"  # a set, not a scalar
            return f"{left} {op} {node_sql(arg, marks)}"
        if isinstance(arg, Fragment):
            return f"{left} {op} {arg.text}"
        if arg is None:
            return f"{left} {op} NULL"
        if type(arg) is not int or arg < 0:
            raise CompileError(f"a comparison counts its values with an int, got {arg!r}")
        if op in ("IN", "NOT IN"):
            if arg == 0:
                # x IN () is a syntax error; an empty list matches nothing, NOT IN everything.
                return "1 = 0" if op == "IN" else "1 = 1"
            start = marks.take(arg)
            return f"{left} {op} ({', '.join(mark(i) for i in range(start, start + arg))})"
        index = marks.take()
        if op == "ILIKE" and marks.sqlite:
            # SQLite's LIKE ignores the case of ASCII letters only: typedb_ilike lowers both
            # sides as PostgreSQL does ('Éva' ILIKE 'év%').
            return f"typedb_ilike({left}, {mark(index)})"
        return f"{left} {op} {mark(index)}"
    if kind == "not" and len(shape) == 2:
        return f"NOT ({render(shape[1], marks)})"
    if kind == "exists" and len(shape) == 2:
        return f"EXISTS {subquery_sql(shape[1], marks)}"
    if kind not in ("and", "or") or len(shape) != 2 or type(shape[1]) is not tuple:
        raise CompileError(f"not a condition made by eb(...): {shape!r}")
    parts = shape[1]
    if not parts:
        return "1 = 1" if kind == "and" else "1 = 0"
    text = (" AND " if kind == "and" else " OR ").join(render(p, marks, False) for p in parts)
    return text if top or len(parts) == 1 else f"({text})"


def render_all(shapes: Sequence[Shape], marks: Marks) -> str:
    """The conditions of several where() calls, ANDed."""
    if len(shapes) == 1:
        return render(shapes[0], marks)
    return " AND ".join(render(s, marks, False) for s in shapes)


def subquery_sql(shape: Shape, marks: Marks) -> str:
    """A SELECT's shape as `(SELECT ...)`, its markers numbered on from the outer query's.
    The shape's head names its builder class, which knows how to render it."""
    head = shape[0] if type(shape) is tuple and shape else None
    render_sub = getattr(head[0], "_render_sub", None) if type(head) is tuple and head else None
    if render_sub is None:
        raise CompileError(f"not a subquery made by select_from(): {shape!r}")
    return f"({render_sub(shape, marks)})"


_ANY_ARGUMENTS = frozenset({"concat", "concat_ws", "format"})
# SQLite's lower() and upper() change ASCII letters only; typedb's do as PostgreSQL's.
_SQLITE_FUNCTIONS = {"lower": "typedb_lower", "upper": "typedb_upper"}
_BOUND_TEXT = ("val", "text")


def node_sql(node: Node, marks: Marks, selected: bool = False) -> str:
    """SQL for an expression node (see typedb.query._node), markers taken in value order.

    `selected`: the node is (part of) a select-list item. There, on SQLite, a node the
    statement's plan found to be decimal arithmetic is computed by typedb's exact functions
    (marks.replace, keyed by node), as aggregates are (see _aggregate_plan).
    """
    kind = node[0] if type(node) is tuple and node else None
    if kind not in NODE_KINDS:
        raise CompileError(f"not an expression made by eb: {node!r}")
    quote = marks.quote
    template = marks.replace.get(node) if marks.replace else None
    if (
        template is not None
        and not selected
        and kind != "cast"
        and template not in CHECKED_TEMPLATES
        and type(template) is not AsIs
    ):
        # Compared or sorted by (where, having, order_by): computed exactly as in the select
        # list, then cast back to a number to compare with numbers, as aggregates are.
        return f"CAST({node_sql(node, marks, True)} AS NUMERIC)"
    if kind == "ref":
        return ref(node[1], quote)
    if kind == "val":
        return mark(marks.take())
    if kind == "op":
        _, symbol, left, right = node
        if symbol not in ARITHMETIC:
            raise CompileError(f"unknown arithmetic operator {symbol!r}")
        a, b = node_sql(left, marks, selected), node_sql(right, marks, selected)
        if template is not None:
            return str(template).format(a, b)
        if symbol == "/" and marks.sqlite:
            # SQLite's `/` gives NULL for a division by zero; PostgreSQL raises. typedb_divide
            # raises too, and truncates integers and divides the rest as `/` does.
            return f"typedb_divide({a}, {b})"
        return f"({a} {symbol} {b})"
    if kind == "fn":
        # Checked here too, as render() checks conditions: Expr is public, and a node made
        # by hand would otherwise put its function name's text into the SQL.
        if type(node[1]) is not str or not _node.FUNCTION.fullmatch(node[1]):
            raise CompileError(f"not a function name: {node[1]!r}")
        parts = [node_sql(a, marks, selected) for a in node[2]]
        if node[1] in _ANY_ARGUMENTS and not marks.sqlite:
            # concat(VARIADIC "any"): PostgreSQL cannot type a bound str there ("could not
            # determine data type of parameter $1"); it is text.
            parts = [
                f"CAST({p} AS TEXT)" if a == _BOUND_TEXT else p
                for a, p in zip(node[2], parts, strict=True)
            ]
        if template is not None:  # SQLite: arguments written as PostgreSQL writes them
            return str(template).format(*parts)
        name = _SQLITE_FUNCTIONS.get(node[1], node[1]) if marks.sqlite else node[1]
        return f"{name}({', '.join(parts)})"
    if kind == "agg":
        _, name, arg, distinct = node
        if name not in AGGREGATES:
            raise CompileError(f"unknown aggregate {name!r}")
        inner = "*" if arg is None else node_sql(arg, marks, selected)
        args = f"{'DISTINCT ' if distinct else ''}{inner}"
        if template is not None:
            return str(template).format(args)
        return f"{name}({args})"
    if kind == "case":
        _, whens, otherwise = node
        parts = ["CASE"]
        for cond, then in whens:
            parts.append(f"WHEN {render(cond, marks)} THEN {node_sql(then, marks, selected)}")
        if otherwise is not None:
            parts.append(f"ELSE {node_sql(otherwise, marks, selected)}")
        parts.append("END")
        return " ".join(parts)
    if kind == "cast":
        _, inner_node, type_name = node
        inner = node_sql(inner_node, marks, selected)
        if template is not None:
            # A cast SQLite does as PostgreSQL only knowing what it casts (_expr_types.
            # cast_template). A numeric comes back as exact text: a number to compare with.
            sql = str(template).format(inner)
            numeric = type_name.startswith("numeric")
            return f"CAST({sql} AS NUMERIC)" if numeric and not selected else sql
        return cast_sql(inner, type_name, marks.dialect)
    if marks.sqlite:  # "sub", a scalar subquery
        return scalar_subquery_sql(node[1], marks)
    return subquery_sql(node[1], marks)


def _one_row_at_most(shape: Shape) -> bool:
    """Whether a SELECT gives at most one row whatever the data: a limit(1), or aggregates
    only (COUNT, SUM...) without GROUP BY or a union. The common scalar subquery, left as it is: the
    row count costs a correlated subquery about ten times its time on SQLite."""
    limits = [r for r in shape[1:] if r[0] == "limit"]
    if limits and limits[-1] == ("limit", 1):  # the last limit() counts, as rendered
        return True
    items = [i for r in shape[1:] if r[0] == "select" for i in r[1]]
    if not items or any(r[0] in ("group", "compound") for r in shape[1:]):
        return False
    return all(
        isinstance(i, Aggregate) or (type(i) is tuple and type(i[1]) is tuple and i[1][0] == "agg")
        for i in items
    )


def scalar_subquery_sql(shape: Shape, marks: Marks) -> str:
    """A subquery used as a value, on SQLite: PostgreSQL raises "more than one row returned
    by a subquery used as an expression"; SQLite silently takes the first row. Its rows are
    counted (a window over the subquery's own result, after its LIMIT) and typedb_one_row
    raises on a second one. Read through a CTE with one named column, whatever the
    subquery calls it; SQLite passes the column's declared type through, so the value
    converts as the bare subquery's did. Only scalar subqueries that may give several rows
    pay this (not IN, EXISTS, nor a lone aggregate: see _one_row_at_most).
    """
    inner = subquery_sql(shape, marks)
    if _one_row_at_most(shape):
        return inner
    table = str(shape[0][2]) if type(shape[0]) is tuple and len(shape[0]) > 2 else "?"
    label = "'" + table.replace("'", "''") + "'"
    return (
        f"(WITH typedb_scalar(v) AS {inner} SELECT s.v FROM (SELECT v, COUNT(*) OVER () AS n "
        f"FROM typedb_scalar) AS s WHERE typedb_one_row(s.n, {label}))"
    )


# Casts SQLite can do as PostgreSQL does (its CAST to DATE, say, gives a number).
_SQLITE_CASTS = {
    "integer": "INTEGER", "bigint": "INTEGER", "smallint": "INTEGER", "text": "TEXT",
    "real": "REAL", "double precision": "REAL", "numeric": "NUMERIC", "boolean": "INTEGER",
    "varchar": "TEXT",
}  # fmt: skip


def cast_sql(inner: str, type_name: str, dialect: Dialect) -> str:
    from typedb.dialects._base import parse_type

    t = parse_type(type_name)
    if dialect.name != "sqlite":
        return f"CAST({inner} AS {dialect.render_type(t)})"
    target = _SQLITE_CASTS.get(t.name)
    if target is None:
        raise CompileError(
            f"eb.cast(..., {type_name!r}) has no exact SQLite equivalent (SQLite's CAST to "
            f"{t.name} gives a number or text, not a {t.name}); typedb casts SQLite values to "
            f"one of: {', '.join(sorted(_SQLITE_CASTS))}"
        )
    if t.name in ("integer", "bigint", "smallint"):
        # SQLite truncates 2.5 to 2; PostgreSQL rounds numerics half away from zero (3).
        return f"typedb_integer({inner})"
    if t.name == "boolean":
        return f"(CAST({inner} AS INTEGER) <> 0)"
    if t.name == "varchar":
        # PostgreSQL's explicit cast to varchar(n) cuts the text to n characters.
        return f"substr(CAST({inner} AS TEXT), 1, {int(t.size or 0)})"
    if t.name == "numeric" and t.scale is not None and t.size is not None:
        # SQLite's CAST keeps every digit; PostgreSQL rounds to the scale (0.99 as
        # numeric(10,1) is 1.0). The exact text is cast back to a number to compare with.
        return f"CAST(typedb_numeric({inner}, {int(t.size)}, {int(t.scale)}) AS NUMERIC)"
    return f"CAST({inner} AS {target})"
