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

    Regenerates the typed stubs from the contracts (they follow the contracts, which a
    migration usually comes with) and reports on stderr how the contracts and the new schema
    differ. Projects without contracts are left alone.
    """
    import sys

    from typedb.cli._stubs import contracts
    from typedb.contracts import compare, contract_files
    from typedb.stubgen import generate

    if not contract_files(config):
        return
    registry = contracts(config)
    changes = generate(registry, config.stubs_dir)
    if changes:
        sys.stdout.write(f"Stubs regenerated: {len(changes)} file(s) changed in {config.stubs}/.\n")
    differences = compare(registry, db)
    if differences:
        sys.stderr.write(
            f"typedb: warning: {len(differences)} difference(s) between contracts and database "
            "(`typedb contracts:check` lists them again):\n"
        )
        for difference in differences:
            sys.stderr.write(f"  {difference}\n")
    sys.stdout.flush()
    sys.stderr.flush()
