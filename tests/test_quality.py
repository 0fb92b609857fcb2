"""The library itself passes ruff, mypy --strict and pyright (strict) clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Named file by file: the root [tool.mypy] excludes src/ from directory walks, so that `mypy .`
# checks the demo app as a user's project is checked.
# (A module with a .pyi beside it is checked through the .pyi, as a user's checker reads it.)
LIBRARY = sorted(
    str(p.relative_to(ROOT))
    for p in (ROOT / "src" / "typedb").rglob("*.py*")
    if p.suffix == ".pyi" or (p.suffix == ".py" and not p.with_suffix(".pyi").exists())
)


def _run(*cmd: str) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    # pyright passes, checking nothing, when its configuration excludes every named path.
    assert "No source files found" not in proc.stdout + proc.stderr, proc.stdout


@pytest.mark.parametrize(
    "cmd",
    [
        ("ruff", "check", "src/typedb", "tests"),
        ("ruff", "format", "--check", "src/typedb"),
        ("mypy", "--strict", *LIBRARY),
        ("pyright", "--pythonpath", sys.executable, "src/typedb"),
    ],
    ids=["ruff", "ruff-format", "mypy", "pyright"],
)
def test_library_is_clean(cmd: tuple[str, ...]) -> None:
    _run(str(BIN / cmd[0]), *cmd[1:])
