"""Snippet files under real mypy, pyright and ty, and what each one must report per line.

The format (tests/typing/conftest.py has the full text):

    db.select_from("itemz")  # E: unknown table          <- every checker of the file flags it
    db.raw(f"{x}")  # E[pyright]: LiteralString            <- pyright flags it, the others do not
    row["email"]  # E[mypy+plugin]: not selected           <- only mypy with typedb.mypy_plugin
    reveal_type(rows)  # reveal: list[ItemsRow]           <- every checker reveals this type
    reveal_type(rows)  # reveal[mypy+plugin]: list[X]  # reveal[pyright,ty]: list[ItemsRow]
    db.update_table("items").execute()  # missed: no set()  <- a mistake no checker flags yet

A line without an `E` marker must be clean in every checker that reads the file; an `E`
marker naming checkers is exact (the checkers it leaves out must stay clean there), so a
checker that starts catching a mistake, or stops, fails the test until the marker says so.
`assert_type(x, T)` needs no marker: a mismatch is an error, so the line must be clean.

Files named `plugin_*.py` are read by mypy with `plugins = ["typedb.mypy_plugin"]`
(checker `mypy+plugin`) instead of plain mypy, and by pyright and ty as usual; files named
`app_*.py` and README's blocks (`readme_*.py`) by all four (plain mypy and mypy+plugin
both): README recommends the plugin, so its forms must be clean with it too. Each checker
runs once per test session over every file it reads (start-up and stub loading dominate).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
CHECKERS = ("mypy", "pyright", "ty")
PLUGIN = "mypy+plugin"
PLUGIN_MODULE = "typedb.mypy_plugin"
PLUGIN_PREFIX = "plugin_"
# Files read by plain mypy AND mypy with the plugin (and pyright, ty): code that must be clean
# with the plugin and without it, such as tests/typing/app_*.py.
BOTH_PREFIX = "app_"
# README's blocks (tests/_typing_session.py writes them as readme_*.py): README recommends the
# plugin, so what it documents must be clean under all four.
README_PREFIX = "readme_"
ALL_CHECKERS = ("mypy", PLUGIN, "pyright", "ty")

# `# E: reason`, `# E[mypy,pyright]: reason`; `# reveal: T`, `# reveal[ty]: T`. A reveal's
# type runs to the next `  #` or the end of the line.
_ERROR = re.compile(r"(?<!`)#\s*E(?:\[([^\]]*)\])?:\s*(.*?)(?=\s+#\s*(?:E\b|reveal\b)|$)")
_REVEAL = re.compile(r"(?<!`)#\s*reveal(?:\[([^\]]*)\])?:\s*(.*?)(?=\s+#|$)")
# `# missed: why`: a mistake no checker catches yet; the line must be clean (until one does).
_MISSED = re.compile(r"(?<!`)#\s*missed:\s*(.*)$")


def plugin_available() -> bool:
    return importlib.util.find_spec(PLUGIN_MODULE) is not None


def checkers_of(name: str) -> tuple[str, ...]:
    """The checkers that read snippet file `name`."""
    if name.startswith((BOTH_PREFIX, README_PREFIX)):
        return ALL_CHECKERS
    return (PLUGIN, "pyright", "ty") if name.startswith(PLUGIN_PREFIX) else CHECKERS


@dataclass
class Expected:
    """What each checker must report on each line of one file."""

    errors: dict[str, dict[int, str]] = field(default_factory=dict)  # checker -> line -> why
    reveals: dict[str, dict[int, str]] = field(default_factory=dict)  # checker -> line -> type
    missed: dict[int, str] = field(default_factory=dict)  # line -> the mistake not caught yet
    marked_lines: int = 0


def _names(listed: str | None, line: int, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if listed is None:
        return allowed
    names = tuple(n.strip() for n in listed.split(",") if n.strip())
    wrong = [n for n in names if n not in allowed]
    if wrong or not names:
        raise ValueError(f"line {line}: checkers {wrong or listed!r} not among {allowed}")
    return names


def parse_markers(text: str, checkers: tuple[str, ...]) -> Expected:
    expected = Expected({c: {} for c in checkers}, {c: {} for c in checkers})
    for number, line in enumerate(text.splitlines(), 1):
        marked = False
        for m in _ERROR.finditer(line):
            for checker in _names(m.group(1), number, checkers):
                expected.errors[checker][number] = m.group(2).strip()
            marked = True
        for m in _REVEAL.finditer(line):
            for checker in _names(m.group(1), number, checkers):
                expected.reveals[checker][number] = m.group(2).strip()
            marked = True
        missed = _MISSED.search(line)
        if missed:
            if any(number in errors for errors in expected.errors.values()):
                raise ValueError(f"line {number}: both an E and a missed marker")
            expected.missed[number] = missed.group(1).strip()
            marked = True
        expected.marked_lines += marked
    return expected


@dataclass
class Report:
    """What one checker said: (file name, line) -> messages."""

    errors: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    reveals: dict[tuple[str, int], list[str]] = field(default_factory=dict)


def normalize(text: str) -> str:
    """A type as mypy, pyright and ty spell it, made comparable: TypedDicts by name, no
    module prefixes, no backticks."""
    text = text.strip().strip("`")
    text = re.sub(r"TypedDict\(([\w.]+), \{[^{}]*\}\)", r"\1", text)
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def run_mypy(python: Path, work: Path, files: list[str], plugin: str | None = None) -> Report:
    """mypy --strict; with `plugin` (a module name or a plugin file's path) in its config."""
    config: list[str] = []
    cache = work / ".mypy_cache"
    if plugin is not None:
        ini = work / "mypy_plugin.ini"
        ini.write_text(f"[mypy]\nplugins = {plugin}\n")
        config = ["--config-file", str(ini)]
        cache = work / ".mypy_cache_plugin"
    proc = subprocess.run(
        [str(BIN / "mypy"), "--strict", *config, "--python-executable", str(python),
         "--cache-dir", str(cache), "--no-error-summary", "--hide-error-context",
         "--show-error-codes", *files],
        cwd=work, capture_output=True, text=True, timeout=900,
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


def run_pyright(python: Path, work: Path, files: list[str]) -> Report:
    (work / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"})
    )
    proc = subprocess.run(
        [str(BIN / "pyright"), "--outputjson", "--pythonpath", str(python), *files],
        cwd=work, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    data = json.loads(proc.stdout)
    report = Report()
    for diag in data["generalDiagnostics"]:
        key = (Path(diag["file"]).name, diag["range"]["start"]["line"] + 1)
        reveal = re.match(r'Type of ".*" is "(.*)"$', diag["message"], re.S)
        if diag["severity"] == "information" and reveal:
            report.reveals.setdefault(key, []).append(normalize(reveal.group(1)))
        elif diag["severity"] in ("error", "warning"):
            report.errors.setdefault(key, []).append(diag["message"])
    return report


def run_ty(python: Path, work: Path, files: list[str]) -> Report:
    """ty finds the stubs and typedb through the scratch venv's plain `.pth` lines. Its
    warnings count as flags too (ty's default levels make some real mistakes warnings)."""
    proc = subprocess.run(
        [str(BIN / "ty"), "check", "--python", str(python), "--output-format", "concise",
         "--color", "never", *files],
        cwd=work, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    report = Report()
    for line in proc.stdout.splitlines():
        m = re.match(r"^(.+?):(\d+):\d+: (error|warning|info)\[([\w-]+)\] (.*)$", line)
        if not m:
            continue
        key = (Path(m.group(1)).name, int(m.group(2)))
        if m.group(4) == "revealed-type":
            reveal = re.match(r"Revealed type: `(.*)`$", m.group(5))
            assert reveal, line
            report.reveals.setdefault(key, []).append(normalize(reveal.group(1)))
        elif m.group(3) in ("error", "warning"):
            report.errors.setdefault(key, []).append(f"[{m.group(4)}] {m.group(5)}")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return report


def run_checker(checker: str, python: Path, work: Path, files: list[str]) -> Report:
    if checker == "mypy":
        return run_mypy(python, work, files)
    if checker == PLUGIN:
        return run_mypy(python, work, files, plugin=PLUGIN_MODULE)
    if checker == "pyright":
        return run_pyright(python, work, files)
    if checker == "ty":
        return run_ty(python, work, files)
    raise ValueError(checker)


def mismatches(checker: str, name: str, expected: Expected, report: Report) -> list[str]:
    """Every way `report` differs from what file `name`'s markers want of `checker`."""
    want_errors = expected.errors[checker]
    got_errors = {line: msgs for (file, line), msgs in report.errors.items() if file == name}
    problems = [
        f"{name}:{line} should be flagged by {checker} ({why}) but is not"
        for line, why in sorted(want_errors.items())
        if line not in got_errors
    ]
    problems += [
        f"{name}:{line} is flagged by {checker} without a marker saying so: {msgs}"
        if line not in expected.missed
        else f"{name}:{line} is now caught by {checker} ({expected.missed[line]}): turn its "
        f"`# missed:` marker into `# E[...]:` naming the checkers that catch it: {msgs}"
        for line, msgs in sorted(got_errors.items())
        if line not in want_errors
    ]
    for line, want in sorted(expected.reveals[checker].items()):
        got = report.reveals.get((name, line))
        if got != [want]:
            problems.append(f"{name}:{line} {checker} reveals {got}, marker says [{want!r}]")
    return problems
