"""What only mypy with typedb.mypy_plugin catches: each # E[mypy+plugin] line is an error
there, with a message naming the table or column, and clean in pyright and ty (the stubs
accept these forms loosely). # E lines are caught by every checker."""

from datetime import datetime

from typedb.facades.db import db
from typedb.query import excluded, fn

db.select_from("itmes as i")  # E[mypy+plugin]: unknown table behind an alias
db.select_from("items as i").inner_join("usres as u", "i.id", "u.id")  # E[mypy+plugin]: unknown joined table
db.select_from("items as i").where("i.nmae", "=", "x")  # E[mypy+plugin]: unknown column of an alias
db.select_from("items as i").where("x.name", "=", "x")  # E[mypy+plugin]: unknown alias
db.select_from("items as i").where("items.name", "=", "x")  # E[mypy+plugin]: the table is behind its alias
db.select_from("items as i").where("i.price", "=", "cheap")  # E[mypy+plugin]: wrong value type
db.select_from("items as i").where("i.price", "like", "1%")  # E[mypy+plugin]: like on a number
db.select_from("items as i").where("i.name", "in", "abc")  # E[mypy+plugin]: a str is not a list
db.select_from("items as i").where("i.created_at", ">", "2026")  # E[mypy+plugin]: a str for a datetime
db.select_from("items as i").where("i.name", "=", None)  # E[mypy+plugin]: None needs is / is not
db.select_from("items as i").select("i.name", "i.titel")  # E[mypy+plugin]: unknown selected column
db.select_from("items as i").order_by("i.nmae")  # E[mypy+plugin]: unknown order_by column
db.select_from("items as i").inner_join("users as u", "i.id", "u.idd")  # E[mypy+plugin]: unknown join column
db.select_from("items").select("name as title", "nmae as other")  # E[mypy+plugin]: unknown column with an alias
db.select_from("items").select("price", fn.sum("prise"))  # E[mypy+plugin]: aggregate over an unknown column
db.select_from("items").select(fn.count("id").as_("n")).having(fn.max("nmae"), ">", 1)  # E[mypy+plugin]: unknown column in having
db.select_from("items").select(fn.sum("price").as_("s")).having(fn.sum("price"), ">", datetime(2026, 1, 1))  # E[mypy+plugin]: value type of an aggregate

# Two selected columns with one output name: the runtime refuses them; an alias fixes it.
db.select_from("users as a").inner_join("users as b", "a.id", "b.id").select("a.name", "b.name")  # E[mypy+plugin]: duplicate output name
db.select_from("users as a").inner_join("users as b", "a.id", "b.id").select("a.name", "b.name as b_name")
db.select_from("items").select("name", fn.count("id").as_("name"))  # E[mypy+plugin]: an aggregate named like a column

# After a join, an unqualified column both tables have is ambiguous (the database says so too).
db.select_from("items").inner_join("users", "items.id", "users.id").where("name", "=", "x")  # E[mypy+plugin]: ambiguous column
db.select_from("items").inner_join("users", "items.id", "users.id").select("id")  # E[mypy+plugin]: ambiguous column
db.select_from("users").inner_join("users", "users.id", "users.id")  # E[mypy+plugin]: the same table twice needs an alias
db.select_from("items as i").select_all("u")  # E[mypy+plugin]: select_all of an alias the query does not have

# Narrowed rows: a key the query did not select.
db.select_from("items").select("id").execute_take_first_or_throw()["name"]  # E[mypy+plugin]: not selected
db.insert_into("items").values({"name": "x"}).returning("id").execute_take_first_or_throw()["price"]  # E[mypy+plugin]: not returned

# Upserts: excluded(column) names a column of the table, of a type the key takes.
new = db.insert_into("items").values({"name": "x"})
new.on_conflict(lambda oc: oc.column("name").do_update_set({"name": excluded("titel")}))  # E[mypy+plugin]: excluded of an unknown column
new.on_conflict(lambda oc: oc.column("name").do_update_set({"price": excluded("name")}))  # E[mypy+plugin]: excluded of another type
new.on_conflict(lambda oc: oc.column("name").do_update_set({"description": excluded("name"), "price": excluded("price")}))
