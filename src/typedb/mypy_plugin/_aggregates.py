"""`fn.count("id")`, `fn.sum("price").as_("total")`: the plugin notes on the Aggregate type
what it computes, so that the query it is used in can check the column against its tables
and type the row key (see `_rows.aggregate_type`). `fn` does not know the query; the query
does not see how the aggregate was written; the note joins them, through variables too."""

from __future__ import annotations

from dataclasses import replace

from mypy.plugin import MethodContext
from mypy.types import Instance, Type, get_proper_type

from typedb.mypy_plugin._calls import argument, failed_trial, literal_str
from typedb.mypy_plugin._expressions import aggregate_of_expression
from typedb.mypy_plugin._state import Item, aggregate_of, with_aggregate


def made(func: str, ctx: MethodContext) -> Type:
    """`fn.<func>(column)`."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    result = get_proper_type(ctx.default_return_type)
    if not isinstance(result, Instance):
        return ctx.default_return_type
    arg = argument(ctx, 0)
    column = literal_str(*arg) if arg is not None else ""
    if column is None:  # an expression (`fn.sum(eb.ref("price") * 2)`), or an unread column
        return aggregate_of_expression(func, ctx)
    item = Item("aggregate", column, func)
    return with_aggregate(result, item, ctx.api.named_generic_type("builtins.str", []))


def named(ctx: MethodContext) -> Type:
    """`.as_(alias)`: the same aggregate under a row key of its own."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    result = get_proper_type(ctx.default_return_type)
    item = aggregate_of(get_proper_type(ctx.type))
    arg = argument(ctx, 0)
    alias = literal_str(*arg) if arg is not None else None
    if item is None or alias is None or not isinstance(result, Instance):
        return ctx.default_return_type
    str_type = ctx.api.named_generic_type("builtins.str", [])
    return with_aggregate(result, replace(item, alias=alias), str_type)
