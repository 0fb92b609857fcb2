"""The column names inside `eb.fn(...)` and `eb.case().when(...)`.

A string argument of `eb.fn("lower", "name")`, `eb.fn.coalesce("nickname", "name")` and the
column of `eb.case().when("price", ">", 10)` is a column name (a value is bound with
`eb.val`), but the runtime classes take `Any` there. The Builder the lambda receives knows
its query (see _builder): the plugin passes that state on to `eb.fn` and `eb.case()` and
checks each such name against the query's tables. A function of a nullable column
(`eb.fn.lower("description")`) is marked nullable, as `eb.ref` of it is: NULL in, NULL out;
coalesce() only when every argument may be NULL.
"""

from __future__ import annotations

from mypy.plugin import AttributeContext, MethodContext
from mypy.typeops import make_simplified_union
from mypy.types import AnyType, Instance, LiteralType, Type, get_proper_type

from typedb.mypy_plugin._calls import arguments, fail, failed_trial, literal_str
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._expressions import NULLABLE_KEY, value_type
from typedb.mypy_plugin._names import column_ref
from typedb.mypy_plugin._rows import _without_none, has_none
from typedb.mypy_plugin._sources import scope_of
from typedb.mypy_plugin._sql_kinds import column_kind, combined, operand_kind, with_kind
from typedb.mypy_plugin._state import state_of, with_attr, with_state

#: Functions whose first argument is the SQL function's name, not a column (`eb.fn(name, ...)`).
NAMED_CALL = "__call__"


def pass_state(ctx: AttributeContext) -> Type:
    """`eb.fn`: the Fn object carries the Builder's state."""
    return _carried(get_proper_type(ctx.type), ctx.default_attr_type, ctx)


def carry(catalog: Catalog, ctx: MethodContext) -> Type:
    """`eb.case()`, `case.when(...)`, `.then(...)`: the next part carries the state (and
    `when(column, op, value)` has its column checked)."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    receiver = get_proper_type(ctx.type)
    state = state_of(receiver)
    args = list(arguments(ctx))
    if state is not None and len(args) == 3:
        column = literal_str(*args[0])
        if column is not None:
            found = scope_of(state, catalog).resolve(column_ref(column))
            if isinstance(found, str):
                fail(ctx.api, f"case().when(): {found}", ctx.context)
    return _carried(receiver, ctx.default_return_type, ctx)


def function(catalog: Catalog, method: str, ctx: MethodContext) -> Type:
    """`eb.fn(name, *args)`, `eb.fn.coalesce(*args)`, `eb.fn.lower(arg)`...: each string
    argument names a column of the query."""
    if failed_trial(ctx.api):
        return ctx.default_return_type
    state = state_of(get_proper_type(ctx.type))
    if state is None:
        return ctx.default_return_type
    given = list(arguments(ctx))[1 if method == NAMED_CALL else 0 :]
    scope = scope_of(state, catalog)
    nullable: list[bool] = []
    values: list[Type] = []  # each argument's value type, None taken out
    kinds: list[str | None] = []  # each argument's SQL type (see _sql_kinds)
    for expr, typ in given:
        column = literal_str(expr, typ)
        if column is not None:
            found = scope.resolve(column_ref(column))
            if isinstance(found, str):
                fail(ctx.api, f"eb.fn: {found}", ctx.context)
                return ctx.default_return_type
            nullable.append(found.table.source.left or has_none(found.type))
            values.append(_without_none(found.type))
            kinds.append(column_kind(found.type, found.column in found.table.numeric_sums))
        else:
            value = value_type(get_proper_type(typ))
            nullable.append(value is not None and has_none(value))
            values.append(_without_none(value if value is not None else typ))
            kinds.append(operand_kind(expr, typ))
    result = get_proper_type(ctx.default_return_type)
    if method == "coalesce" and isinstance(result, Instance) and result.args and values:
        # The first argument that is not NULL: a value of one of theirs (the stubs say Any).
        common = make_simplified_union([_plain(v) for v in values])
        if not isinstance(get_proper_type(common), AnyType):
            result = result.copy_modified(args=[common])
            result = with_kind(result, combined(kinds), ctx.api)  # bigint when one is
    null = all(nullable) if method == "coalesce" else any(nullable)
    if null and nullable and isinstance(result, Instance):
        return with_attr(result, NULLABLE_KEY, "1", ctx.api.named_generic_type("builtins.str", []))
    return result


def _plain(typ: Type) -> Type:
    """A literal argument's class: `coalesce("nickname", 0)` is an int, not `Literal[0]`."""
    proper = get_proper_type(typ)
    if isinstance(proper, LiteralType):
        return proper.fallback
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        return proper.copy_modified(last_known_value=None)
    return typ


def _carried(receiver: object, result: Type, ctx: AttributeContext | MethodContext) -> Type:
    state = state_of(receiver) if isinstance(receiver, Instance) else None
    proper = get_proper_type(result)
    if state is None or not isinstance(proper, Instance):
        return result
    return with_state(proper, state, ctx.api.named_generic_type("builtins.str", []))
