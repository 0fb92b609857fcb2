"""What a SELECT's aggregates are over, for a backend that cannot type them itself.

PostgreSQL types `max(total)` as the column's type and `sum(total)` of a numeric as numeric.
SQLite gives an aggregate no declared type: its value comes back as stored (a float for
money, text for a timestamp), and SUM and AVG of decimals are computed in floating point.
So a SQLite SELECT with MIN, MAX, SUM or AVG over a column carries an `AggregatePlan`: which
aggregates it has, over which columns of which tables, where they are in the result, and how
to render the same query with some of them computed by other functions. The SQLite driver
resolves the columns' declared types (per connection, cached until the schema changes) and
converts the results. The plan rides on the SQL text itself (`TypedSql`, a `str`), so it
reaches the driver through any call path and lives exactly as long as the cached SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from typedb._sql import Fragment
from typedb.query._expr import (
    Aggregate,
    AggregateKey,
    Replacements,
    Shape,
    aggregate_key,
    split_alias,
)
from typedb.query._names import NamedSql

#: The aggregates whose result type depends on the column's (COUNT is always an integer).
TYPED_AGGREGATES = frozenset({"MIN", "MAX", "SUM", "AVG"})


@dataclass(frozen=True, slots=True)
class Output:
    """A selected aggregate: its result column's name and position. The position is counted
    from the start, or else from the end, when the select items on that side are one column
    each (a `*` or a `typedb.sql()` fragment may be several); None for neither."""

    #: An aggregate over a column, or an eb expression's node (see _expr_types).
    aggregate: Aggregate | tuple[Any, ...]
    name: str
    index: int | None
    from_end: int | None

    def position(self, names: tuple[str, ...]) -> int | None:
        """Where this aggregate is among the result's column `names`, if that is certain."""
        if self.index is not None:
            i = self.index
        elif self.from_end is not None:
            i = len(names) - 1 - self.from_end
        elif names.count(self.name) == 1:
            i = names.index(self.name)
        else:
            return None
        return i if 0 <= i < len(names) and names[i] == self.name else None


# eq=False: compared and hashed by identity, a cheap key beside its SQL text (each shape's
# plan is made once and lives as long as its cached SQL).
@dataclass(frozen=True, slots=True, eq=False)
class AggregatePlan:
    #: The tables the query reads, as (table, alias or None), the FROM table first.
    tables: tuple[tuple[str, str | None], ...]
    #: Every MIN / MAX / SUM / AVG over a column, in select, having or order_by; one per key.
    aggregates: tuple[Aggregate, ...]
    outputs: tuple[Output, ...]
    #: The SQL (same placeholders, same order) with the given aggregates replaced.
    render: Callable[[Replacements], str]
    #: SELECTs inside this one whose values reach the result (see Nested).
    nested: tuple[Nested, ...] = ()
    #: eb expression nodes compared or sorted by (where, join on, having, order_by): SQLite computes
    #: their decimal arithmetic in floating point, so `price * qty = 2.97` missed the row.
    compared: tuple[tuple[Any, ...], ...] = ()
    #: SELECTs inside this one (IN / EXISTS / scalar subqueries, CTE bodies, compound
    #: operands), each with its own plan: their conditions' decimal arithmetic and sums are
    #: made exact as this statement's are (see Inner).
    inner: tuple[Inner, ...] = ()
    #: A compound query of one-column items (columns, eb expressions, aggregates): each
    #: side's tables and select items, the first query first. SQLite types a union's
    #: column by the first query's item alone (an integer column union a numeric one gave
    #: ints and floats); PostgreSQL by all sides.
    unions: tuple[tuple[tuple[tuple[str, str | None], ...], tuple[Any, ...]], ...] = ()
    #: The columns of a multi-column ORDER BY, and the tables whose rows a join never
    #: null-extends (the FROM table and inner joins). SQLite reads an index for the first
    #: term alone once the terms say NULLS LAST / FIRST, which they must to put NULLs where
    #: PostgreSQL does; a NOT NULL column's term needs no NULLS clause (see Ordered).
    ordered: Ordered | None = None
    #: The statement's CTEs, in order: SQLite gives a CTE's computed column no type, so the
    #: driver types it from the CTE's body, as PostgreSQL does (see Cte).
    ctes: tuple[Cte, ...] = ()
    #: The select list, when the statement has CTEs: its plain columns of a CTE's computed
    #: column are converted as PostgreSQL types them.
    selected: tuple[Any, ...] = ()
    #: A compound query (a union, intersect or except): PostgreSQL types its columns by
    #: every side, so a first side's integer (int4) expression may be a bigint column.
    compound: bool = False


@dataclass(frozen=True, slots=True)
class Cte:
    """A CTE: its name, its listed columns (or none) and its body's shape. PostgreSQL types
    its columns by its body's select list (a recursive one's by the part before the union);
    SQLite gives a computed one no type: `price * 2` came back a float, or, computed exactly,
    as text."""

    name: str
    columns: tuple[str, ...]
    shape: Shape
    #: with_recursive(): typed by the part before its union alone, as PostgreSQL does.
    recursive: bool = False


@dataclass(frozen=True, slots=True)
class Ordered:
    """A SELECT's ORDER BY column names whose terms may go without NULLS FIRST / LAST when
    the driver finds the column NOT NULL in one of `strict`'s tables: then SQLite's order
    is PostgreSQL's, and an index on the columns gives it without a sort. Rendered with
    NOT_NULL keys among the replacements (see _select_sql.render_select)."""

    columns: tuple[str, ...]
    strict: tuple[tuple[str, str | None], ...]


def not_null_key(column: str) -> tuple[str, str]:
    """The replacements key that says an ORDER BY column is NOT NULL (no NULLS clause)."""
    return ("not null", column)


@dataclass(frozen=True, slots=True)
class Inner:
    """A SELECT nested in a statement, and the plan of its own records over its own tables
    (then the outer ones, for correlated columns). Without it SQLite computed
    `price * qty = 2.97` in a subquery's where, or `sum(price) = 0.30` in its having, in
    floating point and silently matched no row. Rendered with the replacements the driver
    finds for this plan, keyed ("nested", shape) among the outer statement's."""

    shape: Shape
    plan: AggregatePlan
    #: Its select list is stored in a CTE (the CTE's body or one of its union's operands):
    #: SQLite keeps exact decimal results there as numbers (see AggregateTypes._inner).
    stored: bool = False


@dataclass(frozen=True, slots=True)
class Nested:
    """A SELECT inside another whose values reach the result: a CTE body, a compound
    operand, a scalar subquery in select(). Its aggregates and expressions are computed by
    SQLite as it is (SUM of decimals in floating point, MAX of a timestamp as text): the
    driver refuses the statement when one of them would not come back as PostgreSQL gives it.
    """

    label: str
    tables: tuple[tuple[str, str | None], ...]
    aggregates: tuple[Aggregate, ...]
    expressions: tuple[tuple[Any, ...], ...]
    #: A CTE's body or one of its union's operands, whose decimal expressions the driver
    #: computes exactly and types (see Cte).
    stored: bool = False


class TypedSql(NamedSql):
    """SQL text that carries the `AggregatePlan` of its result (and the names it was written
    with, see _names). Equal to the plain text."""

    plan: AggregatePlan

    def __new__(cls, text: str, plan: AggregatePlan) -> TypedSql:
        self = str.__new__(cls, text)
        self.names = getattr(text, "names", None)
        self.plan = plan
        return self


def _condition_aggregates(shape: Shape) -> Iterator[Aggregate]:
    kind = shape[0]
    if kind == "cmp":
        if isinstance(shape[1], Aggregate):
            yield shape[1]
    elif kind == "not":
        yield from _condition_aggregates(shape[1])
    else:  # and / or
        for part in shape[1]:
            yield from _condition_aggregates(part)


def _width_known(item: Any) -> bool:
    """Whether a select item is exactly one result column."""
    if isinstance(item, Fragment | tuple):
        return isinstance(item, tuple)
        return False
    return not (isinstance(item, str) and (item == "*" or item.endswith(".*")))


def plan_of(
    records: Shape,
    tables: tuple[tuple[str, str | None], ...],
    render: Callable[[Replacements], str],
    stored: bool = False,
) -> AggregatePlan | None:
    """The plan of a SELECT's `records` (its calls), or None when it has no typed aggregate."""
    selected: list[Any] = []
    found: dict[AggregateKey, Aggregate] = {}
    compared: list[tuple[Any, ...]] = []
    for record in records:
        kind = record[0]
        if kind == "select":
            selected.extend(record[1])
        elif kind == "having":
            for a in _condition_aggregates(record[1]):
                found.setdefault(aggregate_key(a), a)
            compared.extend(condition_nodes(record[1]))
        elif kind == "where":
            compared.extend(condition_nodes(record[1]))
        elif kind == "join" and len(record) == 4:  # join(table, lambda on: ...)
            compared.extend(condition_nodes(record[3]))
        elif kind == "order" and isinstance(record[1], Aggregate):
            found.setdefault(aggregate_key(record[1]), record[1])
        elif kind == "order" and type(record[1]) is tuple and record[1][0] in _COMPUTED:
            compared.append(record[1])
        elif kind == "group":
            compared.extend(c for c in record[1] if type(c) is tuple and c[0] in _COMPUTED)
    outputs: list[Output] = []
    for i, item in enumerate(selected):
        if isinstance(item, Aggregate) and item.name in TYPED_AGGREGATES and item.column:
            found.setdefault(aggregate_key(item), item)
            index = i if all(map(_width_known, selected[:i])) else None
            after = selected[i + 1 :]
            from_end = len(after) if all(map(_width_known, after)) else None
            outputs.append(Output(item, item.alias or item.name.lower(), index, from_end))
        elif type(item) is tuple and item[1][0] != "ref":  # ("x", node, alias): eb expression
            index = i if all(map(_width_known, selected[:i])) else None
            after = selected[i + 1 :]
            from_end = len(after) if all(map(_width_known, after)) else None
            outputs.append(Output(item[1], item[2], index, from_end))
    typed = tuple(a for a in found.values() if a.name in TYPED_AGGREGATES and a.column)
    nested = tuple(nested_of(records, stored))
    inner = inner_of(records, tables, stored)
    unions = _unions(records, tables, selected)
    ordered = _ordered(records, tables, selected)
    if (
        not typed
        and not outputs
        and not nested
        and not compared
        and not inner
        and not unions
        and ordered is None
    ):
        return None
    ctes = tuple(Cte(r[2], r[3], r[4], r[1]) for r in records if r[0] == "with")
    return AggregatePlan(
        tables,
        typed,
        tuple(outputs),
        render,
        nested,
        tuple(compared),
        inner,
        unions,
        ordered,
        ctes,
        tuple(selected) if ctes else (),
        any(r[0] == "compound" for r in records),
    )


def _output_name(item: Any) -> str | None:
    if type(item) is tuple:
        return str(item[2])
    if isinstance(item, Aggregate):
        return item.alias or item.name.lower()
    if type(item) is str:
        return split_alias(item)[1]
    return None


def _ordered(
    records: Shape, tables: tuple[tuple[str, str | None], ...], selected: list[Any]
) -> Ordered | None:
    """The plain columns of an ORDER BY of two terms or more (the first is read from an
    index with its NULLS clause too) with a LIMIT, where reading an index in order instead
    of sorting every row matters most; the driver's schema read costs a `PRAGMA
    schema_version` per query (about 9 us on a file outside a transaction), which a
    query reading all its rows would pay for little. Not for a compound (its ORDER BY names result columns),
    a statement with CTEs (a table name may be one) or a right or full join (which
    null-extends the FROM table); not for a name the select list gives a result column
    (ORDER BY reads that first)."""
    orders = [r[1] for r in records if r[0] == "order"]
    if len(orders) < 2 or not any(r[0] == "limit" for r in records):
        return None
    if any(r[0] in ("compound", "with") for r in records):
        return None
    joins = [r for r in records if r[0] == "join"]
    if any(r[1] in ("right", "full") for r in joins):
        return None
    from typedb.query._base import split_table

    strict = (tables[0], *(split_table(r[2]) for r in joins if r[1] == "inner"))
    outputs = {n.lower() for n in map(_output_name, selected) if n is not None}
    # typedb.sql("rank AS title") names a result column typedb cannot see: then a plain
    # name may be one (ORDER BY title sorts by rank), and only qualified names are safe.
    hidden = any(isinstance(item, Fragment) for item in selected)
    columns = tuple(
        dict.fromkeys(
            c
            for c in orders
            if type(c) is str
            and c != "*"
            and ("." in c or (not hidden and c.lower() not in outputs))
        )
    )
    return Ordered(columns, strict) if columns else None


def _single(items: list[Any]) -> bool:
    """Every item is one column: a column, an eb expression or an aggregate (not a `*` or
    a typedb.sql(), which may be several)."""
    return bool(items) and all(
        isinstance(i, tuple | Aggregate) or (type(i) is str and i != "*" and not i.endswith(".*"))
        for i in items
    )


def _unions(
    records: Shape, tables: tuple[tuple[str, str | None], ...], selected: list[Any]
) -> tuple[tuple[tuple[tuple[str, str | None], ...], tuple[Any, ...]], ...]:
    """The sides of a compound query of one-column items (see AggregatePlan.unions)."""
    from typedb.query._base import split_table

    operands = [r[2] for r in records if r[0] == "compound"]
    if not operands or not _single(selected):
        return ()
    sides = [(tables, tuple(selected))]
    for shape in operands:
        own = shape[1:]
        items = [i for r in own if r[0] == "select" for i in r[1]]
        if not _single(items) or len(items) != len(selected):
            return ()  # a `*` or a typedb.sql(): the database matches those
        names = [shape[0][2], *(r[2] for r in own if r[0] == "join")]
        sides.append((tuple(split_table(t) for t in names), tuple(items)))
    return tuple(sides)


def _no_render(replace: Replacements) -> str:
    raise AssertionError("an inner SELECT is rendered within its statement")


def inner_of(
    records: Shape, tables: tuple[tuple[str, str | None], ...], stored: bool = False
) -> tuple[Inner, ...]:
    """The plans of the SELECTs directly inside `records` (theirs hold the deeper ones).
    `stored`: `records` are a CTE's body, whose union operands are stored in it too."""
    from typedb.query._base import split_table

    found: list[Inner] = []
    for shape, origin in _inner_shapes(records):
        own_records = shape[1:]
        names = [shape[0][2], *(r[2] for r in own_records if r[0] == "join")]
        own = tuple(split_table(t) for t in names)
        keeps = origin == "with" or (origin == "compound" and stored)
        plan = plan_of(
            own_records, own + tuple(t for t in tables if t not in own), _no_render, keeps
        )
        if plan is not None:
            found.append(Inner(shape, plan, keeps))
    return tuple(found)


def _is_select(shape: Any) -> bool:
    head = shape[0] if type(shape) is tuple and shape else None
    return type(head) is tuple and len(head) == 3 and hasattr(head[0], "_render_sub")


def _inner_shapes(value: Any) -> Iterator[tuple[Shape, str]]:
    """Every SELECT shape in `value` (records, conditions, nodes), not looking inside one,
    with the record it is in ("with", "compound", "sub" or "exists")."""
    if type(value) is not tuple or not value:
        return
    head = value[0]
    if type(head) is str:
        if head == "with" and len(value) == 5 and _is_select(value[4]):
            yield value[4], head
            return
        if head == "compound" and len(value) == 3 and _is_select(value[2]):
            yield value[2], head
            return
        if head in ("sub", "exists") and len(value) == 2 and _is_select(value[1]):
            yield value[1], head
            return
    for part in value:
        yield from _inner_shapes(part)


#: Expression nodes that may compute decimal arithmetic (see _expr_types.replacements).
_COMPUTED = frozenset({"op", "fn", "agg", "case", "cast"})


def condition_nodes(shape: Shape) -> Iterator[tuple[Any, ...]]:
    """The eb expression nodes a condition compares (not those of an EXISTS subquery, which
    reads other tables)."""
    kind = shape[0]
    if kind == "cmp":
        for side in (shape[1], shape[3]):
            if type(side) is tuple and side and side[0] in _COMPUTED:
                yield side
    elif kind == "not":
        yield from condition_nodes(shape[1])
    elif kind in ("and", "or"):
        for part in shape[1]:
            yield from condition_nodes(part)


def nested_of(records: Shape, stored: bool = False) -> Iterator[Nested]:
    """The SELECTs in `records` whose values reach the result, with what SQLite may get
    wrong in them, at any depth. `stored`: `records` are a CTE's body."""
    for record in records:
        kind = record[0]
        if kind == "with":
            yield from _nested(f"CTE {record[2]!r}", record[4], True)
        elif kind == "compound":
            yield from _nested(f"{record[1]} operand", record[2], stored)
        elif kind == "select":
            for item in record[1]:
                if type(item) is tuple and item[1][0] == "sub":
                    yield from _nested(f"scalar subquery {item[2]!r}", item[1][1])


def _nested(label: str, shape: Shape, stored: bool = False) -> Iterator[Nested]:
    from typedb.query._base import split_table

    records = shape[1:]
    names = [shape[0][2], *(r[2] for r in records if r[0] == "join")]
    tables = tuple(split_table(t) for t in names)
    aggregates: list[Aggregate] = []
    expressions: list[tuple[Any, ...]] = []
    for record in records:
        if record[0] == "select":
            for item in record[1]:
                if isinstance(item, Aggregate) and item.name in TYPED_AGGREGATES and item.column:
                    aggregates.append(item)
                elif type(item) is tuple and item[1][0] not in ("ref", "sub"):
                    expressions.append(item[1])
    if aggregates or expressions:
        yield Nested(
            f"{label} on table {shape[0][2]!r}",
            tables,
            tuple(aggregates),
            tuple(expressions),
            stored,
        )
    yield from nested_of(records, stored)
