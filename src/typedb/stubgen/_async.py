"""The async half of the stub package: what `typedb.facades.async_db` hands out.

The generic query classes have `Async` twins in `_query.pyi` whose execute*() are `async def`
(the builders are the same at run time; an `AsyncDatabase` makes their execute*() return
coroutines) and whose joins and selects lead to the `Async` classes again.

    stubs/typedb-stubs/facades/async_db.pyi     the index: `AsyncDB`, `db`, `connect()`
"""

from __future__ import annotations

from typedb.stubgen._table import HEADER


def render_async_index(typing_imports: str, types: str, dispatch: str) -> str:
    """`facades/async_db.pyi`: `types` (imports, per-table aliases and dispatch classes) and
    `dispatch` (the table methods' text) are made as the sync index's are, with the Async
    classes."""
    return (
        HEADER + '"""The typed async facade: `db` and `connect()`, every execute*() awaited."""\n\n'
        "from contextlib import AbstractAsyncContextManager, AbstractContextManager\n"
        f"from typing import Any, {typing_imports}\n\n"
        "from typedb.connection import AsyncDatabase, AsyncTransaction\n"
        "from typedb.facades._db._common import TableName as TableName\n"
        + types
        + "\nclass AsyncDB(AsyncDatabase):\n"
        '    """`AsyncDatabase` typed by the contracts."""\n\n'
        + dispatch
        + "    def transaction(self, *, immediate: bool = ...) -> "
        "AbstractAsyncContextManager[AsyncDB]: ...  # type: ignore[override]"
        "  # ty: ignore[incompatible-method-override]\n"
        "\nclass LazyAsyncDB(AsyncDB):\n"
        '    """The async `db` facade: `AsyncDB` that opens on first use and can stand in for a test."""\n\n'
        "    def standing_in(self, target: AsyncTransaction) -> AbstractContextManager[None]: ...\n"
        "\n#: The project's database for asyncio code, connected on first use.\n"
        "db: LazyAsyncDB\n\n"
        "def connect(url: str | None = None) -> AsyncDB: ...\n"
    )
