"""One mistake of each kind, planted in the code of tests/typing/app_blog_shop.py; each line
says which checkers catch it (`E` alone: all four; `E[mypy+plugin]`: only mypy with
typedb.mypy_plugin). README's "What each checker enforces" table is this file in prose.

Where only the plugin catches a mistake, the stubs accept the string on purpose: a table or
column string may carry an alias (`"items as i"`, `"name as title"`), which no Literal can
spell, so rejecting it would be a false error on correct code; the first run (an error
naming the table or column) catches it for pyright and ty users.
"""

from decimal import Decimal

from typedb.facades.async_db import db as adb
from typedb.facades.db import db
from typedb.query import excluded, fn

# Tables.
db.select_from("itemz").execute()  # E[mypy+plugin]: unknown table in select_from
db.insert_into("itemz")  # E: unknown table in a write
db.select_from("items").inner_join("userz", "items.id", "userz.id")  # E[mypy+plugin]: unknown joined table
db.select_from("users as a").inner_join("users", "a.id", "users.id").inner_join("users", "a.id", "users.id")  # E[mypy+plugin]: one table joined twice without an alias

# Columns and aliases.
db.select_from("items").where("nmae", "=", "lamp")  # E: unknown column in where
db.select_from("items").order_by("title")  # E: unknown column in order_by
db.select_from("items").select("name").group_by("nmae")  # E: unknown column in group_by
db.select_from("items").select("nmae").execute()  # E[mypy+plugin]: unknown column in select
db.insert_into("items").values({"name": "a"}).returning("nmae")  # E[mypy+plugin]: unknown column in returning
db.select_from("items as i").where("i.nmae", "=", "lamp")  # E[mypy+plugin]: unknown column of an alias
db.select_from("items as i").where("x.name", "=", "lamp")  # E[mypy+plugin]: unknown alias
db.select_from("items as i").where("items.name", "=", "x")  # E[mypy+plugin]: the table is aliased: write 'i.name'
db.select_from("items").select("name", fn.count("id").as_("n")).group_by("name").order_by("nn")  # E[mypy+plugin]: order_by an output alias that is not selected
db.select_from("items").inner_join("users", "items.id", "users.id").where("id", "=", 1)  # E[mypy+plugin]: ambiguous column
db.select_from("items as i").inner_join("blog__posts as p", "i.id", "p.id").select("i.name", "p.title as name")  # E[mypy+plugin]: two output columns named 'name'

# Join columns.
db.select_from("items").inner_join("users", "items.id", "users.emial").execute()  # E: unknown right join column (the stubs: where the query is used)
db.select_from("items").inner_join("users", "items.idd", "users.id").execute()  # E: unknown left join column (the stubs: where the query is used)
db.select_from("items as i").inner_join("users as u", "i.id", "u.emial").execute()  # E[mypy+plugin]: unknown join column of an alias

# Value types.
db.select_from("items").where("price", "<", "cheap")  # E: wrong value type
db.select_from("items").inner_join("users", "items.id", "users.id").where("users.email", "=", 3)  # E: wrong value type on a joined table
db.select_from("items as i").where("i.price", "<", "cheap")  # E[mypy+plugin]: wrong value type of an alias's column
db.select_from("tags").inner_join("items", "tags.item_id", "items.id").inner_join("users", "items.id", "users.id").inner_join("blog__posts", "users.id", "blog__posts.author_id").where("blog__posts.published", "=", "yes")  # E: wrong value type three joins deep
db.select_from("items").select("name").group_by("name", "price").having("price", ">", "x")  # E: wrong having value type of a column
db.select_from("items").where("price", "like", "1%")  # E: like on a non-text column
db.select_from("items").where("name", "in", "lamp")  # E: a bare str for in
db.insert_into("items").values({"name": 3})  # E: wrong Insert value type
db.insert_into("items").values({"description": "no name"})  # E: missing required Insert key
db.update_table("items").set({"price": "free"})  # E: wrong Update value type
price: str = db.select_from("items").execute_take_first_or_throw()["price"]  # E: a row value of the wrong type

# Aggregates and having.
db.select_from("items").select(fn.sum("nmae"))  # E[mypy+plugin]: aggregate over an unknown column
db.select_from("items").select(fn.count("nmae"))  # E[mypy+plugin]: aggregate over an unknown column
db.select_from("items").select("name").group_by("name").having(fn.count("id"), ">", "many")  # E[mypy+plugin]: having value type (count is int)
db.select_from("items").select("name").group_by("name").having(fn.max("price"), ">", "x")  # E[mypy+plugin]: having value type (max of a Decimal)

# Upserts.
db.insert_into("tags").values({"name": "a"}).on_conflict(lambda oc: oc.column("nmae").do_nothing())  # E: unknown conflict column
db.insert_into("tags").values({"name": "a"}).on_conflict(lambda oc: oc.column("name").do_update_set({"titel": excluded("name")}))  # E: unknown do_update_set key
db.insert_into("tags").values({"name": "a"}).on_conflict(lambda oc: oc.column("name").do_update_set({"item_id": excluded("titel")}))  # E[mypy+plugin]: excluded() of an unknown column
db.insert_into("tags").values({"name": "a"}).on_conflict(lambda oc: oc.column("name").do_update_set({"item_id": excluded("name")}))  # E[mypy+plugin]: excluded() of the wrong type

# Builder state.
db.update_table("items").where("id", "=", 1).execute()  # E: a write without set()
db.insert_into("items").returning("id").execute()  # E: an insert without values()
db.update_table("items").set({"name": "b"}).execute_take_first()  # E: take_first without returning()
db.insert_into("items").values({"name": "x"}).execute_take_first()  # E: take_first without returning()
db.delete_from("items").execute_take_first_or_throw()  # E: take_first without returning()
db.select_from("items").select()  # E: an empty select()
db.select_from("items").group_by()  # E: an empty group_by()
db.delete_from("items").returning()  # E: an empty returning()
db.select_from("tags").where_not_deleted()  # E: tags has no deleted_at
db.select_from("items").select_all("users")  # E: select_all of a table not in the query

# Narrowed rows.
only = db.select_from("items").select("id", "name as title").execute_take_first_or_throw()
only["name"]  # E[mypy+plugin]: renamed by its alias
only["price"]  # E[mypy+plugin]: not selected
db.insert_into("items").values({"name": "a"}).returning("id").execute_take_first_or_throw()["name"]  # E[mypy+plugin]: not returned


async def later() -> None:
    await adb.select_from("items").where("nmae", "=", 1).execute()  # E: unknown column, async
    await adb.update_table("items").where("id", "=", 1).execute()  # E: a write without set(), async
    row = await adb.select_from("items").select("id").execute_take_first_or_throw()
    row["name"]  # E[mypy+plugin]: not selected, async
    total: Decimal = row["id"]  # E: int is not Decimal
    print(total)
