"""Nested blocks on one shared connection, one thread's (or task's) at a time.

A `trx` handed to worker threads (or tasks) lets each open a nested `transaction()`, a
savepoint on the block's connection. Savepoints are a stack: two workers' nested blocks
interleaved released or rolled back each other's. One worker's rows rolled back were kept
(SQLite), the whole transaction failed on a missing savepoint (PostgreSQL), or, async, a
worker's rollback undid another's committed savepoint. So a nested block waits for the
nested block another thread (task) has open on the same connection; its own nested blocks
inside it go on (re-entrant).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from typedb.connection._pools import DEFAULT_POOL_TIMEOUT, PoolTimeoutError

_WAITED = (
    f"waited {DEFAULT_POOL_TIMEOUT:g}s for another thread's (or task's) nested transaction() "
    "on this transaction's connection to end (savepoints are a stack: one worker's nested "
    "blocks at a time)"
)

_MADE = threading.Lock()


def take_thread_turn(driver: Any) -> threading.RLock:
    """This thread's turn for a nested block on `driver`: the lock to release after it.
    Kept on the driver (an attribute read; a context manager or a weak map measured 15k
    instructions a nested block)."""
    lock: threading.RLock | None = getattr(driver, "nesting", None)
    if lock is None:
        with _MADE:
            lock = getattr(driver, "nesting", None)
            if lock is None:
                lock = driver.nesting = threading.RLock()
    if not lock.acquire(timeout=DEFAULT_POOL_TIMEOUT):
        raise PoolTimeoutError(_WAITED)
    return lock


class _TaskTurn:
    """A re-entrant lock of asyncio tasks (asyncio has none)."""

    def __init__(self) -> None:
        self.owner: object = None
        self.count = 0
        self.free = asyncio.Event()
        self.free.set()

    def give(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.owner = None
            self.free.set()


async def take_task_turn(driver: Any) -> _TaskTurn:
    """This task's turn for a nested block on `driver` (give() it back after the block).
    Two plain calls, not a context manager: a transaction's path is counted in instructions
    (see README, "Throughput")."""
    turn: _TaskTurn | None = getattr(driver, "nesting", None)
    if turn is None:  # one event loop: no other task runs between these lines
        turn = driver.nesting = _TaskTurn()
    task = asyncio.current_task()
    if turn.owner is not task:
        while turn.owner is not None:
            turn.free.clear()
            try:
                await asyncio.wait_for(turn.free.wait(), DEFAULT_POOL_TIMEOUT)
            except TimeoutError:
                raise PoolTimeoutError(_WAITED) from None
        turn.owner = task
    turn.count += 1
    return turn
