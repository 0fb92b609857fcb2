"""`db.schema.sync()` and `typedb schema:sync` on SQLite and PostgreSQL: missing tables are
created with every piece of contract metadata, missing columns are added, nothing is ever
dropped or altered, a NOT NULL column without default on a table with rows is refused, and
a second run does nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import typedb
from typedb._config import Config
from typedb.contracts import Registry, load_registry
from typedb.schema_diff import diff, from_database, from_registry
from typedb.schema_diff._sync import SyncError

BLOG = """\
from typing import Annotated, Literal, TypedDict
from typedb.contracts import Column, Generated, Index, Table, TimestampTable

class UsersTable(TypedDict):
    id: Generated[int]
    email: Annotated[str, Column(unique=True)]
    nick: str | None

class PostsTable(TimestampTable):
    id: Generated[int]
    author_id: Annotated[int, Column(references="users.id", on_delete="cascade", index=True)]
    title: Annotated[str, Column(type="varchar(200)")]
    status: Annotated[Literal["draft", "published"], Column(default="draft")]
{extra_posts}
class Database(TypedDict):
    users: UsersTable
    posts: Annotated[PostsTable, Table(indexes=[Index("posts_title", ["title"])])]
"""


def contracts(tmp_path: Path, extra_posts: str = "") -> Registry:
    (tmp_path / "contracts.py").write_text(
        BLOG.format(extra_posts=textwrap.indent(extra_posts, "    "))
    )
    return load_registry(Config(root=tmp_path, contracts=("contracts.py",)))


def _tables(db: typedb.Database) -> set[str]:
    return set(from_database(db).table_names)


def test_creates_missing_tables_with_all_their_metadata(
    db: typedb.Database, tmp_path: Path
) -> None:
    registry = contracts(tmp_path)
    result = db.schema.sync(registry)
    assert result.created == ("users", "posts")  # foreign-key order
    assert set(result.indexes) == {"posts_author_id_index", "posts_title"}
    live = from_database(db)
    # Everything the contracts say is there: keys, unique, FK with its action, check, indexes.
    assert diff(live, from_registry(registry, db.dialect.name, live)) == []
    posts = live.table("posts")
    assert posts is not None
    (fk,) = posts.foreign_keys
    assert (fk.ref_table, fk.on_delete) == ("users", "cascade")
    assert {i.name for i in posts.indexes} == {"posts_author_id_index", "posts_title"}
    assert posts.checks and "draft" in posts.checks[0].expression
    # And it behaves: the default fills, the check and the unique refuse, the cascade runs.
    db.insert_into("users").values({"email": "a@x"}).execute()
    db.insert_into("posts").values({"author_id": 1, "title": "t"}).execute()
    assert db.raw("SELECT status FROM posts") == [{"status": "draft"}]
    with pytest.raises(typedb.TypedbError):
        db.insert_into("users").values({"email": "a@x"}).execute()
    with pytest.raises(typedb.TypedbError):
        db.raw("INSERT INTO posts (author_id, title, status) VALUES (1, 'u', 'gone')")
    db.raw("DELETE FROM users")
    assert db.raw("SELECT id FROM posts") == []


def test_second_run_does_nothing(db: typedb.Database, tmp_path: Path) -> None:
    registry = contracts(tmp_path)
    assert db.schema.sync(registry).changed
    again = db.schema.sync(registry)
    assert (again.changed, again.statements, again.skipped) == (False, (), ())


def test_dry_run_compiles_and_changes_nothing(db: typedb.Database, tmp_path: Path) -> None:
    result = db.schema.sync(contracts(tmp_path), dry_run=True)
    assert result.dry_run and len(result.statements) == 4
    assert result.statements[0].startswith("CREATE TABLE")
    assert "REFERENCES" in result.statements[1]
    assert _tables(db) == set()


def test_adds_missing_columns_to_a_table_with_rows(db: typedb.Database, tmp_path: Path) -> None:
    db.schema.sync(contracts(tmp_path))
    db.insert_into("users").values({"email": "a@x"}).execute()
    db.insert_into("posts").values({"author_id": 1, "title": "t"}).execute()
    registry = contracts(
        tmp_path,
        "summary: str | None\nviews: Annotated[int, Column(default=0, index=True)]\n"
        'editor_id: Annotated[int | None, Column(references="users.id")]\n',
    )
    result = db.schema.sync(registry)
    assert result.added == ("posts.summary", "posts.views", "posts.editor_id")
    assert result.indexes == ("posts_views_index",)
    assert db.raw("SELECT summary, views, editor_id FROM posts") == [
        {"summary": None, "views": 0, "editor_id": None}
    ]
    live = from_database(db)
    assert diff(live, from_registry(registry, db.dialect.name, live)) == []
    with pytest.raises(typedb.TypedbError):  # the added column's foreign key is enforced
        db.raw("UPDATE posts SET editor_id = 99")


def test_not_null_without_default_on_a_table_with_rows_is_refused(
    db: typedb.Database, tmp_path: Path
) -> None:
    db.schema.sync(contracts(tmp_path))
    db.insert_into("users").values({"email": "a@x"}).execute()
    db.insert_into("posts").values({"author_id": 1, "title": "t"}).execute()
    (tmp_path / "more.py").write_text(
        "from typing import TypedDict\nclass TagsTable(TypedDict):\n    name: str\n"
        "class Database(TypedDict):\n    tags: TagsTable\n"
    )
    (tmp_path / "contracts.py").write_text(BLOG.format(extra_posts="    slug: str\n"))
    registry = load_registry(Config(root=tmp_path, contracts=("contracts.py", "more.py")))
    with pytest.raises(SyncError, match=r"posts\.slug") as refused:
        db.schema.sync(registry)
    assert "nothing was changed" in str(refused.value)
    live = from_database(db)
    posts = live.table("posts")
    assert posts is not None and posts.column("slug") is None  # not quietly made nullable
    assert "tags" not in live.table_names  # nothing else was done either
    # On an empty table the same column is simply added, NOT NULL.
    db.raw("DELETE FROM posts")
    assert db.schema.sync(registry).added == ("posts.slug",)
    posts = from_database(db).table("posts")
    slug = posts.column("slug") if posts is not None else None
    assert slug is not None and not slug.nullable


def test_never_drops_or_alters(db: typedb.Database, tmp_path: Path) -> None:
    db.schema.create_table("legacy").add_id_column().execute()
    db.schema.create_table("users").add_id_column().add_column(
        "email", "varchar(20)", lambda c: c.not_null()
    ).add_column("old_field", "text").execute()
    db.insert_into("users").values({"email": "a@x", "old_field": "keep me"}).execute()
    result = db.schema.sync(contracts(tmp_path))
    assert result.created == ("posts",) and result.added == ("users.nick",)
    skipped = "\n".join(result.skipped)
    assert "legacy: table has no contract" in skipped
    assert "users.old_field: column has no contract" in skipped
    assert "users.email: type varchar(20) -> text" in skipped
    assert "users: add unique" in skipped
    live = from_database(db)
    users = live.table("users")
    email = users.column("email") if users is not None else None
    assert "legacy" in live.table_names and email is not None
    assert email.type == "varchar(20)"
    assert db.raw("SELECT old_field FROM users") == [{"old_field": "keep me"}]


# -- the command line ------------------------------------------------------------------------


def _cli(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "typedb", "schema:sync", *args, "--database-url", url],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_cli_dry_run_sync_and_again(db_url: str, tmp_path: Path) -> None:
    contracts(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.typedb]\ncontracts = ["contracts.py"]\n')
    with typedb.connect(db_url) as db:  # the migrations' tracking table is never reported
        db.raw("CREATE TABLE typedb_migrations (name TEXT)")
    dry = _cli(tmp_path, db_url, "--dry-run")
    assert "typedb_migrations" not in dry.stdout
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("CREATE TABLE") == 2 and dry.stdout.count("CREATE INDEX") == 2
    assert dry.stdout.endswith(
        "Dry run: 2 tables to create and 0 columns to add; nothing was changed.\n"
    )
    with typedb.connect(db_url) as db:
        assert _tables(db) == {"typedb_migrations"}
    done = _cli(tmp_path, db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["created table  users", "created table  posts"]
    assert done.stdout.endswith("Synced: 2 tables created and 0 columns added.\n")
    again = _cli(tmp_path, db_url)
    assert (again.returncode, again.stdout) == (
        0,
        "Nothing to sync: the database has every table and column of the contracts.\n",
    )


def test_cli_refusal_and_no_contracts(db_url: str, tmp_path: Path) -> None:
    contracts(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.typedb]\ncontracts = ["contracts.py"]\n')
    assert _cli(tmp_path, db_url).returncode == 0
    with typedb.connect(db_url) as db:
        db.insert_into("users").values({"email": "a@x"}).execute()
    (tmp_path / "contracts.py").write_text(
        BLOG.format(extra_posts="").replace(
            "    nick: str | None\n", "    nick: str\n    code: str\n"
        )
    )
    refused = _cli(tmp_path, db_url)
    assert refused.returncode == 1
    assert "users.code" in refused.stderr and "nothing was changed" in refused.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pyproject.toml").write_text("[tool.typedb]\n")
    none = _cli(empty, db_url)
    assert none.returncode == 2 and "no contract files" in none.stderr


def test_readme_example_runs(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_readme import python_blocks, run

    block = next(b for b in python_blocks("Migrations") if "db.schema.sync()" in b)
    contracts(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.typedb]\ncontracts = ["contracts.py"]\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TYPEDB_DATABASE_URL", db_url)
    run(block)
    assert capsys.readouterr().out.strip() == "('users', 'posts') () ()"


def test_not_null_column_on_an_empty_table_others_reference(
    db: typedb.Database, tmp_path: Path
) -> None:
    """SQLite adds it by rebuilding `users`, which `posts` references: sync runs in a schema
    transaction, so the rebuild is allowed and the references are checked before commit."""
    db.schema.sync(contracts(tmp_path))
    (tmp_path / "contracts.py").write_text(
        BLOG.format(extra_posts="").replace(
            "    nick: str | None\n", "    nick: str | None\n    code: str\n"
        )
    )
    registry = load_registry(Config(root=tmp_path, contracts=("contracts.py",)))
    result = db.schema.sync(registry)
    assert result.added == ("users.code",)
    live = from_database(db)
    assert diff(live, from_registry(registry, db.dialect.name, live)) == []
    posts = live.table("posts")
    assert posts is not None and posts.foreign_keys[0].ref_table == "users"
