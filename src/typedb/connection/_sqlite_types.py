"""Python types for SQLite values: by declared column type, and for aggregates over columns.

sqlite3 converts a result column by its declared type, and an aggregate has none. So typedb
does for a SELECT's MIN / MAX / SUM / AVG over a column (see typedb.query._aggregate_plan)
what PostgreSQL does, per connection:

- MIN and MAX give the stored value as the column's type (Decimal, datetime, UUID...).
- SUM and AVG of numeric run as `typedb_sum(group_concat(x))` / `typedb_avg(...)`,
  functions registered on typedb's connections that add the stored decimals exactly:
  SQLite's own add floats, so 0.10 + 0.20 would be 0.30000000000000004. AVG of integers
  too, which PostgreSQL answers as numeric. Their text becomes a Decimal with PostgreSQL's
  digits.
- SUM of bigint is a Decimal, as PostgreSQL's numeric; of integer or smallint an int.

RETURNING has a quirk of its own: a whole value of a REAL column comes back as an int (see
`AggregateTypes.float_positions`), which the driver turns back into a float.

A column's declared type comes from `pragma_table_info`, cached per connection and dropped
when `PRAGMA schema_version` changes: one cheap read per such query, so a migration that
changes a type is seen at once. A table's INTEGER PRIMARY KEY (its rowid) is read from its
CREATE TABLE too, with it: typedb declares a bigint auto-increment key INTEGER (only that
auto-increments) with the bigint's type CHECK, which says it is one (see
typedb.schema._sqlite_ddl.rowid_type).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from typedb._errors import CompileError, DataTypeError
from typedb.connection._sqlite_ctes import (
    CteKinds,
    CteTypes,
    cte_number_template,
    cte_outputs,
    cte_types,
    sql_cte_number,
)
from typedb.connection._sqlite_errors import function_error
from typedb.dialects._base import DataType, parse_type
from typedb.dialects._sqlite import portable_type
from typedb.query._aggregate_plan import AggregatePlan, Nested, Output, TypedSql, not_null_key
from typedb.query._expr import Aggregate, aggregate_key, split_alias
from typedb.query._expr_types import (
    BIGINT_SUM,
    INTEGER,
    Columns,
    Kind,
    common_kind,
    infer,
    is_integer,
    kind_of_type,
    replacements,
    sums_bigint,
)

if TYPE_CHECKING:
    import sqlite3

Converter = Callable[[Any], Any]


def _timestamptz(text: str) -> datetime:
    # Stored as UTC wall time without an offset (timestamp_text).
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: Text as stored -> Python value, by the first word of the declared type (as sqlite3 picks
#: its converters). Each column's type CHECK guarantees the text parses.
PARSERS: dict[str, Callable[[str], Any]] = {
    "DATE": date.fromisoformat,
    "TIME": time.fromisoformat,
    "TIMESTAMP": datetime.fromisoformat,
    "TIMESTAMPTZ": _timestamptz,
    "NUMERIC": Decimal,
    "DECIMAL": Decimal,
    "BOOLEAN": lambda text: text not in ("0", "0.0", ""),
    "UUID": UUID,
    "JSON": json.loads,
    "JSONB": json.loads,
}

# Exact decimal arithmetic: precision enough for any sum of 15-digit numbers.
_EXACT = Context(prec=1000, rounding=ROUND_HALF_UP)
_ZERO = Decimal(0)


def _exact_sum(values: str) -> Decimal:
    with localcontext(_EXACT):
        return sum(map(Decimal, values.split(",")), _ZERO)


def exact_sum(values: str | None) -> str | None:
    """`typedb_sum(group_concat(x))`: the exact sum of a numeric column's values, as text.

    SQLite's group_concat() writes each stored number as the decimal it was stored from (a
    REAL as its 15 significant digits), and gathering them natively, then adding them here
    once per group, measured twice as fast as a Python aggregate called for every row.

    >>> exact_sum("0.1,0.2,3"), exact_sum(None)
    ('3.3', None)
    """
    return None if values is None else str(_exact_sum(values))


def exact_avg(values: str | None) -> str | None:
    """`typedb_avg(group_concat(x))`: the exact mean, with PostgreSQL's digits, as text.

    >>> exact_avg("1,2,2")
    '1.6666666666666667'
    """
    if values is None:
        return None
    return str(pg_divide(_exact_sum(values), values.count(",") + 1))


def _first_group(value: Decimal) -> tuple[int, int]:
    """PostgreSQL's numeric in base 10000: the weight and value of its first nonzero digit."""
    if not value:
        return 0, 0
    weight = value.adjusted() // 4
    return weight, int(abs(value).scaleb(-4 * weight, _EXACT)) % 10000


def pg_divide(dividend: Decimal, divisor: int) -> Decimal:
    """`dividend / divisor` with the digits PostgreSQL's numeric division gives (its
    `select_div_scale`: at least 16 significant digits, never fewer decimals than the
    dividend has; rounded half away from zero), which is what its AVG returns.

    >>> pg_divide(Decimal(5), 3), pg_divide(Decimal("0.30"), 2), pg_divide(Decimal("-2"), 3)
    (Decimal('1.6666666666666667'), Decimal('0.15000000000000000000'), Decimal('-0.66666666666666666667'))
    """
    weight1, first1 = _first_group(dividend)
    weight2, first2 = _first_group(Decimal(divisor))
    quotient_weight = weight1 - weight2 - (1 if first1 <= first2 else 0)
    scale = max(16 - 4 * quotient_weight, -min(0, int(dividend.as_tuple().exponent)), 0)
    scale = min(scale, 1000)
    scaled = int(dividend.scaleb(scale, _EXACT))  # exact: scale >= the dividend's decimals
    quotient, remainder = divmod(abs(scaled), divisor)
    if 2 * remainder >= divisor:
        quotient += 1
    return Decimal(-quotient if scaled < 0 else quotient).scaleb(-scale, _EXACT)


def _type_word(declared: str) -> str:
    # sqlite3's rule: the declared type up to the first space or parenthesis, any case.
    return declared.split("(")[0].split(" ")[0].upper()


def _value_converter(declared: str) -> Converter | None:
    """Stored value -> Python value for a column of type `declared`, as sqlite3 converts it."""
    parse = PARSERS.get(_type_word(declared))
    if parse is None:
        return None

    def convert(value: Any) -> Any:
        if type(value) is bytes:
            return value
        return parse(value if type(value) is str else repr(value))

    return convert


def _with_scale(convert: Converter, scale: int | None) -> Converter:
    """Decimals shown with the column's scale, as PostgreSQL gives them (`12.50`): only
    zeros are added, never a digit removed."""
    if scale is None:
        return convert
    unit = Decimal(1).scaleb(-scale)

    def scaled(value: Any) -> Any:
        d = convert(value)
        if isinstance(d, Decimal) and d.is_finite() and int(d.as_tuple().exponent) > -scale:
            return d.quantize(unit, context=_EXACT)
        return d

    return scaled


_INTEGERS = frozenset({"integer", "smallint", "bigint"})


def _parsed(declared: str) -> DataType | None:
    portable = portable_type(declared)
    if portable is None:
        return None
    try:
        return parse_type(portable)
    except DataTypeError:  # pragma: no cover - portable_type only returns parsable names
        return None


def replacement(name: str, declared: str | None) -> str | None:
    """The exact aggregate to run instead of SQLite's `name` over a column of this type."""
    t = _parsed(declared) if declared is not None else None
    if t is None:
        return None
    if t.name == "numeric" and name in ("SUM", "AVG"):
        return f"typedb_{name.lower()}(group_concat({{}}))"
    if t.name in _INTEGERS and name == "AVG":
        return "typedb_avg(group_concat({}))"
    return None


def output_converter(name: str, declared: str | None) -> Converter | None:
    """How the result of aggregate `name` over a column of this type becomes what
    PostgreSQL returns (None: SQLite's value already is)."""
    if declared is None:
        return None
    t = _parsed(declared)
    scale = t.scale if t is not None and t.name == "numeric" else None
    if name in ("MIN", "MAX"):
        convert = _value_converter(declared)
        return None if convert is None else _with_scale(convert, scale)
    if t is None:
        return None
    if t.name == "numeric" and name == "SUM":
        return _with_scale(Decimal, scale)
    if name == "AVG" and (t.name == "numeric" or t.name in _INTEGERS):
        return Decimal
    if name == "SUM" and t.name == "bigint":
        return Decimal  # PostgreSQL's sum(bigint) is numeric
    return None


def _exact(value: Any) -> Decimal:
    """A number SQLite handed a function (int, float of at most 15 digits, or exact text)."""
    if type(value) is float:
        return Decimal(repr(value))
    if type(value) is bytes:
        raise ValueError("arithmetic on a blob")
    return Decimal(value)


def _exact_op(compute: Callable[[Decimal, Decimal], Decimal]) -> Callable[[Any, Any], str | None]:
    def run(a: Any, b: Any) -> str | None:
        if a is None or b is None:
            return None
        with localcontext(_EXACT):
            return str(compute(_exact(a), _exact(b)))

    return run


def _exact_divide(a: Decimal, b: Decimal) -> Decimal:
    if not b:
        raise ZeroDivisionError("division by zero")
    return pg_divide_exact(a, b)


def pg_divide_exact(dividend: Decimal, divisor: Decimal) -> Decimal:
    """`dividend / divisor` of two numerics with PostgreSQL's digits (see pg_divide).

    >>> pg_divide_exact(Decimal("10.00"), Decimal("3")), pg_divide_exact(Decimal("1"), Decimal("8"))
    (Decimal('3.3333333333333333'), Decimal('0.12500000000000000000'))
    """
    weight1, first1 = _first_group(dividend)
    weight2, first2 = _first_group(divisor)
    quotient_weight = weight1 - weight2 - (1 if first1 <= first2 else 0)
    scales = (-min(0, int(d.as_tuple().exponent)) for d in (dividend, divisor))
    scale = min(max(16 - 4 * quotient_weight, *scales, 0), 1000)
    with localcontext(_EXACT):
        return (dividend / divisor).quantize(Decimal(1).scaleb(-scale))


#: typedb_add / _sub / _mul / _div: decimal arithmetic as PostgreSQL's numeric does it, as text.
EXACT_FUNCTIONS: dict[str, Callable[[Any, Any], str | None]] = {
    "typedb_add": _exact_op(lambda a, b: a + b),
    "typedb_sub": _exact_op(lambda a, b: a - b),
    "typedb_mul": _exact_op(lambda a, b: a * b),
    "typedb_div": _exact_op(_exact_divide),
}


_INT64 = 2**63


def _bigint_out_of_range() -> Exception:
    return function_error(ValueError("bigint out of range"))


#: The range and the name PostgreSQL's error gives, by width in bits.
_WIDTHS = {64: (_INT64, "bigint"), 32: (2**31, "integer"), 16: (2**15, "smallint")}


def _checked_op(
    symbol: str, compute: Callable[[Any, Any], Any], bits: int = 64
) -> Callable[[Any, Any], Any]:
    """SQL's `+ - *` as PostgreSQL does it: between integers a result past 64 bits raises
    (SQLite's own turns it into a float, so `id + big > 0` compared a float and matched
    every row); past 32 (16) bits for PostgreSQL's integer (smallint) operators, which
    SQLite computes in 64. Floats compute as SQLite's do; text, which PostgreSQL refuses
    arithmetic on and SQLite reads a number off the front of, is refused."""
    limit, type_name = _WIDTHS[bits]

    def run(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        if type(a) is int and type(b) is int:
            result = compute(a, b)
            if -limit <= result < limit:
                return result
            raise function_error(ValueError(f"{type_name} out of range"))
        if type(a) is str or type(b) is str or type(a) is bytes or type(b) is bytes:
            raise function_error(
                TypeError(
                    f"arithmetic ({symbol}) on {a!r} and {b!r}: PostgreSQL refuses arithmetic on "
                    "text, and SQLite would read a number off its front; cast it first "
                    "(eb.cast(x, 'integer'))"
                )
            )
        return compute(a, b)

    return run


def _add(a: Any, b: Any) -> Any:
    return a + b


def _sub(a: Any, b: Any) -> Any:
    return a - b


def _mul(a: Any, b: Any) -> Any:
    return a * b


def _div(a: Any, b: Any) -> Any:
    # As typedb_divide: a division by zero raises, integers truncate toward zero.
    if not b:
        raise function_error(ZeroDivisionError("division by zero"))
    if type(a) is int and type(b) is int:
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q
    return a / b


#: typedb_int_add / _sub / _mul: integer arithmetic checked for 64-bit overflow (see
#: _expr_types.replacements, which picks the bigint and the untyped nodes for them);
#: typedb_int4_* and typedb_int2_* for 32 and 16 bits (integer and smallint operands), with
#: `/` too: the smallest integer (smallint) divided by -1 is out of range there, as on
#: PostgreSQL (64 bits: typedb_divide checks that itself).
CHECKED_FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    f"typedb_int{suffix}_{name}": _checked_op(symbol, compute, bits)
    for suffix, bits in (("", 64), ("4", 32), ("2", 16))
    for name, symbol, compute in (
        ("add", "+", _add),
        ("sub", "-", _sub),
        ("mul", "*", _mul),
        *((("div", "/", _div),) if bits < 64 else ()),
    )
}


def sql_divide(a: Any, b: Any) -> Any:
    """`typedb_divide(a, b)`: SQL's `/` as PostgreSQL does it: a division by zero raises
    (SQLite's gives NULL), integers truncate toward zero."""
    if a is None or b is None:
        return None
    if type(a) is str or type(b) is str:
        a, b = float(a), float(b)
    if not b:
        raise function_error(ZeroDivisionError("division by zero"))
    if type(a) is int and type(b) is int:
        q = abs(a) // abs(b)
        if q >= _INT64 and (a < 0) == (b < 0):  # the smallest bigint divided by -1
            raise _bigint_out_of_range()
        return q if (a < 0) == (b < 0) else -q
    return a / b


def sql_integer(value: Any) -> int | None:
    """`typedb_integer(x)`: CAST(x AS integer) as PostgreSQL does it, rounding half away from
    zero (SQLite's CAST truncates), and refusing text that is not a number."""
    if value is None or type(value) is int:
        return value
    with localcontext(_EXACT):
        number = _exact(value.strip() if type(value) is str else value)
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def sql_numeric(value: Any, precision: int, scale: int) -> str | None:
    """`typedb_numeric(x, p, s)`: CAST(x AS numeric(p, s)) as PostgreSQL does it: rounded
    half away from zero to `s` places (SQLite's CAST to NUMERIC keeps every digit), and
    refused when it needs more than `p - s` digits before the point."""
    if value is None:
        return None
    with localcontext(_EXACT):
        number = _exact(value.strip() if type(value) is str else value)
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        if rounded and rounded.adjusted() >= precision - scale:
            raise function_error(
                ValueError(
                    f"numeric field overflow: {number} does not fit numeric({precision},{scale})"
                )
            )
        return str(rounded)


class ExactMin:
    """`typedb_min` / `typedb_max` over exact decimal text: compared as numbers, not text."""

    wants_bigger = False

    def __init__(self) -> None:
        self.found: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is not None:
            d = _exact(value)
            if self.found is None or ((d > self.found) == self.wants_bigger and d != self.found):
                self.found = d

    def finalize(self) -> str | None:
        return None if self.found is None else str(self.found)


class ExactMax(ExactMin):
    wants_bigger = True


def _numeric_kind(kind: Kind) -> Converter:
    scale = kind[1] if kind is not None else None
    return _with_scale(_value_converter("NUMERIC") or Decimal, scale)


# A bound str in a CASE or coalesce of numbers or booleans comes back from SQLite as the str;
# PostgreSQL read it (an unknown-typed literal) as that type, or refused it: so do these.
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_BOOL_WORDS = {
    **dict.fromkeys(("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"), True),
    **dict.fromkeys(("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"), False),
}


def _invalid(kind: str, value: str) -> ValueError:
    return ValueError(f"invalid input syntax for type {kind}: {value!r}")


def _bool_of(value: Any) -> Any:
    if type(value) is int:
        return bool(value)
    if type(value) is str:
        found = _BOOL_WORDS.get(value.strip().lower())
        if found is None:
            raise _invalid("boolean", value)
        return found
    return value


def _bool_kind(kind: Kind) -> Converter:
    return _bool_of


def _value_kind(kind: Kind) -> Converter:
    convert = _value_converter(str(kind[1])) if kind is not None else None
    return convert if convert is not None else (lambda value: value)


def _unless_decimal(convert: Converter, value: Any) -> Any:
    return value if type(value) is Decimal else convert(value)


def _float_of(value: Any) -> Any:
    # A double of a CASE or coalesce whose branch is an integer column: SQLite gives the int
    # (a union's numeric side: the Decimal its declared type made).
    if type(value) is int or type(value) is Decimal:
        return float(value)
    if type(value) is str:
        if "_" in value:  # Python reads 1_0 as 10; PostgreSQL refuses it
            raise _invalid("double precision", value)
        try:
            return float(value)
        except ValueError:
            raise _invalid("double precision", value) from None
    return value


def _float_kind(kind: Kind) -> Converter:
    return _float_of


def _checked_integer(value: Any) -> Any:
    if type(value) is float:
        # SQLite turns an integer result past 64 bits into a float; PostgreSQL raises.
        raise OverflowError(f"bigint out of range (SQLite computed {value!r} as a float)")
    if type(value) is str:
        if _INTEGER_TEXT.fullmatch(value) is None:
            raise _invalid("integer", value)
        return int(value)
    return value


def _checked_int4(value: Any) -> Any:
    value = _checked_integer(value)
    if type(value) is int and not -2147483648 <= value <= 2147483647:
        # An integer (int4) result SQLite computed in 64 bits; PostgreSQL raises.
        raise OverflowError("integer out of range")
    return value


def _checked_int2(value: Any) -> Any:
    value = _checked_integer(value)
    if type(value) is int and not -32768 <= value <= 32767:
        raise OverflowError("smallint out of range")
    return value


def _integer_kind(kind: Kind) -> Converter:
    width = kind[1] if kind is not None and len(kind) > 1 else 8
    return _checked_int4 if width == 4 else _checked_int2 if width == 2 else _checked_integer


_KIND_CONVERTERS: dict[str, Callable[[Kind], Converter]] = {
    "integer": _integer_kind,
    "float": _float_kind,
    "numeric": _numeric_kind,
    "bool": _bool_kind,
    "value": _value_kind,
}
#: The kinds SQLite computes otherwise than PostgreSQL inside a nested SELECT (see
#: _refuse_untyped); a "value" comes back as stored there, as a column of it would.
_COMPUTED_KINDS = frozenset({"numeric", "bool"})
#: Decimal expressions a CTE can store (see _sqlite_ctes): arithmetic and casts, whose exact
#: text typedb_cte_number makes a number, and bound values. A CASE or coalesce of them would
#: store the exact text, which SQLite compares as text: still refused.
_STORED_NUMERIC = frozenset({"op", "cast", "val"})


def _described(item: Any) -> str:
    """A select item as an error names it."""
    if type(item) is tuple:
        return f"the expression {item[2]!r}"
    if isinstance(item, Aggregate):
        return f"{item.name}({item.column or '*'})"
    return repr(item)


def _item_name(item: Any) -> str:
    """The result column a select item gives."""
    if type(item) is tuple:
        return str(item[2])
    if isinstance(item, Aggregate):
        return item.alias or item.name.lower()
    column, alias = split_alias(item)
    return alias or column.rpartition(".")[2]


_STORED = frozenset({int, float, str})


def _unless_converted(convert: Converter, value: Any) -> Any:
    return convert(value) if type(value) in _STORED else value


def _bigint_sum(value: Any) -> Any:
    """SUM of a bigint as PostgreSQL's numeric; a float (an overflow SQLite's arithmetic
    computed) refused."""
    return Decimal(_checked_integer(value))


def _kind_of_declared(declared: str) -> Kind:
    t = _parsed(declared)
    return None if t is None else kind_of_type(t.name, t.scale)


def register_expression_functions(conn: sqlite3.Connection) -> None:
    """The functions eb expressions render to on SQLite (see typedb.query._expr)."""
    conn.create_function("typedb_cte_number", 2, sql_cte_number, deterministic=True)
    for name, function in EXACT_FUNCTIONS.items():
        conn.create_function(name, 2, function, deterministic=True)
    for name, checked in CHECKED_FUNCTIONS.items():
        conn.create_function(name, 2, checked, deterministic=True)
    conn.create_function("typedb_divide", 2, sql_divide, deterministic=True)
    conn.create_function("typedb_integer", 1, sql_integer, deterministic=True)
    conn.create_function("typedb_numeric", 3, sql_numeric, deterministic=True)
    extremes: dict[str, Any] = {"typedb_min": ExactMin, "typedb_max": ExactMax}
    for name, aggregate in extremes.items():
        conn.create_aggregate(name, 1, aggregate)


_FLOATS = frozenset({"REAL", "DOUBLE", "FLOAT"})
# The table an INSERT / UPDATE / DELETE of typedb's writes, and one item of its RETURNING.
_WRITTEN = re.compile(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM) `((?:[^`]|``)+)`")
_RETURNED = re.compile(r"(?:`(?:[^`]|``)+`\.)?`((?:[^`]|``)+)`(?: AS `(?:[^`]|``)+`)?")


class Specialized:
    """A TypedSql as this connection runs it: the SQL, and the converters by result column."""

    __slots__ = ("converters", "positions", "sql")

    def __init__(self, sql: str, converters: tuple[tuple[Output, Converter], ...]) -> None:
        self.sql = sql
        self.converters = converters
        # Where each converter applies, by the result's column names (a `*` can vary them).
        self.positions: dict[tuple[str, ...], list[tuple[int, Converter]]] = {}

    def convert(self, names: tuple[str, ...], rows: list[Any]) -> list[Any]:
        todo = self.positions.get(names)
        if todo is None:
            todo = [(i, f) for out, f in self.converters if (i := out.position(names)) is not None]
            self.positions[names] = todo
        if not todo:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for i, f in todo:
                if values[i] is not None:
                    values[i] = f(values[i])
            converted.append(values)
        return converted


class AggregateTypes:
    """Per connection: declared column types, and each TypedSql specialized to them, both
    valid for one `schema_version`."""

    MAX_ENTRIES = 1024

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._cursor = conn.cursor()
        self._version: int | None = None
        self._columns: dict[str, dict[str, str]] = {}
        # Per table, as _columns: the columns that hold no NULL (NOT NULL, or the rowid).
        self._not_nulls: dict[str, frozenset[str]] = {}
        # Keyed by the text AND its plan: two shapes can render the same SQL (an aggregate
        # and an eb expression of it) with plans that convert the result differently.
        self._specialized: dict[tuple[str, AggregatePlan], Specialized] = {}
        self._floats: dict[tuple[str, tuple[str, ...]], tuple[int, ...]] = {}
        # A TEMP table or view of a main table's name shadows it, and creating one leaves
        # main's schema_version as it was: once this connection has run a statement that
        # may create one (see the driver's `run`), temp's version is read too. Not before:
        # it is a second pragma per query (~12 us) most connections never need.
        self.temp_schema = False
        self._temp_version: int | None = None
        # How many times the schema was seen to change (see follow_schema).
        self._changes = 0
        # The column types of the CTEs of the statement being specialized (see _sqlite_ctes).
        self._cte_types: CteTypes = {}

    def specialize(self, sql: TypedSql) -> Specialized:
        self._follow_schema()
        key = (sql, sql.plan)
        found = self._specialized.get(key)
        if found is None:
            if len(self._specialized) >= self.MAX_ENTRIES:
                self._specialized.clear()
            found = self._specialized[key] = self._build(sql)
        return found

    def _build(self, sql: TypedSql) -> Specialized:
        plan = sql.plan
        self._cte_types = {}
        computed = cte_types(
            plan, self._declared_in, _kind_of_declared, self._cte_types, self._table_columns
        )
        try:
            return self._specialized_for(sql, plan, computed)
        finally:
            self._cte_types = {}

    def _specialized_for(
        self, sql: TypedSql, plan: AggregatePlan, computed: CteKinds
    ) -> Specialized:
        replace: dict[Any, str] = {}
        for a in plan.aggregates:
            name = replacement(a.name, self._declared(plan, a.column or ""))
            if name is not None:
                replace[aggregate_key(a)] = name
        converters: list[tuple[Output, Converter]] = []
        union_kinds = self._union_kinds(plan) if plan.unions else {}
        for out in plan.outputs:
            if isinstance(out.aggregate, tuple):  # an eb expression (typedb.query._expr_types)
                # A union's other sides may make the column bigint: its integer (int4) and
                # smallint arithmetic is checked where it is computed, the column for 64 bits.
                kind = self._expression(plan, out.aggregate, replace, not plan.compound)
                if plan.compound and out.index in union_kinds:
                    kind = union_kinds[out.index]  # typed by every side, as PostgreSQL does
                elif plan.compound and is_integer(kind):
                    kind = INTEGER
                elif kind == BIGINT_SUM and sums_bigint(out.aggregate, self._kinds(plan.tables)):
                    # SQLite's integer SUM, its argument's arithmetic unchecked (a float
                    # there is the overflow): checked, then PostgreSQL's numeric.
                    converters.append((out, _bigint_sum))
                    continue
                if kind is not None and kind[0] in _KIND_CONVERTERS:
                    convert: Converter = _KIND_CONVERTERS[kind[0]](kind)
                    if out.aggregate[0] == "sub":
                        # A subquery's column passes its declared type through: its values
                        # are converted already (a Decimal, a datetime).
                        convert = partial(_unless_converted, convert)
                    converters.append((out, convert))
                continue
            a = out.aggregate
            of_aggregate = output_converter(a.name, self._declared(plan, a.column or ""))
            if of_aggregate is not None:
                converters.append((out, of_aggregate))
        for node in plan.compared:
            self._expression(plan, node, replace)  # its decimal arithmetic, made exact
        if plan.unions:
            converters.extend(self._union_converters(plan, union_kinds))
        for out, kind in cte_outputs(plan, computed):
            if kind is not None and kind[0] in _KIND_CONVERTERS:
                convert = _KIND_CONVERTERS[kind[0]](kind)
                if kind[0] == "numeric":
                    # A Decimal (a union side's declared numeric column) gets the scale too.
                    read = partial(_unless_decimal, _value_converter("NUMERIC") or Decimal)
                    convert = _with_scale(read, kind[1])
                converters.append((out, convert))
        for nested in plan.nested:
            self._refuse_untyped(nested)
        self._inner(plan, replace)
        if plan.ordered is not None:
            for column in plan.ordered.columns:
                if self._not_null(plan.tables, plan.ordered.strict, column):
                    replace[not_null_key(column)] = ""
        text = plan.render(replace) if replace else str(sql)
        return Specialized(text, tuple(converters))

    def _union_kinds(self, plan: AggregatePlan) -> dict[int, Kind]:
        """Each column of a union as PostgreSQL types it, from every side's item (a column,
        an eb expression, an aggregate), by position; left out where a side's is unknown.
        SQLite gives the values as stored or computed under the first side's declared type
        (an integer expression union a numeric column was checked as an integer). Sides
        PostgreSQL cannot match (text and integer) are refused, as it refuses them."""
        found: dict[int, Kind] = {}
        for i in range(len(plan.unions[0][1])):
            kinds = [self._item_kind(tables, items[i]) for tables, items in plan.unions]
            known = [k for k in kinds if k is not None]
            if len(known) < len(kinds):
                continue  # a column typedb cannot type: left as SQLite gives it
            families = {k[0] for k in known}
            if len(families) > 1 and not families <= {"integer", "numeric", "float"}:
                sides = ", ".join(
                    f"{_described(items[i])} of table {tables[0][0]!r} is "
                    f"{k[0] if k[0] != 'value' else k[1]}"
                    for (tables, items), k in zip(plan.unions, known, strict=True)
                )
                raise CompileError(
                    f"column {i + 1} of the union cannot be matched ({sides}): PostgreSQL "
                    "refuses it and SQLite would mix the types; select the same type on "
                    "every side"
                )
            found[i] = common_kind(known)
        return found

    def _union_converters(
        self, plan: AggregatePlan, kinds: dict[int, Kind]
    ) -> list[tuple[Output, Converter]]:
        """The converters of a union's columns whose first side is a column or an aggregate
        (an expression's is its output's) that every side makes a numeric or a double."""
        found: list[tuple[Output, Converter]] = []
        first = plan.unions[0]
        for i, item in enumerate(first[1]):
            common = kinds.get(i)
            if common is None or common[0] not in ("numeric", "float"):
                continue
            if type(item) is tuple and item[1][0] != "ref":
                continue  # an eb expression: converted as the union's output
            if common == self._item_kind(first[0], item):
                continue  # as the first side's column already comes back
            convert = _KIND_CONVERTERS[common[0]](common)
            if common[0] == "numeric":  # the first side's numeric values are Decimals
                convert = partial(_unless_decimal, convert)
            found.append((Output(("union", i), _item_name(item), i, None), convert))
        return found

    def _inner(self, plan: AggregatePlan, replace: dict[Any, Any]) -> None:
        """The replacements of each SELECT inside `plan`'s, under ("nested", shape): its
        aggregates, select-list expressions and compared expressions over its own tables
        (their values are compared or read as numbers, see _select_sql._sub_sql)."""
        for inner in plan.inner:
            own: dict[Any, Any] = {}
            sub = inner.plan
            for a in sub.aggregates:
                name = replacement(a.name, self._declared(sub, a.column or ""))
                if name is not None:
                    own[aggregate_key(a)] = name
            for out in sub.outputs:
                if isinstance(out.aggregate, tuple):
                    kind = self._expression(sub, out.aggregate, own)
                    template = own.get(out.aggregate)
                    if inner.stored and kind is not None and kind[0] == "numeric" and template:
                        # Stored in a CTE: kept as a number there (see _sqlite_ctes).
                        own[out.aggregate] = cte_number_template(template, out.name)
            for node in sub.compared:
                self._expression(sub, node, own)
            self._inner(sub, own)
            if own:
                replace[("nested", inner.shape)] = own

    def _refuse_untyped(self, nested: Nested) -> None:
        """Refuse a nested SELECT whose aggregate or expression SQLite would return otherwise
        than PostgreSQL does (a float for a decimal sum, text for a timestamp)."""
        for a in nested.aggregates:
            of_column = self._declared_in(nested.tables, a.column or "")
            if nested.stored and a.name == "SUM" and _kind_of_declared(of_column or "") == INTEGER:
                continue  # SQLite's integer SUM, typed a numeric in the CTE (_sqlite_ctes)
            if replacement(a.name, of_column) or output_converter(a.name, of_column):
                raise CompileError(
                    f"{a.name}({a.column}) in the {nested.label} cannot come back from SQLite "
                    f"as PostgreSQL gives it (a {of_column} column: SQLite computes it as a float "
                    "or returns text there); compute it in the outer query, or run it on its own"
                )

        def declared(column: str) -> Kind:
            found = self._declared_in(nested.tables, column)
            t = _parsed(found) if found is not None else None
            return None if t is None else kind_of_type(t.name, t.scale)

        for node in nested.expressions:
            kind = infer(node, declared)
            stored = nested.stored and (node[0] in _STORED_NUMERIC or sums_bigint(node, declared))
            if stored and kind is not None and kind[0] == "numeric":
                # Computed exactly (or SQLite's integer SUM of a bigint), kept as a number
                # and typed (_sqlite_ctes).
                continue
            if kind is not None and kind[0] in _COMPUTED_KINDS:
                raise CompileError(
                    f"an expression of type {kind[0]} in the {nested.label} cannot come back from "
                    "SQLite as PostgreSQL gives it (SQLite computes decimals as floats there); "
                    "compute it in the outer query"
                )

    def _expression(
        self,
        plan: AggregatePlan,
        node: tuple[Any, ...],
        replace: dict[Any, str],
        output: bool = False,
    ) -> Kind:
        """An expression's kind; adds what must be computed exactly or checked for integer
        overflow to `replace`. `output`: an outer select-list item, whose integer result the
        driver checks itself (see _expr_types.replacements)."""

        declared = self._kinds(plan.tables)
        try:
            replacements(node, declared, replace, output)
            return infer(node, declared)
        except CompileError as exc:
            tables = ", ".join(repr(table) for table, _ in plan.tables)
            raise CompileError(f"{exc} (in a query of table {tables})") from None

    def _kinds(self, tables: tuple[tuple[str, str | None], ...]) -> Columns:
        """The kinds of the columns of `tables` (see _expr_types), and of scalar subqueries
        over them."""

        def column(name: str) -> Kind:
            found = self._declared_in(tables, name)
            return None if found is None else _kind_of_declared(found)

        return Columns(column, partial(self._subquery_kind, tables))

    def _subquery_kind(self, outer: tuple[tuple[str, str | None], ...], shape: Any) -> Kind:
        """A scalar subquery's kind: its one selected column's, over its own tables and then
        the outer ones (a correlated column), as PostgreSQL types it. SQLite gives it none,
        so `id * (SELECT x ... LIMIT 1)` of two integers was checked for 64 bits, not 32."""
        from typedb.query._base import split_table

        records = shape[1:]
        if any(r[0] == "compound" for r in records):
            return None  # typed by all its sides: not inferred here
        names = [shape[0][2], *(r[2] for r in records if r[0] == "join")]
        own = tuple(split_table(t) for t in names)
        items = [item for r in records if r[0] == "select" for item in r[1]]
        if len(items) != 1:
            return None
        return self._item_kind(own + tuple(t for t in outer if t not in own), items[0])

    def _item_kind(self, tables: tuple[tuple[str, str | None], ...], item: Any) -> Kind:
        """A select item's kind over `tables` (None: a `*`, a typedb.sql(), or unknown)."""
        kinds = self._kinds(tables)
        if type(item) is str:
            if item == "*" or item.endswith(".*"):
                return None
            return kinds(split_alias(item)[0])
        if type(item) is tuple:  # ("x", node, alias): an eb expression
            return infer(item[1], kinds)
        if isinstance(item, Aggregate):
            arg = None if item.column is None else ("ref", item.column)
            return infer(("agg", item.name, arg, item.distinct), kinds)
        return None

    def _declared(self, plan: AggregatePlan, column: str) -> str | None:
        """The declared type of `column` (`name` or `table.name`) among the plan's tables."""
        return self._declared_in(plan.tables, column)

    def _declared_in(self, tables: tuple[tuple[str, str | None], ...], column: str) -> str | None:
        qualifier, _, name = column.rpartition(".")
        ctes = self._cte_types
        for table, alias in tables:
            if qualifier and qualifier.lower() not in (table.lower(), (alias or "").lower()):
                continue
            # A CTE's name hides a table's in its statement.
            cte = ctes.get(table.lower()) if ctes else None
            columns = cte if cte is not None else self._table_columns(table)
            declared = columns.get(name.lower())
            if declared is not None:
                return declared
        return None

    def float_positions(self, sql: str, names: tuple[str, ...]) -> tuple[int, ...]:
        """Where a RETURNING result has a `real` / `double precision` column, whose whole
        values SQLite gives back as ints there (it writes 2.0 as the integer 2 and RETURNING
        reads that record; a SELECT says 2.0). Only typedb's own form of the clause is read:
        backtick-quoted columns, each with an optional alias, or `*`."""
        self._follow_schema()
        key = (sql, names)
        found = self._floats.get(key)
        if found is None:
            if len(self._floats) >= self.MAX_ENTRIES:
                self._floats.clear()
            found = self._floats[key] = self._find_floats(sql, names)
        return found

    def _find_floats(self, sql: str, names: tuple[str, ...]) -> tuple[int, ...]:
        table = _WRITTEN.match(sql)
        clause = sql.rpartition(" RETURNING ")[2]
        if table is None or not clause:
            return ()
        columns = self._table_columns(table.group(1).replace("``", "`"))
        if clause.strip() == "*":
            sources = list(names)
        else:
            items = clause.split(", ")
            parsed = [_RETURNED.fullmatch(item) for item in items]
            if len(items) != len(names) or None in parsed:
                return ()  # not typedb's form (raw SQL): left as SQLite gives it
            sources = [m.group(1).replace("``", "`") for m in parsed if m is not None]
        return tuple(
            i
            for i, source in enumerate(sources)
            if _type_word(columns.get(source.lower(), "")) in _FLOATS
        )

    def _not_null(
        self,
        tables: tuple[tuple[str, str | None], ...],
        strict: tuple[tuple[str, str | None], ...],
        column: str,
    ) -> bool:
        """Whether `column` (`name` or `table.name`) can hold no NULL in the result: a NOT
        NULL column (or a rowid) of a table no join null-extends."""
        qualifier, _, name = column.rpartition(".")
        name = name.lower()
        for table, alias in tables:
            if qualifier and qualifier.lower() not in (table.lower(), (alias or "").lower()):
                continue
            if name in self._table_columns(table):
                return (table, alias) in strict and name in self._not_nulls[table.lower()]
        return False

    def follow_schema(self) -> int:
        """`_follow_schema()`, for another reader of the schema (see _sqlite_names): a number
        that changes whenever the schema has changed."""
        self._follow_schema()
        return self._changes

    def _follow_schema(self) -> None:
        """Forget what was read of the schema when it has changed since."""
        cur = self._cursor
        cur.execute("PRAGMA schema_version")
        version: int = cur.fetchone()[0]
        temp_version = None
        if self.temp_schema:
            cur.execute("PRAGMA temp.schema_version")
            temp_version = cur.fetchone()[0]
        if version != self._version or temp_version != self._temp_version:
            self._columns.clear()
            self._not_nulls.clear()
            self._specialized.clear()
            self._floats.clear()
            self._version = version
            self._temp_version = temp_version
            self._changes += 1

    def _rowid_type(self, table: str, column: str) -> str | None:
        """A bigint auto-increment key's type (None: integer): SQLite declares it INTEGER,
        its rowid, and typedb's CHECK on it says bigint (see _sqlite_ddl.rowid_type). Read
        with the table's columns, once per schema version."""
        from typedb._errors import CompileError
        from typedb.schema._sqlite_ddl import parse_create_table, rowid_type

        cur = self._cursor
        # The table pragma_table_info read: a TEMP one hides main's.
        cur.execute(
            "SELECT coalesce((SELECT sql FROM temp.sqlite_master WHERE type = 'table' AND "
            "name = ?1 COLLATE NOCASE), (SELECT sql FROM main.sqlite_master WHERE type = "
            "'table' AND name = ?1 COLLATE NOCASE))",
            (table,),
        )
        sql = cur.fetchone()[0]
        if sql is None:
            return None
        try:
            found = parse_create_table(sql).column(column)
        except CompileError:
            return None
        declared = rowid_type(found) if found is not None else "integer"
        return None if declared == "integer" else declared.upper()

    def _table_columns(self, table: str) -> dict[str, str]:
        key = table.lower()
        columns = self._columns.get(key)
        if columns is None:
            cur = self._cursor
            cur.execute('SELECT name, type, "notnull", pk FROM pragma_table_info(?)', (table,))
            found = cur.fetchall()
            columns = self._columns[key] = {n.lower(): t for n, t, _, _ in found}
            keys = [n for n, _, _, pk in found if pk]
            if len(keys) == 1 and columns[keys[0].lower()].upper() == "INTEGER":
                declared = self._rowid_type(table, keys[0])
                if declared is not None:
                    columns[keys[0].lower()] = declared
            self._not_nulls[key] = frozenset(
                n.lower()
                for n, t, not_null, pk in found
                # INTEGER PRIMARY KEY is the rowid, never NULL (other keys may hold NULL).
                if not_null or (pk and len(keys) == 1 and t.upper() == "INTEGER")
            )
        return columns
