"""Schema changes (`typedb.schema_diff.diff`) as the statements of a migration.

`diff(old, new)` lists changes in an order that can be applied one after the other (dropped
tables in reverse foreign-key order, new ones in foreign-key order, constraints dropped
before and added after the column changes); each becomes one builder statement, and
consecutive column and constraint changes of one table share one `alter_table(...)` chain,
as a person would write them. `down()` is the same translation of `diff(new, old)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from typedb._errors import MigrationError
from typedb.migrator._generate_code import Call, Lambda, Statement, Value
from typedb.migrator._generate_columns import (
    ColumnWriter,
    check_call,
    default_value,
    foreign_key_call,
    index_calls,
    unique_call,
)
from typedb.schema_diff import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddTable,
    AddUnique,
    AlterColumnDefault,
    AlterColumnNullable,
    AlterColumnType,
    AlterPrimaryKey,
    Change,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    RenameColumn,
    RenameTable,
    TableSchema,
)

#: Backfill values by (table, column): what fills a new NOT NULL column's existing rows.
Backfills = Mapping[tuple[str, str], Value]
#: How a statement names a table: its name, or the file's `table` constant.
TableRef = Callable[[str], Value]


class GenerateError(MigrationError):
    """`migration:generate` cannot write this migration (and says what to do instead)."""


@dataclass(frozen=True, slots=True)
class _Alter:
    table: str
    call: Call


_Step = Statement | _Alter


def _schema(head: str, *calls: Call) -> Statement:
    return Statement(head, calls)


_ColumnChange = AlterColumnType | AlterColumnDefault | AlterColumnNullable


def _column_calls(changes: Sequence[_ColumnChange]) -> Call:
    """One `alter_column(name, lambda col: ...)` for every change to one column. A type
    change drops the old default first and sets the new one after it, as PostgreSQL's
    manual advises (the old default may not convert to the new type)."""
    first, new = changes[0], changes[-1].new
    calls: list[Call] = []
    retyped = any(isinstance(c, AlterColumnType) for c in changes)
    redefault = any(isinstance(c, AlterColumnDefault) for c in changes)
    for change in changes:
        if isinstance(change, AlterColumnType):
            if change.old.auto_increment != change.new.auto_increment:
                raise GenerateError(
                    f"{change.table}.{new.name}: changing whether a column is auto-incrementing "
                    "cannot be generated; write this migration by hand (typedb migration:make)"
                )
            if first.old.default is not None:
                calls.append(Call("drop_default"))
            calls.append(Call("set_data_type", (new.type,)))
            if new.default is not None and (redefault or first.old.default is not None):
                calls.append(Call("set_default", (default_value(new.default, new),)))
        elif isinstance(change, AlterColumnDefault):
            if retyped:
                continue  # done with the type change
            if new.default is None:
                calls.append(Call("drop_default"))
            else:
                calls.append(Call("set_default", (default_value(new.default, new),)))
        else:
            calls.append(Call("drop_not_null" if new.nullable else "set_not_null"))
    return Call("alter_column", (new.name, Lambda(tuple(calls))))


def _merge_column_changes(changes: Sequence[Change]) -> list[Change | tuple[_ColumnChange, ...]]:
    """Consecutive type/default/nullability changes of one column, as one group."""
    merged: list[Change | tuple[_ColumnChange, ...]] = []
    for change in changes:
        if isinstance(change, _ColumnChange):
            last = merged[-1] if merged else None
            if (
                isinstance(last, tuple)
                and last[0].table == change.table
                and last[0].new.name == change.new.name
            ):
                merged[-1] = (*last, change)
                continue
            merged.append((change,))
        else:
            merged.append(change)
    return merged


def _backfill(table: Value, column: str, value: Value) -> Statement:
    """`db.update_table(t).set({c: v}).where(c, "is", None).execute()`: fill the NULLs."""
    return Statement(
        "db",
        (
            Call("update_table", (table,)),
            Call("set", ({column: value},)),
            Call("where", (column, "is", None)),
            Call("execute"),
        ),
    )


def _create(schema: TableSchema, ref: TableRef) -> list[_Step]:
    writer = ColumnWriter(schema)
    calls = [*writer.create_calls(), *writer.table_constraints(in_create=True)]
    steps: list[_Step] = [
        _schema("db.schema", Call("create_table", (ref(schema.name),)), *calls, Call("execute"))
    ]
    steps += [_schema("db.schema", *index_calls(i, ref(schema.name))) for i in schema.indexes]
    return steps


def _column_steps(
    changes: tuple[_ColumnChange, ...], ref: TableRef, backfills: Backfills
) -> list[_Step]:
    t, new = changes[0].table, changes[-1].new
    alter = _Alter(t, _column_calls(changes))
    fill = backfills.get((t, new.name))
    sets_not_null = any(isinstance(c, AlterColumnNullable) and not new.nullable for c in changes)
    if sets_not_null and fill is not None:
        return [_backfill(ref(t), new.name, fill), alter]
    return [alter]


def _steps(change: Change, ref: TableRef, backfills: Backfills) -> list[_Step]:
    t = change.table
    match change:
        case AddTable(schema=schema):
            return _create(schema, ref)
        case DropTable():
            return [_schema("db.schema", Call("drop_table", (ref(t),)), Call("execute"))]
        case RenameTable(new_name=new):
            return [
                _schema(
                    "db.schema",
                    Call("alter_table", (ref(t),)),
                    Call("rename_to", (ref(new),)),
                    Call("execute"),
                )
            ]
        case AddColumn(column=column):
            writer = ColumnWriter(TableSchema(t, (column,)))
            fill = backfills.get((t, column.name))
            if fill is None or column.nullable or column.default is not None:
                return [_Alter(t, writer.add_column(column))]
            # Added nullable, filled, then made NOT NULL: one migration, one transaction.
            return [
                _Alter(t, writer.add_column(column, nullable=True)),
                _backfill(ref(t), column.name, fill),
                _Alter(t, Call("alter_column", (column.name, Lambda((Call("set_not_null"),))))),
            ]
        case DropColumn(column=column):
            return [_Alter(t, Call("drop_column", (column.name,)))]
        case RenameColumn(old_name=old, new_name=new):
            return [_Alter(t, Call("rename_column", (old, new)))]
        case AlterColumnType() | AlterColumnDefault() | AlterColumnNullable():
            return _column_steps((change,), ref, backfills)
        case AlterPrimaryKey():
            raise GenerateError(
                f"{t}: changing the primary key of an existing table cannot be generated "
                "(the schema builder adds primary keys only in create_table); write this "
                "migration by hand (typedb migration:make)"
            )
        case AddIndex(index=index):
            return [_schema("db.schema", *index_calls(index, ref(t)))]
        case DropIndex(index=index):
            return [_schema("db.schema", Call("drop_index", (index.name,)), Call("execute"))]
        case AddUnique(unique=unique):
            return [_Alter(t, unique_call(unique))]
        case AddCheck(check=check):
            return [_Alter(t, check_call(check))]
        case AddForeignKey(foreign_key=fk):
            return [_Alter(t, foreign_key_call(fk))]
        case DropUnique(unique=item) | DropCheck(check=item) | DropForeignKey(foreign_key=item):
            return [_Alter(t, Call("drop_constraint", (item.name,)))]


def applicable_order(changes: Sequence[Change]) -> list[Change]:
    """`diff()`'s order, except that a foreign key to a table being dropped is dropped
    before that table, and one to a table being created is added after it."""
    dropped = {c.table for c in changes if isinstance(c, DropTable)}
    added = {c.table for c in changes if isinstance(c, AddTable)}
    first = [
        c for c in changes if isinstance(c, DropForeignKey) and c.foreign_key.ref_table in dropped
    ]
    last = [c for c in changes if isinstance(c, AddForeignKey) and c.foreign_key.ref_table in added]
    middle = [c for c in changes if c not in first and c not in last]
    renames = [c for c in middle if isinstance(c, RenameTable)]
    rest = [c for c in middle if not isinstance(c, RenameTable)]
    return [*renames, *first, *rest, *last]


def statements(
    changes: Sequence[Change], ref: TableRef, backfills: Backfills | None = None
) -> list[Statement]:
    """The statements that make `changes`, in order; consecutive changes to one table's
    columns and constraints are one `alter_table(...)` chain."""
    steps: list[_Step] = []
    for item in _merge_column_changes(changes):
        if isinstance(item, tuple):
            steps += _column_steps(item, ref, backfills or {})
        else:
            steps += _steps(item, ref, backfills or {})
    result: list[Statement] = []
    group: list[_Alter] = []

    def flush() -> None:
        if group:
            calls = (Call("alter_table", (ref(group[0].table),)), *(a.call for a in group))
            result.append(Statement("db.schema", (*calls, Call("execute"))))
            group.clear()

    for step in steps:
        if isinstance(step, _Alter):
            if group and group[0].table != step.table:
                flush()
            group.append(step)
        else:
            flush()
            result.append(step)
    flush()
    return result
