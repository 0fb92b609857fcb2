"""What stays checked around aliases: each # E line errors in all three checkers."""

from typedb.facades.db import db

db.select_from("items").where("i.price", ">", 5)  # E: an alias the query does not have
db.select_from("items").select_all("i")  # E: select_all of an alias the query does not have
db.insert_into("items as i")  # E: writes take a table name, not an alias
db.select_from("items as i").where("i.price", ">", 5).execute()  # plugin only: loose query
