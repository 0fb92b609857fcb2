"""The generated stubs under real mypy --strict, pyright strict and ty.

Stubs for the demo contracts are generated into a temporary folder and registered in a
throwaway virtual environment exactly as `typedb stubs:install` does it (a `.pth` file in its
site-packages); that environment also sees this one's packages, so `typedb` itself resolves.
Every snippet file in tests/typing/ is read by each checker once per session, and each line
must get exactly what its markers say (format: tests/_typing_harness.py, tests/typing/conftest.py):
`# E: why` lines are flagged by every checker, `# E[mypy,pyright]: why` by those alone, and
`# reveal: T` lines reveal T; every other line is clean.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _typing_harness import (
    CHECKERS,
    PLUGIN,
    PLUGIN_MODULE,
    Report,
    checkers_of,
    mismatches,
    parse_markers,
    plugin_available,
    run_mypy,
    run_pyright,
    run_ty,
)
from _typing_session import SNIPPETS, Env, make_env, report_of, shared_env

from typedb._config import load
from typedb.contracts import load_registry
from typedb.stubgen import generate

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FILES = sorted(p.name for p in SNIPPETS.glob("*.py") if p.name != "conftest.py")
CASES = [(checker, name) for name in FILES for checker in checkers_of(name)]


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return shared_env(tmp_path_factory)


@pytest.mark.parametrize(("checker", "name"), CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_snippet_gets_exactly_its_markers(env: Env, checker: str, name: str) -> None:
    if checker == PLUGIN and not plugin_available():
        pytest.skip(f"{PLUGIN_MODULE} does not exist yet")
    expected = parse_markers((SNIPPETS / name).read_text(), checkers_of(name))
    assert expected.marked_lines, f"{name} has no E or reveal markers: it would assert nothing"
    problems = mismatches(checker, name, expected, report_of(env, checker))
    assert not problems, "\n".join(problems)


def test_markers_parse_as_documented() -> None:
    text = (
        "x  # E: everyone\ny  # E[mypy,ty]: two\nz  # reveal: list[int]\n"
        "w  # reveal[pyright]: int  # reveal[mypy,ty]: str\nclean\n"
        '"""A docstring quoting the format, `# E: why`, is not a marker."""\n'
    )
    expected = parse_markers(text, CHECKERS)
    assert expected.errors == {"mypy": {1: "everyone", 2: "two"}, "pyright": {1: "everyone"},
                               "ty": {1: "everyone", 2: "two"}}  # fmt: skip
    assert expected.reveals["pyright"] == {3: "list[int]", 4: "int"}
    assert expected.reveals["ty"] == {3: "list[int]", 4: "str"}
    assert expected.marked_lines == 4
    with pytest.raises(ValueError, match="mypy\\+plugin"):
        parse_markers("x  # E[mypy+plugin]: only in plugin files\n", CHECKERS)
    plugin_file = parse_markers("x  # E[mypy+plugin]: narrowed\ny  # E: all\n",
                                checkers_of("plugin_rows.py"))  # fmt: skip
    assert plugin_file.errors == {PLUGIN: {1: "narrowed", 2: "all"}, "pyright": {2: "all"},
                                  "ty": {2: "all"}}  # fmt: skip


PROBE_PLUGIN = """
from mypy.plugin import Plugin


class Probe(Plugin):
    def get_function_hook(self, fullname):
        if fullname == "use.flagged":
            def fail(ctx):
                ctx.api.fail("the plugin saw this call", ctx.context)
                return ctx.default_return_type
            return fail
        return None


def plugin(version):
    return Probe
"""


def test_plugin_runs_read_the_plugin(env: Env, tmp_path: Path) -> None:
    """The mypy+plugin run really loads a plugin: a probe plugin flags a call plain mypy
    passes (the same wiring then loads typedb.mypy_plugin for plugin_*.py files)."""
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "probe_plugin.py").write_text(PROBE_PLUGIN)
    (work / "use.py").write_text("def flagged() -> None: ...\n\n\nflagged()\n")
    assert run_mypy(env.python, work, ["use.py"]).errors == {}
    plugged = run_mypy(env.python, work, ["use.py"], plugin=str(tmp_path / "probe_plugin.py"))
    assert plugged.errors == {("use.py", 4): ["the plugin saw this call  [misc]"]}


def test_mismatches_name_every_line_that_differs() -> None:
    text = "a  # E: typo\nb  # E[mypy]: only mypy\nc\nreveal_type(d)  # reveal: int\n"
    expected = parse_markers(text, CHECKERS)
    said = Report(
        errors={("f.py", 2): ["caught"], ("f.py", 3): ["false error"]},
        reveals={("f.py", 4): ["str"]},
    )
    assert mismatches("ty", "f.py", expected, said) == [
        "f.py:1 should be flagged by ty (typo) but is not",
        "f.py:2 is flagged by ty without a marker saying so: ['caught']",
        "f.py:3 is flagged by ty without a marker saying so: ['false error']",
        "f.py:4 ty reveals ['str'], marker says ['int']",
    ]
    said = Report(errors={("f.py", 1): ["x"], ("f.py", 2): ["y"]}, reveals={("f.py", 4): ["int"]})
    assert mismatches("mypy", "f.py", expected, said) == []
    missed = parse_markers("x  # missed: no set()\n", CHECKERS)
    assert missed.marked_lines == 1
    assert mismatches("ty", "f.py", missed, Report()) == []
    assert mismatches("ty", "f.py", missed, Report(errors={("f.py", 1): ["caught"]})) == [
        "f.py:1 is now caught by ty (no set()): turn its `# missed:` marker into `# E[...]:` "
        "naming the checkers that catch it: ['caught']"
    ]
    assert mismatches("pyright", "f.py", expected, said) == [
        "f.py:2 is flagged by pyright without a marker saying so: ['y']"
    ]


def test_regenerated_stubs_need_no_reinstall(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts.py"
    body = (
        "from typing import TypedDict\nfrom typedb.contracts import Generated\n"
        "class T(TypedDict):\n    id: Generated[int]\n    label: str\n"
        "class Database(TypedDict):\n    {table}: T\n"
    )
    config = load(ROOT).__class__(root=tmp_path, contracts=("contracts.py",))
    contracts.write_text(body.format(table="tags"))
    stubs = tmp_path / "stubs"
    generate(load_registry(config), stubs)
    environment = make_env(tmp_path, stubs)
    (environment.work / "use.py").write_text(
        # A write: select_from also takes any string (a table alias), so it cannot show this.
        "from typedb.facades.db import db\nrows = db.delete_from('tags').execute()\n"
    )
    assert run_mypy(environment.python, environment.work, ["use.py"]).errors == {}

    contracts.write_text(body.format(table="labels"))
    generate(load_registry(config), stubs)  # same folder, no install
    for run in (run_mypy, run_pyright, run_ty):
        assert list(run(environment.python, environment.work, ["use.py"]).errors) == [
            ("use.py", 2)
        ], run.__name__


def test_generated_stubs_are_clean_under_strict_checkers(env: Env, tmp_path: Path) -> None:
    """The stubs as a source tree (over a copy of typedb): no errors, no unused ignores."""
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT / "src" / "typedb", tree / "typedb", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tree / "typedb" / "facades" / "db.py").unlink()
    shutil.copytree(env.stubs / "typedb-stubs" / "facades", tree / "typedb" / "facades",
                    dirs_exist_ok=True)  # fmt: skip
    mypy = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--warn-unused-ignores", "--no-incremental",
         "-p", "typedb.facades"],
        cwd=tree, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert mypy.returncode == 0, mypy.stdout
    (tree / "pyrightconfig.json").write_text(json.dumps({"typeCheckingMode": "strict"}))
    pyright = subprocess.run(
        [str(BIN / "pyright"), "--pythonpath", sys.executable, "typedb/facades"],
        cwd=tree, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert pyright.returncode == 0, pyright.stdout


ODD_CONTRACTS = r'''
from typing import TypedDict

Odd = TypedDict("Odd", {"id": int, 'say "hi"': str, "back\\slash": int, "new\nline": str})
Database = TypedDict(
    "Database", {'we"ird': Odd, 'back\\slash"""': Odd, "tab\there": Odd, "x]); import os #": Odd}
)
'''

ODD_USE = r'''
from typedb.facades.db import db

rows = db.select_from('we"ird').where('say "hi"', "=", "x").execute()
label: str = rows[0]['say "hi"']
count: int = rows[0]["back\\slash"]
db.insert_into("tab\there").values({"id": 1, "say \"hi\"": "a", "back\\slash": 1, "new\nline": "b"})
db.select_from('back\\slash"""').where("new\nline", "=", "y").execute()
db.select_from("x]); import os #").execute()
db.select_from('we"ird').where("nope", "=", 1).execute()
'''


def test_odd_table_and_column_names_give_valid_stubs(tmp_path: Path) -> None:
    """Names are data: a quote, backslash, newline or tab in a table or column name is
    escaped, so the stubs parse, type-check clean, and say exactly those names."""
    import ast

    (tmp_path / "contracts.py").write_text(ODD_CONTRACTS)
    config = load(ROOT).__class__(root=tmp_path, contracts=("contracts.py",))
    registry = load_registry(config)
    stubs = tmp_path / "stubs"
    generate(registry, stubs)
    for path in stubs.rglob("*.pyi"):
        ast.parse(path.read_text(), str(path))  # raises SyntaxError on a broken stub
    environment = make_env(tmp_path, stubs)
    (environment.work / "use.py").write_text(ODD_USE)
    # Only the unknown column is an error (line 10); every odd name is recognised.
    for run in (run_mypy, run_pyright, run_ty):
        assert list(run(environment.python, environment.work, ["use.py"]).errors) == [
            ("use.py", 10)
        ], run.__name__


LAZY_CONTRACTS = r'''
from datetime import datetime
from typing import TypedDict

Lazy = TypedDict("Lazy", {"id": int, "name": str, "deleted_at": datetime | None})
Database = TypedDict("Database", {"lazy": Lazy})
'''

LAZY_USE = r'''
from typedb.facades.async_db import db as adb
from typedb.facades.db import db


async def use() -> None:
    rows = db.select_from("lazy").where("name", "=", "x").execute()
    label: str = rows[0]["name"]
    db.update_table("lazy").set({"name": "y"}).where("id", "=", 1).execute()
    db.soft_delete("lazy").where("id", "=", 1).execute()
    await adb.select_from("lazy").where("id", "=", 1).execute()
    db.select_from("lazy").where("nope", "=", 1).execute()
    print(label)
'''


def test_a_table_named_lazy_gives_valid_stubs(tmp_path: Path) -> None:
    """A table's query classes are `{Prefix}Select`, ...: a table named `lazy` has
    `LazySelect`, the name of the lazy entries' base class (typedb/stubgen/_lazy.py), which
    the indexes must then not import under that name."""
    (tmp_path / "contracts.py").write_text(LAZY_CONTRACTS)
    config = load(ROOT).__class__(root=tmp_path, contracts=("contracts.py",))
    stubs = tmp_path / "stubs"
    generate(load_registry(config), stubs)
    environment = make_env(tmp_path, stubs)
    (environment.work / "use.py").write_text(LAZY_USE)
    # Only the unknown column is an error (line 12); the stubs themselves are clean.
    for run in (run_mypy, run_pyright, run_ty):
        assert list(run(environment.python, environment.work, ["use.py"]).errors) == [
            ("use.py", 12)
        ], run.__name__
