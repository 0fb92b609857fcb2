"""`typedb migration:*` commands."""

from __future__ import annotations

from typedb.cli._registry import Registry


def register(commands: Registry) -> None:
    del commands
