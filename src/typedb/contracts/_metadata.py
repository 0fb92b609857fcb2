"""Column and table metadata for contracts: what the Python type alone does not say.

    from typing import Annotated
    from typedb.contracts import Column, Index, Table

    class PostsTable(TypedDict):
        id: Generated[int]
        author_id: Annotated[int, Column(references="users.id", on_delete="cascade", index=True)]
        title: Annotated[str, Column(type="varchar(200)")]

    class Database(TypedDict):
        posts: Annotated[PostsTable, Table(indexes=[Index("posts_title", ["title"])])]

Every checker reads `Annotated[int, Column(...)]` as `int`; the registry reads the metadata.

>>> Column(type="varchar(200)", unique=True)
Column(type='varchar(200)', unique=True)
>>> Table(primary_key=["a", "b"]).primary_key
('a', 'b')
>>> Column(unique=True).unique = False
Traceback (most recent call last):
...
AttributeError: Column is immutable
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final


class _Missing:
    """No default / no backfill given (None is a value: a NULL default)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()


class _Frozen:
    """Each attribute is set once, in __init__: metadata is a value, shared by every reader."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, name):
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)


class Column(_Frozen):
    """What a column needs beyond its Python type. Every argument is optional.

    - `type`: a portable type name (`"varchar(200)"`, `"bigint"`, `"numeric(10,2)"`) that
      must hold the annotation's values.
    - `unique`, `index`: a UNIQUE constraint / an index (`<table>_<column>_index`) on it.
    - `default`: a literal of the annotation's type, or `typedb.sql("...")`; the column is
      then optional on insert, as `Generated[T]` is.
    - `references="table.column"`, `on_delete`, `on_update`: a foreign key.
    - `check`: a CHECK expression (SQL).
    - `backfill`: the value `migration:generate` fills existing rows with when it adds this
      column NOT NULL to a table that has rows.
    """

    __slots__ = (
        "backfill",
        "check",
        "default",
        "index",
        "on_delete",
        "on_update",
        "references",
        "type",
        "unique",
    )

    def __init__(
        self,
        type: str | None = None,
        *,
        unique: bool = False,
        index: bool = False,
        default: Any = MISSING,
        references: str | None = None,
        on_delete: str | None = None,
        on_update: str | None = None,
        check: str | None = None,
        backfill: Any = MISSING,
    ) -> None:
        self.type = type
        self.unique = unique
        self.index = index
        self.default = default
        self.references = references
        self.on_delete = on_delete
        self.on_update = on_update
        self.check = check
        self.backfill = backfill

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING

    @property
    def has_backfill(self) -> bool:
        return self.backfill is not MISSING

    def _fields(self) -> tuple[tuple[str, Any], ...]:
        return tuple((name, getattr(self, name)) for name in _COLUMN_ORDER)

    def __repr__(self) -> str:
        given = [
            f"{name}={value!r}"
            for name, value in self._fields()
            if value is not MISSING and value not in (None, False)
        ]
        return f"Column({', '.join(given)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Column) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(repr(self))


_COLUMN_ORDER = (
    "type",
    "unique",
    "index",
    "default",
    "references",
    "on_delete",
    "on_update",
    "check",
    "backfill",
)


class Index(_Frozen):
    """An index of a table: `Index("posts_title", ["title"], unique=False, where=None)`;
    `where` is the predicate of a partial index (SQL)."""

    __slots__ = ("columns", "name", "unique", "where")

    def __init__(
        self, name: str, columns: Sequence[str], unique: bool = False, where: str | None = None
    ) -> None:
        if isinstance(columns, str):
            columns = [columns]
        self.name = name
        self.columns: tuple[str, ...] = tuple(columns)
        self.unique = unique
        self.where = where

    def __repr__(self) -> str:
        extra = (", unique=True" if self.unique else "") + (
            f", where={self.where!r}" if self.where is not None else ""
        )
        return f"Index({self.name!r}, {list(self.columns)!r}{extra})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Index) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


class Table(_Frozen):
    """What a table needs beyond its columns: a composite primary key, multi-column indexes,
    unique constraints (each a list of columns) and table CHECKs (SQL)."""

    __slots__ = ("checks", "indexes", "primary_key", "uniques")

    def __init__(
        self,
        primary_key: Sequence[str] | None = None,
        indexes: Sequence[Index] = (),
        uniques: Sequence[Sequence[str]] = (),
        checks: Sequence[str] = (),
    ) -> None:
        if isinstance(primary_key, str):
            primary_key = [primary_key]
        self.primary_key: tuple[str, ...] | None = (
            None if primary_key is None else tuple(primary_key)
        )
        self.indexes: tuple[Index, ...] = tuple(indexes)
        self.uniques: tuple[tuple[str, ...], ...] = tuple(
            (u,) if isinstance(u, str) else tuple(u) for u in uniques
        )
        self.checks: tuple[str, ...] = tuple(checks)

    def __repr__(self) -> str:
        parts = []
        if self.primary_key is not None:
            parts.append(f"primary_key={list(self.primary_key)!r}")
        if self.indexes:
            parts.append(f"indexes={list(self.indexes)!r}")
        if self.uniques:
            parts.append(f"uniques={[list(u) for u in self.uniques]!r}")
        if self.checks:
            parts.append(f"checks={list(self.checks)!r}")
        return f"Table({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))
