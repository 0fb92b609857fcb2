"""Core: the items table, soft-deletable."""

from typedb import Database

table = "items"


def up(db: Database) -> None:
    db.schema.create_table(table) \
        .add_id_column() \
        .add_column("name", "text", lambda col: col.not_null()) \
        .add_column("description", "text") \
        .add_column("price", "numeric(10,2)", lambda col: col.not_null().default_to(0)) \
        .add_timestamp_columns() \
        .add_soft_delete_column() \
        .execute()  # fmt: skip


def down(db: Database) -> None:
    db.schema.drop_table(table).execute()
