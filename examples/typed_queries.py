"""Typed queries against the demo schema: mypy and pyright check every table name, column
and value here against contracts.py and modules/blog/contracts.py.

    typedb migration:latest && typedb stubs:install
    python examples/typed_queries.py
    mypy --strict examples/typed_queries.py && pyright examples/typed_queries.py
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from typedb.facades.db import db

if TYPE_CHECKING:  # names the stubs add to the facade for annotations
    from typedb.facades.db import DB, ItemsInsert, ItemsRow


def add_catalogue(database: DB) -> list[int]:
    rows: list[ItemsInsert] = [
        {"name": "lamp", "description": None, "price": Decimal("19.90")},
        {"name": "desk", "description": "oak, 140 cm", "price": Decimal("249.00")},
        {"name": "sample", "description": None, "price": Decimal(0)},
    ]
    result = database.insert_into("items").values(rows).returning("id").execute()
    return [row["id"] for row in result.rows]


def cheap_items(database: DB, limit: Decimal) -> list[ItemsRow]:
    return (
        database.select_from("items")
        .where("price", "<", limit)
        .where_not_deleted()
        .order_by("price", "desc")
        .execute()
    )


def describe(item: ItemsRow) -> str:
    description = item["description"] or "no description"
    return f"{item['name']} ({description}): {item['price']:.2f}"


def main() -> None:
    with db.transaction() as trx:
        ids = add_catalogue(trx)
        author = (
            trx.insert_into("users")
            .values({"email": f"ada{ids[0]}@example.com", "name": "Ada"})
            .returning("id")
            .execute_take_first_or_throw()
        )
        trx.insert_into("blog__posts").values(
            {"author_id": author["id"], "title": "Hello", "slug": f"hello-{ids[0]}"}
        ).execute()
        trx.update_table("items").set({"description": "on sale"}).where("id", "=", ids[0]).execute()
        trx.soft_delete("items").where("id", "=", ids[2]).execute()
        # `tags` exists only as a contract; its migration was generated from it.
        trx.insert_into("tags").values({"name": f"lighting-{ids[0]}", "item_id": ids[0]}).execute()

    for item in cheap_items(db, Decimal(100)):
        print(describe(item))
    for tag in db.select_from("tags").where("item_id", "=", ids[0]).execute():
        print(f"tag {tag['name']} on item {tag['item_id']}")
    post = db.select_from("blog__posts").where("published", "=", False).execute_take_first()
    if post is not None:
        print(
            f"draft {post['title']!r} by user {post['author_id']}, created {post['created_at']:%Y}"
        )


if __name__ == "__main__":
    main()
