"""Planted mistakes in joined queries: each # E line is an error in mypy, pyright and ty."""

from typedb.facades.db import db

j = db.select_from("blog__posts").inner_join("users", "blog__posts.author_id", "users.id")
j.where("users.emial", "=", "x")  # E: unknown column of a joined table
j.where("users.email", "=", 1)  # E: wrong value type for a joined column
j.where("email", "=", 1)  # E: wrong value type for an unqualified joined column
j.order_by("users.nmae")  # E: unknown column in order_by
j.group_by("users.nmae")  # E: unknown column in group_by
j.select("users.nmae").execute()  # plugin only: select() also takes "col as alias" strings
j.select_all("items")  # E: select_all of a table not in the query
j.where(lambda eb: eb("users.emial", "=", "x"))  # E: unknown joined column in a group
posts = db.select_from("blog__posts")
posts.inner_join("users", "blog__posts.author_id", "users.idd").execute()  # E: wrong right join column
posts.left_join("users", "blog__posts.autor_id", "users.id").execute()  # E: wrong left join column
db.select_from("users").inner_join("users", "users.id", "users.id").where_not_deleted()  # E: no table with deleted_at
two = db.select_from("items").left_join("users", "items.id", "users.id")
three = two.inner_join("blog__posts", "users.id", "blog__posts.author_id")
three.where("blog__posts.titel", "=", "x")  # E: unknown column three joins deep
three.where("items.price", "=", "x")  # E: wrong value type three joins deep
