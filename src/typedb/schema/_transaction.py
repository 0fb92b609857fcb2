"""A transaction for schema changes: on SQLite, foreign keys are switched off around it so
tables can be rebuilt, and checked before it commits."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from typedb._errors import CompileError, IntegrityError

if TYPE_CHECKING:
    from typedb.connection import Database, Transaction


class ForeignKeysOnError(CompileError):
    """A SQLite table rebuild needs foreign key enforcement off, and the transaction it runs in
    began with it on. Migrations catch this and run the migration again with it off."""


@contextmanager
def schema_transaction(
    db: Database, *, keep_actions: bool = True
) -> Generator[Transaction, None, None]:
    """Like `db.transaction(immediate=True)`. On SQLite at the outermost level it also turns foreign key
    enforcement off for the block — SQLite can only switch it outside a transaction, and a
    table rebuild must not fire ON DELETE actions of other tables — and runs
    `PRAGMA foreign_key_check` before committing, so a change that breaks a reference fails
    and rolls back. This is what Django does for SQLite migrations, too.

    With `keep_actions` (for blocks that also change rows, as migrations do), ON DELETE and
    ON UPDATE actions still happen in the block: temporary triggers do them (_fk_actions)."""
    if db.dialect.name != "sqlite" or db.in_transaction:
        with db.transaction(immediate=True) as trx:
            yield trx
        return
    from typedb.schema import _fk_actions

    enforced = bool(db._run("PRAGMA foreign_keys")[0][0]["foreign_keys"])
    recursive = int(db._run("PRAGMA recursive_triggers")[0][0]["recursive_triggers"])
    if enforced:
        db._run("PRAGMA foreign_keys = OFF")
    try:
        with db.transaction(immediate=True) as trx:
            if enforced and keep_actions:
                _fk_actions.install(trx)
            yield trx
            if enforced:
                if keep_actions:
                    _fk_actions.remove(trx)
                check_foreign_keys(trx)
    finally:
        if enforced:
            db._run(f"PRAGMA recursive_triggers = {recursive}")
            db._run("PRAGMA foreign_keys = ON")


def check_foreign_keys(db: Database, table: str | None = None) -> None:
    """Raise IntegrityError naming the first row whose reference is broken."""
    sql = "PRAGMA foreign_key_check"
    if table is not None:
        sql += f"({db.dialect.quote(table)})"
    problems = db._run(sql)[0]
    if problems:
        first = problems[0]
        raise IntegrityError(
            f"foreign key broken: row {first['rowid']} of table {first['table']} references "
            f"a row of {first['parent']} that does not exist ({len(problems)} row(s) in all)"
        )


def referencing_tables(db: Database, table: str) -> list[str]:
    """Tables (itself included, when self-referencing) with a foreign key to `table`."""
    found = []
    for row in db._run("SELECT name FROM sqlite_master WHERE type = 'table'")[0]:
        refs = db._run(f"PRAGMA foreign_key_list({db.dialect.quote(row['name'])})")[0]
        if any(r["table"].lower() == table.lower() for r in refs):
            found.append(row["name"])
    return found
