"""A process forked inside a `transaction()` block: the child is not part of that transaction.

The child inherits the block's pin (a ContextVar whose thread, or task, matches in the child
too) and the block's connection, which is the parent's: a PostgreSQL socket the parent is in
the middle of a transaction on, or a sqlite3 connection holding the parent's locks. Left
alone, the child's statements ran inside the parent's transaction, and the child leaving the
block sent COMMIT or ROLLBACK there: the parent's transaction ended half-way, or was undone.

So in the child, at the fork (before any of its code runs):
- every open block's pin is dropped: `db` in the child runs its statements on connections of
  its own, outside any transaction, as another thread's statements are (a nested
  `transaction()` there begins a transaction of the child's own);
- every open block's connection is disowned: it refuses every statement (a `trx` kept by the
  child, the block's own COMMIT when the child leaves it normally) with `ConnectionError`,
  closes nothing, and goes back to no pool. Leaving the block by an exception stays silent
  (the exception goes on), as any failed rollback there does.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from typedb._errors import ConnectionError

FORKED = (
    "this transaction was open in the parent process when it forked: its connection is the "
    "parent's, and only the parent commits or rolls it back. In the child, `db` runs "
    "statements on connections of the child's own, outside that transaction (open a "
    "`transaction()` of the child's own for all-or-nothing)"
)


class OpenBlock(Protocol):
    """A `Pin` or `AsyncPin`: an open block's connection and owner."""

    @property
    def driver(self) -> Any: ...

    def drop(self) -> None:
        """Make the pin match no thread (or task) any more."""
        ...


#: The pins of the blocks open in this process (added when a block pins its connection,
#: removed when it gives it back).
OPEN: set[OpenBlock] = set()


def refuse_statements(driver: Any, reason: str) -> None:
    """Make every later statement on `driver` raise `ConnectionError(reason)`, whichever
    thread or task holds it (a block's `trx`, its COMMIT). Instance attributes shadowing the
    driver's methods: the statement path of every other connection pays nothing for this.
    Also used by the pools' close() for the connections blocks still hold."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError(reason)

    async def refuse_awaited(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError(reason)

    chosen = refuse_awaited if getattr(driver, "awaited", False) else refuse
    for name in ("run", "command", "run_raw", "run_many", "copy_rows"):
        setattr(driver, name, chosen)


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def disown(driver: Any) -> None:
    """Make `driver`, a connection of the parent's, refuse everything in this process."""
    refuse_statements(driver, FORKED)
    driver.close = _nothing  # closing it here would end the parent's session, or its locks
    driver.inherited = True  # its pool gives it back to nothing (see the pools' release)
    driver.return_by = float("-inf")  # PostgresPool.release: take the path that checks that
    turns = getattr(driver, "turns", None)
    if turns is not None:
        # Its stack of blocks (see _nesting): the lock may have been held by another of
        # the parent's threads at the fork, which the child does not have, and the async
        # check's current_task() raises in a child. Every statement is refused anyway.
        turns.after_fork()
        driver.turns = None


def _after_fork_in_child() -> None:
    for block in list(OPEN):
        disown(block.driver)
        block.drop()
    OPEN.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
