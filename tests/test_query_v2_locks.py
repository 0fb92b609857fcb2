"""PostgreSQL's row locks and DISTINCT ON; SQLite refuses them with a clear error."""

from __future__ import annotations

import threading

import pytest
from _store import run_async

import typedb


def test_sqlite_refuses_locks_and_distinct_on(backend: str, store: typedb.Database) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's refusal")
    q = store.select_from("customers")
    for call in (q.for_update, q.for_share, q.distinct_on):
        with pytest.raises(typedb.CompileError, match=r"customers.*PostgreSQL only"):
            call()  # type: ignore[operator]


def test_lock_clauses_sql(pg_url: str, store: typedb.Database) -> None:
    q = store.select_from("customers").where("id", "=", 1).limit(1)
    assert q.for_update().skip_locked().compile().sql.endswith("LIMIT 1 FOR UPDATE SKIP LOCKED")
    assert q.for_share().nowait().compile().sql.endswith("FOR SHARE NOWAIT")
    with pytest.raises(typedb.CompileError, match="after for_update"):
        q.skip_locked()
    with store.transaction() as trx:
        assert trx.select_from("customers").for_update().nowait().execute()


def test_for_update_skip_locked_two_workers(pg_url: str, store: typedb.Database) -> None:
    """Two workers each take a job under FOR UPDATE SKIP LOCKED: never the same one."""
    store.schema.create_table("jobs").add_id_column().add_column("taken_by", "text").execute()
    store.insert_into("jobs").values([{"taken_by": None} for _ in range(4)]).execute()
    both_locked = threading.Barrier(2, timeout=10)
    taken: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with store.transaction() as trx:
                job = (
                    trx.select_from("jobs")
                    .where("taken_by", "is", None)
                    .order_by("id")
                    .limit(1)
                    .for_update()
                    .skip_locked()
                    .execute_take_first_or_throw()
                )
                taken[name] = job["id"]
                both_locked.wait()  # both hold their row lock at once
                trx.update_table("jobs").set({"taken_by": name}).where(
                    "id", "=", job["id"]
                ).execute()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    assert sorted(taken.values()) == [1, 2]
    rows = store.select_from("jobs").select("id", "taken_by").order_by("id").execute()
    assert {r["taken_by"] for r in rows[:2]} == {"w1", "w2"}


def test_distinct_on(pg_url: str, store: typedb.Database) -> None:
    rows = (
        store.select_from("invoices")
        .distinct_on("customer_id")
        .select("customer_id", "total")
        .order_by("customer_id")
        .order_by("total", "desc")
        .execute()
    )
    assert [(r["customer_id"], str(r["total"])) for r in rows] == [(1, "3.96"), (2, "1.98")]


def test_async_for_update(pg_url: str, store: typedb.Database) -> None:
    async def test(db: typedb.AsyncDatabase) -> None:
        async with db.transaction() as trx:
            row = await trx.select_from("customers").where("id", "=", 2).for_update().execute()
            assert row == [{"id": 2, "name": "Bo", "city": "Oslo"}]

    run_async(pg_url, test)
