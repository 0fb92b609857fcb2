"""`typedb migration:*` commands: status, latest, up, down, rollback, fresh, make."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from typedb.cli._hooks import after_schema_change
from typedb.cli._registry import Context, NoDatabaseError, Registry
from typedb.connection import Database, connect
from typedb.migrator import MigrationFailed, Migrator, Step


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _scope(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-m", "--module", metavar="NAME", help="only this module's migrations")
    group.add_argument("--root", action="store_true", help="only the core migrations")


def _steps(default: str) -> Callable[[argparse.ArgumentParser], None]:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--steps", type=_positive, metavar="N", help=f"how many migrations ({default})"
        )

    return configure


def _dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the SQL each migration would run and change nothing",
    )


def _configure(
    *parts: Callable[[argparse.ArgumentParser], None],
) -> Callable[[argparse.ArgumentParser], None]:
    def configure(parser: argparse.ArgumentParser) -> None:
        for part in parts:
            part(parser)

    return configure


def _module_label(module: str | None) -> str:
    return "(core)" if module is None else module


def _relative(ctx: Context, path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(ctx.root))
    except ValueError:
        return str(path)


class _Quiet:
    def info(self, msg: str, /, *args: object) -> None:
        pass

    def error(self, msg: str, /, *args: object) -> None:
        pass


_QUIET = _Quiet()


def _migrator(ctx: Context) -> Migrator:
    # The CLI prints each step itself; the migrator's log would say it all twice.
    migrator = Migrator(ctx.connect(), ctx.config, logger=_QUIET)

    def line(step: Step) -> None:
        verb = "migrated   " if step.direction == "up" else "rolled back"
        ms = (step.seconds or 0.0) * 1000
        ctx.print(f"{verb}  {_module_label(step.module):<12} {step.name}  ({ms:.1f} ms)")

    migrator.on("migrator:after-migrate", line)
    migrator.on("migrator:after-rollback", line)
    return migrator


def _print_dry_run(ctx: Context, steps: list[Step]) -> None:
    for step in steps:
        ctx.print(
            f"-- {step.direction}: {_module_label(step.module)} {step.name} "
            f"({_relative(ctx, step.path)})"
        )
        if not step.transaction:
            ctx.print("-- transaction = False: cannot be dry-run safely, so it was not run")
        elif not step.statements:
            ctx.print("-- (no SQL)")
        for statement in step.statements:
            ctx.print(statement)
        ctx.print()


def _count(n: int) -> str:
    return f"{n} migration" + ("" if n == 1 else "s")


def _execute(ctx: Context, args: argparse.Namespace, run: Callable[[], list[Step]]) -> int:
    """Run a migrator call; print the dry run or a summary; fire the schema-change hook."""
    dry_run = bool(getattr(args, "dry_run", False))
    try:
        steps = run()
    except MigrationFailed as failure:
        if dry_run:
            _print_dry_run(ctx, failure.completed)
        elif failure.completed:
            after_schema_change(ctx.config, ctx.connect())
        raise
    if dry_run:
        _print_dry_run(ctx, steps)
        ctx.print(f"Dry run of {_count(len(steps))}: nothing was changed.")
        return 0
    if not steps:
        ctx.print("Nothing to do.")
        return 0
    ups = sum(1 for s in steps if s.direction == "up")
    downs = len(steps) - ups
    parts = []
    if downs:
        parts.append(f"rolled back {_count(downs)}")
    if ups:
        parts.append(f"ran {_count(ups)} in batch {steps[-1].batch}")
    text = " and ".join(parts)
    ctx.print(text[0].upper() + text[1:] + ".")
    after_schema_change(ctx.config, ctx.connect())
    return 0


def _existing_database(ctx: Context) -> Database:
    """The database, never created by looking: a SQLite file that does not exist yet reads as
    an empty database (every migration pending), with a note saying so."""
    try:
        return ctx.connect(read_only=True)
    except NoDatabaseError as missing:
        ctx.err.write(f"typedb: note: {missing}\n")
        return connect("sqlite://")


def status(ctx: Context, args: argparse.Namespace) -> int:
    migrator = Migrator(_existing_database(ctx), ctx.config)
    rows = migrator.status(root=args.root, module=args.module)
    if args.json:
        ctx.print(json.dumps([r.to_json() for r in rows], indent=2))
        return 0
    if not rows:
        ctx.print("No migrations found.")
        return 0
    table = [("Module", "Migration", "Status", "Batch", "Executed at (UTC)")]
    for r in rows:
        when = "" if r.executed_at is None else r.executed_at.isoformat(sep=" ", timespec="seconds")
        batch = "" if r.batch is None else str(r.batch)
        table.append((_module_label(r.module), r.name, r.status, batch, when))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        ctx.print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            ctx.print("  ".join("-" * w for w in widths))
    pending = sum(1 for r in rows if r.status == "pending")
    ctx.print(f"{len(rows) - pending} ran, {pending} pending.")
    return 0


def latest(ctx: Context, args: argparse.Namespace) -> int:
    m = _migrator(ctx)
    return _execute(
        ctx, args, lambda: m.latest(root=args.root, module=args.module, dry_run=args.dry_run)
    )


def up(ctx: Context, args: argparse.Namespace) -> int:
    m = _migrator(ctx)
    steps = args.steps or 1
    return _execute(
        ctx, args, lambda: m.up(steps, root=args.root, module=args.module, dry_run=args.dry_run)
    )


def down(ctx: Context, args: argparse.Namespace) -> int:
    m = _migrator(ctx)
    steps = args.steps or 1
    return _execute(
        ctx,
        args,
        lambda: m.down(steps, root=args.root, module=args.module, dry_run=args.dry_run),
    )


def rollback(ctx: Context, args: argparse.Namespace) -> int:
    m = _migrator(ctx)
    return _execute(
        ctx, args, lambda: m.rollback(root=args.root, module=args.module, steps=args.steps)
    )


def fresh(ctx: Context, args: argparse.Namespace) -> int:
    m = _migrator(ctx)
    return _execute(
        ctx, args, lambda: m.fresh(root=args.root, module=args.module, steps=args.steps)
    )


def make(ctx: Context, args: argparse.Namespace) -> int:
    from typedb.migrator._make import make as write

    path = write(ctx.config, args.name, args.module)
    ctx.print(f"Created {_relative(ctx, path)}")
    return 0


def _name(text: str) -> str:
    from typedb.migrator._files import MAKE_NAME

    if not MAKE_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"bad migration name {text!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (e.g. create_users)"
        )
    return text


def _make_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", type=_name, help="what it does, in snake_case (e.g. create_users)")
    parser.add_argument("-m", "--module", metavar="NAME", help="put it in modules/NAME/migrations/")


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON list")


def register(commands: Registry) -> None:
    commands.add(
        "migration:status", "list migrations and whether they ran", _configure(_scope, _json),
        status,
    )  # fmt: skip
    commands.add(
        "migration:latest", "run every pending migration", _configure(_scope, _dry_run), latest
    )
    commands.add(
        "migration:up",
        "run the next pending migration(s)",
        _configure(_scope, _steps("default 1"), _dry_run),
        up,
    )
    commands.add(
        "migration:down",
        "roll back the last executed migration(s)",
        _configure(_scope, _steps("default 1"), _dry_run),
        down,
    )
    commands.add(
        "migration:rollback",
        "roll back the last batch",
        _configure(_scope, _steps("default: the whole last batch")),
        rollback,
    )
    commands.add(
        "migration:fresh",
        "roll back every migration, then run them all",
        _configure(_scope, _steps("to roll back; default: all")),
        fresh,
    )
    commands.add("migration:make", "create a new migration file", _make_args, make)
