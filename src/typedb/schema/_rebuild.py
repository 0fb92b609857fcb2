"""SQLite table rebuilds: the generalized ALTER TABLE of https://sqlite.org/lang_altertable.html,
inside the caller's transaction: create the new table under a temporary name, copy the rows,
drop the old table, rename the new one, recreate indexes and triggers, check foreign keys.

With foreign keys enforced, dropping a table that others reference would run their ON DELETE
actions (and renaming rewrites their references whatever `legacy_alter_table` says), and
SQLite cannot switch enforcement inside a transaction. So such a rebuild runs inside
`db.schema.transaction()` (which migrations use), where enforcement is off and the whole
database is checked before COMMIT.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from typedb._errors import CompileError, QueryError
from typedb._sql import Fragment
from typedb.dialects._sqlite import portable_type
from typedb.schema._column import Column, ColumnChange
from typedb.schema._constraint import TableConstraint
from typedb.schema._render import (
    column_definition,
    default_sql,
    rowid_declared,
    type_check_clauses,
)
from typedb.schema._sqlite_catalog import check_foreign_key_targets
from typedb.schema._sqlite_ddl import (
    Clause,
    ColumnDef,
    TableDef,
    clause_key,
    mentions,
    names,
    parse_create_table,
    references_target,
    rowid_type,
    tokenize,
)
from typedb.schema._transaction import (
    ForeignKeysOnError,
    check_foreign_keys,
    referencing_tables,
)

if TYPE_CHECKING:
    from typedb.connection import Database


def rebuild(db: Database, table: str, actions: list[tuple[str, Any]]) -> None:
    rows, _ = db._run(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", [table]
    )
    if not rows:
        raise CompileError(f"cannot alter table {table!r}: no such table")
    definition = parse_create_table(rows[0]["sql"])
    _refuse_lossy_type_changes(db, table, definition, actions)
    dropped: list[str] = []
    for kind, payload in actions:
        definition = _apply(definition, table, kind, payload, dropped)
    _swap(db, table, definition, dropped)


def _refuse_lossy_type_changes(
    db: Database, table: str, live: TableDef, actions: list[tuple[str, Any]]
) -> None:
    """A rebuild copies stored values as they are: each must already be a value of the
    column's new type (see _lossless), checked before anything changes."""
    from typedb.schema._lossless import check_sqlite

    touched: set[str] = set()  # added or dropped in this rebuild: not the live column
    for kind, payload in actions:
        if kind in ("add_column", "drop_column"):
            touched.add((payload.name if kind == "add_column" else payload).lower())
        if kind != "alter_column" or payload[0].lower() in touched:
            continue
        name, changes = payload
        if live.column(name) is not None:
            for change in changes:
                if change.kind == "type":
                    check_sqlite(db, table, name, change.value)


def _apply(t: TableDef, table: str, kind: str, payload: Any, dropped: list[str]) -> TableDef:
    from typedb.dialects import SqliteDialect

    dialect = SqliteDialect()
    if kind == "add_column":
        col: Column = payload
        if t.column(col.name) is not None:
            raise CompileError(f"table {table}: column {col.name!r} already exists")
        added = parse_create_table(f"CREATE TABLE x ({column_definition(col, dialect, table)})")
        return replace(t, columns=(*t.columns, *added.columns))
    if kind == "drop_column":
        _column(t, table, payload)
        if len(t.columns) == 1:
            raise CompileError(f"table {table}: cannot drop {payload!r}, its only column")
        dropped.append(payload)
        # Like PostgreSQL, constraints involving the column go with it, a CHECK written on
        # another column included (PostgreSQL stores those as table constraints).
        return replace(
            t,
            columns=tuple(
                replace(c, clauses=tuple(k for k in c.clauses if not _check_mentions(k, payload)))
                for c in t.columns
                if c.name.lower() != payload.lower()
            ),
            constraints=tuple(c for c in t.constraints if not c.mentions(payload)),
        )
    if kind == "alter_column":
        name, changes = payload
        column = _column(t, table, name)
        for change in changes:
            column = _change(column, change, table)
        return replace(t, columns=tuple(column if c.name == column.name else c for c in t.columns))
    if kind == "add_constraint":
        constraint: TableConstraint = payload
        if _has_constraint(t, constraint.name):
            raise CompileError(f"table {table}: constraint {constraint.name!r} already exists")
        added = parse_create_table(f"CREATE TABLE x (a, {constraint.sql(dialect, table)})")
        return replace(t, constraints=(*t.constraints, *added.constraints))
    if kind == "drop_constraint":
        return _drop_constraint(t, table, payload)
    if kind == "drop_references_to":
        return _drop_references_to(t, payload)
    raise AssertionError(kind)


def _drop_references_to(t: TableDef, parent: str) -> TableDef:
    """`t` without its foreign keys to `parent` (what DROP TABLE parent CASCADE does to it)."""

    def points_there(text: str) -> bool:
        return (references_target(text) or "").lower() == parent.lower()

    columns = tuple(
        replace(
            c,
            clauses=tuple(
                k for k in c.clauses if not (k.kind == "REFERENCES" and points_there(k.text))
            ),
        )
        for c in t.columns
    )
    constraints = tuple(
        c for c in t.constraints if not (c.kind == "FOREIGN KEY" and points_there(c.text))
    )
    return replace(t, columns=columns, constraints=constraints)


def _check_mentions(clause: Clause, column: str) -> bool:
    return clause.kind == "CHECK" and mentions(clause.text, column)


def _column(t: TableDef, table: str, name: str) -> ColumnDef:
    column = t.column(name)
    if column is None:
        raise CompileError(f"table {table} has no column {name!r}")
    return column


def _change(column: ColumnDef, change: ColumnChange, table: str) -> ColumnDef:
    from typedb.dialects import SqliteDialect

    dialect = SqliteDialect()
    where = f"{table}.{column.name}"
    if change.kind == "type":
        return _retype(column, change.value, table)
    if change.kind == "default":
        clause = Clause("DEFAULT", "DEFAULT " + default_sql(change.value, dialect, where))
        return replace(
            column.without("DEFAULT"), clauses=(*column.without("DEFAULT").clauses, clause)
        )
    if change.kind == "drop_default":
        return column.without("DEFAULT")
    if change.kind == "set_not_null":
        if column.has("NOT NULL"):
            return column
        base = column.without("NULL")
        return replace(base, clauses=(Clause("NOT NULL", "NOT NULL"), *base.clauses))
    if change.kind == "drop_not_null":
        if column.has("PRIMARY KEY"):
            raise CompileError(f"column {where} is a primary key; it cannot become nullable")
        return column.without("NOT NULL")
    raise AssertionError(change.kind)


def _retype(column: ColumnDef, data_type: str | Fragment, table: str) -> ColumnDef:
    """The column with a new type, written by the shared column rendering, so that what a
    type brings along (such as a CHECK that enforces varchar(n)) goes and comes with it."""
    if _auto_increments(column) and _integer_type(data_type):
        return _retype_key(column, data_type)
    new = _bare(column.name, data_type, table)
    stale = _type_clauses(column, table)
    kept = tuple(c for c in column.clauses if _key(c) not in stale)
    return replace(column, type_text=new.type_text, clauses=(*kept, *new.clauses))


def _auto_increments(column: ColumnDef) -> bool:
    """INTEGER PRIMARY KEY AUTOINCREMENT: what typedb writes for an auto-increment key."""
    return column.type_text.upper() == "INTEGER" and any(
        c.kind == "PRIMARY KEY" and "AUTOINCREMENT" in c.text.upper() for c in column.clauses
    )


def _integer_type(data_type: str | Fragment) -> bool:
    return portable_type(data_type) in _INTEGER_TYPES if isinstance(data_type, str) else False


_INTEGER_TYPES = frozenset({"integer", "bigint", "smallint"})


def _retype_key(column: ColumnDef, data_type: str | Fragment) -> ColumnDef:
    """An auto-increment key with a new integer type: still INTEGER (only that
    auto-increments on SQLite), with the CHECK that says a bigint (see rowid_type) dropped or
    added. Written BIGINT it was refused ("AUTOINCREMENT is only allowed on an INTEGER
    PRIMARY KEY")."""
    from typedb.dialects import SqliteDialect

    dialect = SqliteDialect()
    old = rowid_type(column)
    stale = {clause_key(c) for c in type_check_clauses(column.name, old, dialect)}
    kept = tuple(c for c in column.clauses if c.kind != "CHECK" or clause_key(c.text) not in stale)
    new = rowid_declared(data_type)
    added = (
        ()
        if new is None
        else tuple(Clause("CHECK", c) for c in type_check_clauses(column.name, new, dialect))
    )
    return replace(column, clauses=(*kept, *added))


def _type_clauses(column: ColumnDef, table: str) -> set[tuple[str, ...]]:
    """The clauses (as `_key`s) that the column's type brought along: its type CHECK."""
    old_type = portable_type(column.type_text)
    if old_type is None:
        return set()
    return {_key(c) for c in _bare(column.name, old_type, table).clauses}


def _bare(name: str, data_type: str | Fragment, table: str) -> ColumnDef:
    from typedb.dialects import SqliteDialect

    sql = column_definition(Column(name, data_type), SqliteDialect(), table)
    return parse_create_table(f"CREATE TABLE x ({sql})").columns[0]


def _key(clause: Clause) -> tuple[str, ...]:
    """A clause (with its name) as tokens, identifiers unquoted: the same whatever quoting
    wrote it."""
    return tuple(
        t.name.lower() if t.kind in ("word", "ident") else t.text for t in tokenize(clause.sql())
    )


def _has_constraint(t: TableDef, name: str) -> bool:
    lowered = name.lower()
    named = [c.name for c in t.constraints] + [cl.name for col in t.columns for cl in col.clauses]
    return any((n or "").lower() == lowered for n in named)


_SUFFIX = {"UNIQUE": "key", "REFERENCES": "fkey", "FOREIGN KEY": "fkey", "CHECK": "check"}


def implicit_name(kind: str, table: str, columns: tuple[str, ...]) -> str:
    """PostgreSQL's name for an unnamed constraint, so that drop_constraint() takes the same
    name on both backends: items_pkey, items_email_key, items_user_id_fkey, items_price_check."""
    if kind == "PRIMARY KEY":
        return f"{table}_pkey"
    if kind not in _SUFFIX:
        return ""
    return "_".join((table, *columns, _SUFFIX[kind]))


def _drop_constraint(t: TableDef, table: str, name: str) -> TableDef:
    target = name.lower()

    def is_it(own: str | None, implicit: str) -> bool:
        return (own or implicit).lower() == target

    constraints = tuple(
        c for c in t.constraints if not is_it(c.name, implicit_name(c.kind, table, c.columns))
    )

    def kept(col: ColumnDef) -> tuple[Clause, ...]:
        # The type CHECK shares PostgreSQL's implicit name of a CHECK on the column
        # (items_price_check) but is no constraint of the developer's: it stays, or the column
        # would take any value again.
        typed = _type_clauses(col, table)
        return tuple(
            c
            for c in col.clauses
            if _key(c) in typed or not is_it(c.name, implicit_name(c.kind, table, (col.name,)))
        )

    columns = tuple(replace(col, clauses=kept(col)) for col in t.columns)
    if constraints == t.constraints and columns == t.columns:
        raise CompileError(f"table {table} has no constraint named {name!r}")
    return replace(t, columns=columns, constraints=constraints)


def _swap(db: Database, table: str, new: TableDef, dropped: list[str]) -> None:
    """Replace `table` with `new`, keeping rows, indexes, triggers, views and foreign keys."""
    q = db.dialect.quote
    if db._run("PRAGMA foreign_keys")[0][0]["foreign_keys"]:
        children = referencing_tables(db, table)
        if children:
            raise ForeignKeysOnError(
                f"table {table} must be rebuilt on SQLite, and {', '.join(children)} "
                "reference(s) it: that needs foreign keys off, which SQLite cannot switch inside "
                "a transaction. Run the change outside a transaction, inside "
                "db.schema.transaction(), or in a migration (migrations do this)"
            )
    temp = f"_typedb_new_{uuid.uuid4().hex[:12]}"
    indexes, _ = db._run(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE "
        "AND sql IS NOT NULL ORDER BY rowid",
        [table],
    )
    dependents = _dependents(db, table)
    _refuse_broken_triggers(dependents, table, dropped)
    creates = [d.create(table) for d in dependents]  # refuses before anything changes
    old_info = db._run(f"PRAGMA table_info({q(table)})")[0]
    old_columns = [r["name"] for r in old_info]
    was_date = {r["name"].lower() for r in old_info if portable_type(r["type"]) == "date"}
    new_columns = {c.name.lower() for c in new.columns}
    copied = [c for c in old_columns if c.lower() in new_columns]
    cols = ", ".join(q(c) for c in copied)
    # A timestamp at midnight becomes that date, as PostgreSQL converts it (_lossless has
    # refused any other time of day); everything else is copied as stored.
    dated = {c.name.lower() for c in new.columns if portable_type(c.type_text) == "date"} - was_date
    values = ", ".join(
        f"CASE WHEN typeof({q(c)}) = 'text' THEN substr({q(c)}, 1, 10) ELSE {q(c)} END"
        if c.lower() in dated
        else q(c)
        for c in copied
    )
    sequence = _sequence(db, table)
    try:
        with db.transaction() as trx:
            # Views and triggers reading the table fail the DROP/RENAME (SQLite re-checks
            # them): drop them first and recreate them after, as the SQLite manual says.
            for dependent in reversed(dependents):
                trx._run(dependent.drop(q))
            trx._run(new.sql(temp))
            trx._run(f"INSERT INTO {q(temp)} ({cols}) SELECT {values} FROM {q(table)}")
            trx._run(f"DROP TABLE {q(table)}")
            trx._run(f"ALTER TABLE {q(temp)} RENAME TO {q(table)}")
            for index in indexes:
                if any(mentions(index["sql"], c) for c in dropped):
                    continue  # like PostgreSQL: dropping a column drops its indexes
                trx._run(index["sql"])
            for create in creates:
                trx._run(create)
            for dependent in dependents:
                if dependent.type == "view":
                    # SQLite checks a view's columns only when it runs: make it fail here,
                    # as PostgreSQL refuses to drop a column a view uses.
                    trx._run(f"SELECT * FROM {dependent.schema}.{q(dependent.name)} LIMIT 0")
            if sequence is not None:
                trx._run(
                    "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                    [sequence, table],
                )
            check_foreign_key_targets(trx, table)
            check_foreign_keys(trx, table)
    except QueryError as exc:
        raise type(exc)(f"rebuilding table {table} on SQLite: {exc}", exc.sql) from exc


@dataclass(frozen=True, slots=True)
class _Dependent:
    """A view or trigger that reads the rebuilt table, or is defined on it."""

    schema: str  # main or temp
    type: str  # view or trigger
    name: str
    on: str  # the table or view a trigger is defined on; a view's own name
    sql: str

    def drop(self, q: Callable[[str], str]) -> str:
        # IF EXISTS: dropping a view has already dropped the triggers defined on it.
        return f"DROP {self.type.upper()} IF EXISTS {self.schema}.{q(self.name)}"

    def create(self, table: str) -> str:
        if self.schema == "main":
            return self.sql
        # sqlite_temp_master keeps the statement without its TEMP: put it back.
        tokens = tokenize(self.sql)
        if len(tokens) > 1 and tokens[0].upper == "CREATE":
            if tokens[1].upper in ("TEMP", "TEMPORARY"):
                return self.sql
            if tokens[1].upper in ("VIEW", "TRIGGER"):
                at = tokens[1].start
                return f"{self.sql[:at]}TEMP {self.sql[at:]}"
        raise CompileError(
            f"table {table} must be rebuilt on SQLite, and temporary {self.type} {self.name} "
            "uses it: typedb cannot recreate it from its definition; drop it first"
        )


def _dependents(db: Database, table: str) -> list[_Dependent]:
    """The views and triggers that must be dropped for the rebuild and recreated after, in
    the order they were created: the table's own triggers (temporary ones included), and,
    transitively, every view and trigger whose SQL names the table or such a view."""
    objects = [
        _Dependent(schema, r["type"], r["name"], r["tbl_name"], r["sql"])
        for schema, master in (("main", "sqlite_master"), ("temp", "sqlite_temp_master"))
        for r in db._run(
            f"SELECT type, name, tbl_name, sql FROM {master} "
            "WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
        )[0]
    ]
    read = {table.lower()}
    found: set[int] = set()
    grew = True
    while grew:
        grew = False
        for i, obj in enumerate(objects):
            if i in found or not (obj.on.lower() in read or names(obj.sql) & read):
                continue
            found.add(i)
            if obj.type == "view":
                read.add(obj.name.lower())
                grew = True
    return [obj for i, obj in enumerate(objects) if i in found]


def _refuse_broken_triggers(dependents: list[_Dependent], table: str, dropped: list[str]) -> None:
    """SQLite's own DROP COLUMN refuses a column a trigger uses (PostgreSQL too, for one in
    UPDATE OF or WHEN); kept, the trigger would break the next write with "no such column"."""
    for dependent in dependents:
        if dependent.type != "trigger":
            continue
        for column in dropped:
            if mentions(dependent.sql, column):
                raise CompileError(
                    f"cannot drop column {column} of table {table}: trigger {dependent.name} "
                    f"(on {dependent.on}) uses it; drop or change the trigger first"
                )


def _sequence(db: Database, table: str) -> int | None:
    """The AUTOINCREMENT high-water mark, so a rebuilt table never reuses an id."""
    if not db._run("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")[0]:
        return None
    rows = db._run("SELECT seq FROM sqlite_sequence WHERE name = ?", [table])[0]
    return int(rows[0]["seq"]) if rows else None
