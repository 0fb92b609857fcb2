"""Aliases type-check in every checker: a table alias makes the query loose (dict rows,
columns unchecked; the mypy plugin checks them), a column alias gives dict rows."""

from typing import Any, assert_type, reveal_type

from typedb.facades.db import ItemsRow, db

aliased = db.select_from("items as i").select("i.name", "i.price").where("i.price", ">", 5)
assert_type(aliased.execute(), list[dict[str, Any]])
assert_type(aliased.execute_take_first(), dict[str, Any] | None)
db.select_from("items as i").select_all("i").order_by("i.id", "desc").limit(3)
joined = db.select_from("blog__posts").inner_join("users as u", "blog__posts.author_id", "u.id")
assert_type(joined.where("u.email", "=", "a@x").execute(), list[dict[str, Any]])
self_join = db.select_from("users as a").inner_join("users as b", "a.id", "b.id")
assert_type(self_join.select("a.name as left_name", "b.name as right_name").execute(), list[dict[str, Any]])
titled = db.select_from("items").select("name as title", "id")
assert_type(titled.execute(), list[dict[str, Any]])
assert_type(db.select_from("items").select("items.id", "name").execute(), list[ItemsRow])
db.select_from("items").where("items.id", "=", 1).order_by("items.name").group_by("items.id")
reveal_type(aliased.execute())  # reveal: list[dict[str, Any]]
