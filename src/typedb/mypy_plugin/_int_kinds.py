"""Whether an integer expression is a `bigint` in SQL: what its SUM gives.

PostgreSQL sums an `integer` or `smallint` to a bigint (an int) and a `bigint` to numeric (a
Decimal). The stubs give every integer one type, so `fn.sum(eb.ref("hits"))` over a bigint
column is an `Expr[int]` in them. The plugin notes on an `Expr[int]` its SQL type where it
knows it, by PostgreSQL's rules:

- `eb.ref()` of a column the stubs list in `<Table>NumericSum` (a bigint; a CTE passes them
  on, see _sources.numeric_sums) is `int8`; of any other integer column `int4` (integer or
  smallint: narrower than bigint, their arithmetic and sums are the same to the row type);
- a bound int (`eb.val(5)`, `eb.ref("n") * 5`) is `int4` when it fits 32 bits, else `int8`
  (typedb binds it so, see typedb.query._node._val_node; wider than 64 bits is numeric,
  which sums to a Decimal as a bigint does), when the plugin can read its value (a literal,
  constant arithmetic of literals, a `Final` name);
- `+ - * /` of integers is `int8` when either side is, `int4` when both are.

Anything else (an int variable, `eb.fn(...)`, a CASE, a subtraction of dates) has no note,
and the stubs' type stands.
"""

from __future__ import annotations

from collections.abc import Iterable

from mypy.nodes import Expression, IntExpr, NameExpr, OpExpr, UnaryExpr, Var
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, LiteralType, ProperType, Type, get_proper_type

from typedb.mypy_plugin._state import attr, with_attr

#: The note on an `Expr[int]`: its SQL type, INT4 or INT8.
KIND_KEY = "typedb int kind"
INT4 = "int4"
INT8 = "int8"
_INT4_MIN, _INT4_MAX = -(2**31), 2**31 - 1
#: Constant folding stops at values this wide (a bigint is 64 bits; `2**40` is what code writes).
_MAX_BITS = 256


def kind_of(typ: ProperType) -> str | None:
    """The SQL integer type the plugin noted on an expression's type, if any."""
    return attr(typ, KIND_KEY)


def with_kind(typ: Instance, kind: str | None, api: CheckerPluginInterface) -> Instance:
    """`typ` (an `Expr[int]`) noted with `kind`; as it is when the kind is unknown."""
    if kind is None or not is_int(typ.args[0] if typ.args else None):
        return typ
    return with_attr(typ, KIND_KEY, kind, api.named_generic_type("builtins.str", []))


def is_int(typ: Type | None) -> bool:
    """Whether a value type is exactly `int` (not a bool, not a union with None)."""
    proper = get_proper_type(typ) if typ is not None else None
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int"


def combined(kinds: Iterable[str | None]) -> str | None:
    """The SQL type of arithmetic (or of coalesce) on operands of these kinds: bigint when
    one is (the other widens to it), int4 when all are, unknown otherwise."""
    seen = list(kinds)
    if INT8 in seen:
        return INT8
    return INT4 if seen and all(k == INT4 for k in seen) else None


def operand_kind(expr: Expression, typ: Type) -> str | None:
    """An operand's SQL integer type: an expression's note, or a bound int's by its value."""
    proper = get_proper_type(typ)
    noted = kind_of(proper)
    if noted is not None:
        return noted
    if isinstance(proper, LiteralType) or (isinstance(proper, Instance) and is_int(proper)):
        return bound_int_kind(expr, proper)
    return None


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
