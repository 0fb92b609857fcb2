"""Review of issue 9: the pool keys of `[tool.typedb]` are checked whatever the URL, and a
pool timeout that can never be met is refused where it is given."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import typedb


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_pool_timeout_that_cannot_be_met_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """`pool_timeout = 0` (or negative) used to be taken: every statement then failed with
    "no free connection within 0s: all 10 are in use" on an idle pool."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.typedb]\npool_timeout = {value}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(typedb.TypedbError, match="pool_timeout"):
        typedb.connect(db_url).close()
    with pytest.raises(typedb.TypedbError, match="pool_timeout"):
        typedb.connect(db_url, pool_timeout=float(value)).close()


@pytest.mark.parametrize(
    "setting", ['pool_max = "ten"', "pool_min = 5\npool_max = 2", "pool_maxx = 3"]
)
def test_a_wrong_pool_key_is_an_error_on_a_sqlite_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    """README: a pyproject.toml "that parses with a wrong pool value or an unknown key still
    is an error" whatever the URL. It was on PostgreSQL and in-memory SQLite, and silently
    ignored for a SQLite file: a project tested on SQLite failed only in production."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.typedb]\n{setting}\n")
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with pytest.raises(typedb.TypedbError):
        typedb.connect(url).close()
    with pytest.raises(typedb.TypedbError):
        asyncio.run(typedb.connect_async(url).close())
