"""`db.select_from("users as u")`, `insert_into`, `update_table`, `delete_from`,
`soft_delete`: the table read from the string itself.

The stubs dispatch on a Literal table name, one overload per table, with a `str` fallback
for aliases (a Literal cannot spell `"users as <any alias>"`), which makes a typo'd table
name pass. The plugin reads the name, refuses a table the schema does not have, and gives an
aliased table the same typed query as the plain name (with its columns loose, so that
`"u.email"` is accepted by the stubs and checked by the plugin).
"""

from __future__ import annotations

from mypy.nodes import OverloadedFuncDef, TypeInfo
from mypy.plugin import MethodContext
from mypy.types import CallableType, Instance, LiteralType, Overloaded, Type, get_proper_type

from typedb.mypy_plugin._calls import (
    argument,
    as_generic,
    fail,
    failed_trial,
    is_select,
    literal_str,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._module_ctes import module_ctes
from typedb.mypy_plugin._names import TableRef, table_ref
from typedb.mypy_plugin._state import Cte, QueryState, Source, with_state

#: Select's type parameters by position (see STUB_DESIGN / typedb/stubgen/_query.py).
LOOSE = 3


class TableCalls:
    """The hooks of the database's table methods, with the typed query of each table read
    once per method from its overloads (kept while mypy keeps the same definition)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_table: dict[str, tuple[OverloadedFuncDef, dict[str, Type]]] = {}

    def hook(self, method: str, ctx: MethodContext) -> Type:
        if failed_trial(ctx.api):
            return ctx.default_return_type
        arg = argument(ctx, 0)
        text = literal_str(*arg) if arg is not None else None
        default = get_proper_type(ctx.default_return_type)
        if text is None:
            return ctx.default_return_type
        ref = table_ref(text)
        if self.catalog.row(ref.table) is None:
            later = module_ctes(ctx.api).get(ref.table) if method == "select_from" else None
            if later is not None and isinstance(default, Instance):
                # The step of a recursive CTE may read FROM the CTE, declared later in the
                # module: the stubs' loose select, over the CTE typed by its column list.
                cte = Cte(ref.table, later.columns, None)
                state = QueryState((Source(ref.table, ref.alias),), None, (cte,))
                return with_state(default, state, ctx.api.named_generic_type("builtins.str", []))
            fail(ctx.api, self.catalog.unknown_table(ref.table), ctx.context)
            return ctx.default_return_type
        # `db.select_from` is a dispatch object (`SelectFrom`): the overloads are its __call__'s.
        receiver = get_proper_type(ctx.type)
        typed = (
            self._typed_query(receiver.type, method, ref.table)
            if isinstance(receiver, Instance)
            else None
        )
        query = get_proper_type(typed) if typed is not None else default
        if not isinstance(query, Instance):
            return ctx.default_return_type
        str_type = ctx.api.named_generic_type("builtins.str", [])
        return with_state(_aliased(query, ref.alias, str_type), QueryState.of_table(ref), str_type)

    def select_of(self, dispatch: TypeInfo, ref: TableRef, str_type: Instance) -> Instance | None:
        """What `select_from(ref)` gives through the typed database's `SelectFrom` dispatch,
        for a select started elsewhere (a QueryCreator's, after `with_()`): the table's typed
        select, loose after an alias."""
        typed = self._typed_query(dispatch, "select_from", ref.table)
        query = get_proper_type(typed) if typed is not None else None
        if not isinstance(query, Instance):
            return None
        return _aliased(query, ref.alias, str_type)

    def _typed_query(self, dispatch: TypeInfo, name: str, table: str) -> Type | None:
        """The return type of the dispatch's `__call__` overload for `Literal[table]`."""
        node = dispatch.get_method("__call__")
        if not isinstance(node, OverloadedFuncDef) or not isinstance(node.type, Overloaded):
            return None
        key = f"{dispatch.fullname}.{name}"
        cached = self._by_table.get(key)
        if cached is None or cached[0] is not node:
            cached = (node, _returns_by_table(node.type))
            self._by_table[key] = cached
        return cached[1].get(table)


def _aliased(query: Instance, alias: str | None, str_type: Instance) -> Instance:
    if alias is None or not _is_select(query):
        return query
    query = as_generic(query)
    if len(query.args) > LOOSE:
        # Columns of an aliased query are written "u.email": loose in the stubs.
        query = query.copy_modified(args=[*query.args[:LOOSE], str_type, *query.args[LOOSE + 1 :]])
    return query


def _returns_by_table(overloads: Overloaded) -> dict[str, Type]:
    found: dict[str, Type] = {}
    for item in overloads.items:
        if isinstance(item, CallableType) and len(item.arg_types) >= 2:
            table = get_proper_type(item.arg_types[1])
            if isinstance(table, LiteralType) and isinstance(table.value, str):
                found.setdefault(table.value, item.ret_type)
    return found


def _is_select(query: Instance) -> bool:
    return is_select(query)
