"""The tracking table (`typedb_migrations` by default): which migration ran, in which batch.

Keyed by (module, name). Core migrations are stored with module `''` rather than NULL because
a primary key or unique index does not treat two NULLs as equal; readers get None back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from typedb._errors import TypedbError
from typedb.connection import Database


@dataclass(frozen=True, slots=True)
class Record:
    name: str
    module: str | None
    batch: int
    executed_at: datetime  # naive UTC
    checksum: str | None


class Tracking:
    """Reads and writes the tracking table through whatever connection or transaction it is
    given, so a row can be written in the migration's own transaction."""

    def __init__(self, table: str) -> None:
        self.table = table

    def _q(self, db: Database) -> str:
        return db.dialect.quote(self.table)

    def exists(self, db: Database) -> bool:
        p = db.dialect.placeholder
        if db.dialect.name == "sqlite":
            rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
                f"SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = {p}",
                [self.table],
            )
        else:
            # to_regclass follows search_path, like the unqualified name the migrator uses.
            rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
                f"SELECT 1 AS found WHERE to_regclass({p}) IS NOT NULL", [self._q(db)]
            )
        return bool(rows)

    def create(self, db: Database) -> None:
        """Create the table if it is missing. Callers hold the migration lock, so two
        migrators never race on it."""
        if self.exists(db):
            return
        db._run(  # pyright: ignore[reportPrivateUsage]
            f"CREATE TABLE {self._q(db)} ("
            "name VARCHAR(255) NOT NULL, "
            "module VARCHAR(255) NOT NULL DEFAULT '', "
            "batch INTEGER NOT NULL, "
            "executed_at TIMESTAMP NOT NULL, "
            "checksum VARCHAR(64), "
            "PRIMARY KEY (module, name))"
        )

    def records(self, db: Database) -> list[Record]:
        """Every row, oldest batch first; [] when the table does not exist yet."""
        if not self.exists(db):
            return []
        try:
            rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
                f"SELECT name, module, batch, executed_at, checksum FROM {self._q(db)} "
                "ORDER BY batch, name, module"
            )
        except TypedbError as exc:
            raise TypedbError(f"cannot read the migration table {self.table!r}: {exc}") from exc
        out: list[Record] = []
        for row in rows:
            executed_at = row["executed_at"]
            if isinstance(executed_at, str):  # a table created by hand without TIMESTAMP
                executed_at = datetime.fromisoformat(executed_at)
            out.append(
                Record(
                    str(row["name"]),
                    str(row["module"]) or None,
                    int(row["batch"]),
                    executed_at,
                    row["checksum"],
                )
            )
        return out

    def insert(
        self, db: Database, name: str, module: str | None, batch: int, checksum: str | None
    ) -> None:
        p = db.dialect.placeholder
        now = datetime.now(UTC).replace(tzinfo=None)
        db._run(  # pyright: ignore[reportPrivateUsage]
            f"INSERT INTO {self._q(db)} (name, module, batch, executed_at, checksum) "
            f"VALUES ({p}, {p}, {p}, {p}, {p})",
            [name, module or "", batch, now, checksum],
        )

    def delete(self, db: Database, name: str, module: str | None) -> None:
        p = db.dialect.placeholder
        db._run(  # pyright: ignore[reportPrivateUsage]
            f"DELETE FROM {self._q(db)} WHERE module = {p} AND name = {p}",
            [module or "", name],
        )
