"""The pytest plugin, run by pytest's `pytester` in a throwaway project on both backends: the
session database is migrated once, and every test's changes are rolled back."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import PG_URL, require_postgres

import typedb

pytest_plugins = ["pytester"]

MIGRATION = """
from pathlib import Path


def up(db):
    db.schema.create_table("items").add_id_column().add_column("name", "text").execute()
    with open(Path(__file__).parents[1] / "migrated.log", "a") as log:
        log.write("up\\n")


def down(db):
    db.schema.drop_table("items").execute()
"""

TESTS = """
import pytest
import typedb


@pytest.mark.parametrize("name", ["first", "second", "third"])
def test_each_insert_is_alone(typedb_db, typedb_url, name):
    with open("seen_url.txt", "w") as f:
        f.write(typedb_url)
    typedb_db.insert_into("items").values({"name": name}).execute()
    assert [r["name"] for r in typedb_db.select_from("items").select("name").execute()] == [name]


def test_code_under_test_transactions_nest_as_savepoints(typedb_db):
    def code_under_test(db):
        with db.transaction() as trx:
            trx.insert_into("items").values({"name": "kept"}).execute()
        with pytest.raises(RuntimeError), db.transaction() as trx:
            trx.insert_into("items").values({"name": "undone"}).execute()
            raise RuntimeError("boom")

    code_under_test(typedb_db)
    assert [r["name"] for r in typedb_db.select_from("items").select("name").execute()] == ["kept"]


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["async-first", "async-second"])
async def test_each_async_insert_is_alone(typedb_async_db, name):
    await typedb_async_db.insert_into("items").values({"name": name}).execute()
    async with typedb_async_db.transaction() as trx:  # code under test nests as a savepoint
        await trx.insert_into("items").values({"name": name + "-nested"}).execute()
    rows = await typedb_async_db.select_from("items").select("name").execute()
    assert sorted(r["name"] for r in rows) == [name, name + "-nested"]


def test_app_code_using_the_facade_runs_in_the_test_transaction(typedb_db):
    import threading

    import app

    app.add_item("facade")
    worker = threading.Thread(target=app.add_item, args=("from-a-thread",))
    worker.start()
    worker.join(30)
    expected = ["facade", "facade-in-block", "from-a-thread", "from-a-thread-in-block"]
    assert app.names() == expected
    assert sorted(r["name"] for r in typedb_db.select_from("items").select("name").execute()) == expected


@pytest.mark.asyncio
async def test_app_code_using_the_async_facade_runs_in_the_test_transaction(typedb_async_db):
    import app

    await app.add_item_async("async-facade")
    rows = await typedb_async_db.select_from("items").select("name").execute()
    assert sorted(r["name"] for r in rows) == ["async-facade", "async-facade-in-block"]


def test_nothing_left_behind(typedb_url):
    with typedb.connect(typedb_url) as db:
        assert db.select_from("items").select("name").execute() == []
        assert len(db.raw("SELECT name FROM typedb_migrations")) == 1
"""


# The app under test: its own code reaches the database through the facades only.
APP = """
from typedb.facades.async_db import db as async_db
from typedb.facades.db import db


def add_item(name):
    db.insert_into("items").values({"name": name}).execute()
    with db.transaction():
        db.insert_into("items").values({"name": name + "-in-block"}).execute()


def names():
    return sorted(r["name"] for r in db.select_from("items").select("name").execute())


async def add_item_async(name):
    await async_db.insert_into("items").values({"name": name}).execute()
    async with async_db.transaction():
        await async_db.insert_into("items").values({"name": name + "-in-block"}).execute()
"""


def _project(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.typedb]\n")
    migrations = pytester.path / "migrations"
    migrations.mkdir()
    (migrations / "2026_01_01_00_00_00_items.py").write_text(MIGRATION, encoding="utf-8")
    pytester.makepyfile(test_app=TESTS, app=APP)


def test_the_plugin_is_registered_through_pytest11() -> None:
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("typedb") == "typedb.pytest_plugin"


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    _project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs", *args)
    result.assert_outcomes(passed=9)
    assert (pytester.path / "migrated.log").read_text() == "up\n"  # once per session
    return result


def test_a_temporary_sqlite_database_by_default(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TYPEDB_TEST_DATABASE_URL", raising=False)
    _run(pytester)
    url = (pytester.path / "seen_url.txt").read_text()
    assert url.startswith("sqlite:///") and url.endswith("test.sqlite3")
    assert not list(pytester.path.glob("*.sqlite3"))  # not the project's own database


def test_a_named_sqlite_database(pytester: pytest.Pytester, tmp_path: Path) -> None:
    target = tmp_path / "named.db"
    _run(pytester, f"--typedb-url=sqlite:///{target}")
    assert (pytester.path / "seen_url.txt").read_text() == f"sqlite:///{target}"
    with typedb.connect(f"sqlite:///{target}") as db:
        assert db.raw("SELECT count(*) AS n FROM items") == [{"n": 0}]


def test_postgresql_gets_a_throwaway_database_dropped_afterwards(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    monkeypatch.setenv("TYPEDB_TEST_DATABASE_URL", PG_URL)
    _run(pytester)
    url = (pytester.path / "seen_url.txt").read_text()
    name = url.rsplit("/", 1)[1]
    assert name.startswith("typedb_test_")
    with typedb.connect(PG_URL) as server:
        gone = server.raw("SELECT count(*) AS n FROM pg_database WHERE datname = %s", [name])
    assert gone == [{"n": 0}]
