"""What BEGIN, COMMIT and ROLLBACK of a (nested) transaction send, decided without I/O.

The sync `Database` and the async `AsyncDatabase` both run these plans; they differ only in
awaiting each statement. A plan is decided from the connection's state (`in_transaction`,
`aborted`), which both drivers read without a round trip.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import TYPE_CHECKING

from typedb._errors import CompileError, QueryError, TypedbError
from typedb.dialects import Dialect

if TYPE_CHECKING:
    from typedb.connection._driver import Driver


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


# White space and comments, after which "/* why */ COMMIT" is a COMMIT to both databases.
# PostgreSQL ends a -- comment at a carriage return as well as a newline.
_GAP = r"(?:\s|--[^\n\r]*(?:[\n\r]|\Z)|/\*.*?\*/)*"

_CONTROL = re.compile(
    _GAP
    + r"(?:BEGIN|COMMIT|END|ABORT|START\s+TRANSACTION|ROLLBACK(?!\s+(?:TRANSACTION\s+|WORK\s+)?TO\b))\b",
    re.IGNORECASE | re.DOTALL,
)

# COMMIT / ROLLBACK ... AND CHAIN as a later statement of several: the after-check cannot
# see a chained ROLLBACK, whose command tag is ROLLBACK as a ROLLBACK TO SAVEPOINT's and
# which leaves a transaction open, so a block's work was undone unseen. After a ';' only, so
# the words inside a string literal are refused only after a ';' in that literal.
_CHAIN = re.compile(
    r";" + _GAP + r"(?:COMMIT|END|ABORT|ROLLBACK)(?:\s+(?:WORK|TRANSACTION))?\s+AND\s+CHAIN\b",
    re.IGNORECASE | re.DOTALL,
)


def refuse_transaction_control(sql: str) -> None:
    """raw() may not BEGIN, COMMIT or ROLLBACK: typedb tracks each connection's transaction,
    and a pooled connection left inside one would be rolled back when it goes back to the pool
    (outside a block), or would commit half of a `transaction()` block (inside one).

    >>> refuse_transaction_control("ROLLBACK TO SAVEPOINT a")
    >>> refuse_transaction_control("/* a note */ BEGIN")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    typedb._errors.CompileError: raw() cannot run ...
    >>> refuse_transaction_control("commit")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    typedb._errors.CompileError: raw() cannot run 'commit': use `with db.transaction():` ...
    """
    if _CONTROL.match(sql) or (";" in sql and _CHAIN.search(sql)):
        raise CompileError(
            f"raw() cannot run {sql.strip()[:40]!r}: use `with db.transaction():` (it commits "
            "when the block ends and rolls back on an exception; nest it for a savepoint). "
            "typedb tracks each connection's transaction, and a BEGIN, COMMIT or ROLLBACK it did "
            "not send would leave that bookkeeping wrong"
        )


def ended_by_raw(sql: str) -> QueryError:
    """raw() inside a `transaction()` block ended its transaction (a COMMIT or ROLLBACK after
    another statement in one text, which the check before running cannot see)."""
    return QueryError(
        "raw() ended the transaction of the `transaction()` block it ran in (its SQL has a "
        "COMMIT, ROLLBACK or BEGIN after another statement): what the block did before it is "
        "committed or rolled back, and the block can no longer undo it. Use nested "
        "`transaction()` blocks instead",
        sql,
    )


def left_open_by_raw(sql: str) -> QueryError:
    """raw() outside a block left its connection in a transaction, which typedb rolled back
    (the connection's next statement, maybe another thread's, would have run inside it)."""
    return QueryError(
        "raw() left a transaction open (its SQL has a BEGIN after another statement, or a "
        "statement SQLite does not end by itself); it was rolled back, with whatever ran in "
        "it. Use `with db.transaction():` for a transaction",
        sql,
    )


def after_raw(
    depth: int, in_transaction: bool, sql: str, control: bool = False
) -> tuple[bool, QueryError | None]:
    """What to do after raw() ran `sql` on a connection at `depth` (0: outside a block) that
    is now `in_transaction` or not, `control` saying whether a statement of the text began or
    committed a transaction (PostgreSQL's command tags: "COMMIT; BEGIN" ends the block's
    transaction and leaves another open): (roll back first?, the error to raise, if any).

    >>> after_raw(1, True, "SELECT 1"), after_raw(0, False, "SELECT 1")
    ((False, None), (False, None))
    >>> str(after_raw(1, False, "SELECT 1; COMMIT")[1])[:30]
    'raw() ended the transaction of'
    >>> after_raw(0, True, "SELECT 1; BEGIN")[0]
    True
    """
    if depth and (control or not in_transaction):
        return False, ended_by_raw(sql)
    if not depth and in_transaction:
        return True, left_open_by_raw(sql)
    return False, None


def settle_raw(driver: Driver, depth: int, in_transaction: bool, sql: str, control: bool) -> None:
    """`after_raw`'s verdict carried out on a sync driver: roll back, then raise."""
    rollback, error = after_raw(depth, in_transaction, sql, control)
    if error is not None:
        if rollback:
            with suppress(TypedbError):  # a lost connection: the pool discards it anyway
                driver.run("ROLLBACK", None)
        raise error
