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


def registration_problem(stubs_dir: Path, search_path: list[str] | None = None) -> str | None:
    """Why the type checkers of this environment would not read `stubs_dir`, or None.

    Checkers take the first `typedb-stubs` package on the interpreter's path (site-packages and
    the folders its `.pth` files add), so that one must be this project's, whatever facade
    modules (`typedb.facades.db`, ...) it types.
    """
    import sys

    package = "typedb-stubs"
    registered = stubs_dir.resolve()
    wanted = registered / package
    for entry in search_path if search_path is not None else sys.path:
        if Path(entry or ".").resolve() == registered:
            # Registered, whether or not the stubs were generated yet (or were deleted):
            # that is staleness, which `stubs:check` reports with `run stubs:generate`.
            return None
        found = Path(entry or ".") / package
        if found.is_dir():
            if found.resolve() == wanted:
                return None
            return (
                f"this environment's registered stubs are {found.resolve()}, not {wanted}; "
                "run `typedb stubs:install` in this project"
            )
    if search_path is None and _pth_names(site_packages() / PTH_NAME, registered):
        return None  # registered, but the folder is gone: `stubs:check` says to regenerate
    return (
        f"the stubs are not registered in this environment ({sys.prefix}): type checkers "
        "fall back to the untyped facade; run `typedb stubs:install`"
    )


def _pth_names(pth: Path, folder: Path) -> bool:
    """Whether the `.pth` file registers `folder` (site adds a line only while it exists)."""
    try:
        lines = pth.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    return any(line.strip() and Path(line.strip()).resolve() == folder for line in lines)


def scratch_environment(base: Path, stubs_dir: Path) -> Path:
    """A throwaway venv at `base/venv` that sees this environment's packages and `stubs_dir`
    as its stubs — not the stubs this environment may have registered itself (which would
    come first on the path and win). Returns its python, for `mypy --python-executable` and
    `pyright --pythonpath`. Used by the type tests and the type-checking benchmark."""
    import subprocess
    import sys

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    install(stubs_dir, Path(purelib))
    parent = str(site_packages())
    # A .pth line that starts with "import" is executed: add the parent's site-packages and
    # its .pth files (the editable typedb install among them) except its stubs registration.
    # (site runs it in a function's namespace, so no comprehension may refer to p or site).
    link = (
        f"import os, site, sys; p = {parent!r}; sys.path.append(p); "
        f"n = [f for f in sorted(os.listdir(p)) if f.endswith('.pth') and f != {PTH_NAME!r}]; "
        "list(map(site.addpackage, [p] * len(n), n, [set()] * len(n)))\n"
    )
    (Path(purelib) / "_parent_env.pth").write_text(link, encoding="utf-8")
    # Checkers that do not run Python (ty) read only plain path lines: name the parent's
    # site-packages and the folders its own .pth files add (the editable typedb) directly.
    plain = [parent, *_plain_pth_lines(Path(parent))]
    (Path(purelib) / "_parent_paths.pth").write_text("\n".join(plain) + "\n", encoding="utf-8")
    return python


def _plain_pth_lines(folder: Path) -> list[str]:
    """The folders named by the `.pth` files in `folder` (not their `import` lines, and not
    a stubs registration)."""
    lines: list[str] = []
    for pth in sorted(folder.glob("*.pth")):
        if pth.name == PTH_NAME:
            continue
        for line in pth.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "import ", "import\t")) and Path(line).is_dir():
                lines.append(line)
    return lines
