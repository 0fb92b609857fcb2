"""tests/typing/app_blog_shop.py, the typed app of issue 10's "Done when", run for real on the
demo schema (its migrations), on SQLite and PostgreSQL: every query its checkers accept must
also run, and give the rows its reveals describe."""

from __future__ import annotations

import asyncio
import importlib.util
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

import typedb
from typedb._config import load
from typedb.facades.async_db import db as async_facade
from typedb.facades.db import db as facade
from typedb.migrator import Migrator

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "typing" / "app_blog_shop.py"


def load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("app_blog_shop", APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shop(db: typedb.Database) -> typedb.Database:
    Migrator(db, load(ROOT)).latest()
    ada = db.insert_into("users").values({"email": "ada@example.com", "name": "Ada"})
    ada_id = ada.returning("id").execute_take_first_or_throw()["id"]
    for title in ("One", "Two", "Three"):
        db.insert_into("blog__posts").values(
            {"author_id": ada_id, "title": title, "published": True}
        ).execute()
    for name, price in (("kite", Decimal(5)), ("lamp", Decimal(150)), ("lamp", Decimal(20))):
        db.insert_into("items").values({"name": name, "price": price}).execute()
    db.insert_into("tags").values({"name": "toys", "item_id": ada_id}).execute()
    return db


def test_every_query_of_the_app_runs(
    shop: typedb.Database, capsys: pytest.CaptureFixture[str]
) -> None:
    app = load_app()
    with shop.transaction() as trx, facade.standing_in(trx):
        app.catalogue(Decimal(100))
        app.tagged_items_by_author("example.com")
        app.sibling_posts(1)
        app.prolific_authors(2)
        app.save_tag("toys", 2)  # an upsert that updates
        app.save_tag("lighting", 2)  # one that inserts
        app.search("lamp")
        app.move_tags(2, 3)
        tags = trx.select_from("tags").select("name", "item_id").order_by("name")
        assert tags.execute() == [
            {"name": "lighting", "item_id": 3},
            {"name": "toys", "item_id": 3},
        ]
        app.reprice(3, Decimal(25))  # deletes the item's tags, soft-deletes it
        assert tags.execute() == []
        item = trx.select_from("items").where("id", "=", 3).execute_take_first_or_throw()
        assert (item["price"], item["deleted_at"] is not None) == (Decimal(25), True)
    printed = capsys.readouterr().out
    assert "ada@example.com 3 " in printed  # prolific_authors: three posts
    assert "kite 5" in printed  # catalogue


def test_the_async_part_runs(shop: typedb.Database, db_url: str) -> None:
    app = load_app()

    async def main() -> None:
        async with typedb.connect_async(db_url) as adb, adb.transaction() as trx:
            with async_facade.standing_in(trx):
                await app.dashboard()
            titles = await trx.select_from("blog__posts").select("title").execute()
            assert {"One", "Two", "Three", "Hi"} <= {r["title"] for r in titles}

    asyncio.run(main())
