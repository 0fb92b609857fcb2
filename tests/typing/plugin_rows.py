"""mypy with typedb.mypy_plugin: rows have exactly the keys select() / returning() name,
renamed by their aliases; pyright and ty keep the stubs' full rows."""

from typing import reveal_type

import typedb
from typedb.facades.db import db
from typedb.query import fn

rows = db.select_from("items").select("id", "name as title").execute()
reveal_type(rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'title': str})]  # reveal[pyright,ty]: list[dict[str, Any]]
first = db.select_from("items").select("id", "price").execute_take_first()
reveal_type(first)  # reveal[mypy+plugin]: TypedDict({'id': int, 'price': Decimal}) | None  # reveal[pyright,ty]: ItemsRow | None
one = db.select_from("users").select("email").where("id", "=", 1).execute_take_first_or_throw()
reveal_type(one)  # reveal[mypy+plugin]: TypedDict({'email': str})  # reveal[pyright,ty]: UsersRow
one["name"]  # E[mypy+plugin]: not selected

# select() calls add up; select_all() is every column; no select() is the table's own Row.
both = db.select_from("items").select("id").select("description").execute_take_first_or_throw()
reveal_type(both)  # reveal[mypy+plugin]: TypedDict({'id': int, 'description': str | None})  # reveal[pyright,ty]: ItemsRow
reveal_type(db.select_from("items").execute())  # reveal: list[ItemsRow]
qualified = db.select_from("items").select("items.name").execute_take_first_or_throw()
reveal_type(qualified)  # reveal[mypy+plugin]: TypedDict({'name': str})  # reveal[pyright,ty]: ItemsRow

# A query built in steps keeps what it knows.
query = db.select_from("blog__posts").select("id", "title")
query = query.where("published", "=", True).order_by("id", "desc").limit(10)
reveal_type(query.execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'title': str})]  # reveal[pyright,ty]: list[BlogPostsRow]

# returning(): the rows of execute_take_first*() and of the result's .rows.
created = db.insert_into("users").values({"email": "a@x", "name": "A"}).returning("id")
reveal_type(created.execute_take_first_or_throw())  # reveal[mypy+plugin]: TypedDict({'id': int})  # reveal[pyright,ty]: UsersRow
reveal_type(created.execute().rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[pyright,ty]: list[UsersRow]
updated = db.update_table("items").set({"name": "lamp"}).where("id", "=", 1).returning("id", "price")
reveal_type(updated.execute().rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'price': Decimal})]  # reveal[pyright,ty]: list[ItemsRow]
deleted = db.delete_from("items").where("id", "=", 1).returning("name").execute_take_first()
reveal_type(deleted)  # reveal[mypy+plugin]: TypedDict({'name': str}) | None  # reveal[pyright,ty]: ItemsRow | None
everything = db.insert_into("items").values({"name": "lamp"}).returning_all().execute_take_first()
reveal_type(everything)  # reveal: ItemsRow | None

# order_by may name an output column select() made, even one the plugin cannot read.
db.select_from("items").select("name", fn.count("id").as_("n")).group_by("name").order_by("n")
db.select_from("items").select(typedb.sql("count(*) AS n")).order_by("n")  # was a false error with the plugin
db.select_from("items").select("id", lambda eb: (eb.ref("price") * 2).as_("double")).order_by("double")  # was a false error with the plugin
db.select_from("items").select("name as t").order_by("t", "desc").order_by("tt")  # E[mypy+plugin]: not an output column
