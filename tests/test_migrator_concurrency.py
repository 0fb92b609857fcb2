"""One migrator at a time, across real processes: concurrent `migration:latest` runs apply each
migration exactly once, and a SIGKILLed migrator leaves no lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _migrator_project import Project

# Through PgBouncer in transaction mode too: the lock must hold where sessions are pooled.
pytestmark = pytest.mark.pgbouncer


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    p = Project(tmp_path / "app", db_url)
    yield p
    p.close()


def _logging_migrations(project: Project, count: int) -> None:
    """A log table, then `count` migrations that each add one row naming themselves (a
    migration applied twice would add two) and sleep a little so the runs overlap."""
    project.write(
        "2026_01_01_00_00_00_log",
        """
        def up(db):
            db.raw("CREATE TABLE applied_log (name TEXT NOT NULL)")
        """,
    )
    for i in range(count):
        module = "blog" if i % 2 else None
        project.write(
            f"2026_01_02_00_00_{i:02d}_step",
            f"""
            import time

            def up(db):
                db.raw("INSERT INTO applied_log (name) VALUES (%s)", ["{module}:{i}"])
                time.sleep(0.05)
            """,
            module,
        )


def test_six_concurrent_migrators_apply_each_migration_exactly_once(project: Project) -> None:
    _logging_migrations(project, 6)
    procs = [
        project.start(
            "migration:latest",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}"
    rows = project.db.raw("SELECT name, count(*) AS n FROM applied_log GROUP BY name")
    assert sorted(r["name"] for r in rows) == sorted(
        f"{'blog' if i % 2 else None}:{i}" for i in range(6)
    )
    assert {r["n"] for r in rows} == {1}
    assert len(project.tracked()) == 7
    # One process did the work; the others waited and found nothing left to do.
    assert sum("Nothing to do." in out for out, _ in outputs) == 5
    assert sum(out.count("migrated") for out, _ in outputs) == 7


def test_a_sigkilled_migrator_leaves_no_lock_behind(project: Project) -> None:
    started = project.root / "started"
    block = project.root / "block"
    block.touch()
    project.create("2026_01_01_00_00_00_users", "users")
    project.write(
        "2026_01_02_00_00_00_slow",
        f"""
        import pathlib, time

        def up(db):
            db.raw("CREATE TABLE slow (id INTEGER PRIMARY KEY)")
            pathlib.Path({str(started)!r}).touch()
            while pathlib.Path({str(block)!r}).exists():
                time.sleep(0.05)
        """,
    )
    victim = project.start(
        "migration:latest",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert victim.poll() is None, "the migrator exited before the slow migration"
            assert time.monotonic() < deadline, "the slow migration never started"
            time.sleep(0.05)
        # Killed in the middle of the slow migration, holding the lock and a transaction.
        os.kill(victim.pid, signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
    block.unlink()
    result = project.cli("migration:latest", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "2026_01_02_00_00_00_slow" in result.stdout
    assert [r[1] for r in project.tracked()] == [
        "2026_01_01_00_00_00_users",
        "2026_01_02_00_00_00_slow",
    ]
    assert {"users", "slow"} <= project.tables()


def test_a_concurrent_index_is_not_stalled_by_the_lock_or_a_waiting_migrator(
    project: Project,
) -> None:
    # CREATE INDEX CONCURRENTLY waits for every transaction holding an older snapshot: neither
    # the lock's own transaction nor a second migrator waiting for the lock may hold one.
    started = project.root / "started"
    block = project.root / "block"
    block.touch()
    project.create("2026_01_01_00_00_00_items", "items", extra="name TEXT")
    concurrently = "CONCURRENTLY " if project.backend == "postgresql" else ""
    project.write(
        "2026_01_02_00_00_00_index",
        f"""
        import pathlib, time

        transaction = False

        def up(db):
            pathlib.Path({str(started)!r}).touch()
            while pathlib.Path({str(block)!r}).exists():
                time.sleep(0.05)
            db.raw("CREATE INDEX {concurrently}items_name ON items (name)")
        """,
    )
    first = project.start("migration:latest", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not started.exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the index migration never started"
        time.sleep(0.05)
    second = project.start("migration:latest", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)  # the second one is waiting for the lock now
    block.unlink()
    try:
        outputs = [p.communicate(timeout=60) for p in (first, second)]
    finally:
        for p in (first, second):
            p.kill()
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert b"Nothing to do." in outputs[1][0]
    assert len(project.tracked()) == 2


def test_a_second_migrator_waits_while_the_first_is_mid_migration(project: Project) -> None:
    # Through a pooler a session lock stays on one server session while the migration runs on
    # another; a second migrator handed the first session would "take" it again and run the
    # same migration alongside.
    _second_migrator_waits(project)


def test_the_lock_outlives_an_idle_in_transaction_timeout(
    pg_schema_url: str, tmp_path: Path
) -> None:
    # Managed servers often set idle_in_transaction_session_timeout; the lock's transaction
    # sits idle for the whole run and must not be ended by it.
    url = f"{pg_schema_url}%20-cidle_in_transaction_session_timeout%3D300"
    project = Project(tmp_path / "app", url)
    try:
        # The migration keeps its own session busy (pg_sleep), as a real one would.
        _second_migrator_waits(project, pause='db.raw("SELECT pg_sleep(0.05)")')
    finally:
        project.close()


def _second_migrator_waits(project: Project, pause: str = "time.sleep(0.05)") -> None:
    entered = project.root / "entered"
    block = project.root / "block"
    block.touch()
    project.write(
        "2026_01_01_00_00_00_slow",
        f"""
        import os, pathlib, time

        def up(db):
            db.raw("CREATE TABLE slow (id INTEGER PRIMARY KEY)")
            with open({str(entered)!r}, "a") as log:
                log.write(f"{{os.getpid()}}\\n")
            while pathlib.Path({str(block)!r}).exists():
                {pause}
        """,
    )

    def inside() -> int:
        return len(entered.read_text().split()) if entered.exists() else 0

    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    first = project.start("migration:latest", **pipes)
    others: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while inside() == 0:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the slow migration never started"
            time.sleep(0.05)
        others = [project.start("migration:latest", **pipes) for _ in range(3)]
        time.sleep(2.0)
        assert inside() == 1, "a second migrator ran the migration while the first held the lock"
        block.unlink()
        outputs = [p.communicate(timeout=60) for p in (first, *others)]
    finally:
        for p in (first, *others):
            p.kill()
    assert [p.returncode for p in (first, *others)] == [0, 0, 0, 0], outputs
    assert sum(b"Nothing to do." in out for out, _ in outputs) == 3
    assert [r[1] for r in project.tracked()] == ["2026_01_01_00_00_00_slow"]
