"""`db.schema.sync()` / `typedb schema:sync`: make the database have every table and column
the contracts declare (Hedystia's `syncSchemas`), for development and tests.

It only ever adds: missing tables (in foreign-key order, with their keys, uniques, foreign
keys, checks and indexes) and missing columns of existing tables (with the indexes and
single-column foreign keys of those new columns). Everything else the contracts and the
database disagree on -- a table or column the contracts lack, a type, a default, a
nullability, a constraint of an existing column -- is reported, never changed: that needs
a migration, which also leaves a history and can rename and drop.

A NOT NULL column without a default cannot be added to a table that has rows (its rows
would need a value); sync refuses it, naming the column, before changing anything, rather
than quietly adding it nullable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from typedb._errors import CompileError, TypedbError
from typedb._sql import Fragment, sql
from typedb.dialects._base import parse_type
from typedb.schema_diff._changes import (
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddTable,
    Change,
    DropColumn,
    DropTable,
    describe,
)
from typedb.schema_diff._diff import diff
from typedb.schema_diff._model import (
    ColumnSchema,
    ForeignKey,
    IndexSchema,
    Schema,
    TableSchema,
    dependency_order,
)

if TYPE_CHECKING:
    from typedb._config import Config
    from typedb.connection import Database
    from typedb.schema._builder import SchemaBuilder
    from typedb.schema._column import ColumnBuilder
    from typedb.schema._constraint import ForeignKeyBuilder
    from typedb.schema._ddl import Statement


class SyncError(TypedbError):
    """`schema:sync` cannot do what the contracts ask without losing or inventing data."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did (or, with `dry_run`, would do). `created`: tables, in the order they
    were created; `added`: `table.column`s; `indexes`: indexes made for added columns;
    `skipped`: one line per difference sync does not touch (see the module docstring);
    `statements`: the SQL, in order."""

    created: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    statements: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.statements)


def _data_type(type_name: str) -> str | Fragment:
    """A portable type as the schema builder takes it; another type is passed through."""
    try:
        parse_type(type_name)
    except TypedbError:
        return sql(type_name)  # pyright: ignore[reportArgumentType] - a type from the model
    return type_name


def _default(column: ColumnSchema) -> Any:
    from typedb.schema._render import Now

    default = column.default
    if default is None:
        return None
    if default.kind == "now":
        return Now(column.type if column.type in ("timestamp", "timestamptz") else "timestamp")
    if default.kind == "sql":
        return sql(default.sql or "NULL")  # pyright: ignore[reportArgumentType] - from the model
    return default.value


def _column_build(
    column: ColumnSchema, *, primary: bool, foreign_key: ForeignKey | None
) -> Callable[[ColumnBuilder], ColumnBuilder]:
    def build(col: ColumnBuilder) -> ColumnBuilder:
        if primary:
            col = col.primary_key()
        if column.auto_increment:
            col = col.auto_increment()
        if not column.nullable and not primary:
            col = col.not_null()
        if column.default is not None:
            col = col.default_to(_default(column))
        if foreign_key is not None:
            col = col.references(f"{foreign_key.ref_table}.{foreign_key.ref_columns[0]}")
            if foreign_key.on_delete != "no action":
                col = col.on_delete(foreign_key.on_delete)
            if foreign_key.on_update != "no action":
                col = col.on_update(foreign_key.on_update)
        return col

    return build


def _fk_actions(fk: ForeignKey) -> Callable[[ForeignKeyBuilder], ForeignKeyBuilder]:
    def build(f: ForeignKeyBuilder) -> ForeignKeyBuilder:
        return f.on_delete(fk.on_delete).on_update(fk.on_update)

    return build


def create_table(schema: SchemaBuilder, table: TableSchema) -> Statement:
    """The `create_table()` builder for `table`, with its primary key, uniques, foreign
    keys and checks (indexes are separate statements: `create_indexes`)."""
    builder = schema.create_table(table.name)
    pk = table.primary_key
    inline_pk = (
        pk is not None
        and len(pk.columns) == 1
        and (column := table.column(pk.columns[0])) is not None
        and column.auto_increment
    )
    for column in table.columns:
        primary = inline_pk and pk is not None and pk.columns == (column.name,)
        build = _column_build(column, primary=bool(primary), foreign_key=None)
        builder = builder.add_column(column.name, _data_type(column.type), build)
    if pk is not None and not inline_pk:
        builder = builder.add_primary_key_constraint(pk.name, list(pk.columns))
    for unique in table.uniques:
        builder = builder.add_unique_constraint(unique.name, list(unique.columns))
    for fk in table.foreign_keys:
        builder = builder.add_foreign_key_constraint(
            fk.name,
            list(fk.columns),
            fk.ref_table,
            list(fk.ref_columns),
            _fk_actions(fk),
        )
    for check in table.checks:
        builder = builder.add_check_constraint(check.name, sql(check.expression))  # pyright: ignore[reportArgumentType]
    return builder


def create_index(schema: SchemaBuilder, table: str, index: IndexSchema) -> Statement:
    builder = schema.create_index(index.name).on(table).columns(list(index.columns))
    if index.unique:
        builder = builder.unique()
    if index.where is not None:
        builder = builder.where(sql(index.where))  # pyright: ignore[reportArgumentType]
    return builder


def _rows(db: Database, table: str) -> bool:
    return bool(db.select_from(table).select(sql("1 AS one")).limit(1).execute())


Make = Callable[["SchemaBuilder"], "Statement"]


@dataclass
class _Plan:
    """The statements (as builder factories, so they can be built on the transaction they
    run in) and what they do."""

    statements: list[Make]
    created: list[str]
    added: list[str]
    indexes: list[str]
    skipped: list[str]


def _left_alone(change: Change) -> str:
    if isinstance(change, DropTable):
        return f"{change.table}: table has no contract (left alone: sync never drops)"
    if isinstance(change, DropColumn):
        return (
            f"{change.table}.{change.column.name}: column has no contract "
            "(left alone: sync never drops)"
        )
    return f"{describe(change)} (not applied: sync never alters; use a migration)"


def plan(db: Database, current: Schema, target: Schema) -> _Plan:
    """What sync would run to bring `current` (the database) up to `target` (the contracts),
    adding only. Raises `SyncError` for a column it must not add."""
    changes = diff(current, target)
    out = _Plan([], [], [], [], [])
    added: dict[str, set[str]] = {}
    refused: list[str] = []
    for change in changes:
        if isinstance(change, AddColumn):
            column = change.column
            if column.auto_increment:
                continue  # reported below: it needs a migration
            if not column.nullable and column.default is None and _rows(db, change.table):
                refused.append(f"{change.table}.{column.name}")
            else:
                added.setdefault(change.table, set()).add(column.name)
    if refused:
        raise SyncError(
            "cannot add NOT NULL column(s) without a default to a table that has rows: "
            + ", ".join(refused)
            + ". Give the column a default (Column(default=...)), make it `| None`, or add it "
            "with a migration that fills it (typedb migration:generate, Column(backfill=...)); "
            "nothing was changed"
        )
    new_tables = [c.schema for c in changes if isinstance(c, AddTable)]
    for table in dependency_order(new_tables):
        out.statements.append(partial(create_table, table=table))
        out.created.append(table.name)
        for index in table.indexes:
            out.statements.append(partial(create_index, table=table.name, index=index))
            out.indexes.append(index.name)
    for change in changes:
        if isinstance(change, AddTable):
            continue
        if isinstance(change, AddColumn) and change.column.name in added.get(change.table, ()):
            declared = target.table(change.table)
            fk = _single_fk(declared, change.column.name) if declared else None
            out.statements.append(partial(_add_column, change=change, fk=fk))
            out.added.append(f"{change.table}.{change.column.name}")
        elif isinstance(change, AddIndex) and _on_new_columns(change, added, current):
            out.statements.append(partial(create_index, table=change.table, index=change.index))
            out.indexes.append(change.index.name)
        elif not _in_added_column(change, added):
            out.skipped.append(_left_alone(change))
    return out


def _add_column(schema: SchemaBuilder, change: AddColumn, fk: ForeignKey | None) -> Statement:
    build = _column_build(change.column, primary=False, foreign_key=fk)
    return schema.alter_table(change.table).add_column(
        change.column.name, _data_type(change.column.type), build
    )


def _on_new_columns(change: AddIndex, added: dict[str, set[str]], current: Schema) -> bool:
    """An index sync makes: on a column it adds (and otherwise on columns that exist)."""
    mine = added.get(change.table, set())
    existing = current.table(change.table)
    known = set(existing.column_names if existing else ()) | mine
    return bool(mine & set(change.index.columns)) and set(change.index.columns) <= known


def _single_fk(table: TableSchema, column: str) -> ForeignKey | None:
    for fk in table.foreign_keys:
        if fk.columns == (column,) and len(fk.ref_columns) == 1:
            return fk
    return None


def _in_added_column(change: Change, added: dict[str, set[str]]) -> bool:
    """A single-column foreign key of an added column goes into its ADD COLUMN."""
    if isinstance(change, AddForeignKey):
        fk = change.foreign_key
        return (
            len(fk.columns) == 1
            and len(fk.ref_columns) == 1
            and fk.columns[0] in added.get(change.table, set())
        )
    return False


def _sql(statement: Statement) -> str:
    try:
        return statement.compile().sql
    except CompileError:
        # SQLite adds a NOT NULL column without default (to an empty table) by rebuilding the
        # table, which compiles only against the live definition, when it runs.
        table = getattr(statement, "name", "?")
        return f"-- {table}: rebuilt to add a NOT NULL column (SQLite)"


def sync_schema(
    db: Database, target: Schema, current: Schema, *, dry_run: bool = False
) -> SyncResult:
    """Apply (or, with `dry_run`, only compile) what `plan` finds, in one transaction."""
    steps = plan(db, current, target)
    statements = tuple(_sql(make(db.schema)) for make in steps.statements)
    if not dry_run and steps.statements:
        # A schema transaction: SQLite may rebuild a table others reference (a NOT NULL
        # column added to an empty table), which needs foreign key enforcement off.
        with db.schema.transaction() as trx:
            for make in steps.statements:
                make(trx.schema).execute()
    return SyncResult(
        tuple(steps.created),
        tuple(steps.added),
        tuple(steps.indexes),
        tuple(steps.skipped),
        statements,
        dry_run,
    )


def sync(
    db: Database,
    registry: Any = None,
    *,
    dry_run: bool = False,
    exclude: Iterable[str] = (),
    config: Config | None = None,
) -> SyncResult:
    """Sync `db` with `registry` (default: the contracts of `config`, the project around
    the working directory). Tables in `exclude` and the migrations' tracking table are left
    out of the comparison."""
    from typedb._config import load
    from typedb.contracts import load_registry
    from typedb.schema_diff import from_database, from_registry

    config = config or load()
    if registry is None:
        registry = load_registry(config)
    skip = {config.migration_table, *exclude}
    current = from_database(db, exclude=skip)
    # The live schema settles what a contract leaves open (a Generated column's default).
    target = from_registry(registry, db.dialect.name, current)
    return sync_schema(db, target, current, dry_run=dry_run)
