"""A left join: the joined table's columns are checked as an inner join's are. Rows are
dict[str, Any] in the stubs (a stub cannot merge two TypedDicts); the mypy plugin types
them, with the left-joined columns `X | None`."""

from typing import Any, assert_type, reveal_type

from typedb.facades.db import db

left = db.select_from("users").left_join("blog__posts", "users.id", "blog__posts.author_id")
left = left.where("blog__posts.title", "is", None).where("users.name", "=", "a")
assert_type(left.execute(), list[dict[str, Any]])
assert_type(left.select("users.name", "blog__posts.title").execute(), list[dict[str, Any]])
left.select_all("blog__posts").order_by("blog__posts.id").where_deleted()
reveal_type(left.execute())  # reveal: list[dict[str, Any]]
