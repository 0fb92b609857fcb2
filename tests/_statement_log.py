"""Which statements wrote into `people` on PostgreSQL (COPY or INSERT), from a statement-level
trigger that logs `current_query()`: what the bulk-insert tests assert on."""

from __future__ import annotations

import typedb


def log_statements(db: typedb.Database) -> None:
    """Log each statement that inserts into `people` (which must exist) in `people_log`."""
    db.raw("CREATE TABLE people_log (n serial, q text)")
    db.raw(
        "CREATE FUNCTION people_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO people_log (q) VALUES (current_query()); RETURN NULL; END $$"
    )
    db.raw(
        "CREATE TRIGGER people_log AFTER INSERT ON people "
        "FOR EACH STATEMENT EXECUTE FUNCTION people_log()"
    )


def statements(db: typedb.Database) -> list[str]:
    """The first word of each logged statement, in order."""
    return [r["q"].split()[0] for r in db.raw("SELECT q FROM people_log ORDER BY n")]
