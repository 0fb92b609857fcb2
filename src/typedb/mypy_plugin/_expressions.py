"""Expressions as row keys: `select(lambda eb: (eb.ref("price") * 2).as_("doubled"))` gives
rows with `doubled: Decimal`.

The stubs type an expression's value (`Expr[Decimal]`, by its operands) but cannot key a
row on an alias: `as_()` takes any str. The plugin notes the alias and the value type on
the `Expr` that `as_()` returns; select() reads the note from its arguments, from what a
`lambda eb: ...` returns, and from each item of a list the lambda returns. An aggregate of an
expression (`fn.sum(eb.ref("price") * eb.ref("quantity"))`) is None over no rows, as the
column forms are; a scalar subquery (`query.as_("n")`) is its one column's type or None.
The value type a row key gets is the one the database gives where the plugin knows the SQL
type better than the stubs (`fn.sum` of a bigint is a Decimal, see _sql_kinds).
"""

from __future__ import annotations

import json

from mypy.checker import TypeChecker
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Expression, LambdaExpr, ListExpr, ReturnStmt, TupleExpr
from mypy.plugin import CheckerPluginInterface, MethodContext
from mypy.types import AnyType, CallableType, Instance, ProperType, Type, get_proper_type

from typedb.mypy_plugin._calls import (
    argument,
    arguments,
    fail,
    failed_trial,
    literal_str,
    receiver_state,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._rows import _without_none, has_none, nullable, row_of
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._sql_kinds import (
    INT8,
    aggregated,
    combined,
    is_int,
    kind_of,
    operand_kind,
    sql_class,
    value_kind,
    with_kind,
)
from typedb.mypy_plugin._state import Item, aggregate_of, attr, with_attr
from typedb.mypy_plugin._typetext import type_text

EXPR = "typedb.query._node.Expr"
#: The note of a named expression: `[alias, value type as text]`.
NAMED_KEY = "typedb expression"
#: The note of an aggregate of an expression: its value is None over no rows.
NULLABLE_KEY = "typedb nullable"


def value_type(typ: ProperType) -> Type | None:
    """T of an `Expr[T]` (or of a subclass of it), None for any other type."""
    if not isinstance(typ, Instance):
        return None
    for base in typ.type.mro:
        if base.fullname == EXPR:
            mapped = map_instance_to_supertype(typ, base)
            value = mapped.args[0] if mapped.args else None
            if value is not None and attr(typ, NULLABLE_KEY) is not None:
                value = nullable(value)
            return value
    return None


def row_value(typ: ProperType, api: CheckerPluginInterface) -> Type | None:
    """`value_type` as the database gives it: an expression the plugin knows is numeric or a
    float where the stubs say `int` or `Any` (`fn.sum` of a bigint, `fn.avg`, see _sql_kinds)
    is a Decimal or a float."""
    value = value_type(typ)
    cls = sql_class(typ)
    if value is None or cls is None:
        return value
    base = get_proper_type(_without_none(value))
    if not (is_int(base) or isinstance(base, AnyType)):
        return value
    typed = api.named_generic_type(cls, [])
    return nullable(typed) if attr(typ, NULLABLE_KEY) is not None or has_none(value) else typed


def aggregate_of_expression(func: str, ctx: MethodContext) -> Type:
    """`fn.sum(expr)` / avg / min / max: None where no row is summed (count is never None);
    noted with its SQL type (_sql_kinds): the stubs say `fn.sum` of an `Expr[T]` is an
    `Expr[T]` (a bigint's sum is numeric) and `fn.avg` an `Expr[Any]`."""
    result = get_proper_type(ctx.default_return_type)
    arg = argument(ctx, 0)
    if arg is None or not isinstance(result, Instance):
        return ctx.default_return_type
    if func == "count":
        return with_kind(result, INT8, ctx.api)  # count() is a bigint
    operand = get_proper_type(arg[1])
    value = value_type(operand)
    if value is None:
        return ctx.default_return_type
    kind = kind_of(operand) or value_kind(value)
    result = with_kind(result, aggregated(func, kind), ctx.api)
    return with_attr(result, NULLABLE_KEY, "1", _str(ctx.api))


#: Expr's operators: NULL in either operand gives NULL.
OPERATORS = frozenset(
    {"__add__", "__sub__", "__mul__", "__truediv__", "__radd__", "__rsub__", "__rmul__"}
    | {"__rtruediv__"}
)


def arithmetic(ctx: MethodContext) -> Type:
    """`expr * 2`, `eb.ref("price") * eb.ref("discount")`: nullable when an operand is; an
    integer result is a bigint when an operand is (see _sql_kinds)."""
    result = get_proper_type(ctx.default_return_type)
    if failed_trial(ctx.api) or not isinstance(result, Instance):
        return ctx.default_return_type
    receiver = get_proper_type(ctx.type)
    given = list(arguments(ctx))
    if result.args:
        kinds = [operand_kind(None, receiver), *(operand_kind(e, t) for e, t in given)]
        result = with_kind(result, combined(kinds), ctx.api)
    operands = [receiver, *(get_proper_type(t) for _, t in given)]
    if any(attr(t, NULLABLE_KEY) is not None for t in operands):
        return with_attr(result, NULLABLE_KEY, "1", _str(ctx.api))
    return result


def named(ctx: MethodContext) -> Type:
    """`expr.as_(alias)`: the expression noted with its row key and value type."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    result = get_proper_type(ctx.default_return_type)
    arg = argument(ctx, 0)
    alias = literal_str(*arg) if arg is not None else None
    value = row_value(get_proper_type(ctx.type), ctx.api)
    if alias is None or value is None or not isinstance(result, Instance):
        return ctx.default_return_type
    kind = kind_of(get_proper_type(ctx.type))
    # A bigint keeps its kind under its alias: a CTE selecting it passes it on (_rows).
    note = json.dumps([alias, type_text(value), kind == INT8])
    return with_attr(with_kind(result, kind, ctx.api), NAMED_KEY, note, _str(ctx.api))


def scalar_subquery(catalog: Catalog, ctx: MethodContext) -> Type:
    """`query.as_(alias)`: a scalar subquery in select(); one column, whose type (or None,
    when the subquery finds no row) is the key's."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    state = receiver_state(get_proper_type(ctx.type))
    result = get_proper_type(ctx.default_return_type)
    arg = argument(ctx, 0)
    alias = literal_str(*arg) if arg is not None else None
    if state is None or alias is None or not isinstance(result, Instance):
        return ctx.default_return_type
    row = row_of(state.items, scope_of(state, catalog), catalog.instance)
    if row.errors or not row.known:
        return ctx.default_return_type
    if len(row.types) != 1:
        fail(
            ctx.api,
            f"a scalar subquery selects one column; this one selects {len(row.types)} "
            f"({', '.join(row.types)}): select() the one .as_({alias!r}) should be",
            ctx.context,
        )
        return ctx.default_return_type
    ((key, typ),) = row.types.items()
    bigint = key in row.numeric_sums
    # count() finds a row whatever matches; any other column is NULL when none does.
    only = state.items[0] if state.items else None
    if only is None or only.kind != "aggregate" or only.func != "count":
        typ = nullable(typ)
    typed = result.copy_modified(args=[typ]) if result.args else result
    typed = with_kind(typed, INT8 if bigint else None, ctx.api)
    note = json.dumps([alias, type_text(typ), bigint])
    return with_attr(typed, NAMED_KEY, note, _str(ctx.api))


def expression_item(typ: ProperType) -> Item | None:
    """The select() item a named expression is."""
    note = attr(typ, NAMED_KEY)
    if note is None:
        return None
    alias, text, bigint = json.loads(note)
    return Item("expr", alias, text, bigint=bigint)


def returned_items(
    expr: Expression, typ: ProperType, api: CheckerPluginInterface
) -> list[Item] | None:
    """The items a `lambda eb: ...` argument of select() gives, None when it is no lambda.
    A list the lambda returns is read item by item (its type is one join of them all)."""
    if not isinstance(typ, CallableType):
        return None
    body = _returned(expr)
    if isinstance(body, (ListExpr, TupleExpr)) and isinstance(api, TypeChecker):
        found: list[Item] = []
        for part in body.items:
            part_type = api.lookup_type_or_none(part)
            found.append(_one(get_proper_type(part_type)) if part_type else Item("opaque"))
        return found
    return [_one(get_proper_type(typ.ret_type))]


def _one(typ: ProperType) -> Item:
    return expression_item(typ) or aggregate_of(typ) or Item("opaque")


def _returned(expr: Expression) -> Expression | None:
    if isinstance(expr, LambdaExpr) and expr.body.body:
        last = expr.body.body[-1]
        if isinstance(last, ReturnStmt):
            return last.expr
    return None


def _str(api: CheckerPluginInterface) -> Instance:
    return api.named_generic_type("builtins.str", [])
