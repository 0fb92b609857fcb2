"""Review 21: a join's `__call__` and the lazy entries' where/having callables take
`self: Any` (ty's time, typedb/stubgen/_query_v2.py RECEIVER). The query's types must still
reach them when the callable is a value: kept in a variable, passed on, called on a lazy
entry or an async query. Read by plain mypy, mypy with the plugin, pyright and ty."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, reveal_type

from typedb.facades.async_db import db as adb
from typedb.facades.db import db

if TYPE_CHECKING:
    from typedb.facades.async_db import ItemsAsyncSelect
    from typedb.facades.db import ItemsSelect


class JoinsUsers(Protocol):
    def __call__(self, table: Literal["users"], left_column: str, right_column: str, /) -> object: ...


def join_kept_in_a_variable() -> None:
    join = db.select_from("items").inner_join
    reveal_type(join("users", "items.id", "users.id").select("users.email").execute())  # reveal[mypy+plugin]: list[TypedDict({'email': str})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    join("users", "items.id", "users.emial").execute()  # E: unknown column of the joined table
    join("users", "items.id", "users.id").where("users.email", "=", 1)  # E: str expected
    on_users = db.select_from("items").inner_join
    on_users("users", lambda on: on("items.id", "=", "users.id")).where("users.nmae", "=", "x")  # E: unknown column
    left = db.select_from("users").left_join
    reveal_type(left("blog__posts", "users.id", "blog__posts.author_id").select("blog__posts.title").execute())  # reveal[mypy+plugin]: list[TypedDict({'title': str | None})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    users_join: JoinsUsers = db.select_from("items").inner_join
    not_a_join: Callable[[int], object] = db.select_from("items").inner_join  # E: a join takes a table name
    print(users_join, not_a_join)


def where_kept_in_a_variable(q: ItemsSelect) -> ItemsSelect:
    where = q.where
    where("price", ">", "cheap")  # E: Decimal expected
    where("nmae", "=", "x")  # E: unknown column
    not_a_where: Callable[[int], object] = q.where  # E: where takes a column
    having = q.group_by("id").having
    having("id", ">", "x")  # E: int expected
    print(not_a_where)
    reveal_type(having("id", ">", 1))  # reveal: ItemsSelect
    return where("price", ">", 1)


async def async_callables(q: ItemsAsyncSelect) -> None:
    where = q.where
    where("price", ">", "cheap")  # E: Decimal expected
    join = adb.select_from("users").left_join
    rows = await join("blog__posts", "users.id", "blog__posts.author_id").select("blog__posts.title").execute()
    reveal_type(rows)  # reveal[mypy+plugin]: list[TypedDict({'title': str | None})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    reveal_type(await where("price", ">", 1).execute())  # reveal: list[ItemsRow]
