"""Mistakes issue 10 wants caught: each `E` line is caught by the stubs v2 in all three
checkers; each `missed` line is still passed by the stubs alone (tests/typing/plugin_*.py
shows mypy with typedb.mypy_plugin catching those).

Each `missed` line is wrong, and says why. A stub (or plugin) change that starts flagging
one fails this file's test ("now caught by ..."): turn the marker into the `E` marker
naming the checkers that catch it (`# E: ...`, `# E[pyright,ty]: ...`), or move the line
to a plugin_*.py file with `# E[mypy+plugin]: ...` where only the plugin can catch it.
"""

from typedb.facades.db import db
from typedb.query import excluded, fn

posts = db.select_from("blog__posts")
posts.inner_join("users", "blog__posts.author_id", "users.nmae")  # missed: right join column unknown
db.select_from("items").select(fn.count("nmae"))  # missed: aggregate over an unknown column
db.select_from("items").select("name").group_by("name").having(fn.count("id"), ">", "many")  # missed: count is an int
db.insert_into("items").values({"name": "a"}).on_conflict(
    lambda oc: oc.column("nmae").do_nothing()  # E: unknown conflict column
)
db.insert_into("items").values({"name": "a"}).on_conflict(
    lambda oc: oc.column("name").do_update_set({"titel": excluded("name")})  # E: unknown set key
)
db.insert_into("items").values({"name": "a"}).on_conflict(
    lambda oc: oc.column("name").do_update_set({"name": excluded("titel")})  # missed: unknown excluded
)
db.update_table("items").where("id", "=", 1).execute()  # E: an update without set()
db.update_table("items").set({"name": "b"}).execute_take_first()  # E: a write without returning()
db.delete_from("items").execute_take_first_or_throw()  # E: a write without returning()
db.select_from("items").select()  # E: an empty select()
db.select_from("items").group_by()  # E: an empty group_by()
db.delete_from("items").returning()  # E: an empty returning()
db.select_from("items").where("name", "in", "lamp")  # E: a bare str is not an in list
only_id = db.select_from("items").select("id").execute_take_first_or_throw()
only_id["name"]  # missed: not selected (narrowed rows: mypy+plugin per the issue)
