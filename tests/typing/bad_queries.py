"""Each line marked `# E:` is flagged by mypy, pyright and ty alike (today all three catch
every mistake here); no other line may be flagged. Format: tests/typing/conftest.py."""

from decimal import Decimal
from typing import assert_type

from typedb.facades.db import db

db.select_from("itemz")  # plugin only: a str is how "items as i" is spelled
db.insert_into("posts")  # E: unknown-table (module tables carry their prefix)
db.soft_delete("users")  # E: soft-delete-without-deleted_at
db.select_from("items").where("nmae", "=", "lamp")  # E: unknown-column
db.select_from("items").where("price", "=", "cheap")  # E: wrong-value-type
db.select_from("items").where("id", "in", ["1"])  # E: wrong-value-type in a list
db.select_from("items").where("id", "~", 1)  # E: unknown-operator
db.select_from("items").where(lambda eb: eb("title", "=", "x"))  # E: unknown-column in a group
db.select_from("items").order_by("title")  # E: unknown-column
db.select_from("items").select("id", "title")  # plugin only: "name as title" is a str too
db.select_from("users").where_not_deleted()  # E: no deleted_at
db.insert_into("items").values({"name": "lamp", "colour": "red"})  # E: unknown-insert-key
db.insert_into("items").values({"description": "no name"})  # E: missing-insert-key
db.insert_into("items").values({"name": 3})  # E: wrong-insert-type
db.insert_into("items").values([{"name": "a"}, {"price": Decimal(1)}])  # E: missing-key in a list
db.update_table("items").set({"price": "9.99"})  # E: wrong-update-type
db.update_table("items").set({"colour": "red"})  # E: unknown-update-key
db.update_table("users").set({"name": None})  # E: None in a NOT NULL column
db.delete_from("items").where("colour", "=", "red")  # E: unknown-column

row = db.select_from("items").execute_take_first_or_throw()
row["colour"]  # E: unknown-row-key
count: int = row["name"]  # E: row-value-to-wrong-type
price: str = row["price"]  # E: row-value-to-wrong-type
maybe = db.select_from("items").execute_take_first()
maybe["name"]  # E: possibly-None row
description: str = row["description"]  # E: nullable-to-non-null
assert_type(row["price"], int)  # E: assert_type sees Decimal
db.select_from("items").where("price", "like", "1%")  # E: like on a numeric column
