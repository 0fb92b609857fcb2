"""Core contracts of the demo app: one TypedDict per table.

`users` and `items` are made by hand-written migrations (migrations-first); their metadata
(`Column(...)`) says what the Python types alone do not, so `typedb migration:generate`
finds nothing to change. `tags` was added here first and its migration generated
(contracts-first): see README, "Contracts as the schema source".
"""

from decimal import Decimal
from typing import Annotated, TypedDict

from typedb.contracts import Column, Generated, SoftDeleteTable, TimestampTable


class UsersTable(TimestampTable):
    id: Generated[int]
    email: Annotated[str, Column(unique=True)]
    name: str


class ItemsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    name: str
    description: str | None
    # NOT NULL DEFAULT 0: optional on insert
    price: Annotated[Decimal, Column(type="numeric(10,2)", default=Decimal(0))]


class TagsTable(TypedDict):
    id: Generated[int]
    name: Annotated[str, Column(type="varchar(50)", unique=True)]
    item_id: Annotated[int | None, Column(references="items.id", on_delete="set null")]


class CountersTable(TypedDict):
    id: Generated[int]
    # A bigint sums as numeric: fn.sum("hits") is a Decimal, fn.sum("visits") an int.
    hits: Annotated[int, Column(type="bigint")]
    visits: int
    rank: Annotated[int | None, Column(type="smallint")]


class Database(TypedDict):
    users: UsersTable
    items: ItemsTable
    tags: TagsTable
    counters: CountersTable
