"""The library itself passes ruff, mypy --strict and pyright (strict) clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize(
    "cmd",
    [
        ("ruff", "check", "src/typedb", "tests"),
        ("ruff", "format", "--check", "src/typedb"),
        ("mypy", "--strict", "-p", "typedb"),
        ("pyright", "--pythonpath", sys.executable, "src/typedb"),
    ],
    ids=["ruff", "ruff-format", "mypy", "pyright"],
)
def test_library_is_clean(cmd: tuple[str, ...]) -> None:
    _run(str(BIN / cmd[0]), *cmd[1:])
