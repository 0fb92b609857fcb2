"""`typedb migration:generate` in a subprocess, on SQLite and PostgreSQL: contracts are
edited, a migration is generated (checked with ruff, imported by the migrator), applied, and
the database then matches the contracts; rolling it back restores the schema exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _generate_project import GenerateProject, no_difference, same_schema

from typedb.contracts import load_registry
from typedb.schema_diff import from_registry

USERS = """
class UsersTable(TimestampTable):
    id: Generated[int]
    email: Annotated[str, Column(unique=True)]
    name: str


class Database(TypedDict):
    users: UsersTable
"""


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[GenerateProject]:
    p = GenerateProject(tmp_path / "app", db_url)
    yield p
    p.close()


def _matches_contracts(project: GenerateProject) -> None:
    from typedb._config import load

    registry = load_registry(load(project.root))
    live = project.schema()
    no_difference(live, from_registry(registry, project.backend, live))


def test_create_apply_then_no_changes(project: GenerateProject) -> None:
    project.contracts(USERS)
    [path] = project.generate("create_users")
    assert path.parent == project.root / "migrations"
    text = path.read_text()
    assert 'table = "users"' in text
    assert ".add_id_column()" in text and ".add_timestamp_columns()" in text
    assert "db.schema.drop_table(table).execute()" in text
    project.ok("migration:latest")
    _matches_contracts(project)
    assert "No changes" in project.ok("migration:generate", "again")
    assert len(project.migration_files()) == 1


def test_pending_migrations_refused(project: GenerateProject) -> None:
    project.contracts(USERS)
    project.generate("create_users")
    err = project.fails("migration:generate", "more")
    assert "pending" in err and "migration:latest" in err


def test_dry_run_prints_and_writes_nothing(project: GenerateProject) -> None:
    project.contracts(USERS)
    out = project.ok("migration:generate", "create_users", "--dry-run")
    assert "def up(db: Database) -> None:" in out and "create_table(table)" in out
    assert "nothing was written" in out
    assert project.migration_files() == []


def test_every_kind_of_change_up_and_exact_down(project: GenerateProject) -> None:
    """Tables with composite keys, foreign keys, checks, uniques and indexes are created;
    then columns, types, defaults, nullability, indexes, uniques, checks and foreign keys
    change; `down()` of each migration restores the schema it started from."""
    project.contracts(
        """
        class UsersTable(TimestampTable):
            id: Generated[int]
            email: Annotated[str, Column(type="varchar(100)", unique=True)]
            name: str
            nickname: str | None
            score: Annotated[int, Column(default=0)]


        class TeamsTable(TypedDict):
            id: Generated[int]
            title: str


        class MembersTable(TypedDict):
            team_id: Annotated[int, Column(references="teams.id", on_delete="cascade")]
            user_id: Annotated[int, Column(references="users.id")]
            role: Literal["owner", "member"]
            note: str | None


        class Database(TypedDict):
            users: UsersTable
            teams: TeamsTable
            members: Annotated[
                MembersTable,
                Table(primary_key=["team_id", "user_id"], indexes=[Index("members_role", ["role"])]),
            ]
        """
    )
    [created] = project.generate("create_tables")
    up, down = created.read_text().split("def down")
    # Foreign-key order: members after the tables it references; dropped first in down().
    assert up.index('create_table("teams")') < up.index('create_table("members")')
    assert up.index('create_table("users")') < up.index('create_table("members")')
    assert down.index('drop_table("members")') < down.index('drop_table("teams")')
    assert '.add_primary_key_constraint("members_pkey", ["team_id", "user_id"])' in up
    project.ok("migration:latest")
    _matches_contracts(project)
    project.db.raw("INSERT INTO users (email, name) VALUES ('a@x', 'A')")
    project.db.raw("INSERT INTO teams (title) VALUES ('T')")
    project.db.raw("INSERT INTO members (team_id, user_id, role) VALUES (1, 1, 'owner')")
    before = project.schema()

    project.contracts(
        """
        class UsersTable(TimestampTable):
            id: Generated[int]
            email: Annotated[str, Column(type="varchar(200)")]
            name: Annotated[str, Column(index=True)]
            nickname: Annotated[str, Column(backfill="anon")]
            score: Annotated[int, Column(default=10, check="score >= 0")]
            bio: str | None
            level: Annotated[int, Column(backfill=1)]


        class TeamsTable(TypedDict):
            id: Generated[int]
            title: Annotated[str, Column(unique=True)]
            owner_id: Annotated[int | None, Column(references="users.id", on_delete="set null")]


        class MembersTable(TypedDict):
            team_id: Annotated[int, Column(references="teams.id")]
            user_id: Annotated[int, Column(references="users.id")]
            role: Literal["owner", "member"]
            note: str | None


        class Database(TypedDict):
            users: Annotated[UsersTable, Table(uniques=[["email", "name"]])]
            teams: TeamsTable
            members: Annotated[MembersTable, Table(primary_key=["team_id", "user_id"])]
        """
    )
    [path] = project.generate("change_everything")
    text = path.read_text()
    assert 'set_data_type("varchar(200)")' in text
    assert 'db.update_table("users").set({"nickname": "anon"})' in text
    assert "set_not_null()" in text and "set_default(10)" in text
    # The new NOT NULL column: added nullable, filled, then NOT NULL, in this one migration.
    added = text.index('.add_column("level", "integer")')
    filled = text.index('db.update_table("users").set({"level": 1}).where("level", "is", None)')
    assert added < filled < text.index('.alter_column("level", lambda col: col.set_not_null())')
    project.ok("migration:latest")
    _matches_contracts(project)
    assert project.db.raw("SELECT nickname, score, level FROM users") == [
        {"nickname": "anon", "score": 0, "level": 1}
    ]
    project.ok("migration:rollback")
    same_schema(before, project.schema())


def test_module_tables_go_to_the_module_and_run_after_core(project: GenerateProject) -> None:
    project.contracts(USERS)
    project.contracts(
        """
        class BlogPostsTable(TypedDict):
            id: Generated[int]
            author_id: Annotated[int, Column(references="users.id", on_delete="cascade")]
            title: str


        class Database(TypedDict):
            blog__posts: BlogPostsTable
        """,
        module="blog",
    )
    core, blog = project.generate("create_tables")
    assert core.parent == project.root / "migrations"
    assert blog.parent == project.root / "modules" / "blog" / "migrations"
    assert core.name < blog.name
    project.ok("migration:latest")
    _matches_contracts(project)
    # -m restricts generation to the module's tables.
    project.contracts(USERS.replace("    name: str\n", "    name: str\n    bio: str | None\n"))
    assert "No changes" in project.ok("migration:generate", "bio", "-m", "blog")
    [path] = project.generate("bio")
    assert path.parent == project.root / "migrations"


def test_rename_refused_then_generated_with_flag(project: GenerateProject) -> None:
    project.contracts(USERS)
    project.generate("create_users")
    project.ok("migration:latest")
    project.db.raw("INSERT INTO users (email, name) VALUES ('a@x', 'Ann')")
    before = project.schema()
    project.contracts(USERS.replace("    name: str\n", "    full_name: str\n"))
    err = project.fails("migration:generate", "rename_name")
    assert "--rename users.name:full_name" in err
    assert project.migration_files()[-1].name.endswith("create_users.py")
    assert "bad --rename" in project.fails(
        "migration:generate", "x", "--rename", "users.name", code=2
    )
    err = project.fails("migration:generate", "x", "--rename", "users.nam:full_name")
    assert "the database has no column users.nam" in err
    [path] = project.generate("rename_name", "--rename", "users.name:full_name")
    assert 'rename_column("name", "full_name")' in path.read_text()
    project.ok("migration:latest")
    assert project.db.raw("SELECT full_name FROM users") == [{"full_name": "Ann"}]
    project.ok("migration:rollback")
    same_schema(before, project.schema())
    assert project.db.raw("SELECT name FROM users") == [{"name": "Ann"}]


def test_table_rename(project: GenerateProject) -> None:
    project.contracts(USERS)
    project.generate("create_users")
    project.ok("migration:latest")
    before = project.schema()
    project.db.raw("INSERT INTO users (email, name) VALUES ('a@x', 'Ann')")
    members = USERS.replace("    users: UsersTable", "    members: UsersTable")
    project.contracts(members)
    assert "--rename users:members" in project.fails("migration:generate", "rename_users")
    # Renamed and given new columns at once: the rows are looked up under the old names.
    project.contracts(
        members.replace(
            "    name: str\n", "    full_name: str\n    age: int\n    bio: str | None\n"
        )
    )
    rename = ("--rename", "users:members", "--rename", "users.name:full_name")
    err = project.fails("migration:generate", "rename_users", *rename)
    assert "members.age: new NOT NULL column without a default on a table with rows" in err
    project.contracts(
        members.replace(
            "    name: str\n",
            "    full_name: str\n    age: Annotated[int, Column(backfill=30)]\n    bio: str | None\n",
        )
    )
    [path] = project.generate("rename_users", *rename)
    text = path.read_text()
    assert '.rename_to("members")' in text and 'rename_column("name", "full_name")' in text
    project.ok("migration:latest")
    _matches_contracts(project)
    assert project.db.raw("SELECT full_name, age FROM members") == [{"full_name": "Ann", "age": 30}]
    project.ok("migration:rollback")
    same_schema(before, project.schema())
    assert project.db.raw("SELECT name FROM users") == [{"name": "Ann"}]


NOTES = """

class NotesTable(TypedDict):
    id: Generated[int]
    body: str | None
"""
BIO_50 = "    name: str\n    bio: Annotated[str, Column(type='varchar(50)')]\n"
BIO_20 = "    bio: Annotated[str, Column(type='varchar(20)')]\n"


def _users(columns: str, notes: str | None = None) -> str:
    source = USERS.replace("    name: str\n", columns)
    if notes is None:
        return source
    source = source.replace(
        "class Database(TypedDict):", notes.strip() + "\n\n\nclass Database(TypedDict):"
    )
    return source.replace(
        "    users: UsersTable\n", "    users: UsersTable\n    notes: NotesTable\n"
    )


def test_destructive_changes_need_consent(project: GenerateProject) -> None:
    project.contracts(_users(BIO_50, NOTES))
    project.generate("create_users")
    project.ok("migration:latest")
    project.db.raw("INSERT INTO users (email, name, bio) VALUES ('a@x', 'A', 'b')")
    project.db.raw("INSERT INTO notes (body) VALUES (NULL)")
    before = project.schema()
    # notes.body becomes NOT NULL while a row holds NULL; then the table goes altogether.
    project.contracts(_users(BIO_20 + "    age: int\n", NOTES.replace("str | None", "str")))
    err = project.fails("migration:generate", "shrink")
    assert "users.name: drop column" in err
    assert "users.bio: type varchar(50) -> varchar(20) narrows it" in err
    assert "users.age: new NOT NULL column" in err
    assert "notes.body: NOT NULL on a column with NULL rows" in err
    assert "--allow-destructive" in err
    project.contracts(_users(BIO_20))
    err = project.fails("migration:generate", "shrink")
    assert "notes: drop table" in err and "users.name: drop column" in err
    assert len(project.migration_files()) == 1
    [path] = project.generate("shrink", "--allow-destructive")
    text = path.read_text()
    assert 'drop_column("name")' in text and 'db.schema.drop_table("notes").execute()' in text
    project.ok("migration:latest")
    _matches_contracts(project)
    project.db.raw("DELETE FROM users")  # the dropped NOT NULL column comes back without rows
    project.ok("migration:rollback")
    same_schema(before, project.schema())


def test_rename_asked_on_a_terminal(project: GenerateProject) -> None:
    """With a terminal on stdin, a look-alike drop and add is a question, not an error."""
    import os
    import pty
    import subprocess

    project.contracts(USERS)
    project.generate("create_users")
    project.ok("migration:latest")
    project.contracts(USERS.replace("    name: str\n", "    full_name: str\n"))
    leader, follower = pty.openpty()
    try:
        os.write(leader, b"y\n")
        result = subprocess.run(
            project.argv("migration:generate", "rename_name"),
            cwd=project.root,
            env=project.env(),
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 0, result.stderr
    assert "Rename column users.name to full_name?" in result.stderr
    path = project.migration_files()[-1]
    assert 'rename_column("name", "full_name")' in path.read_text()


def test_no_changes_on_a_hand_migrated_database(project: GenerateProject) -> None:
    """Migrations written by hand, contracts that agree: nothing to generate."""
    project.write(
        "2026_01_01_00_00_00_create_items",
        """
        from typedb import Database


        def up(db: Database) -> None:
            db.schema.create_table("items").add_id_column() \\
                .add_column("name", "text", lambda col: col.not_null()) \\
                .add_column("price", "numeric(10,2)", lambda col: col.not_null().default_to(0)) \\
                .add_timestamp_columns().add_soft_delete_column().execute()


        def down(db: Database) -> None:
            db.schema.drop_table("items").execute()
        """,
    )
    project.contracts(
        """
        class ItemsTable(TimestampTable, SoftDeleteTable):
            id: Generated[int]
            name: str
            price: Annotated[Decimal, Column(type="numeric(10,2)", default=Decimal("0"))]


        class Database(TypedDict):
            items: ItemsTable
        """
    )
    project.ok("migration:latest")
    assert "No changes" in project.ok("migration:generate", "nothing")
