"""Review of issue 13 (type checking in CI), as a new user following README runs into it.

No type checker runs here (they are slow; tests/test_typecheck_project.py runs them): these are
the CLI and packaging steps around them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import typedb
from typedb.stubgen import scratch_environment

ROOT = Path(__file__).resolve().parents[1]

CONTRACTS = """from typing import TypedDict


class ItemsTable(TypedDict):
    id: int


class Database(TypedDict):
    items: ItemsTable
"""


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.typedb]\ncontracts = ["contracts.py"]\n', encoding="utf-8"
    )
    (root / "contracts.py").write_text(CONTRACTS, encoding="utf-8")
    return root


def _typedb(root: Path, python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "typedb", *args], cwd=root, capture_output=True, text=True, timeout=60
    )


def test_check_on_registered_but_missing_stubs_says_generate_not_install(tmp_path: Path) -> None:
    """README's order for a new project: `migration:latest` (no stubs/ yet, so none are
    written), `stubs:install`, `stubs:check`. The folder is registered but empty, or later
    deleted: `stubs:check` used to add "not registered ... run `typedb stubs:install`", which
    the user had just run and which changes nothing. Only `stubs:generate` fixes it."""
    root = _project(tmp_path / "app")
    python = scratch_environment(tmp_path / "env", root / "stubs")  # registers, mkdirs stubs/

    empty = _typedb(root, python, "stubs:check")
    assert empty.returncode == 1
    assert "stubs:generate" in empty.stderr
    assert "not registered" not in empty.stderr, empty.stderr

    assert _typedb(root, python, "stubs:generate").returncode == 0
    assert _typedb(root, python, "stubs:check").returncode == 0

    shutil.rmtree(root / "stubs")  # the whole folder: site no longer adds it to sys.path
    deleted = _typedb(root, python, "stubs:check")
    assert deleted.returncode == 1
    assert "stubs:generate" in deleted.stderr
    assert "not registered" not in deleted.stderr, deleted.stderr


def test_check_names_the_other_project_when_it_is_registered(tmp_path: Path) -> None:
    """Two projects in one environment: the last `stubs:install` wins, and the other project's
    `stubs:check` says whose stubs the checkers would read."""
    first = _project(tmp_path / "first")
    second = _project(tmp_path / "second")
    python = scratch_environment(tmp_path / "env", first / "stubs")
    for root in (first, second):
        assert _typedb(root, python, "stubs:generate").returncode == 0
    assert _typedb(second, python, "stubs:install").returncode == 0
    checked = _typedb(first, python, "stubs:check")
    assert checked.returncode == 1
    assert str((second / "stubs" / "typedb-stubs").resolve()) in checked.stderr


def _readme_pyproject() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Type checking in CI") : text.index("### Editor setup")]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert blocks, "README's CI recipe shows no pyproject.toml for `pip install -e '.[dev]'`"
    return str(blocks[0])


def test_readme_ci_recipe_project_installs(tmp_path: Path) -> None:
    """The recipe's first step, `pip install -e '.[dev]'`, on the documented layout (packages
    `migrations/` and `modules/` from `migration:make`, `stubs/`, `contracts.py`): setuptools'
    automatic discovery refuses a flat layout with several top-level packages, so a project
    copying the recipe went red at install instead of at the misspelled column."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "pyproject.toml").write_text(_readme_pyproject(), encoding="utf-8")
    (root / "contracts.py").write_text(CONTRACTS, encoding="utf-8")
    (root / "app.py").write_text("", encoding="utf-8")
    for package in ("migrations", "modules", "modules/blog", "modules/blog/migrations"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("", encoding="utf-8")
    (root / "stubs" / "typedb-stubs" / "facades").mkdir(parents=True)
    (root / "stubs" / "typedb-stubs" / "facades" / "db.pyi").write_text("", encoding="utf-8")
    # What pip's build backend does first: setuptools reads the metadata and finds packages.
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "egg_info",
            "--egg-base",
            str(tmp_path),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr[-2000:]


def test_module_with_contracts_but_no_migrations_checks_with_mypy_dot(tmp_path: Path) -> None:
    """README: "each module may add `modules/<name>/contracts.py`". A module with contracts and
    no migration made yet (its tables made by a core migration, or not yet) never got the
    `__init__.py` files `migration:make` writes, so `mypy .` stopped at `Duplicate module named
    "contracts"` while `stubs:check` was green. Now `stubs:check` says so and `stubs:generate`
    writes them."""
    root = _project(tmp_path / "app")
    (root / "modules" / "blog").mkdir(parents=True)
    (root / "modules" / "blog" / "contracts.py").write_text(
        CONTRACTS.replace("items:", "blog__posts:"), encoding="utf-8"
    )
    python = Path(sys.executable)
    checked = _typedb(root, python, "stubs:check")
    assert checked.returncode == 1
    assert "modules/blog/__init__.py is missing" in checked.stderr, checked.stderr
    assert _typedb(root, python, "stubs:generate").returncode == 0
    assert (root / "modules" / "__init__.py").is_file()
    assert (root / "modules" / "blog" / "__init__.py").is_file()
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--exclude", "^stubs/", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert mypy.returncode == 0, mypy.stdout


def test_module_contracts_may_import_relatively(tmp_path: Path) -> None:
    """A module's contracts may import from their own package (`.shared`) and from the
    package above (`..kinds`), as mypy, pyright and ty resolve them. They were imported under
    a synthetic top-level name, so the relative import failed at load time."""
    root = _project(tmp_path / "app")
    blog = root / "modules" / "blog"
    blog.mkdir(parents=True)
    for folder in (root / "modules", blog):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (root / "modules" / "kinds.py").write_text("Count = int\n", encoding="utf-8")
    (blog / "shared.py").write_text("Title = str\n", encoding="utf-8")
    (blog / "contracts.py").write_text(
        "from typing import TypedDict\n\nfrom ..kinds import Count\nfrom .shared import Title\n\n\n"
        "class PostsTable(TypedDict):\n    id: int\n    title: Title\n    hits: Count\n\n\n"
        "class Database(TypedDict):\n    blog__posts: PostsTable\n",
        encoding="utf-8",
    )
    generated = _typedb(root, Path(sys.executable), "stubs:generate")
    assert generated.returncode == 0, generated.stderr
    stub = (root / "stubs" / "typedb-stubs" / "facades" / "_db" / "blog__posts.pyi").read_text()
    assert re.search(r"^    title: str$", stub, re.M), stub
    assert re.search(r"^    hits: int$", stub, re.M), stub


def test_contracts_read_again_see_their_edited_siblings(tmp_path: Path) -> None:
    """Reading the contracts twice in one process (a tool regenerating stubs) reads the
    package's other files afresh too, and a package's own module is not confused with a
    same-named one of another project."""
    from typedb.contracts import load_file

    root = tmp_path / "app"
    blog = root / "modules" / "blog"
    blog.mkdir(parents=True)
    for folder in (root / "modules", blog):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (blog / "shared.py").write_text("Title = str\n", encoding="utf-8")
    (blog / "contracts.py").write_text(
        "from typing import TypedDict\n\nfrom .shared import Title\n\n\n"
        "class PostsTable(TypedDict):\n    id: int\n    title: Title\n\n\n"
        "class Database(TypedDict):\n    blog__posts: PostsTable\n",
        encoding="utf-8",
    )

    def title_type() -> str:
        (table,) = load_file(blog / "contracts.py", "blog", root)
        return next(c.type.full_text for c in table.columns if c.name == "title")

    assert title_type() == "str"
    (blog / "shared.py").write_text("Title = int\n", encoding="utf-8")
    assert title_type() == "int"
    shutil.copytree(root, tmp_path / "other")
    (tmp_path / "other" / "modules" / "blog" / "shared.py").write_text(
        "Title = bool\n", encoding="utf-8"
    )
    (table,) = load_file(tmp_path / "other" / "modules" / "blog" / "contracts.py", "blog", root)
    assert next(c.type.full_text for c in table.columns if c.name == "title") == "bool"
    assert title_type() == "int"


def test_a_relative_import_that_fails_names_the_contract_file(tmp_path: Path) -> None:
    root = _project(tmp_path / "app")
    blog = root / "modules" / "blog"
    blog.mkdir(parents=True)
    for folder in (root / "modules", blog):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (blog / "contracts.py").write_text(
        "from typing import TypedDict\n\nfrom .missing import Title\n\n\n"
        "class Database(TypedDict):\n    pass\n",
        encoding="utf-8",
    )
    generated = _typedb(root, Path(sys.executable), "stubs:generate")
    assert generated.returncode != 0
    assert "modules/blog/contracts.py: failed to import: ModuleNotFoundError" in generated.stderr, (
        generated.stderr
    )


def _app_package(root: Path, init: str) -> Path:
    """A project whose contracts are `myapp/contracts.py`, in the app's own package, whose
    `__init__.py` is `init` (an app's package code: creating the app, connecting)."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.typedb]\ncontracts = ["myapp/contracts.py"]\n', encoding="utf-8"
    )
    app = root / "myapp"
    app.mkdir()
    (app / "__init__.py").write_text(init, encoding="utf-8")
    (app / "app.py").write_text("def create_app() -> None: ...\n", encoding="utf-8")
    (app / "shared.py").write_text("Title = str\n", encoding="utf-8")
    return app


def test_the_contracts_package_code_is_not_run(tmp_path: Path) -> None:
    """Contracts in the app's own package whose `__init__.py` imports the app absolutely
    (`from myapp.app import create_app`, as Flask apps do): `typedb stubs:generate` failed
    with "No module named 'myapp'" (the console script has no project folder on sys.path),
    and `python -m typedb` ran the app's package code twice, once under a stand-in name.
    A contract file's package code never ran before relative imports were allowed, and
    mypy resolves them without it."""
    app = _app_package(
        tmp_path / "app",
        "from myapp.app import create_app\n\nraise RuntimeError('the app package ran')\n",
    )
    (app / "contracts.py").write_text(
        "from typing import TypedDict\n\nfrom . import shared\nfrom .shared import Title\n\n\n"
        "class PostsTable(TypedDict):\n    id: int\n    title: Title\n    body: shared.Title\n\n\n"
        "class Database(TypedDict):\n    posts: PostsTable\n",
        encoding="utf-8",
    )
    console_script = Path(sys.executable).with_name("typedb")
    for command in ([str(console_script)], [sys.executable, "-m", "typedb"]):
        generated = subprocess.run(
            [*command, "stubs:generate"],
            cwd=tmp_path / "app",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert generated.returncode == 0, generated.stderr


def test_a_name_only_the_package_defines_is_a_clear_error(tmp_path: Path) -> None:
    """`from . import Count`, a name the package's `__init__.py` defines: the package code
    is not run, so the name is not there; the error names the contract file and says so."""
    from typedb.contracts import load_file

    root = tmp_path / "app"
    app = _app_package(
        root, "import os\n\nos.mkdir(os.path.join(__path__[0], 'ran'))\nCount = int\n"
    )
    (app / "contracts.py").write_text(
        "from typing import TypedDict\n\nfrom . import Count\n\n\n"
        "class PostsTable(TypedDict):\n    id: int\n    hits: Count\n\n\n"
        "class Database(TypedDict):\n    posts: PostsTable\n",
        encoding="utf-8",
    )
    with pytest.raises(
        typedb.ContractError,
        match=r"(?s)contracts\.py: failed to import.*"
        r"without running a package's __init__\.py",
    ):
        load_file(app / "contracts.py", None, root)
    assert not (app / "ran").exists()


def test_a_symlinked_module_folder_imports_relatively_from_where_it_is_linked(
    tmp_path: Path,
) -> None:
    """A module folder linked into `modules/` (one module shared by several projects):
    `from ..kinds import Count` is `modules/kinds.py` to mypy, which takes the path as
    written. The link was resolved first, so the import failed ("attempted relative import
    beyond top-level package")."""
    from typedb.contracts import load_file

    root = tmp_path / "app"
    (root / "modules").mkdir(parents=True)
    (root / "modules" / "__init__.py").write_text("", encoding="utf-8")
    (root / "modules" / "kinds.py").write_text("Count = int\n", encoding="utf-8")
    shared = tmp_path / "shared" / "blog"
    shared.mkdir(parents=True)
    (shared / "__init__.py").write_text("", encoding="utf-8")
    (shared / "contracts.py").write_text(
        "from typing import TypedDict\n\nfrom ..kinds import Count\n\n\n"
        "class PostsTable(TypedDict):\n    id: int\n    hits: Count\n\n\n"
        "class Database(TypedDict):\n    blog__posts: PostsTable\n",
        encoding="utf-8",
    )
    (root / "modules" / "blog").symlink_to(shared, target_is_directory=True)
    (table,) = load_file(root / "modules" / "blog" / "contracts.py", "blog", root)
    assert next(c.type.full_text for c in table.columns if c.name == "hits") == "int"
