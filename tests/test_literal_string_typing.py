"""Raw SQL is typed `LiteralString`: a checker refuses SQL built from a runtime string.

`db.raw()`, `trx.raw()` and `typedb.sql()` are the only doors for raw SQL. pyright enforces
PEP 675, so an f-string or a concatenation with a `str` is an error there; mypy does not
implement LiteralString checks yet (python/mypy#12554) and treats it as `str`, so for mypy this
only shows the snippet is clean (no false errors on literal SQL).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

SNIPPET = """\
import typedb


def run(user: str) -> None:
    db = typedb.connect("sqlite://")
    db.raw("SELECT 1")
    db.raw("SELECT " + "1")
    typedb.sql("CURRENT_TIMESTAMP")
    with db.transaction() as trx:
        trx.raw("SELECT 1")
        trx.raw(f"SELECT {user}")  # E
    db.raw(f"SELECT {user}")  # E
    db.raw("SELECT " + user)  # E
    typedb.sql(f"x = {user}")  # E
    typedb.sql(user)  # E
"""
EXPECTED = {i for i, line in enumerate(SNIPPET.splitlines(), 1) if line.endswith("# E")}


def test_pyright_refuses_raw_sql_built_at_runtime(tmp_path: Path) -> None:
    (tmp_path / "snippet.py").write_text(SNIPPET)
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"})
    )
    proc = subprocess.run(
        [str(BIN / "pyright"), "--outputjson", "--pythonpath", sys.executable, "snippet.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    diagnostics = json.loads(proc.stdout)["generalDiagnostics"]
    errors = {d["range"]["start"]["line"] + 1: d["message"] for d in diagnostics}
    assert set(errors) == EXPECTED, errors
    assert all("LiteralString" in message for message in errors.values())


def test_mypy_accepts_literal_raw_sql(tmp_path: Path) -> None:
    (tmp_path / "snippet.py").write_text(SNIPPET)
    proc = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", "snippet.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
