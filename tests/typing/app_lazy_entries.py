"""The per-table query names (`ItemsSelect`, `ItemsInsertQuery`, ...) name what the table
methods give: a lazy entry (typedb/stubgen/_lazy.py) whose methods lead to the generic query
classes. A query of the table, started or built further, is one; a query of another table is
not. Read by plain mypy, mypy with the plugin, pyright and ty."""

from __future__ import annotations

from typing import TYPE_CHECKING, reveal_type

from typedb.facades.async_db import db as adb
from typedb.facades.db import db

if TYPE_CHECKING:
    from typedb.facades.async_db import ItemsAsyncSelect
    from typedb.facades.db import (
        ItemsDeleteQuery,
        ItemsInsertQuery,
        ItemsRestoreQuery,
        ItemsRow,
        ItemsSelect,
        ItemsSoftDeleteQuery,
        ItemsUpdateQuery,
        UsersSelect,
    )


def started() -> ItemsSelect:
    return db.select_from("items")


def built() -> ItemsSelect:
    return db.select_from("items").where("price", ">", 1).order_by("name")


def narrowed(q: ItemsSelect) -> None:
    # The first method on a parameter so annotated is checked, and refined by the plugin.
    reveal_type(q.select("id").execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[mypy,pyright,ty]: list[ItemsRow]
    q.where("nmae", "=", "x")  # E: unknown column
    q.where("price", "=", "cheap")  # E: Decimal expected
    q.select("id").where("nmae", "=", "x")  # E: unknown column after the first method


def joined(q: ItemsSelect) -> None:
    rows = q.inner_join("tags", "items.id", "tags.item_id").select("tags.name").execute()
    reveal_type(rows)  # reveal[mypy+plugin]: list[TypedDict({'name': str})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]


def other_table() -> ItemsSelect:
    return db.select_from("users").limit(1)  # E: a query of users is not an ItemsSelect


def other_table_started() -> UsersSelect:
    return db.select_from("items")  # E: a query of items is not a UsersSelect


def writes(
    ins: ItemsInsertQuery,
    upd: ItemsUpdateQuery,
    dele: ItemsDeleteQuery,
    soft: ItemsSoftDeleteQuery,
    rest: ItemsRestoreQuery,
) -> None:
    reveal_type(ins.values({"name": "lamp"}).execute().rows)  # reveal: list[ItemsRow]
    ins.values({"nmae": "lamp"})  # E: unknown key
    upd.set({"price": "cheap"})  # E: Decimal expected
    upd.execute()  # E: no set() yet
    dele.where("id", "=", "one")  # E: int expected
    soft.where("id", "=", 1).execute()
    rest.where_deleted().execute()
    reveal_type(dele.where("id", "=", 1).returning("name").execute_take_first())  # reveal[mypy+plugin]: TypedDict({'name': str}) | None  # reveal[mypy,pyright,ty]: ItemsRow | None


def written() -> ItemsUpdateQuery:
    return db.update_table("items").where("id", "=", 1)


async def awaited(q: ItemsAsyncSelect) -> list[ItemsRow]:
    q.where("nmae", "=", "x")  # E: unknown column
    return await q.where("price", ">", 1).execute()


def awaited_started() -> ItemsAsyncSelect:
    return adb.select_from("items").limit(3)


def sync_is_not_async() -> ItemsAsyncSelect:
    return db.select_from("items")  # E: a sync query is not an async one
