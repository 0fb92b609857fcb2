"""`union`, `union_all`, `intersect`, `except_`: both selects give rows of the same shape.

The stubs take any select as the other side and keep the left one's Row (the database names
the columns after the left query). The plugin compares the two rows where it knows both:
the same number of columns (the runtime's CompileError, found before running), and, column
by column, types a database can combine (an int and a Decimal can; a str and an int cannot).
"""

from __future__ import annotations

from mypy.messages import format_type_bare
from mypy.plugin import MethodContext
from mypy.subtypes import is_subtype
from mypy.types import Type, get_proper_type

from typedb.mypy_plugin._calls import argument, fail, failed_trial, receiver_state
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._rows import Row, _without_none, row_of
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._state import QueryState
from typedb.mypy_plugin._subquery import subquery_state
from typedb.mypy_plugin._values import _accepted


def combined(catalog: Catalog, method: str, ctx: MethodContext) -> Type:
    if failed_trial(ctx.api):
        return ctx.default_return_type
    left = receiver_state(get_proper_type(ctx.type))
    arg = argument(ctx, 0)
    right = subquery_state(get_proper_type(arg[1])) if arg is not None else None
    if left is None or right is None:
        return ctx.default_return_type
    left_row, right_row = _row(left, catalog), _row(right, catalog)
    if left_row is None or right_row is None:
        return ctx.default_return_type
    lefts, rights = list(left_row.types.items()), list(right_row.types.items())
    if len(lefts) != len(rights):
        fail(
            ctx.api,
            f"{method}() needs the same number of columns on both sides: "
            f"{len(lefts)} ({', '.join(k for k, _ in lefts)}) and "
            f"{len(rights)} ({', '.join(k for k, _ in rights)})",
            ctx.context,
        )
        return ctx.default_return_type
    for n, ((lkey, ltype), (rkey, rtype)) in enumerate(zip(lefts, rights, strict=True), 1):
        if not _combinable(ltype, rtype, catalog):
            show = ctx.api.options
            fail(
                ctx.api,
                f"{method}(): column {n} is {format_type_bare(ltype, show)} on the left "
                f"({lkey!r}) and {format_type_bare(rtype, show)} on the right ({rkey!r})",
                ctx.context,
            )
    return ctx.default_return_type


def _row(state: QueryState, catalog: Catalog) -> Row | None:
    row = row_of(state.items, scope_of(state, catalog), catalog.instance)
    return None if row.errors or not row.known else row


def _combinable(left: Type, right: Type, catalog: Catalog) -> bool:
    a, b = _without_none(left), _without_none(right)
    return is_subtype(a, _accepted(b, catalog.instance)) or is_subtype(
        b, _accepted(a, catalog.instance)
    )
