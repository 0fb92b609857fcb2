"""Builder mistakes the runtime refuses before anything runs (issue 10), on both backends,
through the sync and the async database alike.

Each test body is written once as a coroutine; `done(x)` awaits `x` when the async database
returned an awaitable and passes a sync result through, so the same checks run both ways.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import typedb
from typedb.query import fn

Done = Callable[[Any], Awaitable[Any]]
Body = Callable[[Any, Done], Awaitable[None]]

SCHEMA = (
    "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, boss integer, "
    "deleted_at timestamp)"
)
ROWS = [
    {"id": 1, "name": "ann", "boss": None, "deleted_at": None},
    {"id": 2, "name": "bob", "boss": 1, "deleted_at": None},
]


async def done(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def run(url: str, mode: str, body: Body) -> None:
    """Run `body` on a fresh `users` table (ROWS in it), through a sync or async database."""

    async def on_sync() -> None:
        with typedb.connect(url) as db:
            db.raw(SCHEMA)  # type: ignore[arg-type]
            db.insert_into("users").values(ROWS).execute()
            await body(db, done)

    async def on_async() -> None:
        async with typedb.connect_async(url) as db:
            await db.raw(SCHEMA)  # type: ignore[arg-type]
            await db.insert_into("users").values(ROWS).execute()
            await body(db, done)

    asyncio.run(on_sync() if mode == "sync" else on_async())


async def unchanged(db: Any) -> None:
    assert await done(db.select_from("users").order_by("id").execute()) == ROWS


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
def test_take_first_on_a_write_without_returning_changes_nothing(db_url: str, mode: str) -> None:
    async def body(db: Any, done: Done) -> None:
        writes = {
            "insert": db.insert_into("users").values({"id": 3, "name": "cat"}),
            "update": db.update_table("users").set({"name": "zed"}).where("id", "=", 1),
            "delete": db.delete_from("users").where("id", "=", 1),
            "soft delete": db.soft_delete("users").where("id", "=", 1),
        }
        for what, write in writes.items():
            for take in (write.execute_take_first, write.execute_take_first_or_throw):
                with pytest.raises(typedb.CompileError, match=r"returning\(") as error:
                    await done(take())
                await unchanged(db)
                assert "returning" in str(error.value), what
        # With returning() the same calls run and give the row back.
        row = await done(writes["update"].returning("id", "name").execute_take_first_or_throw())
        assert row == {"id": 1, "name": "zed"}

    run(db_url, mode, body)


@MODES
def test_two_columns_with_one_output_name_are_refused_before_running(
    db_url: str, mode: str
) -> None:
    async def body(db: Any, done: Done) -> None:
        pairs = db.select_from("users as a").inner_join("users as b", "a.id", "b.boss")
        clashes = {
            'self-join "a.name", "b.name"': (pairs.select("a.name", "b.name"), "b.name as b_name"),
            '"name", "users.name"': (
                db.select_from("users").select("name", "users.name"),
                "users.name as users_name",
            ),
            "an aggregate aliased like a column": (
                db.select_from("users").select("name", fn.count("id").as_("name")).group_by("name"),
                '.as_("count_id")',
            ),
            "two unaliased counts": (
                db.select_from("users").select(fn.count("id"), fn.count("boss")),
                '.as_("count_boss")',
            ),
            "two select() calls": (
                db.select_from("users").select("id").select("boss as id"),
                "boss as other_id",
            ),
        }
        for what, (query, suggestion) in clashes.items():
            for call in (query.execute, query.execute_take_first, query.compile):
                with pytest.raises(typedb.CompileError) as error:
                    await done(call())
                message = str(error.value)
                assert any(f"name {n!r}" in message for n in ("name", "id", "count")), message
                assert suggestion in message, (what, message)
        # The alias the message suggests is the fix: both values come back.
        fixed = pairs.select("a.name", "b.name as b_name")
        assert await done(fixed.execute()) == [{"name": "ann", "b_name": "bob"}]
        update = db.update_table("users").set({"name": "zed"}).where("id", "=", 1)
        with pytest.raises(typedb.CompileError, match="'name'"):
            await done(update.returning("name", "users.name").execute())
        with pytest.raises(typedb.CompileError, match="'id'"):
            await done(db.insert_into("users").values({"id": 3, "name": "c"})
                       .returning("id", "name as id").execute())  # fmt: skip
        await unchanged(db)

    run(db_url, mode, body)


@MODES
def test_empty_select_group_by_and_returning_are_errors_at_the_call(db_url: str, mode: str) -> None:
    async def body(db: Any, done: Done) -> None:
        calls: dict[str, Callable[[], object]] = {
            "select()": lambda: db.select_from("users").select(),
            "group_by()": lambda: db.select_from("users").group_by(),
            "insert returning()": lambda: db.insert_into("users").returning(),
            "update returning()": lambda: db.update_table("users").returning(),
            "delete returning()": lambda: db.delete_from("users").returning(),
            "soft delete returning()": lambda: db.soft_delete("users").returning(),
        }
        for what, call in calls.items():
            with pytest.raises(typedb.CompileError, match=r"needs .*one") as error:
                call()
            assert what.split()[-1].rstrip("()") in str(error.value), what
        await unchanged(db)

    run(db_url, mode, body)


@MODES
def test_a_bare_string_is_not_an_in_list(db_url: str, mode: str) -> None:
    async def body(db: Any, done: Done) -> None:
        for op in ("in", "not in"):
            for value in ("ann", b"ann"):
                with pytest.raises(typedb.CompileError, match="needs a list of values"):
                    db.select_from("users").where("name", op, value)
                with pytest.raises(typedb.CompileError, match="needs a list of values"):
                    db.select_from("users").where(lambda eb: eb("name", op, value))  # noqa: B023
                with pytest.raises(typedb.CompileError, match="needs a list of values"):
                    db.delete_from("users").where("name", op, value)
        await unchanged(db)
        # Lists, tuples and sets are value lists.
        for values in (["ann"], ("ann",), {"ann"}, frozenset({"ann"})):
            rows = await done(
                db.select_from("users").select("id").where("name", "in", values).execute()
            )
            assert rows == [{"id": 1}]

    run(db_url, mode, body)


@MODES
def test_a_write_without_set_or_values_touches_nothing(db_url: str, mode: str) -> None:
    async def body(db: Any, done: Done) -> None:
        update = db.update_table("users").where("id", "=", 1)
        for call in (update.execute, update.returning("id").execute_take_first, update.compile):
            with pytest.raises(typedb.CompileError, match=r"needs set\("):
                await done(call())
        with pytest.raises(typedb.CompileError, match="non-empty dict"):
            db.update_table("users").set({})
        insert = db.insert_into("users")
        for call in (insert.execute, insert.returning("id").execute_take_first, insert.compile):
            with pytest.raises(typedb.CompileError, match=r"call values\(\) first"):
                await done(call())
        await unchanged(db)

    run(db_url, mode, body)
