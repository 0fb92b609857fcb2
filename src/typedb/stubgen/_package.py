"""The stub package: every file's text, writing it, and checking it is fresh.

    stubs/typedb-stubs/py.typed                 "partial": other typedb modules stay as they are
    stubs/typedb-stubs/facades/db.pyi           the index: `DB`, `db`, `connect()`
    stubs/typedb-stubs/facades/async_db.pyi     the same for asyncio (see _async)
    stubs/typedb-stubs/facades/_db/_common.pyi  operators, table names, join and write results
    stubs/typedb-stubs/facades/_db/<table>.pyi  one module per table

Output depends only on the registry (sorted), so `check()` compares bytes. One module per table
means a migration that changes one table changes one module and the index only when a table
comes or goes, so a type checker's cache keeps the rest.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from typedb.contracts import ContractTable as Table
from typedb.contracts import Registry
from typedb.stubgen._async import COMMON as ASYNC_COMMON
from typedb.stubgen._async import render_async_index, render_async_table
from typedb.stubgen._table import HEADER, Names, names_for, quote, render_table

PACKAGE = "typedb-stubs"
_TABLES = "facades/_db"

_COMMON = (
    HEADER
    + '''"""What every table module shares."""

from typing import Any, Generic, Literal, Self, TypeVar

from typedb._sql import CompiledQuery, Fragment
from typedb.query import Aggregate as Aggregate
from typedb.query import Expression as Expression

CmpOp = Literal["=", "!=", "<>", "<", "<=", ">", ">=", "like", "ilike"]
InOp = Literal["in", "not in"]
NullOp = Literal["is", "is not"]
Op = Literal["=", "!=", "<>", "<", "<=", ">", ">=", "like", "ilike", "in", "not in", "is", "is not"]
Direction = Literal["asc", "desc"]
TableName = {table_names}

R = TypeVar("R")

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

class AnySelect:
    """A select over joined tables, aggregates or raw SQL. Its row keys depend on the query,
    which a stub cannot spell: rows are plain dicts."""

    def select(self, *columns: str | Aggregate | Fragment) -> Self: ...
    def select_all(self, table: TableName | None = None) -> Self: ...
    def distinct(self) -> Self: ...
    def where(self, column: str | Aggregate, op: Op, value: Any) -> Self: ...
    def where_not_deleted(self) -> Self: ...
    def where_deleted(self) -> Self: ...
    def inner_join(self, table: TableName, left_column: str, right_column: str) -> Self: ...
    def left_join(self, table: TableName, left_column: str, right_column: str) -> Self: ...
    def order_by(self, column: str | Aggregate, direction: Direction = ...) -> Self: ...
    def group_by(self, *columns: str) -> Self: ...
    def having(self, column: str | Aggregate, op: Op, value: Any) -> Self: ...
    def limit(self, count: int) -> Self: ...
    def offset(self, count: int) -> Self: ...
    def compile(self) -> CompiledQuery: ...
    def execute(self) -> list[dict[str, Any]]: ...
    def execute_take_first(self) -> dict[str, Any] | None: ...
    def execute_take_first_or_throw(self) -> dict[str, Any]: ...
'''
)


def render(registry: Registry) -> dict[str, str]:
    """Every file of the stub package: path (relative to the stubs folder, `/`-separated) to
    its text."""
    tables = list(registry)
    names = names_for(tables)
    files = {
        f"{PACKAGE}/py.typed": "partial\n",
        f"{PACKAGE}/{_TABLES}/__init__.pyi": HEADER,
        f"{PACKAGE}/{_TABLES}/_common.pyi": _COMMON.replace("{table_names}", _table_names(tables))
        + ASYNC_COMMON,
        f"{PACKAGE}/facades/db.pyi": _index(tables, names),
        f"{PACKAGE}/facades/async_db.pyi": _async_index(tables, names),
    }
    for table in tables:
        files[f"{PACKAGE}/{_TABLES}/{names[table.name].module}.pyi"] = render_table(
            table, names[table.name]
        ) + render_async_table(table, names[table.name])
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
)
_EXPORTS = (
    "Column", "Qualified", "Row", "Insert", "Update", "Builder", "Where", "Select", "InsertQuery",
    "UpdateQuery", "DeleteQuery",
)  # fmt: skip


def _index(tables: list[Table], names: dict[str, Names]) -> str:
    out = [
        HEADER,
        '"""The typed facade: `db` and `connect()` with every table of the contracts."""\n\n',
        "from contextlib import AbstractContextManager\n"
        f"from typing import {_typing_imports(tables)}\n\n"
        "from typedb.connection import Database\n"
        "from typedb.facades._db._common import AnySelect as AnySelect\n"
        "from typedb.facades._db._common import DeleteResult as DeleteResult\n"
        "from typedb.facades._db._common import InsertResult as InsertResult\n"
        "from typedb.facades._db._common import TableName as TableName\n"
        "from typedb.facades._db._common import UpdateResult as UpdateResult\n",
    ]
    for table in tables:
        n = names[table.name]
        exports = [*_EXPORTS, "SoftDeleteQuery"] if table.soft_deletes else list(_EXPORTS)
        items = ", ".join(f"{n.prefix}{e} as {n.prefix}{e}" for e in exports)
        out.append(f"from typedb.facades._db.{n.module} import {items}\n")
    out.append(
        "\nclass DB(Database):\n"
        '    """`Database` typed by the contracts: table names, columns and values are checked."""\n\n'
    )
    for method, suffix in _METHODS:
        eligible = [t for t in tables if t.soft_deletes] if method == "soft_delete" else tables
        out.append(_dispatch(method, suffix, eligible, names))
    out.append(
        "    def transaction(self) -> AbstractContextManager[DB]: ...  # type: ignore[override]"
        f"{_TY}\n"
        "\n#: The project's database, connected on first use.\n"
        "db: DB\n\n"
        "def connect(url: str | None = None) -> DB: ...\n"
    )
    return "".join(out)


def _async_index(tables: list[Table], names: dict[str, Names]) -> str:
    methods = []
    for method, suffix in _METHODS:
        eligible = [t for t in tables if t.soft_deletes] if method == "soft_delete" else tables
        methods.append(_dispatch(method, f"Async{suffix}", eligible, names))
    return render_async_index(tables, names, _typing_imports(tables), "".join(methods))


_PYRIGHT = "  # pyright: ignore[reportIncompatibleMethodOverride]"
# ty reports the override at the last overload's (or the only) definition, and does not read
# mypy's `type: ignore[override]`: `ty check` in a project checks its stubs/ folder too.
_TY = "  # ty: ignore[incompatible-method-override]"


def _typing_imports(tables: list[Table]) -> str:
    names = {"Literal"}
    if len(tables) > 1:
        names.add("overload")
    if not tables or not any(t.soft_deletes for t in tables):
        names |= {"Never", "NoReturn"}
    return ", ".join(sorted(names))


def _dispatch(method: str, suffix: str, tables: list[Table], names: dict[str, Names]) -> str:
    ignore = "  # type: ignore[override]"
    if not tables:
        return f"    def {method}(self, table: Never) -> NoReturn: ...{ignore}{_TY}\n"
    if len(tables) == 1:
        t = tables[0]
        return (
            f"    def {method}(self, table: Literal[{quote(t.name)}]) -> "
            f"{names[t.name].prefix}{suffix}: ...{ignore}{_TY}\n"
        )
    # mypy reports the override at the first overload, pyright at the last one.
    lines = []
    for i, t in enumerate(tables):
        lines.append(f"    @overload{ignore if i == 0 else ''}\n")
        lines.append(
            f"    def {method}(self, table: Literal[{quote(t.name)}]) -> "
            f"{names[t.name].prefix}{suffix}: ...{_PYRIGHT + _TY if i == len(tables) - 1 else ''}\n"
        )
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
