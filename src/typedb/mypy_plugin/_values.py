"""Whether a value fits a column under an operator, for the columns the stubs leave loose
(`"u.email"` after an alias: the stubs accept any value there, the plugin checks it)."""

from __future__ import annotations

from collections.abc import Callable

from mypy.subtypes import is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import AnyType, Instance, NoneType, Type, get_proper_type

from typedb.mypy_plugin._rows import _without_none

IN_OPS = ("in", "not in")
NULL_OPS = ("is", "is not")
TEXT_OPS = ("like", "ilike")
FRAGMENT = "typedb._sql.Fragment"


def value_problem(
    column: str, op: str, value: Type, column_type: Type, named: Callable[[str], Instance]
) -> str | None:
    """Why `where(column, op, value)` is wrong for a column of `column_type`, or None."""
    proper = get_proper_type(value)
    if isinstance(proper, AnyType):
        return None
    base = _without_none(column_type)
    if op in NULL_OPS:
        return (
            None if isinstance(proper, NoneType) else f"{op!r} compares {column!r} with None only"
        )
    if op in TEXT_OPS and not is_subtype(base, named("builtins.str")):
        return f"{op!r} applies to text columns; {column!r} is {_show(base)}"
    if op in IN_OPS:
        if is_subtype(proper, named("builtins.str")):
            return f"{op!r} takes a list, tuple or set of values for {column!r}, not a str"
        if isinstance(proper, Instance) and proper.type.fullname.startswith("typedb.facades."):
            return None  # a subquery
        element = _accepted(base, named)
        iterable = Instance(named("typing.Iterable").type, [element])
        if not is_subtype(proper, iterable):
            return f"{op!r} on {column!r} takes values of type {_show(base)}, got {_show(value)}"
        return None
    if isinstance(proper, NoneType):
        return f"compare {column!r} with None using 'is' or 'is not'"
    if not is_subtype(proper, make_simplified_union([_accepted(base, named), named(FRAGMENT)])):
        return f"column {column!r} is {_show(base)}, the value is {_show(value)}"
    return None


def _accepted(base: Type, named: Callable[[str], Instance]) -> Type:
    """What a column of type `base` takes: an int where a Decimal or float goes too."""
    proper = get_proper_type(base)
    if isinstance(proper, Instance) and proper.type.fullname in (
        "decimal.Decimal",
        "builtins.float",
    ):
        return make_simplified_union([base, named("builtins.int")])
    return base


def _show(typ: Type) -> str:
    return str(typ).replace("builtins.", "").replace("decimal.", "").replace("datetime.", "")
