"""`contracts:check` as the schema diff (uncovered tables included) and `contracts:generate`,
through the CLI in a subprocess on SQLite and PostgreSQL: the round trip on the demo app and
on a ten-table project with modules, built by hand-written migrations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import typedb
from typedb._config import load
from typedb.schema_diff import describe, diff, from_database, from_migrations

ROOT = Path(__file__).resolve().parents[1]
TYPEDB = [sys.executable, "-m", "typedb"]
RUFF = str(Path(sys.executable).with_name("ruff"))


def _cli(root: Path, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TYPEDB_DATABASE_URL": url}
    return subprocess.run(
        [*TYPEDB, *args], cwd=root, env=env, capture_output=True, text=True, timeout=180
    )


def _ruff_clean(root: Path, path: Path) -> None:
    """ruff check and ruff format --check pass, run in the project as its user would."""
    for args in (("check", "--isolated"), ("format", "--isolated", "--check")):
        proc = subprocess.run([RUFF, *args, str(path)], cwd=root, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


USERS_ONLY = '''\
"""Core contracts."""

from typing import TypedDict

from typedb.contracts import Generated, TimestampTable


class UsersTable(TimestampTable):
    id: Generated[int]
    email: str
    name: str


class Database(TypedDict):
    users: UsersTable
'''


def _demo(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    shutil.copytree(ROOT / "migrations", root / "migrations")
    shutil.copytree(
        ROOT / "modules", root / "modules", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "modules" / "blog" / "contracts.py").unlink()
    for pattern in ("*_create_tags.py", "*_create_counters.py"):  # hand-written ones only
        for generated in (root / "migrations").glob(pattern):
            generated.unlink()
    (root / "contracts.py").write_text(USERS_ONLY)
    (root / "pyproject.toml").write_text('[tool.typedb]\ncontracts = ["contracts.py"]\n')
    return root


def test_check_reports_tables_no_contract_declares(db_url: str, tmp_path: Path) -> None:
    root = _demo(tmp_path)
    _ok(_cli(root, "migration:latest", "--no-stubs", url=db_url))
    check = _cli(root, "contracts:check", url=db_url)
    assert check.returncode == 1
    assert "typedb: 2 difference(s) between contracts and database:" in check.stderr
    assert (
        "  blog__posts: table is in the database but no contract declares it "
        "(`typedb contracts:generate --table blog__posts` writes one)" in check.stderr
    )
    assert "  items: table is in the database but no contract declares it" in check.stderr
    assert "typedb_migrations" not in check.stderr  # typedb's own table is not a user table


def test_generate_round_trip_on_the_demo(db_url: str, tmp_path: Path) -> None:
    root = _demo(tmp_path)
    _ok(_cli(root, "migration:latest", "--no-stubs", url=db_url))
    generated = _ok(_cli(root, "contracts:generate", url=db_url))
    assert "  contracts.py: updated (items)" in generated.stdout
    assert "  modules/blog/contracts.py: created (blog__posts)" in generated.stdout
    assert "Contracts written for 2 table(s)." in generated.stdout
    check = _ok(_cli(root, "contracts:check", url=db_url))
    assert "Contracts match the database (3 table(s))." in check.stdout

    core = (root / "contracts.py").read_text()
    assert core.startswith('"""Core contracts."""')  # merged into the existing file
    assert "class UsersTable(TimestampTable):" in core  # kept as it was
    assert "class ItemsTable(TimestampTable, SoftDeleteTable):" in core
    assert "    users: UsersTable\n" in core and "    items: ItemsTable\n" in core
    assert 'price: Annotated[Decimal, Column(type="numeric(10,2)", default=Decimal(0))]' in core
    blog = (root / "modules" / "blog" / "contracts.py").read_text()
    assert "class BlogPostsTable(TimestampTable, SoftDeleteTable):" in blog
    assert 'references="users.id", on_delete="cascade"' in blog
    assert 'slug: Annotated[str | None, Column(type="varchar(200)")]' in blog
    assert 'Index("blog__posts_slug_unique", ["slug"], unique=True)' in blog
    for path in (root / "contracts.py", root / "modules" / "blog" / "contracts.py"):
        _ruff_clean(root, path)

    # Deterministic: written again from scratch, the module file is the same.
    (root / "modules" / "blog" / "contracts.py").unlink()
    _ok(_cli(root, "contracts:generate", "-m", "blog", url=db_url))
    assert (root / "modules" / "blog" / "contracts.py").read_text() == blog
    again = _ok(_cli(root, "contracts:generate", url=db_url))
    assert "Every table has a contract (3 table(s))." in again.stdout


CORE_MIGRATION = """\
from typedb import Database, sql


def up(db: Database) -> None:
    s = db.schema
    s.create_table("users").add_id_column().add_column(
        "email", "varchar(120)", lambda c: c.not_null().unique()
    ).add_column("name", "text").add_column(
        "role", "text", lambda c: c.not_null().default_to("member").check("role IN ('member', 'admin')")
    ).add_column("active", "boolean", lambda c: c.not_null().default_to(True)).add_timestamp_columns().execute()
    s.create_table("tags").add_column("slug", "text", lambda c: c.primary_key()).add_column(
        "weight", "real", lambda c: c.default_to(1.5)
    ).execute()
    s.create_table("user_tags").add_column(
        "user_id", "integer", lambda c: c.not_null().references("users.id").on_delete("cascade")
    ).add_column(
        "tag", "text", lambda c: c.not_null().references("tags.slug").on_update("cascade")
    ).add_primary_key_constraint("user_tags_pkey", ["user_id", "tag"]).execute()
    s.create_table("addresses").add_id_column().add_column(
        "user_id", "integer", lambda c: c.not_null().references("users.id")
    ).add_column("city", "varchar(80)", lambda c: c.not_null()).add_column(
        "zip", "char(5)"
    ).add_soft_delete_column().execute()
    s.create_table("settings").add_column("key", "text", lambda c: c.primary_key()).add_column(
        "value", "jsonb" if db.dialect.name == "postgresql" else "json"
    ).add_column("changed_on", "date").execute()
    s.create_table("events").add_id_column().add_column(
        "happened_at", "timestamptz", lambda c: c.not_null()
    ).add_column("payload", "bytea").add_column("ref", "uuid").add_column(
        "amount", "numeric(12,3)", lambda c: c.check("amount <> 0")
    ).add_check_constraint("events_ref_or_payload", "ref IS NOT NULL OR payload IS NOT NULL").execute()
    s.create_index("users_name_active").on("users").columns(["name", "active"]).where(
        "name IS NOT NULL"
    ).execute()
    s.create_index("addresses_city_zip").on("addresses").columns(["city", "zip"]).unique().execute()


def down(db: Database) -> None:
    for table in ("events", "settings", "addresses", "user_tags", "tags", "users"):
        db.schema.drop_table(table).execute()
"""

SHOP_MIGRATION = """\
from typedb import Database


def up(db: Database) -> None:
    s = db.schema
    s.create_table("shop__orders").add_id_column().add_column(
        "user_id", "bigint", lambda c: c.references("users.id").on_delete("set null")
    ).add_column(
        "total", "numeric(10,2)", lambda c: c.not_null().default_to(0).check("total >= 0")
    ).add_column("placed_on", "date").add_timestamp_columns().add_unique_constraint(
        "shop__orders_user_placed", ["user_id", "placed_on"]
    ).execute()
    s.create_index("shop__orders_user_id_index").on("shop__orders").columns(["user_id"]).execute()
    s.create_table("shop__order_lines").add_column(
        "order_id", "integer", lambda c: c.not_null().references("shop__orders.id").on_delete("cascade")
    ).add_column("line", "smallint", lambda c: c.not_null()).add_column(
        "sku", "varchar(32)", lambda c: c.not_null()
    ).add_column("qty", "integer", lambda c: c.not_null().default_to(1)).add_primary_key_constraint(
        "shop__order_lines_pkey", ["order_id", "line"]
    ).execute()


def down(db: Database) -> None:
    db.schema.drop_table("shop__order_lines").execute()
    db.schema.drop_table("shop__orders").execute()
"""

BLOG_MIGRATION = """\
from typedb import Database


def up(db: Database) -> None:
    db.schema.create_table("blog__posts").add_id_column().add_column(
        "author_id", "integer", lambda c: c.not_null().references("users.id")
    ).add_column("title", "varchar(200)", lambda c: c.not_null()).add_column(
        "status", "text", lambda c: c.not_null().default_to("draft").check("status IN ('draft', 'published')")
    ).add_column("body", "text").add_timestamp_columns().add_soft_delete_column().execute()
    db.schema.create_table("blog__comments").add_id_column().add_column(
        "post_id", "integer", lambda c: c.not_null().references("blog__posts.id").on_delete("cascade")
    ).add_column("body", "text", lambda c: c.not_null()).add_column(
        "score", "double precision", lambda c: c.default_to(0.0)
    ).execute()
    db.schema.create_index("blog__comments_post_recent").on("blog__comments").columns(
        ["post_id", "score"]
    ).execute()


def down(db: Database) -> None:
    db.schema.drop_table("blog__comments").execute()
    db.schema.drop_table("blog__posts").execute()
"""


def _ten_tables(tmp_path: Path) -> Path:
    root = tmp_path / "shopapp"
    (root / "migrations").mkdir(parents=True)
    (root / "migrations" / "2026_01_01_00_00_00_core.py").write_text(CORE_MIGRATION)
    for module, text in (("shop", SHOP_MIGRATION), ("blog", BLOG_MIGRATION)):
        (root / "modules" / module / "migrations").mkdir(parents=True)
        (root / "modules" / module / "migrations" / "2026_01_02_00_00_00_create.py").write_text(
            text
        )
    (root / "contracts.py").write_text(
        '"""Core contracts."""\n\nfrom typing import TypedDict\n\n\nclass Database(TypedDict):\n    pass\n'
    )
    (root / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [tool.typedb]
        contracts = ["contracts.py"]
        """)
    )
    return root


def test_generate_round_trip_on_ten_tables_with_modules(db_url: str, tmp_path: Path) -> None:
    root = _ten_tables(tmp_path)
    _ok(_cli(root, "migration:latest", "--no-stubs", url=db_url))
    before = _cli(root, "contracts:check", url=db_url)
    assert before.returncode == 1 and "10 difference(s)" in before.stderr, before.stderr

    only = _ok(_cli(root, "contracts:generate", "--table", "tags", url=db_url))
    assert "  contracts.py: updated (tags)" in only.stdout
    shop = _ok(_cli(root, "contracts:generate", "-m", "shop", url=db_url))
    assert "modules/shop/contracts.py: created (shop__order_lines, shop__orders)" in shop.stdout
    # shop__orders references users: its contract comes along, or the module's would not load.
    assert "  users: included, referenced by a table written now" in shop.stdout
    assert "  contracts.py: updated (users)" in shop.stdout
    rest = _ok(_cli(root, "contracts:generate", url=db_url))
    assert "Contracts written for 6 table(s)." in rest.stdout, rest.stdout
    assert not rest.stderr, rest.stderr
    check = _cli(root, "contracts:check", url=db_url)
    assert check.returncode == 0, check.stderr
    assert "Contracts match the database (10 table(s))." in check.stdout

    core = (root / "contracts.py").read_text()
    assert "    pass\n" not in core  # the placeholder body gave way to the tables
    assert 'user_tags: Annotated[UserTagsTable, Table(primary_key=["user_id", "tag"])]' in core
    assert 'role: Annotated[Literal["member", "admin"], Column(default="member")]' in core
    lines = (root / "modules" / "shop" / "contracts.py").read_text()
    assert 'Table(primary_key=["order_id", "line"])' in lines
    assert 'uniques=[["user_id", "placed_on"]]' in lines
    for path in (root / "contracts.py", *root.glob("modules/*/contracts.py")):
        _ruff_clean(root, path)

    # A contract edited after the round trip shows as one exact difference.
    (root / "contracts.py").write_text(
        core.replace('Column(type="varchar(80)")', 'Column(type="varchar(90)")')
    )
    edited = _cli(root, "contracts:check", url=db_url)
    assert edited.returncode == 1
    assert (
        "addresses.city: the contract says varchar(90) (str) but the database column is varchar(80)"
        in edited.stderr
    )


def test_from_migrations_equals_the_migrated_database(db_url: str, tmp_path: Path) -> None:
    root = _ten_tables(tmp_path)
    config = load(root)
    built = from_migrations(config, db_url)
    assert len(built.tables) == 10
    _ok(_cli(root, "migration:latest", "--no-stubs", url=db_url))
    with typedb.connect(db_url) as db:
        live = from_database(db, exclude=(config.migration_table,))
        if db.dialect.name == "postgresql":
            left = db.raw("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'typedb_tmp_%%'")
            assert left == []  # the throwaway schema is gone
    assert [describe(c) for c in diff(live, built)] == []


README_CONTRACT = """\
from typing import Annotated, Literal, TypedDict

from typedb.contracts import Column, Generated, Index, Table, TimestampTable


class BlogPostsTable(TimestampTable):
    id: Generated[int]
    author_id: Annotated[int, Column(references="users.id", on_delete="cascade", index=True)]
    title: Annotated[str, Column(type="varchar(200)")]
    slug: Annotated[str | None, Column(unique=True)]
    status: Annotated[Literal["draft", "published"], Column(default="draft")]


class Database(TypedDict):
    blog__posts: Annotated[BlogPostsTable, Table(indexes=[Index("blog__posts_title", ["title"])])]
"""

USERS_CONTRACT = """\
from typing import TypedDict

from typedb.contracts import Generated


class UsersTable(TypedDict):
    id: Generated[int]


class Database(TypedDict):
    users: UsersTable
"""


def test_check_reports_what_readme_shows(db_url: str, tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "modules" / "blog").mkdir(parents=True)
    (root / "modules" / "blog" / "contracts.py").write_text(README_CONTRACT)
    (root / "contracts.py").write_text(USERS_CONTRACT)
    (root / "pyproject.toml").write_text('[tool.typedb]\ncontracts = ["contracts.py"]\n')
    with typedb.connect(db_url) as db:
        db.schema.create_table("users").add_id_column().execute()
        db.schema.create_table("blog__posts").add_id_column().add_column(
            "author_id",
            "integer",
            lambda c: c.not_null().references("users.id").on_delete("cascade"),
        ).add_column("title", "text", lambda c: c.not_null()).add_column(
            "slug", "text", lambda c: c.unique()
        ).add_column(
            "status",
            "text",
            lambda c: c.not_null().default_to("draft").check("status IN ('draft', 'published')"),
        ).add_timestamp_columns().execute()
        db.schema.create_index("blog__posts_author_id_index").on("blog__posts").columns(
            ["author_id"]
        ).execute()
        db.schema.create_table("tags").add_column("name", "text").execute()
    check = _cli(root, "contracts:check", url=db_url)
    assert check.returncode == 1
    assert check.stderr == (
        "typedb: 3 difference(s) between contracts and database:\n"
        "  blog__posts: index blog__posts_title (title) is in the contract but not in the "
        "database\n"
        "  blog__posts.title: the contract says varchar(200) (str) but the database column is "
        "text\n"
        "  tags: table is in the database but no contract declares it "
        "(`typedb contracts:generate --table tags` writes one)\n"
    )
    readme = (ROOT / "README.md").read_text()
    for line in check.stderr.splitlines():
        assert line in readme  # README shows this very report


def test_a_migrated_table_without_contract_is_reported_after_migrating(
    db_url: str, tmp_path: Path
) -> None:
    """The issue's first complaint: `migration:make create_users` + `migration:latest` left a
    table no contract declares, and nothing said so."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "contracts.py").write_text(
        "from typing import TypedDict\n\n\nclass Database(TypedDict):\n    pass\n"
    )
    (root / "pyproject.toml").write_text('[tool.typedb]\ncontracts = ["contracts.py"]\n')
    _ok(_cli(root, "migration:make", "create_users", url=db_url))
    migrated = _ok(_cli(root, "migration:latest", url=db_url))
    assert "users: table is in the database but no contract declares it" in migrated.stderr
    check = _cli(root, "contracts:check", url=db_url)
    assert check.returncode == 1
    assert "1 difference(s)" in check.stderr
