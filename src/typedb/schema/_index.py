from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.schema._constraint import names
from typedb.schema._ddl import Statement, Target
from typedb.schema._render import expression, literal

_WHERE_OPS = ("=", "!=", "<>", "<", "<=", ">", ">=", "is", "is not")


@dataclass(frozen=True, slots=True)
class CreateIndex(Statement):
    """`CREATE INDEX`; `where(...)` makes it partial.

    >>> from typedb.dialects import SqliteDialect
    >>> from typedb.schema import SchemaBuilder
    >>> print(SchemaBuilder(SqliteDialect()).create_index("items_live_name").on("items")
    ...     .columns(["name", "created_at desc"]).unique().where("deleted_at", "is", None)
    ...     .compile().sql)
    CREATE UNIQUE INDEX `items_live_name` ON `items` (`name`, `created_at` DESC) WHERE `deleted_at` IS NULL
    """

    target: Target
    name: str
    table: str | None = None
    column_names: tuple[str, ...] = ()
    unique_flag: bool = False
    if_not_exists_flag: bool = False
    predicate: str | None = None

    def on(self, table: str) -> Self:
        return replace(self, table=table)

    def columns(self, columns: Sequence[str]) -> Self:
        """Column names, each optionally followed by `asc` or `desc`."""
        return replace(self, column_names=names(columns, f"index {self.name}"))

    def column(self, column: str) -> Self:
        return replace(self, column_names=(*self.column_names, column))

    def unique(self) -> Self:
        return replace(self, unique_flag=True)

    def if_not_exists(self) -> Self:
        return replace(self, if_not_exists_flag=True)

    def where(self, left: str | Fragment, op: str | None = None, value: Any = None) -> Self:
        """A partial index: `where("deleted_at", "is", None)` or `where(typedb.sql("..."))`.
        DDL cannot bind parameters, so the value is written as a quoted literal."""
        if op is None:
            return replace(self, predicate=expression(left))
        if isinstance(left, Fragment) or op.lower() not in _WHERE_OPS:
            raise CompileError(
                f"index {self.name}: where(column, op, value) takes an op in {', '.join(_WHERE_OPS)}"
            )
        dialect = self.target.dialect
        sql = f"{dialect.quote(left)} {op.upper()} {literal(value, dialect, f'index {self.name}')}"
        return replace(self, predicate=sql)

    def _statements(self) -> list[str]:
        dialect = self.target.dialect
        if self.table is None:
            raise CompileError(f"index {self.name}: on(table) is missing")
        if not self.column_names:
            raise CompileError(f"index {self.name}: columns([...]) is missing")
        cols = []
        for spec in self.column_names:
            name, _, order = spec.strip().rpartition(" ")
            if order.lower() in ("asc", "desc") and name:
                cols.append(f"{dialect.quote(name.strip())} {order.upper()}")
            else:
                cols.append(dialect.quote(spec))
        head = "CREATE UNIQUE INDEX" if self.unique_flag else "CREATE INDEX"
        if self.if_not_exists_flag:
            head += " IF NOT EXISTS"
        sql = (
            f"{head} {dialect.quote(self.name)} ON {dialect.quote(self.table)} ({', '.join(cols)})"
        )
        if self.predicate is not None:
            sql += f" WHERE {self.predicate}"
        return [sql]


@dataclass(frozen=True, slots=True)
class DropIndex(Statement):
    """`DROP INDEX`.

    >>> from typedb.dialects import PostgresDialect
    >>> from typedb.schema import SchemaBuilder
    >>> SchemaBuilder(PostgresDialect()).drop_index("items_name").if_exists().compile().sql
    'DROP INDEX IF EXISTS "items_name"'
    """

    target: Target
    name: str
    if_exists_flag: bool = False

    def if_exists(self) -> Self:
        return replace(self, if_exists_flag=True)

    def _statements(self) -> list[str]:
        head = "DROP INDEX IF EXISTS" if self.if_exists_flag else "DROP INDEX"
        return [f"{head} {self.target.dialect.quote(self.name)}"]
