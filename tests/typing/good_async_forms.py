"""The async facade follows every form: awaited execute*(), joins, aliases, writes."""

from typing import Any, assert_type, reveal_type

from typedb.facades.async_db import db
from typedb.facades.db import ItemsRow, UsersRow


async def queries() -> None:
    joined = db.select_from("blog__posts").inner_join("users", "blog__posts.author_id", "users.id")
    assert_type(await joined.where("users.email", "=", "a").execute(), list[dict[str, Any]])
    aliased = db.select_from("items as i").where("i.id", "=", 1)
    assert_type(await aliased.execute_take_first(), dict[str, Any] | None)
    assert_type(await db.select_from("items").select("id").execute(), list[ItemsRow])
    new = db.insert_into("users").values({"email": "a", "name": "b"})
    row = await new.returning("id").execute_take_first_or_throw()
    assert_type(row, UsersRow)
    await db.update_table("items").set({"name": "x"}).where("id", "=", 1).execute()
    async with db.transaction(immediate=True) as trx:
        assert_type(await trx.select_from("users").execute(), list[UsersRow])
        reveal_type(await trx.select_from("items").execute_take_first())  # reveal: ItemsRow | None
