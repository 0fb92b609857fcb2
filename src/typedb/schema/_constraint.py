from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Self

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.dialects import Dialect
from typedb.schema._render import column_list, expression, foreign_key


@dataclass(frozen=True, slots=True)
class TableConstraint:
    """A named table constraint: PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY."""

    kind: str
    name: str
    columns: tuple[str, ...] = ()
    expression: str | Fragment | None = None
    ref_table: str = ""
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None

    def sql(self, dialect: Dialect, table: str) -> str:
        where = f"table {table}, constraint {self.name}"
        head = f"CONSTRAINT {dialect.quote(self.name)} "
        if self.kind == "CHECK":
            assert self.expression is not None
            return head + f"CHECK ({expression(self.expression)})"
        if self.kind == "FOREIGN KEY":
            return head + foreign_key(
                dialect,
                self.columns,
                self.ref_table,
                self.ref_columns,
                self.on_delete,
                self.on_update,
                where,
            )
        return head + f"{self.kind} ({column_list(dialect, self.columns, where)})"


def names(columns: Sequence[str], where: str) -> tuple[str, ...]:
    """A list of column names as a tuple; refuses a bare string, whose letters tuple() would
    otherwise take for column names."""
    if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns:
        raise CompileError(f"{where}: expected a non-empty list of column names, got {columns!r}")
    return tuple(columns)


class ForeignKeyBuilder:
    """What the `build` callback of `add_foreign_key_constraint` gets."""

    __slots__ = ("on_delete_action", "on_update_action")

    def __init__(self, on_delete: str | None = None, on_update: str | None = None) -> None:
        self.on_delete_action = on_delete
        self.on_update_action = on_update

    def on_delete(self, action: str) -> ForeignKeyBuilder:
        return ForeignKeyBuilder(action, self.on_update_action)

    def on_update(self, action: str) -> ForeignKeyBuilder:
        return ForeignKeyBuilder(self.on_delete_action, action)


def foreign_key_constraint(
    name: str,
    columns: Sequence[str],
    ref_table: str,
    ref_columns: Sequence[str],
    build: Callable[[ForeignKeyBuilder], ForeignKeyBuilder] | None,
) -> TableConstraint:
    fk = ForeignKeyBuilder()
    if build is not None:
        fk = build(fk)
        if not isinstance(fk, ForeignKeyBuilder):
            raise CompileError(f"constraint {name}: the build callback must return the builder")
    return TableConstraint(
        "FOREIGN KEY",
        name,
        names(columns, f"constraint {name}"),
        ref_table=ref_table,
        ref_columns=names(ref_columns, f"constraint {name}"),
        on_delete=fk.on_delete_action,
        on_update=fk.on_update_action,
    )


class ConstraintHelpers:
    """The table constraints `create_table` and `alter_table` both add; subclasses say how
    one is added (`_constrain`)."""

    __slots__ = ()

    def _constrain(self, constraint: TableConstraint) -> Self:
        raise NotImplementedError

    def add_unique_constraint(self, name: str, columns: Sequence[str]) -> Self:
        return self._constrain(
            TableConstraint("UNIQUE", name, names(columns, f"constraint {name}"))
        )

    def add_check_constraint(self, name: str, expression: str | Fragment) -> Self:
        return self._constrain(TableConstraint("CHECK", name, expression=expression))

    def add_foreign_key_constraint(
        self,
        name: str,
        columns: Sequence[str],
        ref_table: str,
        ref_columns: Sequence[str],
        build: Callable[[ForeignKeyBuilder], ForeignKeyBuilder] | None = None,
    ) -> Self:
        return self._constrain(foreign_key_constraint(name, columns, ref_table, ref_columns, build))
