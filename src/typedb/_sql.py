"""Immutable SQL values: raw fragments and compiled statements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, NamedTuple


@dataclass(frozen=True, slots=True)
class Fragment:
    """Raw SQL that goes into a statement untouched, made by `typedb.sql()`.

    Typed `LiteralString` so that a checker refuses text built from user input.
    """

    text: LiteralString

    def __str__(self) -> str:
        return self.text


def sql(text: LiteralString) -> Fragment:
    """A raw SQL fragment for places that take a value: defaults, types, expressions.

    >>> sql("CURRENT_TIMESTAMP")
    Fragment(text='CURRENT_TIMESTAMP')
    """
    if not isinstance(text, str) or not text.strip():
        from typedb._errors import CompileError

        raise CompileError(f"typedb.sql() needs non-empty SQL text, got {text!r}")
    return Fragment(text)


Parameters = Sequence[Any] | Mapping[str, Any]


class CompiledQuery(NamedTuple):
    """SQL text plus its bound parameters, as the driver of the dialect expects them."""

    sql: str
    parameters: tuple[Any, ...] | dict[str, Any]
