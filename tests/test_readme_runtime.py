"""README's "Using typedb in an application" examples run as written, on both backends."""

from __future__ import annotations

import pytest

from tests.test_readme import python_blocks

SECTION = "Using typedb in an application"


def test_the_threads_and_asyncio_examples_run(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = python_blocks(SECTION)
    assert len(blocks) == 2
    for block in blocks:
        assert '"sqlite:///shop.db"' in block
        exec(compile(block.replace('"sqlite:///shop.db"', repr(db_url)), "README.md", "exec"), {})
    assert capsys.readouterr().out.split() == ["True", "20"]
