"""Column annotations of a contract, read into what the stub generator and the schema check need.

>>> from typing import Optional
>>> from decimal import Decimal
>>> t = column_type(Optional[Decimal])
>>> (t.text, t.nullable, t.family, sorted(t.imports))
('Decimal', True, 'decimal', [('decimal', 'Decimal')])
>>> column_type(dict[str, Any]).text
'dict[str, Any]'
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin
from uuid import UUID

from typedb._errors import ContractError
from typedb.contracts._base import GENERATED

#: The family of values a column holds: compared with the database column's type family.
_FAMILIES: dict[type, str] = {
    bool: "bool",
    int: "int",
    float: "float",
    Decimal: "decimal",
    str: "str",
    bytes: "bytes",
    datetime: "datetime",
    date: "date",
    time: "time",
    timedelta: "interval",
    UUID: "uuid",
    dict: "json",
    list: "json",
}
_BUILTIN_NAMES = {bool, int, float, str, bytes, dict, list, object}
_ABC_NAMES = {"Sequence", "Mapping"}

SUPPORTED = (
    "int, str, float, bool, bytes, Decimal, datetime, date, time, timedelta, UUID, "
    "dict[...] / list[...] / Any (JSON), Literal[...], and `X | None`"
)


@dataclass(frozen=True, slots=True)
class ColumnType:
    """One column's Python type. `text` is how the stub spells it without `| None`."""

    text: str
    nullable: bool
    generated: bool
    family: str  # "int", "str", ... "json"; "any" when it cannot be checked against the DB
    imports: frozenset[tuple[str, str]]
    #: The values of a `Literal[...]` column (without None); () for any other type.
    choices: tuple[object, ...] = ()

    @property
    def full_text(self) -> str:
        return f"{self.text} | None" if self.nullable else self.text


def column_type(annotation: Any) -> ColumnType:
    """Read one column annotation; raises ContractError (without a location: the caller adds
    the table and column) for what a stub cannot spell."""
    generated = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            generated = generated or any(m is GENERATED for m in annotation.__metadata__)
            annotation = annotation.__origin__
        elif origin in (NotRequired, Required):
            annotation = get_args(annotation)[0]
        else:
            break
    members = _union_members(annotation)
    nullable = type(None) in members
    rest = [m for m in members if m is not type(None)]
    if not rest:
        raise ContractError("a column cannot be only None")
    imports: set[tuple[str, str]] = set()
    texts = [_render(m, imports) for m in rest]
    families = {_family(m) for m in rest}
    family = families.pop() if len(families) == 1 else "any"
    choices: tuple[object, ...] = ()
    if all(get_origin(m) is Literal for m in rest):
        choices = tuple(v for m in rest for v in get_args(m))
    return ColumnType(" | ".join(texts), nullable, generated, family, frozenset(imports), choices)


def _union_members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _union_members(arg)]
    return [annotation]


def _family(tp: Any) -> str:
    if tp is Any:
        return "json"
    origin = get_origin(tp)
    if origin is Literal:
        kinds = {type(v) for v in get_args(tp)}
        return _FAMILIES.get(kinds.pop(), "any") if len(kinds) == 1 else "any"
    if origin is not None:
        return "json" if origin in (dict, list) else "any"
    return _FAMILIES.get(tp, "any")


def _render(tp: Any, imports: set[tuple[str, str]]) -> str:
    if tp is type(None):
        return "None"
    if tp is Any:
        imports.add(("typing", "Any"))
        return "Any"
    origin = get_origin(tp)
    if origin is Literal:
        imports.add(("typing", "Literal"))
        values = get_args(tp)
        if not all(isinstance(v, str | int | bool) for v in values):
            raise ContractError(f"Literal values must be str, int or bool, got {tp!r}")
        return f"Literal[{', '.join(repr(v) for v in values)}]"
    if get_origin(tp) in (Union, types.UnionType):
        return " | ".join(_render(m, imports) for m in _union_members(tp))
    if origin is not None:
        base = _render_class(origin, imports, tp)
        args = get_args(tp)
        return f"{base}[{', '.join(_render(a, imports) for a in args)}]" if args else base
    if isinstance(tp, type):
        return _render_class(tp, imports, tp)
    raise ContractError(f"unsupported column type {tp!r}; use {SUPPORTED}")


def _render_class(cls: type, imports: set[tuple[str, str]], original: Any) -> str:
    if cls in _BUILTIN_NAMES:
        return cls.__name__
    if cls in _FAMILIES or (cls.__module__ == "collections.abc" and cls.__name__ in _ABC_NAMES):
        imports.add((cls.__module__, cls.__name__))
        return cls.__name__
    raise ContractError(
        f"unsupported column type {original!r}: a stub cannot import it from a contract file; "
        f"use {SUPPORTED}"
    )
