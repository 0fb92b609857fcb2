"""A small Chinook-like store for the query builder v2 tests: customers, invoices, invoice
lines with decimal prices, employees reporting to each other. Built through typedb's schema
builder, so both backends get the same tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

import typedb


def make_store(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("customers").add_id_column().add_column(
        "name", "text", lambda c: c.not_null()
    ).add_column("city", "text").execute()
    db.schema.create_table("invoices").add_id_column().add_column(
        "customer_id", "integer", lambda c: c.not_null()
    ).add_column("total", "numeric(10,2)").execute()
    db.schema.create_table("invoice_lines").add_id_column().add_column(
        "invoice_id", "integer", lambda c: c.not_null()
    ).add_column("unit_price", "numeric(10,2)", lambda c: c.not_null()).add_column(
        "quantity", "integer", lambda c: c.not_null()
    ).execute()
    db.schema.create_table("employees").add_id_column().add_column(
        "name", "text", lambda c: c.not_null()
    ).add_column("reports_to", "integer").execute()
    db.insert_into("customers").values(
        [
            {"name": "Ana", "city": "Lisbon"},
            {"name": "Bo", "city": "Oslo"},
            {"name": "Cy", "city": None},
        ]
    ).execute()
    db.insert_into("invoices").values(
        [
            {"customer_id": 1, "total": Decimal("3.96")},
            {"customer_id": 1, "total": Decimal("0.99")},
            {"customer_id": 2, "total": Decimal("1.98")},
        ]
    ).execute()
    db.insert_into("invoice_lines").values(
        [
            {"invoice_id": 1, "unit_price": Decimal("0.99"), "quantity": 3},
            {"invoice_id": 1, "unit_price": Decimal("0.99"), "quantity": 1},
            {"invoice_id": 2, "unit_price": Decimal("0.99"), "quantity": 1},
            {"invoice_id": 3, "unit_price": Decimal("0.10"), "quantity": 7},
            {"invoice_id": 3, "unit_price": Decimal("0.20"), "quantity": 6},
        ]
    ).execute()
    db.insert_into("employees").values(
        [
            {"name": "Andrew", "reports_to": None},
            {"name": "Nancy", "reports_to": 1},
            {"name": "Jane", "reports_to": 2},
            {"name": "Steve", "reports_to": 3},
            {"name": "Robert", "reports_to": 1},
        ]
    ).execute()
    return db


def run_async(url: str, test: Callable[[typedb.AsyncDatabase], Awaitable[None]]) -> None:
    """Run `test` on an AsyncDatabase for `url` (the store already made by a sync one)."""

    async def main() -> None:
        async with typedb.connect_async(url) as db:
            await test(db)

    asyncio.run(main())
