"""`diff(old, new)`: the changes that turn schema `old` into schema `new`.

Columns are matched by name; constraints and indexes by what they hold (columns, target,
actions, normalised expression), not by name: the sources name them differently (SQLite keeps
no name for an inline UNIQUE, a contract names none), and a name alone is no reason to
rebuild an index. A table or column missing on one side and added on the other is a drop and
an add unless `renames` says it is a rename; `rename_candidates()` finds the pairs that look
like one, for a caller that wants to ask.

Order, so that the changes can be applied one after the other: table renames, then dropped
tables (reverse foreign-key order), then per table (new tables in foreign-key order) drops of
foreign keys, checks, uniques and indexes, column renames, drops, adds and alterations, the
primary key, then the new uniques, checks, indexes and foreign keys; new tables last.

>>> from typedb.schema_diff._model import ColumnSchema, Schema, TableSchema
>>> old = Schema((TableSchema("users", (ColumnSchema("name", "text"),)),))
>>> new = Schema((TableSchema("users", (ColumnSchema("name", "varchar(80)"),)),))
>>> [type(c).__name__ for c in diff(old, new)]
['AlterColumnType']
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from typedb.schema_diff._changes import (
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
)
from typedb.schema_diff._model import (
    ColumnSchema,
    Default,
    ForeignKey,
    IndexSchema,
    Schema,
    TableSchema,
    dependency_order,
)
from typedb.schema_diff._normalize import check_key, sql_key

T = TypeVar("T")


def diff(old: Schema, new: Schema, renames: Mapping[str, str] | None = None) -> list[Change]:
    """Changes from `old` to `new`. `renames` maps `"table"` to its new name and
    `"table.column"` (the table's old or new name) to the column's new name."""
    renames = dict(renames or {})
    table_renames = {k: v for k, v in renames.items() if "." not in k}
    changes: list[Change] = []
    renamed_old: dict[str, TableSchema] = {}
    for table in old.tables:
        target = table_renames.get(table.name, table.name)
        if target != table.name and new.table(target) is not None:
            changes.append(RenameTable(table.name, target))
        else:
            target = table.name
        renamed_old[target] = table
    # A renamed table's name in the foreign keys pointing at it changes with it (PostgreSQL
    # and SQLite both follow a RENAME TO), so compare them under the new name.
    applied = {o: n for o, n in table_renames.items() if n in renamed_old}
    renamed_old = {
        name: replace(
            t,
            name=name,
            foreign_keys=tuple(
                replace(f, ref_table=applied.get(f.ref_table, f.ref_table)) for f in t.foreign_keys
            ),
        )
        for name, t in renamed_old.items()
    }
    new_names = set(new.table_names)
    dropped = [t for name, t in renamed_old.items() if name not in new_names]
    changes += _dropped_in_order(dropped)
    added: list[TableSchema] = []
    for table in dependency_order(list(new.tables)):
        before = renamed_old.get(table.name)
        if before is None:
            added.append(table)
            continue
        old_name = next((k for k, v in table_renames.items() if v == table.name), table.name)
        column_renames = {
            key.partition(".")[2]: value
            for key, value in renames.items()
            if key.partition(".")[0] in (table.name, old_name) and "." in key
        }
        changes += diff_table(before, table, column_renames)
    changes += _created_in_order(added)
    return changes


def _created_in_order(added: list[TableSchema]) -> list[Change]:
    """New tables in foreign-key order. In a cycle (users.team_id -> teams, teams.owner_id
    -> users) no order works, so a table is created without its keys to tables created after
    it, and those keys are added once every table exists."""
    names = {t.name for t in added}
    made: set[str] = set()
    tables: list[Change] = []
    keys: list[Change] = []
    for table in added:
        late = [
            f
            for f in table.foreign_keys
            if f.ref_table in names and f.ref_table != table.name and f.ref_table not in made
        ]
        early = tuple(f for f in table.foreign_keys if f not in late)
        tables.append(AddTable(table.name, replace(table, foreign_keys=early) if late else table))
        keys += [AddForeignKey(table.name, f) for f in late]
        made.add(table.name)
    return tables + keys


def _dropped_in_order(dropped: list[TableSchema]) -> list[Change]:
    """Dropped tables in reverse foreign-key order; in a cycle, the keys to a table dropped
    before their own are dropped first (PostgreSQL refuses to drop a referenced table)."""
    order = list(reversed(dependency_order(dropped)))
    gone: set[str] = set()
    keys: list[Change] = []
    for table in order:
        keys += [
            DropForeignKey(table.name, f)
            for f in table.foreign_keys
            if f.ref_table in gone and f.ref_table != table.name
        ]
        gone.add(table.name)
    return keys + [DropTable(t.name, t) for t in order]


def diff_table(
    old: TableSchema, new: TableSchema, column_renames: Mapping[str, str] | None = None
) -> list[Change]:
    """Changes from `old` to `new` of one table (same name); `column_renames` old -> new."""
    name = new.name
    renames = {
        o: n
        for o, n in (column_renames or {}).items()
        if old.column(o) is not None and new.column(n) is not None and o != n
    }
    # Compare constraints as if the renames were done, so they do not look changed.
    moved = _rename_columns(old, renames)
    head: list[Change] = []
    tail: list[Change] = []

    drop_fk, add_fk = _match(moved.foreign_keys, new.foreign_keys, _fk_key)
    drop_ck, add_ck = _match(moved.checks, new.checks, lambda c: check_key(c.expression))
    drop_uq, add_uq = _match(moved.uniques, new.uniques, lambda u: u.columns)
    drop_ix, add_ix = _match(moved.indexes, new.indexes, _index_key)
    head += [DropForeignKey(name, f) for f in drop_fk]
    head += [DropCheck(name, c) for c in drop_ck]
    head += [DropUnique(name, u) for u in drop_uq]
    head += [DropIndex(name, i) for i in drop_ix]

    head += [RenameColumn(name, o, n) for o, n in renames.items()]
    new_names = set(new.column_names)
    head += [DropColumn(name, c) for c in moved.columns if c.name not in new_names]
    for column in new.columns:
        before = moved.column(column.name)
        if before is None:
            head.append(AddColumn(name, column))
            continue
        if (before.type, before.auto_increment) != (column.type, column.auto_increment):
            head.append(AlterColumnType(name, before, column))
        if default_key(before.default) != default_key(column.default):
            head.append(AlterColumnDefault(name, before, column))
        if before.nullable != column.nullable:
            head.append(AlterColumnNullable(name, before, column))
    old_pk = moved.primary_key.columns if moved.primary_key else None
    new_pk = new.primary_key.columns if new.primary_key else None
    if old_pk != new_pk:
        head.append(AlterPrimaryKey(name, old.primary_key, new.primary_key))

    tail += [AddUnique(name, u) for u in add_uq]
    tail += [AddCheck(name, c) for c in add_ck]
    tail += [AddIndex(name, i) for i in add_ix]
    tail += [AddForeignKey(name, f) for f in add_fk]
    return head + tail


def default_key(default: Default | None) -> Hashable:
    """What must agree for two defaults to be the same."""
    if default is None:
        return None
    if default.kind == "sql":
        return ("sql", sql_key(default.sql or ""))
    value = default.value
    # 1 == 1.0 == Decimal(1) == True in Python; the type is part of the value here.
    return (
        default.kind,
        type(value).__name__ if not isinstance(value, int | float) else "n",
        value,
    )


@dataclass(frozen=True, slots=True)
class RenameCandidate:
    """A dropped and an added table or column of the same shape: maybe a rename.
    `flag` is how `--rename` spells it (`users.name:full_name`, `users:members`)."""

    table: str
    old_name: str
    new_name: str
    column: bool

    @property
    def flag(self) -> str:
        if self.column:
            return f"{self.table}.{self.old_name}:{self.new_name}"
        return f"{self.old_name}:{self.new_name}"


def rename_candidates(changes: Sequence[Change]) -> list[RenameCandidate]:
    """Pairs of a drop and an add in `changes` that could be a rename: columns of one table
    with the same type, nullability and default; tables with the same columns."""
    found: list[RenameCandidate] = []
    drops = [c for c in changes if isinstance(c, DropColumn)]
    adds = [c for c in changes if isinstance(c, AddColumn)]
    for drop in drops:
        for add in adds:
            if drop.table == add.table and _shape(drop.column) == _shape(add.column):
                found.append(RenameCandidate(drop.table, drop.column.name, add.column.name, True))
    dropped_tables = [c for c in changes if isinstance(c, DropTable)]
    added_tables = [c for c in changes if isinstance(c, AddTable)]
    for dt in dropped_tables:
        for at in added_tables:
            if (
                tuple(_shape(c) for c in dt.schema.columns)
                == tuple(_shape(c) for c in at.schema.columns)
                and dt.schema.column_names == at.schema.column_names
            ):
                found.append(RenameCandidate(dt.table, dt.table, at.table, False))
    return found


def _shape(c: ColumnSchema) -> Hashable:
    return (c.type, c.nullable, default_key(c.default), c.auto_increment)


def _fk_key(f: ForeignKey) -> Hashable:
    return (f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update)


def _index_key(i: IndexSchema) -> Hashable:
    return (i.columns, i.unique, None if i.where is None else check_key(i.where))


def _match(
    old: Sequence[T], new: Sequence[T], key: Callable[[T], Hashable]
) -> tuple[list[T], list[T]]:
    """(in old only, in new only), compared by `key`, keeping each side's order."""
    new_keys = [key(x) for x in new]
    old_keys = [key(x) for x in old]
    dropped = [x for x, k in zip(old, old_keys, strict=True) if k not in new_keys]
    added = [x for x, k in zip(new, new_keys, strict=True) if k not in old_keys]
    return dropped, added


def _rename_columns(table: TableSchema, renames: Mapping[str, str]) -> TableSchema:
    if not renames:
        return table

    def cols(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(renames.get(n, n) for n in names)

    return replace(
        table,
        columns=tuple(replace(c, name=renames.get(c.name, c.name)) for c in table.columns),
        primary_key=None
        if table.primary_key is None
        else replace(table.primary_key, columns=cols(table.primary_key.columns)),
        uniques=tuple(replace(u, columns=cols(u.columns)) for u in table.uniques),
        foreign_keys=tuple(replace(f, columns=cols(f.columns)) for f in table.foreign_keys),
        indexes=tuple(replace(i, columns=cols(i.columns)) for i in table.indexes),
    )
