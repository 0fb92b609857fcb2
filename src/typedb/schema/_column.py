"""Column builders: what the `add_column(..., build)` and `alter_column(..., build)` callbacks get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Self

from typedb._errors import CompileError
from typedb._sql import Fragment


class _NoDefault:
    def __repr__(self) -> str:
        return "<NO_DEFAULT>"


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True, slots=True)
class Column:
    """An immutable column definition, as the renderer reads it."""

    name: str
    data_type: str | Fragment
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False
    default: Any = NO_DEFAULT
    references: tuple[str, str] | None = None
    on_delete: str | None = None
    on_update: str | None = None
    checks: tuple[str | Fragment, ...] = ()
    auto_increment: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


class ColumnBuilder:
    """Refines one column; every method returns a new builder (the callback returns it).

    >>> b = ColumnBuilder(Column("email", "text"))
    >>> b.not_null().unique().column
    Column(name='email', data_type='text', not_null=True, primary_key=False, unique=True, \
default=<NO_DEFAULT>, references=None, on_delete=None, on_update=None, checks=(), \
auto_increment=False)
    >>> b.column.not_null
    False
    """

    __slots__ = ("column",)

    def __init__(self, column: Column) -> None:
        self.column = column

    def _with(self, **changes: Any) -> ColumnBuilder:
        return ColumnBuilder(replace(self.column, **changes))

    def not_null(self) -> ColumnBuilder:
        return self._with(not_null=True)

    def primary_key(self) -> ColumnBuilder:
        return self._with(primary_key=True, not_null=True)

    def unique(self) -> ColumnBuilder:
        return self._with(unique=True)

    def default_to(self, value: Any) -> ColumnBuilder:
        """A literal default (str, int, float, bool, Decimal, date/time, UUID, dict/list as JSON,
        None) or `typedb.sql("...")` for an expression."""
        return self._with(default=value)

    def references(self, target: str) -> ColumnBuilder:
        """`references("users.id")`: a foreign key to that table's column."""
        table, dot, col = str(target).rpartition(".")
        if not dot or not table or not col:
            raise CompileError(
                f"column {self.column.name}: references() takes 'table.column', got {target!r}"
            )
        return self._with(references=(table, col))

    def on_delete(self, action: str) -> ColumnBuilder:
        """cascade, set null, set default, restrict or no action."""
        return self._with(on_delete=action)

    def on_update(self, action: str) -> ColumnBuilder:
        return self._with(on_update=action)

    def check(self, expression: str | Fragment) -> ColumnBuilder:
        """A CHECK constraint on this column, as a SQL expression."""
        return self._with(checks=(*self.column.checks, expression))

    def auto_increment(self) -> ColumnBuilder:
        return self._with(auto_increment=True)


ColumnBuild = Callable[[ColumnBuilder], ColumnBuilder]


def build_column(name: str, data_type: str | Fragment, build: ColumnBuild | None) -> Column:
    builder = ColumnBuilder(Column(name, data_type))
    if build is not None:
        builder = build(builder)
        if not isinstance(builder, ColumnBuilder):
            raise CompileError(
                f"column {name}: the build callback must return the column builder "
                f"(got {type(builder).__name__}); write e.g. lambda col: col.not_null()"
            )
    return builder.column


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """One ALTER COLUMN action: ("type", t), ("default", v), ("drop_default",), ..."""

    kind: str
    value: Any = None


class AlterColumnBuilder:
    """What `alter_column(name, build)` gives the callback; every method returns a new one."""

    __slots__ = ("changes",)

    def __init__(self, changes: tuple[ColumnChange, ...] = ()) -> None:
        self.changes = changes

    def _add(self, kind: str, value: Any = None) -> AlterColumnBuilder:
        return AlterColumnBuilder((*self.changes, ColumnChange(kind, value)))

    def set_data_type(self, data_type: str | Fragment) -> AlterColumnBuilder:
        return self._add("type", data_type)

    def set_default(self, value: Any) -> AlterColumnBuilder:
        return self._add("default", value)

    def drop_default(self) -> AlterColumnBuilder:
        return self._add("drop_default")

    def set_not_null(self) -> AlterColumnBuilder:
        return self._add("set_not_null")

    def drop_not_null(self) -> AlterColumnBuilder:
        return self._add("drop_not_null")


class ColumnHelpers:
    """The helper columns, the same for `create_table` and `alter_table`; each means the same
    on every dialect. Subclasses provide `add_column`."""

    __slots__ = ()

    def add_column(
        self, name: str, data_type: str | Fragment, build: ColumnBuild | None = None
    ) -> Self:
        raise NotImplementedError

    def add_timestamp_columns(self) -> Self:
        """`created_at` and `updated_at`: TIMESTAMP NOT NULL, defaulting to now (UTC)."""
        from typedb.schema._render import Now

        now = Now("timestamp")
        return self.add_column(
            "created_at", "timestamp", lambda c: c.not_null().default_to(now)
        ).add_column("updated_at", "timestamp", lambda c: c.not_null().default_to(now))

    def add_soft_delete_column(self) -> Self:
        """`deleted_at`: a nullable TIMESTAMP; NULL means the row is live."""
        return self.add_column("deleted_at", "timestamp")
