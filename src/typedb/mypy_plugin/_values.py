"""Whether a value fits a column under an operator, for the columns the stubs leave loose
(`"u.email"` after an alias: the stubs accept any value there, the plugin checks it)."""

from __future__ import annotations

from collections.abc import Callable

from mypy.messages import format_type_bare
from mypy.options import Options
from mypy.subtypes import is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import AnyType, Instance, NoneType, Type, get_proper_type

from typedb.mypy_plugin._rows import _without_none

IN_OPS = ("in", "not in")
NULL_OPS = ("is", "is not")
TEXT_OPS = ("like", "ilike")
FRAGMENT = "typedb._sql.Fragment"


def value_problem(
    column: str,
    op: str,
    value: Type,
    column_type: Type,
    named: Callable[[str], Instance],
    options: Options,
) -> str | None:
    """Why `where(column, op, value)` is wrong for a column of `column_type`, or None.
    `column` is how the message names it (`'i.price'`, `fn.sum('price')`)."""

    def show(typ: Type) -> str:
        return format_type_bare(typ, options)

    proper = get_proper_type(value)
    if isinstance(proper, AnyType):
        return None
    base = _without_none(column_type)
    if op in NULL_OPS:
        return None if isinstance(proper, NoneType) else f"{op!r} compares {column} with None only"
    if op in TEXT_OPS and not is_subtype(base, named("builtins.str")):
        return f"{op!r} applies to text columns; {column} is {show(base)}"
    if op in IN_OPS:
        if is_subtype(proper, named("builtins.str")):
            return f"{op!r} takes a list, tuple or set of values for {column}, not a str"
        if isinstance(proper, Instance) and proper.type.fullname.startswith("typedb.facades."):
            return None  # a subquery
        element = _accepted(base, named)
        iterable = Instance(named("typing.Iterable").type, [element])
        if not is_subtype(proper, iterable):
            return f"{op!r} on {column} takes values of type {show(base)}, got {show(value)}"
        return None
    if isinstance(proper, NoneType):
        return f"compare {column} with None using 'is' or 'is not'"
    if not is_subtype(proper, make_simplified_union([_accepted(base, named), named(FRAGMENT)])):
        return f"{column} is {show(base)}, the value is {show(value)}"
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
