"""The rules of `migration:lint`: which recorded statements destroy data, break code that is
still running, or hold a lock on a table with rows for as long as the statement takes.

Chosen from squawk's PostgreSQL rules and the "safe migrations" advice of Kysera, kept to
what matters for typedb's two backends. Unlike a linter of SQL text alone, this one knows
the live database: a statement on a table created earlier in the same run is never a
finding (nobody uses that table yet), and the rules about locks only fire on a table that
has rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from typedb.migrator._lint_sql import IDENT, QNAME, Ddl, mask, name, parse, recorded_sql

#: Every rule, with what it guards against (README and the unknown-rule error list them).
RULES: dict[str, str] = {
    "drop-table": "drops a table and its rows",
    "drop-column": "drops a column and its data; running code that reads it fails",
    "delete-all-rows": "deletes every row of an existing table (TRUNCATE, or DELETE without WHERE)",
    "rename-table": "renames a table; running code that uses the old name fails",
    "rename-column": "renames a column; running code that uses the old name fails",
    "column-type-change": "changes a column's type: the table is rewritten under an exclusive "
    "lock and running code may read values it does not expect",
    "table-rebuild": "SQLite rebuild: the table is copied into a new one while the database "
    "is locked for writes",
    "add-required-column": "adds a NOT NULL column without a default: running code that "
    "inserts without it fails (and on a table with rows the migration itself fails)",
    "add-column-rewrite": "adds a column whose default is computed per row (volatile "
    "function, serial, identity or stored generated column): PostgreSQL rewrites the table "
    "under an exclusive lock",
    "set-not-null": "sets NOT NULL on a table with rows: every row is read under an exclusive lock",
    "index-not-concurrent": "creates an index on a PostgreSQL table with rows without "
    "CONCURRENTLY: writes wait until the index is built",
    "add-unique": "adds a UNIQUE or PRIMARY KEY constraint on a PostgreSQL table with rows: "
    "its index is built under an exclusive lock",
    "add-foreign-key": "adds a foreign key without NOT VALID on a PostgreSQL table with rows: "
    "every row is checked while writes to both tables wait",
    "add-check": "adds a CHECK without NOT VALID on a PostgreSQL table with rows: every row is "
    "checked under an exclusive lock",
}

#: How to do it safely instead, where there is a way.
ADVICE: dict[str, str] = {
    "drop-table": "stop using the table in a release first",
    "drop-column": "stop reading the column in a release first",
    "delete-all-rows": "delete only the rows meant (a WHERE), or acknowledge it in lint_ignore",
    "rename-table": "add the new table, copy, switch the code, then drop the old one",
    "rename-column": "add the new column, backfill, switch the code, then drop the old one",
    "column-type-change": "add a column of the new type, backfill it, switch the code",
    "table-rebuild": "fine on a small table; on a big one schedule a quiet moment",
    "add-required-column": "add it nullable or with a default, backfill, then set NOT NULL",
    "add-column-rewrite": "add it without the default, then backfill in batches",
    "set-not-null": "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL",
    "index-not-concurrent": "CREATE INDEX CONCURRENTLY in a migration with transaction = False",
    "add-unique": "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
    "add-foreign-key": "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration",
    "add-check": "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration",
}


@dataclass(frozen=True, slots=True)
class LiveColumn:
    name: str
    type: str
    not_null: bool
    has_default: bool = False


class Facts(Protocol):
    """What the linter asks the live database (as it is before the pending migrations)."""

    dialect: str

    def exists(self, table: str) -> bool: ...
    def has_rows(self, table: str) -> bool: ...
    def columns(self, table: str) -> dict[str, LiveColumn]: ...


@dataclass(frozen=True, slots=True)
class Hit:
    """One finding inside one migration: `index` orders it among the migration's statements."""

    index: int
    rule: str
    target: str
    statement: str
    detail: str = ""


_RENAME_TO = re.compile(rf"^RENAME\s+TO\s+({QNAME})$", re.IGNORECASE)
_RENAME_COLUMN = re.compile(
    rf"^RENAME\s+(?:COLUMN\s+)?(?!CONSTRAINT\b)({IDENT})\s+TO\s+({IDENT})$", re.IGNORECASE
)
_DROP_COLUMN = re.compile(
    rf"^DROP\s+(?:COLUMN\s+)?(?!CONSTRAINT\b)(?:IF\s+EXISTS\s+)?({IDENT})", re.IGNORECASE
)
_ADD = re.compile(r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(.+)$", re.IGNORECASE)
_CONSTRAINT = re.compile(
    rf"^(?:CONSTRAINT\s+{IDENT}\s+)?(PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY|CHECK|EXCLUDE)\b",
    re.IGNORECASE,
)
_ALTER_TYPE = re.compile(
    rf"^ALTER\s+(?:COLUMN\s+)?({IDENT})\s+(?:SET\s+DATA\s+)?TYPE\s+(.+?)"
    r"(?:\s+COLLATE\s+.+?)?(?:\s+USING\s+.+)?$",
    re.IGNORECASE,
)
_SET_NOT_NULL = re.compile(rf"^ALTER\s+(?:COLUMN\s+)?({IDENT})\s+SET\s+NOT\s+NULL$", re.IGNORECASE)
_VOLATILE = re.compile(
    r"\bDEFAULT\b.*\b(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|"
    r"nextval|txid_current)\s*\(|\b(small|big)?serial\b|\bGENERATED\b",
    re.IGNORECASE,
)


def _word(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


_TYPE_ALIASES = {
    "varchar": "character varying",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "decimal": "numeric",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
}


def _pg_type(text: str) -> str:
    t = re.sub(r"\s+", " ", text.strip().strip('"').lower())
    t = re.sub(r"\s*([(),])\s*", r"\1", t)
    m = re.fullmatch(r"([a-z0-9_ ]+?)(\(.*\))?", t)
    if not m:
        return t
    return _TYPE_ALIASES.get(m.group(1), m.group(1)) + (m.group(2) or "")


def rewrites(old: str, new: str) -> bool:
    """Whether PostgreSQL rewrites the table to change a column from `old` to `new` (both as
    `format_type` or a statement spells them). The binary-compatible widenings do not.

    >>> rewrites("character varying(50)", "TEXT"), rewrites("integer", "BIGINT")
    (False, True)
    """
    old, new = _pg_type(old), _pg_type(new)
    if old == new:
        return False
    varchar = re.compile(r"character varying(?:\((\d+)\))?")
    if (o := varchar.fullmatch(old)) is not None:
        if new == "text":
            return False
        if (n := varchar.fullmatch(new)) is not None:
            return not (n.group(1) is None or (o.group(1) and int(n.group(1)) >= int(o.group(1))))
    if old == "text" and new == "character varying":
        return False
    numeric = re.compile(r"numeric(?:\((\d+),?(\d+)?\))?")
    if (o := numeric.fullmatch(old)) is not None and (n := numeric.fullmatch(new)) is not None:
        if n.group(1) is None:
            return False
        same_scale = (o.group(2) or "0") == (n.group(2) or "0")
        return not (o.group(1) and same_scale and int(n.group(1)) >= int(o.group(1)))
    return True


def _declared_columns(create_sql: str) -> dict[str, LiveColumn]:
    """The columns a SQLite CREATE TABLE statement declares, read by SQLite itself."""
    with sqlite3.connect(":memory:") as memory:
        try:
            memory.execute(create_sql)
        except sqlite3.Error:
            return {}
        table = memory.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()
        quoted = '"' + str(table[0]).replace('"', '""') + '"'
        rows = memory.execute(f"PRAGMA table_info({quoted})").fetchall()
    memory.close()
    # table_info: cid, name, type, notnull, dflt_value, pk
    return {
        str(r[1]).lower(): LiveColumn(str(r[1]), str(r[2]), bool(r[3]), r[4] is not None or r[5])
        for r in rows
    }


@dataclass
class _Step:
    """What one migration did so far, for patterns that span statements (rebuilds)."""

    hits: list[Hit] = field(default_factory=list)
    dropped: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # name -> idx, sql, live
    renamed: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # new -> idx, sql, old
    created: set[str] = field(default_factory=set)


class Linter:
    """Walks the statements of the pending migrations in order, keeping track of which
    table each name stands for: a live one (by its name before the run) or one this run
    created (whose rows come only from this run's INSERTs)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.fold = facts.dialect == "sqlite"
        self.pg = facts.dialect == "postgresql"
        self._origin: dict[str, str | None] = {}
        self._filled: set[str] = set()
        self._columns: dict[str, dict[str, LiveColumn]] = {}
        self._created_sql: dict[str, str] = {}

    # -- the state of the run ---------------------------------------------------------------

    def origin(self, table: str) -> str | None:
        """The live table `table` names now, or None for one this run created (or dropped)."""
        if table not in self._origin:
            self._origin[table] = table if self.facts.exists(table) else None
        return self._origin[table]

    def has_rows(self, table: str) -> bool:
        live = self.origin(table)
        return self.facts.has_rows(live) if live is not None else table in self._filled

    def columns(self, table: str) -> dict[str, LiveColumn]:
        if table not in self._columns:
            live = self.origin(table)
            found = self.facts.columns(live) if live is not None else {}
            self._columns[table] = {k.lower(): v for k, v in found.items()}
        return self._columns[table]

    def _move(self, old: str, new: str) -> None:
        self._origin[new] = self.origin(old)
        self._origin[old] = None
        if old in self._filled:
            self._filled.add(new)
        if old in self._columns:
            self._columns[new] = self._columns.pop(old)
        if old in self._created_sql:
            self._created_sql[new] = self._created_sql.pop(old)

    # -- one migration ----------------------------------------------------------------------

    def migration(self, statements: Iterable[str]) -> list[Hit]:
        step = _Step()
        for index, line in enumerate(statements):
            sql = recorded_sql(line)
            for ddl in parse(mask(sql), self.fold):
                self._statement(step, index, sql, ddl)
        for table, (index, sql, _live) in step.dropped.items():
            step.hits.append(Hit(index, "drop-table", table, sql))
        for new, (index, sql, old) in step.renamed.items():
            step.hits.append(Hit(index, "rename-table", f"{old} -> {new}", sql))
        return sorted(step.hits, key=lambda hit: hit.index)

    def _statement(self, step: _Step, index: int, sql: str, ddl: Ddl) -> None:
        table = ddl.table
        if ddl.kind == "create-table":
            self._origin[table] = None
            self._filled.discard(table)
            self._columns.pop(table, None)
            self._created_sql[table] = sql
            step.created.add(table)
        elif ddl.kind == "insert":
            if self.origin(table) is None and (not ddl.source or self.has_rows(ddl.source)):
                self._filled.add(table)
        elif ddl.kind == "drop-table":
            self._drop(step, index, sql, table)
        elif ddl.kind == "create-index":
            if (
                self.pg
                and not ddl.concurrently
                and self.origin(table) is not None
                and self.has_rows(table)
            ):
                step.hits.append(Hit(index, "index-not-concurrent", table, sql))
        elif ddl.kind == "delete-all":
            # Like drop-table, whether or not the table has rows here: production's has.
            if self.origin(table) is not None:
                step.hits.append(Hit(index, "delete-all-rows", table, sql))
        elif ddl.kind == "alter":
            self._alter(step, index, sql, table, ddl.action)

    def _drop(self, step: _Step, index: int, sql: str, table: str) -> None:
        live = self.origin(table)
        renamed = step.renamed.get(table)
        if renamed is not None and renamed[2] in step.created:
            # Rename the live table away, create its successor under the old name, copy,
            # drop the renamed one: the other way to write a rebuild.
            del step.renamed[table]
            successor = renamed[2]
            self._origin[successor] = live
            self._columns[successor] = self.columns(table)
            self._forget(table)
            self._rebuilt(step, index, self._created_sql.get(successor, sql), successor)
            return
        if live is not None:
            # Its columns are kept: a rebuild's successor takes them over (see _rename).
            self._origin[table] = None
            step.dropped[table] = (index, sql, live)
        else:
            self._forget(table)

    def _forget(self, table: str) -> None:
        self._origin[table] = None
        self._filled.discard(table)
        self._columns.pop(table, None)

    def _rename(self, step: _Step, index: int, sql: str, old: str, new: str) -> None:
        if self.origin(old) is None:
            # A table this run created takes the name of a live one it just dropped: the
            # create, copy, drop, rename of a rebuild.
            dropped = step.dropped.pop(new, None)
            if dropped is not None:
                self._move(old, new)
                self._origin[new] = dropped[2]
                self._rebuilt(step, index, self._created_sql.get(new, sql), new)
            else:
                self._move(old, new)
            return
        self._move(old, new)
        step.renamed[new] = (index, sql, old)

    def _rebuilt(self, step: _Step, index: int, create_sql: str, table: str) -> None:
        """`table` (live) was replaced by a copy declared by `create_sql`: the rebuild is a
        finding, and so is each column it drops, retypes or makes NOT NULL."""
        step.hits.append(Hit(index, "table-rebuild", table, create_sql))
        if not self.fold:
            return
        before = self.columns(table)
        after = _declared_columns(create_sql)
        if not after:
            return
        for key, old in before.items():
            target = f"{table}.{old.name}"
            new = after.get(key)
            if new is None:
                step.hits.append(Hit(index, "drop-column", target, create_sql))
                continue
            if old.type.upper() != new.type.upper():
                detail = f"{old.type or 'no type'} -> {new.type or 'no type'}"
                step.hits.append(Hit(index, "column-type-change", target, create_sql, detail))
            if new.not_null and not old.not_null and self.has_rows(table):
                step.hits.append(Hit(index, "set-not-null", target, create_sql))
        for key, column in after.items():
            if key not in before and column.not_null and not column.has_default:
                step.hits.append(
                    Hit(index, "add-required-column", f"{table}.{column.name}", create_sql)
                )
        self._columns[table] = after

    def _alter(self, step: _Step, index: int, sql: str, table: str, action: str) -> None:
        if m := _RENAME_TO.match(action):
            self._rename(step, index, sql, table, name(m.group(1), self.fold))
            return
        live = self.origin(table)
        if m := _RENAME_COLUMN.match(action):
            old, new = name(m.group(1), self.fold), name(m.group(2), self.fold)
            if live is not None:
                step.hits.append(Hit(index, "rename-column", f"{table}.{old} -> {new}", sql))
            cols = self._columns.get(table)
            if cols is not None and old.lower() in cols:
                cols[new.lower()] = cols.pop(old.lower())
            return
        if m := _DROP_COLUMN.match(action):
            column = name(m.group(1), self.fold)
            if live is not None:
                step.hits.append(Hit(index, "drop-column", f"{table}.{column}", sql))
            self._columns.get(table, {}).pop(column.lower(), None)
            return
        if live is None:
            return  # the rest only matters on a table somebody already uses
        if m := _ADD.match(action):
            self._add(step, index, sql, table, m.group(1))
        elif m := _ALTER_TYPE.match(action):
            column = name(m.group(1), self.fold)
            before = self.columns(table).get(column.lower())
            if before is None or rewrites(before.type, m.group(2)):
                detail = f"{before.type if before else '?'} -> {m.group(2)}"
                step.hits.append(Hit(index, "column-type-change", f"{table}.{column}", sql, detail))
            if before is not None:
                self._columns[table][column.lower()] = LiveColumn(
                    before.name, m.group(2), before.not_null
                )
        elif (m := _SET_NOT_NULL.match(action)) and self.has_rows(table):
            column = name(m.group(1), self.fold)
            step.hits.append(Hit(index, "set-not-null", f"{table}.{column}", sql))

    def _add(self, step: _Step, index: int, sql: str, table: str, what: str) -> None:
        if m := _CONSTRAINT.match(what):
            if not self.pg or not self.has_rows(table):
                return
            kind = m.group(1).upper()
            if kind.startswith(("PRIMARY", "UNIQUE")):
                if not _word(r"\bUSING\s+INDEX\b", what):
                    step.hits.append(Hit(index, "add-unique", table, sql))
            elif kind.startswith("FOREIGN"):
                if not _word(r"\bNOT\s+VALID\b", what):
                    step.hits.append(Hit(index, "add-foreign-key", table, sql))
            elif kind == "CHECK" and not _word(r"\bNOT\s+VALID\b", what):
                step.hits.append(Hit(index, "add-check", table, sql))
            return
        column_match = re.match(rf"({IDENT})\s*(.*)$", what, re.DOTALL)
        if column_match is None:
            return
        column = name(column_match.group(1), self.fold)
        definition = column_match.group(2)
        target = f"{table}.{column}"
        computed = _VOLATILE.search(definition)
        if (
            _word(r"\bNOT\s+NULL\b", definition)
            and not _word(r"\bDEFAULT\b", definition)
            and computed is None
        ):
            step.hits.append(Hit(index, "add-required-column", target, sql))
        if self.pg and computed is not None and self.has_rows(table):
            step.hits.append(Hit(index, "add-column-rewrite", target, sql))
