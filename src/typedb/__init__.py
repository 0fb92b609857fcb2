"""typedb: a typed SQL query builder for Python with schema contracts."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

# Imported on first use (PEP 562): `import typedb.mypy_plugin` inside mypy, or the CLI's
# `--version`, need not load the drivers, PyPika and the migrator.
_LAZY = {
    "CompileError": "typedb._errors",
    "ConnectionError": "typedb._errors",
    "ContractError": "typedb._errors",
    "DataTypeError": "typedb._errors",
    "IdentifierError": "typedb._errors",
    "IntegrityError": "typedb._errors",
    "MigrationError": "typedb._errors",
    "NoResultError": "typedb._errors",
    "QueryError": "typedb._errors",
    "TypedbError": "typedb._errors",
    "UnknownColumnError": "typedb._errors",
    "CompiledQuery": "typedb._sql",
    "Fragment": "typedb._sql",
    "sql": "typedb._sql",
    "AsyncDatabase": "typedb.connection",
    "AsyncTransaction": "typedb.connection",
    "Database": "typedb.connection",
    "PoolTimeoutError": "typedb.connection",
    "Transaction": "typedb.connection",
    "connect": "typedb.connection",
    "connect_async": "typedb.connection",
    "Migrator": "typedb.migrator",
    "migration": "typedb.migrator",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'typedb' has no attribute {name!r}")
    value: object = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once found, a plain module attribute
    return value
