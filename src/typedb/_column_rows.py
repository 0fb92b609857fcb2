"""Rows held as one list per column: what `insert_into().values()` makes of many dicts.

`values()` has to look at every value of a column anyway (its Python types decide whether
COPY may stand in for INSERT; text is searched for NUL), and a column's values come out of
10,000 dicts as a list in one C call. Making each row's tuple as well cost more than all of
that (10,000 rows of 3 columns: 0.74 ms for the tuples, 0.42 ms for the three column lists),
and COPY's text payload does not need them: it formats rows straight from the columns. So
the rows stay columns, and a row tuple is made only where one is read.

>>> rows = ColumnRows([[1, 2, 3], ["a", "b", "c"]])
>>> len(rows), rows[1], list(rows[1:])
(3, (2, 'b'), [(2, 'b'), (3, 'c')])
>>> rows.column(1)
['a', 'b', 'c']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, overload


class ColumnRows(Sequence[tuple[Any, ...]]):
    """A read-only sequence of row tuples, stored as equally long lists, one per column."""

    __slots__ = ("_columns", "_len")

    def __init__(self, columns: list[list[Any]]) -> None:
        if not columns:
            raise ValueError("ColumnRows needs at least one column")
        self._columns = columns
        self._len = len(columns[0])

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, index: slice) -> ColumnRows: ...
    def __getitem__(self, index: int | slice) -> tuple[Any, ...] | ColumnRows:
        if isinstance(index, slice):
            return ColumnRows([c[index] for c in self._columns])
        return tuple([c[index] for c in self._columns])

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self._columns, strict=True)

    def column(self, j: int) -> list[Any]:
        """Column j's values (the list itself: do not change it)."""
        return self._columns[j]


def column_of(rows: Sequence[Sequence[Any]], j: int) -> list[Any]:
    """The j-th value of every row, as a list: the stored column for `ColumnRows`.

    >>> column_of([(1, "a"), (2, "b")], 1)
    ['a', 'b']
    """
    if type(rows) is ColumnRows:
        return rows.column(j)
    return list(map(itemgetter(j), rows))
