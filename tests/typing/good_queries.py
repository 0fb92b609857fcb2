"""Typed queries that mypy, pyright and ty accept; each reveal_type has its expected type in all three."""

from datetime import datetime
from decimal import Decimal
from typing import assert_type, reveal_type

from typedb.facades.db import DB, ItemsRow, UsersInsert, connect, db
from typedb.query import fn

items = db.select_from("items").where("name", "=", "lamp").order_by("id", "desc").limit(10)
reveal_type(items.execute())  # reveal: list[ItemsRow]
first = items.execute_take_first()
reveal_type(first)  # reveal: ItemsRow | None
row = db.select_from("items").where("id", "in", [1, 2]).execute_take_first_or_throw()
reveal_type(row)  # reveal: ItemsRow
reveal_type(row["price"])  # reveal: Decimal
reveal_type(row["description"])  # reveal: str | None
reveal_type(row["deleted_at"])  # reveal: datetime | None
price: Decimal = row["price"]
assert_type(row["price"], Decimal)  # clean in all three: a mismatch would be an error
assert_type(first, ItemsRow | None)
name: str = row["name"]

grouped = db.select_from("items").where(
    lambda eb: eb.or_([eb("name", "like", "l%"), eb("price", ">", Decimal("9.99"))])
)
reveal_type(grouped.execute())  # reveal: list[ItemsRow]
no_text = db.select_from("items").where("description", "is", None)
reveal_type(no_text.execute())  # reveal: list[ItemsRow]
reveal_type(db.select_from("items").where_not_deleted().execute())  # reveal: list[ItemsRow]
reveal_type(db.select_from("users").select("id", "email").execute())  # reveal: list[UsersRow]

joined = db.select_from("blog__posts").inner_join("users", "blog__posts.author_id", "users.id")
reveal_type(joined.execute())  # reveal: list[dict[str, Any]]
counted = db.select_from("items").select(fn.count("id").as_("n"))
reveal_type(counted.execute())  # reveal: list[dict[str, Any]]

inserted = db.insert_into("items").values({"name": "lamp"}).returning("id").execute()
reveal_type(inserted.rows)  # reveal: list[ItemsRow]
reveal_type(inserted.num_inserted_rows)  # reveal: int
two: list[UsersInsert] = [{"email": "a@x", "name": "A"}, {"email": "b@x", "name": "B"}]
many = db.insert_into("users").values(two)
reveal_type(many.execute())  # reveal: InsertResult[UsersRow]
post = db.insert_into("blog__posts").values({"author_id": 1, "title": "Hi", "published": True})
reveal_type(post.returning_all().execute_take_first_or_throw())  # reveal: BlogPostsRow

updated = db.update_table("items").set({"price": Decimal(5), "description": None})
updated = updated.where("id", "=", 1)
reveal_type(updated.execute().num_updated_rows)  # reveal: int
deleted = db.delete_from("users").where("email", "=", "a@x")
reveal_type(deleted.execute())  # reveal: DeleteResult[UsersRow]
reveal_type(db.soft_delete("items").where("id", "=", 1).execute())  # reveal: DeleteResult[ItemsRow]
stamp = db.select_from("items").where("created_at", "<", datetime(2026, 1, 1))
reveal_type(stamp.execute_take_first())  # reveal: ItemsRow | None

with db.transaction() as trx:
    reveal_type(trx.select_from("users").execute())  # reveal: list[UsersRow]


def names(database: DB) -> list[str]:
    return [r["name"] for r in database.select_from("users").execute()]


def label(item: ItemsRow) -> str:
    return f"{item['name']}: {item['price']}"


reveal_type(connect("sqlite://"))  # reveal: DB
reveal_type(names(db))  # reveal: list[str]
