"""Planted mistakes on the async facade: each # E line errors in all three checkers."""

from typedb.facades.async_db import db
from typedb.facades.db import ItemsRow


async def mistakes() -> None:
    await db.update_table("items").where("id", "=", 1).execute()  # E: update without set
    joined = db.select_from("blog__posts").inner_join("users", "blog__posts.author_id", "users.id")
    await joined.where("users.emial", "=", "a").execute()  # E: unknown joined column
    _rows: list[ItemsRow] = db.select_from("items").execute()  # E: not awaited
