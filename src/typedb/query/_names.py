"""The names a statement writes, so that SQLite refuses what PostgreSQL refuses.

typedb quotes every name, and PostgreSQL matches a quoted name exactly: `select("TITLE")` of
a column `title` is "column "TITLE" does not exist", `select_from("ITEMS")` of a table
`items` "relation "ITEMS" does not exist". SQLite matches names in any case and answered
both. And SQLite reads a select-list alias in WHERE (`select("name as n").where("n", ...)`),
which PostgreSQL does not see there ("column "n" does not exist").

While a shape is rendered for SQLite (once, then cached), every table and column reference
typedb writes is noted here, per SELECT (a `Scope`: its tables, its references by clause,
its output names), and the SQL text carries them (`NamedSql`). The SQLite driver has them
judged against the schema when SQLite compiles the statement on a connection (its
authorizer says when: the first run there, and again after any schema change), never per
run: see typedb.connection._sqlite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any

from typedb._errors import QueryError, UnknownColumnError


class Scope:
    """One SELECT (or the one table of a write): what it reads and names."""

    __slots__ = ("outputs", "parent", "refs", "tables")

    def __init__(self, parent: Scope | None) -> None:
        self.parent = parent
        #: (table, alias or None), as written: FROM, then joins.
        self.tables: list[tuple[str, str | None]] = []
        #: (clause, `name` or `qualifier.name`), as written.
        self.refs: list[tuple[str, str]] = []
        #: The select list's output names, `*` and `t.*` as written (the columns of all its
        #: tables, of `t`); None for one typedb cannot know (a typedb.sql() fragment).
        self.outputs: list[str | None] = []


class Names:
    """A statement's scopes and CTEs, and the tables SQLite will report reading."""

    __slots__ = ("cte_names", "ctes", "scopes", "tables")

    def __init__(
        self, scopes: list[Scope], ctes: dict[str, Cte], cte_names: dict[str, str] | None = None
    ) -> None:
        self.scopes = scopes
        #: CTE name (lowercased) -> its listed columns, or its body's scope.
        self.ctes = ctes
        #: CTE name (lowercased) -> the name as written in WITH.
        self.cte_names = cte_names or {}
        self.tables = frozenset(
            t.lower() for s in scopes for t, _ in s.tables if t.lower() not in ctes
        )


Cte = tuple[str, ...] | Scope


class NamedSql(str):
    """SQL text that carries the names it was written with (SQLite only). Equal to the text."""

    names: Names | None

    def __new__(cls, text: str, names: Names | None) -> NamedSql:
        self = super().__new__(cls, text)
        self.names = names
        return self

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        # Pickled (in an error's `sql`) as the text it is.
        return (str, (str(self),))


class _Collector:
    __slots__ = ("clause", "cte_names", "ctes", "detach", "scope", "scopes")

    def __init__(self) -> None:
        #: The next SELECT is a CTE body or a compound operand (see enter()).
        self.detach = False
        self.scope: Scope | None = None
        self.scopes: list[Scope] = []
        self.clause = "select"
        self.ctes: dict[str, Cte] = {}
        self.cte_names: dict[str, str] = {}


_state = threading.local()


def active() -> _Collector | None:
    """The collector of the shape being rendered on this thread, if any."""
    found: _Collector | None = getattr(_state, "collector", None)
    return found


@contextmanager
def collecting(tables: tuple[tuple[str, str | None], ...] = ()) -> Generator[list[Names]]:
    """Note the names rendered inside the block; the list gets the statement's `Names`.
    `tables`: a write's table, its root scope (a SELECT makes its own)."""
    outer = active()
    collector = _state.collector = _Collector()
    if tables:
        enter(collector, list(tables))
    found: list[Names] = []
    try:
        yield found
        found.append(Names(collector.scopes, collector.ctes, collector.cte_names))
    finally:
        _state.collector = outer


def enter(collector: _Collector, tables: list[tuple[str, str | None]]) -> Scope:
    """A new SELECT inside the current one (or beside it when `collector.detach` is set: a
    CTE body or a compound operand, which sees only the enclosing query's outer tables)."""
    parent = collector.scope
    if collector.detach and parent is not None:
        parent = parent.parent
    collector.detach = False
    scope = Scope(parent)
    scope.tables = tables
    collector.scopes.append(scope)
    collector.scope = scope
    return scope


def note(name: str) -> None:
    """A column reference rendered (from `_expr.ref`)."""
    collector = active()
    if collector is not None and collector.scope is not None and name != "*":
        collector.scope.refs.append((collector.clause, name))


def note_clause(clause: str) -> None:
    collector = active()
    if collector is not None:
        collector.clause = clause


Columns = Callable[[str], "tuple[str, ...] | None"]


def refused(
    names: Names, sql: str, columns: Columns, table_named: Callable[[str], str | None]
) -> QueryError | None:
    """The error PostgreSQL would raise for a name SQLite matched otherwise, or None.

    `columns(table)`: the table's columns as declared (SQLite finds the table in any case),
    None when there is no such table; `table_named(name)`: the table's name as declared.
    """
    ctes = names.ctes
    for scope in names.scopes:
        for table, _ in scope.tables:
            if table.lower() in ctes:
                written = names.cte_names.get(table.lower(), table)
                if written != table:
                    # PostgreSQL matches a CTE's quoted name exactly too.
                    return QueryError(
                        f'relation "{table}" does not exist: the CTE is named {written!r}. '
                        "PostgreSQL matches quoted names exactly and SQLite in any case, so "
                        f"typedb refuses it on both; write {written!r}",
                        sql,
                    )
                continue
            declared = table_named(table)
            if declared is not None and declared != table:
                return QueryError(
                    f'relation "{table}" does not exist: the table is named {declared!r}. '
                    "PostgreSQL matches quoted names exactly and SQLite in any case, so "
                    f"typedb refuses it on both; write {declared!r}",
                    sql,
                )
    for scope in names.scopes:
        for clause, name in scope.refs:
            error = _judge_ref(names, scope, clause, name, sql, columns)
            if error is not None:
                return error
    return None


def _columns_of(
    names: Names, table: str, columns: Columns, seen: frozenset[str] = frozenset()
) -> tuple[str, ...] | None:
    """A table's columns as declared, or a CTE's (None: not known)."""
    key = table.lower()
    cte = names.ctes.get(key)
    if cte is None:
        return columns(table)
    if not isinstance(cte, Scope):
        return cte
    if key in seen:
        return None  # a recursive CTE naming its columns by its own
    found: list[str] = []
    for output in cte.outputs:
        if output is None:
            return None
        if output == "*" or output.endswith(".*"):
            qualifier = output[:-2]
            for t, alias in cte.tables:
                if qualifier and qualifier != (alias or t):
                    continue
                of_table = _columns_of(names, t, columns, seen | {key})
                if of_table is None:
                    return None
                found.extend(of_table)
        else:
            found.append(output)
    return tuple(found)


def _judge_ref(
    names: Names, scope: Scope, clause: str, name: str, sql: str, columns: Columns
) -> QueryError | None:
    qualifier, _, column = name.rpartition(".")
    if qualifier:
        return _judge_qualified(names, scope, qualifier, column, sql, columns)
    if clause in ("order", "group") and name in scope.outputs:
        return None  # an output name, as written (another case: refuse_case_only_matches)
    at: Scope | None = scope
    while at is not None:
        lowered = column.lower()
        other: tuple[str, str] | None = None
        for table, _ in at.tables:
            found = _columns_of(names, table, columns)
            if found is None:
                return None  # a table whose columns typedb cannot know: SQLite decides
            if column in found:
                return None
            for c in found:
                if c.lower() == lowered and other is None:
                    other = (table, c)
        if other is not None:
            return _another_case(column, other[0], other[1], sql)
        # A select-list alias: PostgreSQL sees none in where(), having() or a join's ON, nor
        # in any subquery (SQLite reads an enclosing query's aliases there).
        if at is not scope or clause in ("where", "having", "join"):
            for output in at.outputs:
                if output is not None and not output.endswith("*") and output.lower() == lowered:
                    table = scope.tables[0][0] if scope.tables else "?"
                    seen = f"{clause}()" if at is scope else "a subquery"
                    return UnknownColumnError(
                        f'unknown column {column!r} in table {table!r}: column "{column}" '
                        f"does not exist ({output!r} is a select-list alias, which "
                        f"PostgreSQL does not see in {seen}; SQLite would use it, so "
                        "typedb refuses it on both: repeat the aliased expression there)",
                        sql,
                        column,
                        table,
                    )
        at = at.parent
    return None


def _judge_qualified(
    names: Names, scope: Scope, qualifier: str, column: str, sql: str, columns: Columns
) -> QueryError | None:
    at: Scope | None = scope
    near: str | None = None
    while at is not None:
        for table, alias in at.tables:
            label = alias or table
            if label == qualifier:
                if column == "*":
                    return None
                found = _columns_of(names, table, columns)
                if found is None or column in found:
                    return None
                for c in found:
                    if c.lower() == column.lower():
                        return _another_case(f"{qualifier}.{column}", table, c, sql)
                return None  # no such column: SQLite says so
            if label.lower() == qualifier.lower() and near is None:
                near = label
        at = at.parent
    if near is not None:
        return QueryError(
            f'missing FROM-clause entry for table "{qualifier}": the query names it '
            f"{near!r}. PostgreSQL matches quoted names exactly and SQLite in any case, so "
            f"typedb refuses it on both; write '{near}.{column}'",
            sql,
        )
    return None


def _another_case(written: str, table: str, declared: str, sql: str) -> UnknownColumnError:
    """PostgreSQL's error, as typedb words it there, with the name as the table spells it.
    A qualified name is named qualified, as PostgreSQL names it (`column p.TITLE ...`)."""
    qualifier, dot, _ = written.rpartition(".")
    shown = written if dot else f'"{written}"'
    return UnknownColumnError(
        f"unknown column {written!r} in table {table!r}: column {shown} does not exist "
        f"(the column is {declared!r}: PostgreSQL matches quoted names exactly and SQLite in "
        f"any case, so typedb refuses it on both; write {qualifier + dot + declared!r})",
        sql,
        written,
        table,
    )


def with_names(sql: Any, names: list[Names]) -> Any:
    """`sql` as NamedSql carrying the names noted while rendering it."""
    return NamedSql(sql, names[0] if names else None)
