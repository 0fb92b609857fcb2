"""Awaited queries on the typed async facade, clean in mypy, pyright and ty; each reveal_type has
its expected type in all three."""

from typing import reveal_type

from typedb.facades.async_db import AsyncDB, connect, db


async def queries(other: AsyncDB) -> None:
    items = db.select_from("items").where("name", "=", "lamp").order_by("id", "desc").limit(10)
    reveal_type(await items.execute())  # reveal: list[ItemsRow]
    reveal_type(await items.execute_take_first())  # reveal: ItemsRow | None
    row = await db.select_from("items").where("id", "in", [1, 2]).execute_take_first_or_throw()
    reveal_type(row["name"])  # reveal: str
    joined = db.select_from("blog__posts").inner_join("users", "blog__posts.author_id", "users.id")
    reveal_type(await joined.execute())  # reveal: list[dict[str, Any]]
    inserted = await db.insert_into("items").values({"name": "lamp"}).returning("id").execute()
    reveal_type(inserted.rows)  # reveal: list[ItemsRow]
    updated = await db.update_table("users").set({"name": "B"}).where("id", "=", 1).execute()
    reveal_type(updated.num_updated_rows)  # reveal: int
    deleted = await db.soft_delete("items").where("id", "=", 1).execute()
    reveal_type(deleted.num_deleted_rows)  # reveal: int
    async with other.transaction() as trx:
        reveal_type(await trx.select_from("users").execute())  # reveal: list[UsersRow]
    async with connect("sqlite://") as mine:
        reveal_type(await mine.raw("SELECT 1"))  # reveal: list[dict[str, Any]]
