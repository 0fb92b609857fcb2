"""`_db/_query.pyi`: the generic query classes every table shares.

    Select[Row, Tables, SoftDel, Loose, B0, ..., Bk]      (see /work/wt/STUB_DESIGN.md)

`Row` is what a row of execute() is; `Tables` the Literal of the tables in the query (for
`select_all(t)`); `SoftDel` is `SoftDeletes` when one of them has `deleted_at`; `Loose` is
`str` once a table alias makes column names unknowable (else `Never`); `B0..Bk` are the column
Literals per value-type bucket (_buckets). `inner_join`/`left_join` have one overload per table
that unions that table's Literals into the buckets: the table name is the only per-table
dispatch, so a query over three joined tables costs what a query over one costs.

Writes are generic over the table's Row, Insert/Update/Upsert TypedDicts and column Literal;
their builder state is in the class: `InsertQuery` has no execute until `values()`,
`UpdateQuery` none until `set()`, and execute_take_first*() exist only after `returning()`.
"""

from __future__ import annotations

from typedb.contracts import ContractTable as Table
from typedb.stubgen._buckets import Bucket
from typedb.stubgen._joined import joined_class
from typedb.stubgen._query_v2 import (
    ON_CLASS,
    RECEIVER,
    builder_methods,
    callback_joins,
    expression_comparisons,
    filter_methods,
    select_methods,
)
from typedb.stubgen._table import HEADER, Names, quote

_OVERLAP = "  # type: ignore[overload-overlap]"
_PYRIGHT_OVERLAP = "  # pyright: ignore[reportOverlappingOverload]"
# An awaited execute*() is its own class's method, never an override: nothing to silence.


def render_query(
    tables: list[Table],
    names: dict[str, Names],
    buckets: list[Bucket],
    index: dict[str, int],
    imports: set[tuple[str, str]],
) -> str:
    bs = ", ".join(b.var for b in buckets)
    out = [HEADER, '"""The generic query classes; see typedb/stubgen/_query.py."""\n\n']
    out.append(_imports(imports, tables, names))
    out.append(_typevars(buckets))
    out.append(_builder(buckets, bs))
    out.append(_filter(buckets, bs))
    out.append(_conflict())
    out.append(ON_CLASS)
    for awaited in (False, True):
        out.append(_select(tables, names, buckets, index, bs, awaited))
        out.append(_writes(bs, awaited))
    return "".join(out)


def _imports(imports: set[tuple[str, str]], tables: list[Table], names: dict[str, Names]) -> str:
    wanted = set(imports) | {
        ("collections.abc", "Callable"),
        ("collections.abc", "Sequence"),
        ("collections.abc", "Set as AbstractSet"),
        ("typing", "Any"),
        ("typing", "Generic"),
        ("typing", "Literal"),
        ("typing", "Never"),
        ("typing", "Self"),
        ("typing", "TypeVar"),
        ("typing", "overload"),
        ("datetime", "date"),
        ("decimal", "Decimal"),
    }
    by_module: dict[str, set[str]] = {}
    for module, name in wanted:
        by_module.setdefault(module, set()).add(name)
    lines = [f"from {m} import {', '.join(sorted(by_module[m]))}\n" for m in sorted(by_module)]
    lines.append(
        "\nfrom typedb._sql import CompiledQuery, Fragment\n"
        "from typedb.query import Aggregate, Case, Expr, Expression, Fn, SelectQuery\n"
        "from typedb.facades._db._common import (\n"
        "    AsyncSelectEntry, CmpOp, DeleteResult, Direction, InOp, InsertResult, NullOp, Op,\n"
        "    SelectEntry, SoftDeletes, TableName, TextOp, UpdateResult,\n"
        ")\n"
    )
    for table in tables:
        n = names[table.name]
        lines.append(f"from typedb.facades._db import {n.module} as _{n.module}\n")
    lines.append("from typedb.facades._db import _joined\n")
    return "".join(lines) + "\n"


def _typevars(buckets: list[Bucket]) -> str:
    out = [
        'Row = TypeVar("Row")\n',
        'Tables = TypeVar("Tables", bound=str)\n',
        'SoftDel = TypeVar("SoftDel")\n',
        'Loose = TypeVar("Loose", bound=str)\n',
        'Ins = TypeVar("Ins")\n',
        'Upd = TypeVar("Upd")\n',
        'Ups = TypeVar("Ups")\n',
        'Col = TypeVar("Col", bound=str)\n',
        '_T = TypeVar("_T")\n',
    ]
    out += [f'{b.var} = TypeVar("{b.var}", bound=str)  # {b.text}\n' for b in buckets]
    return "".join(out) + "\n"


def _any_col(buckets: list[Bucket]) -> str:
    return " | ".join([b.var for b in buckets] + ["Loose"])


def _comparisons(buckets: list[Bucket], method: str, returns: str) -> str:
    """`method(column, op, value)` overloads: a pair per bucket, `is None` for any column,
    and anything on a loose (aliased) query."""
    # The loose (aliased) form first: pyright reports a call that matches nothing against the
    # overload that matched most of it, ties going to the last; with `Loose` (Never) last it
    # said "not assignable to Never" instead of naming the columns of the value's type.
    out = [
        f"    @overload\n    def {method}(self, column: Loose, op: Op, value: object, /) "
        f"-> {returns}: ...\n"
    ]
    for b in buckets:
        op = "TextOp" if b.textual else "CmpOp"
        out.append(
            f"    @overload\n    def {method}(self, column: {b.var}, op: {op}, value: {b.value}, /)"
            f" -> {returns}: ...\n"
            f"    @overload\n    def {method}(self, column: {b.var}, op: InOp, value: {b.values}, /)"
            f" -> {returns}: ...\n"
        )
    out.append(
        f"    @overload\n    def {method}(self, column: {_any_col(buckets)}, op: NullOp, "
        f"value: None, /) -> {returns}: ...\n"
    )
    return "".join(out)


def _builder(buckets: list[Bucket], bs: str) -> str:
    return (
        f"class Builder(Generic[Loose, {bs}]):\n"
        '    """`eb` in `where(lambda eb: eb.or_([...]))`: the columns of the query\'s tables."""\n\n'
        + _comparisons(buckets, "__call__", "Expression")
        + expression_comparisons(buckets, "__call__", "Expression")
        + builder_methods(buckets)
        + "    def and_(self, expressions: Sequence[Expression]) -> Expression: ...\n"
        "    def or_(self, expressions: Sequence[Expression]) -> Expression: ...\n"
        "    def not_(self, expression: Expression) -> Expression: ...\n\n"
    )


def _filter(buckets: list[Bucket], bs: str) -> str:
    anys = ", ".join(["Any"] * (len(buckets) + 1))
    return (
        f"class Filter(Generic[SoftDel, Loose, {bs}]):\n"
        '    """`where` of select, update, delete and soft delete."""\n\n'
        + f"    @overload\n    def where(self, build: Callable[[Builder[Loose, {bs}]], Expression], /)"
        " -> Self: ...\n"
        + _comparisons(buckets, "where", "Self")
        + expression_comparisons(buckets, "where", "Self")
        + filter_methods(buckets)
        + "    def where_not_deleted(self: _SoftDeleting) -> _SoftDeleting: ...\n"
        "    def where_deleted(self: _SoftDeleting) -> _SoftDeleting: ...\n"
        "    def compile(self) -> CompiledQuery: ...\n\n"
        "# Only a query over a table with `deleted_at` has where_not_deleted() / where_deleted().\n"
        f'_SoftDeleting = TypeVar("_SoftDeleting", bound=Filter[SoftDeletes, {anys}])\n\n'
        "class UnknownJoinColumn:\n"
        '    """What a join of a known table on a column it does not have gives: a query with no\n'
        '    methods, so the mistake is an error where the query is used."""\n\n'
    )


def _conflict() -> str:
    return (
        "class Conflict(Generic[Col, Ups]):\n"
        '    """What `on_conflict(lambda oc: ...)` receives: the table\'s columns and Upsert."""\n\n'
        "    def column(self, name: Col) -> Self: ...\n"
        "    def columns(self, names: Sequence[Col]) -> Self: ...\n"
        "    def constraint(self, name: str) -> Self: ...\n"
        "    def do_nothing(self) -> Self: ...\n"
        "    def do_update_set(self, values: Ups) -> Self: ...\n\n"
    )


def _joined(n: Names, cls: str, bs: str) -> str:
    """What joining table `n` gives: its class in `_joined` (see there why a class)."""
    return f"_joined.{joined_class(n, cls == 'AsyncSelect')}[Tables, SoftDel, Loose, {bs}]"


def _joins(
    tables: list[Table],
    names: dict[str, Names],
    buckets: list[Bucket],
    bs: str,
    cls: str,
) -> str:
    """`Join` (or `AsyncJoin`): what `select.inner_join` / `.left_join` are. A class of its
    own, reached through a property, so a checker evaluates its one-overload-per-table
    `__call__` only for a query that joins, not for every query that touches `Select`."""
    any_col = _any_col(buckets)
    name = cls.replace("Select", "Join")
    out = [
        f"class {name}(Generic[Tables, SoftDel, Loose, {bs}]):\n"
        f'    """`{cls.lower()}.inner_join(table, left_column, right_column)`: one overload per\n'
        '    table, then a known table with a wrong column, then an alias (`"users as u"`)."""\n\n'
    ]
    for table in tables:
        n = names[table.name]
        ret = _joined(n, cls, bs)
        out.append(
            f"    @overload\n    def __call__({RECEIVER}, table: Literal[{quote(table.name)}], "
            f"left_column: {any_col}, right_column: _{n.module}.{n.prefix}AnyColumn) "
            f"-> {ret}: ...{_PYRIGHT_OVERLAP}\n"
        )

    def joined(table: Table, n: Names) -> str:
        return _joined(n, cls, bs)

    # `inner_join(table, lambda on: ...)`, per table then any name (issue 11).
    out.append(callback_joins("__call__", tables, names, bs, cls, joined))
    # A known table whose join column is wrong must not fall through to the alias form.
    if tables:
        out.append(
            f"    @overload\n    def __call__({RECEIVER}, table: TableName, left_column: str, "
            f"right_column: str) -> UnknownJoinColumn: ...{_PYRIGHT_OVERLAP}\n"
        )
    out.append(
        f"    @overload\n    def __call__({RECEIVER}, table: str, left_column: str, "
        f"right_column: str) -> {cls}[dict[str, Any], Tables, SoftDel, str, {bs}]: ...\n\n"
        # The same call typed the same way; its own class so the mypy plugin can tell a left
        # join (columns `X | None` in rows) from an inner one.
        f"class Left{name}({name}[Tables, SoftDel, Loose, {bs}]):\n"
        '    """`left_join`: as `inner_join` for the stubs."""\n\n'
    )
    return "".join(out)


def _select(
    tables: list[Table],
    names: dict[str, Names],
    buckets: list[Bucket],
    index: dict[str, int],
    bs: str,
    awaited: bool,
) -> str:
    cls = "AsyncSelect" if awaited else "Select"
    any_col = _any_col(buckets)
    params = f"Row, Tables, SoftDel, Loose, {bs}"
    # A select() that names output columns gives a SelectAs (whose order_by takes them).
    loose_row = f"{cls}As[dict[str, Any], Tables, SoftDel, Loose, {bs}]"
    a = "async " if awaited else ""

    having = "".join(
        f"    @overload\n    def having(self, column: {b.var}, op: "
        f"{'TextOp' if b.textual else 'CmpOp'}, value: {b.value}, /) -> Self: ...\n"
        for b in buckets
    )
    join = cls.replace("Select", "Join")
    return (
        _joins(tables, names, buckets, bs, cls)
        + (
            f"class {cls}(Filter[SoftDel, Loose, {bs}], Generic[{params}]):\n"
            f'    """A select; `Row` is one row of execute(){" (awaited)" if awaited else ""}."""\n\n'
            f"    @overload\n    def select(self, column: {any_col}, /, *columns: {any_col}) "
            f"-> Self: ...{_OVERLAP}\n"
            # Aggregates, typedb.sql() and "col as alias" give rows whose keys a stub cannot
            # spell: dict rows (the mypy plugin narrows them).
            f"    @overload\n    def select(self, column: Aggregate | Fragment | str, /, "
            f"*columns: Aggregate | Fragment | str) -> {loose_row}: ...\n"
            # eb expressions, callbacks, subqueries, compound queries, locks (issue 11).
            + select_methods(buckets, bs, cls)
            + "    def select_all(self, table: Tables | Loose | None = None) -> Self: ...\n"
            "    def distinct(self) -> Self: ...\n"
            "    @overload\n    def having(self, column: Aggregate, op: CmpOp, "
            "value: int | float | Decimal | date | str | Fragment, /) -> Self: ...\n"
            + having
            + f"    @overload\n    def having(self, column: {any_col}, op: NullOp, value: None, /) "
            "-> Self: ...\n"
            "    @overload\n    def having(self, column: Expr[Any], op: CmpOp, value: object, /) "
            "-> Self: ...\n"
            f"    @overload\n    def having(self, build: Callable[[Builder[Loose, {bs}]], Expression], "
            "/) -> Self: ...\n"
            "    def limit(self, count: int) -> Self: ...\n"
            "    def offset(self, count: int) -> Self: ...\n"
            # Joins are inner_join / left_join alike for the stubs (the plugin tells them apart).
            + f"    @property\n    def inner_join(self) -> {join}[Tables, SoftDel, Loose, {bs}]: ...\n"
            f"    @property\n    def left_join(self) -> Left{join}[Tables, SoftDel, Loose, {bs}]: ...\n"
            f"    @property\n    def right_join(self) -> {join}[Tables, SoftDel, Loose, {bs}]: ...\n"
            f"    @property\n    def full_join(self) -> {join}[Tables, SoftDel, Loose, {bs}]: ...\n"
            f"    {a}def execute(self) -> list[Row]: ...\n"
            f"    {a}def execute_take_first(self) -> Row | None: ...\n"
            f"    {a}def execute_take_first_or_throw(self) -> Row: ...\n\n"
        )
        + _select_as(cls, bs)
    )


def _select_as(cls: str, bs: str) -> str:
    """What select() with an alias, an aggregate, an expression or typedb.sql() gives:
    `order_by("n")` may then name an output column (SQL allows it, on PostgreSQL and
    SQLite alike), which no Literal of the tables' columns holds. Its own class, so a
    select of plain columns keeps order_by checked in every checker; the mypy plugin
    checks these names against the select's output keys."""
    callback = f"Callable[[Builder[Loose, {bs}]], Expr[Any]]"
    return (
        f"class {cls}As({cls}[Row, Tables, SoftDel, Loose, {bs}]):\n"
        '    """A select whose select() named output columns: order_by takes any name."""\n\n'
        f"    def order_by(self, column: str | Aggregate | Expr[Any] | {callback}, "
        "direction: Direction = ...) -> Self: ...\n\n"
    )


def _writes(bs: str, awaited: bool) -> str:
    p = "Async" if awaited else ""
    a = "async " if awaited else ""
    w = f"Row, Upd, Col, SoftDel, {bs}"
    i = "Row, Ins, Ups, Col"

    # A literal column keeps the table's Row; any other string is "col as alias" (or a
    # typo, which the mypy plugin and the first run report): dict rows, as select() gives.
    def returning(to: str, row_args: str) -> str:
        return (
            f"    @overload\n    def returning(self, column: Col, /, *columns: Col) -> {to}: ..."
            f"{_PYRIGHT_OVERLAP}\n"
            f"    @overload\n    def returning(self, column: str, /, *columns: str) "
            f"-> {to.partition('[')[0]}[dict[str, Any], {row_args}]: ...\n"
        )

    def runs(result: str, first: bool) -> str:
        text = f"    {a}def execute(self) -> {result}[Row]: ...\n"
        if first:
            text += (
                f"    {a}def execute_take_first(self) -> Row | None: ...\n"
                f"    {a}def execute_take_first_or_throw(self) -> Row: ...\n"
            )
        return text

    def insert(name: str, has_values: bool, has_returning: bool) -> str:
        values_to = f"{p}Insert{'Returning' if has_returning else 'Values'}"
        returning_to = f"{p}Insert{'Returning' if has_values else 'QueryReturning'}"
        text = (
            f"class {p}{name}(Generic[{i}]):\n"
            f"    def values(self, rows: Ins | Sequence[Ins]) -> {values_to}[{i}]: ...\n"
            "    def on_conflict(self, build: Callable[[Conflict[Col, Ups]], Conflict[Col, Ups]]) "
            "-> Self: ...\n"
            + returning(f"{returning_to}[{i}]", i.partition(", ")[2])
            + f"    def returning_all(self) -> {returning_to}[{i}]: ...\n"
            "    def compile(self) -> CompiledQuery: ...\n"
        )
        return text + (runs("InsertResult", has_returning) if has_values else "") + "\n"

    def update(name: str, has_set: bool, has_returning: bool) -> str:
        set_to = f"{p}Update{'Returning' if has_returning else 'Set'}"
        returning_to = f"{p}Update{'Returning' if has_set else 'QueryReturning'}"
        text = (
            f"class {p}{name}(Filter[SoftDel, Never, {bs}], Generic[{w}]):\n"
            f"    def set(self, values: Upd) -> {set_to}[{w}]: ...\n"
            + returning(f"{returning_to}[{w}]", w.partition(", ")[2])
            + f"    def returning_all(self) -> {returning_to}[{w}]: ...\n"
        )
        return text + (runs("UpdateResult", has_returning) if has_set else "") + "\n"

    def delete(name: str, result: str = "DeleteResult") -> str:
        return (
            f"class {p}{name}Query(Filter[SoftDel, Never, {bs}], Generic[{w}]):\n"
            + returning(f"{p}{name}Returning[{w}]", w.partition(", ")[2])
            + f"    def returning_all(self) -> {p}{name}Returning[{w}]: ...\n"
            + runs(result, False)
            + f"\nclass {p}{name}Returning(Filter[SoftDel, Never, {bs}], Generic[{w}]):\n"
            + returning(f"{p}{name}Returning[{w}]", w.partition(", ")[2])
            + "    def returning_all(self) -> Self: ...\n"
            + runs(result, True)
            + "\n"
        )

    return (
        insert("InsertQuery", False, False)
        + insert("InsertQueryReturning", False, True)
        + insert("InsertValues", True, False)
        + insert("InsertReturning", True, True)
        + update("UpdateQuery", False, False)
        + update("UpdateQueryReturning", False, True)
        + update("UpdateSet", True, False)
        + update("UpdateReturning", True, True)
        + delete("Delete")
        + delete("SoftDelete")
        # restore() reads like soft_delete() (where, returning) but reports updated rows.
        + delete("Restore", "UpdateResult")
    )
