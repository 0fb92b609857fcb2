"""`eb.fn` and `eb.case()`: the function and CASE parts of the expression builder.

eb.fn("lower", "name")                       lower("name")
eb.fn.coalesce("discount", 0)                coalesce("discount", %s)
eb.fn.sum(eb.ref("price") * eb.ref("qty"))   SUM(("price" * "qty"))
eb.case().when("qty", ">", 10).then("bulk").else_("retail").end()
"""

from __future__ import annotations

from typing import Any, overload

from typedb._errors import CompileError
from typedb.query import _node
from typedb.query._expr import Expression, _Functions, compare
from typedb.query._node import Expr, Node, Values


class Fn(_Functions):
    """`eb.fn(name, *args)` calls any SQL function; string arguments are column names (bind a
    string with `eb.val`). Attributes name the common ones, so checkers know their types."""

    def __call__(self, name: str, *args: Any) -> Expr[Any]:
        return _node.function(name, args)

    def coalesce(self, *args: Any) -> Expr[Any]:
        """The first argument that is not NULL: `eb.fn.coalesce("nickname", "name")`."""
        if not args:
            raise CompileError("coalesce() needs at least one argument")
        return _node.function("coalesce", args)

    def lower(self, value: Any) -> Expr[str]:
        return _node.function("lower", (value,))

    def upper(self, value: Any) -> Expr[str]:
        return _node.function("upper", (value,))

    def length(self, value: Any) -> Expr[int]:
        return _node.function("length", (value,))

    def abs(self, value: Any) -> Expr[Any]:
        return _node.function("abs", (value,))


FN = Fn()


class Case:
    """A CASE expression under construction: `when(...)` then `then(...)`, as often as
    needed, then `else_(...)` and/or `end()`."""

    __slots__ = ("_dialect", "_pending", "_values", "_whens")

    def __init__(
        self,
        dialect: str,
        whens: tuple[tuple[Any, Node], ...] = (),
        values: Values = (),
        pending: Any = None,
    ) -> None:
        self._dialect = dialect
        self._whens = whens
        self._values = values
        self._pending = pending

    @overload
    def when(self, column: Any, op: str, value: Any, /) -> Case: ...
    @overload
    def when(self, condition: Expression, /) -> Case: ...
    def when(self, *args: Any) -> Case:
        """`when(column, op, value)` or `when(eb(...) & eb(...))`."""
        if self._pending is not None:
            raise CompileError("case(): when() must be followed by then()")
        if len(args) == 1 and isinstance(args[0], Expression):
            shape, values = args[0].shape, args[0].values
        elif len(args) == 3:
            shape, values = compare(self._dialect, args[0], args[1], args[2])
        else:
            raise CompileError("when() takes (column, op, value) or an eb(...) condition")
        return Case(self._dialect, self._whens, self._values + values, shape)

    def then(self, value: Any) -> CaseThen:
        """What the CASE gives when the last condition holds (a value is bound)."""
        if self._pending is None:
            raise CompileError("case(): then() must follow when()")
        result = _node.to_expr(value)
        whens = (*self._whens, (self._pending, result.node))
        return CaseThen(self._dialect, whens, self._values + result.values)


class CaseThen(Expr[Any]):
    """A CASE with at least one WHEN ... THEN: usable as it is (no ELSE: NULL), or go on with
    `when()`, `else_()`, `end()`."""

    __slots__ = ("_dialect", "_whens")

    def __init__(self, dialect: str, whens: tuple[tuple[Any, Node], ...], values: Values) -> None:
        super().__init__(("case", whens, None), values)
        self._dialect = dialect
        self._whens = whens

    def when(self, *args: Any) -> Case:
        return Case(self._dialect, self._whens, self.values).when(*args)

    def else_(self, value: Any) -> Expr[Any]:
        other = _node.to_expr(value)
        return Expr(("case", self._whens, other.node), self.values + other.values)

    def end(self) -> Expr[Any]:
        return Expr(self.node, self.values)
