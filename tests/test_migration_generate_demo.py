"""The demo app and `migration:generate`, on SQLite and PostgreSQL: right after
`migration:latest` there is nothing to generate (hand-written and generated migrations agree
with the contracts), and the contracts-first workflow README walks through works: a table
added to contracts.py only, its migration generated, applied, and queried with types."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from _generate_project import ruff_clean

ROOT = Path(__file__).resolve().parents[1]
GENERATED = "2026_11_29_05_20_13_create_tags.py"


def _demo(tmp_path: Path, without_tags_migration: bool = False) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "migrations", root / "migrations", ignore=ignore)
    shutil.copytree(ROOT / "modules", root / "modules", ignore=ignore)
    shutil.copy(ROOT / "contracts.py", root / "contracts.py")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    if without_tags_migration:
        (root / "migrations" / GENERATED).unlink()
    return root


def _typedb(root: Path, url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "typedb", *args, "--database-url", url],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def test_nothing_to_generate_after_latest(tmp_path: Path, db_url: str) -> None:
    assert (ROOT / "migrations" / GENERATED).is_file()
    root = _demo(tmp_path)
    _typedb(root, db_url, "migration:latest", "--no-stubs")
    assert "No changes" in _typedb(root, db_url, "migration:generate", "anything")
    assert sorted(p.name for p in (root / "migrations").glob("2*.py")) == sorted(
        p.name for p in (ROOT / "migrations").glob("2*.py")
    )


def test_a_table_added_by_contract_only(tmp_path: Path, db_url: str) -> None:
    """README's contracts-first walk-through: edit the contract, generate, migrate, query."""
    root = _demo(tmp_path, without_tags_migration=True)
    _typedb(root, db_url, "migration:latest", "--no-stubs")
    out = _typedb(root, db_url, "migration:generate", "create_tags")
    [path] = (root / "migrations").glob("*_create_tags.py")
    assert f"Created migrations/{path.name}" in out
    assert path.read_text() == (ROOT / "migrations" / GENERATED).read_text()
    ruff_clean([path], ROOT)
    _typedb(root, db_url, "migration:latest", "--no-stubs")
    query = (
        "import typedb\n"
        f"db = typedb.connect({db_url!r})\n"
        "db.insert_into('items').values({'name': 'lamp'}).execute()\n"
        "db.insert_into('tags').values({'name': 'lighting', 'item_id': 1}).execute()\n"
        "print(db.select_from('tags').select('name').where('item_id', '=', 1).execute())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", query], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[{'name': 'lighting'}]", result.stderr
    assert "No changes" in _typedb(root, db_url, "migration:generate", "again")


def test_readme_contract_block_is_the_demo_table(tmp_path: Path) -> None:
    """README's contracts-first example is a contract the registry reads, the demo's own."""
    from test_readme import python_blocks

    from typedb.contracts import load_file

    block = next(b for b in python_blocks("Migrations") if "class TagsTable" in b)
    path = tmp_path / "contracts.py"
    path.write_text(block, encoding="utf-8")
    [tags] = load_file(path)
    [demo] = [t for t in load_file(ROOT / "contracts.py") if t.name == "tags"]
    assert tags.shape() == demo.shape()
