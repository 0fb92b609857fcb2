"""Finding migration files, fingerprinting them, and importing them."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from typedb._config import Config
from typedb._errors import MigrationError
from typedb.migrator._unit import Unit

#: What `migration:make` writes; discovery accepts any `*.py` not starting with `_` or `.`,
#: since only sort order matters (the DESIGN example omits the seconds).
MAKE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class MigrationFile:
    name: str  # the file name without `.py`
    module: str | None  # None for core migrations
    path: Path

    @property
    def checksum(self) -> str:
        return checksum(self.path)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.name, self.module or "")


def checksum(path: Path) -> str:
    """SHA-256 of the file with line endings normalised, so a CRLF checkout is not an edit."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MigrationError(f"{path}: cannot read migration file: {exc}") from exc
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def modules(config: Config) -> list[str]:
    """The enabled modules: `[tool.typedb] enabled_modules`, else every folder found."""
    if config.enabled_modules is not None:
        return list(config.enabled_modules)
    folder = config.modules_dir
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name != "__pycache__"
    )


def module_dir(config: Config, module: str | None) -> Path:
    if module is None:
        return config.migrations_dir
    return config.modules_dir / module / "migrations"


def _files_in(folder: Path, module: str | None) -> list[MigrationFile]:
    if not folder.is_dir():
        return []
    return [
        MigrationFile(p.stem, module, p)
        for p in sorted(folder.glob("*.py"))
        if not p.name.startswith(("_", "."))
    ]


def discover(config: Config, sources: list[str | None]) -> list[MigrationFile]:
    """Every migration file of the given sources (None = core), in run order: by file name,
    core and modules interleaved."""
    found: list[MigrationFile] = []
    for source in sources:
        found.extend(_files_in(module_dir(config, source), source))
    return sorted(found, key=lambda f: f.sort_key)


def load(file: MigrationFile) -> Unit:
    """Import a migration file: it must define `up(db)`; `down(db)` and `transaction` are
    optional."""
    tag = "core" if file.module is None else file.module
    module_name = f"typedb_migration_{tag}_{file.name}"
    digest = file.checksum  # before importing, so the checksum matches what ran
    spec = importlib.util.spec_from_file_location(module_name, file.path)
    if spec is None or spec.loader is None:
        raise MigrationError(f"{file.path}: cannot be imported as a Python module")
    namespace = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = namespace  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(namespace)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise MigrationError(f"{file.path}: failed to import: {type(exc).__name__}: {exc}") from exc
    up = getattr(namespace, "up", None)
    if not callable(up):
        raise MigrationError(f"{file.path}: no up(db) function; a migration must define one")
    down = getattr(namespace, "down", None)
    if down is not None and not callable(down):
        raise MigrationError(f"{file.path}: `down` must be a function down(db)")
    transaction = getattr(namespace, "transaction", True)
    if not isinstance(transaction, bool):
        raise MigrationError(
            f"{file.path}: `transaction` must be True or False, got {transaction!r}"
        )
    return Unit(file.name, file.module, up, down, transaction, digest, file.path)
