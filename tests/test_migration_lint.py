"""`typedb migration:lint`: every rule on real migrations in a throwaway project, on SQLite
and PostgreSQL, judged against the live database (a table with rows, one without, one made
by the same run); acknowledging with `lint_ignore`; the CLI in a subprocess."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project

from typedb.migrator._lint import LintError, lint
from typedb.migrator._lint_rules import rewrites
from typedb.migrator._lint_sql import Ddl, mask, parse

BASE = "2026_01_01_00_00_00_base"


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    """Applied: `users` (with a row), `empty` (no rows), `teams` (with a row)."""
    p = Project(tmp_path / "app", db_url)
    p.write(
        BASE,
        """
        def up(db):
            for table in ("users", "empty", "teams"):
                db.schema.create_table(table).add_id_column() \\
                    .add_column("name", "varchar(50)") \\
                    .add_column("age", "integer") \\
                    .add_column("team_id", "integer").execute()
            db.raw("INSERT INTO users (name, age, team_id) VALUES ('ann', 30, 1)")
            db.raw("INSERT INTO teams (name, age, team_id) VALUES ('red', 1, 1)")
        """,
    )
    p.migrator().latest()
    yield p
    p.close()


def _pending(project: Project, body: str, name: str = "2026_02_01_00_00_00_change") -> Path:
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return project.write(name, f"def up(db):\n{lines}\n")


def _rules(project: Project) -> list[tuple[str, str]]:
    report = lint(project.migrator())
    assert report.failure is None, report.failure
    return [(f.rule, f.target) for f in report.open]


def _only(project: Project, body: str) -> list[tuple[str, str]]:
    _pending(project, body)
    return _rules(project)


# -- destructive: both backends -------------------------------------------------------------


def test_drop_table_is_flagged_even_without_rows(project: Project) -> None:
    assert _only(project, 'db.schema.drop_table("empty").execute()') == [("drop-table", "empty")]


def test_drop_column(project: Project) -> None:
    found = _only(project, 'db.schema.alter_table("empty").drop_column("age").execute()')
    assert ("drop-column", "empty.age") in found


def test_delete_without_where_and_truncate_are_flagged(project: Project, backend: str) -> None:
    """Every row of a live table gone was no finding at all (review of issue 12): flagged
    like drop-table, rows or not (CI's copy may be empty, production's is not)."""
    body = 'db.raw("DELETE FROM users")\ndb.delete_from("empty").execute()'
    if backend == "postgresql":  # SQLite has no TRUNCATE
        body += '\ndb.raw("TRUNCATE TABLE ONLY teams RESTART IDENTITY CASCADE")'
    found = _only(project, body)
    expected = [("delete-all-rows", "users"), ("delete-all-rows", "empty")]
    if backend == "postgresql":
        expected.append(("delete-all-rows", "teams"))
    assert found == expected


def test_delete_with_where_and_on_a_table_of_the_same_run_pass(project: Project) -> None:
    found = _only(
        project,
        'db.raw("DELETE FROM users WHERE age > 100")\n'
        'db.schema.create_table("fresh").add_id_column().execute()\n'
        'db.raw("DELETE FROM fresh")',
    )
    assert found == []


def test_rename_table_and_column(project: Project) -> None:
    found = _only(
        project,
        'db.schema.alter_table("users").rename_column("name", "full_name").execute()\n'
        'db.schema.alter_table("teams").rename_to("squads").execute()',
    )
    assert found == [
        ("rename-column", "users.name -> full_name"),
        ("rename-table", "teams -> squads"),
    ]


def test_add_required_column_on_an_existing_table(project: Project, backend: str) -> None:
    body = 'db.schema.alter_table("empty").add_column("code", "text", lambda c: c.not_null())'
    found = _only(project, body + ".execute()")
    assert ("add-required-column", "empty.code") in found
    # With a default it is safe on both backends.
    project.write(
        "2026_02_01_00_00_00_change",
        "def up(db):\n    db.schema.alter_table('empty').add_column("
        "'code', 'text', lambda c: c.not_null().default_to('x')).execute()\n",
    )
    assert _rules(project) == []


def test_a_type_change_on_a_table_with_rows(project: Project, backend: str) -> None:
    found = _only(
        project,
        'db.schema.alter_table("users").alter_column("age", '
        'lambda c: c.set_data_type("bigint")).execute()',
    )
    assert ("column-type-change", "users.age") in found
    if backend == "sqlite":  # done by rebuilding the table
        assert ("table-rebuild", "users") in found
    report = lint(project.migrator())
    change = next(f for f in report.findings if f.rule == "column-type-change")
    assert "bigint" in change.detail.lower() and "integer" in change.detail.lower()


def test_widening_a_varchar_is_not_a_rewrite_on_postgresql(project: Project, pg_url: str) -> None:
    found = _only(
        project,
        'db.schema.alter_table("users").alter_column("name", '
        'lambda c: c.set_data_type("varchar(80)")).execute()',
    )
    assert found == []
    assert not rewrites("character varying(50)", "TEXT")
    assert rewrites("character varying(50)", "varchar(20)")
    assert rewrites("integer", "BIGINT")
    assert not rewrites("numeric(10,2)", "numeric(12,2)")


def test_set_not_null_on_a_table_with_rows(project: Project, backend: str) -> None:
    found = _only(
        project,
        'db.schema.alter_table("users").alter_column("name", lambda c: c.set_not_null()).execute()',
    )
    assert ("set-not-null", "users.name") in found
    if backend == "sqlite":
        assert ("table-rebuild", "users") in found


def test_set_not_null_on_an_empty_table_is_not_a_lock_finding(
    project: Project, backend: str
) -> None:
    found = _only(
        project,
        'db.schema.alter_table("empty").alter_column("name", lambda c: c.set_not_null()).execute()',
    )
    assert ("set-not-null", "empty.name") not in found
    # SQLite still rebuilds the table, which locks the database while it is copied.
    assert found == ([("table-rebuild", "empty")] if backend == "sqlite" else [])


def test_a_rebuild_written_by_hand_is_one_finding_not_a_drop(project: Project) -> None:
    """Both ways of writing a rebuild: create new, copy, drop old, rename new; and rename
    old away, create, copy, drop the renamed one."""
    found = _only(
        project,
        'db.raw("CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT)")\n'
        'db.raw("INSERT INTO users_new (id, name) SELECT id, name FROM users")\n'
        'db.raw("DROP TABLE users")\n'
        'db.raw("ALTER TABLE users_new RENAME TO users")\n'
        'db.raw("ALTER TABLE teams RENAME TO teams_old")\n'
        'db.raw("CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, '
        'team_id INTEGER)")\n'
        'db.raw("INSERT INTO teams SELECT id, name, age, team_id FROM teams_old")\n'
        'db.raw("DROP TABLE teams_old")',
    )
    assert ("table-rebuild", "users") in found and ("table-rebuild", "teams") in found
    assert not [f for f in found if f[0] in ("drop-table", "rename-table")]


def test_sqlite_rebuild_names_the_columns_it_drops(project: Project, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only")
    found = _only(
        project,
        'db.raw("CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, '
        'team_id INTEGER, code TEXT NOT NULL)")\n'
        'db.raw("INSERT INTO users_new (id, name, team_id, code) '
        "SELECT id, name, team_id, 'x' FROM users\")\n"
        'db.raw("DROP TABLE users")\n'
        'db.raw("ALTER TABLE users_new RENAME TO users")',
    )
    assert ("drop-column", "users.age") in found
    assert ("column-type-change", "users.name") in found  # VARCHAR(50) -> TEXT
    assert ("set-not-null", "users.name") in found
    assert ("add-required-column", "users.code") in found


# -- locks on a table with rows: PostgreSQL -------------------------------------------------


def test_create_index_without_concurrently(project: Project, backend: str) -> None:
    found = _only(
        project,
        'db.schema.create_index("users_name").on("users").columns(["name"]).execute()\n'
        'db.schema.create_index("empty_name").on("empty").columns(["name"]).execute()',
    )
    # PostgreSQL: only the table with rows; SQLite has no CONCURRENTLY to offer.
    assert found == ([("index-not-concurrent", "users")] if backend == "postgresql" else [])


def test_concurrently_in_a_migration_without_transaction_is_listed_as_not_linted(
    project: Project, pg_url: str
) -> None:
    project.write(
        "2026_02_01_00_00_00_index",
        """
        transaction = False


        def up(db):
            db.raw("CREATE INDEX CONCURRENTLY users_name ON users (name)")
        """,
    )
    report = lint(project.migrator())
    assert report.open == () and [s.name for s in report.skipped] == ["2026_02_01_00_00_00_index"]


def test_constraints_without_not_valid(project: Project, backend: str) -> None:
    found = _only(
        project,
        'db.schema.alter_table("users").add_foreign_key_constraint('
        '"users_team", ["team_id"], "teams", ["id"]).execute()\n'
        'db.schema.alter_table("users").add_check_constraint("users_age", "age > 0").execute()\n'
        'db.schema.alter_table("users").add_unique_constraint("users_name", ["name"]).execute()\n'
        'db.schema.alter_table("empty").add_check_constraint("empty_age", "age > 0").execute()',
    )
    if backend == "postgresql":
        assert found == [
            ("add-foreign-key", "users"),
            ("add-check", "users"),
            ("add-unique", "users"),
        ]
    else:  # SQLite adds constraints by rebuilding the table
        assert found == [("table-rebuild", "users")] * 3 + [("table-rebuild", "empty")]


def test_not_valid_constraints_and_their_validation_pass(project: Project, pg_url: str) -> None:
    found = _only(
        project,
        'db.raw("ALTER TABLE users ADD CONSTRAINT users_team FOREIGN KEY (team_id) '
        'REFERENCES teams (id) NOT VALID")\n'
        'db.raw("ALTER TABLE users ADD CONSTRAINT users_age CHECK (age > 0) NOT VALID")\n'
        'db.raw("ALTER TABLE users VALIDATE CONSTRAINT users_age")',
    )
    assert found == []


def test_a_column_with_a_volatile_default_rewrites_the_table(project: Project, pg_url: str) -> None:
    found = _only(
        project,
        'db.raw("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()")\n'
        'db.raw("ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now()")\n'
        'db.raw("ALTER TABLE empty ADD COLUMN token uuid DEFAULT gen_random_uuid()")',
    )
    assert found == [("add-column-rewrite", "users.token")]


# -- what is not a finding ------------------------------------------------------------------


def test_tables_made_by_the_same_run_are_never_findings(project: Project) -> None:
    _pending(
        project,
        'db.schema.create_table("tags").add_id_column().add_column("name", "text").execute()\n'
        "db.raw(\"INSERT INTO tags (name) VALUES ('a')\")",
        "2026_02_01_00_00_00_tags",
    )
    _pending(
        project,
        'db.schema.create_index("tags_name").on("tags").columns(["name"]).execute()\n'
        'db.schema.alter_table("tags").add_column("code", "text", lambda c: c.not_null()'
        '.default_to("x")).execute()\n'
        'db.schema.alter_table("tags").rename_column("name", "label").execute()\n'
        'db.schema.alter_table("tags").drop_column("code").execute()\n'
        'db.schema.alter_table("tags").alter_column("label", lambda c: c.set_not_null())'
        ".execute()\n"
        'db.schema.drop_table("tags").execute()',
        "2026_02_02_00_00_00_tags_again",
    )
    assert _rules(project) == []


def test_string_literals_and_comments_are_not_read_as_sql() -> None:
    sql = "INSERT INTO notes (body) VALUES ('DROP TABLE users; ALTER TABLE x RENAME TO y')"
    assert mask(sql) == "INSERT INTO notes (body) VALUES ('')"
    assert parse(mask("-- DROP TABLE users\nSELECT 1"), fold=True) == [Ddl("other")]
    assert parse(mask('DROP TABLE IF EXISTS "A", b'), fold=False) == [
        Ddl("drop-table", "A"),
        Ddl("drop-table", "b"),
    ]


def test_a_failing_dry_run_is_reported(project: Project) -> None:
    _pending(project, 'db.raw("ALTER TABLE nowhere ADD COLUMN x integer")')
    report = lint(project.migrator())
    assert report.failure is not None and "nowhere" in str(report.failure)


# -- acknowledging ---------------------------------------------------------------------------


def test_lint_ignore_by_rule_and_by_target(project: Project) -> None:
    project.write(
        "2026_02_01_00_00_00_drops",
        """
        lint_ignore = ["drop-column:empty.age", "rename-table"]


        def up(db):
            db.schema.alter_table("empty").drop_column("age").execute()
            db.schema.alter_table("empty").drop_column("name").execute()
            db.schema.alter_table("teams").rename_to("squads").execute()
        """,
    )
    report = lint(project.migrator())
    assert [(f.rule, f.target) for f in report.open] == [("drop-column", "empty.name")]
    assert {(f.rule, f.target) for f in report.findings if f.ignored} == {
        ("drop-column", "empty.age"),
        ("rename-table", "teams -> squads"),
    }
    assert report.unused == ()


def test_lint_ignore_with_an_unknown_rule_names_the_file(project: Project) -> None:
    path = project.write(
        "2026_02_01_00_00_00_bad",
        'lint_ignore = ["drop-colum"]\n\n\ndef up(db):\n    pass\n',
    )
    with pytest.raises(LintError, match="drop-colum") as caught:
        lint(project.migrator())
    assert str(path) in str(caught.value) and "drop-column" in str(caught.value)


# -- the command line ------------------------------------------------------------------------


def _run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    result = project.cli("migration:lint", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_cli_findings_exit_1_with_one_line_each(project: Project) -> None:
    path = _pending(
        project,
        'db.schema.drop_table("empty").execute()\n'
        'db.schema.alter_table("users").rename_column("age", "years").execute()',
    )
    result = _run(project)
    assert result.returncode == 1, result
    lines = result.stdout.splitlines()
    shown = str(path.relative_to(project.root))
    assert lines[0].startswith(f"{shown}: drop-table empty: DROP TABLE")
    assert lines[1].startswith(f"{shown}: rename-column users.age -> years: ALTER TABLE")
    assert "RENAME COLUMN" in lines[1]
    assert lines[2].startswith("2 findings in 1 pending migration.")
    assert project.tables() >= {"users", "empty", "teams"}  # nothing was changed


def test_cli_no_findings_exit_0(project: Project) -> None:
    result = _run(project)
    assert (result.returncode, result.stdout) == (0, "No findings in 0 pending migrations.\n")
    project.write(
        "2026_02_01_00_00_00_drop",
        'lint_ignore = ["drop-table"]\n\n\ndef up(db):\n'
        '    db.schema.drop_table("empty").execute()\n',
    )
    result = _run(project)
    assert result.returncode == 0, result
    assert result.stdout == (
        "No findings in 1 pending migration (1 acknowledged by lint_ignore).\n"
    )


def test_cli_scope_and_bad_usage(project: Project) -> None:
    project.write(
        "2026_02_01_00_00_00_drop",
        'def up(db):\n    db.schema.drop_table("empty").execute()\n',
        module="shop",
    )
    assert _run(project, "--root").returncode == 0
    assert _run(project, "-m", "shop").returncode == 1
    assert _run(project, "--root", "-m", "shop").returncode == 2
    unknown = _run(project, "-m", "nope")
    assert unknown.returncode == 2 and "unknown module 'nope'" in unknown.stderr


def test_cli_reports_a_failing_dry_run_and_a_bad_lint_ignore(project: Project) -> None:
    _pending(project, 'db.raw("ALTER TABLE nowhere ADD COLUMN x integer")')
    result = _run(project)
    assert result.returncode == 1 and "dry run failed" in result.stderr
    path = project.write(
        "2026_02_01_00_00_00_change", 'lint_ignore = "drop-table"\n\n\ndef up(db):\n    pass\n'
    )
    result = _run(project)
    assert result.returncode == 1 and str(path) in result.stderr
    assert "lint_ignore must be a list" in result.stderr
