"""Hostile review of diverge18 (SQLite refuses names PostgreSQL refuses, judged when a
statement is compiled) and sums18 (bigint keys on SQLite, sums of bigint expressions).

Each test runs on both backends where it applies: PostgreSQL shows the behaviour SQLite must
match.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import typedb

pytestmark = pytest.mark.pgbouncer


def _items(db: typedb.Database) -> None:
    db.schema.create_table("items").add_column(
        "id", "integer", lambda c: c.primary_key().auto_increment()
    ).add_column("title", "text").execute()


def _insert(db: typedb.Database, id_: int) -> Any:
    return db.insert_into("items").values({"id": id_, "title": "a"}).execute()


def test_a_cached_insert_is_refused_after_its_column_is_renamed_to_another_case(
    db: typedb.Database, db_url: str
) -> None:
    # SQLite's authorizer reports an INSERT's table alone, never the columns it names: the
    # INSERT compiled (and judged) before the rename reported the same thing after it, so it
    # ran on SQLite against a column PostgreSQL refuses to find.
    _items(db)
    _insert(db, 1)
    with typedb.connect(db_url) as other:
        other.schema.alter_table("items").rename_column("title", "TITLE").execute()
    with pytest.raises(typedb.QueryError, match="title"):
        _insert(db, 2)
    with pytest.raises(typedb.QueryError, match="title"):
        db.insert_into("items").values([{"id": 3, "title": "a"}, {"id": 4, "title": "b"}]).execute()
    assert db.select_from("items").select("id").execute() == [{"id": 1}]


def test_a_cached_upsert_is_refused_after_its_conflict_target_is_renamed(
    db: typedb.Database, db_url: str
) -> None:
    # ON CONFLICT's target columns are not reported to the authorizer either.
    db.schema.create_table("items").add_column("code", "text", lambda c: c.unique()).execute()

    def upsert() -> Any:
        return (
            db.insert_into("items")
            .values({"code": "a"})
            .on_conflict(lambda oc: oc.column("code").do_nothing())
            .execute()
        )

    upsert()
    upsert()
    with typedb.connect(db_url) as other:
        other.schema.alter_table("items").rename_column("code", "Code").execute()
    with pytest.raises(typedb.QueryError, match="code"):
        upsert()


def test_a_cached_insert_in_a_transaction_is_refused_after_a_rename(
    db: typedb.Database, db_url: str
) -> None:
    _items(db)
    with db.transaction() as trx:
        trx.insert_into("items").values({"id": 1, "title": "a"}).execute()
    with typedb.connect(db_url) as other:
        other.schema.alter_table("items").rename_column("title", "Title").execute()
    with pytest.raises(typedb.QueryError, match="title"), db.transaction() as trx:
        trx.insert_into("items").values({"id": 2, "title": "a"}).execute()
    # The name as the table spells it now is right on both.
    db.insert_into("items").values({"id": 3, "Title": "c"}).execute()
    assert db.select_from("items").select("id", "Title").order_by("id").execute() == [
        {"id": 1, "Title": "a"},
        {"id": 3, "Title": "c"},
    ]


def test_an_unqualified_column_another_joined_table_has_in_another_case(
    db: typedb.Database, backend: str, request: pytest.FixtureRequest
) -> None:
    # PostgreSQL matches "Title" to Items."Title" alone (notes has "TITLE"); SQLite finds it
    # in both tables and says "ambiguous column name". Not diverge18's doing: SQLite resolves
    # names before any authorizer, and typedb cannot qualify a name without the schema.
    if backend == "sqlite":
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="SQLite resolves unquoted-case names in any case: 'ambiguous column "
                "name' for a column another joined table has in another case",
            )
        )
    db.schema.create_table("Items").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("Title", "text").execute()
    db.schema.create_table("notes").add_column("item_id", "integer").add_column(
        "TITLE", "text"
    ).execute()
    db.insert_into("Items").values({"id": 1, "Title": "a"}).execute()
    db.insert_into("notes").values({"item_id": 1, "TITLE": "n"}).execute()
    query = db.select_from("Items").inner_join("notes", "Items.id", "notes.item_id")
    assert query.select("Items.Title", "notes.TITLE").execute() == [{"Title": "a", "TITLE": "n"}]
    assert query.select("Title").execute() == [{"Title": "a"}]


def _in_threads(n: int, work: Any) -> list[str]:
    results = [""] * n

    def run(i: int) -> None:
        try:
            work()
            results[i] = "ran"
        except typedb.QueryError as exc:
            results[i] = (
                "refused" if "title" in str(exc) or "aborted" in str(exc) else f"other: {exc}"
            )
        except Exception as exc:
            results[i] = f"other: {exc!r}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_eight_threads_sharing_a_database_and_a_rename_between_runs(
    db: typedb.Database, db_url: str
) -> None:
    # Every connection of the pool has the INSERT and UPDATE compiled; after each rename
    # from another connection, every one of them refuses the names PostgreSQL refuses, and
    # runs them again once renamed back.
    _items(db)
    db.insert_into("items").values({"title": "a"}).execute()

    def work() -> None:
        for _ in range(20):
            db.insert_into("items").values({"title": "x"}).execute()

    for spelled in ("title", "TITLE", "title", "TITLE"):
        expected = "ran" if spelled == "title" else "refused"
        assert _in_threads(8, work) == [expected] * 8, spelled
        with typedb.connect(db_url) as other:
            renamed = "TITLE" if spelled == "title" else "title"
            other.schema.alter_table("items").rename_column(spelled, renamed).execute()


def test_threads_sharing_one_transaction_and_a_rename_between_blocks(
    db: typedb.Database, db_url: str
) -> None:
    _items(db)
    for spelled in ("title", "TITLE", "title"):
        expected = "ran" if spelled == "title" else "refused"
        results: list[str] = []
        try:
            with db.transaction() as trx:

                def work(trx: typedb.Database = trx) -> None:
                    for _ in range(10):
                        trx.insert_into("items").values({"title": "x"}).execute()

                results = _in_threads(6, work)
        except typedb.QueryError:
            assert expected == "refused"  # PostgreSQL will not commit after a failure
        assert results == [expected] * 6, spelled
        with typedb.connect(db_url) as other:
            renamed = "TITLE" if spelled == "title" else "title"
            other.schema.alter_table("items").rename_column(spelled, renamed).execute()


def test_async_tasks_and_a_rename_between_runs(db: typedb.Database, db_url: str) -> None:
    _items(db)

    async def main() -> list[str]:
        seen: list[str] = []
        async with typedb.connect_async(db_url) as adb:

            async def one() -> str:
                try:
                    for _ in range(5):
                        await adb.insert_into("items").values({"title": "q"}).execute()
                except typedb.QueryError:
                    return "refused"
                return "ran"

            for spelled in ("title", "TITLE", "title"):
                seen.append(",".join(sorted(set(await asyncio.gather(*[one() for _ in range(8)])))))
                with typedb.connect(db_url) as other:
                    renamed = "TITLE" if spelled == "title" else "title"
                    other.schema.alter_table("items").rename_column(spelled, renamed).execute()
        return seen

    assert asyncio.run(main()) == ["ran", "refused", "ran"]


# sums18: auto-increment keys of other integer types than integer.


def _key_type(db: typedb.Database, table: str, column: str = "id") -> str:
    from typedb.schema_diff import from_database

    found = from_database(db).table(table)
    assert found is not None
    col = found.column(column)
    assert col is not None and col.auto_increment
    return col.type


def test_a_smallint_key_stays_a_smallint(db: typedb.Database) -> None:
    # SQLite declared a smallint key INTEGER with no CHECK (only bigint got one): it read
    # back as integer (contracts:check and migration:generate saw a change every time), took
    # 40000 (PostgreSQL: "smallint out of range") and computed id * id past 16 bits.
    db.schema.create_table("small_ids").add_column(
        "id", "smallint", lambda c: c.primary_key().auto_increment()
    ).add_column("n", "integer").execute()
    assert _key_type(db, "small_ids") == "smallint"
    with pytest.raises(typedb.QueryError, match="smallint"):
        db.insert_into("small_ids").values({"id": 40000, "n": 1}).execute()
    db.insert_into("small_ids").values({"id": 30000, "n": 1}).execute()
    db.insert_into("small_ids").values({"n": 2}).execute()  # still auto-increments
    with pytest.raises(typedb.QueryError, match="smallint out of range"):
        db.select_from("small_ids").select(
            lambda eb: [(eb.ref("id") * eb.ref("id")).as_("d")]
        ).execute()
    # A rebuild (another column's type changed) keeps it; so does a rename.
    db.schema.alter_table("small_ids").alter_column(
        "n", lambda c: c.set_data_type("bigint")
    ).execute()
    db.schema.alter_table("small_ids").rename_column("id", "key").execute()
    assert _key_type(db, "small_ids", "key") == "smallint"
    # To bigint and back to integer: the CHECK follows the type.
    db.schema.alter_table("small_ids").alter_column(
        "key", lambda c: c.set_data_type("bigint")
    ).execute()
    assert _key_type(db, "small_ids", "key") == "bigint"
    db.insert_into("small_ids").values({"key": 40000, "n": 3}).execute()
    db.schema.alter_table("small_ids").alter_column(
        "key", lambda c: c.set_data_type("integer")
    ).execute()
    assert _key_type(db, "small_ids", "key") == "integer"
    keys = db.select_from("small_ids").select("key").order_by("key").execute()
    # (The auto-increment's own value differs: PostgreSQL's sequence ignores given keys.)
    assert [r["key"] for r in keys][1:] == [30000, 40000] or [r["key"] for r in keys] == [
        30000,
        30001,
        40000,
    ]


def test_a_bigint_key_of_an_older_sqlite_database_is_made_one_by_a_migration(
    db: typedb.Database, backend: str
) -> None:
    # Before sums18 a bigint key was INTEGER PRIMARY KEY AUTOINCREMENT with no CHECK. The
    # contract's bigint shows as a change; applying it keeps the rows and the rowid.
    from typedb.schema_diff import describe, diff, from_database

    if backend == "sqlite":
        db.raw(
            "CREATE TABLE big_ids (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `n` integer "
            "CHECK (`n` IS NULL OR typeof(`n`) = 'integer' AND `n` BETWEEN -2147483648 AND "
            "2147483647))"
        )
    else:
        db.schema.create_table("big_ids").add_column(
            "id", "integer", lambda c: c.primary_key().auto_increment()
        ).add_column("n", "integer").execute()
    db.insert_into("big_ids").values([{"n": 1}, {"n": 2}]).execute()
    assert _key_type(db, "big_ids") == "integer"
    before = from_database(db)
    db.schema.alter_table("big_ids").alter_column(
        "id", lambda c: c.set_data_type("bigint")
    ).execute()
    after = from_database(db)
    assert _key_type(db, "big_ids") == "bigint"
    assert [describe(c) for c in diff(before, after)] != []
    assert diff(after, from_database(db)) == []
    db.insert_into("big_ids").values({"n": 3}).execute()
    ids = db.select_from("big_ids").select("id").order_by("id").execute()
    assert [r["id"] for r in ids] == [1, 2, 3]


# diverge18: names PostgreSQL refuses that SQLite still answered.


def _posts(db: typedb.Database) -> None:
    db.schema.create_table("posts").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("title", "text").execute()
    db.schema.create_table("tags").add_column("post_id", "integer").add_column(
        "label", "text"
    ).execute()
    db.insert_into("posts").values([{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]).execute()
    db.insert_into("tags").values({"post_id": 1, "label": "x"}).execute()


def test_a_cte_named_in_another_case_is_refused(db: typedb.Database) -> None:
    # The table check skipped every name a CTE has in any case: `WITH "U" ... FROM "u"`.
    _posts(db)
    right = db.with_("U", db.select_from("posts").select("title")).select_from("U")
    assert right.select("title").order_by("title").execute() == [{"title": "a"}, {"title": "b"}]
    wrong = db.with_("U", db.select_from("posts").select("title")).select_from("u")
    with pytest.raises(typedb.QueryError, match='relation "u" does not exist'):
        wrong.select("title").execute()


def test_a_select_alias_of_the_enclosing_query_in_a_subquery_is_refused(
    db: typedb.Database,
) -> None:
    # PostgreSQL sees no select-list alias inside a subquery; SQLite reads the enclosing
    # query's there, and only the subquery's own scope was judged.
    _posts(db)
    inner = db.select_from("tags").select("post_id").where("pid", ">", 0)
    query = db.select_from("posts").select("id as pid").where("id", "in", inner)
    with pytest.raises(typedb.UnknownColumnError, match="pid"):
        query.execute()
    # Its own column, and the enclosing query's column, still answer.
    fine = db.select_from("tags").select("post_id").where("post_id", "=", 1)
    assert db.select_from("posts").select("id as pid").where("id", "in", fine).execute() == [
        {"pid": 1}
    ]
    outer_column = db.select_from("tags").select("post_id").where("title", "=", "a")
    assert db.select_from("posts").select("id as pid").where(
        "id", "in", outer_column
    ).execute() == [{"pid": 1}]


def test_a_cached_insert_after_the_table_is_made_again_with_another_case(
    shared_url: str,
) -> None:
    # In memory too (one connection: the schema changes on the connection that cached it).
    with typedb.connect(shared_url) as db:
        _items(db)

        def insert() -> Any:
            return db.insert_into("items").values({"title": "a"}).execute()

        insert()
        db.schema.alter_table("items").rename_column("title", "TITLE").execute()
        with pytest.raises(typedb.QueryError, match="title"):
            insert()
        db.schema.alter_table("items").rename_column("TITLE", "title").execute()
        insert()
        db.schema.drop_table("items").execute()
        db.schema.create_table("items").add_column(
            "id", "integer", lambda c: c.primary_key().auto_increment()
        ).add_column("Title", "text").execute()
        with pytest.raises(typedb.QueryError, match="title"):
            insert()
        assert db.select_from("items").select("id").execute() == []


def test_a_cached_statement_whose_subquery_column_is_dropped_is_refused(
    db: typedb.Database, db_url: str
) -> None:
    # notes."TITLE" read in the EXISTS, posts.title in the select list: both right. Once
    # notes."TITLE" is dropped, SQLite resolves the subquery's "TITLE" to posts.title, a
    # column the statement read rightly before, so the recompiled statement reported only
    # reads judged right and ran (answering posts.title = 'n'); PostgreSQL refuses it.
    db.schema.create_table("posts").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("title", "text").execute()
    db.schema.create_table("notes").add_column("post_id", "integer").add_column(
        "TITLE", "text"
    ).execute()
    db.insert_into("posts").values([{"id": 1, "title": "n"}, {"id": 2, "title": "b"}]).execute()
    db.insert_into("notes").values({"post_id": 2, "TITLE": "n"}).execute()

    def query() -> Any:
        inner = db.select_from("notes").select("post_id").where("TITLE", "=", "n")
        return (
            db.select_from("posts")
            .select("title")
            .where(lambda eb: eb.exists(inner))
            .order_by("title")
            .execute()
        )

    assert query() == [{"title": "b"}, {"title": "n"}]
    with typedb.connect(db_url) as other:
        other.schema.alter_table("notes").drop_column("TITLE").execute()
    with pytest.raises(typedb.QueryError, match="TITLE"):
        query()


def test_a_cached_select_whose_column_is_dropped_does_not_read_the_alias(
    db: typedb.Database, db_url: str
) -> None:
    # where("t") of a column t; once t is dropped SQLite would read the select-list alias t
    # (no read reported for it): PostgreSQL refuses it.
    db.schema.create_table("items").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).add_column("t", "text").add_column("title", "text").execute()
    db.insert_into("items").values({"id": 1, "t": "x", "title": "a"}).execute()

    def query() -> Any:
        return db.select_from("items").select("id", "title as t").where("t", "=", "a").execute()

    assert query() == []
    with typedb.connect(db_url) as other:
        other.schema.alter_table("items").drop_column("t").execute()
    with pytest.raises(typedb.QueryError, match='"t"'):
        query()


def test_run_many_judges_under_the_driver_lock(shared_url: str, backend: str) -> None:
    # The driver's run_many() judged a refused statement after leaving its lock: another
    # thread on a shared `trx` could meanwhile set the statement being judged (the
    # authorizer then let its own unjudged statement through) or clear the refusal flag (the
    # SQLite "not authorized" error escaped). No builder reaches run_many() today, so this
    # runs it as the migrator's recording does; the race itself is not deterministic.
    if backend != "sqlite":
        pytest.skip("SQLite's authorizer")
    with typedb.connect(shared_url) as db:
        _items(db)
        right = db.insert_into("items").values({"title": "a"}).compile()
        wrong = db.insert_into("items").values({"TITLE": "a"}).compile()
        with db.transaction() as trx:
            outcomes: list[str] = []

            def work(i: int, trx: typedb.Database = trx) -> None:
                compiled = wrong if i % 2 else right
                try:
                    trx._run_many(compiled.sql, [list(compiled.parameters)] * 3)
                    outcomes.append("ran" if compiled is right else "wrongly ran")
                except typedb.UnknownColumnError:
                    outcomes.append("refused" if compiled is wrong else "wrongly refused")
                except typedb.QueryError as exc:
                    outcomes.append(f"other: {exc}")

            threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(set(outcomes)) == ["ran", "refused"]
        assert outcomes.count("ran") == 8


SMALL_CONTRACTS = """\
from typing import Annotated, TypedDict
from typedb.contracts import Column, Generated

class SmallIdsTable(TypedDict):
    id: Annotated[Generated[int], Column(type="smallint")]
    n: int | None

class Database(TypedDict):
    small_ids: SmallIdsTable
"""


def test_a_smallint_key_matches_its_contract(db: typedb.Database, tmp_path: Any) -> None:
    # contracts:check and migration:generate compare the contract with the database: a
    # smallint key read back as integer on SQLite was a change at every run.
    from typedb.contracts import load_file, merge
    from typedb.schema_diff import describe, diff, from_database, from_registry
    from typedb.schema_diff._check import check_contracts

    db.schema.create_table("small_ids").add_column(
        "id", "smallint", lambda c: c.primary_key().auto_increment()
    ).add_column("n", "integer").execute()
    path = tmp_path / "contracts.py"
    path.write_text(SMALL_CONTRACTS)
    registry = merge([load_file(path)])
    live = from_database(db)
    assert [describe(c) for c in diff(live, from_registry(registry, db.dialect.name, live))] == []
    assert check_contracts(registry, db) == []
