"""The CLI's command registry: each command module registers its commands in one call.

A command module is a module with `register(commands: Registry) -> None`; adding one to
`COMMAND_MODULES` in `typedb/cli/_app.py` is the only other change a new command needs.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from typedb._errors import TypedbError

if TYPE_CHECKING:
    from typedb._config import Config
    from typedb.connection import Database


Configure = Callable[[argparse.ArgumentParser], None]
Handler = Callable[["Context", argparse.Namespace], int]


class UsageError(TypedbError):
    """Bad usage that argparse cannot see (e.g. an unknown module): exit 2."""


class NoDatabaseError(TypedbError):
    """A read-only command found no SQLite file where the configuration points."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Configure
    run: Handler


@dataclass(slots=True)
class Context:
    """What a command needs: the project's configuration, the database, where to print."""

    config: Config
    database_url: str | None
    out: TextIO
    err: TextIO
    _db: Database | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.config.root

    def connect(self, read_only: bool = False) -> Database:
        """The project's database (opened once): `--database-url`, else the environment,
        else `[tool.typedb] database_url`, else a SQLite file in the project. Relative SQLite
        paths are resolved against the project root, not the working directory.

        `read_only`: for commands that only look. A SQLite file that does not exist raises
        `NoDatabaseError` instead of being created empty."""
        if self._db is None:
            from typedb.connection import connect
            from typedb.migrator._project import database_url

            url = database_url(self.config, self.database_url)
            if read_only:
                self._require_file(url)
            self._db = connect(url)
        return self._db

    def _require_file(self, url: str) -> None:
        from typedb._url import parse

        path = parse(url).path
        if path is None or Path(path).exists():
            return
        if self.database_url is not None:
            origin = "--database-url"
        elif os.environ.get("TYPEDB_DATABASE_URL") or os.environ.get("DATABASE_URL"):
            origin = "the environment"
        elif self.config.pyproject is not None:
            origin = f"{self.config.pyproject}"
        else:
            origin = f"the default; no pyproject.toml with [tool.typedb] at or above {Path.cwd()}"
        raise NoDatabaseError(
            f"the database file {path} does not exist (from {origin}); nothing was created. "
            "Run `typedb migration:latest` to create it, or run typedb inside the project"
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def print(self, text: str = "") -> None:
        try:
            self.out.write(text + "\n")
            self.out.flush()
        except BrokenPipeError:
            # The reader went away (`| head`). Output is a courtesy; a command that is changing
            # the database must still finish, so drop further output and go on.
            devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - kept for the run
            os.dup2(devnull.fileno(), self.out.fileno())
            self.out = devnull


class Registry:
    """Commands by name, in the order they were registered (the order `--help` lists)."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def add(self, name: str, help: str, configure: Configure, run: Handler) -> None:
        if name in self._commands:
            raise ValueError(f"CLI command {name!r} is registered twice")
        self._commands[name] = Command(name, help, configure, run)

    def command(self, name: str, help: str, configure: Configure) -> Callable[[Handler], Handler]:
        """Decorator form of `add()`."""

        def register(run: Handler) -> Handler:
            self.add(name, help, configure, run)
            return run

        return register

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __getitem__(self, name: str) -> Command:
        return self._commands[name]
