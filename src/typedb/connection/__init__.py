"""Connections: `connect()`, `Database`, transactions, pools, the async API and the drivers."""

from typedb.connection._async import AsyncDatabase, AsyncTransaction, connect_async
from typedb.connection._database import Database, Transaction, connect
from typedb.connection._pools import PoolTimeoutError

__all__ = [
    "AsyncDatabase",
    "AsyncTransaction",
    "Database",
    "PoolTimeoutError",
    "Transaction",
    "connect",
    "connect_async",
]
