"""The registry: contract files read, merged, and refused with errors naming the file."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import pytest

from typedb import ContractError
from typedb._config import Config, load
from typedb.contracts import ContractWarning, load_file, load_registry

ROOT = Path(__file__).resolve().parents[1]

HEADER = """\
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NotRequired, TypedDict
from typedb.contracts import Generated, SoftDeleteTable, TimestampTable
"""


def write(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def project(tmp_path: Path, core: str | None, **modules: str) -> Config:
    contracts: tuple[str, ...] = ()
    if core is not None:
        write(tmp_path / "contracts.py", core)
        contracts = ("contracts.py",)
    for name, body in modules.items():
        write(tmp_path / "modules" / name / "contracts.py", body)
    return Config(root=tmp_path, contracts=contracts)


USERS = """
class UsersTable(TimestampTable):
    id: Generated[int]
    email: str
    nickname: str | None

class Database(TypedDict):
    users: UsersTable
"""


def test_demo_registry_merges_core_and_blog() -> None:
    registry = load_registry(load(ROOT))
    assert list(registry.tables) == ["blog__posts", "counters", "items", "tags", "users"]
    assert registry["blog__posts"].module == "blog"
    assert registry["items"].module is None
    assert registry.warnings == ()
    items = registry["items"]
    assert items.column_names == (
        "id", "name", "description", "price", "created_at", "updated_at", "deleted_at",
    )  # fmt: skip
    assert items.soft_deletes and not registry["users"].soft_deletes


def test_generated_nullable_and_not_required_are_optional_on_insert(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        """
        class T(TimestampTable, SoftDeleteTable):
            id: Generated[int]
            name: str
            note: str | None
            rank: NotRequired[int]
            kind: Literal["a", "b"]
            data: dict[str, Any]

        class Database(TypedDict):
            things: T
        """,
    )
    table = load_registry(config)["things"]
    required = {c.name for c in table.columns if c.required_on_insert}
    assert required == {"name", "kind", "data"}
    types = {c.name: c.type.full_text for c in table.columns}
    assert types["id"] == "int"
    assert types["note"] == "str | None"
    assert types["kind"] == "Literal['a', 'b']"
    assert types["data"] == "dict[str, Any]"
    assert types["deleted_at"] == "datetime | None"


def test_same_table_with_the_same_shape_twice_is_fine(tmp_path: Path) -> None:
    config = project(tmp_path, USERS, shop=USERS)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        registry = load_registry(config)
    assert list(registry.tables) == ["users"]
    assert len(registry.sources) == 2


def test_same_table_with_different_shapes_names_both_files(tmp_path: Path) -> None:
    other = USERS.replace("nickname: str | None", "nickname: str")
    config = project(tmp_path, USERS, shop=other)
    with pytest.raises(ContractError) as err:
        load_registry(config)
    message = str(err.value)
    assert "'users'" in message
    assert "contracts.py" in message and "modules/shop/contracts.py" in message
    assert "nickname" in message


def test_module_table_without_prefix_is_a_warning(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        None,
        blog="""
        class Posts(TypedDict):
            id: Generated[int]

        class Comments(TypedDict):
            id: Generated[int]

        class Database(TypedDict):
            posts: Posts
            blog__comments: Comments
        """,
    )
    with pytest.warns(
        ContractWarning, match=r"'posts' of module 'blog' should be named blog__posts"
    ):
        registry = load_registry(config)
    assert len(registry.warnings) == 1
    assert set(registry.tables) == {"posts", "blog__comments"}


def test_enabled_modules_limit_which_contracts_load(tmp_path: Path) -> None:
    project(tmp_path, None, a="class Database(TypedDict):\n    pass\n", b=USERS)
    config = Config(root=tmp_path, enabled_modules=("a",))
    assert len(load_registry(config)) == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("X = 1\n", r"contracts\.py: declares no `class Database\(TypedDict\)`"),
        ("import nope_not_a_module\n", r"contracts\.py: failed to import: ModuleNotFoundError"),
        (
            "class Database(TypedDict):\n    users: int\n",
            r"contracts\.py: Database\.users must be a TypedDict",
        ),
        (
            "class U(TypedDict):\n    when: set[int]\nclass Database(TypedDict):\n    users: U\n",
            r"contracts\.py: table 'users', column 'when': unsupported column type",
        ),
        (
            "class U(TypedDict):\n    x: 'Missing'\nclass Database(TypedDict):\n    users: U\n",
            r"contracts\.py: table 'users': cannot read its annotations",
        ),
    ],
    ids=["no-database", "import-error", "not-a-typeddict", "bad-type", "bad-annotation"],
)
def test_bad_contract_files_name_the_file(tmp_path: Path, body: str, expected: str) -> None:
    config = project(tmp_path, body)
    with pytest.raises(ContractError, match=expected):
        load_registry(config)


def test_missing_contract_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match=r"contract file nope\.py does not exist"):
        load_registry(Config(root=tmp_path, contracts=("nope.py",)))


def test_load_file_reads_postponed_annotations(tmp_path: Path) -> None:
    path = tmp_path / "c.py"
    path.write_text("from __future__ import annotations\n" + HEADER + textwrap.dedent(USERS))
    (table,) = load_file(path)
    assert table.column("email") is not None
    nickname = table.column("nickname")
    assert nickname is not None and nickname.nullable
