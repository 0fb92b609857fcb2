"""The tracking table (`typedb_migrations` by default): which migration ran, in which batch.

Keyed by (module, name). Core migrations are stored with module `''` rather than NULL because
a primary key or unique index does not treat two NULLs as equal; readers get None back.

On PostgreSQL the table lives in ONE explicit schema: `current_schema()` (the first schema of
the search_path that exists, where the migrations' unqualified CREATE TABLEs land too), and
every statement names it. An unqualified name would follow the search_path instead, so with
`search_path = tenant, public` a new tenant would read public's table and skip its own
migrations. The migration lock is keyed on the same schema (`_lock.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from typedb._errors import MigrationError, TypedbError
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
        self._schema: str | None = None

    def schema(self, db: Database) -> str:
        """PostgreSQL: the schema the table is in, `current_schema()`, resolved once."""
        if self._schema is None:
            rows, _ = db._run("SELECT current_schema() AS schema")  # pyright: ignore[reportPrivateUsage]
            schema = rows[0]["schema"]
            if schema is None:
                raise MigrationError(
                    "no schema of the search_path exists, so there is nowhere to keep the "
                    f"migration table {self.table!r}; create the schema or fix search_path"
                )
            self._schema = str(schema)
        return self._schema

    def _q(self, db: Database) -> str:
        name = db.dialect.quote(self.table)
        if db.dialect.name == "sqlite":
            return name
        return f"{db.dialect.quote(self.schema(db))}.{name}"

    def exists(self, db: Database) -> bool:
        p = db.dialect.placeholder
        if db.dialect.name == "sqlite":
            rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
                f"SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = {p}",
                [self.table],
            )
        else:
            rows, _ = db._run(  # pyright: ignore[reportPrivateUsage]
                "SELECT 1 AS found FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                f"WHERE n.nspname = {p} AND c.relname = {p}",
                [self.schema(db), self.table],
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
