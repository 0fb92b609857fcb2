"""mypy with typedb.mypy_plugin narrows the async facade's rows as the sync one's."""

from typing import reveal_type

from typedb.facades.async_db import db
from typedb.query import fn


async def queries() -> None:
    rows = await db.select_from("items as i").select("i.id", "i.name as title").execute()
    reveal_type(rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'title': str})]  # reveal[pyright,ty]: list[dict[str, Any]]
    joined = db.select_from("users").left_join("blog__posts", "users.id", "blog__posts.author_id")
    counted = await joined.select("users.email", fn.count("blog__posts.id").as_("posts")).group_by("users.email").execute_take_first()
    reveal_type(counted)  # reveal[mypy+plugin]: TypedDict({'email': str, 'posts': int}) | None  # reveal[pyright,ty]: dict[str, Any] | None
    new = await db.insert_into("users").values({"email": "a", "name": "b"}).returning("id", "email").execute()
    reveal_type(new.rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'email': str})]  # reveal[pyright,ty]: list[UsersRow]
    await db.select_from("items as i").where("i.nmae", "=", "x").execute()  # E[mypy+plugin]: unknown column of an alias
