"""Migrations that change tables other tables reference: on SQLite these are table rebuilds,
which run with foreign key enforcement off inside the migration's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project
from catalog import columns, count

from typedb.migrator import MigrationFailed


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    p = Project(tmp_path / "app", db_url)
    yield p
    p.close()


def test_altering_a_referenced_table_keeps_its_children(project: Project) -> None:
    project.write(
        "2026_01_01_00_00_00_users",
        """
        def up(db):
            db.schema.create_table("users").add_id_column().add_column("email", "text").execute()
            db.schema.create_table("posts").add_id_column().add_column(
                "user_id", "integer", lambda c: c.references("users.id").on_delete("cascade")
            ).execute()
            db.raw("INSERT INTO users (email) VALUES ('a'), ('b')")
            db.raw("INSERT INTO posts (user_id) VALUES (1), (2)")
        """,
    )
    project.write(
        "2026_01_02_00_00_00_email_required",
        """
        def up(db):
            db.schema.alter_table("users").alter_column(
                "email", lambda c: c.set_not_null()
            ).add_unique_constraint("users_email_unique", ["email"]).execute()


        def down(db):
            db.schema.alter_table("users").drop_constraint("users_email_unique").alter_column(
                "email", lambda c: c.drop_not_null()
            ).execute()
        """,
    )
    project.migrator().latest()
    assert count(project.db, "posts") == 2
    assert not columns(project.db, "users")["email"].nullable
    project.migrator().down(steps=1)
    assert columns(project.db, "users")["email"].nullable
    assert count(project.db, "posts") == 2
    project.db.raw("DELETE FROM users WHERE id = 1")  # enforcement is back on afterwards
    assert count(project.db, "posts") == 1


def test_a_migration_that_breaks_a_reference_fails_and_rolls_back(project: Project) -> None:
    project.write(
        "2026_01_01_00_00_00_tables",
        """
        def up(db):
            db.schema.create_table("users").add_id_column().execute()
            db.schema.create_table("posts").add_column(
                "user_id", "integer", lambda c: c.references("users.id")
            ).execute()
            db.raw("INSERT INTO users (id) VALUES (1)")
            db.raw("INSERT INTO posts VALUES (1)")
        """,
    )
    project.write(
        "2026_01_02_00_00_00_orphan",
        """
        def up(db):
            db.raw("DELETE FROM users")
        """,
    )
    with pytest.raises(MigrationFailed, match="2026_01_02_00_00_00_orphan"):
        project.migrator().latest()
    assert count(project.db, "users") == 1
    assert [name for _, name, _ in project.tracked()] == ["2026_01_01_00_00_00_tables"]


def test_on_delete_actions_fire_inside_migrations(project: Project) -> None:
    project.write(
        "2026_01_01_00_00_00_tables",
        """
        def up(db):
            db.schema.create_table("parent").add_id_column().execute()
            db.schema.create_table("child").add_column(
                "pid", "integer", lambda c: c.references("parent.id").on_delete("cascade")
            ).execute()
            db.raw("INSERT INTO parent (id) VALUES (1)")
            db.raw("INSERT INTO child VALUES (1)")
        """,
    )
    project.write(
        "2026_01_02_00_00_00_prune",
        """
        def up(db):
            db.delete_from("parent").where("id", "=", 1).execute()
        """,
    )
    project.migrator().latest()
    assert count(project.db, "child") == 0


def _parent_and_child(project: Project) -> None:
    project.write(
        "2026_01_01_00_00_00_tables",
        """
        def up(db):
            db.schema.create_table("parent").add_id_column().add_column("name", "text").execute()
            db.schema.create_table("child").add_column(
                "pid", "integer", lambda c: c.references("parent.id").on_delete("cascade")
            ).execute()
            db.raw("INSERT INTO parent (id) VALUES (1)")
            db.raw("INSERT INTO child VALUES (1)")
        """,
    )


def test_dry_run_of_a_rebuild_of_a_referenced_table(project: Project) -> None:
    _parent_and_child(project)
    project.migrator().latest()
    project.write(
        "2026_01_02_00_00_00_name_default",
        """
        def up(db):
            db.schema.alter_table("parent").alter_column("name", lambda c: c.set_default("x")).execute()
        """,
    )
    steps = project.migrator().latest(dry_run=True)
    assert [s.name for s in steps] == ["2026_01_02_00_00_00_name_default"]
    assert any("DEFAULT" in sql for sql in steps[0].statements)
    assert count(project.db, "child") == 1 and len(project.tracked()) == 1  # nothing changed


def test_dry_run_fires_on_delete_like_the_real_run(project: Project) -> None:
    _parent_and_child(project)
    project.migrator().latest()
    project.write(
        "2026_01_02_00_00_00_prune",
        """
        def up(db):
            db.delete_from("parent").where("id", "=", 1).execute()
            assert db.select_from("child").execute() == []  # cascaded, as in the real run
        """,
    )
    project.migrator().latest(dry_run=True)
    assert count(project.db, "child") == 1
    project.migrator().latest()
    assert count(project.db, "child") == 0
