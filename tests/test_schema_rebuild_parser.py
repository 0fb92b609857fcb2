"""Defect 8 of issue 8: the SQLite rebuild reads each column definition by SQLite's grammar,
so the NULL of `ON DELETE SET NULL` and the DEFAULT of `SET DEFAULT` stay inside the foreign
key, whatever the identifier quoting."""

from __future__ import annotations

import sqlite3

import pytest
from catalog import columns
from hypothesis import given, settings
from hypothesis import strategies as st

import typedb
from typedb.schema._sqlite_ddl import parse_create_table


@pytest.fixture
def family(db: typedb.Database) -> typedb.Database:
    db.schema.create_table("parents").add_column(
        "id", "integer", lambda c: c.primary_key()
    ).execute()
    db.schema.create_table("kids").add_id_column().add_column(
        "parent_id",
        "integer",
        lambda c: c.references("parents.id").on_delete("set null").on_update("cascade"),
    ).add_column(
        "fallback_id",
        "integer",
        lambda c: c.default_to(1).references("parents.id").on_delete("set default"),
    ).execute()
    db.raw("INSERT INTO parents (id) VALUES (1), (2), (3)")
    db.raw("INSERT INTO kids (parent_id, fallback_id) VALUES (2, 3)")
    return db


def test_set_not_null_on_a_set_null_foreign_key_column(family: typedb.Database) -> None:
    family.schema.alter_table("kids").alter_column(
        "parent_id", lambda c: c.set_not_null()
    ).execute()
    assert not columns(family, "kids")["parent_id"].nullable
    family.raw("UPDATE parents SET id = 20 WHERE id = 2")  # ON UPDATE CASCADE survived
    assert family.raw("SELECT parent_id FROM kids") == [{"parent_id": 20}]


def test_defaults_of_a_set_default_foreign_key_column(family: typedb.Database) -> None:
    family.schema.alter_table("kids").alter_column(
        "fallback_id", lambda c: c.set_default(2)
    ).execute()
    family.raw("DELETE FROM parents WHERE id = 3")  # ON DELETE SET DEFAULT survived
    assert family.raw("SELECT fallback_id FROM kids") == [{"fallback_id": 2}]
    family.schema.alter_table("kids").alter_column(
        "fallback_id", lambda c: c.drop_default()
    ).execute()
    assert columns(family, "kids")["fallback_id"].default is None


def test_drop_a_foreign_key_followed_by_on_update(family: typedb.Database) -> None:
    family.schema.alter_table("kids").drop_constraint("kids_parent_id_fkey").execute()
    family.raw("INSERT INTO kids (parent_id, fallback_id) VALUES (99, 1)")  # no FK any more
    family.raw("DELETE FROM parents WHERE id = 3")  # the other FK stays: SET DEFAULT
    assert family.raw("SELECT parent_id, fallback_id FROM kids ORDER BY id") == [
        {"parent_id": 2, "fallback_id": 1},
        {"parent_id": 99, "fallback_id": 1},
    ]


# -- the parser against SQLite itself -------------------------------------------------------

_QUOTES = [
    lambda n: n,
    lambda n: '"' + n.replace('"', '""') + '"',
    lambda n: "`" + n.replace("`", "``") + "`",
    lambda n: "[" + n + "]",
]
_ACTIONS = ["SET NULL", "SET DEFAULT", "CASCADE", "RESTRICT", "NO ACTION"]


@st.composite
def _column(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """A column definition, with the kinds of its clauses in order."""
    quote = draw(st.sampled_from(_QUOTES))
    name = draw(st.sampled_from(["a", "b_c", "null", "default", "x y"]))
    if " " in name or name in ("null", "default"):
        quote = draw(st.sampled_from(_QUOTES[1:]))
    parent = draw(st.sampled_from(_QUOTES))("p")
    pool = {
        "NOT NULL": "NOT NULL",
        "NULL": "NULL",
        "UNIQUE": "UNIQUE ON CONFLICT ABORT",
        "CHECK": f"CHECK ({quote(name)} IS NULL OR length({quote(name)}) < 9)",
        "DEFAULT": draw(st.sampled_from(["DEFAULT NULL", "DEFAULT -1", "DEFAULT 'x'",
                                         "DEFAULT (1 + 2)", "DEFAULT CURRENT_TIMESTAMP"])),
        "COLLATE": "COLLATE NOCASE",
    }  # fmt: skip
    fk = f"REFERENCES {parent} (id)"
    for event in draw(st.lists(st.sampled_from(["DELETE", "UPDATE"]), max_size=2, unique=True)):
        fk += f" ON {event} {draw(st.sampled_from(_ACTIONS))}"
    if draw(st.booleans()):
        fk += " DEFERRABLE INITIALLY DEFERRED"
    pool["REFERENCES"] = fk
    kinds = draw(st.permutations(list(pool)))[: draw(st.integers(0, len(pool)))]
    if "NOT NULL" in kinds and "NULL" in kinds:
        kinds = [k for k in kinds if k != "NULL"]
    parts = []
    for kind in kinds:
        named = draw(st.booleans())
        parts.append(
            (f"CONSTRAINT {quote('c_' + kind[:3].lower())} " if named else "") + pool[kind]
        )
    return quote(name), " ".join(["INTEGER", *parts]), kinds


@settings(max_examples=300, deadline=None)
@given(_column())
def test_column_clauses_parse_as_sqlite_reads_them(column: tuple[str, str, list[str]]) -> None:
    name, definition, kinds = column
    sql = f"CREATE TABLE t ({name} {definition}, other TEXT)"
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        conn.execute(sql)  # SQLite accepts what we generated
        table = parse_create_table(sql)
        assert [c.kind for c in table.columns[0].clauses] == kinds
        assert len(table.columns) == 2 and table.columns[1].name == "other"
        # Each clause, removed alone, leaves a definition SQLite accepts.
        for kind in kinds:
            without = table.columns[0].without(kind)
            conn.execute(f"CREATE TABLE t2 ({without.sql()})")
            conn.execute("DROP TABLE t2")
        conn.execute(table.sql("t3"))
