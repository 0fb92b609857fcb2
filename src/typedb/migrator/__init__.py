"""Migrations: files in `migrations/` and `modules/<name>/migrations/` run by `Migrator`,
or migrations defined in code with `typedb.migration()` run by `MigrationRunner`."""

from typedb.migrator._code import Migration, MigrationRunner, migration
from typedb.migrator._engine import EVENTS, MIGRATION_EVENTS, RUN_EVENTS, MigrationFailed
from typedb.migrator._lint import Finding, LintError, LintReport, lint
from typedb.migrator._migrator import Migrator, UnknownModuleError
from typedb.migrator._unit import Run, Status, Step

__all__ = [
    "EVENTS",
    "MIGRATION_EVENTS",
    "RUN_EVENTS",
    "Finding",
    "LintError",
    "LintReport",
    "Migration",
    "MigrationFailed",
    "MigrationRunner",
    "Migrator",
    "Run",
    "Status",
    "Step",
    "UnknownModuleError",
    "lint",
    "migration",
]
