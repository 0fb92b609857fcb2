"""What SQLite does not check at DDL time and PostgreSQL does: which foreign keys point at a
table, whether a foreign key's target exists, which views a dropped table breaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from typedb._errors import QueryError
from typedb.schema._sqlite_ddl import parse_create_table, references_target

if TYPE_CHECKING:
    from typedb.connection import Database


@dataclass(frozen=True, slots=True)
class ForeignKeyRef:
    """A foreign key of `table` that points at another table, under PostgreSQL's name for it."""

    table: str
    constraint: str


def table_sql(db: Database, table: str) -> str | None:
    rows = db._run(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", [table]
    )[0]
    return str(rows[0]["sql"]) if rows else None


def foreign_keys_to(db: Database, parent: str) -> list[ForeignKeyRef]:
    """The foreign keys of other tables that reference `parent` (its own are left out)."""
    found: list[ForeignKeyRef] = []
    q = db.dialect.quote
    for row in db._run(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' "
        "ORDER BY rowid"
    )[0]:
        child = str(row["name"])
        if child.lower() == parent.lower():
            continue
        refs = db._run(f"PRAGMA foreign_key_list({q(child)})")[0]
        if not any(str(r["table"]).lower() == parent.lower() for r in refs):
            continue
        for name in _constraint_names(str(row["sql"]), child, parent):
            found.append(ForeignKeyRef(child, name))
    return found


def _constraint_names(sql: str, child: str, parent: str) -> list[str]:
    from typedb.schema._rebuild import implicit_name

    definition = parse_create_table(sql)
    names = [
        clause.name or implicit_name("REFERENCES", child, (column.name,))
        for column in definition.columns
        for clause in column.clauses
        if clause.kind == "REFERENCES" and _same(references_target(clause.text), parent)
    ]
    names += [
        c.name or implicit_name("FOREIGN KEY", child, c.columns)
        for c in definition.constraints
        if c.kind == "FOREIGN KEY" and _same(references_target(c.text), parent)
    ]
    return names


def _same(name: str | None, other: str) -> bool:
    return name is not None and name.lower() == other.lower()


def check_foreign_key_targets(db: Database, table: str) -> None:
    """Refuse, as PostgreSQL does at DDL time, a foreign key of `table` whose target table or
    columns do not exist, or are not its primary key or a unique key: SQLite accepts them
    and then fails every insert ("no such table", "foreign key mismatch")."""
    q = db.dialect.quote
    by_id: dict[int, list[dict[str, object]]] = {}
    for r in db._run(f"PRAGMA foreign_key_list({q(table)})")[0]:
        by_id.setdefault(int(r["id"]), []).append(r)
    for refs in by_id.values():
        parent = str(refs[0]["table"])
        columns = [str(r["from"]) for r in sorted(refs, key=lambda r: int(str(r["seq"])))]
        wanted = [r["to"] for r in sorted(refs, key=lambda r: int(str(r["seq"])))]
        where = f"table {table}: foreign key ({', '.join(columns)}) references {parent}"
        if table_sql(db, parent) is None:
            raise QueryError(f'{where}, and relation "{parent}" does not exist')
        info = db._run(f"PRAGMA table_info({q(parent)})")[0]
        existing = {str(c["name"]).lower(): str(c["name"]) for c in info}
        primary = [
            str(c["name"]).lower() for c in sorted(info, key=lambda c: int(c["pk"])) if c["pk"]
        ]
        if all(w is None for w in wanted):
            if not primary:
                raise QueryError(f"{where}, which has no primary key to reference")
            target = primary
        else:
            target = [str(w).lower() for w in wanted]
            missing = [str(w) for w in wanted if str(w).lower() not in existing]
            if missing:
                raise QueryError(
                    f'{where}, and column "{missing[0]}" of relation "{parent}" does not exist'
                )
        if len(target) != len(columns):
            raise QueryError(f"{where}: {len(columns)} column(s) cannot reference {len(target)}")
        if sorted(target) != sorted(primary) and not _has_unique_index(db, parent, target):
            raise QueryError(
                f"{where} ({', '.join(target)}), which is not its primary key or a unique key: "
                "there is no unique constraint matching the given keys"
            )


def _has_unique_index(db: Database, table: str, columns: list[str]) -> bool:
    q = db.dialect.quote
    for index in db._run(f"PRAGMA index_list({q(table)})")[0]:
        if not index["unique"] or index["partial"]:
            continue
        cols = db._run(f"PRAGMA index_info({q(str(index['name']))})")[0]
        if sorted(str(c["name"]).lower() for c in cols) == sorted(columns):
            return True
    return False


def broken_views(db: Database) -> list[tuple[str, str]]:
    """The views (schema, name) that no longer compile, e.g. after a table was dropped.
    Asking SQLite is exact where reading their SQL would only guess."""
    broken = []
    for schema, master in (("main", "sqlite_master"), ("temp", "sqlite_temp_master")):
        for row in db._run(f"SELECT name FROM {master} WHERE type = 'view' ORDER BY rowid")[0]:
            name = str(row["name"])
            try:
                db._run(f"SELECT * FROM {schema}.{db.dialect.quote(name)} LIMIT 0")
            except QueryError:
                broken.append((schema, name))
    return broken
