"""Hooks the CLI calls around schema changes, so other parts can react without the migrator
knowing about them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typedb._config import Config
    from typedb.connection import Database


def after_schema_change(config: Config, db: Database) -> None:
    """Called by every `migration:*` command once it has applied or rolled back at least one
    migration (never on `--dry-run`, never when there was nothing to do).

    `config` is the project's `[tool.typedb]`; `db` is the open connection the migrations ran
    on, outside any transaction. A `TypedbError` raised here is reported like any other CLI
    error (exit 1); the migrations themselves stay applied.

    A no-op for now: stub generation (issue 5) fills it in to regenerate the typed stubs.
    """
    del config, db
