"""review10 (hostile review of issues 10 and 11): forms README documents, written as a new user
writes an app (partial queries in variables, conditional `q = q.where(...)`, functions that
take and return queries and rows under the generated names, loops over rows, right/full
joins, multi-condition joins, eb expressions, CTEs incl. `with_(name, lambda db: ...)`,
unions, row locks, distinct_on, restore, savepoints, the async facade). Every line must be
clean under plain mypy --strict, mypy --strict with typedb.mypy_plugin, pyright strict and ty;
each ran on SQLite (the row locks and distinct_on are PostgreSQL only, as README says)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, reveal_type

import typedb
from typedb.facades.async_db import db as adb
from typedb.facades.db import db
from typedb.query import fn

if TYPE_CHECKING:
    from typedb.facades.db import ItemsRow, ItemsSelect, TagsRow, UsersRow


def cheap_items(max_price: Decimal | None, name: str | None) -> list[ItemsRow]:
    q = db.select_from("items")
    if max_price is not None:
        q = q.where("price", "<=", max_price)
    if name:
        q = q.where("name", "like", f"%{name}%")
    q = q.order_by("price").limit(10)
    return q.execute()


def live(q: ItemsSelect) -> ItemsSelect:
    return q.where_not_deleted()


def use_live() -> list[ItemsRow]:
    base = db.select_from("items")
    return live(base).where("price", ">", 1).execute()


def show(row: ItemsRow) -> str:
    return f"{row['name']} {row['price']}"


def loop_rows() -> None:
    for row in db.select_from("items").execute():
        print(show(row))
    first = db.select_from("users").where("id", "=", 1).execute_take_first()
    if first is not None:
        greet(first)


def greet(user: UsersRow) -> str:
    return user["email"]


def tags_for(item_id: int) -> list[TagsRow]:
    return db.select_from("tags").where("item_id", "=", item_id).order_by("name").execute()


def right_and_full() -> None:
    r = db.select_from("tags as t").right_join("items as i", "t.item_id", "i.id").select("i.name", "t.name as tag").execute()  # was a plugin false error (review10): right/full joins were not joins to the plugin
    f = db.select_from("tags").full_join("items", "tags.item_id", "items.id").select("items.name", "tags.name as tag").execute()
    print(r, f)
    on2 = (
        db.select_from("items as i")
        .left_join("tags as t", lambda on: on("i.id", "=", "t.item_id") & on("t.name", "!=", on.val("x")))
        .select("i.name", "t.name as tag")
        .execute()
    )
    print(on2)


def expressions() -> None:
    labelled = (
        db.select_from("items")
        .select(
            lambda eb: [
                eb.case().when("price", ">", 2).then("dear").else_("cheap").end().as_("kind"),
                eb.cast(eb.ref("price") * 100, "integer").as_("cents"),
                eb.fn.coalesce("description", eb.val("")).as_("descr"),
                eb.fn("upper", eb.val("x")).as_("const"),
                eb.fn.lower("name").as_("lname"),
            ]
        )
        .where(lambda eb: eb(eb.ref("price") * eb.ref("id"), ">", 1))
        .order_by(lambda eb: eb.ref("price") * eb.ref("id"), "desc")
        .execute()
    )
    print(labelled)
    totals = (
        db.select_from("items")
        .select("name", lambda eb: fn.sum(eb.ref("price") * eb.ref("id")).as_("amount"))
        .group_by("name")
        .having(lambda eb: eb(fn.count("id"), ">", 1))
        .execute()
    )
    print(totals)


def subqueries() -> None:
    tagged = db.select_from("tags").select("item_id")
    items = db.select_from("items").where("id", "in", tagged).select("name").execute()
    none = db.select_from("items").where_not_exists(db.select_from("tags").where_ref("tags.item_id", "=", "items.id")).execute()
    n = db.select_from("tags").select(fn.count()).where_ref("tags.item_id", "=", "items.id")
    with_n = db.select_from("items").select("name", n.as_("tags")).execute()
    print(items, none, with_n)


def ctes_and_unions() -> None:
    big = db.select_from("items").where("price", ">", Decimal("1"))
    rows = db.with_("big", big).select_from("big").execute()
    lam = db.with_("big", lambda d: d.select_from("items").select("id")).select_from("big").execute()
    u = db.select_from("items").select("name").union_all(db.select_from("tags").select("name")).execute()
    i = db.select_from("items").select("name").intersect(db.select_from("tags").select("name")).execute()
    e = db.select_from("items").select("name").except_(db.select_from("tags").select("name")).execute()
    print(rows, lam, u, i, e)


def locks() -> None:
    with db.transaction() as trx:
        job = trx.select_from("items").order_by("id").limit(1).for_update().skip_locked().execute_take_first()
        share = trx.select_from("items").for_share().nowait().execute()
        print(job, share)
        with trx.transaction():
            trx.update_table("items").set({"name": "x"}).where("id", "=", 1).execute()
    d = db.select_from("items").distinct_on("name").order_by("name").execute()
    print(d)


def soft() -> None:
    db.soft_delete("items").where("id", "=", 2).execute()
    restored = db.restore("items").where("id", "=", 2).execute()
    reveal_type(restored)  # reveal: UpdateResult[ItemsRow]
    n = restored.num_updated_rows
    live_items = db.select_from("items").where_not_deleted()
    print(n, live_items.select("id").execute())


def values() -> None:
    db.select_from("items").where("id", "in", {1, 2}).where("name", "in", ("a", "b")).execute()
    db.select_from("items").where("price", ">", 1).where("price", "=", typedb.sql("1 + 1")).execute()
    db.insert_into("items").values({"name": "k", "price": Decimal("1.5")}).returning("id as new_id").execute()
    db.insert_into("tags").values([{"name": "a"}, {"name": "b", "item_id": None}]).execute()
    db.update_table("items").set({"price": typedb.sql("price * 2")}).where("id", "=", 1).execute()
    db.delete_from("tags").where("item_id", "is", None).execute()
    db.select_from("items").where("description", "is not", None).execute()
    db.select_from("items").select_all("items").execute()


async def async_forms(max_price: Decimal | None) -> list[ItemsRow]:
    q = adb.select_from("items")
    if max_price is not None:
        q = q.where("price", "<", max_price)
    async with adb.transaction() as tx:
        await tx.update_table("items").set({"name": "y"}).where("id", "=", 1).execute()
        async with tx.transaction():
            await tx.delete_from("tags").where("id", "=", 1).execute()
    first = await adb.select_from("items").execute_take_first()
    if first is not None:
        show(first)
    return await q.execute()

