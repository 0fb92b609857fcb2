"""The query builder's README section runs as written, on both backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "readme" / "query.md"


def test_readme_example_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert blocks, f"no python example in {DOC}"
    code = blocks[0].replace('typedb.connect("sqlite://")', f"typedb.connect({db_url!r})")
    assert db_url in code
    namespace: dict[str, object] = {}
    try:
        exec(compile(code, str(DOC), "exec"), namespace)
    finally:
        db = namespace.get("db")
        if db is not None:
            db.close()  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "no row found in table 'items'" in out
    assert "DROP TABLE" in out  # the hostile value is printed as a parameter, not SQL
