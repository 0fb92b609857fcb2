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
from mypy.types import FunctionLike, LiteralType, Type, get_proper_type

from typedb.mypy_plugin._calls import (
    QUERY_MODULE,
    argument,
    fail,
    failed_trial,
    has_lambda,
    literal_str,
    receiver_state,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._names import column_ref, table_ref
from typedb.mypy_plugin._select import join_kind
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._state import hand_to_callbacks, state_of

ON = f"{QUERY_MODULE}.On"


def hand_state(ctx: MethodSigContext) -> FunctionLike:
    """A Join's `__call__(table, callback)`: the callback's `on` knows the joined query."""
    table = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    if not isinstance(table, StrExpr) or not has_lambda(ctx):
        return ctx.default_signature
    # Another table's overload (one per table): it cannot match, leave it as it is.
    params = ctx.default_signature.arg_types
    first = get_proper_type(params[0]) if params else None
    if isinstance(first, LiteralType) and first.value != table.value:
        return ctx.default_signature
    receiver = get_proper_type(ctx.type)
    state = receiver_state(receiver)
    if state is None:
        return ctx.default_signature
    joined = state.joined(table_ref(table.value), join_kind(receiver))
    str_type = ctx.api.named_generic_type("builtins.str", [])
    return hand_to_callbacks(ctx.default_signature, ON, joined, str_type)


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
