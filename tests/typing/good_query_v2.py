# reveal markers share the line with their reveal_type call
"""Query builder v2 (issue 11) on the typed facade: eb expressions, subqueries, CTEs, compound
queries, joins on conditions, locks. Clean in mypy, pyright and ty; reveals in all three."""

from decimal import Decimal
from typing import reveal_type

from typedb import Database
from typedb.facades.db import db
from typedb.query import Expr, fn


# Expressions: result types follow the operands.
def arithmetic(price: Expr[Decimal], qty: Expr[int], ratio: Expr[float]) -> None:
    reveal_type(price * qty)  # reveal: Expr[Decimal]
    reveal_type(qty * price)  # reveal: Expr[Decimal]
    reveal_type(qty + 1)  # reveal: Expr[int]
    reveal_type(price - qty * 2)  # reveal: Expr[Decimal]
    reveal_type(ratio / qty)  # reveal: Expr[float]
    reveal_type(fn.sum(price * qty))  # reveal: Expr[Decimal]


# Inside a where() callback, eb.ref() is typed by the column; mypy checks the lambda against
# where()'s overloads with `eb` as Any, so it reveals Any there; ty does not solve eb.val()'s
# TypeVar in this context (Expr[Any]); pyright has both.
items = db.select_from("items")
# fmt: off
items.where(lambda eb: eb(reveal_type(eb.ref("price") * eb.ref("id")), ">", 1))  # reveal[mypy]: Any  # reveal[pyright,ty]: Expr[Decimal]
items.where(lambda eb: eb(reveal_type(eb.val(Decimal(2))), "<", 3))  # reveal[mypy]: Any  # reveal[pyright]: Expr[Decimal]  # reveal[ty]: Expr[Any]
# fmt: on
db.select_from("items").where(lambda eb: eb("price", ">", eb.ref("price") * 2))
totals = (
    db.select_from("items")
    .select("name", lambda eb: fn.sum(eb.ref("price") * eb.ref("id")).as_("total"))
    .group_by("name")
    .having(lambda eb: eb(fn.sum(eb.ref("price")), ">", 1))
    .order_by(lambda eb: eb.ref("price") * 2, "desc")
)
reveal_type(totals.execute())  # reveal: list[dict[str, Any]]
db.select_from("items").select(
    lambda eb: [
        eb.case().when("price", ">", 10).then("dear").else_("cheap").end().as_("band"),
        eb.cast(eb.ref("price"), "integer").as_("whole"),
        eb.fn.coalesce("description", "name").as_("text"),
        eb.fn("lower", "name").as_("low"),
        fn.count().as_("n"),
    ]
).group_by(lambda eb: eb.fn.lower("name"))

# Subqueries as values.
authors = db.select_from("blog__posts").select("author_id")
db.select_from("users").where("id", "in", authors).execute()
db.select_from("users").where_exists(
    db.select_from("blog__posts").where_ref("blog__posts.author_id", "=", "users.id")
)
db.select_from("users").where_not_exists(authors)
db.select_from("users").where(lambda eb: eb.exists(authors) | eb("name", "=", "x"))
count = (
    db.select_from("blog__posts")
    .select(fn.count())
    .where_ref("blog__posts.author_id", "=", "users.id")
)
db.select_from("users").select("name", count.as_("posts"))

# CTEs and compound queries.
recent = db.with_("recent", db.select_from("items").where("price", ">", 1)).select_from("recent")
recent.select("id").execute()
# A recursive CTE's step reads the CTE, which the stubs do not know: it is built on the
# untyped Database, and union_all() takes it.
untyped: Database = db
step = untyped.select_from("items as i").inner_join("r as c", "i.id", "c.id").select("i.id")
walk = db.with_recursive("r(id)", db.select_from("items").select("id").union_all(step))
walk.select_from("r").execute()
ids = db.select_from("items").select("id").union(db.select_from("users").select("id"))
reveal_type(ids.order_by("id").limit(5).execute())  # reveal: list[ItemsRow]
db.select_from("items").select("id").union_all(db.select_from("users").select("id"))
db.select_from("items").select("id").intersect(db.select_from("users").select("id"))
db.select_from("items").select("id").except_(db.select_from("users").select("id"))

# Joins on conditions, right / full, self-joins through aliases.
joined = db.select_from("blog__posts").inner_join(
    "users",
    lambda on: on("users.id", "=", "blog__posts.author_id") & on("users.name", "!=", on.val("x")),
)
joined.where("users.email", "like", "%@x")
db.select_from("blog__posts").left_join(
    "users", lambda on: on("users.id", "=", "blog__posts.author_id")
)
db.select_from("items").right_join("users", "items.id", "users.id")
db.select_from("items").full_join("users", lambda on: on("items.id", "=", "users.id"))
db.select_from("users as a").inner_join("users as b", "a.id", "b.id").select(
    "a.name", "b.name as other"
)

# PostgreSQL locks and DISTINCT ON.
db.select_from("items").order_by("id").limit(1).for_update().skip_locked()
db.select_from("items").for_share().nowait()
db.select_from("items").distinct_on("name").order_by("name")

# Restore.
db.restore("items").where("id", "=", 1).returning("id").execute()


# The same forms on the async facade, awaited.
async def awaited() -> None:
    from typedb.facades.async_db import db as adb

    rows = (
        await adb.select_from("items").select(lambda eb: (eb.ref("price") * 2).as_("d")).execute()
    )
    reveal_type(rows)  # reveal: list[dict[str, Any]]
    posts = adb.select_from("blog__posts").where_ref("blog__posts.author_id", "=", "users.id")
    await adb.select_from("users").where_not_exists(posts).execute()
    await (
        adb.select_from("users")
        .where("id", "in", adb.select_from("blog__posts").select("author_id"))
        .execute()
    )
    await adb.with_("r", adb.select_from("items")).select_from("r").execute()
    await (
        adb.select_from("items").select("id").union(adb.select_from("users").select("id")).execute()
    )
    await (
        adb.select_from("items")
        .inner_join("users", lambda on: on("users.id", "=", "items.id"))
        .execute()
    )
    await adb.select_from("items").order_by("id").limit(1).for_update().skip_locked().execute()
    await adb.restore("items").where("id", "=", 1).execute()
