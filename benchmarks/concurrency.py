"""typedb shared by threads and by asyncio tasks, against the raw pools doing the same work.

    python benchmarks/concurrency.py [--rounds 5] [--ops 150]

Work unit (the same SQL on both sides): a short transaction that inserts a row and reads it
back by id, then a select of 10 rows outside any transaction.

- PostgreSQL, 8 threads: one shared `typedb.Database` (pool of 8) against
  `psycopg_pool.ConnectionPool` (8) used the way its docs show (`with pool.connection()`).
- PostgreSQL, 100 asyncio tasks: `typedb.connect_async` (pool of 10) against psycopg's
  `AsyncConnectionPool` (10).
- SQLite file, 8 threads: typedb with WAL (the default) and with the rollback journal, which
  is how the WAL decision was made; and 100 tasks through `connect_async` (worker threads),
  against aiosqlite when it is installed (it is not a dependency).

Rounds alternate the contenders; the figure is the median throughput over rounds, and the
ratio is raw / typedb time per unit (target: within 1.15x on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from psycopg_pool import AsyncConnectionPool, ConnectionPool

import typedb
import typedb.connection._database as database_module

PG_URL = os.environ.get("TYPEDB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
THREADS = 8
TASKS = 100
INSERT = 'INSERT INTO "bench" ("name", "n") VALUES (%s, %s) RETURNING "id"'
BY_ID = 'SELECT "id", "name", "n" FROM "bench" WHERE "id" = %s'
TEN = 'SELECT "id", "name", "n" FROM "bench" WHERE "n" >= %s ORDER BY "id" LIMIT 10'


def typedb_unit(db: typedb.Database, i: int) -> None:
    with db.transaction():
        new = db.insert_into("bench").values({"name": f"r{i}", "n": i}).returning("id")
        row = new.execute_take_first_or_throw()
        db.select_from("bench").select("id", "name", "n").where("id", "=", row["id"]).execute()
    db.select_from("bench").select("id", "name", "n").where("n", ">=", i % 50).order_by("id").limit(
        10
    ).execute()


def raw_unit(pool: ConnectionPool[Any], i: int) -> None:
    with pool.connection() as conn, conn.transaction():
        new_id = conn.execute(INSERT, (f"r{i}", i)).fetchone()[0]  # type: ignore[index]
        conn.execute(BY_ID, (new_id,)).fetchall()
    with pool.connection() as conn:
        conn.execute(TEN, (i % 50,)).fetchall()


async def typedb_unit_async(db: typedb.AsyncDatabase, i: int) -> None:
    async with db.transaction():
        new = db.insert_into("bench").values({"name": f"r{i}", "n": i}).returning("id")
        row = await new.execute_take_first_or_throw()
        await (
            db.select_from("bench").select("id", "name", "n").where("id", "=", row["id"]).execute()
        )
    await (
        db.select_from("bench")
        .select("id", "name", "n")
        .where("n", ">=", i % 50)
        .order_by("id")
        .limit(10)
        .execute()
    )


async def raw_unit_async(pool: AsyncConnectionPool[Any], i: int) -> None:
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(INSERT, (f"r{i}", i))
        new_id = (await cur.fetchone())[0]  # type: ignore[index]
        await (await conn.execute(BY_ID, (new_id,))).fetchall()
    async with pool.connection() as conn:
        await (await conn.execute(TEN, (i % 50,))).fetchall()


def threaded(unit: Callable[[int], None], ops: int) -> float:
    """Seconds per unit with THREADS threads doing `ops` units each."""
    barrier = threading.Barrier(THREADS + 1)

    def work(t: int) -> None:
        barrier.wait()
        for i in range(ops):
            unit(t * ops + i)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return (time.perf_counter() - start) / (THREADS * ops)


async def tasks(unit: Callable[[int], Any], ops: int) -> float:
    per_task = max(1, ops * THREADS // TASKS)

    async def work(t: int) -> None:
        for i in range(per_task):
            await unit(t * per_task + i)

    start = time.perf_counter()
    await asyncio.gather(*(work(t) for t in range(TASKS)))
    return (time.perf_counter() - start) / (TASKS * per_task)


def create_table(url: str) -> None:
    with typedb.connect(url) as db:
        db.schema.create_table("bench").add_id_column().add_column("name", "text").add_column(
            "n", "integer"
        ).execute()
        db.raw('CREATE INDEX "bench_n" ON "bench" ("n")')


def report(title: str, times: dict[str, list[float]], baseline: str | None) -> None:
    print(title)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in medians.items():
        line = f"  {name:<34} {1 / t:8.0f} units/s  ({t * 1e6:7.0f} us per unit)"
        if baseline is not None and name != baseline:
            line += f"   ratio vs {baseline}: {t / medians[baseline]:.3f}"
        print(line)


def postgres(rounds: int, ops: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with typedb.connect(PG_URL) as admin:
        admin.raw(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options={quote(f'-csearch_path={schema}')}"
    try:
        create_table(url)
        db = typedb.connect(url, pool_min=THREADS, pool_max=THREADS)
        pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=THREADS, max_size=THREADS, kwargs={"autocommit": True}, open=True
        )
        pool.wait()
        threaded(lambda i: typedb_unit(db, i), 10)  # warm up: shapes, prepared statements
        threaded(lambda i: raw_unit(pool, i), 10)
        times: dict[str, list[float]] = {"psycopg_pool (raw)": [], "typedb Database": []}
        for r in range(rounds):
            pair = [("psycopg_pool (raw)", lambda i: raw_unit(pool, i)),
                    ("typedb Database", lambda i: typedb_unit(db, i))]  # fmt: skip
            for name, unit in pair if r % 2 == 0 else pair[::-1]:
                times[name].append(threaded(unit, ops))
        report(f"PostgreSQL, {THREADS} threads, {ops} units each:", times, "psycopg_pool (raw)")
        db.close()
        pool.close()

        async def run_async() -> dict[str, list[float]]:
            adb = typedb.connect_async(url, pool_min=10, pool_max=10)
            apool: AsyncConnectionPool[Any] = AsyncConnectionPool(
                url, min_size=10, max_size=10, kwargs={"autocommit": True}, open=False
            )
            await apool.open(wait=True)
            await tasks(lambda i: typedb_unit_async(adb, i), 20)
            await tasks(lambda i: raw_unit_async(apool, i), 20)
            out: dict[str, list[float]] = {
                "psycopg AsyncConnectionPool (raw)": [],
                "typedb AsyncDatabase": [],
            }
            for r in range(rounds):
                pair = [("psycopg AsyncConnectionPool (raw)", lambda i: raw_unit_async(apool, i)),
                        ("typedb AsyncDatabase", lambda i: typedb_unit_async(adb, i))]  # fmt: skip
                for name, unit in pair if r % 2 == 0 else pair[::-1]:
                    out[name].append(await tasks(unit, ops))
            await adb.close()
            await apool.close()
            return out

        report(
            f"PostgreSQL, {TASKS} asyncio tasks:",
            asyncio.run(run_async()),
            "psycopg AsyncConnectionPool (raw)",
        )
    finally:
        with typedb.connect(PG_URL) as admin:
            admin.raw(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]


def sqlite(rounds: int, ops: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="typedb-bench-"))
    times: dict[str, list[float]] = {"WAL": [], "rollback journal": []}
    for r in range(rounds):
        for mode in ("WAL", "rollback journal") if r % 2 == 0 else ("rollback journal", "WAL"):
            database_module.SQLITE_WAL = mode == "WAL"
            path = folder / f"{mode[0]}{r}.db"
            url = f"sqlite:///{path}"
            create_table(url)
            with typedb.connect(url) as db:
                times[mode].append(threaded(lambda i, db=db: typedb_unit(db, i), ops))
    database_module.SQLITE_WAL = True
    report(f"SQLite file, {THREADS} threads (typedb), journal mode:", times, "rollback journal")

    url = f"sqlite:///{folder / 'async.db'}"
    create_table(url)

    async def run_async() -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"typedb AsyncDatabase (worker threads)": []}
        adb = typedb.connect_async(url)
        try:
            import aiosqlite  # not a dependency: measured when present
        except ImportError:
            aiosqlite = None
        if aiosqlite is not None:
            out["aiosqlite, pool of 10 connections"] = []
        for r in range(rounds):
            # Alternate which goes first: the SQLite file grows and the machine drifts.
            order = ["typedb", "aiosqlite"] if r % 2 == 0 else ["aiosqlite", "typedb"]
            for name in order:
                if name == "typedb":
                    out["typedb AsyncDatabase (worker threads)"].append(
                        await tasks(lambda i: typedb_unit_async(adb, i), ops)
                    )
                elif aiosqlite is not None:
                    out["aiosqlite, pool of 10 connections"].append(
                        await _aiosqlite(aiosqlite, folder / "async.db", ops)
                    )
        await adb.close()
        return out

    report(
        f"SQLite file, {TASKS} asyncio tasks:",
        asyncio.run(run_async()),
        "aiosqlite, pool of 10 connections" if _has_aiosqlite() else None,
    )


def _has_aiosqlite() -> bool:
    try:
        import aiosqlite  # noqa: F401
    except ImportError:
        return False
    return True


async def _aiosqlite(aiosqlite: Any, path: Path, ops: int) -> float:
    """The same unit on aiosqlite, a pool of 10 connections shared by the tasks."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for _ in range(10):
        conn = await aiosqlite.connect(path, isolation_level=None, timeout=30)
        await conn.execute("PRAGMA foreign_keys = ON")
        queue.put_nowait(conn)

    async def unit(i: int) -> None:
        conn = await queue.get()
        try:
            await conn.execute("BEGIN")
            cur = await conn.execute(INSERT.replace("%s", "?"), (f"r{i}", i))
            new_id = (await cur.fetchone())[0]
            await (await conn.execute(BY_ID.replace("%s", "?"), (new_id,))).fetchall()
            await conn.execute("COMMIT")
        finally:
            queue.put_nowait(conn)
        conn = await queue.get()
        try:
            await (await conn.execute(TEN.replace("%s", "?"), (i % 50,))).fetchall()
        finally:
            queue.put_nowait(conn)

    result = await tasks(unit, ops)
    while not queue.empty():
        await queue.get_nowait().close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ops", type=int, default=150, help="units per thread per round")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    args = parser.parse_args()
    if args.only != "sqlite":
        postgres(args.rounds, args.ops)
    if args.only != "postgresql":
        sqlite(args.rounds, args.ops)


if __name__ == "__main__":
    sys.exit(main())
