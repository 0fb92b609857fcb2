"""README's "Beyond one table" example runs as written, on both backends."""

from __future__ import annotations

import pytest

from tests.test_readme import python_blocks, run


def test_query_v2_example_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = [b for b in python_blocks("Query builder") if "with_recursive" in b]
    assert 'typedb.connect("sqlite://")' in code
    run(code.replace('typedb.connect("sqlite://")', f"typedb.connect({db_url!r})"))
    assert "same number of columns" in capsys.readouterr().out
