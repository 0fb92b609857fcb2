"""Hooks the CLI calls around schema changes, so other parts can react without the migrator
knowing about them."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from typedb._errors import TypedbError

if TYPE_CHECKING:
    from pathlib import Path

    from typedb._config import Config
    from typedb.connection import Database


def _warn(message: str) -> None:
    sys.stderr.write(f"typedb: warning: {message}\n")
    sys.stderr.flush()


def stubs_folder(config: Config) -> Path | None:
    """Where to regenerate stubs after a schema change, or None to leave them alone: the
    stubs folder when it exists (the project keeps stubs) or `[tool.typedb] stubs` names a
    folder other than the default, and only if it can be written (a read-only deployment
    still migrates; it says why the stubs were skipped)."""
    folder = config.stubs_dir
    if not folder.exists() and config.stubs == "stubs":
        return None
    probe = folder if folder.exists() else folder.parent
    if not os.access(probe, os.W_OK):
        _warn(f"stubs not regenerated: {probe} is not writable (use --no-stubs to skip them)")
        return None
    return folder


def after_schema_change(config: Config, db: Database, *, stubs: bool = True) -> None:
    """Called by every `migration:*` command once it has applied or rolled back at least one
    migration (never on `--dry-run`, never when there was nothing to do).

    `config` is the project's `[tool.typedb]`; `db` is the open connection the migrations ran
    on, outside any transaction. The migrations are applied by then, so nothing here can
    fail the command: every problem is a warning on stderr and the exit status stays 0.

    Regenerates the typed stubs from the contracts (they follow the contracts, which a
    migration usually comes with) where a stubs folder is kept (see `stubs_folder`) unless
    `stubs` is False (`--no-stubs`), and reports how the contracts and the new schema
    differ. Projects without contracts are left alone.
    """
    from typedb.cli._stubs import contracts
    from typedb.contracts import compare, contract_files
    from typedb.stubgen import generate

    if not contract_files(config):
        return
    try:
        registry = contracts(config)
    except TypedbError as exc:
        _warn(f"the migrations ran, but the contracts could not be loaded: {exc}")
        return
    folder = stubs_folder(config) if stubs else None
    if folder is not None:
        try:
            changes = generate(registry, folder)
        except (TypedbError, OSError) as exc:
            _warn(f"stubs not regenerated: {exc}")
        else:
            if changes:
                sys.stdout.write(
                    f"Stubs regenerated: {len(changes)} file(s) changed in {config.stubs}/.\n"
                )
    try:
        differences = compare(registry, db, config.migration_table)
    except TypedbError as exc:
        _warn(f"could not compare the contracts with the database: {exc}")
        return
    if differences:
        _warn(
            f"{len(differences)} difference(s) between contracts and database "
            "(`typedb contracts:check` lists them again):"
        )
        for difference in differences:
            sys.stderr.write(f"  {difference}\n")
    sys.stdout.flush()
    sys.stderr.flush()
