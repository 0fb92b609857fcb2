"""`typedb migration:generate NAME`: write the migration the contracts call for."""

from __future__ import annotations

import argparse
import sys

from typedb.cli._registry import Context, Registry


def _ask(question: str) -> bool:
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _rename(text: str) -> str:
    old, colon, new = text.partition(":")
    table, dot, column = old.partition(".")
    if not colon or not new or not table or (dot and not column) or "." in new:
        raise argparse.ArgumentTypeError(
            f"bad --rename {text!r}: use TABLE.OLD:NEW for a column (users.name:full_name) "
            "or OLD:NEW for a table (users:members)"
        )
    return text


def generate(ctx: Context, args: argparse.Namespace) -> int:
    from typedb.cli._migration import _existing_database
    from typedb.migrator._generate import generate as write

    files = write(
        _existing_database(ctx),  # only read: a SQLite file that is not there reads as empty
        ctx.config,
        args.name,
        module_name=args.module,
        renames=args.rename or (),
        allow_destructive=args.allow_destructive,
        ask=_ask if sys.stdin.isatty() else None,
        write=not args.dry_run,
    )
    if not files:
        ctx.print("No changes: the database matches the contracts.")
        return 0
    for item in files:
        shown = item.path.relative_to(ctx.root) if item.path.is_relative_to(ctx.root) else item.path
        if args.dry_run:
            ctx.print(f"# {shown}")
            ctx.print(item.source)
        else:
            ctx.print(f"Created {shown}")
    if args.dry_run:
        ctx.print(f"Dry run: {len(files)} file(s) shown, nothing was written.")
    return 0


def _args(parser: argparse.ArgumentParser) -> None:
    from typedb.cli._migration import _name

    parser.add_argument("name", type=_name, help="what it does, in snake_case (e.g. add_tags)")
    parser.add_argument(
        "-m", "--module", metavar="NAME", help="only the tables of this module (<NAME>__...)"
    )
    parser.add_argument(
        "--rename",
        action="append",
        type=_rename,
        metavar="OLD:NEW",
        help="a rename, not a drop and an add: users.name:full_name (column), "
        "users:members (table); repeatable",
    )
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="generate drops, narrowing type changes and NOT NULL without a backfill",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the files instead of writing them"
    )


def register(commands: Registry) -> None:
    commands.add(
        "migration:generate",
        "write a migration from the difference between the contracts and the database",
        _args,
        generate,
    )
