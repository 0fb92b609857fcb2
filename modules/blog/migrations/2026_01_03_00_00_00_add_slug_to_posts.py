"""Blog module: a unique, optional slug per post."""

from typedb import Database

table = "blog__posts"
index = "blog__posts_slug_unique"


def up(db: Database) -> None:
    db.schema.alter_table(table).add_column("slug", "varchar(200)").execute()
    db.schema.create_index(index).on(table).columns(["slug"]).unique().execute()


def down(db: Database) -> None:
    db.schema.drop_index(index).execute()
    db.schema.alter_table(table).drop_column("slug").execute()
