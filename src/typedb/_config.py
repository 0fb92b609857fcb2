"""`[tool.typedb]` in the project's pyproject.toml, with the defaults DESIGN names.

The project is found as pytest and ruff find theirs: walk up from the working directory to the
first pyproject.toml that has a `[tool.typedb]` table. Relative paths in it (the SQLite file,
migrations, modules, contracts, stubs) are relative to that file's folder, so every command
works the same from any subfolder of the project.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
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
    # PostgreSQL connection pool and server-side preparation; None: connect()'s defaults.
    pool_min: int | None = None
    pool_max: int | None = None
    prepare: bool | None = None
    pool_timeout: float | None = None
    #: The pyproject.toml this came from (None: no `[tool.typedb]` was found).
    pyproject: Path | None = None
    #: The keys `[tool.typedb]` set explicitly (the rest are defaults).
    explicit: frozenset[str] = frozenset()

    @property
    def migrations_dir(self) -> Path:
        return self.root / self.migrations

    @property
    def modules_dir(self) -> Path:
        return self.root / self.modules

    @property
    def stubs_dir(self) -> Path:
        return self.root / self.stubs


def _read(pyproject: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TypedbError(f"cannot read {pyproject}: {exc}") from exc


def _section(data: dict[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    section = tool.get("typedb") if isinstance(tool, dict) else None
    return section if isinstance(section, dict) else None  # pyright: ignore[reportUnknownVariableType]


def find_pyproject(start: Path | None = None, strict: bool = True) -> Path | None:
    """The first pyproject.toml at or above `start` (default: the working directory) that has a
    `[tool.typedb]` table; None if there is none up to the filesystem root. One that cannot
    be read is an error, or (`strict=False`) taken as the project's."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            if _section(_read(candidate)) is not None:
                return candidate
        except TypedbError:
            if strict:
                raise
            return candidate
    return None


def find_root(start: Path | None = None, strict: bool = True) -> Path:
    """The project root: the folder of the first pyproject.toml with `[tool.typedb]` at or
    above `start`; without one, the nearest folder holding any pyproject.toml; else `start`."""
    here = (start or Path.cwd()).resolve()
    found = find_pyproject(here, strict)
    if found is not None:
        return found.parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "database_url": str,
    "migrations": str,
    "modules": str,
    "stubs": str,
    "migration_table": str,
    "allow_unordered": bool,
    "pool_min": int,
    "pool_max": int,
    "prepare": bool,
    "pool_timeout": (int, float),
}
_LISTS = ("enabled_modules", "contracts")
KEYS: tuple[str, ...] = (*_FIELDS, *_LISTS)


def _unknown(pyproject: Path, key: str) -> TypedbError:
    near = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return TypedbError(
        f"{pyproject}: unknown key {key!r} in [tool.typedb]; {hint}"
        f"valid keys: {', '.join(sorted(KEYS))}"
    )


def load(root: Path | None = None, *, unparsable_ok: bool = False) -> Config:
    """The configuration of the project around `root` (default: the working directory).
    Raises `TypedbError` naming the file on an unknown key or a value of the wrong type, and
    on a pyproject.toml that cannot be parsed, unless `unparsable_ok` (then: the defaults)."""
    pyproject = find_pyproject(root, strict=not unparsable_ok)
    if pyproject is None:
        return Config(root=find_root(root, strict=not unparsable_ok))
    try:
        data = _read(pyproject)
    except TypedbError:
        if not unparsable_ok:
            raise
        return Config(root=pyproject.parent)
    section = _section(data) or {}
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key in _FIELDS:
            expected = _FIELDS[key]
            if not isinstance(value, expected) or (
                isinstance(value, bool) and expected is not bool
            ):
                kind = "number" if isinstance(expected, tuple) else expected.__name__
                raise TypedbError(
                    f"{pyproject}: [tool.typedb] {key} must be a {kind}, got {value!r}"
                )
            values[key] = value
        elif key in _LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypedbError(f"{pyproject}: [tool.typedb] {key} must be a list of strings")
            values[key] = tuple(value)
        else:
            raise _unknown(pyproject, key)
    return Config(root=pyproject.parent, pyproject=pyproject, explicit=frozenset(section), **values)
