"""Review of issue 9: connections the PostgreSQL pool replaced (killed by the server, or
recycled by psycopg_pool every hour) must not be kept by typedb for the process's life."""

from __future__ import annotations

import time

import typedb


def test_replaced_connections_are_not_kept(pg_url: str) -> None:
    """PostgreSQL only: SQLite has no server to end a session. Each killed connection used
    to stay in the pool's driver table, closed, with its cursor: a leak that grows by the
    pool size every hour of psycopg_pool's max_lifetime."""
    with typedb.connect(pg_url, pool_max=2) as db, typedb.connect(pg_url) as admin:
        for _ in range(6):
            pid = db.raw("SELECT pg_backend_pid() AS pid")[0]["pid"]
            admin.raw("SELECT pg_terminate_backend(%s)", [pid])
            time.sleep(0.1)  # past the recheck window: the pool notices and replaces it
            assert db.raw("SELECT 1 AS one") == [{"one": 1}]
        drivers = db._pool._drivers.values()  # type: ignore[attr-defined]
        assert sum(1 for d in drivers if d.conn.closed) == 0
        assert len(drivers) <= 2
