"""Foreign key actions while SQLite's enforcement is off, done by temporary triggers.

A SQLite table rebuild needs `PRAGMA foreign_keys = OFF`, which SQLite can only switch
outside a transaction; so `db.schema.transaction()` (where a migration is run again when it
rebuilds a referenced table) turns enforcement off for the whole block. Without more, a
`DELETE` earlier in that block would no longer run the ON DELETE CASCADE / SET NULL / SET
DEFAULT actions it ran with enforcement on, and the final check would find orphans. So for
the block, each such action is a TEMP trigger doing what SQLite would have done; they are
rebuilt around every schema change typedb makes, and around `raw()` DDL (the set of foreign
keys may change), and dropped at the end. RESTRICT and NO ACTION need no trigger: the references are checked
before COMMIT.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typedb.connection import Database

PREFIX = "_typedb_fk_action_"
# Says the actions are on for this block even while no foreign key has one (yet): a table
# created later in the block with ON DELETE CASCADE must get its trigger too.
_MARKER = PREFIX + "on"


def installed(db: Database) -> bool:
    sql = "SELECT 1 FROM sqlite_temp_master WHERE type = 'view' AND name = ?"
    # Asked of the sqlite3 connection itself when it can be: a question of typedb's own, not
    # a statement for a dry run to list (every raw() DDL in a transaction asks it).
    driver: object = db._current()
    while (inner := getattr(driver, "inner", None)) is not None:
        driver = inner  # a dry run's recording wrapper
    conn = getattr(driver, "conn", None)
    if conn is not None and hasattr(conn, "execute"):
        return conn.execute(sql, [_MARKER]).fetchone() is not None
    return bool(db._run(sql, [_MARKER])[0])


def install(db: Database) -> None:
    """One trigger per foreign key action of every table. Recursive triggers are turned on
    when a table cascades to itself (SQLite's own actions always recurse); the caller puts
    the setting back."""
    db._run(f"CREATE TEMP VIEW {db.dialect.quote(_MARKER)} AS SELECT 1")
    recursive = False
    for n, fk in enumerate(_foreign_keys(db)):
        for event in ("delete", "update"):
            body = _action(db, fk, event)
            if body is None:
                continue
            recursive = recursive or fk["parent"].lower() == fk["child"].lower()
            db._run(_trigger(db, f"{PREFIX}{n}_{event}", fk, event, body))
    if recursive:
        db._run("PRAGMA recursive_triggers = ON")


def remove(db: Database) -> None:
    q = db.dialect.quote
    for row in db._run(
        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND substr(name, 1, ?) = ?",
        [len(PREFIX), PREFIX],
    )[0]:
        db._run(f"DROP TRIGGER temp.{q(str(row['name']))}")
    db._run(f"DROP VIEW IF EXISTS temp.{q(_MARKER)}")


@contextmanager
def paused(db: Database) -> Generator[None, None, None]:
    """Around a schema change: the triggers would pin the tables they name (a rebuild drops
    and renames them), and the foreign keys may change; reinstall from the new schema."""
    if db.dialect.name != "sqlite" or not installed(db):
        yield
        return
    remove(db)
    yield
    install(db)


def _foreign_keys(db: Database) -> list[dict[str, Any]]:
    q = db.dialect.quote
    found = []
    for row in db._run(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND substr(name, 1, 7) != 'sqlite_' ORDER BY rowid"
    )[0]:
        child = str(row["name"])
        groups: dict[int, list[dict[str, Any]]] = {}
        for r in db._run(f"PRAGMA foreign_key_list({q(child)})")[0]:
            groups.setdefault(int(r["id"]), []).append(r)
        for refs in groups.values():
            refs.sort(key=lambda r: int(r["seq"]))
            parent = str(refs[0]["table"])
            to = [r["to"] for r in refs]
            if any(t is None for t in to):  # REFERENCES parent: its primary key
                info = db._run(f"PRAGMA table_info({q(parent)})")[0]
                to = [c["name"] for c in sorted(info, key=lambda c: int(c["pk"])) if c["pk"]]
            if len(to) != len(refs):
                continue  # a broken foreign key; the final check reports it
            found.append(
                {
                    "child": child,
                    "parent": parent,
                    "from": [str(r["from"]) for r in refs],
                    "to": [str(t) for t in to],
                    "delete": str(refs[0]["on_delete"]).upper(),
                    "update": str(refs[0]["on_update"]).upper(),
                }
            )
    return found


def _action(db: Database, fk: dict[str, Any], event: str) -> str | None:
    """The statement doing `fk`'s ON DELETE / ON UPDATE action for one parent row."""
    q = db.dialect.quote
    action = fk[event]
    match = " AND ".join(f"{q(c)} = OLD.{q(p)}" for c, p in zip(fk["from"], fk["to"], strict=True))
    if action == "CASCADE":
        if event == "delete":
            return f"DELETE FROM {q(fk['child'])} WHERE {match}"
        sets = ", ".join(f"{q(c)} = NEW.{q(p)}" for c, p in zip(fk["from"], fk["to"], strict=True))
    elif action == "SET NULL":
        sets = ", ".join(f"{q(c)} = NULL" for c in fk["from"])
    elif action == "SET DEFAULT":
        info = db._run(f"PRAGMA table_info({q(fk['child'])})")[0]
        defaults = {str(c["name"]).lower(): c["dflt_value"] for c in info}
        sets = ", ".join(f"{q(c)} = {defaults.get(c.lower()) or 'NULL'}" for c in fk["from"])
    else:
        return None  # RESTRICT, NO ACTION: checked before COMMIT
    return f"UPDATE {q(fk['child'])} SET {sets} WHERE {match}"


def _trigger(db: Database, name: str, fk: dict[str, Any], event: str, body: str) -> str:
    q = db.dialect.quote
    head = f"CREATE TEMP TRIGGER {q(name)} AFTER "
    if event == "delete":
        head += f"DELETE ON main.{q(fk['parent'])} FOR EACH ROW"
    else:
        changed = " OR ".join(f"OLD.{q(p)} IS NOT NEW.{q(p)}" for p in fk["to"])
        columns = ", ".join(q(p) for p in fk["to"])
        head += f"UPDATE OF {columns} ON main.{q(fk['parent'])} FOR EACH ROW WHEN {changed}"
    return f"{head} BEGIN {body}; END"
