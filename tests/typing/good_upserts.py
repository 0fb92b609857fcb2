"""Upserts: on_conflict columns and do_update_set keys are the table's; values may be
typed values, excluded(column) or typedb.sql()."""

from typing import assert_type, reveal_type

import typedb
from typedb.facades.db import InsertResult, UsersRow, db
from typedb.query import excluded

new = db.insert_into("users").values({"email": "a@x", "name": "A"})
up = new.on_conflict(lambda oc: oc.column("email").do_update_set({"name": excluded("name")}))
assert_type(up.execute(), InsertResult[UsersRow])
assert_type(up.returning("id", "email").execute_take_first_or_throw(), UsersRow)
new.on_conflict(lambda oc: oc.columns(["email"]).do_nothing()).execute()
new.on_conflict(lambda oc: oc.column("email").do_update_set({"updated_at": typedb.sql("now()")}))
new.on_conflict(lambda oc: oc.column("email").do_update_set({"name": "B"}))
reveal_type(up.returning_all().execute_take_first())  # reveal: UsersRow | None
