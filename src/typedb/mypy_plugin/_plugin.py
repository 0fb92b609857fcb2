"""The plugin class: which hook mypy calls for which method, by the method's full name."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

from mypy.build import PRI_MED
from mypy.nodes import MypyFile, TypeInfo
from mypy.options import Options
from mypy.plugin import (
    AttributeContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import FunctionLike, Instance, Type, get_proper_type

from typedb.mypy_plugin import (
    _aggregates,
    _builder,
    _compound,
    _cte,
    _eb_columns,
    _expressions,
    _join_on,
    _upserts,
)
from typedb.mypy_plugin._calls import LAZY_MODULES, QUERY_MODULE
from typedb.mypy_plugin._catalog import STUBS, Catalog
from typedb.mypy_plugin._select import SelectHooks
from typedb.mypy_plugin._tables import TableCalls
from typedb.mypy_plugin._writes import WriteHooks

# The stubs' typed databases; `db` itself is the Lazy subclass (it has standing_in()).
DATABASES = (
    "typedb.facades.db.DB",
    "typedb.facades.db.LazyDB",
    "typedb.facades.async_db.AsyncDB",
    "typedb.facades.async_db.LazyAsyncDB",
)
SELECTS = frozenset({"Select", "AsyncSelect", "SelectAs", "AsyncSelectAs"})
#: The stubs' dispatch classes: `db.select_from` is a `SelectFrom` whose `__call__` has one
#: overload per table (see typedb/stubgen/_package.py, dispatch_properties), by method.
TABLE_DISPATCH = {
    f"typedb.facades.{module}.{prefix}{cls}": method
    for module, prefix in (("db", ""), ("async_db", "Async"))
    for method, cls in (
        ("select_from", "SelectFrom"),
        ("insert_into", "InsertInto"),
        ("update_table", "UpdateTable"),
        ("delete_from", "DeleteFrom"),
        ("soft_delete", "SoftDeleteFrom"),
        ("restore", "RestoreFrom"),
    )
}
JOINS = frozenset({"Join", "LeftJoin", "AsyncJoin", "LeftAsyncJoin"})
JOIN_PROPERTIES = frozenset({"inner_join", "left_join", "right_join", "full_join"})
FUNCTIONS = "typedb.query._expr._Functions"  # `fn`, and `eb.fn` (a subclass)
AGGREGATE = "typedb.query._expr.Aggregate"
AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})
COMPOUNDS = frozenset({"union", "union_all", "intersect", "except_"})
EB_FN = "typedb.query._eb.Fn"
EB_FUNCTIONS = frozenset({"__call__", "coalesce", "lower", "upper", "length", "abs"})
CASES = ("typedb.query._eb.Case", "typedb.query._eb.CaseThen")
CTE_METHODS = frozenset({"with_", "with_recursive"})
QUERY_CREATORS = ("typedb.query._with.QueryCreator", "typedb.query._awaitable.AsyncQueryCreator")

MethodHook = Callable[[MethodContext], Type]
SignatureHook = Callable[[MethodSigContext], FunctionLike]
#: The methods whose `lambda eb: ...` receives a Builder that knows the query (_builder).
EB_METHODS = frozenset({"select", "where", "having", "order_by", "group_by"})


class TypedbPlugin(Plugin):
    """Narrows the rows of typedb queries and checks what the generated stubs leave loose."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        catalog = self.catalog = Catalog(self._loaded_modules)
        self._fingerprint = _fingerprint()
        self.tables = TableCalls(catalog)
        self.select = SelectHooks(catalog)
        self.writes = WriteHooks(catalog)
        self._select_hooks: dict[str, MethodHook] = {
            "select": self.select.select,
            "select_all": self.select.select_all,
            "where": self.select.where,
            "where_ref": self.select.where_ref,
            "having": self.select.where,
            "order_by": partial(self.select.columns, False),
            "group_by": partial(self.select.columns, True),
        }
        self._hooks: dict[str, MethodHook | None] = {}
        self._write_hooks: dict[str, MethodHook] = {
            "values": self.writes.carry,
            "set": self.writes.carry,
            "on_conflict": self.writes.carry,
            "returning": partial(self.writes.returning, False),
            "returning_all": partial(self.writes.returning, True),
        }

    def _loaded_modules(self) -> dict[str, MypyFile]:
        return self._modules or {}

    def get_method_hook(self, fullname: str) -> MethodHook | None:
        # mypy asks once per overload it tries (500 times for select_from over 500 tables).
        try:
            return self._hooks[fullname]
        except KeyError:
            hook = self._hooks[fullname] = self._method_hook(fullname)
            return hook

    def _method_hook(self, fullname: str) -> MethodHook | None:
        owner, _, method = fullname.rpartition(".")
        through = _lazy_callable(owner, method)
        if through is not None:
            return partial(self._through, through)
        query = self._query_class(owner)
        if query is not None:
            if query == "Builder":
                if method == "ref":
                    return partial(_builder.ref, self.catalog)
                if method == "val":
                    return _builder.val
                if method == "case":
                    return partial(_eb_columns.carry, self.catalog)
                return partial(_builder.compare, self.catalog) if method == "__call__" else None
            if query == "On" and method in ("__call__", "ref"):
                hook = _join_on.compare if method == "__call__" else _join_on.ref
                return partial(hook, self.catalog)
            if query == "Conflict":
                return _upserts.do_update_set if method == "do_update_set" else None
            if query in SELECTS:
                if method in COMPOUNDS:
                    return partial(_compound.combined, self.catalog, method)
                if method == "as_":
                    return partial(_expressions.scalar_subquery, self.catalog)
                return self._select_hooks.get(method)
            if query in JOINS and method == "__call__":
                return self.select.join
            return self._write_hooks.get(method)
        if owner in TABLE_DISPATCH and method == "__call__":
            return partial(self.tables.hook, TABLE_DISPATCH[owner])
        if (owner in DATABASES or owner in QUERY_CREATORS) and method in CTE_METHODS:
            return _cte.declared
        if owner in QUERY_CREATORS and method == "select_from":
            return partial(_cte.select_from, self.catalog, self.tables)
        if not owner.startswith("typedb."):
            return None
        bases = self._bases(owner)
        if FUNCTIONS in bases and method in AGGREGATES:
            return partial(_aggregates.made, method)
        if EB_FN in bases and method in EB_FUNCTIONS:
            return partial(_eb_columns.function, self.catalog, method)
        if owner in CASES and method in ("when", "then"):
            return partial(_eb_columns.carry, self.catalog)
        if AGGREGATE in bases and method == "as_":
            return _aggregates.named
        if _expressions.EXPR in bases and method == "as_":
            return _expressions.named
        if _expressions.EXPR in bases and method in _expressions.OPERATORS:
            return _expressions.arithmetic
        return None

    def _bases(self, fullname: str) -> set[str]:
        """The full names of a class and its bases; empty for anything else."""
        symbol = self.lookup_fully_qualified(fullname)
        info = symbol.node if symbol is not None else None
        return {base.fullname for base in info.mro} if isinstance(info, TypeInfo) else set()

    def _through(self, method: str, ctx: MethodContext) -> Type:
        """`Where.__call__` of a lazy entry: the hook of the query's own `where()`."""
        query = _callable_query(ctx.type)
        hook = self.get_method_hook(f"{query.type.fullname}.{method}") if query else None
        if query is None or hook is None:
            return ctx.default_return_type
        return hook(ctx._replace(type=query))

    def _through_signature(self, method: str, ctx: MethodSigContext) -> FunctionLike:
        query = _callable_query(ctx.type)
        hook = self.get_method_signature_hook(f"{query.type.fullname}.{method}") if query else None
        if query is None or hook is None:
            return ctx.default_signature
        return hook(ctx._replace(type=query))

    def get_method_signature_hook(self, fullname: str) -> SignatureHook | None:
        owner, _, method = fullname.rpartition(".")
        through = _lazy_callable(owner, method)
        if through is not None:
            return partial(self._through_signature, through)
        query = self._query_class(owner)
        if method in EB_METHODS and query in SELECTS:
            return _builder.hand_state
        if method == "__call__" and query in JOINS:
            return _join_on.hand_state
        return None

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if name in JOIN_PROPERTIES and self._query_class(owner) in SELECTS:
            return partial(self.select.join_object, name.removesuffix("_join"))
        if name == "fn" and self._query_class(owner) == "Builder":
            return _eb_columns.pass_state
        return None

    def _query_class(self, fullname: str) -> str | None:
        """Which of the stubs' generic query classes `fullname` is or specializes (a join's
        per-table class, `ItemsJoined`, is a `Select`), by name; None for any other class. A
        lazy entry (`LazySelect`, what `ItemsSelect` names) counts as the class it stands for:
        its methods are that class's, and the hooks read its receiver as that class."""
        if not fullname.startswith("typedb."):
            return None
        symbol = self.lookup_fully_qualified(fullname)
        info = symbol.node if symbol is not None else None
        if not isinstance(info, TypeInfo):
            return None
        for base in info.mro:
            if base.module_name == QUERY_MODULE:
                return base.name
            if base.module_name in LAZY_MODULES:
                return base.name.removeprefix("Lazy")
        return None

    def report_config_data(self, ctx: ReportConfigContext) -> str:
        # mypy's cache notes only this package's __init__.py: a new plugin version with the
        # same __init__ would replay results of the old one. Its sources' hash says it.
        return self._fingerprint

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # avg() of an int column is a Decimal: the plugin names decimal.Decimal even where the
        # schema has no Decimal column.
        if file.fullname == f"{STUBS}._common":
            return [(PRI_MED, "decimal", -1)]
        return []


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: A lazy entry's `where` / `having` are properties giving these callables (typedb/stubgen/_lazy.py).
LAZY_CALLABLES = {"Where": "where", "Having": "having"}


def _lazy_callable(owner: str, method: str) -> str | None:
    """The query method `owner.method` stands for when it is a lazy entry's callable
    (`..._lazy.Where.__call__` -> "where"), else None."""
    module, _, name = owner.rpartition(".")
    if method != "__call__" or module not in LAZY_MODULES:
        return None
    return LAZY_CALLABLES.get(name)


def _callable_query(typ: Type) -> Instance | None:
    """The query a lazy entry's callable was taken from: its first type argument."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance) or not proper.args:
        return None
    query = get_proper_type(proper.args[0])
    return query if isinstance(query, Instance) else None
