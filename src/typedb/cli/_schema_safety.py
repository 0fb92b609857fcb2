"""`typedb migration:lint` (what pending migrations would do that is destructive or locks a
table with rows) and `typedb schema:sync` (create what the contracts declare and the
database lacks)."""

from __future__ import annotations

import argparse

from typedb.cli._registry import Context, Registry, UsageError


class _Quiet:
    def info(self, msg: str, /, *args: object) -> None:
        pass

    def error(self, msg: str, /, *args: object) -> None:
        pass


def _scope(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-m", "--module", metavar="NAME", help="only this module's migrations")
    group.add_argument("--root", action="store_true", help="only the core migrations")


def lint(ctx: Context, args: argparse.Namespace) -> int:
    """One line per finding on stdout; exit 1 when any is not acknowledged (`lint_ignore`)
    or a migration fails its dry run, 0 otherwise."""
    from typedb.cli._migration import _existing_database  # pyright: ignore[reportPrivateUsage]
    from typedb.migrator import Migrator
    from typedb.migrator._lint import lint as run_lint

    migrator = Migrator(_existing_database(ctx), ctx.config, logger=_Quiet())
    report = run_lint(migrator, root=args.root, module=args.module)
    root = ctx.root
    for finding in report.open:
        ctx.print(finding.line(root))
    for step in report.skipped:
        where = step.path.relative_to(root) if step.path is not None else step.name
        ctx.print(
            f"{where}: not linted: transaction = False, so a dry run cannot run it "
            "(review it by hand)"
        )
    for path, entry in report.unused:
        ctx.err.write(f"typedb: warning: {path}: lint_ignore entry {entry!r} matched nothing\n")
    ctx.err.flush()
    if report.failure is not None:
        raise report.failure
    ignored = len(report.findings) - len(report.open)
    acknowledged = f" ({ignored} acknowledged by lint_ignore)" if ignored else ""
    linted = report.migrations - len(report.skipped)
    checked = f"{linted} pending migration" + ("" if linted == 1 else "s")
    if report.open:
        count = len(report.open)
        ctx.print(
            f"{count} finding{'' if count == 1 else 's'} in {checked}{acknowledged}. "
            'Acknowledge one with lint_ignore = ["rule"] in its migration.'
        )
        return 1
    ctx.print(f"No findings in {checked}{acknowledged}.")
    return 0


def sync(ctx: Context, args: argparse.Namespace) -> int:
    """Create the missing tables and add the missing columns; print what was done (or, with
    --dry-run, the SQL) and each difference left alone."""
    from typedb.cli._stubs import contracts
    from typedb.contracts import contract_files
    from typedb.schema_diff._sync import sync as run_sync

    if not contract_files(ctx.config):
        raise UsageError(
            "no contract files to sync from (set [tool.typedb] contracts, or add contracts.py "
            "to a module)"
        )
    registry = contracts(ctx.config, ctx)
    result = run_sync(ctx.connect(), registry, dry_run=args.dry_run, config=ctx.config)
    if args.dry_run:
        for statement in result.statements:
            ctx.print(statement.rstrip(";") + ";")
    else:
        for table in result.created:
            ctx.print(f"created table  {table}")
        for column in result.added:
            ctx.print(f"added column   {column}")
        for index in result.indexes:
            ctx.print(f"created index  {index}")
    for line in result.skipped:
        ctx.print(f"left alone     {line}")
    tables, columns = len(result.created), len(result.added)
    what = (
        f"{tables} table{'' if tables == 1 else 's'} to create and "
        f"{columns} column{'' if columns == 1 else 's'} to add"
    )
    if not result.statements:
        ctx.print("Nothing to sync: the database has every table and column of the contracts.")
    elif args.dry_run:
        ctx.print(f"Dry run: {what}; nothing was changed.")
    else:
        ctx.print(f"Synced: {what.replace(' to create', ' created').replace(' to add', ' added')}.")
    return 0


def _sync_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print the SQL it would run and change nothing"
    )


def register(commands: Registry) -> None:
    commands.add(
        "schema:sync",
        "create the tables and add the columns the contracts declare and the database lacks "
        "(never drops or alters; for development and tests, not production)",
        _sync_args,
        sync,
    )
    commands.add(
        "migration:lint",
        "list what pending migrations would do that destroys data, breaks running code or "
        "locks a table with rows (from a dry run); exit 1 if anything",
        _scope,
        lint,
    )
