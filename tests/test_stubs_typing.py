"""The generated stubs under real mypy and real pyright.

Stubs for the demo contracts are generated into a temporary folder and registered in a
throwaway virtual environment exactly as `typedb stubs:install` does it (a `.pth` file in its
site-packages); that environment also sees this one's packages, so `typedb` itself resolves.
Snippets in tests/typing/: `good_*.py` must have no errors and each `# reveal: T` line must
reveal T in both checkers; in `bad_*.py` each `# E:` line must error and no other line may.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from typedb._config import load
from typedb.contracts import load_registry
from typedb.stubgen import generate, scratch_environment

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "tests" / "typing"
BIN = Path(sys.executable).parent
FILES = sorted(p.name for p in SNIPPETS.glob("*.py") if p.name.startswith(("good_", "bad_")))


@dataclass
class Report:
    errors: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    reveals: dict[tuple[str, int], list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Env:
    python: Path
    stubs: Path
    work: Path


def make_env(base: Path, stubs: Path) -> Env:
    """A venv whose site-packages holds the stubs `.pth` and a link to this environment."""
    python = scratch_environment(base, stubs)
    work = base / "work"
    work.mkdir()
    return Env(python, stubs, work)


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    base = tmp_path_factory.mktemp("typing")
    stubs = base / "stubs"
    generate(load_registry(load(ROOT)), stubs)
    environment = make_env(base, stubs)
    for name in FILES:
        shutil.copy(SNIPPETS / name, environment.work / name)
    return environment


def normalize(text: str) -> str:
    """mypy's spelling of a type, made comparable with pyright's: TypedDicts by name, no
    module prefixes."""
    text = re.sub(r"TypedDict\(([\w.]+), \{[^{}]*\}\)", r"\1", text)
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def run_mypy(env: Env, files: list[str]) -> Report:
    proc = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--python-executable", str(env.python),
         "--cache-dir", str(env.work / ".mypy_cache"), "--no-error-summary",
         "--hide-error-context", *files],
        cwd=env.work, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = Report()
    for line in proc.stdout.splitlines():
        m = re.match(r"^([^:]+):(\d+): (error|note): (.*)$", line)
        if not m:
            continue
        key = (Path(m.group(1)).name, int(m.group(2)))
        reveal = re.match(r'Revealed type is "(.*)"$', m.group(4))
        if reveal:
            report.reveals.setdefault(key, []).append(normalize(reveal.group(1)))
        elif m.group(3) == "error":
            report.errors.setdefault(key, []).append(m.group(4))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return report


def run_pyright(env: Env, files: list[str]) -> Report:
    (env.work / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"})
    )
    proc = subprocess.run(
        [str(BIN / "pyright"), "--outputjson", "--pythonpath", str(env.python), *files],
        cwd=env.work, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    data = json.loads(proc.stdout)
    report = Report()
    for diag in data["generalDiagnostics"]:
        key = (Path(diag["file"]).name, diag["range"]["start"]["line"] + 1)
        reveal = re.match(r'Type of ".*" is "(.*)"$', diag["message"], re.S)
        if diag["severity"] == "information" and reveal:
            report.reveals.setdefault(key, []).append(reveal.group(1))
        elif diag["severity"] == "error":
            report.errors.setdefault(key, []).append(diag["message"])
    return report


_REPORTS: dict[str, Report] = {}


@pytest.fixture(params=["mypy", "pyright"])
def report(request: pytest.FixtureRequest, env: Env) -> Report:
    checker = str(request.param)
    if checker not in _REPORTS:  # one run per checker over every snippet
        runner = run_mypy if checker == "mypy" else run_pyright
        _REPORTS[checker] = runner(env, FILES)
    return _REPORTS[checker]


def markers(name: str, tag: str) -> dict[int, str]:
    lines = (SNIPPETS / name).read_text().splitlines()
    return {i: line.split(tag, 1)[1].strip() for i, line in enumerate(lines, 1) if tag in line}


@pytest.mark.parametrize("name", [f for f in FILES if f.startswith("good_")])
def test_good_snippet_checks_clean_and_reveals(report: Report, name: str) -> None:
    errors = {k: v for k, v in report.errors.items() if k[0] == name}
    assert errors == {}
    expected = markers(name, "# reveal:")
    assert expected, f"{name} has no reveal markers"
    for line, want in expected.items():
        assert report.reveals.get((name, line)) == [want], f"{name}:{line}"


@pytest.mark.parametrize("name", [f for f in FILES if f.startswith("bad_")])
def test_bad_snippet_errors_exactly_on_marked_lines(report: Report, name: str) -> None:
    expected = markers(name, "# E:")
    assert expected, f"{name} has no error markers"
    got = {line for (file, line) in report.errors if file == name}
    missing = sorted(set(expected) - got)
    unexpected = {line: report.errors[(name, line)] for line in sorted(got - set(expected))}
    assert not missing, f"lines that should error but do not: {[(n, expected[n]) for n in missing]}"
    assert not unexpected, f"lines that error but should not: {unexpected}"


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
        "from typedb.facades.db import db\nrows = db.select_from('tags').execute()\n"
    )
    assert run_mypy(environment, ["use.py"]).errors == {}

    contracts.write_text(body.format(table="labels"))
    generate(load_registry(config), stubs)  # same folder, no install
    assert list(run_mypy(environment, ["use.py"]).errors) == [("use.py", 2)]
    assert list(run_pyright(environment, ["use.py"]).errors) == [("use.py", 2)]


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
    assert list(run_mypy(environment, ["use.py"]).errors) == [("use.py", 10)]
    assert list(run_pyright(environment, ["use.py"]).errors) == [("use.py", 10)]
