"""The shape cache: rendered SQL by query shape, so a repeated shape pays only for binding.

A key is a builder's shape: its head (builder class, dialect name, table) and one record per
call, all plain tuples and strings; a value is the SQL and the order its placeholders take the
builder's values in (None: as recorded).
Bounded: past `MAX_ENTRIES` the oldest entries go, so generated shapes (say, `in` lists of
every length) cannot grow it without limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Entry = tuple[str, tuple[int, ...] | None]

MAX_ENTRIES = 4096
entries: dict[Any, Entry] = {}
# Shared by every Database in the process, so threads meet here even when each has its own.
# One dict operation is atomic, which is all a hit needs: the hit path (`entries.get`, inlined
# in Query._compile) takes no lock. A miss changes the dict in several steps (evict, then
# store), and two threads evicting the same oldest keys raised KeyError: those steps hold
# the lock.
_write_lock = threading.Lock()


def lookup(key: Any, render: Callable[[], Entry]) -> Entry:
    """The cached entry for `key`, rendering (and storing) it on a miss."""
    entry = entries.get(key)
    if entry is None:
        # Rendered outside the lock: it is pure, and two threads rendering one new shape at
        # once store equal entries.
        entry = render()
        with _write_lock:
            if len(entries) >= MAX_ENTRIES:
                # dicts keep insertion order: drop the oldest tenth in one go.
                for old in list(entries)[: MAX_ENTRIES // 10]:
                    del entries[old]
            entries[key] = entry
    return entry


def size() -> int:
    return len(entries)


def clear() -> None:
    with _write_lock:
        entries.clear()
