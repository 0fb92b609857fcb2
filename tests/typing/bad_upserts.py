"""Planted upsert mistakes: each # E line errors in all three checkers."""

from typedb.facades.db import db
from typedb.query import excluded

new = db.insert_into("users").values({"email": "a@x", "name": "A"})
new.on_conflict(lambda oc: oc.column("emial").do_nothing())  # E: unknown conflict column
new.on_conflict(lambda oc: oc.columns(["email", "nmae"]).do_nothing())  # E: unknown conflict column
new.on_conflict(lambda oc: oc.column("email").do_update_set({"nmae": "x"}))  # E: unknown do_update_set key
new.on_conflict(lambda oc: oc.column("email").do_update_set({"name": 1}))  # E: wrong do_update_set value type
new.on_conflict(lambda oc: oc.column("email").do_update_set({"name": excluded("titel")}))  # plugin only
