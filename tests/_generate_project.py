"""A throwaway contracts-first project for `migration:generate` tests: contracts written by
the test, the CLI run in a subprocess, the schema read back by introspection."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from _migrator_project import Project

from typedb.schema_diff import Schema, diff

ROOT = Path(__file__).resolve().parents[1]
RUFF = ROOT / ".venv" / "bin" / "ruff"

SETTINGS = """contracts = ["contracts.py"]

[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]
"""

HEADER = """\
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, TypedDict

from typedb.contracts import Column, Generated, Index, SoftDeleteTable, Table, TimestampTable
"""


class GenerateProject(Project):
    def __init__(self, root: Path, url: str) -> None:
        super().__init__(root, url, SETTINGS)

    def contracts(self, body: str, module: str | None = None) -> None:
        """Write the core contracts (or a module's) : `body` below the usual imports."""
        path = self.root / "contracts.py"
        if module is not None:
            path = self.root / "modules" / module / "contracts.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            (path.parent / "migrations").mkdir(exist_ok=True)
        path.write_text(HEADER + "\n" + textwrap.dedent(body).lstrip(), encoding="utf-8")

    def schema(self) -> Schema:
        from typedb.schema_diff import from_database

        return from_database(self.db, exclude=("typedb_migrations",))

    def migration_files(self) -> list[Path]:
        found = sorted((self.root / "migrations").glob("2*.py"))
        modules = self.root / "modules"
        if modules.is_dir():
            found += sorted(modules.glob("*/migrations/2*.py"))
        return found

    def ok(self, *args: str) -> str:
        result = self.cli(*args)
        assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        assert "Traceback" not in result.stderr
        return str(result.stdout)

    def fails(self, *args: str, code: int = 1) -> str:
        result = self.cli(*args)
        assert result.returncode == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        assert "Traceback" not in result.stderr
        return str(result.stderr)

    def generate(self, name: str, *flags: str) -> list[Path]:
        """`migration:generate`; the files it wrote (checked with ruff and imported)."""
        before = set(self.migration_files())
        out = self.ok("migration:generate", name, *flags)
        written = [p for p in self.migration_files() if p not in before]
        for path in written:
            assert f"Created {path.relative_to(self.root)}" in out
        ruff_clean(written, self.root)
        return written


def ruff_clean(paths: list[Path], cwd: Path) -> None:
    """The files pass `ruff check` and `ruff format --check` with the project's settings."""
    if not paths:
        return
    names = [str(p) for p in paths]
    for argv in ([str(RUFF), "check", *names], [str(RUFF), "format", "--check", "--diff", *names]):
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(argv[:3])}:\n{result.stdout}{result.stderr}"


def no_difference(a: Schema, b: Schema) -> None:
    changes = diff(a, b)
    assert changes == [], changes
    assert a.table_names == b.table_names


def same_schema(a: Schema, b: Schema) -> None:
    """`a == b` but for the order of columns and constraints (a column dropped and added
    back by down() comes last): names, types, defaults and constraint names all equal."""
    no_difference(a, b)
    assert _ordered(a) == _ordered(b)


def _ordered(schema: Schema) -> Schema:
    from dataclasses import replace

    return Schema(
        tuple(
            replace(
                t,
                columns=tuple(sorted(t.columns, key=lambda c: c.name)),
                uniques=tuple(sorted(t.uniques, key=repr)),
                foreign_keys=tuple(sorted(t.foreign_keys, key=repr)),
                indexes=tuple(sorted(t.indexes, key=repr)),
                checks=tuple(sorted(t.checks, key=repr)),
            )
            for t in schema.tables
        )
    )
