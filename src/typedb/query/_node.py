"""Expressions made by `eb` (Kysely's expression builder): values computed in SQL.

An `Expr` is an immutable pair: a NODE (a plain tuple, hashable, part of the query's shape and
so of the shape-cache key) and the VALUES its `eb.val(...)` leaves bind, in the order the node
renders them (depth first, left to right). Nodes:

    ("ref", "table.column")              a column
    ("val",)                             one bound value
    ("val", "numeric")                   a bound Decimal (("val", "float"): a float, ("val",
                                         "text"): a str): the
                                         result type of arithmetic follows it (_expr_types)
    ("op", "*", left, right)             + - * / between two nodes
    ("fn", "lower", (args...))           a function call (names checked, see FUNCTION)
    ("agg", "SUM", arg | None, distinct) an aggregate over an expression
    ("case", ((cond, then), ...), else)  CASE WHEN ... (a condition shape, see _expr)
    ("cast", node, "numeric(10,2)")     CAST to a portable type name
    ("sub", shape)                       a SELECT used as a value (its whole shape)

`Expr` is generic in the Python type of its value, so the stubs (and the overloads below) can
say that `Expr[Decimal] * Expr[int]` is an `Expr[Decimal]`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeAlias, TypeVar, overload

from typedb._errors import CompileError
from typedb.dialects import quote_identifier
from typedb.query._params import refuse_nul

T = TypeVar("T")
U = TypeVar("U")

Node: TypeAlias = tuple[Any, ...]
Values: TypeAlias = tuple[Any, ...]

ARITHMETIC = ("+", "-", "*", "/")
# Function names go into the SQL as written, so only plain identifiers pass.
FUNCTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # fullmatch: `$` lets a final newline by
# Aliases already accepted by quote_identifier (a query built per request names the same ones).
_NAMES_CHECKED: set[str] = set()
_PLAIN = frozenset({int, float, Decimal, bool})
_NUMBERS = _PLAIN - {bool}  # what arithmetic binds at once (a bool is refused there)
# A bound Decimal or float decides the type of the arithmetic it is in (PostgreSQL: integer
# * Decimal is numeric, numeric * float is double precision), so its kind is in the shape.
_VAL = ("val",)
# A bound str is ("val", "text"): a cast of it is a cast of text (see _expr_types).
_VAL_NODES: dict[type, Node] = {
    Decimal: ("val", "numeric"),
    float: ("val", "float"),
    str: ("val", "text"),
    # scale 0: numeric(10,2) * 2 has scale 2, as on PostgreSQL. An int that fits 32 bits is
    # PostgreSQL's integer (int4, as typedb binds it), a larger one bigint (see _val_node).
    int: ("val", "integer"),
    # Selected as such (eb.val(True).as_("b")), SQLite gives 1 and a date's text: the kind
    # lets the driver give back what PostgreSQL does.
    bool: ("val", "bool"),
    date: ("val", "date"),
    datetime: ("val", "timestamp"),
}
NODE_KINDS = frozenset({"ref", "val", "op", "fn", "agg", "case", "cast", "sub"})
_BIGINT_VAL = ("val", "bigint")
_INT_VAL = _VAL_NODES[int]


def _val_node(value: Any) -> Node:
    """The node of a bound plain value: its kind, an int's by its size (PostgreSQL's integer
    arithmetic overflows at 32 bits, bigint's at 64; SQLite mirrors it, see _expr_types)."""
    node = _VAL_NODES.get(type(value), _VAL)
    if node is _INT_VAL and not -2147483648 <= value <= 2147483647:
        return _BIGINT_VAL
    return node


class Expr(Generic[T]):
    """A value computed in SQL: `eb.ref("price") * eb.ref("quantity")`, `eb.fn("lower", ...)`,
    `eb.case()...`, `eb.cast(...)`, `eb.val(x)`. Name it in a select with `.as_("alias")`.

    Arithmetic with a plain Python value binds the value: `eb.ref("price") * 2` renders
    `"price" * %s` with 2 as a parameter.
    """

    __slots__ = ("alias", "node", "values")

    def __init__(self, node: Node, values: Values = (), alias: str | None = None) -> None:
        self.node = node
        self.values = values
        self.alias = alias

    def as_(self, alias: str) -> Expr[T]:
        """Name the expression in a select list: `SELECT ... AS "alias"`."""
        if alias not in _NAMES_CHECKED:
            quote_identifier(alias)  # refuses what cannot be a name
            if len(_NAMES_CHECKED) < 4096:  # aliases are written in code: a few, reused
                _NAMES_CHECKED.add(alias)
        new = new_instance(Expr)  # Expr(...), see new_instance
        new.node = self.node
        new.values = self.values
        new.alias = alias
        return new

    def end(self) -> Expr[T]:
        """Ends a CASE, as Kysely spells it (`...else_(x).end()`); the expression itself."""
        return self

    def _op(self, symbol: str, other: Any, reverse: bool = False) -> Expr[Any]:
        if not reverse and type(other) in _NUMBERS:  # `eb.ref("price") * 2`: bound at once
            new = new_instance(Expr)  # Expr(...), see new_instance
            # _val_node inlined: this runs for every `eb.ref(...) * 2` of every query.
            node = _VAL_NODES.get(type(other), _VAL)
            if node is _INT_VAL and not -2147483648 <= other <= 2147483647:
                node = _BIGINT_VAL
            new.node = ("op", symbol, self.node, node)
            new.values = (*self.values, other)
            new.alias = None
            return new
        if type(other) is str or _bound_text(self) or _bound_text(other):
            # SQLite reads a number off the text's front ('x' is 0); PostgreSQL refuses it.
            raise CompileError(
                f"arithmetic ({symbol}) with a string: bind a number, or join text with "
                "eb.fn('concat', ...)"
            )
        if type(other) is bool or _bound_bool(self) or _bound_bool(other):
            # PostgreSQL has no arithmetic on boolean; SQLite computes with 1 and 0.
            raise CompileError(
                f"arithmetic ({symbol}) with a bool: bind a number, or pick one with eb.case()"
            )
        right = to_expr(other)
        left, right = (right, self) if reverse else (self, right)
        return Expr(("op", symbol, left.node, right.node), left.values + right.values)

    # Overloads say what the result type is; `Decimal` wins over `int`, `float` over `int`.
    @overload
    def __add__(self: Expr[int], other: Expr[int] | int) -> Expr[int]: ...
    @overload
    def __add__(
        self: Expr[Decimal], other: Expr[Decimal] | Expr[int] | Decimal | int
    ) -> Expr[Decimal]: ...
    @overload
    def __add__(self: Expr[int], other: Expr[Decimal] | Decimal) -> Expr[Decimal]: ...
    @overload
    def __add__(self: Expr[float], other: Expr[float] | Expr[int] | float | int) -> Expr[float]: ...
    @overload
    def __add__(self: Expr[datetime], other: Expr[timedelta] | timedelta) -> Expr[datetime]: ...
    @overload
    def __add__(self, other: Any) -> Expr[Any]: ...
    def __add__(self, other: Any) -> Expr[Any]:
        return self._op("+", other)

    @overload
    def __sub__(self: Expr[int], other: Expr[int] | int) -> Expr[int]: ...
    @overload
    def __sub__(
        self: Expr[Decimal], other: Expr[Decimal] | Expr[int] | Decimal | int
    ) -> Expr[Decimal]: ...
    @overload
    def __sub__(self: Expr[int], other: Expr[Decimal] | Decimal) -> Expr[Decimal]: ...
    @overload
    def __sub__(self: Expr[float], other: Expr[float] | Expr[int] | float | int) -> Expr[float]: ...
    @overload
    def __sub__(self: Expr[date], other: Expr[date]) -> Expr[int]: ...
    @overload
    def __sub__(self, other: Any) -> Expr[Any]: ...
    def __sub__(self, other: Any) -> Expr[Any]:
        return self._op("-", other)

    @overload
    def __mul__(self: Expr[int], other: Expr[int] | int) -> Expr[int]: ...
    @overload
    def __mul__(
        self: Expr[Decimal], other: Expr[Decimal] | Expr[int] | Decimal | int
    ) -> Expr[Decimal]: ...
    @overload
    def __mul__(self: Expr[int], other: Expr[Decimal] | Decimal) -> Expr[Decimal]: ...
    @overload
    def __mul__(self: Expr[float], other: Expr[float] | Expr[int] | float | int) -> Expr[float]: ...
    @overload
    def __mul__(self, other: Any) -> Expr[Any]: ...
    def __mul__(self, other: Any) -> Expr[Any]:
        return self._op("*", other)

    @overload
    def __truediv__(self: Expr[int], other: Expr[int] | int) -> Expr[int]: ...
    @overload
    def __truediv__(
        self: Expr[Decimal], other: Expr[Decimal] | Expr[int] | Decimal | int
    ) -> Expr[Decimal]: ...
    @overload
    def __truediv__(self: Expr[int], other: Expr[Decimal] | Decimal) -> Expr[Decimal]: ...
    @overload
    def __truediv__(
        self: Expr[float], other: Expr[float] | Expr[int] | float | int
    ) -> Expr[float]: ...
    @overload
    def __truediv__(self, other: Any) -> Expr[Any]: ...
    def __truediv__(self, other: Any) -> Expr[Any]:
        """SQL's `/`: between integers it truncates (on both backends, as PostgreSQL does)."""
        return self._op("/", other)

    def __radd__(self, other: Any) -> Expr[T]:
        return self._op("+", other, reverse=True)

    def __rsub__(self, other: Any) -> Expr[T]:
        return self._op("-", other, reverse=True)

    def __rmul__(self, other: Any) -> Expr[T]:
        return self._op("*", other, reverse=True)

    def __rtruediv__(self, other: Any) -> Expr[T]:
        return self._op("/", other, reverse=True)

    def __repr__(self) -> str:
        alias = f", alias={self.alias!r}" if self.alias else ""
        return f"Expr({self.node!r}, {self.values!r}{alias})"


# Expr(...) without a call to __init__, on the paths every query with an expression takes
# (eb.ref, arithmetic with a number, as_): a class call running a Python __init__ measured
# 1.7k instructions, object.__new__ and three slot stores 1.3k.
new_instance = object.__new__


def _bound_text(value: Any) -> bool:
    return type(value) is Expr and value.node == _VAL_NODES[str]


def _bound_bool(value: Any) -> bool:
    return type(value) is Expr and value.node == _VAL_NODES[bool]


def value_node(value: Any) -> tuple[Node, Values]:
    """A plain Python value as a bound-value node."""
    if value is None:
        raise CompileError(
            "eb.val(None) has no type to bind; use eb.case() without else_() or typedb.sql('NULL')"
        )
    if isinstance(value, str):  # a subclass too (a StrEnum member)
        refuse_nul(value, "an expression")
    if type(value) is datetime and value.tzinfo is not None:
        return ("val", "timestamptz"), (value,)
    return _val_node(value), (value,)


def to_expr(value: Any) -> Expr[Any]:
    """An operand: an `Expr` as it is, a subquery as a value, anything else bound."""
    if isinstance(value, Expr):
        return value
    if type(value) in _PLAIN:  # the common case: a number to bind
        return Expr(_val_node(value), (value,))
    sub = getattr(value, "_subquery", None)
    if sub is not None:
        shape, values = sub()
        return Expr(("sub", shape), values)
    node, values = value_node(value)
    return Expr(node, values)


def ref(column: str) -> Expr[Any]:
    if type(column) is not str or not column:
        raise CompileError(f"eb.ref() takes a column name, got {column!r}")
    return Expr(("ref", column))


def function(name: str, args: tuple[Any, ...]) -> Expr[Any]:
    """`name(args...)`: strings are column names (as Kysely's eb.fn), other values bound;
    wrap a string in eb.val() to bind it."""
    if type(name) is not str or not FUNCTION.fullmatch(name):
        raise CompileError(f"eb.fn() takes a function name (letters, digits, _), got {name!r}")
    nodes: list[Node] = []
    values: Values = ()
    for arg in args:
        e = ref(arg) if type(arg) is str else to_expr(arg)
        nodes.append(e.node)
        values += e.values
    return Expr(("fn", name.lower(), tuple(nodes)), values)


def aggregate(name: str, arg: Expr[Any] | None, distinct: bool = False) -> Expr[Any]:
    if type(distinct) is not bool:
        raise CompileError(f"aggregate distinct must be a bool, got {distinct!r}")
    if arg is None:
        return Expr(("agg", name, None, distinct))
    return Expr(("agg", name, arg.node, distinct), arg.values)


def operand(value: Any) -> Expr[Any]:
    """An argument of an aggregate or cast: a column name, or an expression."""
    return ref(value) if type(value) is str else to_expr(value)


def subquery_values(node: Node) -> bool:
    return bool(node) and node[0] == "sub"
