"""Forms README documents and the runtime runs, that the stubs before issue 10 rejected as
false errors in mypy, pyright and ty alike. Stubs v2 accepts every one: each line must stay
clean in all three checkers (a comment says which form it is).
"""

from typing import reveal_type

import typedb
from typedb.facades.db import db
from typedb.query import fn

db.select_from("items as i").execute()  # was a false error: table alias
db.select_from("blog__posts").inner_join("users as u", "blog__posts.author_id", "u.id")  # was a false error: join alias
db.select_from("items").select("name as title").execute()  # was a false error: column alias
db.select_from("items").select("items.id").execute()  # was a false error: qualified column in select
db.select_from("items").where("items.id", "=", 1).execute()  # was a false error: qualified column in where
db.select_from("items").where("created_at", "<", typedb.sql("CURRENT_TIMESTAMP"))  # was a false error: sql() value
db.insert_into("items").values({"name": "a", "created_at": typedb.sql("CURRENT_TIMESTAMP")})  # was a false error: sql()
db.update_table("items").set({"updated_at": typedb.sql("CURRENT_TIMESTAMP")})  # was a false error: sql() in set
db.select_from("items").select_all("items").execute()  # was a false error: select_all(table)
with db.transaction(immediate=True):  # was a false error: immediate=True
    pass
db.select_from("items").where("id", "in", {1, 2}).execute()  # was a false error: a set for in
db.select_from("items").where("id", "in", (1, 2)).execute()  # a tuple: accepted already
db.select_from("items").where("price", ">", 10).execute()  # was a false error: int against a Decimal column
reveal_type(db.select_from("items").select("id").execute())  # reveal: list[ItemsRow]
db.insert_into("items").values({"name": "a"}).returning("name as title").execute()  # was a false error: returning alias
db.update_table("items").set({"name": "b"}).returning("id", "name as title").execute()  # was a false error: returning alias
db.delete_from("items").returning("name as title").execute()  # was a false error: returning alias
db.select_from("items").select("name", fn.count("id").as_("n")).group_by("name").order_by("n")  # was a false error: order_by an aggregate's alias
db.select_from("items").select("name as t").order_by("t").execute()  # was a false error: order_by a column alias
