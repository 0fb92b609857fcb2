"""`typedb migration:*` commands: status, latest, up, down, rollback, fresh, make, mark."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from typedb.cli._hooks import after_schema_change
from typedb.cli._registry import Context, NoDatabaseError, Registry, UsageError
from typedb.connection import Database, connect
from typedb.migrator import MigrationFailed, Migrator, Status, Step


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
        help="print the SQL each migration would run and change nothing (not even a sequence)",
    )


def _no_stubs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-stubs",
        action="store_true",
        help="do not regenerate the typed stubs after the schema changed",
    )


def _drop_all(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drop-all",
        action="store_true",
        help="drop every table (PostgreSQL: every table, view, sequence and type of the "
        "schema) instead of calling down(), then run every migration",
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

    migrator.on("migration:after-up", line)
    migrator.on("migration:after-down", line)
    return migrator


def _print_dry_run(ctx: Context, steps: list[Step]) -> None:
    for step in steps:
        if step.path is None and step.batch == 0:  # fresh --drop-all's drop, no migration
            ctx.print(f"-- {step.name}")
        else:
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
    stubs = not getattr(args, "no_stubs", False)
    try:
        steps = run()
    except MigrationFailed as failure:
        if dry_run:
            _print_dry_run(ctx, failure.completed)
        elif failure.completed:
            after_schema_change(ctx.config, ctx.connect(), stubs=stubs)
        raise
    if dry_run:
        _print_dry_run(ctx, steps)
        migrations = sum(1 for s in steps if s.path is not None or s.batch)
        ctx.print(f"Dry run of {_count(migrations)}: nothing was changed.")
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
    after_schema_change(ctx.config, ctx.connect(), stubs=stubs)
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
    """Every migration, even when some are bad: those are marked in the table (and carry
    `problem` in --json), their full messages go to stderr, and the exit status is 1."""
    migrator = Migrator(_existing_database(ctx), ctx.config)
    rows = migrator.status(root=args.root, module=args.module)
    bad = [r for r in rows if r.problem is not None]
    if args.json:
        ctx.print(json.dumps([r.to_json() for r in rows], indent=2))
    elif not rows:
        ctx.print("No migrations found.")
    else:
        _status_table(ctx, rows)
    for r in bad:
        ctx.err.write(f"typedb: error: {r.detail}\n")
    ctx.err.flush()
    return 1 if bad else 0


def _status_table(ctx: Context, rows: list[Status]) -> None:
    table: list[tuple[str, ...]] = [
        ("Module", "Migration", "Status", "Batch", "Executed at (UTC)", "Problem")
    ]
    for r in rows:
        when = "" if r.executed_at is None else r.executed_at.isoformat(sep=" ", timespec="seconds")
        batch = "" if r.batch is None else str(r.batch)
        problem = "" if r.problem is None else f"<- {_PROBLEMS[r.problem]}"
        table.append((_module_label(r.module), r.name, r.status, batch, when, problem))
    if all(not row[-1] for row in table[1:]):
        table = [row[:-1] for row in table]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        ctx.print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            ctx.print("  ".join("-" * w for w in widths))
    pending = sum(1 for r in rows if r.status == "pending")
    bad = sum(1 for r in rows if r.problem is not None)
    ctx.print(f"{len(rows) - pending} ran, {pending} pending" + (f", {bad} bad." if bad else "."))


_PROBLEMS = {
    "missing": "FILE MISSING",
    "edited": "EDITED since it ran",
    "unordered": "OUT OF ORDER",
}


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
        ctx,
        args,
        lambda: m.rollback(
            root=args.root, module=args.module, steps=args.steps, dry_run=args.dry_run
        ),
    )


def fresh(ctx: Context, args: argparse.Namespace) -> int:
    if args.drop_all and (args.root or args.module or args.steps):
        raise UsageError("--drop-all drops every table, so it takes no -m, --root or --steps")
    m = _migrator(ctx)
    return _execute(
        ctx,
        args,
        lambda: m.fresh(
            root=args.root,
            module=args.module,
            steps=args.steps,
            dry_run=args.dry_run,
            drop_all=args.drop_all,
        ),
    )


def mark(ctx: Context, args: argparse.Namespace) -> int:
    migrator = Migrator(ctx.connect(), ctx.config, logger=_QUIET)
    row = migrator.mark(args.name, ran=args.ran, module=args.module)
    state = f"run (batch {row.batch})" if row.status == "ran" else "pending"
    ctx.print(f"Marked {_module_label(row.module)} {row.name} as {state}; nothing was run.")
    return 0


def _mark_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the migration (file name without .py, or its end)")
    parser.add_argument("-m", "--module", metavar="NAME", help="the module it belongs to")
    state = parser.add_mutually_exclusive_group(required=True)
    state.add_argument(
        "--ran", dest="ran", action="store_true", help="record it as run, without running it"
    )
    state.add_argument(
        "--pending",
        dest="ran",
        action="store_false",
        help="forget that it ran, without running its down()",
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
        "migration:latest",
        "run every pending migration",
        _configure(_scope, _dry_run, _no_stubs),
        latest,
    )
    commands.add(
        "migration:up",
        "run the next pending migration(s)",
        _configure(_scope, _steps("default 1"), _dry_run, _no_stubs),
        up,
    )
    commands.add(
        "migration:down",
        "roll back the last executed migration(s)",
        _configure(_scope, _steps("default 1"), _dry_run, _no_stubs),
        down,
    )
    commands.add(
        "migration:rollback",
        "roll back the last batch",
        _configure(_scope, _steps("default: the whole last batch"), _dry_run, _no_stubs),
        rollback,
    )
    commands.add(
        "migration:fresh",
        "roll back every migration, then run them all",
        _configure(_scope, _steps("to roll back; default: all"), _dry_run, _drop_all, _no_stubs),
        fresh,
    )
    commands.add("migration:make", "create a new migration file", _make_args, make)
    commands.add(
        "migration:mark",
        "record a migration as run or pending without running it (repairs a half-applied "
        "transaction = False migration)",
        _mark_args,
        mark,
    )
