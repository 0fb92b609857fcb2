"""Writing generated contracts into the project: core tables into the first core contracts
file, `<module>__` tables into `modules/<module>/contracts.py` (created if needed), each merged
into the file's `class Database(TypedDict)`. The result is passed through `ruff format` when
ruff is installed, so it reads like a hand-written file; it is deterministic either way."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typedb._errors import ContractError
from typedb.schema_diff._contract_code import ContractCode


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    tables: tuple[str, ...]
    created: bool


def write_contracts(path: Path, codes: list[ContractCode], header: str) -> Written:
    """Merge `codes` into the contract file at `path` (created with `header` as its
    docstring when missing)."""
    created = not path.exists()
    source = "" if created else path.read_text(encoding="utf-8")
    if created:
        source = f'"""{header}"""\n'
    tree = _parse(source, path)
    taken = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    for code in codes:
        if code.class_name in taken:
            old = code.class_name
            n = 2
            while f"{old.removesuffix('Table')}{n}Table" in taken:
                n += 1
            new = f"{old.removesuffix('Table')}{n}Table"
            code.classes = code.classes.replace(f"class {old}(", f"class {new}(", 1)
            code.entry = code.entry.replace(old, new, 1)
            code.class_name = new
        taken.add(code.class_name)
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    database = next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Database"), None
    )
    classes = "".join(f"\n\n{c.classes}" for c in codes)
    entries = "".join(c.entry for c in codes)
    if database is None:
        lines.append(f"{classes}\n\nclass Database(TypedDict):\n{entries}")
    else:
        end = database.end_lineno or len(lines)
        only_pass = all(isinstance(s, ast.Pass) for s in database.body)
        body_start = database.body[0].lineno - 1
        if only_pass:
            del lines[body_start:end]
            end = body_start
        lines.insert(end, entries)
        start = (
            database.decorator_list[0].lineno if database.decorator_list else database.lineno
        ) - 1
        lines.insert(start, classes.lstrip("\n") + "\n\n")
    text = _with_imports("".join(lines), {i for c in codes for i in c.imports})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _parse(text, path)  # what was written must be Python
    _format(path)
    return Written(path, tuple(c.table for c in codes), created)


def _parse(source: str, path: Path) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        raise ContractError(f"{path}: cannot be read to add contracts: {exc}") from exc


def _with_imports(source: str, needed: set[tuple[str, str]]) -> str:
    """`source` with a `from module import name` for each needed name it does not import."""
    tree = ast.parse(source)
    have = {
        (node.module, alias.asname or alias.name)
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    missing: dict[str, list[str]] = {}
    for module, name in sorted(needed):
        if (module, name) not in have:
            missing.setdefault(module, []).append(name)
    if not missing:
        return source
    new = "".join(
        f"from {m} import {', '.join(sorted(names))}\n" for m, names in sorted(missing.items())
    )
    lines = source.splitlines(keepends=True)
    # After the docstring, __future__ imports and the other imports at the top of the file.
    at = 0
    for node in tree.body:
        is_doc = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and node is tree.body[0]
        )
        if is_doc or isinstance(node, ast.Import | ast.ImportFrom):
            at = node.end_lineno or at
        else:
            break
    prefix = "".join(lines[:at])
    if prefix and not prefix.endswith("\n\n"):
        new = "\n" + new
    return prefix + new + "".join(lines[at:])


def _format(path: Path) -> None:
    """`ruff check --select I --fix` (import order) and `ruff format`, when ruff is there."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return
    for args in (("check", "--select", "I", "--fix", "--quiet"), ("format", "--quiet")):
        subprocess.run([ruff, *args, str(path)], check=False, capture_output=True)
