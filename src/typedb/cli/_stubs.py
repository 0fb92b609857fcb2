"""`typedb stubs:generate | stubs:check | stubs:install` and `typedb contracts:check`."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from typedb._config import Config
from typedb.cli._registry import Context, Registry
from typedb.contracts import ContractWarning, compare, load_registry
from typedb.contracts import Registry as Contracts
from typedb.migrator._make import missing_packages
from typedb.stubgen import check, generate, install, registration_problem


def _nothing(parser: argparse.ArgumentParser) -> None:
    del parser


def _install_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site-packages",
        metavar="DIR",
        type=Path,
        help="where to write the .pth file (default: this environment's site-packages)",
    )


def contracts(config: Config, ctx: Context | None = None) -> Contracts:
    """The project's registry; its warnings are printed as `typedb: warning: ...` lines."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ContractWarning)
        registry = load_registry(config)
    if ctx is not None:
        for message in registry.warnings:
            ctx.err.write(f"typedb: warning: {message}\n")
    return registry


def _shown(ctx: Context, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ctx.root.resolve()))
    except ValueError:
        return str(path)


def _generate(ctx: Context, args: argparse.Namespace) -> int:
    registry = contracts(ctx.config, ctx)
    changes = generate(registry, ctx.config.stubs_dir)
    where = _shown(ctx, ctx.config.stubs_dir)
    for change in changes:
        ctx.print(f"  {change.path}: {'removed' if change.status == 'extra' else 'written'}")
    for package in missing_packages(ctx.config):
        package.touch()
        ctx.print(f"  {_shown(ctx, package)}: written (so `mypy .` tells the contracts apart)")
    ctx.print(
        f"Stubs for {len(registry)} table(s) in {where}/: "
        + (f"{len(changes)} file(s) changed." if changes else "already up to date.")
    )
    return 0


def _check(ctx: Context, args: argparse.Namespace) -> int:
    """Exit 1 when the stubs are stale or when this environment's checkers would not read them
    (not registered): either way a type check would pass without checking the queries."""
    registry = contracts(ctx.config, ctx)
    changes = check(registry, ctx.config.stubs_dir)
    where = _shown(ctx, ctx.config.stubs_dir)
    unregistered = registration_problem(ctx.config.stubs_dir)
    if changes:
        ctx.err.write(f"typedb: the stubs in {where}/ are stale; run `typedb stubs:generate`:\n")
        for change in changes:
            ctx.err.write(f"  {change.path}: {change.status}\n")
    if unregistered is not None:
        ctx.err.write(f"typedb: {unregistered}\n")
    packages = missing_packages(ctx.config)
    for package in packages:
        ctx.err.write(
            f"typedb: {_shown(ctx, package)} is missing: `mypy .` would stop at "
            '`Duplicate module named "contracts"`; run `typedb stubs:generate`\n'
        )
    if changes or unregistered is not None or packages:
        return 1
    ctx.print(f"Stubs in {where}/ are up to date ({len(registry)} table(s)) and registered.")
    return 0


def _install(ctx: Context, args: argparse.Namespace) -> int:
    pth, changed = install(ctx.config.stubs_dir, args.site_packages)
    state = "registered" if changed else "already registered"
    ctx.print(f"Stubs folder {ctx.config.stubs_dir.resolve()} {state} in {pth}.")
    return 0


def _contracts_check(ctx: Context, args: argparse.Namespace) -> int:
    registry = contracts(ctx.config, ctx)
    differences = compare(registry, ctx.connect(read_only=True), ctx.config.migration_table)
    if not differences:
        ctx.print(f"Contracts match the database ({len(registry)} table(s)).")
        return 0
    ctx.err.write(f"typedb: {len(differences)} difference(s) between contracts and database:\n")
    for difference in differences:
        ctx.err.write(f"  {difference}\n")
    return 1


def register(commands: Registry) -> None:
    commands.add("stubs:generate", "write the typed stubs from the contracts", _nothing, _generate)
    commands.add(
        "stubs:check", "exit 1 when the stubs are stale or not registered here", _nothing, _check
    )
    commands.add(
        "stubs:install",
        "register the stubs folder in this environment (a .pth file)",
        _install_options,
        _install,
    )
    commands.add(
        "contracts:check",
        "compare the contracts with the live database",
        _nothing,
        _contracts_check,
    )
