"""A user's project as README's "Type checking in CI" runs it: made with `typedb migration:make`,
contracts in core and two modules, then `mypy .`, `pyright` and `ty check` at its root.

The checkers are slow to start, so one throwaway project (and one scratch environment with its
stubs registered, one without) is shared by the module, and each checker runs once per case.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from typedb.stubgen import scratch_environment
from typedb.stubgen._install import PTH_NAME

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TYPEDB = [sys.executable, "-m", "typedb"]
CHECKERS = ["mypy", "pyright", "ty"]

CORE = """from typing import TypedDict

from typedb.contracts import Generated, TimestampTable


class UsersTable(TimestampTable):
    id: Generated[int]
    email: str


class Database(TypedDict):
    users: UsersTable
"""

MODULE = """from typing import TypedDict

from typedb.contracts import Generated, TimestampTable


class {cls}(TimestampTable):
    id: Generated[int]
    title: str


class Database(TypedDict):
    {table}: {cls}
"""

APP = """from typedb.facades.db import db

users = db.select_from("users").where("email", "=", "a@example.org").execute()
posts = db.select_from("blog__posts").where("title", "=", "hello").execute()
orders = db.select_from("shop__orders").where("id", "=", 1).execute()
from typedb.facades.async_db import db as async_db  # noqa: E402


async def main() -> None:
    await async_db.select_from("users").where("email", "=", "a@example.org").execute()
"""

# One mistake, on line 3: a misspelled column.
PLANTED = """from typedb.facades.db import db

db.select_from("blog__posts").where("titel", "=", "hello").execute()
"""


@dataclass(frozen=True)
class Project:
    root: Path
    registered: Path  # python of an environment with the project's stubs registered
    unregistered: Path  # python of one with typedb but without them


def _typedb(
    root: Path, *args: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "typedb", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text(
        '[tool.typedb]\ndatabase_url = "sqlite:///app.db"\ncontracts = ["contracts.py"]\n'
        '\n[tool.mypy]\nexclude = ["^stubs/"]\n',
        encoding="utf-8",
    )
    for args in (["create_users"], ["create_posts", "-m", "blog"], ["create_orders", "-m", "shop"]):
        made = _typedb(root, "migration:make", *args)
        assert made.returncode == 0, made.stderr
    for migration, column in (
        (root / "migrations", "email"),
        (root / "modules" / "blog" / "migrations", "title"),
        (root / "modules" / "shop" / "migrations", "title"),
    ):
        (path,) = migration.glob("2*.py")  # the made file: add the contract's text column
        text = path.read_text(encoding="utf-8").replace(
            ".add_id_column()", f'.add_id_column().add_column("{column}", "text", NOT_NULL)'
        )
        path.write_text(text.replace("table = ", "NOT_NULL = lambda c: c.not_null()\ntable = "))
    (root / "contracts.py").write_text(CORE, encoding="utf-8")
    for module, table, cls in (
        ("blog", "posts", "BlogPostsTable"),
        ("shop", "orders", "OrdersTable"),
    ):
        text = MODULE.format(cls=cls, table=f"{module}__{table}")
        (root / "modules" / module / "contracts.py").write_text(text, encoding="utf-8")
    migrated = _typedb(root, "migration:latest")
    assert migrated.returncode == 0, migrated.stderr
    assert _typedb(root, "stubs:generate").returncode == 0
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "planted.py").write_text(PLANTED, encoding="utf-8")
    envs = tmp_path_factory.mktemp("envs")
    registered = scratch_environment(envs / "on", root / "stubs")
    unregistered = scratch_environment(envs / "off", root / "stubs")
    for pth in (unregistered.parents[1] / "lib").glob(f"*/site-packages/{PTH_NAME}"):
        pth.unlink()
    return Project(root, registered, unregistered)


def check(project: Project, checker: str, python: Path) -> tuple[int, str]:
    """Run the checker at the project's root, as a user in an activated venv does."""
    venv = python.parents[1]
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}:{BIN}:{os.environ['PATH']}",
    }
    env.pop("MYPYPATH", None)
    command = {
        "mypy": [str(python), "-m", "mypy", "."],
        "pyright": [str(BIN / "pyright")],
        "ty": [str(BIN / "ty"), "check", "--output-format", "concise"],
    }[checker]
    proc = subprocess.run(
        command, cwd=project.root, env=env, capture_output=True, text=True, timeout=600
    )
    return proc.returncode, proc.stdout + proc.stderr


def error_lines(checker: str, output: str) -> list[str]:
    """`file:line` of each error the checker reports."""
    pattern = {
        "mypy": r"^(\S+\.py):(\d+): error:",
        "pyright": r"^\s*\S*?([^/\s]+\.py):(\d+):\d+ - error:",
        "ty": r"^(\S+\.py):(\d+):\d+: error\[",
    }[checker]
    return sorted({f"{m[1]}:{m[2]}" for m in re.finditer(pattern, output, re.MULTILINE)})


def test_migration_make_marks_the_folders_as_packages(project: Project) -> None:
    for folder in ("migrations", "modules", "modules/blog", "modules/blog/migrations"):
        assert (project.root / folder / "__init__.py").is_file(), folder


@pytest.mark.parametrize("checker", CHECKERS)
def test_project_checks_at_its_root_and_reports_the_planted_mistake(
    project: Project, checker: str
) -> None:
    code, output = check(project, checker, project.registered)
    assert code == 1, output
    assert error_lines(checker, output) == ["planted.py:3"], output


@pytest.mark.parametrize("checker", CHECKERS)
def test_unregistered_stubs_fail_every_query_naming_stubs_install(
    project: Project, checker: str
) -> None:
    code, output = check(project, checker, project.unregistered)
    assert code == 1, output
    assert {"app.py:3", "app.py:4", "app.py:5", "app.py:10", "planted.py:3"} <= set(
        error_lines(checker, output)
    )
    assert "StubsNotRegistered_RunTypedbStubsInstall" in output


def test_stubs_check_says_when_the_stubs_are_not_registered(project: Project) -> None:
    off = _typedb(project.root, "stubs:check", python=str(project.unregistered))
    assert off.returncode == 1
    assert "not registered in this environment" in off.stderr
    assert "typedb stubs:install" in off.stderr
    on = _typedb(project.root, "stubs:check", python=str(project.registered))
    assert on.returncode == 0, on.stderr


def test_pre_commit_hooks_run_as_pre_commit_runs_them(project: Project) -> None:
    """Each hook's `entry` (language: system, no file names) in the project's environment."""
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    entries = re.findall(r"^\s+entry: (.+)$", manifest, re.MULTILINE)
    assert entries == ["typedb stubs:check", "typedb contracts:check"]
    assert len(re.findall(r"^\s+language: system$", manifest, re.MULTILINE)) == len(entries)
    for entry in entries:
        command = entry.split()
        assert command[0] == "typedb"
        ok = _typedb(project.root, *command[1:], python=str(project.registered))
        assert ok.returncode == 0, f"{entry}: {ok.stdout}{ok.stderr}"
    contracts = project.root / "modules" / "shop" / "contracts.py"
    original = contracts.read_text(encoding="utf-8")
    try:  # a column the database lacks: both hooks fail
        contracts.write_text(original.replace("title: str", "title: str\n    note: str"), "utf-8")
        for entry in entries:
            failed = _typedb(project.root, *entry.split()[1:], python=str(project.registered))
            assert failed.returncode == 1, entry
    finally:
        contracts.write_text(original, encoding="utf-8")
