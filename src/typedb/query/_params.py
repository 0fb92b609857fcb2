"""Values as bound parameters: markers in the SQL text, turned into placeholders at the end.

PyPika's own parameter support stringifies dates, UUIDs and dicts and inlines None, so values
never go through it. Each value renders as a marker holding its index; `finish()` swaps every
marker for the dialect's placeholder and records which value goes where, so the same shape of
query can be cached once and bound many times. Identifiers are quoted and refuse control
characters, so no table or column name can forge a marker.
"""

from __future__ import annotations

import re

from typedb._errors import CompileError

_MARK = re.compile("\x00(\\d+)\x01")


def mark(index: int) -> str:
    """The marker for the value at `index`; `finish()` replaces it."""
    return f"\x00{index}\x01"


def finish(
    text: str, placeholder: str, values: int | None = None
) -> tuple[str, tuple[int, ...] | None]:
    """Replace markers with placeholders. Returns the SQL and the value order it needs, or
    None when the recorded values (`values` of them, when given) are exactly the ones the SQL
    binds, in order. A value a later call replaced has no marker and must be left out.

    >>> finish("a = \\x001\\x01 AND b = \\x000\\x01 AND c LIKE '5%'", "%s")
    ("a = %s AND b = %s AND c LIKE '5%%'", (1, 0))
    >>> finish("a = \\x000\\x01", "?")
    ('a = ?', None)
    >>> finish("a = \\x000\\x01", "?", values=2)  # value 1 was overwritten by a later set()
    ('a = ?', (0,))
    """
    if placeholder == "%s":
        # psycopg reads % as the start of a placeholder; a literal one (in a quoted name or a
        # typedb.sql() fragment) must be doubled.
        text = text.replace("%", "%%")
    order = tuple(int(m) for m in _MARK.findall(text))
    sql = _MARK.sub(placeholder, text)
    in_order = order == tuple(range(len(order))) and values in (None, len(order))
    return sql, (None if in_order else order)


def refuse_nul(value: str, where: str) -> None:
    """Refuse NUL in text on every backend: PostgreSQL cannot store it, and a value that works
    on SQLite only would break the promise that both backends behave the same."""
    if "\x00" in value:
        raise CompileError(
            f"text value for {where} contains a NUL character (\\x00), which PostgreSQL cannot "
            "store; typedb refuses it on every backend (store binary data as bytes)"
        )


# Types checked by refuse_builder_value(): each type is looked at once (a few per program).
_BUILDER_KINDS: dict[type, str | None] = {}


def builder_kind(kind: type) -> str | None:
    """What a value of this type is when it is a query-builder object rather than a value
    to bind (an eb expression, a condition, an aggregate, a subquery, a callback); None for
    a value."""
    found = _BUILDER_KINDS.get(kind, False)
    if found is not False:
        return found  # type: ignore[return-value]
    from typedb.query._expr import Aggregate, Expression
    from typedb.query._insert import Excluded
    from typedb.query._node import Expr

    what: str | None = None
    if issubclass(kind, Expr):
        what = "an eb expression"
    elif issubclass(kind, Expression):
        what = "an eb(...) condition"
    elif issubclass(kind, Aggregate):
        what = "an fn aggregate"
    elif issubclass(kind, Excluded):
        what = "excluded() (it goes in on_conflict(...).do_update_set() only)"
    elif hasattr(kind, "_subquery"):
        what = "a select query (a subquery)"
    elif any("__call__" in vars(k) for k in kind.__mro__):  # its instances are callable
        what = "a callable (a callback such as lambda eb: ...)"
    if len(_BUILDER_KINDS) < 1024:
        _BUILDER_KINDS[kind] = what
    return what


def refuse_builder_value(value: object, column: str, table: str | None, call: str) -> None:
    """Refuse a builder object given where a value is bound (set(), values()): the driver
    would fail on it only when the statement runs, after the work before it (a timestamps
    lookup, the earlier statements of a multi-statement insert)."""
    what = builder_kind(type(value))
    if what is not None:
        where = f"column {column!r}" + ("" if table is None else f" of table {table!r}")
        raise CompileError(
            f"{call} for {where} got {what}: {value!r}; {call} "
            "takes plain values (bound) or typedb.sql(...). Expressions are not computed "
            "there (on SQLite decimal arithmetic would be floating point): compute the value "
            "in Python, or select it first"
        )
