"""`eb`, the expression builder a `lambda eb: ...` receives, knowing the query it builds for.

The stubs type `eb` by the query's columns per value type (`Builder[Loose, B0, ...]`): a
plain table's columns are checked, but an aliased query's (`"i.price"`) are loose strings,
and `eb.ref("i.price")` is `Expr[Any]` (whose arithmetic then picks the first overload:
`Expr[Any] * 2` would say `Expr[int]`). The plugin hands the lambda a `Builder` that
carries the query's state (a method signature hook of select / where / having / order_by /
group_by), and then types `eb.ref(column)` by the column, marks a nullable column's
expression (its row key is `T | None`), and checks `eb(column, op, value)` as where() is
checked: the column, a subquery's column, a value for a loose column.
"""

from __future__ import annotations

from mypy.plugin import MethodContext, MethodSigContext
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    Type,
    get_proper_type,
)

from typedb.mypy_plugin._calls import (
    QUERY_MODULE,
    argument,
    arguments,
    fail,
    failed_trial,
    has_lambda,
    literal_str,
    receiver_state,
    stub_failed,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._expressions import NULLABLE_KEY
from typedb.mypy_plugin._names import column_ref
from typedb.mypy_plugin._rows import _without_none, has_none
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._sql_kinds import bound_int_kind, column_kind, with_kind
from typedb.mypy_plugin._state import hand_to_callbacks, state_of, with_attr
from typedb.mypy_plugin._subquery import subquery_problem, subquery_state
from typedb.mypy_plugin._values import value_problem

BUILDER = f"{QUERY_MODULE}.Builder"


def hand_state(ctx: MethodSigContext) -> FunctionLike:
    """select / where / ... of a query: the Builder its callbacks receive carries the state."""
    if not has_lambda(ctx):
        return ctx.default_signature
    state = receiver_state(get_proper_type(ctx.type))
    if state is None:
        return ctx.default_signature
    str_type = ctx.api.named_generic_type("builtins.str", [])
    return hand_to_callbacks(ctx.default_signature, BUILDER, state, str_type)


def ref(catalog: Catalog, ctx: MethodContext) -> Type:
    """`eb.ref(column)`: the column's expression, typed by the column."""
    state = state_of(get_proper_type(ctx.type))
    arg = argument(ctx, 0)
    column = literal_str(*arg) if arg is not None else None
    result = get_proper_type(ctx.default_return_type)
    if failed_trial(ctx.api) or state is None or column is None or stub_failed(ctx):
        return ctx.default_return_type
    if not isinstance(result, Instance) or not result.args:
        return ctx.default_return_type
    found = scope_of(state, catalog).resolve(column_ref(column))
    if isinstance(found, str):
        fail(ctx.api, f"eb.ref(): {found}", ctx.context)
        return ctx.default_return_type
    stub_value = get_proper_type(result.args[0])
    base = found.type if isinstance(stub_value, AnyType) else stub_value
    expr = result.copy_modified(args=[_without_none(base)])
    # A bigint's SUM is numeric (see _sql_kinds).
    bigint = found.column in found.table.numeric_sums
    expr = with_kind(expr, column_kind(found.type, bigint), ctx.api)
    if found.table.source.left or has_none(found.type):
        # NULL where nothing matched (a left join) or stored: a row key of it may be None.
        expr = with_attr(expr, NULLABLE_KEY, "1", ctx.api.named_generic_type("builtins.str", []))
    return expr


def val(ctx: MethodContext) -> Type:
    """`eb.val(5)`: an int is bound as int4 when it fits 32 bits, else bigint (_sql_kinds)."""
    result = get_proper_type(ctx.default_return_type)
    arg = argument(ctx, 0)
    if failed_trial(ctx.api) or arg is None or not isinstance(result, Instance):
        return ctx.default_return_type
    return with_kind(result, bound_int_kind(arg[0], get_proper_type(arg[1])), ctx.api)


def compare(catalog: Catalog, ctx: MethodContext) -> Type:
    """`eb(column, op, value)`: as where(column, op, value) is checked."""
    if failed_trial(ctx.api) or stub_failed(ctx):
        return ctx.default_return_type
    receiver = get_proper_type(ctx.type)
    state = state_of(receiver)
    args = list(arguments(ctx))
    if state is None or len(args) != 3:
        return ctx.default_return_type
    (col_expr, col_type), (op_expr, op_type), (_, value_type) = args
    column, op = literal_str(col_expr, col_type), literal_str(op_expr, op_type)
    if column is None or op is None:
        return ctx.default_return_type
    found = scope_of(state, catalog).resolve(column_ref(column))
    if isinstance(found, str):
        fail(ctx.api, f"eb(): {found}", ctx.context)
        return ctx.default_return_type
    subquery = subquery_state(get_proper_type(value_type))
    if subquery is not None:
        problem = subquery_problem(column, op, found.type, subquery, catalog, ctx.api.options)
    elif _loose(receiver):
        problem = value_problem(
            f"column {column!r}", op, value_type, found.type, catalog.instance, ctx.api.options
        )
    else:
        problem = None  # the stubs have checked the value against the column's type
    if problem is not None:
        fail(ctx.api, problem, ctx.context)
    return ctx.default_return_type


def _loose(builder: object) -> bool:
    """Whether the Builder's columns are loose strings (Loose, its first parameter, is str)."""
    if not isinstance(builder, Instance) or not builder.args:
        return True
    loose = get_proper_type(builder.args[0])
    return isinstance(loose, (Instance, AnyType))
