"""What every DDL builder shares: a target (dialect, maybe a database), compile(), execute()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from typedb._errors import TypedbError
from typedb._sql import CompiledQuery
from typedb.dialects import Dialect

if TYPE_CHECKING:
    from typedb.connection import Database


@dataclass(frozen=True, slots=True)
class Target:
    """Where a builder's SQL goes: a dialect to render for, and a database to run on (None
    for a builder made only to compile)."""

    dialect: Dialect
    db: Database | None = None

    def database(self, what: str) -> Database:
        if self.db is None:
            raise TypedbError(f"{what} was built without a database; use db.schema to execute it")
        return self.db


class Statement:
    """Base of the DDL builders. Subclasses are frozen dataclasses with a `target`."""

    target: Target

    def _statements(self) -> list[str]:
        raise NotImplementedError

    def compile(self) -> CompiledQuery:
        """The SQL this builder runs, without touching the database. DDL binds no parameters;
        several statements are separated by `;` and a newline."""
        return CompiledQuery(";\n".join(self._statements()), ())

    def execute(self) -> None:
        """Run the statement(s); several run atomically (in a transaction or savepoint)."""
        db = self.target.database(type(self).__name__)
        statements = self._statements()
        if len(statements) == 1:
            db._run(statements[0])
            return
        with db.transaction() as trx:
            for statement in statements:
                trx._run(statement)
