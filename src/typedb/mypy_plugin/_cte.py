"""CTEs: `db.with_("top", query).select_from("top")` reads rows typed by `query`.

The runtime's `with_()` takes any query and its `select_from()` gives an untyped select. The
plugin notes each CTE (its name, its column list, the state of its defining query) on the
QueryCreator `with_()` returns, and `select_from(cte)` then gives the stubs' generic select
over a table the plugin knows: its Row is the CTE's row, its columns are checked by the
plugin as a table's are (the stubs see them as loose strings, so where() values are checked
by the plugin too). A recursive CTE is typed by its base query (the left of `union_all`),
renamed by its column list: `with_recursive("chain(id, depth)", base.union_all(step))`.
"""

from __future__ import annotations

from mypy.plugin import MethodContext
from mypy.types import CallableType, Instance, LiteralType, Type, UninhabitedType, get_proper_type

from typedb._cte_name import cte_name
from typedb.mypy_plugin._calls import (
    QUERY_MODULE,
    argument,
    fail,
    failed_trial,
    literal_str,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._names import table_ref
from typedb.mypy_plugin._sources import cte_row
from typedb.mypy_plugin._state import Cte, QueryState, attr, with_attr, with_state
from typedb.mypy_plugin._subquery import subquery_state
from typedb.mypy_plugin._tables import TableCalls

#: The note on a QueryCreator: the CTEs declared so far, as a QueryState with no tables.
CTES_KEY = "typedb ctes"
#: The typed database (`typedb.facades.db.LazyDB`) whose with_() made the QueryCreator.
DATABASE_KEY = "typedb database"
#: Select's parameters before the value-type buckets: Row, Tables, SoftDel, Loose.
FIXED = 4


def declared(ctx: MethodContext) -> Type:
    """`with_(name, query)` / `with_recursive(...)`, on the database or a QueryCreator."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    result = get_proper_type(ctx.default_return_type)
    name_arg, query_arg = argument(ctx, 0), argument(ctx, 1)
    text = literal_str(*name_arg) if name_arg is not None else None
    parsed = cte_name(text) if text is not None else None
    if parsed is None or query_arg is None or not isinstance(result, Instance):
        return ctx.default_return_type
    name, columns = parsed
    before = _ctes(get_proper_type(ctx.type))
    cte = Cte(name, columns, _defining_state(get_proper_type(query_arg[1]), before))
    state = QueryState((), None, (*before, cte))
    str_type = ctx.api.named_generic_type("builtins.str", [])
    receiver = get_proper_type(ctx.type)
    database = attr(receiver, DATABASE_KEY) if isinstance(receiver, Instance) else None
    if database is None and isinstance(receiver, Instance):
        database = receiver.type.fullname  # db.with_(): the typed database itself
    noted = with_attr(result, CTES_KEY, state.encode(), str_type)
    return with_attr(noted, DATABASE_KEY, database, str_type) if database else noted


def select_from(catalog: Catalog, tables: TableCalls, ctx: MethodContext) -> Type:
    """`select_from(name)` on a QueryCreator: a CTE's name gives a select typed by it, a
    table's the typed database's select of it (which may join the CTEs)."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    arg = argument(ctx, 0)
    text = literal_str(*arg) if arg is not None else None
    receiver = get_proper_type(ctx.type)
    ctes = _ctes(receiver)
    if text is None or not ctes or not isinstance(receiver, Instance):
        return ctx.default_return_type
    ref = table_ref(text)
    cte = next((c for c in ctes if c.name == ref.table), None)
    str_type = ctx.api.named_generic_type("builtins.str", [])
    if cte is None:
        if catalog.row(ref.table) is None:
            declared = ", ".join(c.name for c in ctes)
            fail(ctx.api, f"{catalog.unknown_table(ref.table)}; CTEs: {declared}", ctx.context)
            return ctx.default_return_type
        database = attr(receiver, DATABASE_KEY)
        info = catalog.instance(select_dispatch(database)).type if database else None
        typed = tables.select_of(info, ref, str_type) if info is not None else None
        if typed is None:
            return ctx.default_return_type
        return with_state(typed, QueryState(QueryState.of_table(ref).sources, None, ctes), str_type)
    row = cte_row(cte, catalog)
    if row is None:
        return ctx.default_return_type  # a CTE the plugin cannot type: the runtime's select
    cls = "AsyncSelect" if "Async" in receiver.type.name else "Select"
    info = catalog.instance(f"{QUERY_MODULE}.{cls}").type
    never = UninhabitedType()
    buckets = len(info.defn.type_vars) - FIXED
    named = LiteralType(ref.table, str_type)
    query = Instance(info, [row, named, never, str_type, *[never] * buckets])
    state = QueryState.of_table(ref)
    return with_state(query, QueryState(state.sources, None, ctes), str_type)


def _ctes(receiver: object) -> tuple[Cte, ...]:
    text = attr(receiver, CTES_KEY) if isinstance(receiver, Instance) else None
    return () if text is None else QueryState.decode(text).ctes


def _defining_state(query: object, before: tuple[Cte, ...]) -> QueryState | None:
    """The state of the query a CTE is defined by (a select, or what `lambda db: ...`
    returns), with the CTEs declared before it, which it may read."""
    if isinstance(query, CallableType):
        query = get_proper_type(query.ret_type)
    if not isinstance(query, Instance):
        return None
    state = subquery_state(query)
    if state is None:
        return None
    return QueryState(state.sources, state.items, (*before, *state.ctes))


def select_dispatch(database: str) -> str:
    """The typed database's `select_from` class (typedb/stubgen/_package.py, DISPATCHERS):
    `typedb.facades.db.LazyDB` -> `typedb.facades.db.SelectFrom`."""
    module = database.rpartition(".")[0]
    return f"{module}.{'AsyncSelectFrom' if module.endswith('async_db') else 'SelectFrom'}"
