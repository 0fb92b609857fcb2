"""Hooks of the write queries: `returning("id", "name as title")` narrows the rows of
`execute_take_first*()` and of the result's `.rows`.

The write classes change with the builder's state (`InsertQuery` -> `values()` ->
`InsertValues` -> `returning()` -> `InsertReturning`), each generic over Row first: the
plugin replaces Row at returning() and carries its state through values() / set().
"""

from __future__ import annotations

from mypy.plugin import MethodContext
from mypy.types import Instance, Type, TypedDictType, get_proper_type

from typedb.mypy_plugin._calls import (
    arguments,
    as_generic,
    fail,
    failed_trial,
    literal_str,
    scope_of,
    stub_failed,
    with_row,
)
from typedb.mypy_plugin._catalog import STUBS, Catalog
from typedb.mypy_plugin._rows import row_of, typed_dict
from typedb.mypy_plugin._state import Item, QueryState, Source, state_of, with_state


class WriteHooks:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def carry(self, ctx: MethodContext) -> Type:
        """values() / set() / on_conflict(): a new class, the same table and returning()."""
        if failed_trial(ctx.api):
            return ctx.default_return_type
        receiver = get_proper_type(ctx.type)
        result = get_proper_type(ctx.default_return_type)
        state = state_of(receiver)
        if state is None or not isinstance(result, Instance) or not isinstance(receiver, Instance):
            return ctx.default_return_type
        receiver = as_generic(receiver)
        if receiver.args and as_generic(result).args:
            result = with_row(result, receiver.args[0])
        return with_state(result, state, ctx.api.named_generic_type("builtins.str", []))

    def returning(self, every: bool, ctx: MethodContext) -> Type:
        if failed_trial(ctx.api):
            return ctx.default_return_type
        receiver = get_proper_type(ctx.type)
        result = get_proper_type(ctx.default_return_type)
        if stub_failed(ctx) or not isinstance(result, Instance):
            return ctx.default_return_type
        state = state_of(receiver) or _state_from_row(receiver)
        if state is None:
            return ctx.default_return_type
        items: tuple[Item, ...] | None = None
        if not every:
            texts = [literal_str(expr, typ) for expr, typ in arguments(ctx)]
            if any(t is None for t in texts):
                return ctx.default_return_type
            items = tuple(Item("column", t) for t in texts if t is not None)
        state = QueryState(state.sources, items)
        str_type = ctx.api.named_generic_type("builtins.str", [])
        if items is None:
            return with_state(result, state, str_type)  # every column: the table's own Row
        row = row_of(items, scope_of(state, self.catalog), self.catalog.instance)
        for message in row.errors:
            fail(ctx.api, message, ctx.context)
        if row.errors:
            return with_state(result, state, str_type)
        return with_state(with_row(result, typed_dict(row, ctx.api)), state, str_type)


def _state_from_row(receiver: Type) -> QueryState | None:
    """The table of a write whose state was lost, from its Row: the table's own TypedDict."""
    proper = get_proper_type(receiver)
    if not isinstance(proper, Instance):
        return None
    proper = as_generic(proper)
    if not proper.args:
        return None
    row = get_proper_type(proper.args[0])
    if isinstance(row, TypedDictType) and row.fallback.type.module_name.startswith(STUBS + "."):
        return QueryState((Source(row.fallback.type.module_name.rpartition(".")[2], None),))
    return None
