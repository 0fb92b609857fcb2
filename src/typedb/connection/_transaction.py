"""What BEGIN, COMMIT and ROLLBACK of a (nested) transaction send, decided without I/O.

The sync `Database` and the async `AsyncDatabase` both run these plans; they differ only in
awaiting each statement. A plan is decided from the connection's state (`in_transaction`,
`aborted`), which both drivers read without a round trip.
"""

from __future__ import annotations

import re

from typedb._errors import CompileError, QueryError
from typedb.dialects import Dialect


def savepoint_name(level: int) -> str:
    return f"typedb_sp_{level}"


def begin_sql(level: int, immediate: bool, dialect: Dialect) -> str:
    """
    >>> from typedb.dialects import SqliteDialect
    >>> begin_sql(0, True, SqliteDialect()), begin_sql(1, False, SqliteDialect())
    ('BEGIN IMMEDIATE', 'SAVEPOINT typedb_sp_1')
    """
    if level > 0:
        return f"SAVEPOINT {savepoint_name(level)}"
    return dialect.begin_immediate_sql if immediate else "BEGIN"


def rollback_plan(level: int, in_transaction: bool) -> list[str]:
    """Undo the block after an exception (nothing if the database already ended it)."""
    if not in_transaction:
        return []
    if level == 0:
        return ["ROLLBACK"]
    name = savepoint_name(level)
    return [f"ROLLBACK TO SAVEPOINT {name}", f"RELEASE SAVEPOINT {name}"]


def commit_plan(
    level: int, in_transaction: bool, aborted: bool, dialect: Dialect
) -> tuple[list[str], QueryError | None]:
    """The statements that end a block that raised nothing, and the error to raise after them
    (None: it committed, or released its savepoint). The caller runs `COMMIT` last and rolls
    back if COMMIT itself fails."""
    if not in_transaction:
        if dialect.name == "sqlite":
            reason = (
                "the transaction was rolled back by SQLite itself (ON CONFLICT ROLLBACK, "
                "RAISE(ROLLBACK) or a disk error) after a statement failed; nothing after it ran"
            )
        else:
            reason = (
                "the transaction was ended inside its block by a statement that typedb did "
                "not send (COMMIT or ROLLBACK through a driver); what ran after it ran outside "
                "the transaction"
            )
        return [], QueryError(reason)
    if aborted:
        # PostgreSQL refuses everything after a failed statement and would answer COMMIT with
        # a silent ROLLBACK; a savepoint can be rolled back to, and then reported.
        what = "transaction" if level == 0 else "nested transaction"
        return rollback_plan(level, True), QueryError(
            f"the {what} was rolled back: a statement in it failed, and PostgreSQL refuses to "
            "commit after that (catching the error does not undo it; run the statement in its "
            "own nested transaction() to recover from it)"
        )
    if level > 0:
        return [f"RELEASE SAVEPOINT {savepoint_name(level)}"], None
    return ["COMMIT"], None


_CONTROL = re.compile(
    r"\s*(?:BEGIN|COMMIT|END|ABORT|START\s+TRANSACTION|ROLLBACK(?!\s+(?:TRANSACTION\s+|WORK\s+)?TO\b))\b",
    re.IGNORECASE,
)


def refuse_transaction_control(sql: str) -> None:
    """raw() may not BEGIN, COMMIT or ROLLBACK: typedb tracks each connection's transaction,
    and a pooled connection left inside one would be rolled back when it goes back to the pool
    (outside a block), or would commit half of a `transaction()` block (inside one).

    >>> refuse_transaction_control("ROLLBACK TO SAVEPOINT a")
    >>> refuse_transaction_control("commit")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    typedb._errors.CompileError: raw() cannot run 'commit': use `with db.transaction():` ...
    """
    if _CONTROL.match(sql):
        raise CompileError(
            f"raw() cannot run {sql.strip()[:40]!r}: use `with db.transaction():` (it commits "
            "when the block ends and rolls back on an exception; nest it for a savepoint). "
            "typedb tracks each connection's transaction, and a BEGIN, COMMIT or ROLLBACK it did "
            "not send would leave that bookkeeping wrong"
        )
