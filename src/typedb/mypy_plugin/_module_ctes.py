"""The CTE names a module declares anywhere: `with_("name", ...)`, `with_recursive(...)`.

The step of a recursive CTE joins the CTE by its name, and README builds it first, as a
plain query, then hands it to `with_recursive("chain(id, ...)", base.union_all(step))`:

    step = db.select_from("employees as e").inner_join("chain as c", "e.id", "c.reports_to")

When mypy checks the join, the CTE is not declared yet, so the query's own state cannot know
`chain`. The runtime compiles the join as written (the database resolves the name inside
the WITH), so refusing it would be a false error. The plugin reads the module's source once
for the names it declares as CTEs (a literal first argument of a `with_` / `with_recursive` call),
and a join of one of them is accepted: typed by the CTE's column list when every declaration
of the name gives the same one, else loose, as the stubs leave it. A name no call declares
(`"itemz"`) is still an unknown table.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from mypy.nodes import MypyFile
from mypy.plugin import CheckerPluginInterface

from typedb._cte_name import cte_name

CTE_METHODS = frozenset({"with_", "with_recursive"})


@dataclass(frozen=True, slots=True)
class Declared:
    """A CTE name of the module: its column list when all its declarations agree on one
    (empty: not listed, or listed differently, so its columns are not known)."""

    name: str
    columns: tuple[str, ...]


def _declared_in(source: str) -> dict[str, set[tuple[str, ...]]]:
    """Each CTE name `source` declares, with the column lists it is declared with. (Python's
    own `ast`: mypy's compiled visitors cannot be subclassed by a plugin.)"""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, set[tuple[str, ...]]] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func, first = node.func, node.args[0]
        if not (isinstance(func, ast.Attribute) and func.attr in CTE_METHODS):
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            parsed = cte_name(first.value)
            if parsed is not None:
                found.setdefault(parsed[0], set()).add(parsed[1])
    return found


# The last module read, by identity: mypy checks one module's calls together, so the walk is
# done once per module (and again when mypy re-parses it).
_last: tuple[MypyFile, dict[str, Declared]] | None = None


def module_ctes(api: CheckerPluginInterface) -> dict[str, Declared]:
    """The CTE names the module being checked declares, by name."""
    global _last
    tree = getattr(api, "tree", None)  # mypy's TypeChecker: the module it checks
    if not isinstance(tree, MypyFile):
        return {}
    if _last is not None and _last[0] is tree:
        return _last[1]
    try:
        source = Path(tree.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        source = ""
    declared = {
        name: Declared(name, next(iter(lists)) if len(lists) == 1 else ())
        for name, lists in _declared_in(source).items()
    }
    _last = (tree, declared)
    return declared
