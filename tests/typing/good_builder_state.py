"""Builder state: execute() once a write has what it needs, execute_take_first*() once it
has returning(), in any order the runtime accepts."""

from typing import assert_type, reveal_type

import typedb
from typedb.facades.db import DeleteResult, ItemsRow, UpdateResult, db

assert_type(db.update_table("items").where("id", "=", 1).set({"name": "x"}).execute(), UpdateResult[ItemsRow])
returned = db.update_table("items").set({"name": "x"}).returning("id").where("id", "=", 1)
assert_type(returned.execute_take_first(), ItemsRow | None)
assert_type(db.update_table("items").returning_all().set({"name": "x"}).execute_take_first_or_throw(), ItemsRow)
assert_type(db.delete_from("items").where("id", "=", 1).execute(), DeleteResult[ItemsRow])
assert_type(db.delete_from("items").returning_all().execute_take_first(), ItemsRow | None)
assert_type(db.soft_delete("items").where("id", "=", 1).returning("id").execute_take_first_or_throw(), ItemsRow)
assert_type(db.insert_into("items").returning("id").values({"name": "x"}).execute_take_first(), ItemsRow | None)
db.insert_into("items").values({"name": "x", "created_at": typedb.sql("CURRENT_TIMESTAMP")}).execute()
db.update_table("items").set({"updated_at": typedb.sql("CURRENT_TIMESTAMP")}).execute()
db.select_from("items").where("created_at", "<", typedb.sql("CURRENT_TIMESTAMP")).execute()
db.select_from("items").where("id", "in", {1, 2}).where("id", "not in", (3, 4)).execute()
db.select_from("items").where("price", ">", 5).where("price", "in", [5]).execute()
db.select_from("items").where("name", "ilike", "L%").select_all("items").execute()
with db.transaction(immediate=True) as trx:
    trx.update_table("items").set({"name": "y"}).execute()
reveal_type(db.delete_from("users").returning("id").execute_take_first())  # reveal: UsersRow | None
