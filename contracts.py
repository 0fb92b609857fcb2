"""Core contracts of the demo app: one TypedDict per table, as its migrations create them."""

from decimal import Decimal
from typing import TypedDict

from typedb.contracts import Generated, SoftDeleteTable, TimestampTable


class UsersTable(TimestampTable):
    id: Generated[int]
    email: str
    name: str


class ItemsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    name: str
    description: str | None
    price: Generated[Decimal]  # NOT NULL DEFAULT 0: optional on insert


class Database(TypedDict):
    users: UsersTable
    items: ItemsTable
