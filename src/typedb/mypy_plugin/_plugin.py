"""The plugin class: which hook mypy calls for which method, by the method's full name."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

from mypy.build import PRI_MED
from mypy.nodes import MypyFile, TypeInfo
from mypy.options import Options
from mypy.plugin import AttributeContext, MethodContext, Plugin, ReportConfigContext
from mypy.types import Type

from typedb.mypy_plugin import _aggregates, _upserts
from typedb.mypy_plugin._catalog import STUBS, Catalog
from typedb.mypy_plugin._select import SelectHooks
from typedb.mypy_plugin._tables import TableCalls
from typedb.mypy_plugin._writes import WriteHooks

QUERY_MODULE = f"{STUBS}._query"
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
    )
}
SELECTS = frozenset({"Select", "AsyncSelect"})
JOINS = frozenset({"Join", "LeftJoin", "AsyncJoin", "LeftAsyncJoin"})
AGGREGATE_MODULE = "typedb.query._expr"
AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})

MethodHook = Callable[[MethodContext], Type]


class TypedbPlugin(Plugin):
    """Narrows the rows of typedb queries and checks what the generated stubs leave loose."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        catalog = Catalog(self._loaded_modules)
        self._fingerprint = _fingerprint()
        self.tables = TableCalls(catalog)
        self.select = SelectHooks(catalog)
        self.writes = WriteHooks(catalog)
        self._select_hooks: dict[str, MethodHook] = {
            "select": self.select.select,
            "select_all": self.select.select_all,
            "where": self.select.where,
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
        module, _, cls = owner.rpartition(".")
        query = self._query_class(owner)
        if query is not None:
            if query == "Conflict":
                return _upserts.do_update_set if method == "do_update_set" else None
            if query in SELECTS:
                return self._select_hooks.get(method)
            if query in JOINS and method == "__call__":
                return partial(self.select.join, query.startswith("Left"))
            return self._write_hooks.get(method)
        if owner in TABLE_DISPATCH and method == "__call__":
            return partial(self.tables.hook, TABLE_DISPATCH[owner])
        if module == AGGREGATE_MODULE:
            if cls == "_Functions" and method in AGGREGATES:
                return partial(_aggregates.made, method)
            if cls == "Aggregate" and method == "as_":
                return _aggregates.named
        return None

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if name in ("inner_join", "left_join") and self._query_class(owner) in SELECTS:
            return self.select.join_object
        return None

    def _query_class(self, fullname: str) -> str | None:
        """Which of the stubs' generic query classes `fullname` is or specializes (the stubs
        name one subclass per table, `ItemsSelect`), by name; None for any other class."""
        if not fullname.startswith("typedb."):
            return None
        symbol = self.lookup_fully_qualified(fullname)
        info = symbol.node if symbol is not None else None
        if not isinstance(info, TypeInfo):
            return None
        for base in info.mro:
            if base.module_name == QUERY_MODULE:
                return base.name
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
