"""The stub generator: deterministic output, stale detection, the CLI commands, install."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from typedb._config import load
from typedb.contracts import ContractTable as Table
from typedb.contracts import Registry, load_registry, merge
from typedb.stubgen import PACKAGE, check, generate, install, render

ROOT = Path(__file__).resolve().parents[1]
TYPEDB = [sys.executable, "-m", "typedb"]


def demo() -> Registry:
    return load_registry(load(ROOT))


def test_render_is_deterministic_and_independent_of_declaration_order() -> None:
    registry = demo()
    reversed_registry = merge([list(reversed(list(registry)))])
    assert render(registry) == render(registry) == render(reversed_registry)


def test_one_module_per_table_plus_index() -> None:
    files = render(demo())
    assert files[f"{PACKAGE}/py.typed"] == "partial\n"
    assert sorted(f for f in files if f.endswith(".pyi")) == [
        f"{PACKAGE}/facades/_db/__init__.pyi",
        f"{PACKAGE}/facades/_db/_common.pyi",
        f"{PACKAGE}/facades/_db/_joined.pyi",
        f"{PACKAGE}/facades/_db/_lazy.pyi",
        f"{PACKAGE}/facades/_db/_lazy_async.pyi",
        f"{PACKAGE}/facades/_db/_query.pyi",
        f"{PACKAGE}/facades/_db/blog__posts.pyi",
        f"{PACKAGE}/facades/_db/counters.pyi",
        f"{PACKAGE}/facades/_db/items.pyi",
        f"{PACKAGE}/facades/_db/tags.pyi",
        f"{PACKAGE}/facades/_db/users.pyi",
        f"{PACKAGE}/facades/async_db.pyi",
        f"{PACKAGE}/facades/db.pyi",
    ]
    items = files[f"{PACKAGE}/facades/_db/items.pyi"]
    assert "class ItemsInsert(TypedDict):" in items
    assert "    price: NotRequired[Decimal | Fragment]\n" in items
    assert "    name: str\n" in items
    assert "class ItemsUpdate(TypedDict, total=False):" in items
    index = files[f"{PACKAGE}/facades/db.pyi"]
    # db.soft_delete is a SoftDeleteFrom object: its __call__ has one overload per table.
    soft = index.split("class SoftDeleteFrom:")[1].split("\nclass ")[0]
    assert "def soft_delete(self) -> SoftDeleteFrom: ..." in index
    assert 'def __call__(self, table: Literal["items"])' in soft
    assert 'def __call__(self, table: Literal["users"])' not in soft
    # Only select_from takes any string ("items as i"); writes take known tables only.
    assert index.count("table: str)") == 1
    select = index.split("class SelectFrom:")[1].split("\nclass ")[0]
    assert "def __call__(self, table: str)" in select


def test_a_table_method_gives_a_lazy_entry_not_the_tables_generic_query() -> None:
    """A table's query class derives from a lazy entry of a one-member protocol and of itself
    (`class ItemsSelect(_LazySelect[ItemsSelectOf, ItemsSelect])`): a checker building the
    dispatch's overloads (pyright builds them all at the first call) does not reach the
    table's TypedDicts and Literals until a method is called on a query of that table. v2's
    `class ItemsSelect(Select[ItemsRow, ...])` made it build them for every table."""
    files = render(demo())
    for index, a in (("db", ""), ("async_db", "Async")):
        text = files[f"{PACKAGE}/facades/{index}.pyi"]
        assert f'(self, table: Literal["items"]) -> Items{a}Select:' in text
        assert (
            f"class Items{a}SelectOf(Protocol):\n    def q(self) -> {a}Select[ItemsRow, "
            "ItemsTables, ItemsSoftDelete, Never, ItemsB0, Never, ItemsB2, ItemsB3, ItemsB4]: ...\n"
            f"class Items{a}Select(_Lazy{a}Select[Items{a}SelectOf, Items{a}Select]): ...\n"
        ) in text
        bases = [line.partition("(")[2] for line in text.splitlines() if line.startswith("class ")]
        assert not [b for b in bases if "Row" in b]  # no base names a table's types
    assert "LazyAsyncSelect" not in files[f"{PACKAGE}/facades/db.pyi"]  # sync loads no async
    # The entries name no table: a column added to a table does not make mypy re-check them.
    for module in ("_lazy", "_lazy_async"):
        assert "facades._db.items" not in files[f"{PACKAGE}/facades/_db/{module}.pyi"]
    lazy = files[f"{PACKAGE}/facades/_db/_lazy.pyi"]
    lazy = lazy.split("class LazySelect(SelectEntry, Generic[_Of, _Me]):")[1].split("\nclass ")[0]
    # A method that gives the query back gives the table's own class (_Me); others what the
    # generic class's method gives, its type arguments read from the protocol.
    assert (
        "    def limit(self: LazySelect[_SelectOf[Row, Tables, SoftDel, Loose, B0, B1, B2, B3, B4], "
        "_Me], count: int) -> _Me: ..."
    ) in lazy
    assert (
        "    def execute(self: LazySelect[_SelectOf[Row, Tables, SoftDel, Loose, B0, B1, B2, B3, B4], "
        "_Me]) -> list[Row]: ..."
    ) in lazy


def test_a_join_overload_names_its_tables_class() -> None:
    """A join's per-table overloads name the table's class in `_joined` rather than spell
    the union of its Literals inline: ty (and others) build every overload's return type
    when a `Join[...]` is specialized for the query joined (see stubgen/_joined.py)."""
    files = render(demo())
    query = files[f"{PACKAGE}/facades/_db/_query.pyi"]
    join = query.split("class Join(")[1].split("\nclass ")[0]
    for line in join.splitlines():
        if 'table: Literal["items"]' in line:
            assert "-> _joined.ItemsJoined[Tables, SoftDel, Loose, B0, B1, B2, B3, B4]:" in line
    joined = files[f"{PACKAGE}/facades/_db/_joined.pyi"]
    assert (
        'class ItemsJoined(Select[dict[str, Any], Tables | Literal["items"], '
        "SoftDel | SoftDeletes, Loose, B0 | _items.ItemsB0, B1, B2 | _items.ItemsB2"
    ) in joined
    assert "class ItemsJoinedAsync(AsyncSelect[" in joined


def test_committed_demo_stubs_are_fresh() -> None:
    assert check(demo(), ROOT / "stubs") == []


def test_check_reports_missing_stale_and_extra(tmp_path: Path) -> None:
    registry = demo()
    assert {c.status for c in check(registry, tmp_path)} == {"missing"}
    generate(registry, tmp_path)
    assert check(registry, tmp_path) == []
    index = tmp_path / PACKAGE / "facades" / "db.pyi"
    index.write_text(index.read_text() + "\n# edited\n")
    stray = tmp_path / PACKAGE / "facades" / "_db" / "gone.pyi"
    stray.write_text(render(registry)[f"{PACKAGE}/facades/_db/users.pyi"])
    mine = tmp_path / PACKAGE / "notes.pyi"  # not generated: left alone
    mine.write_text("x: int\n")
    assert [(c.path, c.status) for c in check(registry, tmp_path)] == [
        (f"{PACKAGE}/facades/_db/gone.pyi", "extra"),
        (f"{PACKAGE}/facades/db.pyi", "stale"),
    ]
    generate(registry, tmp_path)
    assert check(registry, tmp_path) == [] and not stray.exists() and mine.exists()


def test_generate_touches_only_the_changed_table(tmp_path: Path) -> None:
    registry = demo()
    generate(registry, tmp_path)
    for path in tmp_path.rglob("*.pyi"):
        os.utime(path, ns=(1, 1))
    users = registry["users"]
    fewer = Table(users.name, users.columns[:-1], users.source, users.module)
    changed = merge([[t for t in registry if t.name != "users"], [fewer]])
    changes = generate(changed, tmp_path)
    assert [c.path for c in changes] == [f"{PACKAGE}/facades/_db/users.pyi"]
    assert (tmp_path / PACKAGE / "facades" / "_db" / "items.pyi").stat().st_mtime_ns == 1
    assert (tmp_path / PACKAGE / "facades" / "db.pyi").stat().st_mtime_ns == 1


def test_install_is_idempotent(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    pth, changed = install(tmp_path / "stubs", site)
    assert changed and pth.read_text() == f"{(tmp_path / 'stubs').resolve()}\n"
    assert install(tmp_path / "stubs", site) == (pth, False)
    assert install(tmp_path / "other", site)[1] is True


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.typedb]\ncontracts = ["contracts.py"]\nstubs = "typing/stubs"\n'
    )
    (tmp_path / "contracts.py").write_text(
        textwrap.dedent("""\
        from typing import TypedDict
        from typedb.contracts import Generated

        class Tags(TypedDict):
            id: Generated[int]
            label: str

        class Database(TypedDict):
            tags: Tags
        """)
    )
    return tmp_path


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TYPEDB, *args], cwd=root, capture_output=True, text=True, timeout=120)


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    """`stubs:check` with the project's stubs on the path, as `stubs:install` would put them
    (this environment's own registration names the demo's stubs)."""
    env = {**os.environ, "PYTHONPATH": str(root / "typing" / "stubs")}
    return subprocess.run(
        [*TYPEDB, "stubs:check"], cwd=root, capture_output=True, text=True, timeout=120, env=env
    )


def test_cli_generate_check_and_install(tmp_path: Path) -> None:
    root = _project(tmp_path)
    stale = _check(root)
    assert stale.returncode == 1
    assert f"{PACKAGE}/facades/db.pyi: missing" in stale.stderr

    made = _cli(root, "stubs:generate")
    assert made.returncode == 0, made.stderr
    assert "Stubs for 1 table(s) in typing/stubs/: 10 file(s) changed." in made.stdout
    assert (root / "typing" / "stubs" / PACKAGE / "facades" / "_db" / "tags.pyi").is_file()
    assert _check(root).returncode == 0
    assert "already up to date" in _cli(root, "stubs:generate").stdout

    contracts = root / "contracts.py"
    contracts.write_text(contracts.read_text() + "\n# a comment changes no stub\n")
    assert _check(root).returncode == 0
    contracts.write_text(contracts.read_text().replace("label: str", "label: str | None"))
    stale = _check(root)
    assert stale.returncode == 1 and "tags.pyi: stale" in stale.stderr

    site = tmp_path / "site"
    site.mkdir()
    installed = _cli(root, "stubs:install", "--site-packages", str(site))
    assert installed.returncode == 0, installed.stderr
    assert "registered in" in installed.stdout
    assert (site / "typedb_stubs.pth").read_text().strip() == str(root / "typing" / "stubs")
    again = _cli(root, "stubs:install", "--site-packages", str(site))
    assert "already registered" in again.stdout


def test_cli_reports_a_broken_contract_in_one_line(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "contracts.py").write_text("raise RuntimeError('boom')\n")
    proc = _cli(root, "stubs:generate")
    assert proc.returncode == 1
    assert proc.stderr.startswith("typedb: error: contracts.py: failed to import: RuntimeError")
    assert "Traceback" not in proc.stderr
