"""Joins on several conditions, RIGHT / FULL joins, self-joins through aliases."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from _store import run_async

import typedb


def test_join_on_several_conditions(store: typedb.Database) -> None:
    rows = (
        store.select_from("customers as c")
        .inner_join(
            "invoices as i",
            lambda on: on("c.id", "=", "i.customer_id") & on("i.total", ">", Decimal("1")),
        )
        .select("c.name", "i.id")
        .order_by("i.id")
        .execute()
    )
    assert rows == [{"name": "Ana", "id": 1}, {"name": "Bo", "id": 3}]
    # A left join keeps every customer; the extra condition lives in ON, not WHERE.
    left = (
        store.select_from("customers as c")
        .left_join(
            "invoices as i",
            lambda on: on("c.id", "=", "i.customer_id") & on("i.total", "<", on.val(Decimal("1"))),
        )
        .select("c.name", "i.id")
        .order_by("c.name")
        .execute()
    )
    assert left == [
        {"name": "Ana", "id": 2},
        {"name": "Bo", "id": None},
        {"name": "Cy", "id": None},
    ]


def test_self_join_through_aliases(store: typedb.Database) -> None:
    rows = (
        store.select_from("employees as e")
        .inner_join("employees as boss", "boss.id", "e.reports_to")
        .select("e.name", "boss.name as boss")
        .order_by("e.id")
        .execute()
    )
    assert rows[:2] == [{"name": "Nancy", "boss": "Andrew"}, {"name": "Jane", "boss": "Nancy"}]


NEW_SQLITE = sqlite3.sqlite_version_info >= (3, 39, 0)


@pytest.mark.skipif(not NEW_SQLITE, reason="SQLite before 3.39 has no RIGHT / FULL JOIN")
def test_right_and_full_join(store: typedb.Database) -> None:
    store.insert_into("invoices").values({"customer_id": 99, "total": Decimal("5")}).execute()
    right = (
        store.select_from("customers as c")
        .right_join("invoices as i", "c.id", "i.customer_id")
        .select("c.name", "i.id")
        .order_by("i.id")
        .execute()
    )
    assert [r["name"] for r in right] == ["Ana", "Ana", "Bo", None]
    full = (
        store.select_from("customers as c")
        .full_join("invoices as i", lambda on: on("c.id", "=", "i.customer_id"))
        .select("c.name", "i.id")
        .execute()
    )
    assert len(full) == 5  # 3 matched invoices, the orphan invoice, Cy without one
    assert {"name": "Cy", "id": None} in full and {"name": None, "id": 4} in full


def test_old_sqlite_refuses_right_join(monkeypatch: pytest.MonkeyPatch) -> None:
    from typedb.query import _select_parts

    db = typedb.connect("sqlite://")
    monkeypatch.setattr(_select_parts.sqlite3, "sqlite_version_info", (3, 38, 5))
    with pytest.raises(typedb.CompileError, match=r"SQLite 3\.39"):
        db.select_from("a").right_join("b", "a.id", "b.id")


def test_async_multi_condition_join(db_url: str, store: typedb.Database) -> None:
    async def test(db: typedb.AsyncDatabase) -> None:
        rows = (
            await db.select_from("customers as c")
            .inner_join(
                "invoices as i",
                lambda on: on("c.id", "=", "i.customer_id") & on("i.total", "<", Decimal("2")),
            )
            .select("c.name")
            .order_by("c.name")
            .execute()
        )
        assert rows == [{"name": "Ana"}, {"name": "Bo"}]

    run_async(db_url, test)
