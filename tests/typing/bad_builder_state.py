"""Planted builder-state and operator mistakes: each # E line errors in all three checkers."""

from typedb.facades.db import db
from typedb.query import fn

db.update_table("items").where("id", "=", 1).execute()  # E: update without set()
db.insert_into("items").execute()  # E: insert without values()
db.update_table("items").set({"name": "x"}).execute_take_first()  # E: take_first without returning()
db.insert_into("items").values({"name": "x"}).execute_take_first_or_throw()  # E: take_first without returning()
db.delete_from("items").execute_take_first()  # E: take_first without returning()
db.soft_delete("items").execute_take_first()  # E: take_first without returning()
db.select_from("items").select()  # E: empty select()
db.select_from("items").group_by()  # E: empty group_by()
db.insert_into("items").values({"name": "x"}).returning()  # E: empty returning()
db.update_table("items").set({"name": "x"}).returning()  # E: empty returning()
db.select_from("items").where("price", "like", "1%")  # E: like on a number column
db.select_from("items").where("created_at", "ilike", "2026%")  # E: ilike on a datetime column
db.select_from("items").where("name", "in", "abc")  # E: a bare str is not an in-list
db.select_from("items").where("name", "not in", "abc")  # E: a bare str is not an in-list
db.select_from("items").having(fn.count("id"), ">", None)  # E: None compared with an aggregate
