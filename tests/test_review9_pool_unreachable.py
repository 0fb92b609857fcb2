"""Review of issue 9: when the pool cannot get a connection because the server refuses new
ones, the error gives the server's reason, not "all N are in use"; and the async pool does
not keep the drivers of connections it replaced."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest

import typedb
from typedb.connection._pools import PoolTimeoutError


@pytest.fixture
def login_role(pg_url: str) -> Iterator[tuple[str, typedb.Database]]:
    """PostgreSQL only (SQLite has no server to refuse a login): a role that can log in, the
    URL for it, and an admin database to take the login away."""
    role = f"rv9_{uuid.uuid4().hex[:8]}"
    with typedb.connect(pg_url) as admin:
        admin.raw(f"CREATE ROLE {role} LOGIN")  # type: ignore[arg-type]
        try:
            yield pg_url.replace("postgresql://postgres@", f"postgresql://{role}@"), admin
        finally:
            admin.raw(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role]
            )
            admin.raw(f"DROP ROLE {role}")  # type: ignore[arg-type]


def _refuse(admin: typedb.Database, url: str) -> None:
    """Take the role's login away and end its sessions, every one: a connection the pool was
    still opening (psycopg_pool opens them in the background) may have logged in before
    NOLOGIN and show in pg_stat_activity only after the first sweep. The async test once met
    such a connection alive under CI's load, and its statement ran."""
    role = url.split("//")[1].split("@")[0]
    admin.raw(f"ALTER ROLE {role} NOLOGIN")  # type: ignore[arg-type]
    sweep = "SELECT pg_terminate_backend(pid, 10000) AS ok FROM pg_stat_activity WHERE usename = %s"
    deadline = time.monotonic() + 10
    while admin.raw(sweep, [role]) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)
    assert admin.raw(sweep, [role]) == []


def test_a_server_refusing_connections_is_named_not_the_pool_size(
    login_role: tuple[str, typedb.Database],
) -> None:
    """Used to be PoolTimeoutError "all 10 are in use (raise pool_max...)" with none in use."""
    url, admin = login_role
    with typedb.connect(url, pool_timeout=1) as db:
        assert db.raw("SELECT 1 AS one") == [{"one": 1}]
        _refuse(admin, url)
        with pytest.raises(typedb.ConnectionError, match="not permitted to log in") as caught:
            db.raw("SELECT 1 AS one")
        assert not isinstance(caught.value, PoolTimeoutError)


def test_async_a_server_refusing_connections_is_named_not_the_pool_size(
    login_role: tuple[str, typedb.Database],
) -> None:
    url, admin = login_role

    async def main() -> None:
        async with typedb.connect_async(url, pool_timeout=1) as db:
            assert await db.raw("SELECT 1 AS one") == [{"one": 1}]
            _refuse(admin, url)
            with pytest.raises(typedb.ConnectionError, match="not permitted to log in") as caught:
                await db.raw("SELECT 1 AS one")
            assert not isinstance(caught.value, PoolTimeoutError)

    asyncio.run(main())


def test_async_replaced_connections_are_not_kept(pg_url: str) -> None:
    async def main() -> None:
        with typedb.connect(pg_url) as admin:
            async with typedb.connect_async(pg_url, pool_max=2) as db:
                for _ in range(6):
                    pid = (await db.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"]
                    admin.raw("SELECT pg_terminate_backend(%s)", [pid])
                    await asyncio.sleep(0.1)
                    for _attempt in range(2):  # the async pool may hand out the dead one once
                        try:
                            await db.raw("SELECT 1 AS one")
                            break
                        except typedb.QueryError:
                            pass
                drivers = db._pool._drivers.values()  # type: ignore[union-attr, attr-defined]
                assert sum(1 for d in drivers if d.conn.closed) == 0

    asyncio.run(main())
