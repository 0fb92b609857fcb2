"""Python source for generated migrations: builder chains as values, laid out as ruff does.

`migration:generate` plans its changes as `Statement`s (a chain of calls such as
`db.schema.alter_table("users").add_column("bio", "text").execute()`) and this module writes
them as the hand-written migrations in README read. The layout is the one `ruff format`
gives (line length 100), so a generated file passes `ruff format --check` without ruff
being installed: a statement that fits stays on one line; a longer chain of three calls or
more is wrapped in parentheses with one call per line ("fluent" style); arguments that do
not fit are hugged on one line inside the brackets, else put one per line with a trailing
comma, recursively.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

#: ruff's default line length; a project's `[tool.ruff] line-length` replaces it.
LINE = 88
INDENT = 4


@dataclass(frozen=True, slots=True)
class Code:
    """A Python expression written as is (a variable name such as `table`)."""

    text: str


@dataclass(frozen=True, slots=True)
class Sql:
    """`sql("...")`: a raw SQL fragment, for defaults that are expressions."""

    text: str


@dataclass(frozen=True, slots=True)
class Now:
    """`Now("timestamp")`: the current time as a default, as `add_timestamp_columns()` has it."""

    data_type: str = "timestamp"


Value = (
    str
    | int
    | float
    | bool
    | Decimal
    | None
    | Code
    | Sql
    | Now
    | list["Value"]
    | dict[str, "Value"]
)


@dataclass(frozen=True, slots=True)
class Call:
    """`.method(args...)`; a `Lambda` may be an argument."""

    method: str
    args: tuple[Value | Lambda, ...] = ()


@dataclass(frozen=True, slots=True)
class Lambda:
    """`lambda col: col.not_null().unique()`: a column builder callback."""

    calls: tuple[Call, ...]
    param: str = "col"


@dataclass(frozen=True, slots=True)
class Statement:
    """`<head>.call(...).call(...)`, e.g. head `db.schema`; one line of up() or down()."""

    head: str
    calls: tuple[Call, ...]


def string(text: str) -> str:
    """A string literal with the quotes ruff prefers (double, unless that needs escapes).

    >>> print(string("it's"), string('say "hi"'), string("a\\\\b"))
    "it's" 'say "hi"' "a\\\\b"
    """
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        return '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def value(v: Value | Lambda) -> str:
    """The flat (one-line) Python text of an argument."""
    if isinstance(v, Lambda):
        return f"lambda {v.param}: {v.param}" + "".join(call(c) for c in v.calls)
    if isinstance(v, Code):
        return v.text
    if isinstance(v, Sql):
        return f"sql({string(v.text)})"
    if isinstance(v, Now):
        return f"Now({string(v.data_type)})"
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, Decimal):
        return f"Decimal({string(str(v))})"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, list):
        return "[" + ", ".join(value(item) for item in v) + "]"
    return "{" + ", ".join(f"{string(k)}: {value(item)}" for k, item in v.items()) + "}"


def call(c: Call) -> str:
    return f".{c.method}(" + ", ".join(value(a) for a in c.args) + ")"


def _bracketed(
    prefix: str, items: Sequence[Value | Lambda], close: str, indent: int, tail: str, width: int
) -> list[str]:
    """`prefix(` items `)`+tail where `prefix` ends in the opening bracket: flat if it fits,
    else the items hugged on one line, else one per line with a trailing comma."""
    flat = prefix + ", ".join(value(i) for i in items) + close + tail
    if indent + len(flat) <= width or not items:
        return [" " * indent + flat]
    inner = indent + INDENT
    hugged = ", ".join(value(i) for i in items)
    lines = [" " * indent + prefix]
    if inner + len(hugged) <= width:
        lines.append(" " * inner + hugged)
    else:
        for item in items:
            lines.extend(_argument(item, inner, ",", width))
    lines.append(" " * indent + close + tail)
    return lines


def _argument(item: Value | Lambda, indent: int, tail: str, width: int) -> list[str]:
    """One argument on lines of its own: split at its brackets when it is too long; a
    lambda's body goes in parentheses of its own, as ruff puts it."""
    flat = value(item)
    if indent + len(flat) + len(tail) <= width:
        return [" " * indent + flat + tail]
    if isinstance(item, list):
        return _bracketed("[", item, "]", indent, tail, width)
    if isinstance(item, dict):
        entries = [Code(f"{string(k)}: {value(v)}") for k, v in item.items()]
        return _bracketed("{", entries, "}", indent, tail, width)
    if isinstance(item, Lambda) and len(item.calls) in (1, 2):
        return _split_call(f"lambda {item.param}: {item.param}", item.calls, indent, width, tail)
    if isinstance(item, Lambda) and item.calls:
        body = _chain(item.param, item.calls, indent + INDENT, width)
        return [" " * indent + f"lambda {item.param}: (", *body, " " * indent + ")" + tail]
    return [" " * indent + flat + tail]  # a long string: nothing ruff could split either


def _chain(head: str, calls: Sequence[Call], indent: int, width: int) -> list[str]:
    """`head.call().call()` inside parentheses: one line if it fits, else one call per line
    (three calls or more), else split at the first call's brackets."""
    text = head + "".join(call(c) for c in calls)
    if indent + len(text) <= width:
        return [" " * indent + text]
    first, *rest = calls
    if len(calls) >= 3:
        opening = head + f".{first.method}("
        lines = _bracketed(opening, first.args, ")", indent, "", width)
        for c in rest:
            lines.extend(_bracketed(f".{c.method}(", c.args, ")", indent, "", width))
        return lines
    return _split_call(head, calls, indent, width, "")


def _split_call(head: str, calls: Sequence[Call], indent: int, width: int, end: str) -> list[str]:
    """Split one call's brackets, everything else flat: the last call with arguments whose
    line up to its bracket fits (ruff's right-hand split), else the first."""
    candidates = [i for i, c in enumerate(calls) if c.args] or [0]
    split = candidates[0]
    for i in reversed(candidates):
        before = head + "".join(call(c) for c in calls[:i]) + f".{calls[i].method}("
        if indent + len(before) <= width:
            split = i
            break
    opening = head + "".join(call(c) for c in calls[:split]) + f".{calls[split].method}("
    tail = "".join(call(c) for c in calls[split + 1 :]) + end
    return _bracketed(opening, calls[split].args, ")", indent, tail, width)


def statement(s: Statement, width: int = LINE, indent: int = INDENT) -> list[str]:
    """The lines of one statement, indented for a function body."""
    text = s.head + "".join(call(c) for c in s.calls)
    if indent + len(text) <= width:
        return [" " * indent + text]
    body = _chain(s.head, s.calls, indent + INDENT, width)
    return [" " * indent + "(", *body, " " * indent + ")"]


def _uses(statements: Sequence[Statement], kind: type) -> bool:
    def found(v: object) -> bool:
        if isinstance(v, kind):
            return True
        if isinstance(v, Lambda):
            return any(found(a) for c in v.calls for a in c.args)
        if isinstance(v, list):
            return any(found(i) for i in v)
        if isinstance(v, dict):
            return any(found(i) for i in v.values())
        return False

    return any(found(a) for s in statements for c in s.calls for a in c.args)


def _body(statements: Sequence[Statement], width: int) -> list[str]:
    if not statements:
        return ["    pass"]
    lines: list[str] = []
    for s in statements:
        lines.extend(statement(s, width))
    return lines


def module(
    docstring: Sequence[str],
    up: Sequence[Statement],
    down: Sequence[Statement],
    constants: Sequence[tuple[str, str]] = (),
    width: int = LINE,
) -> str:
    """A whole migration file: docstring, imports, `NAME = "value"` constants, up, down.
    `docstring` is its lines (a summary, then details); none may hold `\\` or triple quotes."""
    everything = [*up, *down]
    first, *rest = docstring
    lines = [f'"""{first}', "", *rest, '"""', ""] if rest else [f'"""{first}"""', ""]
    if _uses(everything, Decimal):
        lines += ["from decimal import Decimal", ""]
    lines.append(
        "from typedb import Database, sql"
        if _uses(everything, Sql)
        else "from typedb import Database"
    )
    if _uses(everything, Now):
        lines.append("from typedb.schema import Now")
    lines.append("")
    if constants:
        lines += [f"{name} = {string(text)}" for name, text in constants]
        lines.append("")
    lines += ["", "def up(db: Database) -> None:", *_body(up, width), "", ""]
    lines += ["def down(db: Database) -> None:", *_body(down, width)]
    return "\n".join(lines) + "\n"
