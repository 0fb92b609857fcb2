"""typedb: a typed SQL query builder for Python with schema contracts."""

from typedb._errors import (
    CompileError,
    ConnectionError,
    ContractError,
    DataTypeError,
    IdentifierError,
    IntegrityError,
    MigrationError,
    NoResultError,
    QueryError,
    TypedbError,
    UnknownColumnError,
)
from typedb._sql import CompiledQuery, Fragment, sql
from typedb.connection import Database, Transaction, connect
from typedb.migrator import Migrator, migration

__version__ = "0.1.0"

__all__ = [
    "CompileError",
    "CompiledQuery",
    "ConnectionError",
    "ContractError",
    "DataTypeError",
    "Database",
    "Fragment",
    "IdentifierError",
    "IntegrityError",
    "MigrationError",
    "Migrator",
    "NoResultError",
    "QueryError",
    "Transaction",
    "TypedbError",
    "UnknownColumnError",
    "__version__",
    "connect",
    "migration",
    "sql",
]
