"""`db.insert_into(table)`: INSERT of one row or many, with ON CONFLICT and RETURNING.

Many rows go as multi-row VALUES in chunks (measured faster than executemany on both backends,
and it can return rows); several chunks run in one transaction so a bulk insert is all or
nothing. The text for a chunk size is cached, so 10,000 rows render at most two statements.
On PostgreSQL, more rows than one chunk with nothing asked back go as one COPY instead (about
three times faster; see `_bulk_copy`), all or nothing in the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Self, TypeVar

from typedb._column_rows import ColumnRows
from typedb._errors import CompileError, NoResultError
from typedb._sql import CompiledQuery, Fragment
from typedb.query import _cache
from typedb.query._base import Result, Row, first_row, split_table
from typedb.query._names import collecting, note, note_clause, with_names
from typedb.query._params import builder_kind, finish, mark, refuse_builder_value, refuse_nul
from typedb.query._result import InsertResult
from typedb.query._returning import returning_sql

T = TypeVar("T")

if TYPE_CHECKING:
    from typedb.connection import Database
    from typedb.connection._driver import CopyRun, Kinds

#: Rows per INSERT statement; past a few hundred the statement only gets slower to parse.
CHUNK_ROWS = 500
#: Bound parameters one statement may carry.
MAX_PARAMS = {"sqlite": 32766, "postgresql": 65535}


@dataclass(frozen=True, slots=True)
class Excluded:
    """The value the conflicting insert proposed for `column` (`excluded.column`)."""

    column: str


def excluded(column: str) -> Excluded:
    """For `do_update_set`: take the value the rejected row carried.

    >>> excluded("name")
    Excluded(column='name')
    """
    return Excluded(column)


class OnConflict:
    """What `on_conflict(lambda oc: ...)` receives: a target, then an action.

    `oc.column("email").do_nothing()`, `oc.columns(["a", "b"]).do_update_set({"n":
    excluded("n")})`; `oc.constraint(name)` is PostgreSQL only.
    """

    __slots__ = ("_action", "_target", "_values")

    def __init__(
        self,
        target: tuple[Any, ...] = (),
        action: tuple[Any, ...] = (),
        values: tuple[Any, ...] = (),
    ) -> None:
        self._target = target
        self._action = action
        self._values = values

    def column(self, name: str) -> OnConflict:
        return self.columns([name])

    def columns(self, names: Sequence[str]) -> OnConflict:
        if isinstance(names, str) or not names:
            raise CompileError(f"on_conflict columns() needs a list of column names, got {names!r}")
        return OnConflict(("columns", tuple(names)), self._action, self._values)

    def constraint(self, name: str) -> OnConflict:
        return OnConflict(("constraint", name), self._action, self._values)

    def do_nothing(self) -> OnConflict:
        return OnConflict(self._target, ("nothing",), ())

    def do_update_set(self, values: Mapping[str, Any]) -> OnConflict:
        """Update the existing row: values may be plain (bound), `excluded(col)` or
        `typedb.sql(...)`."""
        if not isinstance(values, Mapping) or not values:
            raise CompileError("do_update_set() needs a non-empty mapping of column -> value")
        kinds: list[tuple[str, Any]] = []
        bound: list[Any] = []
        for column, value in values.items():
            if isinstance(value, Excluded | Fragment):
                kinds.append((column, value))
            else:
                if isinstance(value, str):  # a subclass too (a StrEnum member)
                    refuse_nul(value, f"column {column!r}")
                else:
                    refuse_builder_value(value, column, None, "do_update_set()")
                kinds.append((column, None))
                bound.append(value)
        return OnConflict(self._target, ("update", tuple(kinds)), tuple(bound))


#: What a query without on_conflict() holds (OnConflict is immutable: one serves them all).
_NO_CONFLICT = OnConflict()


class InsertQuery:
    """An INSERT. Immutable: every method returns a new query.

    >>> import typedb
    >>> db = typedb.connect("sqlite://")
    >>> db.insert_into("items").values([{"name": "a"}, {"name": "b"}]).returning("id").compile()
    CompiledQuery(sql='INSERT INTO `items` (`name`) VALUES (?), (?) RETURNING `id`', parameters=('a', 'b'))
    """

    __slots__ = (
        "_columns", "_conflict", "_db", "_dialect", "_fragments", "_kinds", "_more", "_returning",
        "_rows", "_table",
    )  # fmt: skip

    def __init__(self, db: Database, table: str) -> None:
        name, alias = split_table(table)
        if alias is not None:
            raise CompileError(f"insert_into() takes a table name, not an alias: {table!r}")
        self._db = db
        self._dialect = db.dialect.name
        self._table = name
        self._columns: tuple[str, ...] = ()
        self._rows: Sequence[tuple[Any, ...]] | None = None
        self._fragments = False
        # Each column's set of Python types, when values() found them on its way (COPY's check).
        self._kinds: Kinds | None = None
        # Rows whose keys differ from the row before them start another statement.
        self._more: tuple[_Parsed, ...] = ()
        self._conflict = _NO_CONFLICT  # immutable, so one shared empty one
        self._returning: tuple[str, ...] = ()

    def _copy(self) -> Self:
        # Slot by slot, not a loop of getattr/setattr over __slots__: a copy per builder call,
        # and the loop measured 5k instructions a copy (see README, "Throughput").
        new = object.__new__(self.__class__)
        new._columns = self._columns
        new._conflict = self._conflict
        new._db = self._db
        new._dialect = self._dialect
        new._fragments = self._fragments
        new._kinds = self._kinds
        new._more = self._more
        new._returning = self._returning
        new._rows = self._rows
        new._table = self._table
        return new

    def values(self, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Self:
        """The row or rows to insert (replacing earlier ones); an empty list inserts nothing.
        Rows may leave out different optional columns, as the Insert contracts allow: each
        run of rows with the same keys is one statement (the missing columns take their
        defaults), all in one transaction, in order."""
        if type(rows) is dict or isinstance(rows, Mapping):  # a dict skips the ABC check
            rows = (rows,)
        elif isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
            raise CompileError(f"values() takes a dict or a list of dicts, got {rows!r}")
        try:
            parsed = [_rows(self._table, rows)]
        except _KeysDiffer:  # checked only then, so the usual case pays nothing for runs
            parsed = [_rows(self._table, run, offset) for run, offset in _runs(rows)]
        new = self._copy()
        new._rows, new._columns, new._fragments, new._kinds = parsed[0]
        new._more = tuple(parsed[1:])
        return new

    def on_conflict(self, build: Callable[[OnConflict], OnConflict]) -> Self:
        """`on_conflict(lambda oc: oc.column("email").do_nothing())`."""
        conflict = build(OnConflict())
        if not isinstance(conflict, OnConflict) or not conflict._action:
            raise CompileError(
                "the on_conflict() callback must return oc...do_nothing() or oc...do_update_set()"
            )
        if conflict._action[0] == "update" and not conflict._target:
            raise CompileError("on_conflict do_update_set() needs a target: oc.column(...) first")
        if conflict._target[:1] == ("constraint",) and self._dialect == "sqlite":
            raise CompileError("on_conflict constraint() is PostgreSQL only; use columns()")
        new = self._copy()
        new._conflict = conflict
        return new

    def returning(self, *columns: str) -> Self:
        """Give back these columns of the inserted rows (`"name as alias"` works)."""
        if not columns:
            raise CompileError("returning() needs at least one column (or use returning_all())")
        new = self._copy()
        new._returning = columns
        return new

    def returning_all(self) -> Self:
        return self.returning("*")

    # -- running -------------------------------------------------------------------------------

    def compile(self) -> CompiledQuery:
        """The statement for all rows (as one statement, whatever execute() would chunk)."""
        rows = self._rows
        if not rows:
            raise CompileError(f"insert_into({self._table!r}) has no rows: call values() first")
        if self._more:
            raise CompileError(
                f"insert_into({self._table!r}): rows with different columns are "
                f"{len(self._more) + 1} statements; compile() a values() call per set of columns"
            )
        return CompiledQuery(*self._statement(rows))

    def execute(self) -> InsertResult:
        return self._execute(self._result)

    def execute_take_first(self) -> Row | None:
        """The first returned row (needs `returning()`), or None."""
        if not self._returning:
            raise CompileError("execute_take_first() on an insert needs returning(...)")
        return self._execute(lambda results: first_row((self._result(results).rows, 0)))

    def execute_take_first_or_throw(self) -> Row:
        if not self._returning:
            raise CompileError("execute_take_first() on an insert needs returning(...)")

        def first(results: list[Result]) -> Row:
            rows = self._result(results).rows
            if not rows:
                raise NoResultError(f"insert into table {self._table!r} returned no row")
            return rows[0]

        return self._execute(first)

    def _execute(self, post: Callable[[list[Result]], T]) -> T:
        """Run the plan: one statement, or several in one transaction (all or nothing)."""
        if self._rows is None:
            raise CompileError(f"insert_into({self._table!r}) has no rows: call values() first")
        if not self._rows:
            return self._db._value(post([]))
        if len(self._rows) > 1:  # one row is never a COPY (see _bulk_copy)
            copied = self._bulk_runs() if self._more else self._bulk_copy()
            if copied is not None:
                return self._db._value(post([([], copied)]))
        plan = self._plan()
        if len(plan) == 1:
            # One statement takes a select's path (on PostgreSQL the pool's inlined executor):
            # nothing to make all or nothing, and an INSERT is no schema change to look for.
            sql, params = plan[0]
            return self._db._execute(sql, params, lambda result: post([result]), self._tables)
        return self._db._execute_plan(plan, post, self._tables)

    def _plan(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The statements: a chunk of rows each, per set of columns (`_more`); a row without
        columns (all defaults) is a statement per row."""
        rows = self._rows
        if rows is not None and len(rows) == 1 and not self._more:
            return [self._statement(rows)]  # one row: one statement, nothing to split
        plan: list[tuple[str, tuple[Any, ...]]] = []
        for rows, columns, fragments, _ in (
            (self._rows or [], self._columns, self._fragments, None),
            *self._more,
        ):
            query = self._copy()
            query._rows, query._columns, query._fragments, query._more = (
                rows, columns, fragments, ()
            )  # fmt: skip
            if not columns:
                plan.extend([query._statement(rows[:1])] * len(rows))
                continue
            size = query._chunk_rows()
            plan.extend(query._statement(rows[i : i + size]) for i in range(0, len(rows), size))
        return plan

    def _result(self, results: list[Result]) -> InsertResult:
        rows = [row for result in results for row in result[0]]
        if self._returning:
            return InsertResult(len(rows), rows)
        return InsertResult(sum(result[1] for result in results), rows)

    def _tables(self) -> tuple[str, ...]:
        return (self._table,)

    # -- bulk path: COPY instead of INSERT --------------------------------------------------

    def _bulk_copy(self) -> int | None:
        """Store the rows through COPY and return the count, or None to run INSERTs. Taken
        only for more rows than one INSERT chunk, when nothing is asked back (`returning()`),
        no `on_conflict()`, no `typedb.sql()` value and one set of columns; the database
        declines where COPY would store anything else (typedb/connection/_pg_copy.py)."""
        rows = self._rows
        if (
            rows is None
            or len(rows) <= self._chunk_rows()
            or self._returning
            or self._conflict._action
            or self._fragments
            or self._more
            or not self._columns
        ):
            return None
        return self._db._copy_rows(self._table, self._columns, rows, self._kinds)

    def _bulk_runs(self) -> int | None:
        """`_bulk_copy` for rows in runs of different columns: each run of more rows than
        one INSERT chunk goes as a COPY of its columns (those left out take their defaults,
        as with INSERT), the others as INSERTs, all in one transaction; None to run the
        INSERTs alone (no run big enough, `returning()`, `on_conflict()`, SQLite)."""
        if self._returning or self._conflict._action or self._dialect != "postgresql":
            return None
        runs: list[CopyRun] = []
        big = False
        for rows, columns, fragments, kinds in (
            (self._rows or [], self._columns, self._fragments, self._kinds),
            *self._more,
        ):
            run = self._copy()
            run._rows, run._columns, run._fragments, run._kinds, run._more = (
                rows, columns, fragments, kinds, ()
            )  # fmt: skip
            copy = bool(columns) and not fragments and len(rows) > run._chunk_rows()
            big = big or copy
            runs.append((columns if copy else (), rows, kinds, run._plan))
        if not big:
            return None
        return self._db._copy_runs(self._table, runs, self._tables)

    def _chunk_rows(self) -> int:
        width = max(1, len(self._columns))
        room = MAX_PARAMS[self._dialect] - len(self._conflict._values)
        return max(1, min(CHUNK_ROWS, room // width))

    def _statement(self, rows: Sequence[tuple[Any, ...]]) -> tuple[str, tuple[Any, ...]]:
        conflict = self._conflict
        if self._fragments:
            # Rows holding typedb.sql() fragments render them inline: no cache for those.
            sql, order = self._finished(rows)
            params = [v for r in rows for v in r if not isinstance(v, Fragment)]
        else:
            n = 1 if not self._columns else len(rows)
            key = (
                InsertQuery, self._dialect, self._table, self._columns, n,
                conflict._target, conflict._action, self._returning,
            )  # fmt: skip
            # The hit inlined (as in Query._compile): no closure made, no call.
            entry = _cache.entries.get(key)
            if entry is None:
                entry = _cache.lookup(key, lambda: self._finished(n))
            sql, order = entry
            params = list(rows[0]) if n == 1 else [v for r in rows for v in r]
        params.extend(conflict._values)
        if order is not None:
            params = [params[i] for i in order]
        return sql, tuple(params)

    def _finished(
        self, rows: int | Sequence[tuple[Any, ...]]
    ) -> tuple[str, tuple[int, ...] | None]:
        if self._dialect != "sqlite":
            return finish(self._render(rows), self._db.dialect.placeholder)
        # The names as written ride on the SQL, for SQLite's driver to judge (see _names);
        # `excluded` is the table's row proposed for insertion, as ON CONFLICT names it.
        with collecting(((self._table, None), (self._table, "excluded"))) as names:
            note_clause("insert")
            for column in self._columns:
                note(column)
            target = self._conflict._target
            note_clause("conflict")
            if target and target[0] == "columns":
                for column in target[1]:
                    note(column)
            action = self._conflict._action
            if action and action[0] != "nothing":
                for column, kind in action[1]:
                    note(column)
                    if isinstance(kind, Excluded):
                        note(f"excluded.{kind.column}")
            note_clause("returning")
            sql, order = finish(self._render(rows), self._db.dialect.placeholder)
        return with_names(sql, names), order

    def _render(self, rows: int | Sequence[tuple[Any, ...]]) -> str:
        q = self._db.dialect.quote
        text = f"INSERT INTO {q(self._table)}"
        index = 0
        if not self._columns:
            text += " DEFAULT VALUES"
        else:
            groups: list[str] = []
            for r in range(rows) if isinstance(rows, int) else rows:
                cells: list[str] = []
                for v in range(len(self._columns)) if isinstance(r, int) else r:
                    if isinstance(v, Fragment):
                        cells.append(v.text)
                    else:
                        cells.append(mark(index))
                        index += 1
                groups.append(f"({', '.join(cells)})")
            columns = ", ".join(q(c) for c in self._columns)
            text += f" ({columns}) VALUES {', '.join(groups)}"
        text += _conflict_sql(self._conflict, index, q)
        if self._returning:
            text += returning_sql(self._returning, self._db.dialect.quote_char)
        return text


def _conflict_sql(conflict: OnConflict, index: int, q: Callable[[str], str]) -> str:
    if not conflict._action:
        return ""
    text = " ON CONFLICT"
    target = conflict._target
    if target and target[0] == "columns":
        text += f" ({', '.join(q(c) for c in target[1])})"
    elif target:
        text += f" ON CONSTRAINT {q(target[1])}"
    if conflict._action[0] == "nothing":
        return text + " DO NOTHING"
    sets: list[str] = []
    for column, kind in conflict._action[1]:
        if isinstance(kind, Excluded):
            value = f"excluded.{q(kind.column)}"
        elif isinstance(kind, Fragment):
            value = kind.text
        else:
            value = mark(index)
            index += 1
        sets.append(f"{q(column)} = {value}")
    return text + " DO UPDATE SET " + ", ".join(sets)


def _runs(rows: Sequence[Mapping[str, Any]]) -> list[tuple[Sequence[Mapping[str, Any]], int]]:
    """Consecutive rows with the same keys, each with the index of its first row."""
    runs: list[tuple[Sequence[Mapping[str, Any]], int]] = []
    if not isinstance(rows, list | tuple):
        rows = list(rows)  # a Sequence need not slice (a deque does not)
    start = 0
    keys = [row.keys() if isinstance(row, Mapping) else None for row in rows]
    for i in range(1, len(rows)):
        if keys[i] != keys[i - 1]:  # a non-dict starts a run of its own; _rows() reports it
            runs.append((rows[start:i], start))
            start = i
    runs.append((rows[start:], start))
    return runs


#: The rows (a list of tuples, or `ColumnRows` from `_rows_fast`), their columns, whether
#: they hold typedb.sql() fragments, and each column's set of Python types where
#: `_rows_fast` found them.
_Parsed = tuple[Sequence[tuple[Any, ...]], tuple[str, ...], bool, "Kinds | None"]


class _KeysDiffer(CompileError):
    """Rows have different keys: values() splits them into runs."""


def _rows(table: str, rows: Sequence[Mapping[str, Any]], offset: int = 0) -> _Parsed:
    """Rows as value tuples in one column order (many rows: kept as columns, see
    `_rows_fast`); checks they agree and hold no NUL text.
    `offset`: the index of rows[0] among all the rows given, for messages."""
    if not rows:
        return [], (), False, None
    first = rows[0]
    if not isinstance(first, Mapping):
        raise CompileError(f"values() for table {table!r} takes dicts, got {first!r}")
    columns = tuple(first)
    for c in columns:
        if not isinstance(c, str):
            raise CompileError(f"column names must be strings, got {c!r} for table {table!r}")
    fast = _rows_fast(rows, columns) if len(rows) >= _FAST_ROWS and columns else None
    if fast is not None:
        return fast
    if type(first) is dict and len(rows) == 1:
        # One dict: its values are in its keys' order, so the loop's lookups and count check
        # below have nothing to find; the value checks stay.
        values = tuple(first.values())
        return [values], columns, _check_values(table, columns, values, offset), None
    width = len(columns)
    out: list[tuple[Any, ...]] = []
    fragments = False
    for i, row in enumerate(rows):
        try:
            values = tuple([row[c] for c in columns])
        except (KeyError, TypeError):
            raise _mismatch(table, i + offset, row, columns) from None
        if len(row) != width:
            raise _mismatch(table, i + offset, row, columns)
        if _check_values(table, columns, values, i + offset):
            fragments = True
        out.append(values)
    return out, columns, fragments, None


def _check_values(table: str, columns: tuple[str, ...], values: tuple[Any, ...], i: int) -> bool:
    """Refuse NUL in text and builder objects as values, in row `i`; whether it holds a
    `typedb.sql()` fragment."""
    fragments = False
    for j, v in enumerate(values):
        if type(v) is str:
            if "\x00" in v:
                refuse_nul(v, f"column {columns[j]!r} of table {table!r} (row {i})")
        elif type(v) is Fragment:
            fragments = True
        elif v is not None:
            if isinstance(v, str):  # a str subclass (a StrEnum member) is text too
                refuse_nul(v, f"column {columns[j]!r} of table {table!r} (row {i})")
            elif builder_kind(type(v)) is not None:
                refuse_builder_value(v, columns[j], table, "values()")
    return fragments


#: From this many rows on, `_rows_fast` is worth its setup; a single row keeps the plain loop.
_FAST_ROWS = 64


def _rows_fast(rows: Sequence[Mapping[str, Any]], columns: tuple[str, ...]) -> _Parsed | None:
    """What the loop in `_rows` gives for well-formed rows, with the per-value work done a
    column at a time in C, and the rows kept as columns (`ColumnRows`: no tuple per row).
    10,000 rows of 3 columns: about 1 ms, against 6.5 for the loop and 1.7 when this made
    each row's tuple. None when a row needs the loop: its checks name the row."""
    try:
        values_of = [list(map(itemgetter(c), rows)) for c in columns]
        if set(map(len, rows)) != {len(columns)}:
            return None  # a row with more keys
    except (KeyError, TypeError):
        return None  # a row without some key, or not a dict
    fragments = False
    column_kinds: list[set[type]] = []
    for values in values_of:
        kinds = set(map(type, values))
        column_kinds.append(kinds)
        if Fragment in kinds:
            fragments = True
        if any(builder_kind(k) is not None for k in kinds):
            return None  # the loop names the row and column
        if str in kinds or any(issubclass(k, str) for k in kinds):  # StrEnum members too
            # One search of the joined text: ten times faster than one per value.
            texts = filter(None, values) if kinds <= _TEXT_OR_NONE else _texts(values)
            if "\x00" in "".join(texts):
                return None
    return ColumnRows(values_of), columns, fragments, column_kinds


_TEXT_OR_NONE = frozenset({str, type(None)})


def _texts(values: list[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def _mismatch(table: str, i: int, row: object, columns: tuple[str, ...]) -> CompileError:
    if not isinstance(row, Mapping):
        return CompileError(f"values() for table {table!r}: row {i} is not a dict: {row!r}")
    keys = set(row)
    missing = sorted(set(columns) - keys)
    extra = sorted(str(k) for k in keys - set(columns))
    return _KeysDiffer(
        f"values() for table {table!r}: row {i} has other columns than the rows before it "
        f"(missing {missing}, extra {extra})"
    )
