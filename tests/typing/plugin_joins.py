"""mypy with typedb.mypy_plugin: joined rows carry the selected columns of every table,
through aliases and self-joins; a left-joined table's columns may be None."""

from datetime import datetime
from typing import reveal_type

from typedb.facades.db import db

posts = (
    db.select_from("blog__posts as p")
    .inner_join("users as u", "p.author_id", "u.id")
    .select("p.title", "u.email", "u.name as author")
    .where("u.email", "like", "%@x")
    .where("p.published", "=", True)
    .order_by("u.name")
)
reveal_type(posts.execute())  # reveal[mypy+plugin]: list[TypedDict({'title': str, 'email': str, 'author': str})]  # reveal[pyright,ty]: list[dict[str, Any]]

plain = (
    db.select_from("blog__posts")
    .inner_join("users", "blog__posts.author_id", "users.id")
    .select("users.email", "blog__posts.title", "slug")
)
reveal_type(plain.execute_take_first_or_throw())  # reveal[mypy+plugin]: TypedDict({'email': str, 'title': str, 'slug': str | None})  # reveal[pyright,ty]: dict[str, Any]

# Left join: the right table's columns are None where no row matched.
authors = (
    db.select_from("users")
    .left_join("blog__posts", "users.id", "blog__posts.author_id")
    .select("users.name", "blog__posts.title", "blog__posts.created_at")
)
reveal_type(authors.execute())  # reveal[mypy+plugin]: list[TypedDict({'name': str, 'title': str | None, 'created_at': datetime | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
row = authors.execute_take_first_or_throw()
title: str = row["title"]  # E[mypy+plugin]: a left-joined column may be None
created: datetime | None = row["created_at"]

# Self-join through aliases; three tables.
pairs = (
    db.select_from("users as a")
    .inner_join("users as b", "a.id", "b.id")
    .select("a.name as left_name", "b.name as right_name", "b.created_at")
)
reveal_type(pairs.execute())  # reveal[mypy+plugin]: list[TypedDict({'left_name': str, 'right_name': str, 'created_at': datetime})]  # reveal[pyright,ty]: list[dict[str, Any]]
three = (
    db.select_from("items as i")
    .inner_join("users as u", "i.id", "u.id")
    .left_join("blog__posts as p", "u.id", "p.author_id")
    .select("i.price", "u.email", "p.title")
)
reveal_type(three.execute())  # reveal[mypy+plugin]: list[TypedDict({'price': Decimal, 'email': str, 'title': str | None})]  # reveal[pyright,ty]: list[dict[str, Any]]

# select_all(t) of one table of the join; a loose query's values are checked by the plugin.
reveal_type(db.select_from("items as i").inner_join("users as u", "i.id", "u.id").select_all("u").execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'email': str, 'name': str, 'created_at': datetime, 'updated_at': datetime})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.select_from("items as i").where("i.price", ">", 5).where("i.name", "in", ["a", "b"])
db.select_from("items as i").where("i.deleted_at", "is", None).where("i.created_at", "<", datetime(2026, 1, 1))
