"""Migrations: files in `migrations/` and `modules/<name>/migrations/` run by `Migrator`,
or migrations defined in code with `typedb.migration()` run by `MigrationRunner`."""

from typedb.migrator._code import Migration, MigrationRunner, migration
from typedb.migrator._engine import EVENTS, MigrationFailed
from typedb.migrator._migrator import Migrator
from typedb.migrator._unit import Status, Step

__all__ = [
    "EVENTS",
    "Migration",
    "MigrationFailed",
    "MigrationRunner",
    "Migrator",
    "Status",
    "Step",
    "migration",
]
