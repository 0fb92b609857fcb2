"""A CTE's name as `db.with_(name, query)` reads it. Outside `typedb.query`, so the mypy
plugin reads names with it without importing the query builder (0.06 s of every mypy run)."""

from __future__ import annotations

import re

# "name" or "name(col, col)": the CTE's columns, as Kysely writes them.
_NAME = re.compile(r"^\s*([^()]+?)\s*(?:\(([^()]*)\))?\s*$")


def cte_name(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A CTE's name and its listed columns; None if `text` is not one. The mypy plugin reads
    names with this too, so a name it accepts is one the runtime accepts.

    >>> cte_name("chain(id, depth)")
    ('chain', ('id', 'depth'))
    >>> cte_name("top") is None, cte_name("a(b") is None
    (False, True)
    """
    match = _NAME.match(text)
    if match is None:
        return None
    columns = tuple(c.strip() for c in match.group(2).split(",")) if match.group(2) else ()
    return match.group(1), columns
