"""A value type as text, so that it rides in a query's state (JSON, see _state) from the
call that made it (`(eb.ref("price") * 2).as_("doubled")`) to the rows of execute().

Only what rows hold is spelled: classes without type arguments (`decimal.Decimal`), None,
and unions of them; anything else is `Any` (the row key is still there, loosely typed).
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    NoneType,
    Type,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

ANY = "Any"
NONE = "None"


def type_text(typ: Type) -> str:
    """`decimal.Decimal | None` as `"decimal.Decimal|None"`; `"Any"` for what is not spelled."""
    proper = get_proper_type(typ)
    members = proper.items if isinstance(proper, UnionType) else [proper]
    names: list[str] = []
    for member in members:
        member = get_proper_type(member)
        if isinstance(member, LiteralType):
            member = member.fallback
        if isinstance(member, NoneType):
            names.append(NONE)
        elif isinstance(member, Instance) and not member.args:
            names.append(member.type.fullname)
        else:
            return ANY
    return "|".join(names) or ANY


def text_type(text: str, named: Callable[[str], Instance]) -> Type:
    """The type `type_text` spelled; Any where a class is not loaded."""
    if text == ANY:
        return AnyType(TypeOfAny.special_form)
    members: list[Type] = []
    for name in text.split("|"):
        if name == NONE:
            members.append(NoneType())
            continue
        try:
            members.append(named(name))
        except (AssertionError, KeyError):  # a module mypy has not loaded here
            return AnyType(TypeOfAny.special_form)
    return make_simplified_union(members)
