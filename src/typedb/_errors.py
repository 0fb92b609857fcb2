"""The one exception hierarchy users catch: everything raised on purpose is a `TypedbError`."""

from __future__ import annotations


class TypedbError(Exception):
    """Root of every error typedb raises on purpose."""


class ConnectionError(TypedbError):
    """A URL that cannot be used, or a server that cannot be reached. Never shows a password."""


class CompileError(TypedbError):
    """A builder was given something that cannot become SQL (unknown type, operator, name...)."""


class IdentifierError(CompileError):
    """A table, column or constraint name that cannot be quoted safely."""


class DataTypeError(CompileError):
    """A data type name that is not one of the portable names."""


class QueryError(TypedbError):
    """The database rejected a statement. `sql` is the statement; `__cause__` the driver error."""

    def __init__(self, message: str, sql: str | None = None) -> None:
        super().__init__(message)
        self.sql = sql


class UnknownColumnError(QueryError):
    """A statement names a column its table does not have. Raised on both backends alike:
    SQLite quotes names so that a misspelled one is an error there too, not a string."""

    def __init__(self, message: str, sql: str | None, column: str, table: str | None) -> None:
        super().__init__(message, sql)
        self.column = column
        self.table = table

    def __reduce__(
        self,
    ) -> tuple[type[UnknownColumnError], tuple[str, str | None, str, str | None]]:
        # Exceptions are rebuilt from their args, here only the message: say how to rebuild
        # this one, so it survives pickle (multiprocessing, task queues) and copy.
        return (type(self), (str(self), self.sql, self.column, self.table))


class IntegrityError(QueryError):
    """A constraint (NOT NULL, UNIQUE, FOREIGN KEY, CHECK) refused a row."""


class NoResultError(TypedbError):
    """`execute_take_first_or_throw()` found no row."""


class MigrationError(TypedbError):
    """A migration could not be found, loaded, ordered or run. The message names the file."""


class ContractError(TypedbError):
    """Contracts disagree with each other or with the live schema."""
