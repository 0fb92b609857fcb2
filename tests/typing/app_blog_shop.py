"""A realistic app over the demo's tables (users, items, tags, blog__posts), written from README
alone: aliases, a chain of three joins, a self-join, left joins, aggregates with having,
upserts with excluded(), returning with aliases, typedb.sql() values, subqueries, EXISTS, eb
expressions, a CTE, a union, transactions and the async facade (issue 10, "Done when").

Not one cast or ignore: every line is clean under plain mypy --strict, mypy --strict with
typedb.mypy_plugin, pyright strict and ty. The reveals show what each checker knows of the
rows: the plugin's exact keys and types; the stubs' full Row, or dict[str, Any] once a
query joins or names its output columns. tests/typing/app_blog_shop_mistakes.py plants one
mistake of each kind in the same code, and says which checker catches it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, reveal_type

import typedb
from typedb.facades.async_db import db as adb
from typedb.facades.db import db
from typedb.query import excluded, fn

if TYPE_CHECKING:  # the stubs' names exist for checkers only (README, "3. The typed query")
    from typedb.facades.db import ItemsRow


def catalogue(max_price: Decimal) -> None:
    rows = (
        db.select_from("items as i")
        .left_join("tags as t", "i.id", "t.item_id")
        .select("i.id", "i.name as item", "i.price", "t.name as tag")
        .where("i.price", "<=", max_price)
        .where("i.deleted_at", "is", None)
        .order_by("i.price", "desc")
        .order_by("item")
        .execute()
    )
    reveal_type(rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'item': str, 'price': Decimal, 'tag': str | None})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    for row in rows:
        label: str = row["item"]
        tag: str | None = row["tag"]
        print(label, row["price"], tag)


def tagged_items_by_author(domain: str) -> None:
    chain = (
        db.select_from("tags")
        .inner_join("items", "tags.item_id", "items.id")
        .inner_join("users", "items.id", "users.id")
        .inner_join("blog__posts", "users.id", "blog__posts.author_id")
        .select("tags.name as tag", "items.price", "users.email", "blog__posts.title")
        .where("users.email", "like", f"%@{domain}")
        .where("blog__posts.published", "=", True)
        .where("items.price", ">", 0)
        .order_by("blog__posts.created_at", "desc")
        .limit(20)
    )
    reveal_type(chain.execute())  # reveal[mypy+plugin]: list[TypedDict({'tag': str, 'price': Decimal, 'email': str, 'title': str})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    aliased = (
        db.select_from("tags as t")
        .inner_join("items as i", "t.item_id", "i.id")
        .inner_join("users as u", "i.id", "u.id")
        .inner_join("blog__posts as p", "u.id", "p.author_id")
        .select("t.name as tag", "i.price", "u.email", "p.title")
        .where("u.email", "like", f"%@{domain}")
        .execute_take_first()
    )
    reveal_type(aliased)  # reveal[mypy+plugin]: TypedDict({'tag': str, 'price': Decimal, 'email': str, 'title': str}) | None  # reveal[mypy,pyright,ty]: dict[str, Any] | None


def sibling_posts(post_id: int) -> None:
    siblings = (
        db.select_from("blog__posts as p1")
        .inner_join("blog__posts as p2", "p1.author_id", "p2.author_id")
        .select("p1.title", "p2.title as sibling", "p2.id as sibling_id")
        .where("p1.id", "=", post_id)
        .where_ref("p2.id", "!=", "p1.id")
        .execute()
    )
    reveal_type(siblings)  # reveal[mypy+plugin]: list[TypedDict({'title': str, 'sibling': str, 'sibling_id': int})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]


def prolific_authors(at_least: int) -> None:
    authors = (
        db.select_from("users as u")
        .left_join("blog__posts as p", "u.id", "p.author_id")
        .select("u.id", "u.email", fn.count("p.id").as_("posts"), fn.max("p.created_at").as_("latest"))
        .group_by("u.id", "u.email")
        .having(fn.count("p.id"), ">=", at_least)
        .order_by("posts", "desc")
        .execute()
    )
    reveal_type(authors)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'email': str, 'posts': int, 'latest': datetime | None})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    for author in authors:
        posts: int = author["posts"]
        latest: datetime | None = author["latest"]
        print(author["email"], posts, latest)
    stats = (
        db.select_from("items")
        .select(fn.sum("price").as_("total"), fn.avg("price").as_("mean"), fn.min("price"), fn.count())
        .where_not_deleted()
        .execute_take_first_or_throw()
    )
    reveal_type(stats)  # reveal[mypy+plugin]: TypedDict({'total': Decimal | None, 'mean': Decimal | None, 'min': Decimal | None, 'count': int})  # reveal[mypy,pyright,ty]: dict[str, Any]
    by_name = (
        db.select_from("items")
        .select("name", fn.count("id").as_("n"))
        .group_by("name")
        .having(fn.sum("price"), ">", Decimal(100))
        .order_by("n")
        .execute()
    )
    reveal_type(by_name)  # reveal[mypy+plugin]: list[TypedDict({'name': str, 'n': int})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]


def save_tag(name: str, item_id: int) -> None:
    saved = (
        db.insert_into("tags")
        .values({"name": name, "item_id": item_id})
        .on_conflict(lambda oc: oc.column("name").do_update_set({"item_id": excluded("item_id")}))
        .returning("id", "name as tag")
        .execute_take_first_or_throw()
    )
    reveal_type(saved)  # reveal[mypy+plugin]: TypedDict({'id': int, 'tag': str})  # reveal[mypy,pyright,ty]: dict[str, Any]
    user = (
        db.insert_into("users")
        .values({"email": "a@example.com", "name": "Ada", "created_at": typedb.sql("CURRENT_TIMESTAMP")})
        .on_conflict(
            lambda oc: oc.column("email").do_update_set(
                {"name": excluded("name"), "updated_at": typedb.sql("CURRENT_TIMESTAMP")}
            )
        )
        .returning("id")
        .execute()
    )
    reveal_type(user.rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[mypy,pyright,ty]: list[UsersRow]


def reprice(item_id: int, price: Decimal) -> None:
    changed = (
        db.update_table("items")
        .set({"price": price, "updated_at": typedb.sql("CURRENT_TIMESTAMP")})
        .where("id", "=", item_id)
        .returning("id", "price as new_price")
        .execute()
    )
    reveal_type(changed.rows)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'new_price': Decimal})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    gone = db.delete_from("tags").where("item_id", "=", item_id).returning("name as tag").execute()
    reveal_type(gone.rows)  # reveal[mypy+plugin]: list[TypedDict({'tag': str})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    hidden = db.soft_delete("items").where("id", "=", item_id).returning("id", "deleted_at").execute_take_first()
    reveal_type(hidden)  # reveal[mypy+plugin]: TypedDict({'id': int, 'deleted_at': datetime | None}) | None  # reveal[mypy,pyright,ty]: ItemsRow | None
    stale: list[ItemsRow] = (
        db.select_from("items").where("updated_at", "<", typedb.sql("CURRENT_TIMESTAMP")).execute()
    )
    reveal_type(stale)  # reveal: list[ItemsRow]


def search(text: str) -> None:
    authors = db.select_from("blog__posts").select("author_id").where("published", "=", True)
    writers = db.select_from("users").where("id", "in", authors).select("email").execute()
    reveal_type(writers)  # reveal[mypy+plugin]: list[TypedDict({'email': str})]  # reveal[mypy,pyright,ty]: list[UsersRow]
    with_posts = db.select_from("users").where_exists(
        db.select_from("blog__posts").where_ref("blog__posts.author_id", "=", "users.id")
    )
    reveal_type(with_posts.execute())  # reveal: list[UsersRow]
    matching = (
        db.select_from("items")
        .where(lambda eb: eb.or_([eb("name", "like", f"%{text}%"), eb("description", "ilike", f"%{text}%")]))
        .select("id", lambda eb: (eb.ref("price") * 2).as_("double"))
        .execute()
    )
    reveal_type(matching)  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'double': Decimal})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    cheap = db.with_("cheap", db.select_from("items").where("price", "<", 10)).select_from("cheap")
    reveal_type(cheap.select("id").execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    names = db.select_from("items").select("name").union(db.select_from("tags").select("name"))
    reveal_type(names.order_by("name").execute())  # reveal[mypy+plugin]: list[TypedDict({'name': str})]  # reveal[mypy,pyright,ty]: list[ItemsRow]


def move_tags(source: int, target: int) -> None:
    with db.transaction() as tx:
        tx.update_table("tags").set({"item_id": target}).where("item_id", "=", source).execute()
        tx.soft_delete("items").where("id", "=", source).execute()
    with db.transaction(immediate=True) as tx:
        left = tx.select_from("tags").where("item_id", "=", source).select("id").execute()
        reveal_type(left)  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[mypy,pyright,ty]: list[TagsRow]


async def dashboard() -> None:
    latest = await (
        adb.select_from("blog__posts as p")
        .inner_join("users as u", "p.author_id", "u.id")
        .select("p.title", "u.name as author", "p.created_at")
        .where("p.published", "=", True)
        .order_by("p.created_at", "desc")
        .limit(5)
        .execute()
    )
    reveal_type(latest)  # reveal[mypy+plugin]: list[TypedDict({'title': str, 'author': str, 'created_at': datetime})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    async with adb.transaction() as tx:
        made = await tx.insert_into("blog__posts").values({"author_id": 1, "title": "Hi"}).returning("id", "title as headline").execute_take_first_or_throw()
        reveal_type(made)  # reveal[mypy+plugin]: TypedDict({'id': int, 'headline': str})  # reveal[mypy,pyright,ty]: dict[str, Any]
    newest: datetime | None = None
    for row in latest:
        newest = row["created_at"]
    print(newest)
