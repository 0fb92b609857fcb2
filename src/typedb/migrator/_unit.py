"""What the migrator runs and reports: a migration ready to run, a step taken, a status line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from typedb.connection import Database

MigrationFn = Callable[["Database"], object]
Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One migration, loaded: from a file, or defined in code with `typedb.migration()`."""

    name: str
    module: str | None
    up: MigrationFn
    down: MigrationFn | None
    transaction: bool = True
    checksum: str | None = None
    path: Path | None = None

    @property
    def label(self) -> str:
        """How messages name it: its file when it has one, else `module:name`."""
        if self.path is not None:
            return str(self.path)
        return self.name if self.module is None else f"{self.module}:{self.name}"


@dataclass(frozen=True, slots=True)
class Step:
    """One migration applied (`direction="up"`) or rolled back (`"down"`), as events see it.

    `seconds` is the time it took (None in `before-*` events); `statements` is the SQL a
    dry run recorded (empty otherwise).
    """

    name: str
    module: str | None
    direction: Direction
    batch: int
    path: Path | None = None
    seconds: float | None = None
    dry_run: bool = False
    statements: tuple[str, ...] = ()
    transaction: bool = True


@dataclass(frozen=True, slots=True)
class Run:
    """What the run-level events (`migrator:before-migrate` ...) get: the direction and the
    steps, planned ones in `before-*` (no `seconds` yet), finished ones in `after-*`."""

    direction: Direction
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Status:
    """One line of `migration:status`: `status` is "ran" or "pending". `problem` marks a bad
    one: "missing" (ran, file gone), "edited" (ran, file changed since) or "unordered" (new,
    named before one that ran); `detail` is then the full message naming the file."""

    name: str
    module: str | None
    status: Literal["ran", "pending"]
    batch: int | None = None
    executed_at: datetime | None = None  # naive UTC
    path: Path | None = field(default=None, compare=False)
    problem: Literal["missing", "edited", "unordered"] | None = None
    detail: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, object]:
        """The object `migration:status --json` prints for this migration."""
        out: dict[str, object] = {
            "name": self.name,
            "module": self.module,
            "status": self.status,
            "batch": self.batch,
            "executed_at": None
            if self.executed_at is None
            else self.executed_at.isoformat(timespec="seconds") + "Z",
        }
        if self.problem is not None:  # only then: the DESIGN shape stays as it was otherwise
            out["problem"] = self.problem
            out["detail"] = self.detail
        return out
