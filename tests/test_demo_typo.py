"""demo.py's last step: one planted mistake, and mypy, pyright and ty each print the error
they report on it (run as the demo runs it, in a subprocess with this environment's
registered stubs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_shows_each_checker_catching_the_misspelled_column() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import demo; demo.show_a_caught_typo()"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert '.where("prize", "<", 10)' in out
    # A table's first where() is a callable of its lazy entry (typedb/stubgen/_lazy.py).
    assert 'typo.py:3: error: No overload variant of "__call__" of "Where"' in out  # mypy
    assert 'typo.py:3:1 - error: No overloads for "__call__"' in out  # pyright, relative path
    assert "typo.py:3:1: error[no-matching-overload] No overload matches arguments" in out  # ty
    assert out.index("$ mypy") < out.index("$ pyright") < out.index("$ ty check")
