"""A driver wrapper for `--dry-run`: runs everything on the real connection (inside a
transaction the migrator always rolls back) and remembers the SQL the migration sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from typedb._sql import Parameters
from typedb.connection import Database
from typedb.connection._driver import Driver, Row
from typedb.dialects import Dialect
from typedb.migrator._sequences import SequenceShield

if TYPE_CHECKING:
    from typedb.connection._nesting import Turns

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _render(sql: str, params: object) -> str:
    text = sql.strip().rstrip(";") + ";"
    if params:
        text += f"  -- parameters: {params!r}"
    return text


class RecordingDriver:
    """Delegates to `inner`; keeps every statement except transaction control. Before each
    statement runs, `shield` keeps the PostgreSQL sequences it could draw from still."""

    def __init__(self, inner: Driver) -> None:
        self.inner = inner
        self.dialect: Dialect = inner.dialect
        self.statements: list[str] = []
        self.shield = SequenceShield(inner)

    # The real connection's nesting depth, which its driver checks too (raw() inside a block
    # must not end the block's transaction, nor leave one open outside a block).
    @property
    def depth(self) -> int:
        return self.inner.depth

    @depth.setter
    def depth(self, value: int) -> None:
        self.inner.depth = value

    # The real connection's stack of blocks, as its depth (see _nesting).
    @property
    def turns(self) -> Turns | None:
        return self.inner.turns

    @turns.setter
    def turns(self, value: Turns | None) -> None:
        self.inner.turns = value

    def _record(self, sql: str, params: object) -> None:
        self.shield.before(sql, self.depth)
        if not sql.lstrip().upper().startswith(_CONTROL):
            self.statements.append(_render(sql, params))

    def run(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        self._record(sql, params)
        return self.inner.run(sql, params)

    def command(self, sql: str) -> None:
        self._record(sql, None)
        self.inner.command(sql)

    def run_raw(self, sql: str, params: Parameters | None) -> tuple[list[Row], int]:
        self._record(sql, params)
        return self.inner.run_raw(sql, params)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        self._record(sql, list(rows))
        return self.inner.run_many(sql, rows)

    def aborted(self) -> bool:
        return self.inner.aborted()

    def in_transaction(self) -> bool:
        return self.inner.in_transaction()

    def close(self) -> None:
        # The migrator owns the real connection; a migration closing its `db` must not.
        pass


def recording(db: Database) -> tuple[Database, RecordingDriver]:
    """A `Database` on the same connection as `db` that records what it runs."""
    from typedb.connection import Transaction

    # The connection the migrator pinned for its run (see _lock.migration_lock).
    inner = db._current()  # pyright: ignore[reportPrivateUsage]
    if inner is None:
        raise RuntimeError("a dry run records on the connection the migration lock pins")
    driver = RecordingDriver(inner)
    return Transaction(db._pool, db.url, driver), driver  # pyright: ignore[reportPrivateUsage]
