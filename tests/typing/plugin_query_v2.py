"""mypy with typedb.mypy_plugin on query builder v2 (issue 11), Chinook's everyday queries on
the demo schema: expression aliases become row keys typed by their operands, a subquery's
column must fit the outer column, CTE rows are typed by the query that defines them, union
sides must match, and `eb` knows its query also after an alias. pyright and ty keep the
stubs' loose rows (dict[str, Any]) and miss the mistakes only the plugin sees."""

from decimal import Decimal
from typing import reveal_type

from typedb import Database
from typedb.facades.db import db
from typedb.query import fn

# SUM(price * quantity) per name: Decimal * int is Decimal; a sum over no rows is None.
per_name = (
    db.select_from("items")
    .select("name", lambda eb: fn.sum(eb.ref("price") * eb.ref("id")).as_("amount"))
    .group_by("name")
)
reveal_type(per_name.execute())  # reveal[mypy+plugin]: list[TypedDict({'name': str, 'amount': Decimal | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
doubled = db.select_from("items").select(lambda eb: (eb.ref("price") * 2).as_("doubled"))
reveal_type(doubled.execute_take_first_or_throw())  # reveal[mypy+plugin]: TypedDict({'doubled': Decimal})  # reveal[pyright,ty]: dict[str, Any]
labelled = db.select_from("items").select(
    lambda eb: [
        eb.ref("id").as_("key"),
        eb.ref("description").as_("text"),
        fn.count().as_("n"),
        eb.fn.lower("name").as_("low"),
        eb.case().when("price", ">", 10).then("dear").else_("cheap").end().as_("band"),
    ]
)
reveal_type(labelled.execute_take_first_or_throw())  # reveal[mypy+plugin]: TypedDict({'key': int, 'text': str | None, 'n': int, 'low': str, 'band': Any})  # reveal[pyright,ty]: dict[str, Any]
texts = db.select_from("items").select(
    lambda eb: [eb.fn.lower("description").as_("low"), eb.fn.coalesce("description", "name").as_("text")]
)
reveal_type(texts.execute_take_first_or_throw())  # reveal[mypy+plugin]: TypedDict({'low': str | None, 'text': str})  # reveal[pyright,ty]: dict[str, Any]
db.select_from("items").select(lambda eb: eb.fn.coalesce("nmae", "name").as_("t"))  # E[mypy+plugin]: a column in eb.fn
db.select_from("items").select(lambda eb: eb.case().when("prise", ">", 10).then("dear").end().as_("b"))  # E[mypy+plugin]: a column in case().when
amount: Decimal = doubled.execute_take_first_or_throw()["doubled"]
doubled.execute_take_first_or_throw()["price"]  # E[mypy+plugin]: not a key of the row

# After an alias `eb` still knows the columns and their types.
aliased = db.select_from("items as i").select(lambda eb: (eb.ref("i.price") * 2).as_("d"))
reveal_type(aliased.execute())  # reveal[mypy+plugin]: list[TypedDict({'d': Decimal})]  # reveal[pyright,ty]: list[dict[str, Any]]
tagged_items = db.select_from("items as i").left_join("tags as t", "i.id", "t.item_id")
reveal_type(tagged_items.select(lambda eb: (eb.ref("t.id") * 2).as_("tid")).execute())  # reveal[mypy+plugin]: list[TypedDict({'tid': int | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.select_from("items as i").where(lambda eb: eb(eb.ref("i.prise"), ">", 1))  # E[mypy+plugin]: unknown column after an alias
db.select_from("items as i").where(lambda eb: eb("i.price", "=", "x"))  # E[mypy+plugin]: a str for a Decimal column

# Customers with no invoice: users with no post (a correlated NOT EXISTS); a scalar subquery.
their_posts = db.select_from("blog__posts").where_ref("blog__posts.author_id", "=", "users.id")
idle = db.select_from("users").select("email").where_not_exists(their_posts)
reveal_type(idle.execute())  # reveal[mypy+plugin]: list[TypedDict({'email': str})]  # reveal[pyright,ty]: list[UsersRow]
posts = db.select_from("blog__posts").select(fn.count()).where_ref("blog__posts.author_id", "=", "users.id")
counted = db.select_from("users").select("name", posts.as_("posts"))
reveal_type(counted.execute())  # reveal[mypy+plugin]: list[TypedDict({'name': str, 'posts': int})]  # reveal[pyright,ty]: list[dict[str, Any]]
latest = db.select_from("blog__posts").select("title").where_ref("blog__posts.author_id", "=", "users.id").limit(1)
reveal_type(db.select_from("users").select(latest.as_("last")).execute())  # reveal[mypy+plugin]: list[TypedDict({'last': str | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.select_from("users").select(db.select_from("items").select("id", "name").as_("x"))  # E[mypy+plugin]: a scalar subquery has one column

# Tracks in the top genres: items tagged, through an IN subquery of one fitting column.
tagged = db.select_from("tags").select("item_id")
db.select_from("items").where("id", "in", tagged).execute()
db.select_from("items").where("price", "in", db.select_from("items").select("id")).execute()
db.select_from("items").where("id", "in", db.select_from("items").select("price"))  # E[mypy+plugin]: Decimal subquery for an int column
db.select_from("items").where("id", "in", db.select_from("tags").select("id", "name"))  # E[mypy+plugin]: two columns for in
db.select_from("items").where("id", "not in", db.select_from("tags").select("name"))  # E[mypy+plugin]: str subquery for an int column
db.select_from("items").where(lambda eb: eb("id", "in", db.select_from("items").select("price")))  # E[mypy+plugin]: also in eb(...)

# CTEs: selectable like a table, typed by the query that defines them, renamed by a list.
spent = db.select_from("items").select("id", "price").where("price", ">", 1)
top = db.with_("top", spent).select_from("top")
reveal_type(top.execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'price': Decimal})]  # reveal[pyright,ty]: list[dict[str, Any]]
reveal_type(top.select("price").where("id", ">", 2).execute())  # reveal[mypy+plugin]: list[TypedDict({'price': Decimal})]  # reveal[pyright,ty]: list[dict[str, Any]]
renamed = db.with_("top(item, amount)", spent).select_from("top as t").select("t.amount")
reveal_type(renamed.execute())  # reveal[mypy+plugin]: list[TypedDict({'amount': Decimal})]  # reveal[pyright,ty]: list[dict[str, Any]]
buyers = db.with_("top", spent).select_from("users as u").inner_join("top", "u.id", "top.id")
reveal_type(buyers.select("u.email", "top.price").execute())  # reveal[mypy+plugin]: list[TypedDict({'email': str, 'price': Decimal})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.with_("top", spent).select_from("users").where("nmae", "=", "x")  # E[mypy+plugin]: a table after with_() is the typed table
db.with_("top", spent).select_from("users as u").inner_join("top as t", "u.id", "t.prise")  # E[mypy+plugin]: the CTE's columns in a join
top.select("nmae")  # E[mypy+plugin]: unknown column of the CTE
top.where("price", ">", "x")  # E[mypy+plugin]: a str for the CTE's Decimal column
db.with_("top", spent).select_from("tpo")  # E[mypy+plugin]: neither a CTE nor a table

# A recursive CTE: typed by its base query; the step reads the CTE, which the stubs do not
# know, so it is built on the untyped Database (the database checks it).
untyped: Database = db
base = db.select_from("items").select("id", "name").where("id", "=", 1)
step = (
    untyped.select_from("items as i")
    .inner_join("chain as c", "i.id", "c.id")
    .select("i.id", "i.name")
)
chain = db.with_recursive("chain(id, label)", base.union_all(step)).select_from("chain")
reveal_type(chain.execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'label': str})]  # reveal[pyright,ty]: list[dict[str, Any]]
# The step built on the typed database, as README's tour does: the CTE is declared later in
# the module, so the join knows it by name, typed by its column list (values Any).
typed_step = db.select_from("items as i").inner_join("chain as c", "i.id", "c.id")
reveal_type(typed_step.select("i.id", "c.label").execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'label': Any})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.select_from("items as i").inner_join("chain as c", "i.id", "c.idd")  # E[mypy+plugin]: not in the CTE's column list
db.with_recursive("walk", base.union_all(untyped.select_from("items as i").inner_join("walk as w", "i.id", "w.id").select("i.id", "i.name")))
walk_step = db.select_from("items as i").inner_join("walk as w", "i.id", "w.anything")
reveal_type(walk_step.select("i.id", "w.depth").execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'depth': Any})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.select_from("items as i").inner_join("chian as c", "i.id", "c.id")  # E[mypy+plugin]: no CTE of that name is declared
# A step may also read FROM the CTE, joining a table to it.
from_step = db.select_from("chain as c").inner_join("items as i", "i.id", "c.id").select("i.id", "c.label")
reveal_type(from_step.execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int, 'label': Any})]  # reveal[pyright,ty]: list[dict[str, Any]]
db.select_from("chain as c").where("c.lable", "=", "x")  # E[mypy+plugin]: not in the CTE's column list
db.select_from("chian as c")  # E[mypy+plugin]: no CTE of that name is declared
# A CTE whose query the plugin cannot read: joined by name, its columns unchecked.
unread = db.with_("unread", untyped.select_from("items")).select_from("users as u")
unread.inner_join("unread as r", "u.id", "r.id").select("u.email", "r.id").execute()

# union / intersect / except_: the same columns, of types that combine.
ids = db.select_from("items").select("id").union(db.select_from("users").select("id"))
reveal_type(ids.execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[pyright,ty]: list[ItemsRow]
db.select_from("items").select("price").union_all(db.select_from("users").select("id"))
db.select_from("items").select("id").union(db.select_from("users").select("id", "name"))  # E[mypy+plugin]: column counts differ
db.select_from("items").select("id").intersect(db.select_from("users").select("email"))  # E[mypy+plugin]: int and str
db.select_from("items").select("name").except_(db.select_from("users").select("created_at"))  # E[mypy+plugin]: str and datetime


# The same on the async facade.
async def awaited() -> None:
    from typedb.facades.async_db import db as adb

    rows = await adb.select_from("items").select(lambda eb: (eb.ref("price") * 2).as_("d")).execute()
    reveal_type(rows)  # reveal[mypy+plugin]: list[TypedDict({'d': Decimal})]  # reveal[pyright,ty]: list[dict[str, Any]]
    cte = adb.with_("top", adb.select_from("items").select("id")).select_from("top")
    reveal_type(await cte.execute())  # reveal[mypy+plugin]: list[TypedDict({'id': int})]  # reveal[pyright,ty]: list[dict[str, Any]]
    adb.select_from("items").where("id", "in", adb.select_from("items").select("price"))  # E[mypy+plugin]: Decimal subquery
    adb.select_from("items").select("id").union(adb.select_from("users").select("email"))  # E[mypy+plugin]: int and str
