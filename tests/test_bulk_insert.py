"""Bulk inserts (more rows than one INSERT chunk): PostgreSQL takes COPY, and must store,
count, fail and roll back exactly as the INSERT path does. Every test runs on SQLite and
PostgreSQL unless it is about COPY itself.
"""

from __future__ import annotations

import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from _statement_log import log_statements, statements

import typedb
from typedb.query._insert import CHUNK_ROWS

pytestmark = pytest.mark.pgbouncer  # the PostgreSQL tests run through PgBouncer too

N = CHUNK_ROWS * 2 + 7  # three INSERT chunks: the bulk path on every backend


@pytest.fixture
def people(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("people").add_id_column().add_column(
        "email", "text", lambda c: c.not_null()
    ).add_column("name", "text", lambda c: c.not_null().default_to("anon")).add_column(
        "visits", "integer", lambda c: c.default_to(0)
    ).add_column(
        "created_at",
        "timestamp",
        lambda c: c.not_null().default_to(typedb.sql("CURRENT_TIMESTAMP")),
    ).add_unique_constraint("uq_mail", ["email"]).execute()
    return db


def emails(db: typedb.Database) -> list[str]:
    return [r["email"] for r in db.select_from("people").select("email").order_by("id").execute()]


def test_bulk_insert_stores_every_row_and_counts_them(people: typedb.Database) -> None:
    rows = [{"email": f"{i}@x", "name": f"n{i}", "visits": i} for i in range(N)]
    result = people.insert_into("people").values(rows).execute()
    assert result.num_inserted_rows == N and result.rows == []
    got = people.select_from("people").select("email", "name", "visits").order_by("id").execute()
    assert got == rows


def test_postgresql_bulk_insert_is_one_copy(pg_url: str) -> None:
    with typedb.connect(pg_url) as db:
        db.raw("CREATE TABLE people (id serial PRIMARY KEY, email text NOT NULL, at timestamp)")
        log_statements(db)
        rows = [{"email": f"{i}@x"} for i in range(N)]
        assert db.insert_into("people").values(rows).execute().num_inserted_rows == N
        assert statements(db) == ["COPY"]
        # Asking rows back, or few rows, keeps INSERT (chunked, as before).
        db.raw("DELETE FROM people_log")
        db.insert_into("people").values(rows).returning("id").execute()
        db.insert_into("people").values(rows[:3]).execute()
        assert statements(db) == ["INSERT"] * 4
        # In a session zone Python cannot name, naive datetimes still COPY; aware ones,
        # which would need converting to that zone, keep INSERT.
        db.raw("SELECT set_config('TimeZone', '<+0530>-05:30', false)")
        db.raw("DELETE FROM people_log")
        naive = datetime(2024, 1, 1, 12, 0)
        db.insert_into("people").values([{"email": "n", "at": naive}] * N).execute()
        aware = naive.replace(tzinfo=UTC)
        db.insert_into("people").values([{"email": "a", "at": aware}] * N).execute()
        assert statements(db) == ["COPY"] + ["INSERT"] * 3


def test_the_copy_and_the_catalog_query_it_relies_on_are_one_transaction(
    people: typedb.Database, backend: str
) -> None:
    # COPY is used on what one catalog query says about the table. Behind a pooler in
    # transaction mode, two transactions of one client can run on two server sessions (with
    # their own temporary tables, search_path, time zone): the two must be one transaction.
    # In an implicit one-statement transaction, transaction_timestamp() is the statement's
    # start; in a transaction begun before the catalog query, it is earlier.
    if backend == "sqlite":
        pytest.skip("COPY is PostgreSQL's")
    log_statements(people)
    people.raw("ALTER TABLE people_log ADD COLUMN same_start boolean")
    people.raw(
        "CREATE OR REPLACE FUNCTION people_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO people_log (q, same_start) VALUES "
        "(current_query(), transaction_timestamp() = statement_timestamp()); "
        "RETURN NULL; END $$"
    )
    people.insert_into("people").values([{"email": f"{i}@x"} for i in range(N)]).execute()
    assert statements(people) == ["COPY"]
    assert people.raw("SELECT same_start FROM people_log") == [{"same_start": False}]


def test_a_bad_row_in_the_middle_leaves_nothing(people: typedb.Database) -> None:
    rows = [{"email": f"{i}@x"} for i in range(N)]
    rows[N // 2] = {"email": "0@x"}  # duplicates row 0
    with pytest.raises(typedb.IntegrityError) as err:
        people.insert_into("people").values(rows).execute()
    assert "people" in str(err.value)  # the table at fault, not only the constraint's name
    assert emails(people) == []
    # NOT NULL: the same, and the connection goes on working.
    rows[N // 2] = {"email": None}
    with pytest.raises(typedb.IntegrityError):
        people.insert_into("people").values(rows).execute()
    assert emails(people) == []
    people.insert_into("people").values({"email": "after"}).execute()
    assert emails(people) == ["after"]


def test_a_failed_bulk_insert_inside_a_transaction_undoes_only_itself(
    people: typedb.Database,
) -> None:
    rows = [{"email": f"{i}@x"} for i in range(N)]
    with people.transaction() as trx:
        trx.insert_into("people").values({"email": "before"}).execute()
        with pytest.raises(typedb.IntegrityError):
            trx.insert_into("people").values([*rows, {"email": "before"}]).execute()
        # As with INSERT chunks, the bulk insert ran in its own savepoint: the
        # transaction goes on and commits what else it did.
        trx.insert_into("people").values({"email": "after"}).execute()
    assert emails(people) == ["before", "after"]


def test_a_bulk_insert_is_rolled_back_with_its_transaction(people: typedb.Database) -> None:
    rows = [{"email": f"{i}@x"} for i in range(N)]
    with pytest.raises(RuntimeError), people.transaction() as trx:
        assert trx.insert_into("people").values(rows).execute().num_inserted_rows == N
        assert len(emails(trx)) == N
        raise RuntimeError("undo")
    assert emails(people) == []


def test_rows_with_different_columns_get_the_defaults_of_the_columns_they_leave_out(
    people: typedb.Database,
) -> None:
    full = [{"email": f"f{i}@x", "name": "named", "visits": 7} for i in range(N)]
    bare = [{"email": f"b{i}@x"} for i in range(N)]
    half = [{"email": f"h{i}@x", "visits": 3} for i in range(3)]
    result = people.insert_into("people").values([*full, *bare, *half]).execute()
    assert result.num_inserted_rows == 2 * N + 3
    got = people.select_from("people").select("email", "name", "visits").order_by("id").execute()
    assert got[:N] == [{"email": r["email"], "name": "named", "visits": 7} for r in full]
    assert got[N : 2 * N] == [{"email": r["email"], "name": "anon", "visits": 0} for r in bare]
    assert got[2 * N :] == [{"email": r["email"], "name": "anon", "visits": 3} for r in half]
    assert all(
        isinstance(r["created_at"], datetime) for r in people.select_from("people").execute()
    )
    # The last run fails: the runs before it are gone too.
    with pytest.raises(typedb.IntegrityError):
        people.insert_into("people").values([*bare[:1], *[{"email": "new"}] * 2]).execute()
    assert len(emails(people)) == 2 * N + 3


TYPES = {
    "b": "boolean",
    "i": "bigint",
    "f": "double precision",
    "d": "numeric(10,2)",
    "dt": "date",
    "tm": "time",
    "ts": "timestamp",
    "tz": "timestamptz",
    "u": "uuid",
    "j": "json",
    "jb": "jsonb",
    "by": "bytea",
    "s": "text",
}
EAST = timezone(timedelta(hours=5, minutes=30))


def typed_row(i: int) -> dict[str, Any]:
    return {
        "b": i % 2 == 0,
        "i": 2**62 + i,
        "f": i / 4,
        "d": Decimal(i) / 100,
        "dt": date(2024, 2, 29) + timedelta(days=i),
        "tm": time(23, 59, 58, i),
        # Aware into `timestamp`: INSERT converts the instant; COPY must not drop the offset.
        "ts": datetime(2024, 2, 29, 12, 30, 45, i, tzinfo=EAST),
        "tz": datetime(2024, 2, 29, 12, 30, 45, i, tzinfo=EAST),
        "u": UUID(int=i),
        "j": {"a": [1, 2.5, "x\t\n\\", None, True], "i": i},
        "jb": [{"x": i}, "two"],
        "by": bytes([0, 1, 255, i % 256]) + b"\\\t\n",
        "s": (None, "", f"tab\there\nnewline \\N back\\slash {i}")[i % 3],
    }


def test_bulk_insert_stores_each_type_exactly_as_insert_does(db: typedb.Database) -> None:
    bulk_and_single_agree(db)


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "<+0530>-05:30"])
def test_postgresql_bulk_insert_follows_the_session_time_zone(pg_url: str, zone: str) -> None:
    with typedb.connect(pg_url) as db:
        db.raw("SELECT set_config('TimeZone', %s, false)", [zone])
        bulk_and_single_agree(db)


def bulk_and_single_agree(db: typedb.Database) -> None:
    """Every type, NULLs and awkward text included, read back the same from a bulk insert
    as from one-row INSERTs."""
    for table in ("bulk", "single"):
        create = db.schema.create_table(table).add_id_column()
        for name, data_type in TYPES.items():
            create = create.add_column(name, data_type)
        create.execute()
    rows = [typed_row(i) for i in range(N)]
    rows[5] = dict.fromkeys(TYPES)
    assert db.insert_into("bulk").values(rows).execute().num_inserted_rows == N
    for row in rows[:40]:  # one at a time: the INSERT path
        db.insert_into("single").values(row).execute()
    bulk = db.select_from("bulk").select(*TYPES).order_by("id").execute()
    single = db.select_from("single").select(*TYPES).order_by("id").execute()
    assert bulk[:40] == single
    for got, sent in zip(bulk[6:40], rows[6:40], strict=True):
        for name in ("b", "i", "f", "d", "dt", "tm", "tz", "u", "j", "jb", "by", "s"):
            assert got[name] == sent[name], name
    assert bulk[5] == dict.fromkeys(TYPES)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("visits", Decimal("1.6")),  # INSERT rounds into an integer; COPY would refuse
        ("visits", 2.5),
        ("flag", 1),  # INSERT refuses an int for a boolean; COPY would take it
        ("name", True),  # INSERT writes 'true'; COPY would write 't'
        ("doc", 5),  # INSERT refuses an int for jsonb; COPY would take it as JSON
        ("day", datetime(2024, 1, 2, 23, 0)),  # INSERT truncates to the date
        ("amount", 1 / 3),  # INSERT keeps 15 digits of a float in a numeric; COPY 16
    ],
)
def test_postgresql_values_copy_would_read_otherwise_go_through_insert(
    pg_url: str, column: str, value: object
) -> None:
    with typedb.connect(pg_url) as db:
        db.raw(
            "CREATE TABLE single "
            "(visits integer, flag boolean, name text, doc jsonb, day date, amount numeric)"
        )
        db.raw("CREATE TABLE bulk (LIKE single)")
        outcomes: list[object] = []
        for table, rows in (("single", [{column: value}]), ("bulk", [{column: value}] * N)):
            try:
                db.insert_into(table).values(rows).execute()
                outcomes.append(db.select_from(table).select(column).execute()[0][column])
            except typedb.QueryError as exc:
                outcomes.append(type(exc))
        assert outcomes[0] == outcomes[1]


def test_postgresql_bulk_insert_where_copy_does_not_apply(pg_url: str) -> None:
    """Views, rules and GENERATED ALWAYS columns keep INSERT and its behaviour; a missing
    table is reported as INSERT reports it."""
    with typedb.connect(pg_url) as db:
        db.raw("CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY, email text)")
        db.raw("CREATE VIEW people_view AS SELECT email FROM people")
        rows = [{"email": f"{i}@x"} for i in range(N)]
        assert db.insert_into("people_view").values(rows).execute().num_inserted_rows == N
        with pytest.raises(typedb.QueryError, match="GENERATED ALWAYS"):
            db.insert_into("people").values([{"id": i, "email": "x"} for i in range(N)]).execute()
        db.raw("CREATE TABLE audit (email text)")
        db.raw(
            "CREATE RULE people_audit AS ON INSERT TO people "
            "DO ALSO INSERT INTO audit VALUES (NEW.email)"
        )
        db.insert_into("people").values(rows).execute()
        assert len(db.select_from("audit").execute()) == N
        with pytest.raises(typedb.QueryError, match="does not exist"):
            db.insert_into("nowhere").values(rows).execute()


def test_a_value_that_cannot_be_sent_fails_the_whole_bulk_insert(db: typedb.Database) -> None:
    db.schema.create_table("docs").add_id_column().add_column("doc", "jsonb").execute()
    rows: list[dict[str, Any]] = [{"doc": {"i": i}} for i in range(N)]
    rows[N - 2] = {"doc": {"bad": float("nan")}}  # not JSON: refused while rows are sent
    with pytest.raises(typedb.CompileError, match="JSON"):
        db.insert_into("docs").values(rows).execute()
    with db.transaction() as trx:
        trx.insert_into("docs").values({"doc": {"i": -1}}).execute()
        with pytest.raises(typedb.CompileError, match="JSON"):
            trx.insert_into("docs").values(rows).execute()
    assert db.select_from("docs").select("doc").execute() == [{"doc": {"i": -1}}]


def test_bulk_rows_are_checked_row_by_row(people: typedb.Database) -> None:
    rows: list[dict[str, Any]] = [{"email": f"{i}@x", "visits": i} for i in range(N)]
    nul = [*rows[:700], {"email": "a\x00b", "visits": 1}, *rows[700:]]
    with pytest.raises(typedb.CompileError, match=r"'email'.*row 700.*NUL"):
        people.insert_into("people").values(nul)
    mixed: list[Any] = [*rows[:100], {"email": 5, "visits": "x\x00"}]  # text among ints
    with pytest.raises(typedb.CompileError, match=r"'visits'.*row 100.*NUL"):
        people.insert_into("people").values(mixed)
    with pytest.raises(typedb.CompileError, match="row 9 is not a dict"):
        people.insert_into("people").values([*rows[:9], ["email"], *rows[9:]])
    extra = [*rows[:600], {"email": "e@x", "visits": 1, "name": "E"}, *rows[600:]]
    assert people.insert_into("people").values(extra).execute().num_inserted_rows == N + 1
    got = people.select_from("people").select("name").where("email", "=", "e@x").execute()
    assert got == [{"name": "E"}]


# Values where COPY's text could store something else than INSERT: ints beyond the column's
# range (psycopg's binary int4 dumper, once used here, wrapped 2**31 to -2**31 where INSERT
# refuses it); numeric ones: rounding to the scale, overflow, negative zero, NaN (psycopg's
# binary dumper would store Decimal("-NaN") as NaN where INSERT refuses it).
EDGE_CASES: dict[str, list[object]] = {
    "text": ["", "é \t\n\\N \\ x", "a" * 5000, None],
    "smallint": [0, -(2**15), 2**15 - 1, 2**15, -(2**15) - 1, None],
    "integer": [0, -(2**31), 2**31 - 1, 2**31, -(2**31) - 1, 2**40, None],
    "bigint": [0, -(2**63), 2**63 - 1, 2**63, -(2**63) - 1, None],
    "numeric(10,2)": [
        *map(
            Decimal,
            ["1.005", "0.125", "-0.125", "12345678.999", "-0", "-0.00", "1E+5", "1E+8", "1E-30"],
        ),
        *map(Decimal, ["NaN", "Infinity", "-Infinity"]),
        *(5, -7, 10**8, 2**70, None),
    ],
    "numeric": [
        *map(
            Decimal, ["1.23456789012345678901234567890", "-0", "-0E+3", "1E+30", "1E-30", "1E-1000"]
        ),
        *map(
            Decimal,
            ["1E-1001", "1.000", "NaN", "-NaN", "sNaN", "-sNaN", "NaN12", "Infinity", "-Infinity"],
        ),
        *(0, -(2**70), 10**1000, None),
    ],
}


@pytest.mark.parametrize("data_type", list(EDGE_CASES))
def test_postgresql_bulk_insert_stores_each_edge_value_as_insert_does(
    pg_url: str, data_type: str
) -> None:
    """Value by value: what one-row INSERTs store (as the server's text of it) or refuse
    (the error's class), a bulk insert of that value stores or refuses alike."""
    with typedb.connect(pg_url) as db:
        db.raw(f"CREATE TABLE single (k integer, v {data_type})")
        db.raw("CREATE TABLE bulk (LIKE single)")
        for value in EDGE_CASES[data_type]:
            outcomes: list[object] = []
            for table, rows in (
                ("single", [{"k": 0, "v": value}]),
                ("bulk", [{"k": i, "v": value} for i in range(N)]),
            ):
                db.raw(f"TRUNCATE {table}")
                try:
                    db.insert_into(table).values(rows).execute()
                    stored = db.raw(f"SELECT DISTINCT v::text AS v FROM {table}")
                    outcomes.append([r["v"] for r in stored])
                except typedb.QueryError as exc:
                    outcomes.append(type(exc))
            assert outcomes[0] == outcomes[1], value


def test_postgresql_bulk_insert_of_only_text_and_integers_copies_in_text(
    pg_url: str,
) -> None:
    """Text and integer columns go in COPY's text format (typedb's own formatting of it
    measured faster than psycopg's binary dumpers), an int past the column's range is
    refused as INSERT refuses it, and a bad row is named by table and line."""
    with typedb.connect(pg_url) as db:
        db.raw("CREATE TABLE people (email text UNIQUE, visits integer, spent bigint)")
        log_statements(db)
        rows = [{"email": f"{i}@x", "visits": i, "spent": None} for i in range(N)]
        db.insert_into("people").values(rows).execute()
        db.raw("TRUNCATE people")
        with pytest.raises(typedb.QueryError, match="out of range"):
            db.insert_into("people").values([*rows[:-1], {**rows[-1], "visits": 2**31}]).execute()
        db.raw("TRUNCATE people")
        # Text for an integer column: its input function reads it, in the text format.
        db.insert_into("people").values([{**r, "visits": "7"} for r in rows]).execute()
        db.raw("TRUNCATE people")
        with pytest.raises(typedb.IntegrityError, match=f"COPY people, line {N}"):
            db.insert_into("people").values([*rows[:-1], rows[0]]).execute()
        logged = queries(db)
        assert [q.split()[0] for q in logged] == ["COPY", "COPY"]
        assert not [q for q in logged if "BINARY" in q.upper()], logged


def queries(db: typedb.Database) -> list[str]:
    return [r["q"] for r in db.raw("SELECT q FROM people_log ORDER BY n")]


def awkward_narrow_row(i: int, nan: bool = True) -> dict[str, Any]:
    """Text, numeric and integer (the shape typedb formats COPY's text itself for), with
    what needs escaping, NULLs and NaN only in some rows, so some chunks of COPY data have
    them and others not. `nan=False`: no NaN, infinity or int past 64 bits (SQLite refuses them)."""
    text = f"n{i}"
    if i == 1200:
        text = "tab\there\nnew\rline back\\slash \\N \b\v\f é"
    elif i == 1201:
        text = "None"  # the text, not NULL
    elif i == 1202:
        text = ""
    elif i == 2500:  # in a chunk of its own: no tab or newline to give it away
        text = "back\\slash \\N"
    price: Decimal | int | None = Decimal(i) / 100
    if i in (7, 2300):
        price = None
    elif i == 1500 and nan:
        price = Decimal("NaN")
    elif i == 1501 and nan:
        price = Decimal("-Infinity")
    elif i == 1502:
        price = 10**20 if nan else 10**15
    return {"name": text, "price": price, "qty": None if i == 2999 else -i}


def test_bulk_insert_of_text_numbers_and_nulls_stores_what_inserts_store(
    db: typedb.Database, backend: str
) -> None:
    for table in ("bulk", "single"):
        db.schema.create_table(table).add_id_column().add_column("name", "text").add_column(
            "price", "numeric"
        ).add_column("qty", "integer").execute()
    rows = [awkward_narrow_row(i, nan=backend != "sqlite") for i in range(3001)]
    assert db.insert_into("bulk").values(rows).execute().num_inserted_rows == len(rows)
    picked = [0, 7, 1200, 1201, 1202, 1500, 1501, 1502, 2300, 2500, 2999, 3000]
    for i in picked:
        db.insert_into("single").values(rows[i]).execute()
    columns = ("name", "price", "qty")
    bulk = db.select_from("bulk").select(*columns).order_by("id").execute()
    single = db.select_from("single").select(*columns).order_by("id").execute()
    assert [repr(bulk[i]) for i in picked] == list(map(repr, single))  # NaN != NaN
    if backend != "sqlite":
        nan = bulk[1500]["price"]
        assert isinstance(nan, Decimal) and nan.is_nan()
    assert [r["name"] for r in bulk[1200:1203]] == [rows[1200]["name"], "None", ""]


def test_postgresql_copy_text_is_what_psycopg_writes(pg_url: str) -> None:
    """typedb writes COPY's text format itself for text and numbers: byte for byte what
    psycopg's write_row sends, escapes, NULLs, NaN spellings and chunk edges included."""
    import psycopg

    try:  # what write_row calls: psycopg 3.2 moved it out of psycopg.copy
        from psycopg._copy_base import format_row_text
    except ImportError:  # psycopg 3.1, the oldest pyproject allows
        from psycopg.copy import format_row_text  # type: ignore[attr-defined,no-redef]
    from psycopg.adapt import Transformer

    from typedb.connection import _pg_copy

    rows = [tuple(awkward_narrow_row(i).values()) for i in range(_pg_copy.PAYLOAD_ROWS + 9)]
    rows += [
        ("", 0.1, 0),
        ("x", float("inf"), -(2**70)),
        ("y", float("-nan"), 2**70),
        ("z", -0.0, None),
        *((s, Decimal(d), 1) for s in ("\\", "\t") for d in ("sNaN", "-NaN", "-sNaN", "-0")),
    ]
    # Each escaped character alone in its data: nothing else gives it away.
    cases = [rows, *([(f"a{c}b", Decimal(1), 1)] for c in "\\\t\n\r\b\v\f")]
    with psycopg.connect(pg_url.split("?")[0]) as conn:
        transformer = Transformer(conn)
        for case in cases:
            expected = bytearray()
            for row in case:
                format_row_text(row, transformer, expected)
            kinds = [set(map(type, column)) for column in zip(*case, strict=True)]
            payload = _pg_copy.text_payload(case, kinds, _pg_copy._text_dumper(conn))
            assert payload is not None
            assert b"".join(payload) == bytes(expected)
    # Rows as lists are formatted as tuples (`%` would take a list for one value).
    assert b"".join(_pg_copy.text_payload([["a"], ("b",)], [{str}], str) or []) == b"a\nb\n"
    # Any other type (here a bool) leaves the rows to write_row.
    assert _pg_copy.text_payload([(True,)], [{bool}], str) is None


def _runs_of_rows(duplicate: bool) -> list[dict[str, Any]]:
    """Three runs of different keys: N rows, 3 rows, N rows; with `duplicate`, the last run
    repeats an email of the first at its row 508."""
    rows: list[dict[str, Any]] = [{"email": f"a{i}@x"} for i in range(N)]
    rows += [{"email": f"b{i}@x", "visits": i} for i in range(3)]
    rows += [{"email": f"c{i}@x", "name": f"n{i}", "visits": -i} for i in range(N)]
    if duplicate:
        rows[N + 3 + 507]["email"] = "a5@x"
    return rows


def test_bulk_rows_in_runs_are_all_or_nothing_and_store_the_same_on_both(
    people: typedb.Database, backend: str
) -> None:
    """On PostgreSQL each big run is a COPY of its columns and the small one INSERTs, all in
    one transaction: a unique violation in the last run leaves nothing of the first (alone
    and inside a transaction, where only the insert is undone). Both backends then store
    the same rows, the columns left out taking their defaults."""
    if backend == "postgresql":
        log_statements(people)
    with pytest.raises(typedb.IntegrityError, match="people"):
        people.insert_into("people").values(_runs_of_rows(duplicate=True)).execute()
    assert emails(people) == []
    with people.transaction() as trx:
        trx.insert_into("people").values({"email": "kept@x"}).execute()
        with pytest.raises(typedb.IntegrityError, match="people"):
            trx.insert_into("people").values(_runs_of_rows(duplicate=True)).execute()
    assert emails(people) == ["kept@x"]
    rows = _runs_of_rows(duplicate=False)
    assert people.insert_into("people").values(rows).execute().num_inserted_rows == 2 * N + 3
    got = people.select_from("people").select("email", "name", "visits").order_by("id").execute()
    expected = [{"email": "kept@x", "name": "anon", "visits": 0}]
    expected += [{"name": "anon", "visits": 0, **row} for row in rows]
    assert got == expected
    if backend == "postgresql":
        # The failed inserts logged nothing (rolled back); the good one: COPY, INSERT, COPY.
        assert statements(people) == ["INSERT", "COPY", "INSERT", "COPY"]


def _wait_for_a_lock_waiter(db: typedb.Database) -> None:
    for _ in range(400):
        waiting = db.raw(
            "SELECT count(*) AS n FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        if waiting[0]["n"]:
            return
        clock.sleep(0.025)
    raise AssertionError("the bulk insert never waited for the lock")


@pytest.mark.parametrize("hold", ["alter", "lock"])
def test_postgresql_bulk_insert_waits_for_a_concurrent_alter_and_sees_the_new_type(
    pg_url: str, hold: str
) -> None:
    """The catalog read that decides COPY waits behind another session's ALTER TABLE (or
    ACCESS EXCLUSIVE lock), then reads the committed column type: ints into a column made
    `boolean` are refused, as INSERT refuses them, where COPY read from the old catalog
    would store `1` as true."""
    with typedb.connect(pg_url) as db, typedb.connect(pg_url) as other:
        # A numeric column keeps COPY's text format, where "1" reads as a boolean's true.
        db.raw("CREATE TABLE flags (id serial PRIMARY KEY, n integer, price numeric)")
        rows = [{"n": i % 2, "price": Decimal("1.5")} for i in range(N)]
        outcome: list[object] = []

        def bulk() -> None:
            with typedb.connect(pg_url) as mine:
                try:
                    outcome.append(mine.insert_into("flags").values(rows).execute())
                except typedb.TypedbError as exc:
                    outcome.append(exc)

        with other.transaction() as trx:
            if hold == "lock":
                trx.raw("LOCK TABLE flags IN ACCESS EXCLUSIVE MODE")
            trx.raw("ALTER TABLE flags ALTER COLUMN n TYPE boolean USING n <> 0")
            worker = threading.Thread(target=bulk)
            worker.start()
            _wait_for_a_lock_waiter(db)
            assert outcome == []  # still waiting behind the open transaction
        worker.join(30)
        assert not worker.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], typedb.QueryError), outcome
        assert "boolean" in str(outcome[0])
        with pytest.raises(typedb.QueryError, match="boolean"):  # what INSERT does
            db.insert_into("flags").values(rows[:2]).execute()
        assert db.raw("SELECT count(*) AS n FROM flags")[0]["n"] == 0


def test_a_deferred_constraint_failing_at_commit_leaves_nothing(db: typedb.Database) -> None:
    """The COPY stores every row; the COMMIT that ends the bulk insert's own transaction
    refuses them (a deferred foreign key): an IntegrityError, nothing stored, and the
    connection runs the next statements (test from bulk16)."""
    db.raw("CREATE TABLE parents (id integer PRIMARY KEY)")
    db.raw(
        "CREATE TABLE children (id integer PRIMARY KEY, parent_id integer "
        "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    db.raw("INSERT INTO parents (id) VALUES (1)")
    rows = [{"id": i, "parent_id": 1} for i in range(N)]
    orphans = [*rows[:-1], {"id": N, "parent_id": 2}]
    for _ in range(2):
        with pytest.raises(typedb.IntegrityError):
            db.insert_into("children").values(orphans).execute()
        assert db.raw("SELECT count(*) AS n FROM children") == [{"n": 0}]
        assert not db.in_transaction
    assert db.insert_into("children").values(rows).execute().num_inserted_rows == N
