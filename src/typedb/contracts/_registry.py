"""The global Database registry: every contract file's `class Database(TypedDict)`, merged.

Core contract files come from `[tool.typedb] contracts`; each enabled module may have
`modules/<name>/contracts.py`. A table may be declared in several files only with the same
shape, and a module's tables should carry its `<module>__` prefix.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import typing
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, get_type_hints, is_typeddict

from typedb._config import Config
from typedb._errors import ContractError
from typedb.contracts._base import SoftDeleteTable, TimestampTable
from typedb.contracts._types import ColumnType, column_type

# Columns a table inherits from the base contracts go last, as the schema helpers add them last.
_BASE_COLUMNS = (*TimestampTable.__annotations__, *SoftDeleteTable.__annotations__)


class ContractWarning(UserWarning):
    """A contract that works but breaks a convention (a module table without its prefix)."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    #: False for Generated, nullable and NotRequired columns: the Insert TypedDict may omit them.
    required_on_insert: bool

    @property
    def nullable(self) -> bool:
        return self.type.nullable


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the registry, with the file (and module, None for core) declaring it."""

    name: str
    columns: tuple[Column, ...]
    source: Path
    module: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def soft_deletes(self) -> bool:
        """Whether `soft_delete()` applies: the table has a nullable `deleted_at`."""
        deleted_at = self.column("deleted_at")
        return deleted_at is not None and deleted_at.nullable

    def shape(self) -> tuple[tuple[str, str, bool], ...]:
        """What must agree when two files declare the same table (order does not matter)."""
        return tuple(sorted((c.name, c.type.full_text, c.required_on_insert) for c in self.columns))


@dataclass(frozen=True, slots=True)
class Registry:
    """Tables by name, sorted; `sources` are the contract files read, `warnings` what they broke."""

    tables: Mapping[str, Table]
    sources: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables.values())

    def __len__(self) -> int:
        return len(self.tables)

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]


def contract_files(config: Config) -> list[tuple[Path, str | None]]:
    """The contract files of a project: (path, module name or None for core), in load order."""
    files: list[tuple[Path, str | None]] = [(config.root / c, None) for c in config.contracts]
    if config.enabled_modules is not None:
        modules = list(config.enabled_modules)
    elif config.modules_dir.is_dir():
        modules = sorted(p.name for p in config.modules_dir.iterdir() if p.is_dir())
    else:
        modules = []
    for module in modules:
        path = config.modules_dir / module / "contracts.py"
        if path.is_file():
            files.append((path, module))
    return files


def load_registry(config: Config | None = None) -> Registry:
    """Read every contract file of the project (default: the one around the working folder)
    and merge their `Database` declarations. Warnings are also issued as `ContractWarning`."""
    from typedb._config import load

    config = config or load()
    for path, _ in contract_files(config):
        if not path.is_file():
            raise ContractError(f"contract file {_shown(path, config.root)} does not exist")
    registry = merge(
        (load_file(path, module, config.root) for path, module in contract_files(config)),
        root=config.root,
    )
    for message in registry.warnings:
        warnings.warn(message, ContractWarning, stacklevel=2)
    return registry


def merge(declarations: Iterable[list[Table]], root: Path | None = None) -> Registry:
    """One registry from each file's tables. The same table twice must have the same shape."""
    tables: dict[str, Table] = {}
    sources: list[Path] = []
    notes: list[str] = []
    for declared in declarations:
        for table in declared:
            if table.source not in sources:
                sources.append(table.source)
            if table.module is not None and not table.name.startswith(f"{table.module}__"):
                notes.append(
                    f"{_shown(table.source, root)}: table {table.name!r} of module "
                    f"{table.module!r} should be named {table.module}__{table.name} (module "
                    f"tables are prefixed '<module>__')"
                )
            seen = tables.get(table.name)
            if seen is None:
                tables[table.name] = table
            elif seen.shape() != table.shape():
                raise ContractError(
                    f"table {table.name!r} is declared with different shapes in "
                    f"{_shown(seen.source, root)} and {_shown(table.source, root)}: "
                    f"{_first_difference(seen, table)}"
                )
    ordered = {name: tables[name] for name in sorted(tables)}
    return Registry(ordered, tuple(sources), tuple(notes))


def load_file(path: Path, module: str | None = None, root: Path | None = None) -> list[Table]:
    """The tables one contract file declares in its `class Database(TypedDict)`."""
    shown = _shown(path, root)
    namespace = _import(path, shown)
    database = getattr(namespace, "Database", None)
    if database is None or not is_typeddict(database):
        raise ContractError(f"{shown}: declares no `class Database(TypedDict)`")
    try:
        hints = get_type_hints(database)
    except Exception as exc:  # NameError and friends: a bad annotation in the user's file
        raise ContractError(f"{shown}: cannot read class Database: {exc}") from exc
    tables: list[Table] = []
    for name, contract in hints.items():
        if not is_typeddict(contract):
            raise ContractError(
                f"{shown}: Database.{name} must be a TypedDict table contract, got {contract!r}"
            )
        tables.append(Table(name, _columns(contract, f"{shown}: table {name!r}"), path, module))
    return tables


def _columns(contract: Any, where: str) -> tuple[Column, ...]:
    try:
        hints = get_type_hints(contract, include_extras=True)
    except Exception as exc:
        raise ContractError(f"{where}: cannot read its annotations: {exc}") from exc
    if not hints:
        raise ContractError(f"{where}: a table needs at least one column")
    optional: frozenset[str] = getattr(contract, "__optional_keys__", frozenset())
    columns: list[Column] = []
    for name, annotation in hints.items():
        try:
            ctype = column_type(annotation)
        except ContractError as exc:
            raise ContractError(f"{where}, column {name!r}: {exc}") from None
        explicit = typing.get_origin(annotation) is typing.NotRequired
        required = not (ctype.generated or ctype.nullable or name in optional or explicit)
        columns.append(Column(name, ctype, required))
    own = [c for c in columns if c.name not in _BASE_COLUMNS]
    base = sorted(
        (c for c in columns if c.name in _BASE_COLUMNS), key=lambda c: _BASE_COLUMNS.index(c.name)
    )
    return (*own, *base)


def _import(path: Path, shown: str) -> ModuleType:
    # A stable name per file: re-reading a file (regenerating stubs) replaces the old module.
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"_typedb_contracts_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ContractError(f"{shown}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    # Registered before running so get_type_hints() resolves postponed annotations in it.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ContractError(f"{shown}: failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _first_difference(a: Table, b: Table) -> str:
    left = {c.name: c for c in a.columns}
    right = {c.name: c for c in b.columns}
    for name in sorted(left.keys() | right.keys()):
        x, y = left.get(name), right.get(name)
        if x is None or y is None:
            return f"column {name!r} is only in {_shown((a if y is None else b).source, None)}"
        if x.type.full_text != y.type.full_text:
            return (
                f"column {name!r} is {x.type.full_text} in one and {y.type.full_text} in the other"
            )
        if x.required_on_insert != y.required_on_insert:
            return f"column {name!r} is required on insert in only one of them"
    return "the columns differ"


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
