"""Hooks of `Select`: select() / select_all() narrow the row, joins add tables, and the
column arguments of where / order_by / group_by / having are checked against the tables.

Each hook returns the stubs' own result with the Row parameter replaced by the row the
query now gives and the query's state (tables, aliases, selection) carried along.
"""

from __future__ import annotations

from dataclasses import replace

from mypy.nodes import Context, Expression
from mypy.plugin import AttributeContext, CheckerPluginInterface, MethodContext
from mypy.types import AnyType, Instance, ProperType, Type, TypeOfAny, get_proper_type

from typedb.mypy_plugin._calls import (
    argument,
    arguments,
    as_generic,
    fail,
    failed_trial,
    is_select,
    literal_str,
    receiver_state,
    scope_of,
    stub_failed,
    with_row,
)
from typedb.mypy_plugin._catalog import Catalog
from typedb.mypy_plugin._expressions import expression_item, returned_items
from typedb.mypy_plugin._module_ctes import module_ctes
from typedb.mypy_plugin._names import column_ref, table_ref
from typedb.mypy_plugin._rows import aggregate_type, describe_aggregate, row_of, typed_dict
from typedb.mypy_plugin._scope import Scope
from typedb.mypy_plugin._sources import table_row
from typedb.mypy_plugin._state import (
    Cte,
    Item,
    QueryState,
    aggregate_of,
    attr,
    with_attr,
    with_state,
)
from typedb.mypy_plugin._subquery import subquery_problem, subquery_state
from typedb.mypy_plugin._values import value_problem

#: The note on a Join object saying which join made it (inner, left, right, full).
JOIN_KIND_KEY = "typedb_join_kind"


def join_kind(join: ProperType) -> str:
    """Which join a Join object makes: noted by `join_object`, else read from its class (the
    stubs' LeftJoin; right and full joins share the inner join's class)."""
    left_class = isinstance(join, Instance) and join.type.name.startswith("Left")
    return attr(join, JOIN_KIND_KEY) or ("left" if left_class else "inner")


LOOSE = 3  # Select's Loose parameter: str once the query uses an alias


class SelectHooks:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- what the rows are ---------------------------------------------------------------------

    def select(self, ctx: MethodContext) -> Type:
        state = _acting_on(ctx)
        if state is None:
            return ctx.default_return_type
        items = tuple(i for expr, typ in arguments(ctx) for i in _items(expr, typ, ctx.api))
        return self._result(ctx, state.selecting(items, add=True))

    def select_all(self, ctx: MethodContext) -> Type:
        state = _acting_on(ctx)
        if state is None:
            return ctx.default_return_type
        arg = argument(ctx, 0)
        table = literal_str(*arg) if arg is not None else ""
        if table is None:
            return ctx.default_return_type
        return self._result(ctx, state.selecting((Item("all", table),), add=True))

    def join_object(self, kind: str, ctx: AttributeContext) -> Type:
        """`select.inner_join` / `.left_join` / `.right_join` / `.full_join` (properties
        giving the stubs' Join object, whose `__call__` dispatches on the table): the Join
        carries the select's state and the kind of join (right and full joins share the
        inner join's stub class)."""
        state = receiver_state(get_proper_type(ctx.type))
        join = get_proper_type(ctx.default_attr_type)
        if state is None or not isinstance(join, Instance):
            return ctx.default_attr_type
        str_type = ctx.api.named_generic_type("builtins.str", [])
        return with_attr(with_state(join, state, str_type), JOIN_KIND_KEY, kind, str_type)

    def join(self, ctx: MethodContext) -> Type:
        if failed_trial(ctx.api):
            return ctx.default_return_type
        receiver = get_proper_type(ctx.type)
        state = receiver_state(receiver)
        if state is None:
            return ctx.default_return_type
        kind = join_kind(receiver)
        table_arg = argument(ctx, 0)
        text = literal_str(*table_arg) if table_arg is not None else None
        if text is None:
            return ctx.default_return_type
        ref = table_ref(text)
        if table_row(state, ref.table, self.catalog) is None:
            cte = _untyped_cte(state, ref.table, ctx.api)
            if cte is None:
                fail(ctx.api, self.catalog.unknown_table(ref.table), ctx.context)
                return AnyType(TypeOfAny.from_error)
            others = tuple(c for c in state.ctes if c.name != cte.name)
            state = replace(state, ctes=(*others, cte))
        joined = state.joined(ref, kind)
        if ref.name in (s.name for s in state.sources):
            fail(
                ctx.api,
                f"table {ref.name!r} is already in the query; join it under an alias: "
                f"'{ref.table} as {ref.table[0]}2'",
                ctx.context,
            )
            return AnyType(TypeOfAny.from_error)
        scope = scope_of(joined, self.catalog)
        for index in (1, 2):
            arg = argument(ctx, index)
            column = literal_str(*arg) if arg is not None else None
            if column is not None:
                found = scope.resolve(column_ref(column))
                if isinstance(found, str):
                    fail(ctx.api, f"{kind}_join(): {found}", ctx.context)
        default = get_proper_type(ctx.default_return_type)
        if isinstance(default, Instance) and _is_select(default):
            return self._result(ctx, joined, default)
        # The stubs' "unknown join column" result: the plugin has said what is wrong; go on
        # with the query, loose, rather than one error per later call.
        return ctx.default_return_type

    def _result(self, ctx: MethodContext, state: QueryState, base: Instance | None = None) -> Type:
        if base is None:
            default = get_proper_type(ctx.default_return_type)
            if not isinstance(default, Instance):
                return ctx.default_return_type
            base = default
        scope = scope_of(state, self.catalog)
        row = row_of(state.items, scope, self.catalog.instance)
        for message in row.errors:
            fail(ctx.api, message, ctx.context)
        str_type = ctx.api.named_generic_type("builtins.str", [])
        if row.errors or not row.known:
            any_row = ctx.api.named_generic_type(
                "builtins.dict", [str_type, AnyType(TypeOfAny.special_form)]
            )
            return with_state(with_row(base, any_row), state, str_type)
        if state.items is None and len(state.sources) == 1 and base.args:
            return with_state(base, state, str_type)  # the table's own Row, as the stubs say
        return with_state(with_row(base, typed_dict(row, ctx.api)), state, str_type)

    # -- column checks -------------------------------------------------------------------------

    def where(self, ctx: MethodContext) -> Type:
        """where / having (column, op, value): the column, and its value where the stubs
        leave it loose."""
        state = _acting_on(ctx)
        if state is None:
            return ctx.default_return_type
        args = list(arguments(ctx))
        if len(args) != 3:
            return ctx.default_return_type  # where(lambda eb: ...)
        (col_expr, col_type), (op_expr, op_type), (_, value_type) = args
        scope = scope_of(state, self.catalog)
        aggregate = aggregate_of(get_proper_type(col_type))
        op = literal_str(op_expr, op_type)
        if aggregate is not None:
            typed = aggregate_type(aggregate, scope, self.catalog.instance)
            if isinstance(typed, str):
                fail(ctx.api, typed, ctx.context)
            elif op is not None:
                self._check_value(ctx, describe_aggregate(aggregate), op, value_type, typed[0])
            return ctx.default_return_type
        column = literal_str(col_expr, col_type)
        if column is None:
            return ctx.default_return_type
        found = scope.resolve(column_ref(column))
        subquery = subquery_state(get_proper_type(value_type))
        if isinstance(found, str):
            fail(ctx.api, found, ctx.context)
        elif op is not None and subquery is not None:
            problem = subquery_problem(
                column, op, found.type, subquery, self.catalog, ctx.api.options
            )
            if problem is not None:
                fail(ctx.api, problem, ctx.context)
        elif op is not None and _loose(ctx.type):
            self._check_value(ctx, f"column {column!r}", op, value_type, found.type)
        return ctx.default_return_type

    def _check_value(
        self, ctx: MethodContext, column: str, op: str, value: Type, typ: Type
    ) -> None:
        problem = value_problem(column, op, value, typ, self.catalog.instance, ctx.api.options)
        if problem is not None:
            fail(ctx.api, problem, ctx.context)

    def columns(self, every: bool, ctx: MethodContext) -> Type:
        """group_by (`every` argument) / order_by (the first): each column names one column
        of the query's tables, or a key of its rows (an alias select() gave)."""
        state = _acting_on(ctx)
        if state is None:
            return ctx.default_return_type
        scope = scope_of(state, self.catalog)
        keys = _output_keys(state)
        # typedb.sql() or an expression in select() names output columns the plugin cannot
        # read: an unqualified name may be one of them (`select(sql("count(*) AS n"))`).
        unread = any(item.kind == "opaque" for item in state.items or ())
        given = list(arguments(ctx))
        for expr, typ in given if every else given[:1]:
            aggregate = aggregate_of(get_proper_type(typ))
            if aggregate is not None:
                typed = aggregate_type(aggregate, scope, self.catalog.instance)
                if isinstance(typed, str):
                    fail(ctx.api, typed, ctx.context)
                continue
            column = literal_str(expr, typ)
            if column is None or ((column in keys or unread) and "." not in column):
                continue
            _check_column(scope, column, ctx.api, ctx.context)
        return ctx.default_return_type

    def where_ref(self, ctx: MethodContext) -> Type:
        """where_ref(column, op, other_column): both name columns. The left one is the
        query's; the right one may also be the outer query's in a correlated subquery, which
        this query does not know yet, so it is checked as far as the catalog allows: a table
        name in front of it must be a table that has the column, and an unqualified name must
        be a column of the query's tables or of some table of the schema."""
        state = _acting_on(ctx)
        if state is None:
            return ctx.default_return_type
        scope = scope_of(state, self.catalog)
        args = list(arguments(ctx))
        if len(args) != 3:
            return ctx.default_return_type
        left = literal_str(*args[0])
        if left is not None:
            _check_column(scope, left, ctx.api, ctx.context)
        right = literal_str(*args[2])
        if right is None:
            return ctx.default_return_type
        ref = column_ref(right)
        if ref.qualifier is not None and scope.find(ref.qualifier) is not None:
            _check_column(scope, right, ctx.api, ctx.context)
            return ctx.default_return_type
        if scope.tables and any(t.open for t in scope.tables):
            return ctx.default_return_type
        if ref.qualifier is not None:
            row = self.catalog.row(ref.qualifier)
            if row is not None and ref.column not in row.items:
                fail(
                    ctx.api,
                    f"where_ref(): unknown column {ref.column!r} in table {ref.qualifier!r}",
                    ctx.context,
                )
            return ctx.default_return_type  # else an outer query's alias: not known here
        if isinstance(scope.resolve(ref), str) and not _in_schema(self.catalog, ref.column):
            fail(ctx.api, f"where_ref(): unknown column {ref.column!r} in any table", ctx.context)
        return ctx.default_return_type


def _untyped_cte(state: QueryState, table: str, api: CheckerPluginInterface) -> Cte | None:
    """A CTE `table` names that the plugin cannot type by a query: one of the query's own
    whose defining query it could not read, or one the module declares later (the step of
    a recursive CTE, built before `with_recursive()`). Its columns are its column list, if
    known (typed Any); None when `table` is no CTE at all."""
    own = state.cte(table)
    if own is not None:
        return Cte(table, own.columns, None)
    later = module_ctes(api).get(table)
    return None if later is None else Cte(table, later.columns, None)


def _in_schema(catalog: Catalog, column: str) -> bool:
    """Whether some table of the schema has `column`."""
    rows = (catalog.row(table) for table in catalog.tables())
    return any(row is not None and column in row.items for row in rows)


def _check_column(scope: Scope, column: str, api: CheckerPluginInterface, context: Context) -> None:
    found = scope.resolve(column_ref(column))
    if isinstance(found, str):
        fail(api, found, context)


def _output_keys(state: QueryState) -> set[str]:
    keys: set[str] = set()
    for item in state.items or ():
        if item.kind == "column":
            keys.add(column_ref(item.text).key)
        elif item.kind == "aggregate":
            keys.add(item.alias or item.func)
        elif item.kind == "expr":
            keys.add(item.text)
    return keys


def _items(expr: Expression, typ: Type, api: CheckerPluginInterface) -> list[Item]:
    proper = get_proper_type(typ)
    aggregate = aggregate_of(proper) or expression_item(proper)
    if aggregate is not None:
        return [aggregate]
    text = literal_str(expr, typ)
    if text is not None:
        return [Item("column", text)]
    return returned_items(expr, proper, api) or [Item("opaque")]


def _loose(typ: Type) -> bool:
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        proper = as_generic(proper)
    if not isinstance(proper, Instance) or len(proper.args) <= LOOSE:
        return True
    loose = get_proper_type(proper.args[LOOSE])
    return isinstance(loose, (Instance, AnyType))


def _is_select(query: Instance) -> bool:
    return is_select(query)


def _acting_on(ctx: MethodContext) -> QueryState | None:
    """The state of the query a hook refines, or None when the hook leaves the call to the
    stubs: mypy is trying an overload that has already failed, the receiver carries no
    state, or the stubs themselves reported the call."""
    if failed_trial(ctx.api):
        return None
    state = receiver_state(get_proper_type(ctx.type))
    if state is None or stub_failed(ctx):
        return None
    return state
