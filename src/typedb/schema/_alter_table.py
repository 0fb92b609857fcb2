from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Self

from typedb._errors import CompileError, DataTypeError, QueryError
from typedb._sql import Fragment
from typedb.dialects import Dialect
from typedb.schema._column import (
    AlterColumnBuilder,
    Column,
    ColumnBuild,
    ColumnChange,
    ColumnHelpers,
    build_column,
)
from typedb.schema._constraint import (
    ConstraintHelpers,
    TableConstraint,
)
from typedb.schema._ddl import Statement, Target
from typedb.schema._render import Now, column_definition, default_sql

Action = tuple[str, Any]


@dataclass(frozen=True, slots=True)
class AlterTable(ColumnHelpers, ConstraintHelpers, Statement):
    """`ALTER TABLE`: actions run in the order they were added.

    On SQLite, what cannot be altered in place (column type, default, nullability,
    constraints, some added columns) is done by rebuilding the table: a new table is created,
    the rows copied, the old one dropped, indexes and triggers recreated; foreign keys kept.

    >>> from typedb.dialects import PostgresDialect
    >>> from typedb.schema import SchemaBuilder
    >>> print(SchemaBuilder(PostgresDialect()).alter_table("items")
    ...     .add_column("sku", "varchar(32)")
    ...     .alter_column("name", lambda col: col.set_data_type("text").set_not_null())
    ...     .rename_column("sku", "code").compile().sql)
    ALTER TABLE "items" ADD COLUMN "sku" VARCHAR(32);
    ALTER TABLE "items" ALTER COLUMN "name" TYPE TEXT USING "name"::TEXT, ALTER COLUMN "name" SET NOT NULL;
    ALTER TABLE "items" RENAME COLUMN "sku" TO "code"
    """

    target: Target
    name: str
    actions: tuple[Action, ...] = ()

    def _add(self, kind: str, payload: Any) -> Self:
        return replace(self, actions=(*self.actions, (kind, payload)))

    def add_column(
        self, name: str, data_type: str | Fragment, build: ColumnBuild | None = None
    ) -> Self:
        return self._add("add_column", build_column(name, data_type, build))

    def drop_column(self, name: str) -> Self:
        return self._add("drop_column", name)

    def rename_column(self, old: str, new: str) -> Self:
        return self._add("rename_column", (old, new))

    def rename_to(self, new: str) -> Self:
        return self._add("rename_to", new)

    def alter_column(
        self, name: str, build: Callable[[AlterColumnBuilder], AlterColumnBuilder]
    ) -> Self:
        """`alter_column("price", lambda col: col.set_data_type("numeric(12,2)").set_not_null())`"""
        changes = build(AlterColumnBuilder())
        if not isinstance(changes, AlterColumnBuilder) or not changes.changes:
            raise CompileError(
                f"table {self.name}: alter_column({name!r}) needs a callback returning the "
                "builder with at least one change, e.g. lambda col: col.drop_not_null()"
            )
        return self._add("alter_column", (name, changes.changes))

    def _constrain(self, constraint: TableConstraint) -> Self:
        return self._add("add_constraint", constraint)

    def drop_constraint(self, name: str) -> Self:
        return self._add("drop_constraint", name)

    # -- rendering -------------------------------------------------------------------------

    def _check(self) -> None:
        if not self.actions:
            raise CompileError(f"table {self.name}: alter_table() without any change")

    def _statements(self) -> list[str]:
        self._check()
        dialect = self.target.dialect
        rebuilds = [kind for kind, payload in self.actions if needs_rebuild(dialect, kind, payload)]
        if rebuilds:
            raise CompileError(
                f"table {self.name}: on {dialect.name}, {rebuilds[0]} is done by rebuilding the "
                "table, which needs its live definition; execute() it (a migration's "
                "--dry-run shows the statements)"
            )
        return [self._in_place(kind, payload, table) for kind, payload, table in self._steps()]

    def _steps(self) -> list[tuple[str, Any, str]]:
        """Each action with the table name it applies to (rename_to changes it)."""
        steps, table = [], self.name
        for kind, payload in self.actions:
            steps.append((kind, payload, table))
            if kind == "rename_to":
                table = payload
        return steps

    def _in_place(self, kind: str, payload: Any, table: str) -> str:
        dialect = self.target.dialect
        head = f"ALTER TABLE {dialect.quote(table)} "
        if kind == "add_column":
            return head + "ADD COLUMN " + column_definition(payload, dialect, table)
        if kind == "drop_column":
            return head + f"DROP COLUMN {dialect.quote(payload)}"
        if kind == "rename_column":
            old, new = payload
            return head + f"RENAME COLUMN {dialect.quote(old)} TO {dialect.quote(new)}"
        if kind == "rename_to":
            return head + f"RENAME TO {dialect.quote(payload)}"
        if kind == "add_constraint":
            constraint: TableConstraint = payload
            return head + "ADD " + constraint.sql(dialect, table)
        if kind == "drop_constraint":
            return head + f"DROP CONSTRAINT {dialect.quote(payload)}"
        name, changes = payload
        return head + ", ".join(self._alter_column(name, c, table) for c in changes)

    def _alter_column(self, name: str, change: ColumnChange, table: str) -> str:
        dialect = self.target.dialect
        col = f"ALTER COLUMN {dialect.quote(name)} "
        if change.kind == "type":
            try:
                type_sql = dialect.type_sql(change.value)
            except DataTypeError as exc:
                raise DataTypeError(f"column {table}.{name}: {exc}") from None
            return col + f"TYPE {type_sql} USING {dialect.quote(name)}::{type_sql}"
        if change.kind == "default":
            return col + "SET DEFAULT " + default_sql(change.value, dialect, f"{table}.{name}")
        return (
            col
            + {
                "drop_default": "DROP DEFAULT",
                "set_not_null": "SET NOT NULL",
                "drop_not_null": "DROP NOT NULL",
            }[change.kind]
        )

    def execute(self) -> None:
        if self.target.dialect.name != "sqlite":
            return self._execute_in_place()
        self._check()
        from typedb.schema._fk_actions import paused
        from typedb.schema._rebuild import rebuild
        from typedb.schema._sqlite_catalog import check_foreign_key_targets
        from typedb.schema._transaction import schema_transaction

        db = self.target.database("AlterTable")
        with schema_transaction(db, keep_actions=False) as trx, paused(trx):
            pending: list[Action] = []
            pending_table = self.name
            for kind, payload, table in self._steps():
                if needs_rebuild(db.dialect, kind, payload):
                    pending.append((kind, payload))
                    pending_table = table
                    continue
                if pending:
                    rebuild(trx, pending_table, pending)
                    pending = []
                statement = self._in_place(kind, payload, table)
                if kind != "drop_column":
                    trx._run(statement)
                    continue
                # SQLite drops a column in place unless it is indexed, constrained or a key;
                # then the table is rebuilt without it, like PostgreSQL drops its indexes.
                try:
                    with trx.transaction() as savepoint:
                        savepoint._run(statement)
                except QueryError:
                    rebuild(trx, table, [(kind, payload)])
            if pending:
                rebuild(trx, pending_table, pending)
            # SQLite takes a foreign key to a missing table or column; PostgreSQL refuses it.
            final_name = next((p for k, p in reversed(self.actions) if k == "rename_to"), self.name)
            check_foreign_key_targets(trx, final_name)
        return None

    def _execute_in_place(self) -> None:
        """PostgreSQL: each statement in turn, in one transaction; a type change first
        checks that every value survives it (see _lossless)."""
        from typedb.schema._lossless import check_postgres

        statements = self._statements()
        with self.target.database("AlterTable").transaction() as trx:
            for (kind, payload, table), statement in zip(self._steps(), statements, strict=True):
                if kind == "alter_column":
                    name, changes = payload
                    for change in changes:
                        if change.kind == "type":
                            check_postgres(trx, table, name, change.value)
                trx._run(statement)


def needs_rebuild(dialect: Dialect, kind: str, payload: Any) -> bool:
    """Whether the table must be rebuilt for this action: the dialect cannot do it in place
    (`Dialect.alter_in_place`), or it is a column SQLite's ADD COLUMN refuses."""
    if kind not in dialect.alter_in_place:
        return True
    if kind == "add_column" and dialect.name == "sqlite":
        col: Column = payload
        default_ok = not col.has_default or not isinstance(col.default, Now | Fragment)
        return (
            col.primary_key
            or col.unique
            or not default_ok
            or (col.not_null and (not col.has_default or col.default is None))
            or (col.references is not None and col.has_default and col.default is not None)
        )
    # drop_column on SQLite is tried in place first; rebuild.py takes over if SQLite refuses.
    return False
