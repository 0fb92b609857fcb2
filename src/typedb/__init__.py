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
from typedb.connection import (
    AsyncDatabase,
    AsyncTransaction,
    Database,
    PoolTimeoutError,
    Transaction,
    connect,
    connect_async,
)
from typedb.migrator import Migrator, migration

__version__ = "0.1.0"

__all__ = [
    "AsyncDatabase",
    "AsyncTransaction",
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
    "PoolTimeoutError",
    "QueryError",
    "Transaction",
    "TypedbError",
    "UnknownColumnError",
    "__version__",
    "connect",
    "connect_async",
    "migration",
    "sql",
]
