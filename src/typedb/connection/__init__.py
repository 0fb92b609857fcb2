"""Connections: `connect()`, `Database`, transactions, and the per-backend drivers."""

from typedb.connection._database import Database, Transaction, connect

__all__ = ["Database", "Transaction", "connect"]
