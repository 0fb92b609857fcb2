"""README's Schema builder example runs as written, on both backends."""

from __future__ import annotations

import pytest
from test_readme import python_blocks, run


def test_schema_builder_example_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = python_blocks("Schema builder")[0]
    assert 'typedb.connect("sqlite://")' in code
    run(code.replace('typedb.connect("sqlite://")', f"typedb.connect({db_url!r})"))
    out = capsys.readouterr().out
    assert "cannot change column items.name to varchar(5): 1 value(s)" in out
    assert "items_owner_id_fkey on table items depends on table users" in out
