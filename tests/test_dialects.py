"""What each dialect says it can do is what its database does."""

from __future__ import annotations

import pytest
from catalog import tables

import typedb
from typedb.dialects import PORTABLE_TYPES, dialect_for


def test_declared_capabilities_hold(db: typedb.Database) -> None:
    dialect = db.dialect
    assert dialect == dialect_for(dialect.name)
    db.raw("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    if dialect.transactional_ddl:
        with pytest.raises(RuntimeError), db.transaction() as trx:
            trx.raw("CREATE TABLE gone (a INTEGER)")
            raise RuntimeError
        assert "gone" not in tables(db)
    if dialect.supports_returning:
        assert db.raw("INSERT INTO t (id, v) VALUES (1, 'x') RETURNING id") == [{"id": 1}]
    # Everything alter_in_place lists runs as a plain ALTER TABLE; the rest needs a rebuild.
    alter = db.schema.alter_table("t").add_column("w", "text").rename_column("w", "w2")
    alter.drop_column("w2").rename_to("t2").execute()
    assert {"add_column", "drop_column", "rename_column", "rename_to"} <= dialect.alter_in_place
    in_place = "alter_column" in dialect.alter_in_place
    assert in_place == (dialect.name == "postgresql")


def test_unknown_dialect_and_type_are_clear_errors() -> None:
    with pytest.raises(typedb.CompileError, match="'sqlite' or 'postgresql'"):
        dialect_for("oracle")
    with pytest.raises(typedb.DataTypeError) as info:
        dialect_for("sqlite").type_sql("varchar")  # varchar needs a length
    assert all(t in str(info.value) for t in PORTABLE_TYPES)
