"""Planted mistakes in query builder v2 forms: each # E line is an error in mypy, pyright and ty."""

from typedb.facades.db import db

items = db.select_from("items")
items.where(lambda eb: eb(eb.ref("prise") * 2, ">", 1))  # E: unknown column in eb.ref
items.where("price", "=", db.select_from("users").select("id"))  # fine: any subquery
items.where("price", ">", "x")  # E: wrong value type still caught
items.where_exists("users")  # E: where_exists takes a query
items.select("id").union("users")  # E: union takes a query
items.distinct_on("nmae")  # E: unknown column in distinct_on
items.inner_join("users", lambda on: 1)  # E: a join callback returns a condition
items.where_ref("prise", "=", "users.id")  # E: unknown column in where_ref
items.order_by(lambda eb: eb.ref("nmae"))  # E: unknown column in an order_by expression
