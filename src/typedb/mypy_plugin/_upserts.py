"""`on_conflict(lambda oc: oc.column("email").do_update_set({"name": excluded("name")}))`:
the stubs check the keys and plain values of `do_update_set` (the table's Upsert TypedDict)
but take any `excluded(...)`, whose column is a string. The plugin checks that column is the
table's and that its type fits the key it is written to."""

from __future__ import annotations

from mypy.messages import format_type_bare
from mypy.nodes import CallExpr, DictExpr, RefExpr, StrExpr
from mypy.plugin import MethodContext
from mypy.subtypes import is_subtype
from mypy.types import Instance, Type, TypedDictType, UnionType, get_proper_type

from typedb.mypy_plugin._calls import fail, failed_trial
from typedb.mypy_plugin._catalog import STUBS, literal_strings

EXCLUDED = "typedb.query._insert.excluded"
# What an Upsert field takes besides the column's own type.
_EXTRA = ("typedb._sql.Fragment", "typedb.query._insert.Excluded")


def do_update_set(ctx: MethodContext) -> Type:
    if failed_trial(ctx.api):
        return ctx.default_return_type
    conflict = get_proper_type(ctx.type)
    if not isinstance(conflict, Instance) or len(conflict.args) < 2 or not ctx.args[0]:
        return ctx.default_return_type
    columns = literal_strings(conflict.args[0])
    upsert = get_proper_type(conflict.args[1])
    values = ctx.args[0][0]
    if not isinstance(upsert, TypedDictType) or not isinstance(values, DictExpr):
        return ctx.default_return_type
    table = _table_of(upsert)
    for key_expr, value in values.items:
        if not (isinstance(value, CallExpr) and isinstance(value.callee, RefExpr)):
            continue
        if value.callee.fullname != EXCLUDED or not value.args:
            continue
        column = value.args[0]
        if not isinstance(column, StrExpr):
            continue
        if column.value not in columns:
            fail(
                ctx.api,
                f"excluded({column.value!r}): unknown column {column.value!r} in table {table!r}",
                value,
            )
            continue
        key = key_expr.value if isinstance(key_expr, StrExpr) else None
        if key is None or key not in upsert.items or column.value not in upsert.items:
            continue
        given, wanted = _column_type(upsert.items[column.value]), _column_type(upsert.items[key])
        if not is_subtype(given, wanted):
            show = ctx.api.options
            fail(
                ctx.api,
                f"excluded({column.value!r}) is {format_type_bare(given, show)}; column "
                f"{key!r} of table {table!r} takes {format_type_bare(wanted, show)}",
                value,
            )
    return ctx.default_return_type


def _column_type(field: Type) -> Type:
    """An Upsert field's type without its `| Fragment | Excluded`: the column's own."""
    proper = get_proper_type(field)
    if not isinstance(proper, UnionType):
        return field
    kept = [
        t
        for t in proper.items
        if not (isinstance(p := get_proper_type(t), Instance) and p.type.fullname in _EXTRA)
    ]
    return UnionType.make_union(kept)


def _table_of(upsert: TypedDictType) -> str:
    module = upsert.fallback.type.module_name
    return module.rpartition(".")[2] if module.startswith(STUBS + ".") else "?"
