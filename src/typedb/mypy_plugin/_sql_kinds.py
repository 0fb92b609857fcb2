"""The SQL type of a number expression, where the stubs' `Expr[T]` cannot say it: what its SUM
and AVG give.

PostgreSQL sums an `integer` or `smallint` to a bigint (an int) and a `bigint` to numeric (a
Decimal); it averages any integer or numeric to numeric, a float to a float. The stubs give
every integer one type, and `fn.sum` of an `Expr[T]` is an `Expr[T]`, `fn.avg` an `Expr[Any]`.
The plugin notes on an expression's type the SQL type it knows, by PostgreSQL's rules:

- `eb.ref()` of a column the stubs list in `<Table>NumericSum` (a bigint; a CTE passes them
  on, see _sources.numeric_sums) is `int8`, of any other integer column `int4` (integer or
  smallint: narrower than bigint, which to a sum is the same);
- a bound int (`eb.val(5)`, `eb.ref("n") * 5`) is `int4` when it fits 32 bits, else `int8`
  (typedb binds it so, see typedb.query._node._val_node; wider than 64 bits is numeric,
  which sums to a Decimal as a bigint does), when the plugin can read its value (a literal,
  constant arithmetic on literals, a `Final` name); an int it cannot read is an integer of
  unknown width;
- `+ - * /` and `coalesce()` take the widest of their operands (int4 < int8 < numeric <
  float8), when every operand is known or an integer (a bigint times an integer of unknown
  width is a bigint; an int4 times one is unknown);
- `count()` is int8; `sum()` of int4 is int8, of int8 numeric; `avg()` of an integer or
  numeric is numeric, of a float float8; `min()`/`max()` are their operand's.

The note never changes the expression's static type, so what the stubs accept (comparisons,
arithmetic) stays as it was; where a value's type is read for a row (`.as_()`, a CTE's
columns), _expressions.row_value gives the noted type: numeric is a Decimal, float8 a float, where the
stubs say `int` or `Any`. Anything else (`eb.fn(...)`, a CASE, `eb.cast()`) has no note.
"""

from __future__ import annotations

from collections.abc import Iterable

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Expression, IntExpr, NameExpr, OpExpr, UnaryExpr, Var
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    Type,
    UnionType,
    get_proper_type,
)

from typedb.mypy_plugin._state import attr, with_attr

EXPR = "typedb.query._node.Expr"
#: The note on an expression's type: its SQL type, one of RANK.
KIND_KEY = "typedb sql kind"
INT4 = "int4"
INT8 = "int8"
NUMERIC = "numeric"
FLOAT8 = "float8"
RANK = {INT4: 0, INT8: 1, NUMERIC: 2, FLOAT8: 3}
#: A Python class a kind is read as in rows, where the stubs say int or Any.
DECIMAL = "decimal.Decimal"
FLOAT = "builtins.float"
CLASSES = {NUMERIC: DECIMAL, FLOAT8: FLOAT}
#: An operand's kind, never a note: an integer of unknown width.
INT = "int"
_INT4_MIN, _INT4_MAX = -(2**31), 2**31 - 1
#: Constant folding stops at values this wide (a bigint is 64 bits; `2**40` is what code writes).
_MAX_BITS = 256


def kind_of(typ: ProperType) -> str | None:
    """The SQL type the plugin noted on an expression's type, if any."""
    return attr(typ, KIND_KEY)


def with_kind(typ: Instance, kind: str | None, api: CheckerPluginInterface) -> Instance:
    """`typ` (an `Expr[int]`, or an `Expr[Any]` for numeric and float8) noted with `kind`;
    as it is when the kind is unknown or does not fit the static type."""
    value = get_proper_type(typ.args[0]) if typ.args else None
    fits = is_int(value) or (kind in CLASSES and isinstance(value, AnyType))
    if kind not in RANK or not fits:
        return typ
    return with_attr(typ, KIND_KEY, kind, api.named_generic_type("builtins.str", []))


def sql_class(typ: ProperType) -> str | None:
    """The class a noted numeric or float8 expression's values are (see _expressions.row_value)."""
    kind = kind_of(typ)
    return CLASSES.get(kind) if kind is not None else None


def is_int(typ: Type | None) -> bool:
    """Whether a value type is exactly `int` (not a bool, not a union with None)."""
    proper = get_proper_type(typ) if typ is not None else None
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int"


def aggregated(func: str, kind: str | None) -> str | None:
    """The SQL type of `func` (sum, avg, min, max) over an operand of `kind`."""
    if func == "sum":
        return {INT4: INT8, INT: INT8, INT8: NUMERIC}.get(kind, kind) if kind else None
    if func == "avg":
        return None if kind is None else FLOAT8 if kind == FLOAT8 else NUMERIC
    return kind


def combined(kinds: Iterable[str | None]) -> str | None:
    """The SQL type of arithmetic (or coalesce) on operands of these kinds: the widest, when
    each is known or an integer of unknown width that the widest already outranks."""
    seen = list(kinds)
    if not seen or None in seen:
        return None
    known = [k for k in seen if k is not None and k != INT]
    if not known:
        return None
    widest = max(known, key=RANK.__getitem__)
    return None if widest == INT4 and INT in seen else widest


def operand_kind(expr: Expression | None, typ: Type) -> str | None:
    """An operand's SQL type: an expression's note, else by its static type (a bound int by
    its value; INT for an int or `Expr[int]` of unknown width); None for anything else."""
    proper = get_proper_type(typ)
    noted = kind_of(proper)
    if noted is not None:
        return noted
    if is_int(proper.fallback if isinstance(proper, LiteralType) else proper):
        return (bound_int_kind(expr, proper) if expr is not None else None) or INT
    if isinstance(proper, Instance) and proper.type.fullname in (DECIMAL, FLOAT):
        return value_kind(proper)  # a bound Decimal or float
    value = _expr_value(proper) if isinstance(proper, Instance) else None
    return value_kind(value) if value is not None else None


def _expr_value(typ: Instance) -> Type | None:
    """T of an `Expr[T]`; None for any other type."""
    for base in typ.type.mro:
        if base.fullname == EXPR:
            mapped = map_instance_to_supertype(typ, base)
            return mapped.args[0] if mapped.args else None
    return None


def value_kind(value: Type, bigint: bool = False) -> str | None:
    """The SQL type of a value of Python type `value` (None taken out): INT8 for an int when
    `bigint`, INT for an int of unknown width, NUMERIC, FLOAT8; None for anything else."""
    proper = get_proper_type(value)
    if isinstance(proper, UnionType):
        parts = [p for p in proper.items if not isinstance(get_proper_type(p), NoneType)]
        proper = get_proper_type(parts[0]) if len(parts) == 1 else proper
    if is_int(proper):
        return INT8 if bigint else INT
    if isinstance(proper, Instance):
        return {DECIMAL: NUMERIC, FLOAT: FLOAT8}.get(proper.type.fullname)
    return None


def column_kind(typ: Type, bigint: bool) -> str | None:
    """The SQL type of a column of Python type `typ`: an int column is INT8 when the stubs
    list it as a bigint, else INT4."""
    kind = value_kind(typ, bigint)
    return INT4 if kind == INT else kind


def bound_int_kind(expr: Expression, typ: ProperType) -> str | None:
    """The SQL type typedb binds an int as: int4 when it fits 32 bits, else int8."""
    value = _int_value(expr, typ)
    if value is None:
        return None
    return INT4 if _INT4_MIN <= value <= _INT4_MAX else INT8


def _int_value(expr: Expression, typ: ProperType) -> int | None:
    literal = typ.last_known_value if isinstance(typ, Instance) else typ
    if isinstance(literal, LiteralType):
        value = literal.value
        return value if type(value) is int else None
    return _fold(expr)


def _fold(expr: Expression) -> int | None:
    """The value of an int literal or of constant arithmetic on them (`2**40`, `-5`), or of a
    `Final` name bound to one; None for anything else or anything wider than _MAX_BITS."""
    if isinstance(expr, IntExpr):
        return expr.value
    if isinstance(expr, NameExpr):
        node = expr.node
        value = node.final_value if isinstance(node, Var) and node.is_final else None
        return value if type(value) is int else None
    if isinstance(expr, UnaryExpr) and expr.op in ("-", "+"):
        inner = _fold(expr.expr)
        return None if inner is None else (-inner if expr.op == "-" else inner)
    if isinstance(expr, OpExpr) and expr.op in ("+", "-", "*", "//", "**"):
        left, right = _fold(expr.left), _fold(expr.right)
        if left is None or right is None:
            return None
        if expr.op == "**":
            if right < 0 or right > _MAX_BITS or abs(left).bit_length() * right > _MAX_BITS:
                return None
            return int(left**right)
        if expr.op == "//":
            return None if right == 0 else left // right
        value = left + right if expr.op == "+" else left - right if expr.op == "-" else left * right
        return value if value.bit_length() <= _MAX_BITS else None
    return None
