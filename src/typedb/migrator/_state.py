"""What the migrator knows before it runs anything: the files and tracking rows in scope,
checked against each other.

Each problem (a ran migration whose file is gone, an edited applied file, a new file named
before one that already ran) is kept per migration, so `status()` can list every migration
and mark the bad ones, while the commands that change the database refuse to start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from typedb._errors import MigrationError
from typedb.migrator._files import MigrationFile
from typedb.migrator._tracking import Record

Source = str | None  # None: the core migrations folder
Key = tuple[str | None, str]  # (module, name)


def source_name(source: Source) -> str:
    return "core" if source is None else f"module {source!r}"


@dataclass(frozen=True, slots=True)
class Problem:
    key: Key
    path: Path
    kind: Literal["missing", "edited", "unordered"]  # the short mark status shows
    message: str  # the full sentence, naming the file


@dataclass(slots=True)
class State:
    files: list[MigrationFile]
    records: dict[Key, Record]
    problems: list[Problem] = field(default_factory=list[Problem])

    @property
    def pending(self) -> list[MigrationFile]:
        return [f for f in self.files if (f.module, f.name) not in self.records]

    @property
    def last_batch(self) -> int:
        return max((r.batch for r in self.records.values()), default=0)

    def applied(self) -> list[Record]:
        """Executed migrations, newest first: the order they are rolled back in."""
        return sorted(
            self.records.values(),
            key=lambda r: (r.batch, r.name, r.module or ""),
            reverse=True,
        )

    def raise_first(self) -> None:
        if self.problems:
            raise MigrationError(self.problems[0].message)


def check(
    files: list[MigrationFile],
    records: list[Record],
    path_of: dict[Key, Path],
    allow_unordered: bool,
) -> State:
    """The state with every problem found; `path_of` gives where a missing file should be."""
    state = State(files, {(r.module, r.name): r for r in records})
    by_key = {(f.module, f.name): f for f in files}
    for key, record in state.records.items():
        file = by_key.get(key)
        if file is None:
            path = path_of[key]
            state.problems.append(
                Problem(
                    key,
                    path,
                    "missing",
                    f"{path}: this migration ran (batch {record.batch}) but its file is "
                    "missing; restore it (or roll it back where it still exists)",
                )
            )
        elif record.checksum is not None and file.checksum != record.checksum:
            state.problems.append(
                Problem(
                    key,
                    file.path,
                    "edited",
                    f"{file.path}: edited after it ran in batch {record.batch} (checksum "
                    "mismatch); restore it and put the change in a new migration",
                )
            )
    if not allow_unordered:
        last: dict[Source, str] = {}
        for module, name in state.records:
            last[module] = max(last.get(module, name), name)
        for file in state.pending:
            newest = last.get(file.module)
            if newest is not None and file.name < newest:
                state.problems.append(
                    Problem(
                        (file.module, file.name),
                        file.path,
                        "unordered",
                        f"{file.path}: new migration is named before {newest}, which already "
                        f"ran ({source_name(file.module)}); rename it to sort after it, or "
                        "set allow_unordered",
                    )
                )
    return state
