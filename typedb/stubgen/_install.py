"""`typedb stubs:install`: put the stubs folder on the environment's path through a `.pth` file.

mypy only merges a partial stub package with the installed `typedb` when it finds
`typedb-stubs` through site-packages (not through `mypy_path`); pyright reads the same `.pth`
through the interpreter's `sys.path`. The file names the folder, not the files in it, so
regenerating the stubs needs no reinstall.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

from typedb._errors import TypedbError

PTH_NAME = "typedb_stubs.pth"


def site_packages() -> Path:
    """The running interpreter's (virtual environment's) site-packages."""
    return Path(sysconfig.get_paths()["purelib"])


def install(stubs_dir: Path, target: Path | None = None) -> tuple[Path, bool]:
    """Register `stubs_dir` in `target` (default: this environment's site-packages). Returns the
    `.pth` file and whether it changed; running it again changes nothing."""
    target = target or site_packages()
    pth = target / PTH_NAME
    stubs_dir = stubs_dir.resolve()
    text = f"{stubs_dir}\n"
    try:
        if pth.is_file() and pth.read_text(encoding="utf-8") == text:
            return pth, False
        stubs_dir.mkdir(parents=True, exist_ok=True)
        pth.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TypedbError(f"cannot register the stubs in {pth}: {exc}") from exc
    return pth, True
