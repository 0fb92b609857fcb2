"""`migration:fresh --drop-all` (Laravel's `fresh`): drop every table, without `down()`.

- SQLite: every table and view of the database file (indexes and triggers go with their
  tables), in one transaction with foreign key enforcement off, so that the order does not
  matter and no ON DELETE action fires.
- PostgreSQL: only the schema the migration table lives in (`current_schema()`): its views,
  tables, standalone sequences and types (enums, domains, composite and range types), each
  kind in one DROP statement, without CASCADE, so an object of another schema that depends on
  one of them stops the drop instead of disappearing with it. Objects that belong to an
  extension are left alone.
"""

from __future__ import annotations

from typedb.connection import Database
from typedb.migrator._tracking import Tracking
from typedb.schema._transaction import ForeignKeysOnError, schema_transaction

# (kind in the DROP statement, the pg_class / pg_type query listing its objects)
_PG_KINDS: tuple[tuple[str, str], ...] = (
    (
        "MATERIALIZED VIEW",
        "SELECT c.oid, c.relname AS name FROM pg_class c WHERE c.relkind = 'm'",
    ),
    ("VIEW", "SELECT c.oid, c.relname AS name FROM pg_class c WHERE c.relkind = 'v'"),
    (
        "TABLE",
        "SELECT c.oid, c.relname AS name FROM pg_class c WHERE c.relkind IN ('r', 'p') "
        "AND NOT c.relispartition",
    ),
    ("SEQUENCE", "SELECT c.oid, c.relname AS name FROM pg_class c WHERE c.relkind = 'S'"),
    (
        "TYPE",
        "SELECT t.oid, t.typname AS name FROM pg_type t "
        "LEFT JOIN pg_class r ON r.oid = t.typrelid "
        "WHERE t.typtype IN ('e', 'r', 'd', 'c') AND (t.typtype <> 'c' OR r.relkind = 'c')",
    ),
)


def _sqlite(db: Database) -> list[str]:
    if db._run("PRAGMA foreign_keys")[0][0]["foreign_keys"]:  # pyright: ignore[reportPrivateUsage]
        # Only reached inside an enclosing transaction (a dry run), where enforcement cannot
        # be switched off; the dry run retries with it off, as it does for rebuilds.
        raise ForeignKeysOnError("dropping every table needs foreign key enforcement off")
    rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
        "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') "
        "AND name NOT LIKE 'sqlite%' ORDER BY type DESC, name"
    )
    dropped: list[str] = []
    for row in rows:
        kind = "VIEW" if row["type"] == "view" else "TABLE"
        name = str(row["name"])
        exists = "SELECT 1 FROM sqlite_master WHERE name = ?"
        if not db._run(exists, [name])[0]:  # pyright: ignore[reportPrivateUsage]
            continue  # a shadow table of a virtual one (FTS5's docs_config), gone with it
        db._run(f"DROP {kind} {db.dialect.quote(name)}")  # pyright: ignore[reportPrivateUsage]
        dropped.append(name)
    return dropped


def _postgres(db: Database, schema: str) -> list[str]:
    dropped: list[str] = []
    for kind, listing in _PG_KINDS:
        # Skip what an extension owns ('e') and what goes with another object: a serial's
        # or identity column's sequence ('a', 'i'), dropped with its table.
        alias = "t" if kind == "TYPE" else "c"
        namespace = "typnamespace" if kind == "TYPE" else "relnamespace"
        catalog = "pg_type" if kind == "TYPE" else "pg_class"
        rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
            f"{listing} AND {alias}.{namespace} = %s::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = "
            f"{alias}.oid AND d.classid = '{catalog}'::regclass AND d.deptype IN ('e', 'i', 'a')) "
            "ORDER BY 2",
            [db.dialect.quote(schema)],
        )
        names = [str(r["name"]) for r in rows]
        if names:
            targets = ", ".join(f"{db.dialect.quote(schema)}.{db.dialect.quote(n)}" for n in names)
            db._run(f"DROP {kind} {targets}")  # pyright: ignore[reportPrivateUsage]
            dropped.extend(names)
    return dropped


def drop_all(db: Database, tracking: Tracking) -> list[str]:
    """Drop everything (see the module docstring) in one transaction; the names dropped."""
    with schema_transaction(db) as trx:
        if db.dialect.name == "sqlite":
            return _sqlite(trx)
        return _postgres(trx, tracking.schema(trx))
