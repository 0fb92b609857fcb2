"""Columns grouped by value type ("buckets"), the axis the generic query classes are typed on.

The generic `Select` of `_query.pyi` has one type parameter per bucket: the Literal of the
column names (plain and `table.column`) of every table in the query whose value type is that
bucket's. A join unions them, so a joined query checks every joined table's columns with the
right value types, with one `where` overload pair per bucket however many tables there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typedb.contracts import Table
from typedb.contracts._registry import Column

#: Past this many value types, the rarest share one bucket whose values are not checked: each
#: bucket is a type parameter and two `where` overloads, which every checker pays on every call.
MAX_BUCKETS = 24
_OBJECT = "object"


@dataclass(frozen=True, slots=True)
class Bucket:
    """One value type: what `where(column, op, value)` takes for its columns."""

    index: int
    text: str  # the column type without `| None`

    @property
    def var(self) -> str:
        return f"B{self.index}"

    @property
    def textual(self) -> bool:
        """like / ilike apply: a str column, or a Literal of strings."""
        return self.text == "str" or (self.text.startswith("Literal[") and '"' in self.text)

    @property
    def value(self) -> str:
        """A comparison's value: the type, an int where a number is exact anyway, or SQL."""
        extra = " | int" if self.text == "Decimal" else ""
        return f"{self.text}{extra} | Fragment"

    @property
    def values(self) -> str:
        """An `in` list. A `str` is a Sequence of str, so the text bucket takes list, tuple or
        set only; other types cannot be confused with their own sequence."""
        if self.text == "str":
            return "list[str] | tuple[str, ...] | AbstractSet[str]"
        inner = f"{self.text} | int" if self.text == "Decimal" else self.text
        return f"Sequence[{inner}] | AbstractSet[{inner}]"


def _text(column: Column) -> str:
    return column.type.text


def buckets_for(tables: list[Table]) -> tuple[list[Bucket], dict[str, int]]:
    """Every bucket of the schema, and each value type's bucket index."""
    counts: dict[str, int] = {}
    for table in tables:
        for column in table.columns:
            counts[_text(column)] = counts.get(_text(column), 0) + 1
    kept = sorted(counts, key=_sort_key)
    if len(kept) > MAX_BUCKETS:
        by_use = sorted(counts, key=lambda t: (-counts[t], _sort_key(t)))
        kept = sorted(by_use[: MAX_BUCKETS - 1], key=_sort_key)
    buckets = [Bucket(i, text) for i, text in enumerate(kept)]
    index = {b.text: b.index for b in buckets}
    if len(counts) > len(kept):
        other = Bucket(len(buckets), _OBJECT)
        buckets.append(other)
        index |= {t: other.index for t in counts if t not in index}
    return buckets, index


def _sort_key(text: str) -> tuple[int, str]:
    # Plain types first (int, str, ... in a fixed order), Literals and generics after.
    return (0 if re.fullmatch(r"\w+", text) else 1, text)


def table_buckets(table: Table, index: dict[str, int]) -> dict[int, list[str]]:
    """Bucket index -> the table's column names in it, plain then qualified."""
    out: dict[int, list[str]] = {}
    for column in table.columns:
        out.setdefault(index[_text(column)], []).append(column.name)
    return {i: names + [f"{table.name}.{n}" for n in names] for i, names in sorted(out.items())}
