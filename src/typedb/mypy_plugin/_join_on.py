"""The `on` a join callback receives (`inner_join("tags as t", lambda on: on("i.id", "=",
"t.item_id") & ...)`), knowing the query with the joined table.

The stubs type `on`'s columns as `str`: the joined table is known only from the join's first
argument. The plugin hands the callback an `On` that carries the joined query's state (a
signature hook of the Join's `__call__`, read from the table string), then checks the columns
of `on(column, op, value)` (a string on the right is a column, as at run time) and of
`on.ref(column)` against it.
"""

from __future__ import annotations

from mypy.nodes import StrExpr
from mypy.plugin import MethodContext, MethodSigContext
from mypy.types import CallableType, FunctionLike, Instance, Type, UnionType, get_proper_type

from typedb.mypy_plugin._calls import (
    QUERY_MODULE,
    argument,
    fail,
    failed_trial,
    literal_str,
    receiver_state,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._names import column_ref, table_ref
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._state import QueryState, attr, state_of, with_state

ON = f"{QUERY_MODULE}.On"


def hand_state(kind_key: str, ctx: MethodSigContext) -> FunctionLike:
    """A Join's `__call__(table, callback)`: the callback's `on` knows the joined query."""
    receiver = get_proper_type(ctx.type)
    state = receiver_state(receiver)
    signature = ctx.default_signature
    table = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    if state is None or not isinstance(table, StrExpr):
        return signature
    left_class = isinstance(receiver, Instance) and receiver.type.name.startswith("Left")
    kind = attr(receiver, kind_key) or ("left" if left_class else "inner")
    joined = state.joined(table_ref(table.value), kind)
    str_type = ctx.api.named_generic_type("builtins.str", [])
    marked = [_marked(t, joined, str_type) for t in signature.arg_types]
    return signature.copy_modified(arg_types=marked)


def _marked(typ: Type, state: QueryState, str_type: Instance) -> Type:
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        return UnionType([_marked(t, state, str_type) for t in proper.items], proper.line)
    if isinstance(proper, CallableType) and proper.arg_types:
        first = get_proper_type(proper.arg_types[0])
        if isinstance(first, Instance) and first.type.fullname == ON:
            on = with_state(first, state, str_type)
            return proper.copy_modified(arg_types=[on, *proper.arg_types[1:]])
    return typ


def compare(catalog: Catalog, ctx: MethodContext) -> Type:
    """`on(column, op, value)`: the column, and the value when it is a string (a column)."""
    _check(catalog, ctx, (0, 2))
    return ctx.default_return_type


def ref(catalog: Catalog, ctx: MethodContext) -> Type:
    """`on.ref(column)`."""
    _check(catalog, ctx, (0,))
    return ctx.default_return_type


def _check(catalog: Catalog, ctx: MethodContext, positions: tuple[int, ...]) -> None:
    state = state_of(get_proper_type(ctx.type))
    if failed_trial(ctx.api) or state is None:
        return
    scope = scope_of(state, catalog)
    if any(t.open for t in scope.tables):
        return  # a CTE the plugin cannot read: any column may be right
    for position in positions:
        arg = argument(ctx, position)
        column = literal_str(*arg) if arg is not None else None
        if column is None:
            continue
        found = scope.resolve(column_ref(column))
        if isinstance(found, str):
            fail(ctx.api, f"join condition: {found}", ctx.context)
