"""The tables a query reads and the columns a name in it can mean.

A column is `"name"` (found in exactly one table of the query), or `"t.name"` where `t` is a
table's alias, or its name when it has none (SQL hides a table's name behind its alias).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mypy.types import AnyType, Type, TypedDictType, TypeOfAny

from typedb.mypy_plugin._names import ColumnRef
from typedb.mypy_plugin._state import Source


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the query with its columns (from the stubs). An `open` table is a CTE
    whose columns the plugin cannot know (the step of a recursive CTE joins it before it is
    declared): any column of it is accepted, typed Any, as the database will check it."""

    source: Source
    row: TypedDictType
    open: bool = False
    #: Its columns whose sum() is numeric, a Decimal (the stubs' `<Table>NumericSum`).
    numeric_sums: frozenset[str] = frozenset()

    def describe(self) -> str:
        alias = self.source.alias
        return repr(self.source.table) + (f" (as {alias!r})" if alias else "")


@dataclass(frozen=True, slots=True)
class Resolved:
    table: Table
    column: str

    @property
    def type(self) -> Type:
        """The column's type as stored; a left join's None is added where rows are made."""
        return self.table.row.items.get(self.column, AnyType(TypeOfAny.special_form))


class Scope:
    """The tables of one query, by the name its columns use for them."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = tuple(tables)

    def find(self, name: str) -> Table | None:
        for t in self.tables:
            if t.source.name == name:
                return t
        return None

    def describe(self) -> str:
        return ", ".join(t.describe() for t in self.tables)

    def resolve(self, ref: ColumnRef) -> Resolved | str:
        """The column `ref` names, or the message saying why it names none."""
        if ref.qualifier is not None:
            table = self.find(ref.qualifier)
            if table is None:
                return self._unknown_qualifier(ref)
            if ref.column not in table.row.items and not table.open:
                return f"unknown column {ref.column!r} in table {table.describe()}"
            return Resolved(table, ref.column)
        having = [t for t in self.tables if ref.column in t.row.items]
        if not having:
            unknown = [t for t in self.tables if t.open]
            if unknown:
                return Resolved(unknown[0], ref.column)
            where = "table" if len(self.tables) == 1 else "tables"
            return f"unknown column {ref.column!r} in {where} {self.describe()}"
        if len(having) > 1:
            names = " or ".join(repr(f"{t.source.name}.{ref.column}") for t in having)
            return (
                f"ambiguous column {ref.column!r}: tables {', '.join(t.describe() for t in having)}"
                f" all have it; write {names}"
            )
        return Resolved(having[0], ref.column)

    def _unknown_qualifier(self, ref: ColumnRef) -> str:
        hidden = [t for t in self.tables if t.source.alias and t.source.table == ref.qualifier]
        if hidden:
            alias = hidden[0].source.alias
            return (
                f"table {ref.qualifier!r} is aliased as {alias!r} in this query: "
                f"write '{alias}.{ref.column}'"
            )
        return (
            f"unknown table or alias {ref.qualifier!r} in column {ref.text!r}; "
            f"the query reads {self.describe()}"
        )
