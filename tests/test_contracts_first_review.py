"""Defects found by a hostile review of issue 12 (contracts as the schema source), each
checked on SQLite and PostgreSQL through the real CLI in a throwaway project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _generate_project import GenerateProject

import typedb


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[GenerateProject]:
    p = GenerateProject(tmp_path / "app", db_url)
    yield p
    p.close()


HAND_WRITTEN = """
from typedb import Database


def up(db: Database) -> None:
    (
        db.schema.create_table("notes")
        .add_id_column()
        .add_column("title", "varchar(80)", lambda c: c.not_null())
        .add_soft_delete_column()
        .execute()
    )
    db.schema.create_index("notes_live_title").on("notes").columns(["title"]).where(
        "deleted_at", "is", None
    ).execute()


def down(db: Database) -> None:
    db.schema.drop_table("notes").execute()
"""


def test_generated_partial_index_where_is_portable(project: GenerateProject) -> None:
    """The builder's `where("deleted_at", "is", None)` reads back from SQLite as
    `` `deleted_at` IS NULL ``; contracts:generate wrote that into the contract, which then
    builds an index PostgreSQL rejects (syntax error at `` ` ``). The contract must say the
    same on both backends, and still round-trip on the one it was read from."""
    project.contracts("class Database(TypedDict):\n    pass\n")
    project.write("2026_01_01_00_00_00_create_notes", HAND_WRITTEN)
    project.ok("migration:latest", "--no-stubs")
    project.ok("contracts:generate")
    text = (project.root / "contracts.py").read_text()
    assert "`" not in text, text
    assert 'Index("notes_live_title", ["title"], where="deleted_at IS NULL")' in text, text
    assert "Contracts match the database (1 table(s))." in project.ok("contracts:check")
    assert "No changes" in project.ok("migration:generate", "again", "--dry-run")


def test_generated_dict_column_is_jsonb_on_both_backends(project: GenerateProject) -> None:
    """DESIGN: a `dict` column is `jsonb` (json on SQLite, where both are text). A migration
    generated on SQLite wrote `"json"`, so the same file run on PostgreSQL builds a `json`
    column, and contracts:check there then reports a type difference against the contract.
    The file should say `jsonb` wherever it was generated (SQLite accepts `jsonb`), and the
    database then match the contract (no type change proposed next time)."""
    project.contracts(
        """
        class EventsTable(TypedDict):
            id: Generated[int]
            payload: dict[str, int]
        """
        + "\n\nclass Database(TypedDict):\n    events: EventsTable\n"
    )
    [path] = project.generate("create_events")
    assert '.add_column("payload", "jsonb"' in path.read_text(), path.read_text()
    project.ok("migration:latest", "--no-stubs")
    assert "No changes" in project.ok("migration:generate", "again", "--dry-run")
    # A column added later too; one declared json stays json.
    project.contracts(
        """
        class EventsTable(TypedDict):
            id: Generated[int]
            payload: dict[str, int]
            extra: dict[str, int] | None
            raw: Annotated[list[int] | None, Column(type="json")]
        """
        + "\n\nclass Database(TypedDict):\n    events: EventsTable\n"
    )
    [added] = project.generate("add_extra")
    text = added.read_text()
    assert '.add_column("extra", "jsonb")' in text and '.add_column("raw", "json")' in text, text
    project.ok("migration:latest", "--no-stubs")
    assert "No changes" in project.ok("migration:generate", "again", "--dry-run")


def test_an_expression_index_is_left_alone(project: GenerateProject) -> None:
    """`CREATE INDEX ... (lower(email))` in a hand-written migration: contracts:generate
    wrote `Index(..., ["None"])` (SQLite) or `["lower(email::text)"]` (PostgreSQL), a contract
    that does not load, and migration:generate proposed dropping the index with a down()
    that cannot recreate it. A contract cannot declare such an index, so like Alembic's
    autogenerate the model leaves it alone: the round trip is clean and the index stays."""
    project.contracts("class Database(TypedDict):\n    pass\n")
    project.write(
        "2026_01_01_00_00_00_create_owners",
        """
        from typedb import Database


        def up(db: Database) -> None:
            db.schema.create_table("owners").add_id_column().add_column(
                "email", "varchar(100)", lambda c: c.not_null()
            ).execute()
            db.raw("CREATE UNIQUE INDEX owners_lower_email ON owners (lower(email))")
        """,
    )
    project.ok("migration:latest", "--no-stubs")
    project.ok("contracts:generate")
    assert "owners_lower_email" not in (project.root / "contracts.py").read_text()
    assert "Contracts match the database (1 table(s))." in project.ok("contracts:check")
    assert "No changes" in project.ok("migration:generate", "again", "--dry-run")
    project.db.raw("INSERT INTO owners (email) VALUES ('A@x')")
    with pytest.raises(typedb.QueryError):  # the index is still there, still enforced
        project.db.raw("INSERT INTO owners (email) VALUES ('a@X')")


def test_tables_in_a_foreign_key_cycle_are_created_and_dropped(
    project: GenerateProject,
) -> None:
    """users.team_id -> teams and teams.owner_id -> users: the generated migration created
    users with a key to a table not made yet and failed on both backends ("relation teams
    does not exist"); its down() dropped teams while users still referenced it."""
    project.contracts(
        """
        class UsersTable(TypedDict):
            id: Generated[int]
            team_id: Annotated[int | None, Column(references="teams.id", on_delete="set null")]


        class TeamsTable(TypedDict):
            id: Generated[int]
            owner_id: Annotated[int | None, Column(references="users.id", on_delete="set null")]


        class Database(TypedDict):
            users: UsersTable
            teams: TeamsTable
        """
    )
    [path] = project.generate("create_users_and_teams")
    project.ok("migration:latest", "--no-stubs")
    assert "No changes" in project.ok("migration:generate", "again", "--dry-run")
    project.db.raw("INSERT INTO users (team_id) VALUES (NULL)")
    project.db.raw("INSERT INTO teams (owner_id) VALUES (1)")
    project.db.raw("UPDATE users SET team_id = 1")
    with pytest.raises(typedb.QueryError):  # both keys are there
        project.db.raw("INSERT INTO users (team_id) VALUES (99)")
    project.ok("migration:rollback")
    assert project.tables() <= {"typedb_migrations"}, path.read_text()
