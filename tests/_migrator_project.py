"""A throwaway typedb project for migrator and CLI tests: its own folder, pyproject.toml and
migration files that use `db.raw(...)`, on the test's SQLite file or PostgreSQL schema."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import typedb
from typedb._config import load
from typedb.migrator import Migrator


class Project:
    def __init__(self, root: Path, url: str, settings: str = "") -> None:
        self.root = root
        self.url = url
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text(f"[tool.typedb]\n{settings}\n", encoding="utf-8")
        (root / "migrations").mkdir(exist_ok=True)
        self.db = typedb.connect(url)

    def close(self) -> None:
        self.db.close()

    @property
    def backend(self) -> str:
        return self.db.dialect.name

    def folder(self, module: str | None) -> Path:
        if module is None:
            return self.root / "migrations"
        folder = self.root / "modules" / module / "migrations"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write(self, name: str, source: str, module: str | None = None) -> Path:
        path = self.folder(module) / f"{name}.py"
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
        return path

    def create(self, name: str, table: str, module: str | None = None, extra: str = "") -> Path:
        """A migration creating `table` (with `extra` columns) and dropping it in down()."""
        columns = "id INTEGER PRIMARY KEY" + (f", {extra}" if extra else "")
        return self.write(
            name,
            f"""
            def up(db):
                db.raw("CREATE TABLE {table} ({columns})")


            def down(db):
                db.raw("DROP TABLE {table}")
            """,
            module,
        )

    def migrator(self, **kwargs: object) -> Migrator:
        return Migrator(self.db, load(self.root), **kwargs)  # type: ignore[arg-type]

    def tables(self) -> set[str]:
        if self.backend == "sqlite":
            rows = self.db.raw(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%%'"
            )
        else:
            rows = self.db.raw(
                "SELECT table_name AS name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        return {str(r["name"]) for r in rows}

    def tracked(self) -> list[tuple[str, str, int]]:
        """(module, name, batch) rows of the tracking table, in batch then name order."""
        if "typedb_migrations" not in self.tables():
            return []
        rows = self.db.raw(
            "SELECT module, name, batch FROM typedb_migrations ORDER BY batch, name, module"
        )
        return [(str(r["module"]), str(r["name"]), int(r["batch"])) for r in rows]

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if k not in ("TYPEDB_DATABASE_URL", "DATABASE_URL")
        }
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def argv(self, *args: str, url: bool = True) -> list[str]:
        extra = ["--database-url", self.url] if url else []
        return [sys.executable, "-m", "typedb", *args, *extra]

    def start(self, *args: str, **popen: Any) -> subprocess.Popen[Any]:
        """The CLI in a background process, in this project (`popen`: pipes, text...)."""
        return subprocess.Popen(self.argv(*args), cwd=self.root, env=self.env(), **popen)

    def cli(
        self, *args: str, url: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args, url=url),
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
