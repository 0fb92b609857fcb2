"""Core: the users table."""

from typedb import Database

table = "users"


def up(db: Database) -> None:
    db.schema.create_table(table) \
        .add_id_column() \
        .add_column("email", "text", lambda col: col.not_null().unique()) \
        .add_column("name", "text", lambda col: col.not_null()) \
        .add_timestamp_columns() \
        .execute()  # fmt: skip


def down(db: Database) -> None:
    db.schema.drop_table(table).execute()
