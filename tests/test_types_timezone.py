"""typedb's rule is UTC: a session time zone other than UTC must not shift any value (issue 8,
defect 4). PostgreSQL sessions get their zone from the server, the database, the role or the
URL; SQLite has none, and runs the same assertions as the reference."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import pytest

import typedb

NEW_YORK = "America/New_York"


def _with_options(url: str, extra: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["options"] = f"{query.get('options', '')} {extra}".strip()
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _schema_of(url: str) -> str:
    options = parse_qs(urlsplit(url).query)["options"][0]
    return options.split("search_path=", 1)[1].split()[0]


@pytest.fixture
def url_zone(db_url: str, backend: str) -> str:
    """The test database reached with a New York session zone set in the URL."""
    if backend == "sqlite":
        return db_url
    return _with_options(db_url, f"-c TimeZone={NEW_YORK}")


@pytest.fixture
def role_zone(db_url: str, backend: str) -> Iterator[str]:
    """The test database reached as a role whose own TimeZone setting is New York."""
    if backend == "sqlite":
        yield db_url
        return
    role = f"typedb_tz_{uuid.uuid4().hex[:12]}"
    schema = _schema_of(db_url)
    with typedb.connect(db_url) as admin:
        admin.raw(f"CREATE ROLE {role} LOGIN")  # type: ignore[arg-type]  # generated names
        admin.raw(f"ALTER ROLE {role} SET timezone = '{NEW_YORK}'")  # type: ignore[arg-type]
        admin.raw(f"GRANT ALL ON SCHEMA {schema} TO {role}")  # type: ignore[arg-type]
    parts = urlsplit(db_url)
    netloc = f"{role}@{parts.hostname}:{parts.port or 5432}"
    try:
        yield urlunsplit(parts._replace(netloc=netloc))
    finally:
        with typedb.connect(db_url) as admin:
            admin.raw(f"DROP OWNED BY {role}")  # type: ignore[arg-type]
            admin.raw(f"DROP ROLE {role}")  # type: ignore[arg-type]


def _holds_utc(url: str) -> None:
    with typedb.connect(url) as db:
        db.schema.create_table("events").add_id_column().add_column("ts", "timestamp").add_column(
            "tz", "timestamptz"
        ).add_timestamp_columns().execute()
        aware_noon = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
        naive_noon = datetime(2024, 6, 1, 12, 0)
        db.insert_into("events").values({"ts": aware_noon, "tz": naive_noon}).execute()
        row = db.select_from("events").select_all().execute_take_first_or_throw()
        # An aware 12:00Z into a timestamp column is 12:00 (UTC wall time), not 08:00.
        assert row["ts"] == naive_noon
        # A naive 12:00 into timestamptz means 12:00 UTC, and comes back in UTC.
        assert row["tz"] == aware_noon and row["tz"].utcoffset() == timedelta(0)
        # The "now" default is UTC: a row created just now is not in the future...
        now = datetime.now(UTC)
        hour = timedelta(hours=1)
        assert db.select_from("events").where("created_at", ">", now + hour).execute() == []
        assert db.select_from("events").where("created_at", ">", now - hour).execute() != []
        # ...whether the bound "now" is aware or naive UTC.
        naive_now = now.replace(tzinfo=None)
        assert db.select_from("events").where("created_at", ">", naive_now + hour).execute() == []
        assert db.select_from("events").where("created_at", "<", naive_now + hour).execute() != []
        # The default reads back as UTC wall time, within a minute of the client's clock.
        assert abs(row["created_at"] - naive_now) < timedelta(minutes=1)


def test_a_url_time_zone_shifts_nothing(url_zone: str) -> None:
    _holds_utc(url_zone)


def test_a_role_time_zone_shifts_nothing(role_zone: str) -> None:
    _holds_utc(role_zone)


def test_the_url_keeps_its_own_options(url_zone: str, backend: str) -> None:
    # The UTC option is added to the URL's options (here search_path), not put in their place.
    if backend != "postgresql":
        pytest.skip("startup options are PostgreSQL's")
    with typedb.connect(url_zone) as db:
        row = db.raw("SELECT current_setting('TimeZone') AS tz, current_schema() AS s")[0]
    assert row == {"tz": "UTC", "s": _schema_of(url_zone)}


def test_utc_holds_behind_pgbouncer(pgbouncer_user: str) -> None:
    # PgBouncer refuses a startup `options` (which the old code sent), and in transaction mode
    # each statement may land on another server session: UTC must hold on every one of them.
    from tests.conftest import PG_URL, through_pgbouncer

    with typedb.connect(PG_URL) as admin:
        admin.raw(f"ALTER ROLE {pgbouncer_user} SET timezone = '{NEW_YORK}'")  # type: ignore[arg-type]
    noon = datetime(2024, 1, 1, 12, tzinfo=UTC)
    with typedb.connect(through_pgbouncer(pgbouncer_user), pool_max=4) as db:
        db.schema.create_table("t").add_column("at", "timestamptz").add_column(
            "naive", "timestamp"
        ).execute()
        db.insert_into("t").values({"at": noon.replace(tzinfo=None), "naive": noon}).execute()
        zones = {db.raw("SELECT current_setting('TimeZone') AS tz")[0]["tz"] for _ in range(30)}
        assert zones == {"UTC"}
        row = db.select_from("t").select("at", "naive").execute()[0]
    assert row == {"at": noon, "naive": noon.replace(tzinfo=None)}
