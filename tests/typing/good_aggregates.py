"""Aggregates in select, having and order_by; their rows are dicts (the plugin types them)."""

from decimal import Decimal
from typing import Any, assert_type, reveal_type

import typedb
from typedb.facades.db import db
from typedb.query import fn

stats = (
    db.select_from("items")
    .select("name", fn.count("id").as_("n"), fn.sum("price").as_("total"))
    .group_by("name")
    .having(fn.count("id"), ">", 1)
    .having(fn.sum("price"), ">", Decimal(10))
    .order_by(fn.count("id"), "desc")
)
assert_type(stats.execute(), list[dict[str, Any]])
per_author = (
    db.select_from("blog__posts")
    .inner_join("users", "blog__posts.author_id", "users.id")
    .select("users.name", fn.count().as_("posts"), fn.max("blog__posts.id"))
    .group_by("users.name")
    .having(fn.count(), ">=", 2)
)
assert_type(per_author.execute_take_first(), dict[str, Any] | None)
db.select_from("items").select(typedb.sql("count(*) AS n")).execute()
reveal_type(stats.execute_take_first())  # reveal: dict[str, Any] | None
