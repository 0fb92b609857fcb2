"""The fluent schema builder: `db.schema.create_table(...)` and friends."""

from typedb.schema._builder import SchemaBuilder

__all__ = ["SchemaBuilder"]
