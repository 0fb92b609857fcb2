"""The stub package: every file's text, writing it, and checking it is fresh.

    stubs/typedb-stubs/py.typed                 "partial": other typedb modules stay as they are
    stubs/typedb-stubs/facades/db.pyi           the index: `DB`, `db`, `connect()`, and the
                                                dispatch classes (`SelectFrom`, ...) whose
                                                `__call__` has one overload per table
    stubs/typedb-stubs/facades/async_db.pyi     the same for asyncio (see _async)
    stubs/typedb-stubs/facades/_db/_common.pyi  operators, table names, join and write results
    stubs/typedb-stubs/facades/_db/_query.pyi   the generic query classes (see _query)
    stubs/typedb-stubs/facades/_db/_lazy.pyi    what a table method gives (see _lazy)
    stubs/typedb-stubs/facades/_db/_lazy_async.pyi  the same for the async facade
    stubs/typedb-stubs/facades/_db/_joined.pyi  what a join of each table gives (see _joined)
    stubs/typedb-stubs/facades/_db/<table>.pyi  one module per table

Output depends only on the registry (sorted), so `check()` compares bytes. One module per table
means a migration that changes one table changes one module and the index only when a table
comes or goes, so a type checker's cache keeps the rest. For mypy that also needs the user's
modules not to depend on every table module: see `dispatch_properties`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from typedb.contracts import ContractTable as Table
from typedb.contracts import Registry
from typedb.stubgen._async import render_async_index
from typedb.stubgen._buckets import Bucket, buckets_for, table_buckets
from typedb.stubgen._entries import entry_base, entry_kinds, query_name, render_entries
from typedb.stubgen._joined import render_joined
from typedb.stubgen._lazy import ENTRY_KINDS, entry_name, lazy_module, render_lazy
from typedb.stubgen._query import render_query
from typedb.stubgen._table import HEADER, Names, names_for, quote, render_table

PACKAGE = "typedb-stubs"
_TABLES = "facades/_db"

_COMMON = (
    HEADER
    + '''"""What every module of the package shares: operators, table names, results, markers."""

from typing import Generic, Literal, TypeVar

CmpOp = Literal["=", "!=", "<>", "<", "<=", ">", ">="]
#: Comparisons of a text column: like / ilike only apply there.
TextOp = Literal["=", "!=", "<>", "<", "<=", ">", ">=", "like", "ilike"]
InOp = Literal["in", "not in"]
NullOp = Literal["is", "is not"]
Op = Literal["=", "!=", "<>", "<", "<=", ">", ">=", "like", "ilike", "in", "not in", "is", "is not"]
Direction = Literal["asc", "desc"]
TableName = {table_names}

R = TypeVar("R")

class SoftDeletes:
    """Marker: a table of the query has `deleted_at` (where_not_deleted() applies)."""

class SelectEntry:
    """Marker: a table's own select (`ItemsSelect`), which a subquery or union may be."""

class AsyncSelectEntry:
    """The same for the async facade's selects."""

class InsertResult(Generic[R]):
    """Rows written; `rows` holds what `returning()` asked for."""

    @property
    def num_inserted_rows(self) -> int: ...
    @property
    def rows(self) -> list[R]: ...

class UpdateResult(Generic[R]):
    @property
    def num_updated_rows(self) -> int: ...
    @property
    def rows(self) -> list[R]: ...

class DeleteResult(Generic[R]):
    @property
    def num_deleted_rows(self) -> int: ...
    @property
    def rows(self) -> list[R]: ...
'''
)


def render(registry: Registry) -> dict[str, str]:
    """Every file of the stub package: path (relative to the stubs folder, `/`-separated) to
    its text."""
    tables = list(registry)
    names = names_for(tables)
    buckets, index = buckets_for(tables)
    imports = {imp for t in tables for c in t.columns for imp in c.type.imports}
    query, lazy, lazy_async = render_lazy(render_query(tables, names, buckets, index, imports))
    files = {
        f"{PACKAGE}/py.typed": "partial\n",
        f"{PACKAGE}/{_TABLES}/__init__.pyi": HEADER,
        f"{PACKAGE}/{_TABLES}/_common.pyi": _COMMON.replace("{table_names}", _table_names(tables)),
        f"{PACKAGE}/{_TABLES}/_query.pyi": query,
        f"{PACKAGE}/{_TABLES}/{lazy_module(False)}.pyi": lazy,
        f"{PACKAGE}/{_TABLES}/{lazy_module(True)}.pyi": lazy_async,
        f"{PACKAGE}/{_TABLES}/_joined.pyi": render_joined(tables, names, buckets, index),
        f"{PACKAGE}/facades/db.pyi": _index(tables, names, buckets, index),
        f"{PACKAGE}/facades/async_db.pyi": _async_index(tables, names, buckets, index),
    }
    for table in tables:
        files[f"{PACKAGE}/{_TABLES}/{names[table.name].module}.pyi"] = render_table(
            table, names[table.name], index
        )
    return dict(sorted(files.items()))


def _table_names(tables: list[Table]) -> str:
    if not tables:
        return 'Literal[""]  # no tables in the contracts'
    return "Literal[" + ", ".join(quote(t.name) for t in tables) + "]"


_METHODS = (
    ("select_from", "Select"),
    ("insert_into", "InsertQuery"),
    ("update_table", "UpdateQuery"),
    ("delete_from", "DeleteQuery"),
    ("soft_delete", "SoftDeleteQuery"),
    ("restore", "RestoreQuery"),
)
_DATA = ("Column", "Qualified", "AnyColumn", "Row", "Insert", "Update", "Upsert")


def imports_of(tables: list[Table], names: dict[str, Names], prefix: str) -> str:
    """The index's imports: the generic classes, their lazy entries and every table's data
    types. The entries under a private name (`_LazySelect`, see _entries.entry_base): a table
    named `lazy` has a class `LazySelect` of its own."""
    lazy = [entry_name(k, bool(prefix)) for k in ENTRY_KINDS]
    out = [
        "from typedb.facades._db._query import "
        + ", ".join(f"{prefix}{k} as {prefix}{k}" for k in ENTRY_KINDS)
        + "\n",
        f"from typedb.facades._db.{lazy_module(bool(prefix))} import "
        + ", ".join(f"{k} as {entry_base(k)}" for k in lazy)
        + "\n",
    ]
    for table in tables:
        n = names[table.name]
        own = [f"{n.prefix}{d}" for d in _DATA] + [f"{n.prefix}Tables", f"{n.prefix}SoftDelete"]
        items = ", ".join(f"{x} as {x}" for x in own)
        out.append(f"from typedb.facades._db.{n.module} import {items}\n")
    return "".join(out)


def _index(
    tables: list[Table], names: dict[str, Names], buckets: list[Bucket], index: dict[str, int]
) -> str:
    out = [
        HEADER,
        '"""The typed facade: `db` and `connect()` with every table of the contracts."""\n\n',
        "from contextlib import AbstractContextManager\n"
        f"from typing import Any, {_typing_imports(tables)}\n\n"
        "from typedb.connection import Database\n"
        "from typedb.facades._db._common import DeleteResult as DeleteResult\n"
        "from typedb.facades._db._common import InsertResult as InsertResult\n"
        "from typedb.facades._db._common import TableName as TableName\n"
        "from typedb.facades._db._common import UpdateResult as UpdateResult\n",
        _bucket_imports(tables, names, index),
        imports_of(tables, names, ""),
        "\n",
        render_entries(tables, names, buckets, index, awaited=False),
        dispatch_all(tables, names, buckets, ""),
        "\nclass DB(Database):\n"
        '    """`Database` typed by the contracts: table names, columns and values are checked."""\n\n',
    ]
    out.append(dispatch_properties(""))
    out.append(
        "    def transaction(self, *, immediate: bool = ...) -> AbstractContextManager[DB]: ..."
        f"  # type: ignore[override]{_TY}\n"
        "\nclass LazyDB(DB):\n"
        '    """The `db` facade: `DB` that opens on first use and can stand in for a test."""\n\n'
        "    def standing_in(self, target: Database) -> AbstractContextManager[None]: ...\n"
        "\n#: The project's database, connected on first use.\n"
        "db: LazyDB\n\n"
        "def connect(url: str | None = None) -> DB: ...\n"
    )
    return "".join(out)


def _bucket_imports(tables: list[Table], names: dict[str, Names], index: dict[str, int]) -> str:
    out = []
    for table in tables:
        n = names[table.name]
        own = [f"{n.prefix}B{i}" for i in table_buckets(table, index)]
        out.append(
            f"from typedb.facades._db.{n.module} import "
            + ", ".join(f"{x} as {x}" for x in own)
            + "\n"
        )
    return "".join(out)


#: The class of the object each table method of `DB` is (see `dispatch_all`), by method.
DISPATCHERS = {
    "select_from": "SelectFrom",
    "insert_into": "InsertInto",
    "update_table": "UpdateTable",
    "delete_from": "DeleteFrom",
    "soft_delete": "SoftDeleteFrom",
    "restore": "RestoreFrom",
}


def dispatch_properties(prefix: str) -> str:
    """`DB.select_from` and the other table methods, as properties typed by the dispatch
    classes (`SelectFrom`, ...) that hold the one-overload-per-table `__call__`.

    Why not overloaded methods: mypy records the type of every expression of a checked module
    and makes the module depend on each module those types mention. The type of
    `db.select_from` as a method is its 501 overloads, whose return types' bases name every
    table's Row: each module that calls it depended on all 500 table modules, and adding a
    column to any table re-checked every module using `db` (measured: the benchmark's whole
    200-query file, 6-15 s). As a property its type is `SelectFrom`, one class; a module then
    depends on the tables of the queries it builds. (The joins are reached the same way.)"""
    # ty names a method overridden by a property its own way.
    ignores = f"  # type: ignore[override]{_PYRIGHT}  # ty: ignore[incompatible-property-override]"
    return "".join(
        f"    @property\n    def {method}(self) -> {prefix}{cls}: ...{ignores}\n"
        for method, cls in DISPATCHERS.items()
    )


def dispatch_all(
    tables: list[Table], names: dict[str, Names], buckets: list[Bucket], prefix: str
) -> str:
    """The dispatch classes: `SelectFrom.__call__` (what `db.select_from(...)` calls), ...:
    one overload per table; select_from also takes any other string (`"items as i"`: an alias
    cannot be spelled as a Literal) as a loose query."""
    out: list[str] = []
    bs = ", ".join("str" for _ in buckets)
    for method, suffix in _METHODS:
        # A table's overload returns its class of that kind, which exists for it (_entries).
        eligible = [t for t in tables if suffix in entry_kinds(t)]
        loose = None
        if method == "select_from":
            loose = (
                f"{prefix}Select[dict[str, Any], str, Any, str, {bs}]"
                if buckets
                else f"{prefix}Select[dict[str, Any], str, Any, str]"
            )
        body = _dispatch("__call__", suffix, bool(prefix), eligible, names, loose)
        out.append(
            f"\nclass {prefix}{DISPATCHERS[method]}:\n"
            f'    """`db.{method}(table)`: one overload per table."""\n\n{body}'
        )
    return "".join(out)


def _async_index(
    tables: list[Table], names: dict[str, Names], buckets: list[Bucket], index: dict[str, int]
) -> str:
    return render_async_index(
        _typing_imports(tables),
        _bucket_imports(tables, names, index)
        + imports_of(tables, names, "Async")
        + "\n"
        + render_entries(tables, names, buckets, index, awaited=True)
        + dispatch_all(tables, names, buckets, "Async"),
        dispatch_properties("Async"),
    )


_PYRIGHT = "  # pyright: ignore[reportIncompatibleMethodOverride]"
_OVERLAP = "  # type: ignore[overload-overlap]"
# ty reports the override at the last overload's (or the only) definition, and does not read
# mypy's `type: ignore[override]`: `ty check` in a project checks its stubs/ folder too.
_TY = "  # ty: ignore[incompatible-method-override]"


def _typing_imports(tables: list[Table]) -> str:
    names = {"Literal", "Never", "Protocol", "overload"}
    if not tables or not any(t.soft_deletes for t in tables):
        names |= {"NoReturn"}
    return ", ".join(sorted(names))


def _dispatch(
    method: str,
    kind: str,
    awaited: bool,
    tables: list[Table],
    names: dict[str, Names],
    loose: str | None,
) -> str:
    lines: list[str] = []
    if not tables and loose is None:
        return f"    def {method}(self, table: Never) -> NoReturn: ...\n"
    sigs = [
        f"def {method}(self, table: Literal[{quote(t.name)}]) -> "
        f"{query_name(names[t.name], kind, awaited)}: ..."
        for t in tables
    ]
    if loose is not None:
        sigs.append(f"def {method}(self, table: str) -> {loose}: ...")
    if len(sigs) == 1:
        return f"    {sigs[0]}\n"
    # The alias fallback overlaps every table's overload on purpose (mypy says so at each).
    for i, sig in enumerate(sigs):
        lines.append("    @overload\n")
        last = i == len(sigs) - 1
        overlap = _OVERLAP if loose is not None and not last else ""
        lines.append(f"    {sig}{overlap}\n")
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class Change:
    """One file of the stub package that is not what the registry gives."""

    path: str
    status: str  # "missing", "stale" or "extra"

    def __str__(self) -> str:
        return f"{self.path}: {self.status}"


def check(registry: Registry, stubs_dir: Path) -> list[Change]:
    """How the stubs on disk differ from what `generate()` would write ([] when fresh)."""
    wanted = render(registry)
    changes: list[Change] = []
    for rel, text in wanted.items():
        path = stubs_dir / rel
        if not path.is_file():
            changes.append(Change(rel, "missing"))
        elif path.read_bytes() != text.encode():
            changes.append(Change(rel, "stale"))
    changes += [Change(rel, "extra") for rel in _ours(stubs_dir) if rel not in wanted]
    return sorted(changes, key=lambda c: c.path)


def generate(registry: Registry, stubs_dir: Path) -> list[Change]:
    """Write the stub package into `stubs_dir`; returns what changed. Unchanged files are left
    untouched (their mtime too, which keeps type checkers' caches warm)."""
    changes = check(registry, stubs_dir)
    wanted = render(registry)
    for change in changes:
        path = stubs_dir / change.path
        if change.status == "extra":
            path.unlink()
        else:
            _write(path, wanted[change.path])
    return changes


def _ours(stubs_dir: Path) -> list[str]:
    """Files under the package that a generator wrote (anything else is left alone)."""
    root = stubs_dir / PACKAGE
    if not root.is_dir():
        return []
    found: list[str] = []
    for path in sorted(root.rglob("*.pyi")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            if fh.readline() == HEADER:
                found.append(path.relative_to(stubs_dir).as_posix())
    return found


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a type checker running meanwhile never reads half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
