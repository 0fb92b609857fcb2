"""Property test of `migration:generate`'s planner on SQLite and PostgreSQL: for random pairs
of schemas (old, new), the migration generated from old to new leaves no difference once
applied, its `down()` brings back the old schema exactly, and the file passes ruff."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from _generate_project import ruff_clean, same_schema
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import typedb
from typedb._config import load
from typedb.migrator import Migrator
from typedb.migrator._generate import plan
from typedb.schema_diff import (
    Check,
    ColumnSchema,
    Default,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    Schema,
    TableSchema,
    Unique,
    diff,
    from_database,
)

PG_URL = os.environ.get("TYPEDB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

#: (type, a default of it) for the random columns.
TYPES: list[tuple[str, object]] = [
    ("integer", 7),
    ("bigint", 9),
    ("text", "x"),
    ("varchar(20)", "y"),
    ("varchar(40)", "z"),
    ("boolean", True),
    ("numeric(10,2)", Decimal("1.50")),
    ("date", "2026-01-02"),
]


@st.composite
def columns(draw: st.DrawFn, name: str) -> ColumnSchema:
    type_, value = draw(st.sampled_from(TYPES))
    default = Default.of(value) if draw(st.booleans()) else None  # type: ignore[arg-type]
    return ColumnSchema(name, type_, nullable=draw(st.booleans()), default=default)


@st.composite
def tables(draw: st.DrawFn, name: str, others: list[str]) -> TableSchema:
    picked = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4))
    cols = [ColumnSchema("id", "integer", nullable=False, auto_increment=True)]
    cols += [draw(columns(f"{name}_{c}")) for c in sorted(picked)]
    names = [c.name for c in cols[1:]]
    uniques, indexes, checks, fks = [], [], [], []
    for col in cols[1:]:
        roll = draw(st.integers(0, 5))
        if roll == 1:
            uniques.append(Unique(f"{name}_{col.name}_key", (col.name,)))
        elif roll == 2:
            indexes.append(IndexSchema(f"{name}_{col.name}_index", (col.name,)))
        elif roll == 3 and col.type in ("integer", "bigint"):
            checks.append(Check(f"{name}_{col.name}_check", f"{col.name} >= 0"))
        elif roll == 4 and col.type == "integer" and others:
            target = draw(st.sampled_from(others))
            action = draw(st.sampled_from(["no action", "cascade", "set null"]))
            if action == "set null" and not col.nullable:
                action = "cascade"
            fks.append(ForeignKey(f"{name}_{col.name}_fkey", (col.name,), target, ("id",), action))  # type: ignore[arg-type]
    if len(names) >= 2 and draw(st.booleans()):
        uniques.append(Unique(f"{name}_pair_key", (names[0], names[1])))
    return TableSchema(
        name,
        tuple(cols),
        primary_key=PrimaryKey(f"{name}_pkey", ("id",)),
        uniques=tuple(uniques),
        foreign_keys=tuple(fks),
        indexes=tuple(indexes),
        checks=tuple(checks),
    )


@st.composite
def schemas(draw: st.DrawFn) -> Schema:
    names = draw(st.lists(st.sampled_from(["t1", "t2", "t3"]), unique=True, max_size=3))
    made: list[TableSchema] = []
    for name in sorted(names):
        made.append(draw(tables(name, [t.name for t in made])))
    return Schema(tuple(made))


def _fix_references(schema: Schema) -> Schema:
    """Drop foreign keys to tables the schema does not have."""
    names = set(schema.table_names)
    return Schema(
        tuple(
            replace(t, foreign_keys=tuple(f for f in t.foreign_keys if f.ref_table in names))
            for t in schema.tables
        )
    )


#: Types a column may change between: PostgreSQL has no cast from a date to an integer (nor
#: from boolean to numeric), so a generated type change is only tried within a family.
FAMILIES = [{"integer", "bigint", "numeric(10,2)"}, {"text", "varchar(20)", "varchar(40)"}]


def _castable(old: Schema, new: Schema) -> Schema:
    """`new`, with a column whose type cannot be cast from the old one's under a new name
    (so it is a drop and an add, as a person would write it)."""

    def fix(table: TableSchema) -> TableSchema:
        before = old.table(table.name)
        if before is None:
            return table
        renamed: dict[str, str] = {}
        for column in table.columns:
            was = before.column(column.name)
            if was is None or was.type == column.type:
                continue
            if not any(was.type in f and column.type in f for f in FAMILIES):
                renamed[column.name] = f"{column.name}_new"

        def cols(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(renamed.get(n, n) for n in names)

        return replace(
            table,
            columns=tuple(replace(c, name=renamed.get(c.name, c.name)) for c in table.columns),
            uniques=tuple(replace(u, columns=cols(u.columns)) for u in table.uniques),
            indexes=tuple(replace(i, columns=cols(i.columns)) for i in table.indexes),
            foreign_keys=tuple(replace(f, columns=cols(f.columns)) for f in table.foreign_keys),
            checks=tuple(
                replace(
                    c,
                    expression=f"{renamed.get(c.expression.split()[0], c.expression.split()[0])} >= 0",
                )
                for c in table.checks
            ),
        )

    return Schema(tuple(fix(t) for t in new.tables))


@contextmanager
def _fresh_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with typedb.connect(PG_URL) as admin:
        admin.raw(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]  # generated name
    try:
        yield f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with typedb.connect(PG_URL) as admin:
            admin.raw(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]


def _write(root: Path, stamp: str, live: Schema, target: Schema) -> Path | None:
    texts = plan(live, target, name="step", modules=[], width=100)
    if not texts:
        return None
    [(_, text)] = texts
    path = root / "migrations" / f"2026_01_01_00_00_0{stamp}_step.py"
    path.write_text(text, encoding="utf-8")
    return path


@settings(
    max_examples=int(os.environ.get("GEN_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(old=schemas(), new=schemas())
def test_generated_migration_leaves_no_difference_and_down_restores(
    backend: str,
    db_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    old: Schema,
    new: Schema,
) -> None:
    del db_url  # requested for its check: PostgreSQL reachable (or skipped, failed under CI)
    old, new = _fix_references(old), _castable(old, _fix_references(new))
    root = tmp_path_factory.mktemp("prop")
    (root / "migrations").mkdir()
    (root / "pyproject.toml").write_text(
        "[tool.typedb]\n\n[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\n"
        'select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]\n',
        encoding="utf-8",
    )
    with _fresh_database(backend, root) as url, typedb.connect(url) as db:
        migrator = Migrator(db, load(root))
        first = _write(root, "1", Schema(()), old)
        migrator.latest()
        before = from_database(db, exclude=("typedb_migrations",))
        assert diff(before, old) == []
        second = _write(root, "2", before, new)
        ruff_clean([p for p in (first, second) if p is not None], root)
        if second is None:
            event("no changes")
            assert diff(before, new) == []
            return
        event("migrated")
        migrator.latest()
        after = from_database(db, exclude=("typedb_migrations",))
        assert diff(after, new) == [], second.read_text()
        migrator.down(1)
        restored = from_database(db, exclude=("typedb_migrations",))
        assert diff(restored, before) == [], second.read_text()
        same_schema(before, restored)
