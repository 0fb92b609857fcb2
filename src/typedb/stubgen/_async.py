"""The async half of the stub package: what `typedb.facades.async_db` hands out.

Each sync query class of a table gets an `Async` subclass whose execute*() are `async def`
(the builders are the same at run time; an `AsyncDatabase` makes their execute*() return
coroutines), and whose joins and aggregate selects lead to `AsyncAnySelect`.

    stubs/typedb-stubs/facades/async_db.pyi     the index: `AsyncDB`, `db`, `connect()`
"""

from __future__ import annotations

from typedb.contracts import ContractTable as Table
from typedb.stubgen._table import _OVERLAP, HEADER, Names  # pyright: ignore[reportPrivateUsage]

# An awaited execute*() overrides the sync one on purpose; each checker is told in its own words.
_AWAITED = (
    "  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]"
    "  # ty: ignore[incompatible-method-override]"
)

COMMON = f'''
class AsyncAnySelect(AnySelect):
    """`AnySelect` from an `AsyncDB`: execute*() are awaited."""

    async def execute(self) -> list[dict[str, Any]]: ...{_AWAITED}
    async def execute_take_first(self) -> dict[str, Any] | None: ...{_AWAITED}
    async def execute_take_first_or_throw(self) -> dict[str, Any]: ...{_AWAITED}
'''


def _awaited(p: str, result: str) -> str:
    return (
        f"    async def execute(self) -> {result}: ...{_AWAITED}\n"
        f"    async def execute_take_first(self) -> {p}Row | None: ...{_AWAITED}\n"
        f"    async def execute_take_first_or_throw(self) -> {p}Row: ...{_AWAITED}\n"
    )


def render_async_table(table: Table, names: Names) -> str:
    """The async query classes of one table, appended to its stub module."""
    p = names.prefix
    out = [
        "\nfrom typedb.facades._db._common import AsyncAnySelect\n\n",
        f"class {p}AsyncSelect({p}Select):\n"
        f"    @overload\n    def select(self, *columns: {p}Column) -> Self: ...{_OVERLAP}\n"
        f"    @overload\n    def select(self, *columns: {p}Column | Aggregate | Fragment) "
        "-> AsyncAnySelect: ...\n"
        f"    def inner_join(self, table: TableName, left_column: {p}Column | {p}Qualified, "
        "right_column: str) -> AsyncAnySelect: ...\n"
        f"    def left_join(self, table: TableName, left_column: {p}Column | {p}Qualified, "
        "right_column: str) -> AsyncAnySelect: ...\n"
        f"    async def execute(self) -> list[{p}Row]: ...{_AWAITED}\n"
        f"    async def execute_take_first(self) -> {p}Row | None: ...{_AWAITED}\n"
        f"    async def execute_take_first_or_throw(self) -> {p}Row: ...{_AWAITED}\n\n",
        f"class {p}AsyncInsertQuery({p}InsertQuery):\n{_awaited(p, f'InsertResult[{p}Row]')}\n",
        f"class {p}AsyncUpdateQuery({p}UpdateQuery):\n{_awaited(p, f'UpdateResult[{p}Row]')}\n",
        f"class {p}AsyncDeleteQuery({p}DeleteQuery):\n{_awaited(p, f'DeleteResult[{p}Row]')}",
    ]
    if table.soft_deletes:
        out.append(
            f"\nclass {p}AsyncSoftDeleteQuery({p}SoftDeleteQuery):\n"
            f"{_awaited(p, f'DeleteResult[{p}Row]')}"
        )
    return "".join(out)


def render_async_index(
    tables: list[Table], names: dict[str, Names], typing_imports: str, dispatch: str
) -> str:
    """`facades/async_db.pyi`; `typing_imports` and `dispatch` (the methods' text) are made
    as the sync index's are."""
    out = [
        HEADER,
        '"""The typed async facade: `db` and `connect()`, every execute*() awaited."""\n\n',
        "from contextlib import AbstractAsyncContextManager\n"
        f"from typing import {typing_imports}\n\n"
        "from typedb.connection import AsyncDatabase\n"
        "from typedb.facades._db._common import AsyncAnySelect as AsyncAnySelect\n"
        "from typedb.facades._db._common import TableName as TableName\n",
    ]
    for table in tables:
        n = names[table.name]
        exports = ["AsyncSelect", "AsyncInsertQuery", "AsyncUpdateQuery", "AsyncDeleteQuery"]
        if table.soft_deletes:
            exports.append("AsyncSoftDeleteQuery")
        items = ", ".join(f"{n.prefix}{e} as {n.prefix}{e}" for e in exports)
        out.append(f"from typedb.facades._db.{n.module} import {items}\n")
    out.append(
        "\nclass AsyncDB(AsyncDatabase):\n"
        '    """`AsyncDatabase` typed by the contracts."""\n\n'
        + dispatch
        + "    def transaction(self, *, immediate: bool = ...) -> "
        "AbstractAsyncContextManager[AsyncDB]: ...  # type: ignore[override]"
        "  # ty: ignore[incompatible-method-override]\n"
        "\n#: The project's database for asyncio code, connected on first use.\n"
        "db: AsyncDB\n\n"
        "def connect(url: str | None = None) -> AsyncDB: ...\n"
    )
    return "".join(out)
