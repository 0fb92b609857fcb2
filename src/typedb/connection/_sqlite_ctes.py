"""A CTE's columns typed as PostgreSQL types them, on SQLite.

PostgreSQL types a CTE's columns by its body's select list (a recursive CTE's by the part
before its union): `price * 2` of a numeric(10,2) is a numeric of scale 2, `eb.val(1)` an
integer, so `n * 2` in the recursive step overflows at 2^31. SQLite gives a computed CTE
column no type: the decimal product came back a float (so typedb refused it), and integer
arithmetic on the column was checked for 64 bits only. Here the driver (see
`AggregateTypes`) reads each CTE's column types off its body, the same way it reads a
table's, so expressions over them are computed and checked as over a table's columns, and
a computed column selected as it is comes back as PostgreSQL gives it.

A decimal computed in a CTE is kept there as a number (typedb_cte_number): SQLite compares
and sums numbers, not the exact text typedb's decimal functions return. A number keeps 15
significant digits, as every decimal typedb stores on SQLite; a result with more is refused,
naming the CTE, rather than rounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.connection._sqlite_errors import function_error
from typedb.query._aggregate_plan import AggregatePlan, Cte, Output
from typedb.query._expr import Aggregate, split_alias
from typedb.query._expr_types import BIGINT_SUM, INTEGER, Kind, infer, is_integer, widest_integer

#: A CTE's column types, by lowercased CTE name and column name: declared type names.
CteTypes = dict[str, dict[str, str]]
#: Its computed columns' kinds (the ones SQLite returns untyped), by the same keys.
CteKinds = dict[str, dict[str, Kind]]

DeclaredIn = Callable[[tuple[tuple[str, str | None], ...], str], str | None]
KindOf = Callable[[str], Kind]
#: A table's columns and their declared types, in the table's order ({}: unknown).
ColumnsOf = Callable[[str], dict[str, str]]


def type_of_kind(kind: Kind) -> str | None:
    """A declared type name for an expression's kind (see _expr_types), as a column of
    that type would be declared.

    >>> type_of_kind(("numeric", 2)), type_of_kind(("integer", 4)), type_of_kind(("integer",))
    ('numeric(1000,2)', 'integer', 'bigint')
    """
    if kind is None:
        return None
    family = kind[0]
    if family == "integer":
        width = kind[1] if len(kind) > 1 else 8
        return "integer" if width == 4 else "smallint" if width == 2 else "bigint"
    if family == "numeric":
        return "numeric" if kind[1] is None else f"numeric(1000,{int(kind[1])})"
    if family == "value":
        return str(kind[1])
    return {"float": "double precision", "text": "text", "bool": "boolean"}.get(family)


def cte_types(
    plan: AggregatePlan,
    declared_in: DeclaredIn,
    kind_of: KindOf,
    types: CteTypes,
    columns_of: ColumnsOf,
) -> CteKinds:
    """Fill `types` with each of the plan's CTEs' column types, in order (a CTE reads the
    ones before it through `declared_in`, which consults `types`); return the kinds of the
    computed ones. A `*` is its tables' columns (`columns_of`; an earlier CTE's are not
    known whole: the rest is left untyped), MIN / MAX the column's type, COUNT a bigint,
    SUM of integers a bigint and of a bigint a numeric; a subquery in a body leaves that
    column untyped.

    A union's column is typed by every side, as PostgreSQL types it (see `_union_column`).
    A recursive CTE's is its first side's: PostgreSQL refuses a recursive part of another
    type."""
    computed: CteKinds = {}
    for cte in plan.ctes:

        def side_types(shape: Any, cte: Cte = cte) -> dict[int, Typed]:
            return _side_types(shape, cte.columns, declared_in, kind_of, columns_of, types)

        columns = side_types(cte.shape)
        sides = [] if cte.recursive else [r[2] for r in cte.shape[1:] if r[0] == "compound"]
        if sides:
            others = [side_types(side) for side in sides]
            for i in list(columns):
                typed = _union_column(cte.name, columns[i], [o.get(i) for o in others], kind_of)
                if typed is None:
                    del columns[i]
                else:
                    columns[i] = typed
        types[cte.name.lower()] = {name: found for name, found, _ in columns.values()}
        kinds: dict[str, Kind] = {n: k for n, _, k in columns.values() if k is not None}
        if kinds:
            computed[cte.name.lower()] = kinds
    return computed


Typed = tuple[str, str, Kind]


def _union_column(
    cte: str, first: Typed, others: list[Typed | None], kind_of: KindOf
) -> Typed | None:
    """A CTE's union column as PostgreSQL types it from every side: integers as the widest
    (integer union bigint is bigint), numerics of one scale as that numeric, each typed as
    a computed column so the values SQLite gives come back so. Numerics of several scales
    (or with integers) are refused: PostgreSQL gives each value its own scale, which SQLite
    does not keep. Another mix is left untyped, as SQLite gives it (None)."""
    if any(o is None for o in others):
        return None
    name = first[0]
    sides = [first, *(o for o in others if o is not None)]
    kinds = [k if k is not None else kind_of(found) for _, found, k in sides]
    if any(k is None for k in kinds):
        return None
    known = [k for k in kinds if k is not None]
    if all(k[0] == "integer" for k in known):
        widest = widest_integer(known)
        return (name, type_of_kind(widest) or first[1], widest if first[2] is not None else None)
    if any(k[0] == "numeric" for k in known):
        if all(k == known[0] for k in known) and known[0][1] is not None:
            return (name, type_of_kind(known[0]) or first[1], known[0])
        if all(k[0] in ("numeric", "integer") for k in known):
            raise CompileError(
                f"the column {name!r} of the CTE {cte!r} is a numeric of several scales (or "
                "with integers) on the sides of its union: PostgreSQL gives each value its "
                "own scale, which SQLite does not keep; cast every side to one numeric(p,s) "
                "(eb.cast(x, 'numeric(p,s)'))"
            )
        return None
    return first if all(k == known[0] for k in known) else None


def _side_types(
    shape: Any,
    listed: tuple[str, ...],
    declared_in: DeclaredIn,
    kind_of: KindOf,
    columns_of: ColumnsOf,
    ctes: CteTypes,
) -> dict[int, Typed]:
    """One select list's typed columns by position: name (as the CTE lists it), declared
    type name, and a computed column's kind (None for a table's column, and for an
    aggregate whose value is the stored one). Stops at a typedb.sql() item, or a `*` it
    cannot expand, after which the columns are not where their index says."""
    from typedb.query._base import split_table

    records = shape[1:]
    names = [shape[0][2], *(r[2] for r in records if r[0] == "join")]
    tables = tuple(split_table(t) for t in names)
    items = [item for r in records if r[0] == "select" for item in r[1]]
    typed: dict[int, Typed] = {}

    def declared(column: str) -> Kind:
        found = declared_in(tables, column)
        return None if found is None else kind_of(found)

    i = 0  # the result column's position
    for item in items:
        kind: Kind = None
        found: str | None
        if type(item) is str:
            if item == "*" or item.endswith(".*"):
                expanded = _star(item[:-2], tables, columns_of, ctes)
                if expanded is None:
                    break
                for name, found in expanded:
                    typed[i] = (_listed(listed, i, name), found, None)
                    i += 1
                continue
            column, alias = split_alias(item)
            name = alias or column.rpartition(".")[2]
            found = declared_in(tables, column)
        elif type(item) is tuple and item[1][0] != "sub":
            name = str(item[2])
            kind = infer(item[1], declared)
            found = type_of_kind(kind)
        elif isinstance(item, Aggregate):
            name = item.alias or item.name.lower()
            found, kind = _aggregate_type(item, tables, declared_in, kind_of)
        elif isinstance(item, Fragment):
            break  # typedb.sql("a, b"): may be several columns, as a `*`
        else:
            i += 1
            continue
        if found is not None:
            typed[i] = (_listed(listed, i, name), found, kind)
        i += 1
    return typed


def _star(
    qualifier: str,
    tables: tuple[tuple[str, str | None], ...],
    columns_of: ColumnsOf,
    ctes: CteTypes,
) -> list[tuple[str, str]] | None:
    """The columns a `*` (or `t.*`) selects, with their declared types, in order; None
    when that is not known (an earlier CTE, whose untyped columns are not listed; a table
    typedb cannot read; two columns of one name, which PostgreSQL cannot tell apart)."""
    found: list[tuple[str, str]] = []
    for table, alias in tables:
        if qualifier and qualifier.lower() not in (table.lower(), (alias or "").lower()):
            continue
        if table.lower() in ctes:
            return None
        columns = columns_of(table)
        if not columns:
            return None
        found.extend(columns.items())
    names = [name for name, _ in found]
    if not found or len(set(names)) < len(names):
        return None
    return found


def _aggregate_type(
    a: Aggregate,
    tables: tuple[tuple[str, str | None], ...],
    declared_in: DeclaredIn,
    kind_of: KindOf,
) -> tuple[str | None, Kind]:
    """An aggregate's column in a CTE: its declared type and computed kind. MIN / MAX give
    the stored value of the column (its type, as a column of it: the driver refuses those
    SQLite gives otherwise, see AggregateTypes._refuse_untyped), COUNT a bigint; SUM of a
    bigint is a numeric of whole numbers, computed as SQLite's integer SUM."""
    if a.name == "COUNT":
        return "bigint", None
    found = declared_in(tables, a.column) if a.column else None
    if found is None:
        return None, None
    if a.name in ("MIN", "MAX"):
        return found, None
    of_column = kind_of(found)
    if a.name == "SUM" and of_column == INTEGER:
        return type_of_kind(BIGINT_SUM), BIGINT_SUM
    if a.name == "SUM" and is_integer(of_column):
        return "bigint", None
    return None, None  # SUM / AVG of decimals or floats: refused, or as SQLite gives them


def _listed(columns: tuple[str, ...], i: int, name: str) -> str:
    # `with_("r(n)", ...)` names the columns by position, whatever the body calls them.
    return (columns[i] if i < len(columns) else name).lower()


def cte_outputs(plan: AggregatePlan, computed: CteKinds) -> Iterator[tuple[Output, Kind]]:
    """The select-list columns of `plan` that are a CTE's computed columns, with their
    kinds: `select("p")`, `select("x.p as q")`, or `*` (matched by name in the result)."""
    ctes = [(t, a) for t, a in plan.tables if t.lower() in computed]
    if not ctes:
        return
    items = list(plan.selected) or ["*"]
    for i, item in enumerate(items):
        if type(item) is not str:
            continue
        if item == "*" or item.endswith(".*"):
            qualifier = item[:-2].lower()
            for table, alias in ctes:
                if qualifier in ("", table.lower(), (alias or "").lower()):
                    for column, kind in computed[table.lower()].items():
                        yield Output(("cte", column), column, None, None), kind
            continue
        column, alias = split_alias(item)
        qualifier, _, name = column.rpartition(".")
        for table, table_alias in ctes:
            if qualifier and qualifier.lower() not in (table.lower(), (table_alias or "").lower()):
                continue
            kind = computed[table.lower()].get(name.lower())
            if kind is not None:
                # By name: a `*` or typedb.sql() before it may be several columns.
                yield Output(("cte", i), alias or name, None, None), kind
                break


def cte_number_template(template: str, column: str) -> str:
    """A decimal result's template as a CTE stores it in `column`: a number, checked exact.

    >>> cte_number_template("typedb_mul({}, {})", "it's")
    "typedb_cte_number(typedb_mul({}, {}), 'it''s')"
    """
    label = column.replace("'", "''").replace("{", "{{").replace("}", "}}")
    return f"typedb_cte_number({template}, '{label}')"


def sql_cte_number(value: Any, column: str) -> Any:
    """`typedb_cte_number(x)`: the exact decimal text of typedb's decimal functions as the
    number SQLite stores it as; refused past 15 significant digits, which SQLite would
    round (PostgreSQL keeps them)."""
    if type(value) is not str:
        return value
    number = Decimal(value)
    if number == number.to_integral_value() and -(2**63) <= number < 2**63:
        return int(number)
    if len(number.normalize().as_tuple().digits) > 15:
        raise function_error(
            ValueError(
                f"a decimal computed for the CTE column {column!r} ({value}) has more than 15 "
                "significant digits, "
                "which SQLite would round where PostgreSQL keeps them; round it (eb.cast(x, "
                "'numeric(p,s)')) or compute it in the outer query"
            )
        )
    return float(number)
