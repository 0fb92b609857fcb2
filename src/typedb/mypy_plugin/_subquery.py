"""A subquery as a value: `where("id", "in", db.select_from("invoices").select("customer_id"))`.

The stubs take any select there (a select's one column is not among its type parameters).
The plugin reads the subquery's row: `in` / `not in` and a comparison need exactly one
column, and its type must fit the outer column as a value would (an int subquery fits a
Decimal column, a Decimal one does not fit an int column).
"""

from __future__ import annotations

from mypy.messages import format_type_bare
from mypy.options import Options
from mypy.subtypes import is_subtype
from mypy.types import Instance, ProperType, Type

from typedb.mypy_plugin._calls import is_select, receiver_state
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._rows import _without_none, row_of
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._state import QueryState
from typedb.mypy_plugin._values import _accepted


def subquery_state(typ: ProperType) -> QueryState | None:
    """The state of a select used as a value; None for any other value."""
    if not isinstance(typ, Instance):
        return None
    if not is_select(typ):
        return None
    return receiver_state(typ)


def subquery_problem(
    column: str,
    op: str,
    column_type: Type,
    subquery: QueryState,
    catalog: Catalog,
    options: Options,
) -> str | None:
    """Why `where(column, op, subquery)` is wrong, or None (also when the plugin cannot read
    the subquery's columns: a `typedb.sql()` item, `*` over a CTE it does not know)."""
    row = row_of(subquery.items, scope_of(subquery, catalog), catalog.instance)
    if row.errors or not row.known:
        return None  # its own select() call has said what is wrong
    if len(row.types) != 1:
        return (
            f"the subquery compared with {column!r} ({op!r}) must select one column; it "
            f"selects {len(row.types)}: {', '.join(row.types)}"
        )
    ((key, typ),) = row.types.items()
    wanted = _accepted(_without_none(column_type), catalog.instance)
    if is_subtype(_without_none(typ), wanted):
        return None
    return (
        f"the subquery's column {key!r} is {format_type_bare(typ, options)}; column "
        f"{column!r} is {format_type_bare(column_type, options)}: {op!r} compares values of "
        "one type"
    )
