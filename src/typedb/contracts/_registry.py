"""The global Database registry: every contract file's `class Database(TypedDict)`, merged.

Core contract files come from `[tool.typedb] contracts`; each enabled module may have
`modules/<name>/contracts.py`. A table may be declared in several files only with the same
shape, and a module's tables should carry its `<module>__` prefix.
"""

from __future__ import annotations

import typing
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints, is_typeddict

from typedb._config import Config
from typedb._errors import ContractError
from typedb.contracts._base import SoftDeleteTable, TimestampTable
from typedb.contracts._import import import_contract
from typedb.contracts._metadata import Column, Table
from typedb.contracts._types import ColumnType, column_type
from typedb.contracts._validate import check_column_meta, check_references, check_table_meta

# Columns a table inherits from the base contracts go last, as the schema helpers add them last.
_BASE_COLUMNS = (*TimestampTable.__annotations__, *SoftDeleteTable.__annotations__)


class ContractWarning(UserWarning):
    """A contract that works but breaks a convention (a module table without its prefix)."""


@dataclass(frozen=True, slots=True)
class ContractColumn:
    """One column of a contract. (`typedb.contracts.Column` is the metadata a contract writes
    in `Annotated[T, Column(...)]`; it is `meta` here.)"""

    name: str
    type: ColumnType
    #: False for Generated, defaulted, nullable and NotRequired columns: the Insert TypedDict
    #: may omit them.
    required_on_insert: bool
    meta: Column | None = None

    @property
    def nullable(self) -> bool:
        return self.type.nullable


@dataclass(frozen=True, slots=True)
class ContractTable:
    """One table of the registry, with the file (and module, None for core) declaring it, and
    its `Annotated[..., Table(...)]` metadata, if any."""

    name: str
    columns: tuple[ContractColumn, ...]
    source: Path
    module: str | None = None
    meta: Table | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ContractColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def soft_deletes(self) -> bool:
        """Whether `soft_delete()` applies: the table has a nullable `deleted_at`."""
        deleted_at = self.column("deleted_at")
        return deleted_at is not None and deleted_at.nullable

    def shape(self) -> tuple[tuple[str, str, bool, str], ...]:
        """What must agree when two files declare the same table (order does not matter)."""
        columns = sorted(
            (c.name, c.type.full_text, c.required_on_insert, repr(c.meta)) for c in self.columns
        )
        return (*columns, ("", repr(self.meta), False, ""))


@dataclass(frozen=True, slots=True)
class Registry:
    """Tables by name, sorted; `sources` are the contract files read, `warnings` what they broke."""

    tables: Mapping[str, ContractTable]
    sources: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def __iter__(self) -> Iterator[ContractTable]:
        return iter(self.tables.values())

    def __len__(self) -> int:
        return len(self.tables)

    def __getitem__(self, name: str) -> ContractTable:
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


def merge(declarations: Iterable[list[ContractTable]], root: Path | None = None) -> Registry:
    """One registry from each file's tables. The same table twice must have the same shape;
    foreign keys in metadata must name a declared table and column."""
    tables: dict[str, ContractTable] = {}
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
    check_references(ordered, root)
    return Registry(ordered, tuple(sources), tuple(notes))


def load_file(
    path: Path, module: str | None = None, root: Path | None = None
) -> list[ContractTable]:
    """The tables one contract file declares in its `class Database(TypedDict)`."""
    shown = _shown(path, root)
    namespace = import_contract(path, shown, root)
    database = getattr(namespace, "Database", None)
    if database is None or not is_typeddict(database):
        raise ContractError(f"{shown}: declares no `class Database(TypedDict)`")
    try:
        hints = get_type_hints(database, include_extras=True)
    except Exception as exc:  # NameError and friends: a bad annotation in the user's file
        raise ContractError(f"{shown}: cannot read class Database: {exc}") from exc
    tables: list[ContractTable] = []
    for name, annotation in hints.items():
        contract, meta = _table_meta(annotation, f"{shown}: table {name!r}")
        if not is_typeddict(contract):
            raise ContractError(
                f"{shown}: Database.{name} must be a TypedDict table contract, got {contract!r}"
            )
        where = f"{shown}: table {name!r}"
        columns = _columns(contract, where)
        check_table_meta(name, columns, meta, where)
        tables.append(ContractTable(name, columns, path, module, meta))
    return tables


def _table_meta(annotation: Any, where: str) -> tuple[Any, Table | None]:
    """`Annotated[XTable, Table(...)]` -> (XTable, Table(...)); a plain class -> (it, None)."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return annotation, None
    found = [m for m in annotation.__metadata__ if isinstance(m, Table)]
    if len(found) > 1:
        raise ContractError(f"{where}: more than one Table(...) in its annotation")
    return annotation.__origin__, found[0] if found else None


def _column_meta(annotation: Any, where: str) -> Column | None:
    """The `Column(...)` of an annotation, under any NotRequired / Annotated wrapping."""
    found: list[Column] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            found += [m for m in annotation.__metadata__ if isinstance(m, Column)]
            annotation = annotation.__origin__
        elif origin in (typing.NotRequired, typing.Required):
            annotation = typing.get_args(annotation)[0]
        else:
            break
    if len(found) > 1:
        raise ContractError(f"{where}: more than one Column(...) in its annotation")
    return found[0] if found else None


def _columns(contract: Any, where: str) -> tuple[ContractColumn, ...]:
    try:
        hints = get_type_hints(contract, include_extras=True)
    except Exception as exc:
        raise ContractError(f"{where}: cannot read its annotations: {exc}") from exc
    if not hints:
        raise ContractError(f"{where}: a table needs at least one column")
    optional: frozenset[str] = getattr(contract, "__optional_keys__", frozenset())
    columns: list[ContractColumn] = []
    for name, annotation in hints.items():
        try:
            ctype = column_type(annotation)
        except ContractError as exc:
            raise ContractError(f"{where}, column {name!r}: {exc}") from None
        meta = _column_meta(annotation, f"{where}, column {name!r}")
        if meta is not None:
            check_column_meta(ctype, meta, f"{where}, column {name!r}")
        explicit = typing.get_origin(annotation) is typing.NotRequired
        defaulted = meta is not None and meta.has_default
        required = not (ctype.generated or ctype.nullable or name in optional or explicit)
        columns.append(ContractColumn(name, ctype, required and not defaulted, meta))
    own = [c for c in columns if c.name not in _BASE_COLUMNS]
    base = sorted(
        (c for c in columns if c.name in _BASE_COLUMNS), key=lambda c: _BASE_COLUMNS.index(c.name)
    )
    return (*own, *base)


def _first_difference(a: ContractTable, b: ContractTable) -> str:
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
        if x.meta != y.meta:
            return f"column {name!r} has {x.meta!r} in one and {y.meta!r} in the other"
    if a.meta != b.meta:
        return f"the table has {a.meta!r} in one and {b.meta!r} in the other"
    return "the columns differ"


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
