"""The tables a query reads, as the plugin types them: the stubs' tables, and the CTEs the
query declared (`db.with_("top", query).select_from("top")`), each typed by the rows of the
query that defines it, its keys renamed by the CTE's column list (`"top(id, total)"`)."""

from __future__ import annotations

from mypy.types import AnyType, Type, TypedDictType, TypeOfAny

from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._rows import row_of
from typedb.mypy_plugin._scope import Scope, Table
from typedb.mypy_plugin._state import Cte, QueryState


def scope_of(state: QueryState, catalog: Catalog) -> Scope:
    tables = []
    for source in state.sources:
        row = table_row(state, source.table, catalog)
        if row is not None:
            numeric = numeric_sums(state, source.table, catalog)
            tables.append(Table(source, row, numeric_sums=numeric))
        elif state.cte(source.table) is not None:
            # A CTE the plugin cannot type (its query unread, no column list): any column.
            tables.append(Table(source, _typed_dict([], catalog), open=True))
    return Scope(tables)


def table_row(state: QueryState, table: str, catalog: Catalog) -> TypedDictType | None:
    """The columns of `table` in a query of `state`: a CTE of the query (which hides a table
    of the same name, as in SQL), else the stubs' table; None when neither is known."""
    cte = state.cte(table)
    if cte is not None:
        return cte_row(cte, catalog)
    return catalog.row(table)


def numeric_sums(state: QueryState, table: str, catalog: Catalog) -> frozenset[str]:
    """The columns of `table` (a CTE, which hides a table of its name, or the stubs' table)
    whose sum() is numeric: a stub table's bigints; a CTE's columns that select them."""
    cte = state.cte(table)
    if cte is None:
        return catalog.numeric_sums(table)
    if cte.query is None:
        return frozenset()
    row = row_of(cte.query.items, scope_of(cte.query, catalog), catalog.instance)
    if row.errors or not row.known:
        return frozenset()
    if cte.columns and len(cte.columns) == len(row.types):
        renamed = dict(zip(row.types, cte.columns, strict=True))
        return frozenset(renamed[key] for key in row.numeric_sums)
    return frozenset(row.numeric_sums)


def cte_row(cte: Cte, catalog: Catalog) -> TypedDictType | None:
    """The row a CTE's rows have, or None when its query is not known to the plugin."""
    if cte.query is None:
        # Its query unknown, its column list (if any) still names its columns: of any type.
        anything: Type = AnyType(TypeOfAny.special_form)
        return _typed_dict([(c, anything) for c in cte.columns], catalog) if cte.columns else None
    row = row_of(cte.query.items, scope_of(cte.query, catalog), catalog.instance)
    if row.errors or not row.known:
        return None
    types = list(row.types.items())
    if cte.columns and len(cte.columns) == len(types):
        types = [(name, typ) for name, (_, typ) in zip(cte.columns, types, strict=True)]
    return _typed_dict(types, catalog)


def _typed_dict(types: list[tuple[str, Type]], catalog: Catalog) -> TypedDictType:
    return TypedDictType(
        dict(types),
        required_keys={name for name, _ in types},
        readonly_keys=set(),
        fallback=catalog.instance("typing._TypedDict"),
    )
