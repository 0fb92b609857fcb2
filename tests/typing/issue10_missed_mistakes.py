"""Mistakes issue 10 wants caught that every checker passes today (no line here is flagged).

Each line below is wrong, and says why in its comment. A stub (or plugin) change that
starts flagging one fails this file's test ("flagged ... without a marker saying so"):
add the `E` marker naming the checkers that now catch it (`# E: ...`,
`# E[pyright,ty]: ...`), or move the line to a plugin_*.py file with
`# E[mypy+plugin]: ...` where only the plugin can catch it.
"""

from typedb.facades.db import db
from typedb.query import excluded, fn

posts = db.select_from("blog__posts")
posts.inner_join("users", "blog__posts.author_id", "users.nmae")  # right join column unknown
db.select_from("items").select(fn.count("nmae"))  # aggregate over an unknown column
db.select_from("items").select("name").group_by("name").having(fn.count("id"), ">", "many")  # int
db.insert_into("items").values({"name": "a"}).on_conflict(lambda oc: oc.column("nmae").do_nothing())
db.insert_into("items").values({"name": "a"}).on_conflict(
    lambda oc: oc.column("name").do_update_set({"titel": excluded("name")})  # unknown set key
)
db.insert_into("items").values({"name": "a"}).on_conflict(
    lambda oc: oc.column("name").do_update_set({"name": excluded("titel")})  # unknown excluded
)
db.update_table("items").where("id", "=", 1).execute()  # an update without set()
db.update_table("items").set({"name": "b"}).execute_take_first()  # a write without returning()
db.delete_from("items").execute_take_first_or_throw()  # a write without returning()
db.select_from("items").select()  # an empty select()
db.select_from("items").group_by()  # an empty group_by()
db.delete_from("items").returning()  # an empty returning()
db.select_from("items").where("name", "in", "lamp")  # a bare str is not an in list
only_id = db.select_from("items").select("id").execute_take_first_or_throw()
only_id["name"]  # not selected (narrowed rows: mypy+plugin per the issue)
