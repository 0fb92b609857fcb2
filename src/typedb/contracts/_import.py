"""How a contract file is imported: under a stable name of its own, or, in a package, as a
submodule of a stand-in for the package, so its relative imports resolve as the type
checkers resolve them."""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from typedb._errors import ContractError


def import_contract(path: Path, shown: str, root: Path | None) -> ModuleType:
    """The contract file as a module. A file in a package (its folder has an `__init__.py`,
    as `migration:make` writes) is a submodule of a stand-in for its outermost package, so
    its relative imports (`from .shared import Title`) resolve as mypy resolves them. The
    packages' own code (`__init__.py`: an app's package creates the app, and imports it by
    its real name) is not run. Names are stable per file or package: reading again
    (regenerating stubs) reads it afresh."""
    # Absolute, with its links kept: a package is the folder as the path names it, as mypy
    # takes it (a linked-in module's `..kinds` is the project's, not beside the link's target).
    path = Path(os.path.abspath(path))
    top = _outermost_package(path.parent, Path(os.path.abspath(root)) if root else None)
    if top is None:
        name = f"_typedb_contracts_{_digest(path)}"
        return _run(name, path, shown, None)
    package = f"_typedb_contracts_{_digest(top)}"
    # Forget an earlier read: its siblings may have changed too.
    for stale in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[stale]
    finder = _StandIns(package)
    sys.meta_path.insert(0, finder)
    try:
        _run(package, top / "__init__.py", shown, [str(top)], _StandIn())
        name = ".".join((package, *path.relative_to(top).with_suffix("").parts))
        return importlib.import_module(name)
    except ContractError:
        raise
    except Exception as exc:
        hint = (
            " (typedb reads contracts without running a package's __init__.py: import the "
            "name from the module that defines it)"
            if isinstance(exc, ImportError) and "cannot import name" in str(exc)
            else ""
        )
        raise ContractError(
            f"{shown}: failed to import: {type(exc).__name__}: {exc}{hint}"
        ) from exc
    finally:
        sys.meta_path.remove(finder)


class _StandIn(importlib.abc.Loader):
    """A package of the contracts' stand-in: its folder, for its modules and subpackages,
    without its `__init__.py`."""

    def exec_module(self, module: ModuleType) -> None:
        pass


class _StandIns(importlib.abc.MetaPathFinder):
    """While contracts load: the packages under the stand-in `package` are stand-ins too
    (modules are left to the usual finders)."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(self.package + ".") or not path:
            return None
        for folder in path:
            init = Path(folder, fullname.rpartition(".")[2], "__init__.py")
            if init.is_file():
                return importlib.util.spec_from_file_location(
                    fullname,
                    init,
                    loader=_StandIn(),
                    submodule_search_locations=[str(init.parent)],
                )
        return None


def _digest(path: Path) -> str:
    return hashlib.sha1(str(path).encode()).hexdigest()[:12]


def _outermost_package(folder: Path, root: Path | None) -> Path | None:
    """The outermost folder of the chain of packages holding `folder`, not above `root`."""
    top = None
    while (folder / "__init__.py").is_file():
        top = folder
        if folder == root or folder.parent == folder:
            break
        folder = folder.parent
    return top


def _run(
    name: str,
    path: Path,
    shown: str,
    search: list[str] | None,
    loader: importlib.abc.Loader | None = None,
) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        name, path, loader=loader, submodule_search_locations=search
    )
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
