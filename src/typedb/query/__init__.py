"""The query builder: `db.select_from`, `insert_into`, `update_table`, `delete_from`,
`soft_delete`. Kysely's vocabulary in snake_case; every value a bound parameter."""

from typedb.query._expr import OPS, Aggregate, Expression, ExpressionBuilder, Op, fn
from typedb.query._insert import Excluded, InsertQuery, OnConflict, excluded
from typedb.query._result import DeleteResult, InsertResult, UpdateResult
from typedb.query._select import SelectQuery
from typedb.query._write import DeleteQuery, SoftDeleteQuery, UpdateQuery

__all__ = [
    "OPS",
    "Aggregate",
    "DeleteQuery",
    "DeleteResult",
    "Excluded",
    "Expression",
    "ExpressionBuilder",
    "InsertQuery",
    "InsertResult",
    "OnConflict",
    "Op",
    "SelectQuery",
    "SoftDeleteQuery",
    "UpdateQuery",
    "UpdateResult",
    "excluded",
    "fn",
]
