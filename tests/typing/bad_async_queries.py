"""Awaited queries: each line marked `# E:` is flagged by mypy, pyright and ty alike (all three
catch every one today); no other line may be flagged."""

from typedb.facades.async_db import db


async def queries() -> None:
    await db.select_from("items").where("nmae", "=", "lamp").execute()  # E: unknown-column
    await db.insert_into("itemz").values({}).execute()  # E: unknown-table
    _rows: list[dict[str, int]] = db.select_from("items").execute()  # E: not awaited
    await db.insert_into("items").values({"name": 3}).execute()  # E: wrong-insert-type
    row = await db.select_from("items").execute_take_first_or_throw()
    row["colour"]  # E: unknown-row-key
