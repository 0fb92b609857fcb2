"""Rows come back as plain dicts keyed by the result's column names, whatever those names are,
and the builders' fast paths and shape cache give what the general paths give."""

from __future__ import annotations

import pytest

import typedb
from typedb.query import _cache

# Also through PgBouncer in transaction mode (conftest's "pgbouncer" backend).
pytestmark = pytest.mark.pgbouncer

HOSTILE_NAMES = ["it's", 'a"b', "back\\slash", "ünïcödé", "}", "{x}", "line\nbreak", "_0", "rows"]


def test_hostile_column_names_are_just_keys(db: typedb.Database) -> None:
    # Each alias is written as a quoted identifier; the driver builds the dicts from the names
    # the database reports, so none of these may change the code that builds them.
    select = ", ".join(
        f"{n} AS " + '"' + name.replace('"', '""') + '"' for n, name in enumerate(HOSTILE_NAMES)
    )
    rows = db.raw(f"SELECT {select}")  # type: ignore[arg-type]  # built from constants above
    assert rows == [{name: n for n, name in enumerate(HOSTILE_NAMES)}]
    assert type(rows[0]) is dict


def test_duplicate_names_keep_the_last_value(db: typedb.Database) -> None:
    assert db.raw("SELECT 1 AS a, 2 AS b, 3 AS a") == [{"a": 3, "b": 2}]


def test_wide_rows(db: typedb.Database) -> None:
    select = ", ".join(f"{n} AS c{n}" for n in range(300))
    assert db.raw(f"SELECT {select}") == [{f"c{n}": n for n in range(300)}]  # type: ignore[arg-type]


def test_no_rows_and_single_column(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (a INTEGER)")
    assert db.select_from("t").select("a").execute() == []
    db.insert_into("t").values([{"a": 1}, {"a": 2}]).execute()
    assert db.select_from("t").select("a").order_by("a").execute() == [{"a": 1}, {"a": 2}]


def test_same_sql_sees_schema_changes(db: typedb.Database) -> None:
    # Row makers are cached by column names, never by SQL text: `SELECT *` after an ALTER
    # TABLE returns the new columns.
    db.raw("CREATE TABLE t (a INTEGER)")
    db.raw("INSERT INTO t (a) VALUES (1)")
    query = db.select_from("t").select_all()
    assert query.execute() == [{"a": 1}]
    db.raw("ALTER TABLE t ADD COLUMN b INTEGER")
    assert query.execute() == [{"a": 1, "b": None}]
    db.raw("ALTER TABLE t RENAME COLUMN a TO z")
    assert query.execute() == [{"z": 1, "b": None}]


@pytest.mark.parametrize(
    "value", ["plain", "it's; DROP TABLE t; --", "%s %(x)s %%", "ünï 😀", "", 7, 2.5]
)
def test_where_fast_path_matches_the_general_path(db: typedb.Database, value: object) -> None:
    # where(column, "=", value) takes a fast path for scalars; the expression builder takes
    # the general one. Same SQL, same parameters, same rows.
    db.raw("CREATE TABLE t (v TEXT, n INTEGER)")
    db.insert_into("t").values([{"v": str(value), "n": 1}, {"v": "other", "n": 2}]).execute()
    fast = db.select_from("t").select("n").where("v", "=", str(value))
    general = db.select_from("t").select("n").where(lambda eb: eb("v", "=", str(value)))
    assert fast.compile() == general.compile()
    assert fast.execute() == general.execute() == [{"n": 1}]


def test_nul_in_text_is_refused_on_the_fast_path(db: typedb.Database) -> None:
    with pytest.raises(typedb.CompileError, match="NUL"):
        db.select_from("t").where("v", "=", "a\x00b")
    with pytest.raises(typedb.CompileError, match="NUL"):
        db.select_from("t").where("v", "<", "\x00")


def test_cache_keys_tell_builders_tables_and_dialects_apart(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (id INTEGER, deleted_at TIMESTAMP)")
    db.raw("CREATE TABLE u (id INTEGER, deleted_at TIMESTAMP)")
    delete = db.delete_from("t").where("id", "=", 1).compile().sql
    soft = db.soft_delete("t").where("id", "=", 1).compile().sql
    other_table = db.delete_from("u").where("id", "=", 1).compile().sql
    q = db.dialect.quote
    assert delete.startswith(f"DELETE FROM {q('t')}")
    assert soft.startswith(f"UPDATE {q('t')}")
    assert other_table.startswith(f"DELETE FROM {q('u')}")
    with typedb.connect("sqlite://") as lite:
        lite_sql = lite.delete_from("t").where("id", "=", 1).compile().sql
    assert lite_sql.endswith("?")
    assert delete.endswith("?" if db.dialect.name == "sqlite" else "%s")


def test_repeated_shapes_render_once(db: typedb.Database) -> None:
    db.raw("CREATE TABLE t (id INTEGER, name TEXT)")
    db.insert_into("t").values([{"id": n, "name": f"n{n}"} for n in range(5)]).execute()

    def query(n: int) -> list[dict[str, object]]:
        return db.select_from("t").select("name").where("id", ">=", n).order_by("id").execute()

    query(0)
    before = _cache.size()
    assert [query(n) for n in range(5)][3] == [{"name": "n3"}, {"name": "n4"}]
    assert _cache.size() == before
