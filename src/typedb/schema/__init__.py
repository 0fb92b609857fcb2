"""The fluent schema builder: `db.schema.create_table(...)` and friends."""

from typedb.schema._alter_table import AlterTable
from typedb.schema._builder import SchemaBuilder
from typedb.schema._column import AlterColumnBuilder, ColumnBuilder
from typedb.schema._constraint import ForeignKeyBuilder
from typedb.schema._create_table import CreateTable
from typedb.schema._drop_table import DropTable
from typedb.schema._index import CreateIndex, DropIndex
from typedb.schema._render import Now

__all__ = [
    "AlterColumnBuilder",
    "AlterTable",
    "ColumnBuilder",
    "CreateIndex",
    "CreateTable",
    "DropIndex",
    "DropTable",
    "ForeignKeyBuilder",
    "Now",
    "SchemaBuilder",
]
