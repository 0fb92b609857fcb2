"""The query builder v2 parts of `_db/_query.pyi` (issue 11): `eb` expressions, subqueries,
compound queries, joins on conditions, row locks, scalar subqueries.

How precise each is:
- `eb.ref(column)` is `Expr[T]` with T the column's value type (its bucket); `Expr`'s own
  operator overloads (typedb.query.Expr) carry T through arithmetic (`Expr[Decimal] * Expr[int]`
  is `Expr[Decimal]`). `eb.val(x)` is `Expr[type of x]`.
- `where(column, op, expr)` checks an `Expr[T]` value against the column's type; a subquery
  value is any select (its selected column's type is not in `Select`'s parameters).
- `select(lambda eb: ...)` / an `Expr` in select gives dict rows (aliases are not Literals a
  stub can key on); compound queries keep the left query's Row; CTE tables are loose.
  typedb.mypy_plugin types what these leave loose (see its _subquery, _expressions, _cte,
  _compound and _builder modules).
"""

from __future__ import annotations

from collections.abc import Callable

from typedb.contracts import ContractTable as Table
from typedb.stubgen._buckets import Bucket
from typedb.stubgen._table import Names, quote

# A table's overload is narrower than the any-name one after it, by design (pyright says so).
_PYRIGHT_OVERLAP = "  # pyright: ignore[reportOverlappingOverload]"
# The receiver of a join's one-overload-per-table `__call__`. ty evaluates every overload of a
# call and, for a generic class, matches the query against each one's implicit `self` type;
# `self: Any` leaves nothing to match (the class's type parameters still come from the query,
# in every checker, whenever the callable is taken from a query: `q.inner_join(...)`, `j =
# q.inner_join; j(...)`, passed on as a value). With 1,000 overloads a join took 25 % less of
# ty's time (benchmarks/typecheck_scale.py, 500 tables). The price: called through the class,
# `Join.__call__(j, "users", ...)`, nothing ties the receiver to the parameters any more: mypy
# gives UnknownJoinColumn (a `Where.__call__(...)`, Never) and no checker flags a receiver that
# is not a Join. The classes live in the private `_db` modules; pyright and ty already lost the
# query's types on that form.
RECEIVER = "self: Any"


def any_select(buckets: list[Bucket]) -> str:
    """Any select, sync or async, as a subquery."""
    anys = ", ".join(["Any"] * (len(buckets) + 4))
    return f"Select[{anys}] | AsyncSelect[{anys}]"


def v2_imports() -> str:
    return "from typedb.query import Case, Expr, Fn\n"


def builder_methods(buckets: list[Bucket]) -> str:
    """`eb.ref/val/fn/case/cast/exists/not_exists`, and comparisons of expressions."""
    any_col = " | ".join([b.var for b in buckets] + ["Loose"])
    refs = "".join(
        f"    @overload\n    def ref(self, column: {b.var}, /) -> Expr[{b.text}]: ...\n"
        for b in buckets
    )
    return (
        refs + "    @overload\n    def ref(self, column: Loose, /) -> Expr[Any]: ...\n"
        "    def val(self, value: _T, /) -> Expr[_T]: ...\n"
        "    @property\n    def fn(self) -> Fn: ...\n"
        "    def case(self) -> Case: ...\n"
        f"    def cast(self, value: Expr[Any] | {any_col}, type_name: str, /) -> Expr[Any]: ...\n"
        f"    def exists(self, query: {any_select(buckets)}, /) -> Expression: ...\n"
        f"    def not_exists(self, query: {any_select(buckets)}, /) -> Expression: ...\n"
    )


# The expression types a column of the key's type is compared with besides its own.
_WIDER: dict[str, tuple[str, ...]] = {"Decimal": ("int",), "float": ("int",)}


def expression_comparisons(buckets: list[Bucket], method: str, returns: str) -> str:
    """`method(column, op, value)` overloads where an expression or a subquery is involved:
    an `Expr[T]` value for a column of type T, a subquery for any column, and an expression
    on the left with any value."""
    out: list[str] = []
    for b in buckets:
        # Not `| Expr[Any]`: it took an Expr of any type (`eb("price", ">", eb.val("x"))`).
        # An Expr[Any] (a case(), an untyped ref) still fits Expr[T]; a nullable expression
        # (`eb.fn.lower("description")`) and an int expression for a numeric column are fine.
        texts = [b.text, *_WIDER.get(b.text, ())]
        value = " | ".join(f"Expr[{t}] | Expr[{t} | None]" for t in texts)
        out.append(
            f"    @overload\n    def {method}(self, column: {b.var}, op: CmpOp, "
            f"value: {value}, /) -> {returns}: ...\n"
        )
    any_col = " | ".join([b.var for b in buckets] + ["Loose"])
    out.append(
        f"    @overload\n    def {method}(self, column: {any_col}, op: CmpOp | InOp, "
        f"value: {any_select(buckets)}, /) -> {returns}: ...\n"
        f"    @overload\n    def {method}(self, column: Expr[Any] | Aggregate, op: Op, "
        f"value: object, /) -> {returns}: ...\n"
    )
    return "".join(out)


def filter_methods(buckets: list[Bucket]) -> str:
    any_col = " | ".join([b.var for b in buckets] + ["Loose"])
    return (
        f"    def where_exists(self, query: {any_select(buckets)}, /) -> Self: ...\n"
        f"    def where_not_exists(self, query: {any_select(buckets)}, /) -> Self: ...\n"
        f"    def where_ref(self, column: {any_col}, op: CmpOp, other_column: str, /) "
        "-> Self: ...\n"
    )


#: What a join callback receives (typedb.query.JoinBuilder at run time).
ON_CLASS = (
    "class On:\n"
    '    """What a join callback receives: `on("a.x", "=", "t.y")` compares two columns (a\n'
    '    string on the right is a column name); `on.val(x)` binds a value."""\n\n'
    "    def __call__(self, column: str | Expr[Any], op: Op, value: object, /) "
    "-> Expression: ...\n"
    "    def ref(self, column: str, /) -> Expr[Any]: ...\n"
    "    def val(self, value: _T, /) -> Expr[_T]: ...\n"
    "    def and_(self, expressions: Sequence[Expression]) -> Expression: ...\n"
    "    def or_(self, expressions: Sequence[Expression]) -> Expression: ...\n"
    "    def not_(self, expression: Expression) -> Expression: ...\n\n"
)


def select_methods(buckets: list[Bucket], bs: str, cls: str) -> str:
    """Select's v2 methods that return Self or an expression."""
    any_col = " | ".join([b.var for b in buckets] + ["Loose"])
    callback = f"Callable[[Builder[Loose, {bs}]], Expr[Any]]"
    loose_row = f"{cls}As[dict[str, Any], Tables, SoftDel, Loose, {bs}]"  # output names
    items = (
        f"Callable[[Builder[Loose, {bs}]], Expr[Any] | Aggregate | "
        "Sequence[Expr[Any] | Aggregate | str]]"
    )
    # A SelectQuery too: the step of a recursive CTE reads the CTE, a table the stubs do
    # not know, so it is built on the untyped Database (`typedb.Database`).
    other = f"{cls}[Any, {', '.join(['Any'] * (len(buckets) + 3))}] | SelectQuery"
    return (
        f"    @overload\n    def select(self, column: Expr[Any] | {items} | Aggregate | Fragment "
        f"| str, /, *columns: Expr[Any] | {items} | Aggregate | Fragment | str) -> {loose_row}: ...\n"
        f"    def order_by(self, column: {any_col} | Aggregate | Expr[Any] | {callback}, "
        "direction: Direction = ...) -> Self: ...\n"
        f"    def group_by(self, column: {any_col} | Expr[Any] | {callback}, /, "
        f"*columns: {any_col} | Expr[Any] | {callback}) -> Self: ...\n"
        f"    def union(self, other: {other}, /) -> Self: ...\n"
        f"    def union_all(self, other: {other}, /) -> Self: ...\n"
        f"    def intersect(self, other: {other}, /) -> Self: ...\n"
        f"    def except_(self, other: {other}, /) -> Self: ...\n"
        "    def for_update(self) -> Self: ...\n"
        "    def for_share(self) -> Self: ...\n"
        "    def skip_locked(self) -> Self: ...\n"
        "    def nowait(self) -> Self: ...\n"
        f"    def distinct_on(self, column: {any_col}, /, *columns: {any_col}) -> Self: ...\n"
        "    def as_(self, alias: str, /) -> Expr[Any]: ...\n"
    )


def callback_joins(
    method: str,
    tables: list[Table],
    names: dict[str, Names],
    bs: str,
    cls: str,
    joined: Callable[[Table, Names], str],
) -> str:
    """`method(table, lambda on: ...)`: one overload per table (its columns join the
    buckets), then any name (an alias or a CTE: loose)."""
    on = "Callable[[On], Expression]"
    out = [
        f"    @overload\n    def {method}({RECEIVER}, table: Literal[{quote(t.name)}], on: {on}, /) "
        f"-> {joined(t, names[t.name])}: ...{_PYRIGHT_OVERLAP}\n"
        for t in tables
    ]
    out.append(
        f"    @overload\n    def {method}({RECEIVER}, table: str, on: {on}, /) "
        f"-> {cls}[dict[str, Any], Tables, SoftDel, str, {bs}]: ...\n"
    )
    return "".join(out)
