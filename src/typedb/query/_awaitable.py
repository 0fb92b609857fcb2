"""The builders as an `AsyncDatabase` hands them out: the same classes at run time (their
execute*() return what the database's `_execute` returns, here a coroutine); for type
checkers, the same builders whose execute*() are awaited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typedb.query._insert import InsertQuery
from typedb.query._select import SelectQuery
from typedb.query._with import QueryCreator
from typedb.query._write import DeleteQuery, RestoreQuery, SoftDeleteQuery, UpdateQuery

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from typedb.query._base import Row
    from typedb.query._result import DeleteResult, InsertResult, UpdateResult

    # The overrides change only the return types to awaitables, which is what they return at
    # run time on an AsyncDatabase.
    class AsyncSelectQuery(SelectQuery):
        async def execute(self) -> list[Row]: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first(self) -> Row | None: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first_or_throw(self) -> Row: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]

    class AsyncInsertQuery(InsertQuery):
        async def execute(self) -> InsertResult: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first(self) -> Row | None: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first_or_throw(self) -> Row: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]

    class AsyncUpdateQuery(UpdateQuery):
        async def execute(self) -> UpdateResult: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first(self) -> Row | None: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first_or_throw(self) -> Row: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]

    class AsyncDeleteQuery(DeleteQuery):
        async def execute(self) -> DeleteResult: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first(self) -> Row | None: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first_or_throw(self) -> Row: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]

    class AsyncSoftDeleteQuery(SoftDeleteQuery):
        async def execute(self) -> DeleteResult: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first(self) -> Row | None: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first_or_throw(self) -> Row: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]

    class AsyncRestoreQuery(RestoreQuery):
        async def execute(self) -> UpdateResult: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first(self) -> Row | None: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        async def execute_take_first_or_throw(self) -> Row: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]

    class AsyncQueryCreator(QueryCreator):
        def with_(
            self, name: str, query: Any | Callable[[AsyncQueryCreator], Any]
        ) -> AsyncQueryCreator: ...
        def with_recursive(
            self, name: str, query: Any | Callable[[AsyncQueryCreator], Any]
        ) -> AsyncQueryCreator: ...
        def select_from(self, table: str) -> AsyncSelectQuery: ...

else:
    AsyncRestoreQuery = RestoreQuery
    AsyncQueryCreator = QueryCreator
    AsyncSelectQuery = SelectQuery
    AsyncInsertQuery = InsertQuery
    AsyncUpdateQuery = UpdateQuery
    AsyncDeleteQuery = DeleteQuery
    AsyncSoftDeleteQuery = SoftDeleteQuery
