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


Value = str | int | float | bool | Decimal | None | Code | Sql | Now | list["Value"] | dict[str, "Value"]


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
    """One argument on lines of its own: split at its last bracket when it is too long."""
    flat = value(item)
    if indent + len(flat) + len(tail) <= width:
        return [" " * indent + flat + tail]
    if isinstance(item, list):
        return _bracketed("[", item, "]", indent, tail, width)
    if isinstance(item, Lambda) and item.calls:
        *first, last = item.calls
        prefix = f"lambda {item.param}: {item.param}" + "".join(call(c) for c in first)
        return _bracketed(f"{prefix}.{last.method}(", last.args, ")", indent, tail, width)
    return [" " * indent + flat + tail]  # a long string: nothing ruff could split either


def statement(s: Statement, width: int = LINE, indent: int = INDENT) -> list[str]:
    """The lines of one statement, indented for a function body."""
    text = s.head + "".join(call(c) for c in s.calls)
    if indent + len(text) <= width:
        return [" " * indent + text]
    inner = indent + INDENT
    first, *rest = s.calls
    head = s.head + f".{first.method}("
    lines = [" " * indent + "("]
    if len(s.calls) >= 3:
        lines.extend(_bracketed(head, first.args, ")", inner, "", width))
        for c in rest:
            lines.extend(_bracketed(f".{c.method}(", c.args, ")", inner, "", width))
    else:
        tail = "".join(call(c) for c in rest)
        lines.extend(_bracketed(head, first.args, ")", inner, tail, width))
    lines.append(" " * indent + ")")
    return lines


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
    if rest:
        lines = [f'"""{first}', "", *rest, '"""', ""]
    else:
        lines = [f'"""{first}"""', ""]
    if _uses(everything, Decimal):
        lines += ["from decimal import Decimal", ""]
    lines.append("from typedb import Database, sql" if _uses(everything, Sql) else "from typedb import Database")
    if _uses(everything, Now):
        lines.append("from typedb.schema import Now")
    lines.append("")
    if constants:
        lines += [f"{name} = {string(text)}" for name, text in constants]
        lines.append("")
    lines += ["", "def up(db: Database) -> None:", *_body(up, width), "", ""]
    lines += ["def down(db: Database) -> None:", *_body(down, width)]
    return "\n".join(lines) + "\n"
