"""Review 18: `values()` keeping many rows as one list per column (`ColumnRows`) and bulk COPY
always in the text format. Each test is a defect found in that change (or next to it) that
failed before its fix; see each test's docstring.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

import typedb
from typedb.query._insert import CHUNK_ROWS

pytestmark = pytest.mark.pgbouncer  # the PostgreSQL tests run through PgBouncer too

N = CHUNK_ROWS * 2 + 7  # more rows than one INSERT chunk: COPY on PostgreSQL


def _with(url: str, parameter: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


# PostgreSQL's client-only encodings whose two-byte characters can end in an ASCII byte
# (here 0x5C, the backslash): one such character each, as Python's codec writes it.
EMBEDDING_ASCII = {
    "SJIS": "ソ",  # 0x83 0x5C
    "SHIFT_JIS_2004": "ソ",
    "BIG5": "功",  # 0xA5 0x5C
    "GBK": "乗",  # 0x81 0x5C
    "GB18030": "乗",
}  # (JOHAB too, but PostgreSQL's JOHAB refuses a trailing byte below 0xA1 anyway)


@pytest.mark.parametrize("encoding", list(EMBEDDING_ASCII))
@pytest.mark.parametrize("other", ["integer", "numeric", "uuid"])
def test_postgresql_bulk_insert_in_a_client_encoding_that_embeds_ascii_stores_the_text(
    pg_url: str, encoding: str, other: str
) -> None:
    """With client_encoding SJIS (SHIFT_JIS_2004, BIG5, GBK, GB18030), COPY's text went through
    psycopg's write_row, which escapes the bytes it sends: the backslash byte inside "ソ"
    (0x83 0x5C) was doubled, and the server, reading 0x83 0x5C as the character, took the
    second 0x5C as an escape of what followed: "ソn" was stored as "ソ" and a newline, "ソ" at
    a row's end failed the COPY. A table of text and integers did not meet this while it
    went in COPY's binary format; it does since COPY is always text. The values must be
    stored as a one-row INSERT stores them (escaped as characters, then encoded, or INSERT)."""
    char = EMBEDDING_ASCII[encoding]
    values = [f"{char}n", char, f"{char}\t{char}\\", f"a{char}b"]
    extra: dict[str, Any] = {
        "integer": 7,
        "numeric": Decimal("1.5"),
        "uuid": UUID(int=3),
    }
    with typedb.connect(_with(pg_url, f"client_encoding={encoding}")) as db:
        assert db.raw("SHOW client_encoding") == [{"client_encoding": encoding}]
        db.raw(f"CREATE TABLE single (k integer, v text, w {other})")  # type: ignore[arg-type]
        db.raw("CREATE TABLE bulk (LIKE single)")
        for value in values:
            row = {"v": value, "w": extra[other]}
            db.insert_into("single").values({"k": 0, **row}).execute()
            db.insert_into("bulk").values([{"k": i, **row} for i in range(N)]).execute()
            single = db.raw("SELECT v FROM single")
            bulk = db.raw("SELECT DISTINCT v FROM bulk")
            if encoding != "SHIFT_JIS_2004" or "\\" not in value:
                # (PostgreSQL reads SHIFT_JIS_2004's 0x5C as the yen sign, Python as "\\")
                assert single == [{"v": value}], (value, single)
            assert bulk == single, (value, bulk)
            db.raw("TRUNCATE single, bulk")


def test_bulk_insert_of_unencodable_text_names_its_position_in_the_value(
    db: typedb.Database,
) -> None:
    """A lone surrogate is refused before it reaches the database, with its position in the
    value, as for one row. COPY's text format (now also for a table of text and integers,
    which went in binary before) encodes 2,000 rows' text at once, and the message gave the
    position in that text ("at position 5939" for the 1,007th row of `k, v`)."""
    db.raw("CREATE TABLE u (k integer, v text)")
    for n in (1, N):
        rows = [{"k": i, "v": "ab\ud800" if i == n - 1 else "x"} for i in range(n)]
        with pytest.raises(typedb.CompileError, match=r"'\\ud800' at position 2 cannot"):
            db.insert_into("u").values(rows).execute()
        assert db.raw("SELECT count(*) AS n FROM u") == [{"n": 0}]
