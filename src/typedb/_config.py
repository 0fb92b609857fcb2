"""`[tool.typedb]` in the project's pyproject.toml, with the defaults DESIGN names."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typedb._errors import TypedbError


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    database_url: str | None = None
    migrations: str = "migrations"
    modules: str = "modules"
    enabled_modules: tuple[str, ...] | None = None  # None: every folder found under `modules`
    contracts: tuple[str, ...] = ()
    stubs: str = "stubs"
    migration_table: str = "typedb_migrations"
    allow_unordered: bool = False
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    @property
    def migrations_dir(self) -> Path:
        return self.root / self.migrations

    @property
    def modules_dir(self) -> Path:
        return self.root / self.modules

    @property
    def stubs_dir(self) -> Path:
        return self.root / self.stubs


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` holding a pyproject.toml; else `start`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


_FIELDS = {
    "database_url": str,
    "migrations": str,
    "modules": str,
    "stubs": str,
    "migration_table": str,
    "allow_unordered": bool,
}


def load(root: Path | None = None) -> Config:
    root = find_root(root)
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Config(root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TypedbError(f"cannot read {pyproject}: {exc}") from exc
    section: dict[str, Any] = data.get("tool", {}).get("typedb", {})
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key in _FIELDS:
            if not isinstance(value, _FIELDS[key]):
                raise TypedbError(
                    f"{pyproject}: [tool.typedb] {key} must be a {_FIELDS[key].__name__}, "
                    f"got {value!r}"
                )
            values[key] = value
        elif key in ("enabled_modules", "contracts"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypedbError(f"{pyproject}: [tool.typedb] {key} must be a list of strings")
            values[key] = tuple(value)
        else:
            values.setdefault("extra", {})[key] = value
    return Config(root=root, **values)
