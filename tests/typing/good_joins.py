"""Joined queries stay typed: each joined table's columns, qualified or unqualified, with
their value types, in where / order_by / group_by / having / select / select_all."""

from datetime import datetime
from decimal import Decimal
from typing import Any, assert_type, reveal_type

from typedb.facades.db import db

joined = (
    db.select_from("blog__posts")
    .inner_join("users", "blog__posts.author_id", "users.id")
    .where("users.email", "like", "%@x")
    .where("email", "=", "a@x")
    .where("blog__posts.published", "=", True)
    .where("users.created_at", "<", datetime(2026, 1, 1))
    .order_by("users.name", "desc")
)
assert_type(joined.execute(), list[dict[str, Any]])
assert_type(joined.execute_take_first_or_throw(), dict[str, Any])
joined.select("users.email", "blog__posts.title").group_by("users.email", "blog__posts.title")
joined.select_all("users").select_all("blog__posts")
joined.where(lambda eb: eb.or_([eb("users.name", "=", "a"), eb("blog__posts.id", "in", [1, 2])]))

three = (
    db.select_from("items")
    .inner_join("users", "items.id", "users.id")
    .inner_join("blog__posts", "users.id", "blog__posts.author_id")
    .where("blog__posts.title", "=", "x")
    .where("items.price", "<", Decimal(3))
    .where("users.name", "in", ("a", "b"))
    .where_not_deleted()
)
assert_type(three.execute(), list[dict[str, Any]])
three.select_all("items").select_all("users").select_all("blog__posts")
reveal_type(three.execute_take_first())  # reveal: dict[str, Any] | None
