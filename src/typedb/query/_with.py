"""`db.with_(name, query)` / `db.with_recursive(...)`: common table expressions, selectable
like tables.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> recent = db.select_from("orders").where("total", ">", 10)
    >>> print(db.with_("big", recent).select_from("big").select("id").compile().sql)
    WITH `big` AS (SELECT * FROM `orders` WHERE `total` > ?) SELECT `id` FROM `big`
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from typedb._cte_name import cte_name
from typedb._errors import CompileError
from typedb.dialects import quote_identifier
from typedb.query._expr import Shape, Values
from typedb.query._select import SelectQuery

if TYPE_CHECKING:
    from typedb.connection import Database


class QueryCreator:
    """The CTEs declared so far; `select_from()` starts the query that uses them.
    Immutable, like the builders."""

    __slots__ = ("_ctes", "_db", "_values")

    def __init__(self, db: Database, ctes: tuple[Shape, ...] = (), values: Values = ()) -> None:
        self._db = db
        self._ctes = ctes
        self._values = values

    # `query` is Any, as in Database.with_: the typed facade's selects (`ItemsSelect`, ...) are
    # typed by the stubs only, and are no SelectQuery to a checker.
    def with_(self, name: str, query: Any | Callable[[QueryCreator], Any]) -> QueryCreator:
        """Another CTE, which may use the ones before it."""
        return self._with(False, name, query)

    def with_recursive(self, name: str, query: Any | Callable[[QueryCreator], Any]) -> QueryCreator:
        """A CTE that selects from itself: a base query `union_all` a query joining `name`,
        its columns named: `with_recursive("chain(id, depth)", base.union_all(step))`."""
        return self._with(True, name, query)

    def _with(self, recursive: bool, name: str, query: Any) -> QueryCreator:
        parsed = cte_name(name) if type(name) is str else None
        if parsed is None:
            raise CompileError(f"a CTE name is 'name' or 'name(col, ...)', got {name!r}")
        table, columns = parsed
        for identifier in (table, *columns):
            quote_identifier(identifier)  # refuses what cannot be a name
        if callable(query) and not isinstance(query, SelectQuery):
            query = query(QueryCreator(self._db))
        if not isinstance(query, SelectQuery):
            raise CompileError(f"with_({name!r}, ...) takes a select_from() query, got {query!r}")
        shape, values = query._subquery()
        if recursive:
            _refuse_recursive_limits(table, shape)
        record = ("with", recursive, table, columns, shape)
        return QueryCreator(self._db, (*self._ctes, record), self._values + values)

    def select_from(self, table: str) -> SelectQuery:
        """A SELECT on `table`, a CTE's name or any table, with the CTEs before it."""
        query = SelectQuery(self._db, table)
        query._shape = query._shape + self._ctes
        query._values = self._values
        return query


def _refuse_recursive_limits(name: str, shape: Shape) -> None:
    """ORDER BY / LIMIT / OFFSET on a recursive CTE's union: SQLite uses them to steer the
    recursion (LIMIT 2 stops after two rows, ORDER BY picks the next row to expand) while
    PostgreSQL refuses them ("LIMIT in a recursive query is not implemented"). Refused on
    both, at the call, rather than left to differ."""
    records = shape[1:]
    if not any(r[0] == "compound" for r in records):
        return  # no union: not recursive, and PostgreSQL takes a LIMIT there too
    for record in records:
        if record[0] in ("order", "limit", "offset"):
            clause = "order_by" if record[0] == "order" else record[0]
            raise CompileError(
                f"with_recursive({name!r}, ...) has {clause}() on its union: PostgreSQL refuses "
                "it in a recursive query and SQLite would use it to stop or order the "
                f"recursion; put it on the query that reads the CTE (select_from({name!r})"
                f".{clause}(...)), or bound the recursion with a depth column in the step's where()"
            )
