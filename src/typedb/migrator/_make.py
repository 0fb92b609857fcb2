"""`migration:make`: a new, timestamped migration file from a template."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typedb._config import Config
from typedb._errors import MigrationError
from typedb.migrator._files import MAKE_NAME, module_dir

_MODULE = re.compile(r"^[a-z][a-z0-9_]*$")
_CREATE = re.compile(r"^create_(?P<table>[a-z][a-z0-9_]*?)(?:_table)?$")

_GENERIC = '''"""Migration {name}."""

from typedb import Database


def up(db: Database) -> None:
    # e.g. db.schema.alter_table("items").add_column("sku", "text").execute()
    pass


def down(db: Database) -> None:
    # Undo what up() did, so `typedb migration:rollback` can take it back.
    pass
'''

_CREATE_TABLE = '''"""Migration {name}: create the {table} table."""

from typedb import Database

table = "{table}"


def up(db: Database) -> None:
    db.schema.create_table(table).add_id_column().add_timestamp_columns().execute()


def down(db: Database) -> None:
    db.schema.drop_table(table).execute()
'''


def file_name(name: str, now: datetime | None = None) -> str:
    """`YYYY_MM_DD_HH_MM_SS_name.py`, in UTC.

    >>> file_name("create_users", datetime(2026, 1, 2, 3, 4, 5))
    '2026_01_02_03_04_05_create_users.py'
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y_%m_%d_%H_%M_%S")
    return f"{stamp}_{name}.py"


_STAMP = "%Y_%m_%d_%H_%M_%S"


def _latest_stamp(config: Config, folder: Path) -> datetime | None:
    """The newest timestamp among the migration files of the core, every module folder, and
    `folder`: they all run interleaved by name, so a new file must sort after every one."""
    folders = {config.migrations_dir, folder}
    if config.modules_dir.is_dir():
        folders.update(p / "migrations" for p in config.modules_dir.iterdir() if p.is_dir())
    newest: datetime | None = None
    for where in folders:
        if not where.is_dir():
            continue
        for path in where.glob("*.py"):
            try:
                stamp = datetime.strptime(path.name[:19], _STAMP)
            except ValueError:
                continue
            if newest is None or stamp > newest:
                newest = stamp
    return newest


def next_stamp(now: datetime, latest: datetime | None) -> datetime:
    """`now`, or one second after `latest` when that is not earlier: two files made in the
    same second (or after a file stamped ahead of the clock) keep the order they were made in.

    >>> next_stamp(datetime(2026, 1, 1, 0, 0, 5), datetime(2026, 1, 1, 0, 0, 5))
    datetime.datetime(2026, 1, 1, 0, 0, 6)
    >>> next_stamp(datetime(2026, 1, 1, 0, 0, 5), datetime(2026, 1, 1, 0, 0, 4))
    datetime.datetime(2026, 1, 1, 0, 0, 5)
    """
    now = now.replace(microsecond=0)
    if latest is not None and latest >= now:
        return latest + timedelta(seconds=1)
    return now


def render(name: str, module: str | None) -> str:
    """The new file's text: a create_table/drop_table pair for `create_<table>`, else an
    empty `up` and `down`. Module tables get the module's `<module>__` prefix."""
    match = _CREATE.match(name)
    if match is None:
        return _GENERIC.format(name=name)
    table = match.group("table")
    if module is not None and not table.startswith(f"{module}__"):
        table = f"{module}__{table}"
    return _CREATE_TABLE.format(name=name, table=table)


def package_folders(config: Config, module: str | None) -> list[Path]:
    """The folders `migration:make` marks as packages with an empty `__init__.py`.

    Type checkers name a file by its folders: without packages, `mypy .` calls both
    `contracts.py` and `modules/blog/contracts.py` module `contracts` and stops ("Duplicate
    module named"). With `modules/`, `modules/<name>/` and each migrations folder packages,
    they are `contracts`, `modules.blog.contracts` and `modules.blog.migrations.<file>`.
    Discovery skips `_`-prefixed files, so the migrator never runs an `__init__.py`.
    """
    if module is None:
        return [config.migrations_dir]
    return [config.modules_dir, config.modules_dir / module, module_dir(config, module)]


def missing_packages(config: Config) -> list[Path]:
    """The `__init__.py` files a module with a `contracts.py` still lacks: the same package
    rule as `migration:make`, for a module that has contracts but no migration made yet
    (else `mypy .` stops at `Duplicate module named "contracts"`). Folders whose names are
    not identifiers are left alone: as packages they would be errors of their own."""
    from typedb.contracts import contract_files

    folders: list[Path] = []
    for path, module in contract_files(config):
        if module is None or not module.isidentifier():
            continue
        for folder in (config.modules_dir, path.parent):
            if folder not in folders:
                folders.append(folder)
    return [f / "__init__.py" for f in folders if not (f / "__init__.py").exists()]


def make(config: Config, name: str, module: str | None = None) -> Path:
    """Write the file (creating the folder if needed) and return its path."""
    if not MAKE_NAME.match(name):
        raise MigrationError(
            f"bad migration name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (e.g. create_users or add_slug_to_posts)"
        )
    if module is not None and not _MODULE.match(module):
        raise MigrationError(
            f"bad module name {module!r}: use lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    folder = module_dir(config, module)
    now = datetime.now(UTC).replace(tzinfo=None)
    path = folder / file_name(name, next_stamp(now, _latest_stamp(config, folder)))
    if path.exists():
        raise MigrationError(f"{path} already exists; wait a second or pick another name")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for package in package_folders(config, module):
            (package / "__init__.py").touch(exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(render(name, module))
    except OSError as exc:
        raise MigrationError(f"cannot write {path}: {exc}") from exc
    return path
