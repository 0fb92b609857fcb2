"""Reading a call the plugin hooks: its string arguments, its receiver's state, its tables."""

from __future__ import annotations

from collections.abc import Iterator

from mypy.errorcodes import ErrorCode
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Context, Expression, LambdaExpr, StrExpr, TypeInfo
from mypy.plugin import CheckerPluginInterface, MethodContext, MethodSigContext
from mypy.subtypes import find_member
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    ProperType,
    Type,
    get_proper_type,
)

from typedb.mypy_plugin._catalog import STUBS, literal_strings
from typedb.mypy_plugin._sources import scope_of as scope_of
from typedb.mypy_plugin._state import QueryState, Source, state_of

QUERY_MODULE = f"{STUBS}._query"  # the generic query classes of the stubs
#: What a table method gives: a lazy entry (`LazySelect`), sync or async.
LAZY_MODULES = (f"{STUBS}._lazy", f"{STUBS}._lazy_async")
LAZY_MEMBER = "q"  # the member of a lazy entry's protocol (typedb.stubgen._lazy.MEMBER)
#: The select classes of the stubs, with the lazy entries a table's own select derives from.
SELECT_CLASSES = ("Select", "AsyncSelect", "LazySelect", "LazyAsyncSelect")

#: `# type: ignore[typedb]` silences what only the plugin reports.
TYPEDB = ErrorCode("typedb", "typedb query checked by typedb.mypy_plugin", "General")


def fail(api: CheckerPluginInterface, message: str, context: Context) -> None:
    """Report `message` at `context`, also from inside an overload trial.

    mypy calls a method hook while it tries each overload of the method, with errors
    filtered: an error reported there would only make that overload "not match" (and the
    call end as "No overload variant matches"). The plugin's errors are about the strings
    of the call, the same whichever overload matches, so: when the overload being tried has
    already failed on its arguments, say nothing (the trial is discarded anyway); otherwise
    this is the overload mypy will pick, and the error is recorded past the trial's filter.
    """
    if failed_trial(api):
        return
    errors = api.msg.errors
    watchers = errors._watchers
    # (mypy reports a message once per line, however often a call is checked again.)
    errors._watchers = []
    try:
        api.fail(message, context, code=TYPEDB)
    finally:
        errors._watchers = watchers


def failed_trial(api: CheckerPluginInterface) -> bool:
    """Whether mypy is trying an overload that has already failed on its arguments: its
    result is thrown away. mypy calls the hook for each overload it tries, in order (500
    times for `select_from` over 500 tables), so every hook returns at once then."""
    watchers = api.msg.errors._watchers
    return bool(watchers) and watchers[-1].has_new_errors()


def literal_str(expr: Expression | None, typ: Type | None) -> str | None:
    """The string an argument is, when the checker knows it (a literal or a Final name)."""
    if isinstance(expr, StrExpr):
        return expr.value
    proper = get_proper_type(typ) if typ is not None else None
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        proper = proper.last_known_value
    if isinstance(proper, LiteralType) and isinstance(proper.value, str):
        return proper.value
    return None


def arguments(ctx: MethodContext) -> Iterator[tuple[Expression, Type]]:
    """Every actual argument with its type, formals flattened (`select(a, *rest)`)."""
    for exprs, types in zip(ctx.args, ctx.arg_types, strict=False):
        yield from zip(exprs, types, strict=False)


def has_lambda(ctx: MethodSigContext) -> bool:
    """Whether a `lambda` is among the call's arguments: the only argument whose type mypy
    infers from the parameter's (a `def` passed as a callback keeps its own annotation), so
    the only one a signature hook handing state to callbacks can change. mypy calls such a
    hook for every overload of every call (about 1000 per join at 500 tables): one look at
    the arguments spares rebuilding each overload's parameter types."""
    return any(isinstance(expr, LambdaExpr) for exprs in ctx.args for expr in exprs)


def argument(ctx: MethodContext, index: int) -> tuple[Expression, Type] | None:
    if index < len(ctx.args) and ctx.args[index]:
        return ctx.args[index][0], ctx.arg_types[index][0]
    return None


def stub_failed(ctx: MethodContext) -> bool:
    """Whether the stubs already reported this call (a failed overload gives Any): the plugin
    then says nothing more about it."""
    proper = get_proper_type(ctx.default_return_type)
    return isinstance(proper, AnyType)


def receiver_state(typ: ProperType) -> QueryState | None:
    """The receiver's state, or one rebuilt from its type parameters when the state was lost
    (a parameter annotated with the stub class): its tables, without aliases."""
    state = state_of(typ)
    if state is not None or not isinstance(typ, Instance):
        return state
    generic = as_generic(typ)
    if len(generic.args) < 2:
        return None
    tables = literal_strings(generic.args[1])
    return QueryState(tuple(Source(t, None) for t in tables)) if tables else None


def as_generic(typ: Instance) -> Instance:
    """A per-table query class (`ItemsSelect`, `ItemsJoined`) as the generic class it stands
    for (`Select[ItemsRow, ...]`), whose parameters the plugin reads and replaces; the same
    instance for a generic class. Keeps the plugin's state. A table's own class derives from
    a lazy entry (`LazySelect[ItemsSelectOf, ItemsSelect]`), which stands for the type of its
    protocol's member (see typedb/stubgen/_lazy.py)."""
    if typ.type.module_name == QUERY_MODULE:
        return typ
    for base in typ.type.mro:
        if base.module_name in (QUERY_MODULE, *LAZY_MODULES) and base.type_vars:
            generic = map_instance_to_supertype(typ, base)
            query = lazy_query(generic) if base.module_name in LAZY_MODULES else None
            if query is not None:
                generic = query.copy_modified()  # the member's declared type: never mutated
            generic.extra_attrs = typ.extra_attrs
            return generic
    return typ


def is_select(typ: Instance) -> bool:
    """Whether `typ` is a select of the stubs: generic, a join's, or a table's own."""
    return any(
        b.module_name in (QUERY_MODULE, *LAZY_MODULES) and b.name in SELECT_CLASSES
        for b in typ.type.mro
    )


#: lazy_query's answers by protocol (id of its TypeInfo, kept to tell a reused id): the plugin
#: asks at every method of a table's own class, for every overload mypy tries.
_LAZY_QUERIES: dict[int, tuple[TypeInfo, Instance | None]] = {}


def lazy_query(entry: Instance) -> Instance | None:
    """The generic query a lazy entry stands for: `LazySelect[ItemsSelectOf, ...]` ->
    `Select[ItemsRow, ...]`, the type of the protocol's member."""
    if not entry.args:
        return None
    of = get_proper_type(entry.args[0])
    if not isinstance(of, Instance):
        return None
    cached = _LAZY_QUERIES.get(id(of.type))
    if cached is not None and cached[0] is of.type:
        return cached[1]
    member = find_member(LAZY_MEMBER, of, of)
    query = get_proper_type(member) if member is not None else None
    if isinstance(query, CallableType):  # the member is a method: its return type
        query = get_proper_type(query.ret_type)
    found = query if isinstance(query, Instance) and not of.args else None
    if found is not None:  # a table's protocol: no type arguments, the same answer each time
        _LAZY_QUERIES[id(of.type)] = (of.type, found)
    return query if isinstance(query, Instance) else None


def with_row(typ: Instance, row: Type) -> Instance:
    """The query type with its Row (first type parameter) replaced."""
    typ = as_generic(typ)
    if not typ.args:
        return typ
    return typ.copy_modified(args=[row, *typ.args[1:]])
