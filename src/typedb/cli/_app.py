"""`typedb` on the command line: parse, dispatch to a registered command, report errors."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from typedb._errors import TypedbError
from typedb.cli._registry import Context, Registry

#: Modules whose `register(commands)` adds commands; one line per module.
COMMAND_MODULES: tuple[str, ...] = (
    "typedb.cli._migration",
    "typedb.cli._stubs",
    "typedb.cli._contracts",
    "typedb.cli._schema_safety",
    "typedb.cli._migration_generate",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def registry() -> Registry:
    commands = Registry()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return commands


def parser(commands: Registry) -> argparse.ArgumentParser:
    from typedb import __version__

    url_help = (
        "database to use (default: TYPEDB_DATABASE_URL, DATABASE_URL, "
        "[tool.typedb] database_url, then a SQLite file in the project)"
    )
    verbose_help = "on an error, also print the traceback (a failing migration's file and line)"
    # Accepted before or after the command; SUPPRESS keeps a subcommand's unset option from
    # overwriting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", metavar="URL", default=argparse.SUPPRESS, help=url_help)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=verbose_help
    )
    main = argparse.ArgumentParser(
        prog="typedb",
        description="typedb: typed SQL for Python. Migrations, typed stubs and contracts.",
    )
    main.add_argument("--database-url", metavar="URL", help=url_help)
    main.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    main.add_argument("--version", action="version", version=f"typedb {__version__}")
    sub = main.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in commands:
        child = sub.add_parser(
            command.name, help=command.help, description=command.help, parents=[common]
        )
        command.configure(child)
    return main


def _report(err: TextIO, exc: BaseException, verbose: bool = False) -> None:
    # The first line says what failed; a database's DETAIL / HINT lines follow, indented.
    first, *rest = (str(exc).strip() or type(exc).__name__).splitlines()
    err.write(f"typedb: error: {first}\n")
    for line in rest:
        err.write(f"  {line}\n")
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in str(exc):
        err.write(f"  caused by {type(cause).__name__}: {cause}\n")
    if verbose:
        # The cause's traceback ends in the migration file's own frame: its file and line.
        import traceback

        err.write("".join(traceback.format_exception(cause or exc)))
    err.flush()


def _usage_error(exc: TypedbError) -> bool:
    from typedb.cli._registry import UsageError
    from typedb.migrator import UnknownModuleError

    return isinstance(exc, UsageError | UnknownModuleError)


def _show_lock_waits(err: TextIO) -> None:
    """A migrator that waits for another one says so, instead of seeming to hang."""
    lock = logging.getLogger("typedb.migrator.lock")
    if not lock.handlers:
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("typedb: %(message)s"))
        lock.addHandler(handler)
        lock.setLevel(logging.INFO)


#: Commands that create the migrations folder when it is missing, so no warning for them.
_CREATES_FOLDER = ("migration:make", "migration:generate")


def _warn_missing_migrations(ctx: Context, args: argparse.Namespace) -> None:
    """A migration command whose core migrations folder does not exist says so, rather than
    a silent "Nothing to do" (most often: run outside the project, or a misspelled path)."""
    if not args.command.startswith("migration:") or args.command in _CREATES_FOLDER:
        return
    if getattr(args, "module", None) or ctx.config.migrations_dir.is_dir():
        return
    config = ctx.config
    if config.pyproject is None:
        where = f"no pyproject.toml with [tool.typedb] at or above {Path.cwd()}"
    elif "migrations" in config.explicit:
        where = f"[tool.typedb] migrations = {config.migrations!r} in {config.pyproject}"
    else:
        where = f"the default; set [tool.typedb] migrations in {config.pyproject}"
    ctx.err.write(
        f"typedb: warning: the migrations folder {config.migrations_dir} does not exist ({where})\n"
    )
    ctx.err.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 success, 1 failure, 2 bad usage)."""
    from typedb._config import load

    _show_lock_waits(sys.stderr)
    commands = registry()
    args = parser(commands).parse_args(argv)  # exits 2 on bad usage
    if args.command is None:
        parser(commands).print_help(sys.stderr)
        return EXIT_USAGE
    context: Context | None = None
    try:
        context = Context(load(), args.database_url, sys.stdout, sys.stderr)
        _warn_missing_migrations(context, args)
        return commands[args.command].run(context, args)
    except TypedbError as exc:
        _report(sys.stderr, exc, bool(args.verbose))
        return EXIT_USAGE if _usage_error(exc) else EXIT_FAILURE
    except KeyboardInterrupt:
        sys.stderr.write("typedb: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`typedb migration:status | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    finally:
        if context is not None:
            context.close()
