"""Columns and constraints of the schema model as schema-builder calls, the way a person
writes them: `add_id_column()`, `add_timestamp_columns()`, `col.not_null().unique()`.

A constraint with the name PostgreSQL would give it (`users_email_key`, `posts_author_id_fkey`,
`items_price_check`) is written on its column (`col.unique()`, `col.references(...)`,
`col.check(...)`), as README's migrations do; one with any other name, or over several
columns, as a named table constraint, so the database ends with exactly the model's names.
"""

from __future__ import annotations

from collections.abc import Sequence

from typedb.migrator._generate_code import Call, Lambda, Now, Sql, Value
from typedb.schema_diff import (
    Check,
    ColumnSchema,
    Default,
    ForeignKey,
    IndexSchema,
    TableSchema,
    Unique,
)


def default_value(default: Default, column: ColumnSchema) -> Value:
    """What `default_to()` gets: the literal, `Now(...)` for the current time, else `sql()`."""
    if default.kind == "now":
        return Now(column.type)
    if default.kind == "sql":
        return Sql(default.sql or "")
    return default.value


def _is_timestamp_helper(column: ColumnSchema) -> bool:
    return (
        column.type == "timestamp"
        and not column.nullable
        and column.default is not None
        and column.default.kind == "now"
        and not column.auto_increment
    )


def _is_soft_delete(column: ColumnSchema) -> bool:
    return column.type == "timestamp" and column.nullable and column.default is None


class ColumnWriter:
    """The calls that add a table's columns, with the constraints written on them."""

    def __init__(self, table: TableSchema) -> None:
        self.table = table
        self.inline_unique = {u.columns[0]: u for u in table.uniques if _inline(table, u, "key")}
        self.inline_fk = {
            fk.columns[0]: fk
            for fk in table.foreign_keys
            if _inline(table, fk, "fkey") and len(fk.ref_columns) == 1
        }
        self.inline_check = {
            column: check
            for check in table.checks
            for column in table.column_names
            if check.name == f"{table.name}_{column}_check"
        }

    def is_inline(self, item: Unique | ForeignKey | Check) -> bool:
        if isinstance(item, Unique):
            return item in self.inline_unique.values()
        if isinstance(item, ForeignKey):
            return item in self.inline_fk.values()
        return item in self.inline_check.values()

    def _id_column(self, column: ColumnSchema) -> bool:
        pk = self.table.primary_key
        return (
            column.auto_increment
            and column.type == "integer"
            and pk is not None
            and pk.columns == (column.name,)
            and pk.name == f"{self.table.name}_pkey"
        )

    def create_calls(self) -> list[Call]:
        """The `add_*` calls of a `create_table` for every column, helpers where they fit."""
        calls: list[Call] = []
        columns = list(self.table.columns)
        i = 0
        while i < len(columns):
            column = columns[i]
            after = columns[i + 1] if i + 1 < len(columns) else None
            if (
                column.name == "created_at"
                and after is not None
                and after.name == "updated_at"
                and _is_timestamp_helper(column)
                and _is_timestamp_helper(after)
                and not self._constrained(column)
                and not self._constrained(after)
            ):
                calls.append(Call("add_timestamp_columns"))
                i += 2
                continue
            if (
                column.name == "deleted_at"
                and _is_soft_delete(column)
                and not self._constrained(column)
            ):
                calls.append(Call("add_soft_delete_column"))
            elif self._id_column(column) and not self._constrained(column):
                calls.append(
                    Call("add_id_column")
                    if column.name == "id"
                    else Call("add_id_column", (column.name,))
                )
            else:
                calls.append(self.add_column(column, in_create=True))
            i += 1
        return calls

    def _constrained(self, column: ColumnSchema) -> bool:
        return (
            column.name in self.inline_unique
            or column.name in self.inline_fk
            or column.name in self.inline_check
        )

    def add_column(
        self, column: ColumnSchema, *, in_create: bool = False, nullable: bool | None = None
    ) -> Call:
        """`add_column(name, type, lambda col: ...)`; `nullable` overrides the model's (a
        backfilled column is added nullable first)."""
        build: list[Call] = []
        pk = self.table.primary_key
        single_pk = (
            in_create
            and pk is not None
            and pk.columns == (column.name,)
            and pk.name == f"{self.table.name}_pkey"
        )
        if single_pk:
            build.append(Call("primary_key"))
        elif not (column.nullable if nullable is None else nullable):
            build.append(Call("not_null"))
        if column.auto_increment:
            build.append(Call("auto_increment"))
        if column.name in self.inline_unique:
            build.append(Call("unique"))
        if column.default is not None:
            build.append(Call("default_to", (default_value(column.default, column),)))
        fk = self.inline_fk.get(column.name)
        if fk is not None:
            build.append(Call("references", (f"{fk.ref_table}.{fk.ref_columns[0]}",)))
            build.extend(fk_actions(fk))
        check = self.inline_check.get(column.name)
        if check is not None:
            build.append(Call("check", (check.expression,)))
        args: tuple[Value | Lambda, ...] = (column.name, column.type)
        return Call("add_column", (*args, Lambda(tuple(build))) if build else args)

    def table_constraints(self, *, in_create: bool) -> list[Call]:
        """Named constraints not written on a column (composite keys, custom names)."""
        calls: list[Call] = []
        pk = self.table.primary_key
        if (
            in_create
            and pk is not None
            and not (len(pk.columns) == 1 and pk.name == f"{self.table.name}_pkey")
        ):
            calls.append(Call("add_primary_key_constraint", (pk.name, list(pk.columns))))
        calls.extend(unique_call(u) for u in self.table.uniques if not self.is_inline(u))
        calls.extend(check_call(c) for c in self.table.checks if not self.is_inline(c))
        calls.extend(foreign_key_call(f) for f in self.table.foreign_keys if not self.is_inline(f))
        return calls


def _inline(table: TableSchema, item: Unique | ForeignKey, suffix: str) -> bool:
    return len(item.columns) == 1 and item.name == f"{table.name}_{item.columns[0]}_{suffix}"


def fk_actions(fk: ForeignKey) -> list[Call]:
    calls = []
    if fk.on_delete != "no action":
        calls.append(Call("on_delete", (fk.on_delete,)))
    if fk.on_update != "no action":
        calls.append(Call("on_update", (fk.on_update,)))
    return calls


def unique_call(u: Unique) -> Call:
    return Call("add_unique_constraint", (u.name, list(u.columns)))


def check_call(c: Check) -> Call:
    return Call("add_check_constraint", (c.name, c.expression))


def foreign_key_call(fk: ForeignKey) -> Call:
    args: list[Value | Lambda] = [fk.name, list(fk.columns), fk.ref_table, list(fk.ref_columns)]
    actions = fk_actions(fk)
    if actions:
        args.append(Lambda(tuple(actions), param="fk"))
    return Call("add_foreign_key_constraint", tuple(args))


def index_calls(index: IndexSchema, table: Value) -> list[Call]:
    calls = [
        Call("create_index", (index.name,)),
        Call("on", (table,)),
        Call("columns", (list(index.columns),)),
    ]
    if index.unique:
        calls.append(Call("unique"))
    if index.where is not None:
        calls.append(Call("where", (Sql(index.where),)))
    return [*calls, Call("execute")]


def names(items: Sequence[ColumnSchema]) -> list[str]:
    return [c.name for c in items]
