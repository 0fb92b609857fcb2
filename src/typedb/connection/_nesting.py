"""Who may use a transaction's connection now, when its `trx` is shared by threads (tasks).

A `trx` handed to worker threads (or tasks) lets each run statements on the block's
connection and open nested `transaction()` blocks, savepoints on it. Savepoints are a stack,
and a statement runs inside whichever savepoint is on top, so three things went wrong:

- two workers' nested blocks interleaved and released or rolled back each other's (SQLite
  kept a rolled-back worker's rows, PostgreSQL failed the whole transaction);
- a statement of one thread ran inside another thread's nested block and was rolled back
  with it, while its own block committed without it (silent loss);
- ending a block while another thread's savepoint sat on top of it ended that one too.

So each transaction keeps its open blocks as a stack of owners (`Turns`), and everything
waits for its turn: a statement, or a new nested block, of a thread runs only when that
thread's place is on top of the stack, and a block ends only when the blocks opened on top
of it have ended. A thread's place is its innermost block. A thread with no block of its
own (a worker handed `trx`) works inside the blocks of whoever opened the `trx` it uses,
at the innermost of them: a worker's savepoint sits on top of the nested block its owner
waits in (a correct stack), while another worker's block on top is waited for. A wait
longer than the pool timeout raises `PoolTimeoutError`; a block that cannot end in stack
order within it breaks the transaction, which is then rolled back whole with an error,
never committed without a part of it.
"""

from __future__ import annotations

import asyncio
import threading
from _thread import RLock as _RLock
from collections.abc import Callable
from time import monotonic
from typing import Any, TypeVar

from typedb._errors import QueryError
from typedb.connection._pools import PoolTimeoutError, waitable

T = TypeVar("T")


def _waited(what: str, timeout: float) -> str:
    return (
        f"waited {timeout:g}s for {what}: another thread's (or task's) nested "
        "transaction() is open on top of this one's place in the shared transaction "
        "(savepoints are a stack, and a statement runs in the innermost; a thread waits for "
        "the nested blocks other threads opened above its own to end)"
    )


def broken_error(reason: str) -> QueryError:
    """The error of a statement or block end in a broken transaction."""
    return QueryError(
        f"this transaction was broken and is rolled back whole: {reason}. Its blocks were not "
        "ended in stack order (a nested transaction() of one thread or task must end before "
        "the block it was opened in; wait for workers inside the block)"
    )


#: `_Stack.top` while the innermost block ends: the owner of no block.
_CLOSING = object()


class _Stack:
    """The blocks open on one transaction's connection, innermost last: who opened each
    (`owners`, a thread ident or a task) and its `trx` (`blocks`). `top` is the innermost
    block's owner, read by every statement (None once the transaction ended or broke)."""

    __slots__ = ("blocks", "broken", "owners", "timeout", "top")

    def __init__(self, owner: object, block: object, timeout: float) -> None:
        self.owners: list[object] = [owner]
        self.blocks: list[object] = [block]
        self.top: object = owner
        self.broken: str | None = None
        self.timeout = timeout  # the pool's: how long a turn is waited for

    def my_turn(self, me: object, via: object) -> bool:
        """Whether `me`, using the block `via` (a `trx`; None: its own pinned connection),
        may run now: its place is on top. Raises if that block has ended."""
        if self.broken is not None:
            raise broken_error(self.broken)
        if self.top is None:
            from typedb.connection._database import _ended

            raise _ended()
        if self.top is _CLOSING:
            return False  # the innermost block is ending: nothing goes on top of it
        owners = self.owners
        if owners[-1] == me:
            return True
        if me in owners:
            return False  # another's block on top of this thread's own
        at = 0
        if via is not None:
            at = getattr(via, "level", 1) - 1
            if at >= len(owners) or self.blocks[at] is not via:
                from typedb.connection._database import _ended

                raise _ended()
        # A thread with no block of its own works in the blocks of the `trx`'s owner, at
        # the innermost of the run of them from there.
        owner = owners[at]
        last = len(owners) - 1
        while at < last and owners[at + 1] == owner:
            at += 1
        return at == last

    def push(self, me: object, block: object) -> None:
        self.owners.append(me)
        self.blocks.append(block)
        self.top = me

    def closing(self) -> None:
        """The innermost block is ending (its RELEASE or ROLLBACK awaited): everyone else
        waits, so that no savepoint opens on top of it, nor a statement lands between its
        ROLLBACK TO and RELEASE. Tasks only: a thread ends its block holding `lock`."""
        self.top = _CLOSING

    def pop(self) -> None:
        self.owners.pop()
        self.blocks.pop()
        self.top = self.owners[-1]

    def end(self, broken: str | None = None) -> None:
        self.top = None
        if broken is not None:
            self.broken = broken


class Turns(_Stack):
    """A sync transaction's stack, for threads: `lock` is held by every statement and every
    change of the stack on the shared connection (a check and its statement are one step,
    so no savepoint opens between them)."""

    __slots__ = ("changed", "lock")

    def __init__(self, owner: object, block: object, timeout: float) -> None:
        # _Stack.__init__ inlined, and _thread's RLock type called directly (threading.RLock
        # is a Python function): one of these is made per transaction.
        self.owners: list[object] = [owner]
        self.blocks: list[object] = [block]
        self.top: object = owner
        self.broken: str | None = None
        self.timeout = timeout
        self.lock = _RLock()
        self.changed: threading.Condition | None = None  # made by the first waiter

    def wait(self, me: object, via: object, what: str) -> None:
        """With `lock` held: until it is `me`'s turn (see `my_turn`)."""
        deadline = monotonic() + self.timeout
        while not self.my_turn(me, via):
            left = deadline - monotonic()
            if left <= 0:
                raise PoolTimeoutError(_waited(what, self.timeout))
            if self.changed is None:
                self.changed = threading.Condition(self.lock)
            self.changed.wait(waitable(left))  # left is inf with pool_timeout=inf

    def wait_down_to(self, level: int) -> bool:
        """With `lock` held: until the blocks above `level` (1: the outermost) have ended.
        False if they did not within the timeout."""
        deadline = monotonic() + self.timeout
        while len(self.owners) > level and self.top is not None:  # None: ended or broken
            left = deadline - monotonic()
            if left <= 0:
                return False
            if self.changed is None:
                self.changed = threading.Condition(self.lock)
            self.changed.wait(waitable(left))  # left is inf with pool_timeout=inf
        return True

    def notify(self) -> None:
        if self.changed is not None:
            self.changed.notify_all()

    def after_fork(self) -> None:
        """In a forked child: a lock that no thread of the child holds (see _fork)."""
        self.lock = threading.RLock()
        self.changed = None

    def run(self, me: object, via: object, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)`, a statement, in `me`'s turn."""
        with self.lock:
            if self.top != me:
                self.wait(me, via, "a turn to run a statement")
            return call(*args)


class TaskTurns(_Stack):
    """An async transaction's stack, for the tasks of one event loop. No lock: the check and
    the start of the statement happen with no await between them, and the connection runs
    statements in the order they were started."""

    __slots__ = ("changed",)

    def __init__(self, owner: object, block: object, timeout: float) -> None:
        super().__init__(owner, block, timeout)
        self.changed: asyncio.Event | None = None

    async def _changes(self, ready: Callable[[], bool]) -> bool:
        """Until `ready()`, woken by each change of the stack; False after the timeout."""
        deadline = monotonic() + self.timeout
        while not ready():
            left = deadline - monotonic()
            if left <= 0:
                return False
            if self.changed is None:
                self.changed = asyncio.Event()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return False
        return True

    async def wait(self, me: object, via: object, what: str) -> None:
        if not await self._changes(lambda: self.my_turn(me, via)):
            raise PoolTimeoutError(_waited(what, self.timeout))

    async def wait_down_to(self, level: int) -> bool:
        return await self._changes(
            lambda: len(self.owners) <= level or self.top is None  # None: ended or broken
        )

    def notify(self) -> None:
        changed, self.changed = self.changed, None
        if changed is not None:
            changed.set()

    def after_fork(self) -> None:
        """In a forked child (see _fork): the parent's waiters are not the child's."""
        self.changed = None


UNORDERED = (
    "a block did not end within the pool timeout because a nested transaction() another "
    "thread or task opened on top of it was still open"
)
