"""The schema as the generated stubs spell it: table names and each table's Row TypedDict.

The stubs (see typedb/stubgen) put each table in its own module, `typedb.facades._db.<table>`,
with a `<Table>Row` TypedDict of its columns as select returns them (and, when the table has
any, a `<Table>NumericSum` Literal of the columns whose sum() is numeric, a Decimal: its
bigints), and list every table in `typedb.facades._db._common.TableName`. The plugin reads
them from the modules mypy has loaded, so it needs no access to the contracts and is exactly as fresh as the stubs.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import MypyFile, TypeAlias, TypeInfo
from mypy.types import Instance, LiteralType, Type, TypedDictType, UnionType, get_proper_type

STUBS = "typedb.facades._db"
TABLE_NAMES = f"{STUBS}._common.TableName"


class Catalog:
    """Tables and their columns, read lazily from the stub modules and kept per module
    object (a module mypy reloads is a new object, so a regenerated stub is read again)."""

    def __init__(self, modules: Callable[[], dict[str, MypyFile]]) -> None:
        self._modules = modules
        self._rows: dict[str, tuple[MypyFile, TypedDictType]] = {}
        self._numeric_sums: dict[str, tuple[MypyFile, frozenset[str]]] = {}
        self._names: tuple[MypyFile, tuple[str, ...]] | None = None

    def instance(self, fullname: str) -> Instance:
        """`decimal.Decimal` as a type: a class of a module mypy has loaded."""
        symbol = lookup_fully_qualified(fullname, self._modules(), raise_on_missing=True)
        assert symbol is not None and isinstance(symbol.node, TypeInfo), fullname
        return Instance(symbol.node, [])

    def row(self, table: str) -> TypedDictType | None:
        """The Row TypedDict of `table`, None for a table the stubs do not have."""
        module = self._modules().get(f"{STUBS}.{table}") if table.isidentifier() else None
        if module is None:
            return None
        cached = self._rows.get(table)
        if cached is not None and cached[0] is module:
            return cached[1]
        for symbol in module.names.values():
            node = symbol.node
            if (
                isinstance(node, TypeInfo)
                and node.typeddict_type is not None
                and node.name.endswith("Row")
                and node.module_name == module.fullname
            ):
                row = _in_column_order(module, node.name[: -len("Row")], node.typeddict_type)
                self._rows[table] = (module, row)
                return row
        return None

    def numeric_sums(self, table: str) -> frozenset[str]:
        """The columns of `table` whose sum() is numeric (Decimal), as `<Table>NumericSum`
        lists them: bigints, which PostgreSQL sums as numeric (a smaller integer sums to a
        bigint, an int). Empty for a table without any, or one the stubs do not have."""
        module = self._modules().get(f"{STUBS}.{table}") if table.isidentifier() else None
        if module is None:
            return frozenset()
        cached = self._numeric_sums.get(table)
        if cached is not None and cached[0] is module:
            return cached[1]
        names: frozenset[str] = frozenset()
        for name, symbol in module.names.items():
            node = symbol.node
            if (
                name.endswith("NumericSum")
                and isinstance(node, TypeAlias)
                and f"{name[: -len('NumericSum')]}Row" in module.names
            ):
                names = frozenset(literal_strings(node.target))
                break
        self._numeric_sums[table] = (module, names)
        return names

    def tables(self) -> tuple[str, ...]:
        """Every table name, as `TableName` lists them (for messages)."""
        module = self._modules().get(f"{STUBS}._common")
        if module is None:
            return ()
        if self._names is not None and self._names[0] is module:
            return self._names[1]
        symbol = module.names.get("TableName")
        names: tuple[str, ...] = ()
        if symbol is not None and isinstance(symbol.node, TypeAlias):
            names = tuple(literal_strings(symbol.node.target))
        self._names = (module, names)
        return names

    def unknown_table(self, table: str) -> str:
        """The message for a table the schema does not have."""
        tables = self.tables()
        close = difflib.get_close_matches(table, tables, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(tables) if len(tables) <= 12 else f"{len(tables)} tables"
        return f"unknown table {table!r}{hint} (the schema has: {listed})"


def _in_column_order(module: MypyFile, prefix: str, row: TypedDictType) -> TypedDictType:
    """`row` with its keys in the table's column order. A stub module read back from mypy's
    cache has its TypedDict keys sorted by name; the `<Table>Column` Literal keeps the
    contract's order, which is the order rows (and `select_all()` keys) have at run time."""
    symbol = module.names.get(f"{prefix}Column")
    if symbol is None or not isinstance(symbol.node, TypeAlias):
        return row
    order = [name for name in literal_strings(symbol.node.target) if name in row.items]
    if len(order) != len(row.items):
        return row
    return TypedDictType(
        {name: row.items[name] for name in order},
        required_keys=set(row.required_keys),
        readonly_keys=set(row.readonly_keys),
        fallback=row.fallback,
    )


def literal_strings(typ: Type) -> list[str]:
    proper = get_proper_type(typ)
    if isinstance(proper, LiteralType) and isinstance(proper.value, str):
        return [proper.value]
    if isinstance(proper, UnionType):
        return [s for item in proper.items for s in literal_strings(item)]
    return []
