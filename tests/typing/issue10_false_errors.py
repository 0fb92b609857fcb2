"""Forms README documents and the runtime runs, that the stubs reject today (issue 10).

Each `E` marker here is a FALSE error, recorded per checker as of the stubs before issue 10.
A stub fix makes its line clean, the test then fails ("should be flagged ... but is not"),
and the fix removes the marker (or the checker from it). When no marker is left, the file
is a plain good snippet: keep it, with a reveal or assert_type per form.
"""

from typing import reveal_type

import typedb
from typedb.facades.db import db

db.select_from("items as i").execute()  # E: table alias
db.select_from("blog__posts").inner_join("users as u", "blog__posts.author_id", "u.id")  # E: join alias
db.select_from("items").select("name as title").execute()  # E: column alias
db.select_from("items").select("items.id").execute()  # E: qualified column in select
db.select_from("items").where("items.id", "=", 1).execute()  # E: qualified column in where
db.select_from("items").where("created_at", "<", typedb.sql("CURRENT_TIMESTAMP"))  # E: sql() value
db.insert_into("items").values({"name": "a", "created_at": typedb.sql("CURRENT_TIMESTAMP")})  # E: sql()
db.update_table("items").set({"updated_at": typedb.sql("CURRENT_TIMESTAMP")})  # E: sql() in set
db.select_from("items").select_all("items").execute()  # E: select_all(table)
with db.transaction(immediate=True):  # E: immediate=True
    pass
db.select_from("items").where("id", "in", {1, 2}).execute()  # E: a set for in
db.select_from("items").where("id", "in", (1, 2)).execute()  # a tuple: accepted already
db.select_from("items").where("price", ">", 10).execute()  # E: int against a Decimal column
reveal_type(db.select_from("items").select("id").execute())  # reveal: list[ItemsRow]
