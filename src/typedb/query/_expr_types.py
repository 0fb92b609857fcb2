"""What an expression's value is, from its columns' declared types: for SQLite, which cannot
say it itself (see _aggregate_plan). PostgreSQL computes `price * quantity` of a numeric and
an integer as an exact numeric; SQLite as a float (19.99 * 3 = 59.970000000000006). A
SELECT's plan lists its expression outputs; the SQLite driver infers each one's kind here,
computes the decimal arithmetic in it with typedb's exact functions (`replacements`), and
converts the result as PostgreSQL types it.

A kind is ("numeric", scale or None), ("integer",) (bigint, or an integer of unknown width),
("integer", 4) and ("integer", 2) (PostgreSQL's integer and smallint, whose arithmetic
overflows at 32 and 16 bits), ("float",), ("text",), ("bool",),
("value", type name) for a type SQLite stores as text (dates, timestamps, uuid, json), or None
when unknown (a bound value, a subquery, an unknown function): unknown is left as SQLite
gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from typedb.query._node import Node

Kind = tuple[Any, ...] | None
Declared = Callable[[str], Kind]  # a column name -> its kind

NUMERIC: Kind = ("numeric", None)
INTEGER: Kind = ("integer",)
INT4: Kind = ("integer", 4)
INT2: Kind = ("integer", 2)
FLOAT: Kind = ("float",)
TEXT: Kind = ("text",)
BOOL: Kind = ("bool",)
#: sum(bigint): a numeric of whole numbers.
BIGINT_SUM: Kind = ("numeric", 0)

_VAL_KINDS = {
    "numeric": NUMERIC, "float": FLOAT, "text": TEXT, "integer": INT4, "bigint": INTEGER,
    "bool": BOOL,
    "date": ("value", "date"), "timestamp": ("value", "timestamp"),
    "timestamptz": ("value", "timestamptz"),
}  # fmt: skip
_PARSED_TYPES = frozenset({"date", "time", "timestamp", "timestamptz", "uuid", "json", "jsonb"})
_TEXT_FUNCTIONS = frozenset({"lower", "upper", "trim", "ltrim", "rtrim", "replace", "substr"})
_INT_FUNCTIONS = frozenset({"length"})
_SAME_FUNCTIONS = frozenset({"nullif", "abs"})
# Their result has the type common to all arguments, as a CASE's has of all its branches.
_COMMON_FUNCTIONS = frozenset({"coalesce", "greatest", "least"})
_EXACT_OPS = {"+": "typedb_add", "-": "typedb_sub", "*": "typedb_mul", "/": "typedb_div"}
# Integer (and untyped) + - * checked for 64-bit overflow; `/` is typedb_divide already.
_CHECKED_OPS = {
    "+": "typedb_int_add({}, {})", "-": "typedb_int_sub({}, {})", "*": "typedb_int_mul({}, {})",
}  # fmt: skip
# integer (int4) and smallint + - * /: checked for 32- and 16-bit overflow, as PostgreSQL's
# int4 and int2 operators raise "integer out of range" / "smallint out of range" (`/` of the
# smallest one by -1 among them).
_NARROW_OPS = {
    width: {
        "+": f"typedb_int{width}_add({{}}, {{}})",
        "-": f"typedb_int{width}_sub({{}}, {{}})",
        "*": f"typedb_int{width}_mul({{}}, {{}})",
        "/": f"typedb_int{width}_div({{}}, {{}})",
    }
    for width in (4, 2)
}
#: Templates whose result is a number, not exact text: compared as they are (_expr.node_sql).
CHECKED_TEMPLATES = frozenset(_CHECKED_OPS.values()) | frozenset(
    t for ops in _NARROW_OPS.values() for t in ops.values()
)
# Functions that write their arguments as text (SQLite: text only, see _sqlite_functions).
_TEXT_OF_ARGUMENTS = frozenset({"concat", "concat_ws", "format"})
# Stored as text with six digits of a second's fraction, which PostgreSQL writes trimmed.
_CLOCKS = frozenset({"timestamp", "time"})


class AsIs(str):
    """A template whose result is text compared as it is (not a number: _expr.node_sql)."""

    __slots__ = ()


class Columns:
    """A `Declared` that also knows scalar subqueries: `subquery(shape)` is the kind of the
    one column a SELECT used as a value gives (see infer's "sub"), as PostgreSQL types it.
    Without it a scalar subquery's kind is unknown."""

    __slots__ = ("column", "subquery")

    def __init__(self, column: Declared, subquery: Callable[[Any], Kind]) -> None:
        self.column = column
        self.subquery = subquery

    def __call__(self, name: str) -> Kind:
        return self.column(name)


def kind_of_type(name: str, scale: int | None) -> Kind:
    """The kind of a portable type name (parsed: `numeric` with its scale)."""
    if name == "numeric":
        return ("numeric", scale)
    if name == "integer":
        return INT4
    if name == "smallint":
        return INT2
    if name == "bigint":
        return INTEGER
    if name in ("real", "double precision"):
        return FLOAT
    if name in ("text", "varchar", "char"):
        return TEXT
    if name == "boolean":
        return BOOL
    if name in _PARSED_TYPES:
        # Stored as text on SQLite (a timestamp, a date...): parsed back as a column of the
        # type is, so MAX(at) or coalesce(at, ...) gives what PostgreSQL gives.
        return ("value", name)
    return None


def common_kind(kinds: Sequence[Kind]) -> Kind:
    """The kind PostgreSQL resolves a CASE's branches or coalesce's arguments to: integer
    with numeric is numeric (of no fixed scale: each value keeps its own), anything with a
    double is a double. SQLite took the first branch's kind, giving an int and a float where
    PostgreSQL gives two Decimals. Kinds PostgreSQL cannot match keep the first."""
    known: list[tuple[Any, ...]] = [k for k in kinds if k is not None]
    if not known:
        return None
    first = known[0]
    if all(k == first for k in known):
        return first
    if all(k[0] == "integer" for k in known):
        return widest_integer(known)
    if all(k[0] in ("integer", "numeric") or k == FLOAT for k in known):
        return FLOAT if FLOAT in known else NUMERIC
    return first


def is_integer(kind: Kind) -> bool:
    """Whether `kind` is an integer of any width."""
    return kind is not None and kind[0] == "integer"


def widest_integer(kinds: Sequence[tuple[Any, ...]]) -> Kind:
    """The integer type PostgreSQL gives an operation on (or a CASE of) these integers:
    smallint only of smallints, integer of integers and smallints, else bigint."""
    widths = {k[1] if len(k) > 1 else 8 for k in kinds}
    return INT2 if widths == {2} else INT4 if widths <= {2, 4} else INTEGER


_BOUND_STR = ("val", "text")
# PostgreSQL's type categories: it matches kinds within one (an integer with a numeric) and
# refuses kinds of two ("COALESCE types text and integer cannot be matched").
_CATEGORIES = {"integer": "number", "numeric": "number", "float": "number"}


def _common_of(what: str, nodes: Sequence[Node], declared: Declared) -> Kind:
    """common_kind of a CASE's branches or coalesce's arguments as PostgreSQL resolves them.
    psycopg sends a bound str as an unknown-typed literal, which PostgreSQL reads as the
    other branches' type (`THEN '3' ELSE 0` gives the integer 3, and 'abc' is refused): it
    counts as text only where nothing else is known. Kinds PostgreSQL cannot match (a text
    column with a number) are refused, where SQLite would mix str and int in one column."""
    from typedb._errors import CompileError

    kinds = [infer(n, declared) for n in nodes if n != _BOUND_STR]
    if len(kinds) < len(nodes) and all(k is None for k in kinds):
        return TEXT
    known = [
        (n, k)
        for n, k in zip((n for n in nodes if n != _BOUND_STR), kinds, strict=True)
        if k is not None
    ]
    if len({_CATEGORIES.get(k[0], k[0]) for _, k in known}) > 1:
        parts = ", ".join(f"{_described(n)} ({_kind_word(k)})" for n, k in known)
        raise CompileError(
            f"{what} of {parts} cannot be matched: PostgreSQL refuses it (types "
            f"{' and '.join(dict.fromkeys(_kind_word(k) for _, k in known))} cannot be matched)"
            " and SQLite would return a mix of types in one column; cast the arguments to one "
            "type with eb.cast()"
        )
    return common_kind(kinds)


def _kind_word(kind: tuple[Any, ...]) -> str:
    return str(kind[1]) if kind[0] == "value" else str(kind[0])


def _described(node: Node) -> str:
    if node[0] == "ref":
        return repr(node[1])
    if node[0] == "val":
        return "a bound value"
    return "an expression"


def _op_kind(symbol: str, left: Kind, right: Kind) -> Kind:
    if FLOAT in (left, right):
        return FLOAT
    if is_integer(left) and is_integer(right):
        assert left is not None and right is not None
        return widest_integer((left, right))
    numeric = [k for k in (left, right) if k is not None and k[0] == "numeric"]
    if not numeric:
        return None
    scales: list[int] = []
    for k in (left, right):
        if is_integer(k):
            scales.append(0)
        elif k is not None and k[0] == "numeric" and k[1] is not None:
            scales.append(int(k[1]))
    if len(scales) < 2 or symbol == "/":
        return NUMERIC  # an unknown scale; PostgreSQL's division picks its scale per value
    a, b = scales
    return ("numeric", a + b if symbol == "*" else max(a, b))


def _stored_as_text(kind: Kind) -> bool:
    return kind == TEXT or (kind is not None and kind[0] == "value")


def _refuse_text_arithmetic(node: Node, kind: Kind) -> None:
    """SQLite does arithmetic on the text it stores text, dates and timestamps as by reading
    a number off its front: date2 - date1 is 0 (PostgreSQL: the days between), a date + 1 is
    2025, a text + 1 is 1 (PostgreSQL refuses it). Refused rather than silently wrong."""
    from typedb._errors import CompileError

    columns = [side[1] for side in node[2:] if type(side) is tuple and side[0] == "ref"]
    what = kind[1] if kind is not None and kind[0] == "value" else "text"
    raise CompileError(
        f"arithmetic ({node[1]}) on a {what} value ({', '.join(map(repr, columns)) or 'an expression'})"
        " on SQLite, which stores it as text and would compute a wrong number; compute it "
        "in Python, or with typedb.sql() and SQLite's date functions"
    )


def infer(node: Node, declared: Declared) -> Kind:
    """The kind of an expression node's value."""
    kind = node[0]
    if kind == "ref":
        return declared(node[1])
    if kind == "val":  # a bound Decimal or float says what it is; other values do not
        return _VAL_KINDS.get(node[1]) if len(node) == 2 else None
    if kind == "op":
        left, right = infer(node[2], declared), infer(node[3], declared)
        if _stored_as_text(left) or _stored_as_text(right):
            _refuse_text_arithmetic(node, left if _stored_as_text(left) else right)
        return _op_kind(node[1], left, right)
    if kind == "fn":
        name = node[1]
        if name in _TEXT_FUNCTIONS:
            return TEXT
        if name in _INT_FUNCTIONS:
            return INT4  # length() is an integer
        if name == "round" and node[2]:
            # PostgreSQL: round(numeric[, n]) and round(integer, n) are numeric, round of a
            # float or of a lone integer double precision. SQLite rounds as PostgreSQL does
            # (to 15 digits, all typedb stores) but gives a float.
            first = infer(node[2][0], declared)
            if first is not None and first[0] == "numeric":
                return NUMERIC
            if is_integer(first):
                return NUMERIC if len(node[2]) > 1 else FLOAT
            return FLOAT if first == FLOAT else None
        if name in _COMMON_FUNCTIONS:
            return _common_of(name, node[2], declared)
        if name in _SAME_FUNCTIONS:
            return next((k for k in (infer(a, declared) for a in node[2]) if k is not None), None)
        return None
    if kind == "agg":
        name, arg = node[1], node[2]
        if name == "COUNT":
            return INTEGER
        inner = None if arg is None else infer(arg, declared)
        if inner is None:
            return None
        if name == "AVG":
            return (
                FLOAT if inner == FLOAT else NUMERIC if inner[0] in ("numeric", "integer") else None
            )
        if name == "SUM" and is_integer(inner):
            # sum(integer) and sum(smallint) are bigint, sum(bigint) a numeric (of whole
            # numbers: SQLite's integer SUM computes it exactly, or refuses past 64 bits).
            return BIGINT_SUM if inner == INTEGER else INTEGER
        return inner
    if kind == "case":
        thens = [then for _, then in node[1]]
        if node[2] is not None:
            thens.append(node[2])
        return _common_of("CASE", thens, declared)
    if kind == "cast":
        from typedb.dialects._base import parse_type

        t = parse_type(node[2])
        return kind_of_type(t.name, t.scale)
    if kind == "sub" and isinstance(declared, Columns):
        return declared.subquery(node[1])
    return None


def sums_bigint(node: Node, declared: Declared) -> bool:
    """Whether `node` is SUM of a bigint: PostgreSQL's numeric (BIGINT_SUM), which SQLite
    computes as its own integer SUM. As a select-list output its argument's integer
    arithmetic stays SQLite's too (see `replacements`): the driver refuses a float there."""
    return (
        node[0] == "agg" and node[1] == "SUM" and node[2] is not None
        and infer(node[2], declared) == INTEGER
    )  # fmt: skip


def replacements(
    node: Node,
    declared: Declared,
    found: dict[Any, str],
    direct: bool = False,
    operand: bool = False,
) -> None:
    """Add to `found` the nodes of an expression SQLite must compute otherwise than its own
    operators do, with the SQL template that does (`{}` for each argument): decimal
    arithmetic exactly, and integer (or untyped) + - * checked for overflow, which SQLite
    turns into a float where PostgreSQL raises "bigint out of range".

    `direct`: the node's value is a select-list output of integer kind, which the driver
    checks (a float there is an overflow: _sqlite_types._checked_integer). A float stays a
    float through integer + - * / and SUM, so those need no check of their own there: the
    select list's integer arithmetic stays SQLite's native one. `operand`: the node is part
    of that output, not the output itself: an integer (int4) or smallint operation in it is
    checked where it is computed, as the driver checks the output's range alone (in
    `n * 100000 + b` only the bigint total)."""
    kind = node[0]
    if kind == "op":
        k = infer(node, declared)
        through = direct and k == INTEGER
        replacements(node[2], declared, found, through, True)
        replacements(node[3], declared, found, through, True)
        if k is not None and k[0] == "numeric":
            found[node] = _EXACT_OPS[node[1]] + "({}, {})"
        elif k in (INT4, INT2):
            # 32 or 16 bits. A select-list output computes natively (64 bits, where two
            # int4s cannot overflow) and the driver checks its range; its operands, and
            # everything elsewhere, are checked as they are computed.
            if operand or not direct:
                assert k is not None
                found[node] = _NARROW_OPS[k[1]][node[1]]
        elif (k is None or k == INTEGER) and not through and node[1] in _CHECKED_OPS:
            found[node] = _CHECKED_OPS[node[1]]
    elif kind == "fn":
        for a in node[2]:
            replacements(a, declared, found)
        if node[1] in _TEXT_OF_ARGUMENTS:
            text = _text_arguments(node, declared)
            if text is not None:
                found[node] = text
    elif kind == "agg":
        name, arg = node[1], node[2]
        if arg is None:
            return
        inner = infer(arg, declared)
        replacements(arg, declared, found, direct and name == "SUM" and inner == INTEGER, True)
        if inner is None or inner == FLOAT:
            return
        if name in ("SUM", "AVG") and (
            inner[0] == "numeric" or (name == "AVG" and is_integer(inner))
        ):
            found[node] = f"typedb_{name.lower()}(group_concat({{}}))"
        elif name in ("MIN", "MAX") and inner[0] == "numeric":
            found[node] = (
                f"typedb_{name.lower()}({{}})"  # numbers or exact text, compared as decimals
            )
    elif kind == "case":
        for condition, then in node[1]:
            for compared in _condition_nodes(condition):
                replacements(compared, declared, found)
            replacements(then, declared, found)
        if node[2] is not None:
            replacements(node[2], declared, found)
    elif kind == "cast":
        replacements(node[1], declared, found)
        template = cast_template(node, declared)
        if template is not None:
            found[node] = template


def _text_arguments(node: Node, declared: Declared) -> AsIs | None:
    """concat(), concat_ws() or format() with each argument written as PostgreSQL writes it
    (`{}` for each), where SQLite's stored text differs: a timestamp's or a time's fraction
    of a second trimmed; a timestamptz or jsonb refused, as eb.cast(x, 'text') refuses it.
    None: every argument's stored text is PostgreSQL's already."""
    from typedb._errors import CompileError

    parts: list[str] = []
    for arg in node[2]:
        k = infer(arg, declared)
        if k is not None and k[0] == "value" and k[1] in _UNWRITABLE:
            raise CompileError(
                f"{node[1]}() of a {k[1]} value on SQLite: PostgreSQL's text of it (a time "
                "zone offset, a normalized document) has no SQLite equivalent; format it in "
                "Python"
            )
        clock = k is not None and k[0] == "value" and k[1] in _CLOCKS
        parts.append("typedb_clock_text({})" if clock else "{}")
    if all(part == "{}" for part in parts):
        return None
    return AsIs(f"{node[1]}({', '.join(parts)})")


def _condition_nodes(shape: Any) -> list[Node]:
    """The expression nodes a CASE's WHEN condition compares (see _expr.render)."""
    kind = shape[0] if type(shape) is tuple and shape else None
    if kind == "cmp":
        return [side for side in (shape[1], shape[3]) if type(side) is tuple and side]
    if kind == "not":
        return _condition_nodes(shape[1])
    if kind in ("and", "or"):
        return [node for part in shape[1] for node in _condition_nodes(part)]
    return []  # EXISTS: a SELECT of its own, planned as one (_aggregate_plan.inner_of)


# What PostgreSQL writes for these as text, SQLite cannot: the session's time zone
# (timestamptz), a normalized document (jsonb).
_UNWRITABLE = frozenset({"timestamptz", "jsonb"})


def cast_template(node: Node, declared: Declared) -> str | None:
    """How SQLite casts as PostgreSQL does, knowing what is cast (`{}`): SQLite's own CAST
    reads 'true' as 0 and 'abc' as 0, truncates, and writes 20 for a numeric(10,2)'s 20.00
    and '1.0' for a double's 1. None: _expr.cast_sql's rendering already agrees."""
    from typedb._errors import CompileError
    from typedb.dialects._base import parse_type

    t = parse_type(node[2])
    source = infer(node[1], declared)
    family = source[0] if source is not None else None
    name = t.name
    if name in ("integer", "bigint", "smallint"):
        origin = "text" if source == TEXT else "float" if source == FLOAT else "numeric"
        return f"typedb_cast_integer({{}}, '{origin}', '{name}')"
    if name == "boolean":
        if family in ("numeric", "float"):
            raise CompileError(
                f"eb.cast(..., 'boolean') of a {'numeric' if family == 'numeric' else 'double'}"
                " value: PostgreSQL cannot cast a number other than an integer to boolean; "
                "compare it instead (eb(expr, '<>', 0))"
            )
        return "typedb_text_boolean({})" if source == TEXT else None
    if name in ("text", "varchar"):
        if family == "numeric":
            if source is None or source[1] is None:
                raise CompileError(
                    f"eb.cast(..., {node[2]!r}) of a numeric of unknown scale: PostgreSQL writes "
                    "the value's own scale ('1.50'), which SQLite does not keep; cast it to "
                    "numeric(p,s) first"
                )
            text = f"typedb_numeric_text({{}}, {int(source[1])})"
        elif source == FLOAT:
            text = "typedb_float_text({})"
        elif source == BOOL:
            text = "typedb_bool_text({})"
        elif family == "value" and source is not None and source[1] in _UNWRITABLE:
            raise CompileError(
                f"eb.cast(..., {node[2]!r}) of a {source[1]} value: PostgreSQL's text of it "
                "(a time zone offset, a normalized document) has no SQLite equivalent; "
                "format it in Python"
            )
        elif family == "value" and source is not None and source[1] in _CLOCKS:
            text = "typedb_clock_text({})"  # '12:30:00.000500' stored, '12:30:00.0005' written
        else:
            return None
        return f"substr({text}, 1, {int(t.size or 0)})" if name == "varchar" else text
    if name in ("numeric", "real", "double precision") and source == TEXT:
        number = "typedb_text_number({}, '" + ("numeric" if name == "numeric" else "float") + "')"
        if name == "numeric" and t.size is not None and t.scale is not None:
            return f"typedb_numeric({number}, {int(t.size)}, {int(t.scale)})"
        return number
    return None
