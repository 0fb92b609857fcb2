"""The SELECT calls beyond one table and one column: expressions in select / order_by /
group_by, joins on several conditions, subqueries (EXISTS, IN, scalar), compound queries
(UNION ...), DISTINCT ON and PostgreSQL's row locks. Each records a shape like every call,
so the shape cache applies to all of them; a subquery's values follow in call order.
"""

from __future__ import annotations

import dis
import inspect
import sqlite3
from collections.abc import Callable, Sequence
from types import CodeType, FunctionType
from typing import Any, Self, TypeAlias

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.dialects import quote_identifier
from typedb.query._base import Filtered
from typedb.query._expr import Aggregate, Expression, ExpressionBuilder, Shape, Values, compare
from typedb.query._node import Expr
from typedb.query._node import ref as column_ref

ExprCallback: TypeAlias = Callable[[ExpressionBuilder], Any]
JoinOn: TypeAlias = Callable[["JoinBuilder"], Expression]

#: SQLite got RIGHT and FULL OUTER JOIN in 3.39.0.
SQLITE_OUTER_JOINS = (3, 39, 0)


class JoinBuilder(ExpressionBuilder):
    """What a join callback receives: `on("a.x", "=", "t.y")` compares two COLUMNS (a string
    on the right is a column name, as in a join it nearly always is); other values are bound,
    and `on.val("text")` binds a string."""

    __slots__ = ()

    def __call__(self, column: Any, op: Any, value: Any) -> Expression:
        if type(value) is str:
            value = self.ref(value)
        return super().__call__(column, op, value)


# One builder per dialect: it holds nothing else, so select callbacks share it.
_BUILDERS = {name: ExpressionBuilder(name) for name in ("sqlite", "postgresql")}


def builder_for(dialect: str) -> ExpressionBuilder:
    """The `eb` a select / order_by / group_by callback receives on `dialect`."""
    found = _BUILDERS.get(dialect)
    return found if found is not None else ExpressionBuilder(dialect)


def expression_items(
    columns: Sequence[Any], dialect: str, table: str
) -> tuple[tuple[Any, ...], Values]:
    """select() items with eb expressions and callbacks: expressions become ("x", node,
    alias) records, their values gathered in order."""
    known = _CALLBACK_ITEMS.get(dialect)  # the eb builder is looked up only to call one
    items: list[Any] = []
    values: Values = ()
    for column in columns:
        kind = type(column)
        if kind is str:
            items.append(column)
            continue
        if kind is FunctionType and known is not None:
            code = column.__code__
            made = known.get(code)
            if made is None:
                made = _pure_callback_items(code, column(builder_for(dialect)), table, known)
            if made is not _IMPURE:
                items.extend(made[0])
                values += made[1]
                continue
        found = column if kind is Expr or not callable(column) else column(builder_for(dialect))
        found_items, found_values = _items_of(found, table)
        items.extend(found_items)
        values += found_values
    return tuple(items), values


def _items_of(found: Any, table: str) -> tuple[list[Any], Values]:
    """The select items and values of what a select() column or callback gave."""
    items: list[Any] = []
    values: Values = ()
    for item in found if type(found) is list or type(found) is tuple else (found,):
        if isinstance(item, Expr):
            if item.alias is None and item.node[0] != "ref":
                raise CompileError(
                    f"an expression selected from table {table!r} needs a name: "
                    f"add .as_('name') to {item!r}"
                )
            items.append(("x", item.node, item.alias))
            values += item.values
        elif type(item) is str or isinstance(item, Fragment | Aggregate):
            items.append(item)
        else:
            raise CompileError(
                f"select() on table {table!r}: a callback must return expressions or "
                f"column names, got {item!r}"
            )
    return items, values


# -- select callbacks that can only give one answer --------------------------------------------
#
# A select() callback runs for every query (it may close over the request's values), and
# running `lambda eb: (eb.ref("price") * 2).as_("doubled")` with its eb calls is most of what
# such a select() costs (about 20k instructions a query against 4k for plain names). A function
# that reads nothing but its `eb` argument and constants, calls only eb's own API (whose
# methods make new immutable expressions from their arguments and nothing else) and keeps no
# state gives the same items for the same dialect every time: its items are kept by code object
# and it is not called again. What "reads nothing else" means is decided once per code object,
# from its bytecode, conservatively: any instruction outside the short list below (a global, a
# closure cell, a default, an attribute outside eb's API, a store, a nested function, an
# instruction a newer Python adds) and the callback simply runs every time, as before.

_IMPURE: Any = ("impure",)
_SAFE_OPS = frozenset(
    {
        "RESUME", "NOP", "CACHE", "EXTENDED_ARG", "LOAD_FAST", "LOAD_FAST_LOAD_FAST",
        "LOAD_CONST", "LOAD_ATTR", "LOAD_METHOD", "PUSH_NULL", "PRECALL", "KW_NAMES", "CALL",
        "CALL_KW", "BINARY_OP", "UNARY_INVERT", "UNARY_NEGATIVE", "BUILD_TUPLE", "BUILD_LIST",
        "RETURN_VALUE", "RETURN_CONST",
    }
)  # fmt: skip
# Functions that take more than one argument or run in steps run as they are. (Other flags
# say how the code was compiled, `from __future__ import annotations` for one.)
_UNPLAIN_FLAGS = (
    inspect.CO_VARARGS
    | inspect.CO_VARKEYWORDS
    | inspect.CO_GENERATOR
    | inspect.CO_COROUTINE
    | inspect.CO_ITERABLE_COROUTINE
    | inspect.CO_ASYNC_GENERATOR
)
_MAX_KEPT = 1024  # per dialect; callbacks are written in code, so there are few of them


def _eb_api() -> frozenset[str]:
    from typedb.query._eb import Case, CaseThen, Fn

    kinds = (ExpressionBuilder, Expr, Fn, Case, CaseThen, Aggregate)
    return frozenset(n for kind in kinds for n in dir(kind) if not n.startswith("_"))


_EB_API = _eb_api()
_CALLBACK_ITEMS: dict[str, dict[CodeType, Any]] = {name: {} for name in _BUILDERS}


def reads_only_eb(code: CodeType) -> bool:
    """Whether a function with this code computes its result from its one argument (eb),
    constants and eb's API alone: nothing it reads can differ between two calls.

    >>> reads_only_eb((lambda eb: (eb.ref("price") * 2).as_("doubled")).__code__)
    True
    >>> factor = 2
    >>> reads_only_eb((lambda eb: (eb.ref("price") * factor).as_("doubled")).__code__)
    False
    """
    if (
        code.co_argcount != 1
        or code.co_kwonlyargcount
        or code.co_freevars
        or code.co_cellvars
        or code.co_flags & _UNPLAIN_FLAGS
        or any(type(c) is CodeType for c in code.co_consts)
    ):
        return False
    for ins in dis.get_instructions(code):
        if ins.opname not in _SAFE_OPS:
            return False
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and ins.argval not in _EB_API:
            return False
    return True


def _pure_callback_items(code: CodeType, found: Any, table: str, known: dict[CodeType, Any]) -> Any:
    """The items and values of a callback's result (raising as _items_of does), kept for
    its code if it reads only eb (else `_IMPURE`, kept too: decided once)."""
    made = _items_of(found, table)
    kept = (tuple(made[0]), made[1]) if reads_only_eb(code) else _IMPURE
    if len(known) < _MAX_KEPT:
        known[code] = kept
    return made if kept is _IMPURE else kept


def select_width(records: Shape) -> int | None:
    """How many columns a SELECT gives, when each item is one column (no `*`, no fragment)."""
    width = 0
    for record in records:
        if record[0] == "select":
            for item in record[1]:
                if isinstance(item, Fragment) or (
                    type(item) is str and (item == "*" or item.endswith(".*"))
                ):
                    return None
                width += 1
    return width or None


class SelectParts(Filtered):
    __slots__ = ()

    # -- expressions ---------------------------------------------------------------------------

    def _expression(self, value: Any, where: str) -> Expr[Any]:
        found = value if isinstance(value, Expr) else value(builder_for(self._dialect))
        if not isinstance(found, Expr):
            raise CompileError(
                f"{where}() on table {self._table!r} needs an eb expression, got {found!r}"
            )
        return found

    def _group_expressions(self, columns: Sequence[Any]) -> Self:
        items: list[Any] = []
        values: Values = ()
        for c in columns:
            if type(c) is str:
                items.append(c)
            else:
                e = self._expression(c, "group_by")
                items.append(e.node)
                values += e.values
        return self._add(("group", tuple(items)), values)

    # -- joins ---------------------------------------------------------------------------------

    def _join_on(self, kind: str, table: str, build: JoinOn) -> Self:
        if type(table) is not str or not table:
            raise CompileError(f"{kind}_join() takes a table name, got {table!r}")
        too_old = sqlite3.sqlite_version_info < SQLITE_OUTER_JOINS
        if kind in ("right", "full") and self._dialect == "sqlite" and too_old:
            raise CompileError(
                f"{kind}_join({table!r}) needs SQLite 3.39 or newer; this Python's SQLite "
                f"is {sqlite3.sqlite_version}"
            )
        cond = build(JoinBuilder(self._dialect))
        if not isinstance(cond, Expression):
            raise CompileError(f"the {kind}_join() callback must return a condition, got {cond!r}")
        return self._add(("join", kind, table, cond.shape), cond.values)

    def right_join(self, table: str, left_column: Any, right_column: Any = None) -> Self:
        """`RIGHT JOIN` (PostgreSQL; SQLite 3.39+): columns of the FROM table may be None."""
        return self._join_on("right", table, _on(left_column, right_column))

    def full_join(self, table: str, left_column: Any, right_column: Any = None) -> Self:
        """`FULL OUTER JOIN` (PostgreSQL; SQLite 3.39+): either side's columns may be None."""
        return self._join_on("full", table, _on(left_column, right_column))

    # -- subqueries ----------------------------------------------------------------------------

    def _subquery(self) -> tuple[Shape, Values]:
        """This query as a value of another: its whole shape and its values."""
        return self._shape, self._values

    def as_(self, alias: str) -> Expr[Any]:
        """This query as a scalar value named `alias`, for another query's select():
        `select(db.select_from("invoices").select(fn.count()).where_ref(...).as_("n"))`."""
        quote_identifier(alias)
        return Expr(("sub", self._shape), self._values, alias)

    def where_exists(self, query: Any) -> Self:
        """`WHERE EXISTS (subquery)`; the subquery may reference this query's tables."""
        e = ExpressionBuilder(self._dialect).exists(query)
        return self._add(("where", e.shape), e.values)

    def where_not_exists(self, query: Any) -> Self:
        e = ExpressionBuilder(self._dialect).not_exists(query)
        return self._add(("where", e.shape), e.values)

    def where_ref(self, column: str, op: str, other_column: str) -> Self:
        """Compare two columns: `where_ref("invoices.customer_id", "=", "customers.id")`
        (Kysely's whereRef), as a correlated subquery needs."""
        shape, values = compare(self._dialect, column, op, column_ref(other_column))
        return self._add(("where", shape), values)

    # -- compound queries ----------------------------------------------------------------------

    def union(self, other: SelectParts) -> Self:
        """`UNION` (duplicates removed); both queries give the same number of columns."""
        return self._compound("UNION", other)

    def union_all(self, other: SelectParts) -> Self:
        return self._compound("UNION ALL", other)

    def intersect(self, other: SelectParts) -> Self:
        return self._compound("INTERSECT", other)

    def except_(self, other: SelectParts) -> Self:
        return self._compound("EXCEPT", other)

    def _compound(self, operator: str, other: SelectParts) -> Self:
        name = _call_name(operator)
        if not isinstance(other, SelectParts):
            raise CompileError(f"{name}() takes a select_from() query, got {other!r}")
        for record in other._records:
            if record[0] in ("order", "limit", "offset", "lock", "with"):
                raise CompileError(
                    f"the query given to {name}() on table {other._table!r} has {record[0]}: "
                    "put order_by / limit / offset on the whole compound query instead"
                )
        lock = next((r[1] for r in self._records if r[0] == "lock"), None)
        if lock is not None:
            raise _lock_with_compound(f"{name}()", self._table, f"{_call_name(lock)}()")
        mine = select_width(tuple(r for r in self._records if r[0] != "compound"))
        theirs = select_width(other._records)
        if mine is not None and theirs is not None and mine != theirs:
            raise CompileError(
                f"{name}() needs the same number of columns on both sides: table "
                f"{self._table!r} selects {mine}, table {other._table!r} selects {theirs}"
            )
        return self._add(("compound", operator, other._shape), other._values)

    # -- PostgreSQL: DISTINCT ON and row locks --------------------------------------------------

    def distinct_on(self, *columns: str) -> Self:
        """`SELECT DISTINCT ON (columns)`: the first row of each group, in order_by order."""
        self._postgres_only("distinct_on()", "no equivalent")
        if not columns or not all(type(c) is str for c in columns):
            raise CompileError(f"distinct_on() needs column names, got {columns!r}")
        return self._add(("distinct_on", columns))

    def for_update(self) -> Self:
        """`FOR UPDATE`: lock the selected rows until the transaction ends."""
        return self._lock("FOR UPDATE")

    def for_share(self) -> Self:
        return self._lock("FOR SHARE")

    def skip_locked(self) -> Self:
        """`SKIP LOCKED`: leave out rows another transaction has locked (job queues)."""
        return self._lock_option("SKIP LOCKED")

    def nowait(self) -> Self:
        """`NOWAIT`: fail at once instead of waiting for a locked row."""
        return self._lock_option("NOWAIT")

    def _lock(self, clause: str) -> Self:
        name = f"{clause.lower().replace(' ', '_')}()"
        self._postgres_only(name, "no row locks")
        compound = next((r[1] for r in self._records if r[0] == "compound"), None)
        if compound is not None:
            raise _lock_with_compound(f"{_call_name(compound)}()", self._table, name)
        return self._add(("lock", clause))

    def _lock_option(self, option: str) -> Self:
        name = f"{option.lower().replace(' ', '_')}()"
        self._postgres_only(name, "no row locks")
        if not any(r[0] == "lock" for r in self._records):
            raise CompileError(f"{name} goes after for_update() or for_share()")
        taken = next((r[1] for r in self._records if r[0] == "lock" and r[1] in _OPTIONS), None)
        if taken is not None:
            # PostgreSQL's syntax error would not say why: a lock either skips locked rows
            # or fails on them, not both.
            raise CompileError(
                f"{name} on table {self._table!r} after {taken.lower().replace(' ', '_')}(): "
                "a row lock takes one of skip_locked() (leave locked rows out) and nowait() "
                "(fail on a locked row)"
            )
        return self._add(("lock", option))

    def _postgres_only(self, name: str, why: str) -> None:
        if self._dialect == "sqlite":
            # The advice is about locks: distinct_on() has nothing to do with transactions.
            advice = (
                ". In SQLite, db.transaction(immediate=True) takes the whole database's write "
                "lock at BEGIN, which serializes the transactions that would lock rows"
                if why == "no row locks"
                else "; group_by() the columns, or order and take the first row per group"
            )
            raise CompileError(
                f"{name} on table {self._table!r} is PostgreSQL only: SQLite has {why}{advice}"
            )


_OPTIONS = frozenset({"SKIP LOCKED", "NOWAIT"})


def _call_name(sql: str) -> str:
    """The builder method that writes an SQL keyword: "UNION ALL" -> "union_all"."""
    return "except_" if sql == "EXCEPT" else sql.lower().replace(" ", "_")


def _lock_with_compound(compound: str, table: str, lock: str) -> CompileError:
    # PostgreSQL: "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT"; said at the call.
    return CompileError(
        f"{lock} with {compound} on table {table!r}: PostgreSQL cannot lock the rows of a "
        "union, intersect or except (they are not rows of one table); lock each query's "
        "rows on its own, in the same transaction"
    )


def _on(left_column: Any, right_column: Any) -> JoinOn:
    if right_column is None and callable(left_column):
        return left_column  # type: ignore[no-any-return]
    return lambda on: on(left_column, "=", right_column)
