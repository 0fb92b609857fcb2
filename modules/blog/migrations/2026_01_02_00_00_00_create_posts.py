"""Blog module: posts, written by users (deleting a user deletes their posts)."""

from typedb import Database

table = "blog__posts"


def up(db: Database) -> None:
    db.schema.create_table(table) \
        .add_id_column() \
        .add_column(
            "author_id",
            "integer",
            lambda col: col.not_null().references("users.id").on_delete("cascade"),
        ) \
        .add_column("title", "text", lambda col: col.not_null()) \
        .add_column("body", "text") \
        .add_column("published", "boolean", lambda col: col.not_null().default_to(False)) \
        .add_timestamp_columns() \
        .add_soft_delete_column() \
        .execute()  # fmt: skip


def down(db: Database) -> None:
    db.schema.drop_table(table).execute()
