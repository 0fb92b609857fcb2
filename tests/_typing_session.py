"""One scratch environment per test session for the typing tests, and one run per checker.

The snippet files of tests/typing/ and README.md's Python blocks that use the typed facades
are copied into one work folder; each checker (mypy, pyright, ty, and mypy with the plugin)
then reads them all in a single process, the first time a test asks for its report. Start-up
and loading the stubs cost more than checking a file, so one process per checker keeps the
typing tests fast (test_stubs_typing.py and test_readme_typing.py share the runs).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from _typing_harness import Report, checkers_of, run_checker

from typedb._config import load
from typedb.contracts import load_registry
from typedb.stubgen import generate, scratch_environment

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "tests" / "typing"
README = ROOT / "README.md"
TYPED_FACADE = re.compile(r"^from typedb\.facades\.(db|async_db) import", re.M)
# README's "4. The type error in the IDE" block continues the one before it (`db`, `row`):
# it is checked with this head, whose lines are not README's.
MISTAKES_HEAD = (
    "from typedb.facades.db import db\n"
    'row = db.select_from("items").execute_take_first_or_throw()\n'
)


@dataclass(frozen=True)
class Env:
    python: Path
    stubs: Path
    work: Path


@dataclass(frozen=True)
class ReadmeBlock:
    """A README ```python block, as the file `name` in the work folder. Its line `n` is
    README's line `first_line + n - 1 - head_lines`."""

    name: str
    first_line: int
    code: str
    head_lines: int = 0

    def readme_line(self, line: int) -> int:
        return self.first_line + line - 1 - self.head_lines


def make_env(base: Path, stubs: Path) -> Env:
    """A venv whose site-packages holds the stubs `.pth` and a link to this environment."""
    python = scratch_environment(base, stubs)
    work = base / "work"
    work.mkdir()
    return Env(python, stubs, work)


def readme_typed_blocks() -> list[ReadmeBlock]:
    """README's ```python blocks that use the typed facades (`typedb.facades.db`,
    `typedb.facades.async_db`), plus the mistakes block that continues one of them."""
    text = README.read_text(encoding="utf-8")
    blocks: list[ReadmeBlock] = []
    for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
        first = text.count("\n", 0, m.start(1)) + 1
        code = m.group(1)
        if TYPED_FACADE.search(code):
            blocks.append(ReadmeBlock(f"readme_{first}.py", first, code))
        elif code.startswith('db.insert_into("itemz")'):
            head = MISTAKES_HEAD.count("\n")
            blocks.append(ReadmeBlock(f"readme_{first}.py", first, MISTAKES_HEAD + code, head))
    return blocks


# README's query builder tour creates its own tables; its typed version is checked against
# these contracts (the tour's schema, and the `users` table of "Names are names").
README_CONTRACTS = """\
from datetime import date
from decimal import Decimal
from typing import TypedDict

from typedb.contracts import Generated, SoftDeleteTable, TimestampTable


class ItemsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    name: str
    price: Decimal | None
    category: str | None
    released: date | None


class UsersTable(TypedDict):
    id: Generated[int]
    name: str | None


# The tables of the "Beyond one table" block (issue 11).
class CustomersTable(TypedDict):
    id: Generated[int]
    name: str
    city: str | None


class InvoicesTable(TypedDict):
    id: Generated[int]
    customer_id: int | None
    total: Decimal | None


class LinesTable(TypedDict):
    id: Generated[int]
    invoice_id: int | None
    unit_price: Decimal | None
    quantity: int | None


class EmployeesTable(TypedDict):
    id: Generated[int]
    name: str | None
    reports_to: int | None


class PostsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    title: str | None


class Database(TypedDict):
    items: ItemsTable
    users: UsersTable
    customers: CustomersTable
    invoices: InvoicesTable
    lines: LinesTable
    employees: EmployeesTable
    posts: PostsTable
"""
UNTYPED_CONNECT = 'db = typedb.connect("sqlite://")\n'
TYPED_HEAD = "from typedb.facades.db import connect\n"


def readme_tour_blocks() -> list[ReadmeBlock]:
    """README blocks that build queries on `typedb.connect("sqlite://")` over tables they
    create (the query builder tour, "Names are names"), rewritten to the typed facade's
    `connect()` so that every form they show is type-checked against README_CONTRACTS."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Query builder")
    end = text.index("\n## ", start + 1)
    blocks: list[ReadmeBlock] = []
    for m in re.finditer(r"^```python\n(.*?)^```", text[start:end], re.S | re.M):
        first = text.count("\n", 0, start + m.start(1)) + 1
        code = m.group(1)
        if UNTYPED_CONNECT in code:
            typed = TYPED_HEAD + code.replace(UNTYPED_CONNECT, 'db = connect("sqlite://")\n')
            blocks.append(ReadmeBlock(f"readme_tour_{first}.py", first, typed, 1))
    return blocks


_ENVS: dict[str, Env] = {}
_REPORTS: dict[tuple[str, str], Report] = {}


def _build_env(factory: pytest.TempPathFactory, which: str) -> Env:
    base = factory.mktemp(f"typing-{which}")
    stubs = base / "stubs"
    if which == "demo":
        config = load(ROOT)
    else:
        (base / "contracts.py").write_text(README_CONTRACTS, encoding="utf-8")
        config = load(ROOT).__class__(root=base, contracts=("contracts.py",))
    generate(load_registry(config), stubs)
    env = make_env(base, stubs)
    if which == "demo":
        for path in SNIPPETS.glob("*.py"):
            if path.name != "conftest.py":
                shutil.copy(path, env.work / path.name)
        blocks = readme_typed_blocks()
    else:
        blocks = readme_tour_blocks()
    for block in blocks:
        (env.work / block.name).write_text(block.code, encoding="utf-8")
    return env


def shared_env(factory: pytest.TempPathFactory, which: str = "demo") -> Env:
    """The session's scratch environment: `demo` has the demo app's stubs, the snippet files
    and README's typed-facade blocks; `readme` has README_CONTRACTS' stubs and the tour."""
    if which not in _ENVS:
        _ENVS[which] = _build_env(factory, which)
    return _ENVS[which]


def report_of(env: Env, checker: str) -> Report:
    """`checker`'s report over every file of `env` it reads, run once per session."""
    key = (str(env.work), checker)
    if key not in _REPORTS:
        # Plain mypy leaves the plugin's files to mypy+plugin, which reads only those (and
        # the app_*.py files and README's readme_*.py blocks both read).
        files = [p.name for p in sorted(env.work.glob("*.py")) if checker in checkers_of(p.name)]
        _REPORTS[key] = run_checker(checker, env.python, env.work, files)
    return _REPORTS[key]
