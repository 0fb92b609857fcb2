"""The query builder: `db.select_from`, `insert_into`, `update_table`, `delete_from`,
`soft_delete`. Kysely's vocabulary in snake_case; every value a bound parameter."""

from typedb.query._eb import Case, CaseThen, Fn
from typedb.query._expr import OPS, Aggregate, Expression, ExpressionBuilder, Op, fn
from typedb.query._insert import Excluded, InsertQuery, OnConflict, excluded
from typedb.query._node import Expr
from typedb.query._result import DeleteResult, InsertResult, UpdateResult
from typedb.query._select import SelectQuery
from typedb.query._select_parts import JoinBuilder
from typedb.query._with import QueryCreator
from typedb.query._write import DeleteQuery, RestoreQuery, SoftDeleteQuery, UpdateQuery

__all__ = [
    "OPS",
    "Aggregate",
    "Case",
    "CaseThen",
    "DeleteQuery",
    "DeleteResult",
    "Excluded",
    "Expr",
    "Expression",
    "ExpressionBuilder",
    "Fn",
    "InsertQuery",
    "InsertResult",
    "JoinBuilder",
    "OnConflict",
    "Op",
    "QueryCreator",
    "RestoreQuery",
    "SelectQuery",
    "SoftDeleteQuery",
    "UpdateQuery",
    "UpdateResult",
    "excluded",
    "fn",
]
