"""Bulk insert of 10,000 rows: typedb against raw psycopg COPY and raw sqlite3 executemany.

    python benchmarks/bulk_insert.py [--rows 10000] [--rounds 9]

Three tables: `narrow` (text, numeric, integer: the shape issue 9 measured), `typed` (eight
columns: text, numeric, integer, boolean, timestamptz, uuid, jsonb, nullable text) and
`ints` (text, integer, bigint: what typedb sends in COPY's binary format). Each round
runs every contender once, in rotating order, on an emptied table, so load from elsewhere on
the shared machine lands on all alike; the figure is the median over rounds, with the fastest
and slowest round, and the median of per-round ratios (drift between rounds cancels).

Baselines are what a user would write with the drivers alone, from rows already held as
tuples: psycopg `cursor.copy("COPY ... FROM STDIN")` + `write_row` (text format, the default;
one statement, so it needs no transaction; psycopg converts the values while writing);
sqlite3 `executemany` inside BEGIN/COMMIT, converting each value to what sqlite3 stores (str
for Decimal and UUID, ISO text for datetimes, JSON text) as part of the call, since sqlite3
cannot take them as they are; the same with the values converted beforehand is shown too.
typedb starts from the dicts an application holds and does all its work (checks, column
order, the COPY type check, SQLite's conversions) inside the timed call. For reference, other PostgreSQL ways are
timed too: COPY in binary format, `executemany` (psycopg 3 pipelines it), and typedb's INSERT
path (forced with `returning("id")`, which COPY cannot do).

Target (issue 9): typedb within 1.3x of raw COPY for 10,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

import typedb
from typedb.connection._postgres import configure

PG_URL = os.environ.get("TYPEDB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

TABLES: dict[str, dict[str, str]] = {
    "narrow": {"name": "text", "price": "numeric(10,2)", "qty": "integer"},
    "typed": {
        "name": "text",
        "price": "numeric(10,2)",
        "qty": "integer",
        "flag": "boolean",
        "at": "timestamptz",
        "ref": "uuid",
        "doc": "jsonb",
        "note": "text",
    },
    # Only text and integers: the columns typedb sends in COPY's binary format.
    "ints": {"name": "text", "qty": "integer", "total": "bigint"},
}
PG_BINARY_TYPES = {
    "narrow": ["text", "numeric", "int4"],
    "typed": ["text", "numeric", "int4", "bool", "timestamptz", "uuid", "jsonb", "text"],
    "ints": ["text", "int4", "int8"],
}


def make_rows(table: str, n: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = {"name": f"name {i}", "price": Decimal(i) / 100, "qty": i}
        if table == "ints":
            row = {"name": f"name {i}", "qty": i, "total": i * 1000}
        elif table == "typed":
            row |= {
                "flag": i % 2 == 0,
                "at": start + timedelta(seconds=i),
                "ref": uuid.UUID(int=i),
                "doc": {"i": i, "tags": ["a", "b"]},
                "note": None if i % 3 else f"note {i}",
            }
        rows.append(row)
    return rows


def for_sqlite3(value: Any) -> Any:
    """A value as a sqlite3 user converts it before executemany."""
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def create(db: typedb.Database, table: str) -> None:
    builder = db.schema.create_table(table).add_id_column()
    for name, data_type in TABLES[table].items():
        builder = builder.add_column(name, data_type)
    builder.execute()


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.1f} ms"


def run_rounds(
    jobs: dict[str, Callable[[], object]], reset: Callable[[], object], rounds: int
) -> dict[str, list[float]]:
    for job in jobs.values():  # warm up: imports, caches, server buffers
        reset()
        job()
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    items = list(jobs.items())
    for r in range(rounds):
        shift = r % len(items)
        for name, job in items[shift:] + items[:shift]:
            reset()
            start = time.perf_counter()
            job()
            samples[name].append(time.perf_counter() - start)
    return samples


def report(title: str, samples: dict[str, list[float]], baseline: str) -> dict[str, float]:
    print(title)
    base = samples[baseline]
    ratios: dict[str, float] = {}
    for name, times in samples.items():
        med = statistics.median(times)
        ratio = med / statistics.median(base)
        paired = statistics.median(t / b for t, b in zip(times, base, strict=True))
        ratios[name] = ratio
        print(
            f"  {name:<30} {ms(med)}  [{ms(min(times)).strip()} - {ms(max(times)).strip()}]"
            f"  ratio {ratio:5.2f} (paired {paired:4.2f})"
        )
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with typedb.connect(PG_URL) as admin:
        admin.raw(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]  # generated name
    sep = "&" if "?" in PG_URL else "?"
    pg_url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    tmp = Path(tempfile.mkdtemp(prefix="typedb-bench-"))
    try:
        pg = typedb.connect(pg_url)
        lite = typedb.connect(f"sqlite:///{tmp / 'bench.db'}")
        # The baselines open their own connections to the same databases, configured as
        # typedb's are (autocommit; the SQLite file in WAL mode, which typedb set on it).
        raw_pg: psycopg.Connection[Any] = psycopg.connect(pg_url, autocommit=True)
        configure(raw_pg)  # dict/list as JSON and UTC, as on typedb's own connections
        pg_cur = raw_pg.cursor()
        raw_lite = sqlite3.connect(tmp / "bench.db", isolation_level=None)
        lite_cur = raw_lite.cursor()
        print(f"{args.rows:,} rows, {args.rounds} rounds; median [fastest - slowest] per insert")
        summary: list[str] = []
        for table, columns in TABLES.items():
            for db in (pg, lite):
                create(db, table)
            rows = make_rows(table, args.rows)
            tuples = [tuple(r.values()) for r in rows]
            lite_tuples = [tuple(map(for_sqlite3, t)) for t in tuples]
            names = ", ".join(f'"{c}"' for c in columns)
            copy_sql = f'COPY "{table}" ({names}) FROM STDIN'
            insert_sql = (
                f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(["%s"] * len(columns))})'
            )

            def raw_copy(sql: str = copy_sql, data: list[tuple[Any, ...]] = tuples) -> None:
                with pg_cur.copy(sql) as copy:  # type: ignore[arg-type]
                    for row in data:
                        copy.write_row(row)

            def raw_copy_binary(
                sql: str = copy_sql, data: list[tuple[Any, ...]] = tuples, t: str = table
            ) -> None:
                with pg_cur.copy(sql + " (FORMAT BINARY)") as copy:  # type: ignore[arg-type]
                    copy.set_types(PG_BINARY_TYPES[t])
                    for row in data:
                        copy.write_row(row)

            def raw_executemany(
                sql: str = insert_sql, data: list[tuple[Any, ...]] = tuples
            ) -> None:
                with raw_pg.transaction():
                    pg_cur.executemany(sql, data)  # type: ignore[arg-type]

            def typedb_pg(t: str = table, data: list[dict[str, Any]] = rows) -> None:
                assert pg.insert_into(t).values(data).execute().num_inserted_rows == len(data)

            def typedb_pg_insert(t: str = table, data: list[dict[str, Any]] = rows) -> None:
                pg.insert_into(t).values(data).returning("id").execute()

            pg_samples = run_rounds(
                {
                    "psycopg COPY (baseline)": raw_copy,
                    "typedb": typedb_pg,
                    "psycopg COPY binary": raw_copy_binary,
                    "psycopg executemany": raw_executemany,
                    "typedb INSERT (returning id)": typedb_pg_insert,
                },
                lambda t=table: pg_cur.execute(f'TRUNCATE "{t}"'),  # type: ignore[misc]
                args.rounds,
            )
            pg_ratios = report(
                f"PostgreSQL, table {table} ({len(columns)} columns)",
                pg_samples,
                "psycopg COPY (baseline)",
            )

            qmarks = ", ".join(["?"] * len(columns))
            lite_sql = f'INSERT INTO "{table}" ({names}) VALUES ({qmarks})'

            def raw_sqlite(sql: str = lite_sql, data: list[tuple[Any, ...]] = tuples) -> None:
                lite_cur.execute("BEGIN")
                lite_cur.executemany(sql, (tuple(map(for_sqlite3, row)) for row in data))
                lite_cur.execute("COMMIT")

            def raw_sqlite_converted(
                sql: str = lite_sql, data: list[tuple[Any, ...]] = lite_tuples
            ) -> None:
                lite_cur.execute("BEGIN")
                lite_cur.executemany(sql, data)
                lite_cur.execute("COMMIT")

            def typedb_lite(t: str = table, data: list[dict[str, Any]] = rows) -> None:
                assert lite.insert_into(t).values(data).execute().num_inserted_rows == len(data)

            lite_samples = run_rounds(
                {
                    "sqlite3 executemany (baseline)": raw_sqlite,
                    "typedb": typedb_lite,
                    "sqlite3, values pre-converted": raw_sqlite_converted,
                },
                lambda t=table: lite_cur.execute(f'DELETE FROM "{t}"'),  # type: ignore[misc]
                args.rounds,
            )
            lite_ratios = report(
                f"SQLite, table {table}", lite_samples, "sqlite3 executemany (baseline)"
            )
            summary.append(
                f"  {table}: PostgreSQL typedb/COPY {pg_ratios['typedb']:.2f} (target <= 1.3), "
                f"SQLite typedb/executemany {lite_ratios['typedb']:.2f} "
                f"(/pre-converted {lite_ratios['typedb'] / lite_ratios['sqlite3, values pre-converted']:.2f})"
            )
        print("summary")
        print("\n".join(summary))
        for connection in (raw_pg, raw_lite, pg, lite):
            connection.close()
    finally:
        with typedb.connect(PG_URL) as admin:
            admin.raw(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
