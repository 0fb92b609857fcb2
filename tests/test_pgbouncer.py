"""Behind PgBouncer 1.18 in transaction mode (started by .ci/run on 127.0.0.1:6432): server-side
prepared statements are switchable (`?prepare=false`; `connect(url, prepare=False)` and
`[tool.typedb] prepare` plug into the same `PostgresDriver(url, prepare=)` argument), with no
error and no stale statement. The migrator lock is proven in test_migrator_concurrency.py,
which also runs through PgBouncer."""

from __future__ import annotations

import pytest
from conftest import PG_URL, through_pgbouncer

import typedb


def _interleaved(url: str, runs: int = 12) -> list[int]:
    """Two connections running the same statements in turn: past psycopg's prepare threshold
    (5 runs) each would PREPARE on whichever server session PgBouncer lent it."""
    got: list[int] = []
    with typedb.connect(url) as a, typedb.connect(url) as b:
        a.raw("CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        a.insert_into("counters").values({"id": 1, "n": 0}).execute()
        for i in range(runs):
            for db in (a, b):
                db.update_table("counters").set({"n": i}).where("id", "=", 1).execute()
                row = db.select_from("counters").select("n").where("id", "=", 1).execute()
                got.append(int(row[0]["n"]))
    return got


def test_prepare_false_runs_repeated_statements_through_pgbouncer(pgbouncer_user: str) -> None:
    assert _interleaved(through_pgbouncer(pgbouncer_user)) == [i for i in range(12) for _ in "ab"]


def test_with_prepared_statements_pgbouncer_1_18_breaks(pgbouncer_user: str) -> None:
    # Why the switch exists: psycopg prepares a statement run 5 times, on a server session
    # that PgBouncer then lends to the other client.
    with pytest.raises(typedb.QueryError, match="prepared statement"):
        _interleaved(through_pgbouncer(pgbouncer_user, prepare=True))


@pytest.mark.parametrize("prepare", [False, True])
def test_prepare_option_on_a_direct_connection(pg_schema_url: str, prepare: bool) -> None:
    url = f"{pg_schema_url}&prepare={str(prepare).lower()}"
    with typedb.connect(url) as db:
        for i in range(8):
            assert db.raw("SELECT %s::int AS i", [i]) == [{"i": i}]
        prepared = db.raw("SELECT count(*) AS n FROM pg_prepared_statements")
    # Off: nothing stays behind on the server session for the next client to trip over.
    assert (prepared[0]["n"] > 0) is prepare


def test_a_bad_prepare_value_is_a_clear_error() -> None:
    with pytest.raises(typedb.ConnectionError, match="prepare='maybe'"):
        typedb.connect(f"{PG_URL}?prepare=maybe")
