"""How typedb reads the strings of a query: `"users as u"`, `"u.email"`, `"name as title"`.

The same rules as the runtime (`typedb.query._base.split_table`, `typedb.query._expr.
split_alias`), restated here so that mypy does not import the query builder (and PyPika) to
load the plugin; tests/test_mypy_plugin.py checks both agree.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_ALIAS = re.compile(r"^\s*(.+?)\s+as\s+(.+?)\s*$", re.I | re.S)


class TableRef(NamedTuple):
    """A table as a query names it: `"items"` or `"items as i"`."""

    table: str
    alias: str | None

    @property
    def name(self) -> str:
        """What the query's columns call it: the alias when there is one."""
        return self.alias or self.table


class ColumnRef(NamedTuple):
    """A column as a query names it: `"name"`, `"items.name"`, with `"... as title"`."""

    qualifier: str | None
    column: str
    alias: str | None

    @property
    def key(self) -> str:
        """The row key it comes back under (`"u.email"` is `email`, as the database names it)."""
        return self.alias or self.column

    @property
    def text(self) -> str:
        return self.column if self.qualifier is None else f"{self.qualifier}.{self.column}"


def table_ref(text: str) -> TableRef:
    """
    >>> table_ref("items as i")
    TableRef(table='items', alias='i')
    >>> table_ref("users")
    TableRef(table='users', alias=None)
    """
    name, _, alias = text.partition(" as ") if " as " in text else text.partition(" AS ")
    return TableRef(name.strip(), alias.strip() or None) if alias else TableRef(text, None)


def column_ref(text: str) -> ColumnRef:
    """
    >>> column_ref("u.email as contact")
    ColumnRef(qualifier='u', column='email', alias='contact')
    >>> column_ref("id")
    ColumnRef(qualifier=None, column='id', alias=None)
    """
    match = _ALIAS.match(text)
    name, alias = (match.group(1), match.group(2)) if match else (text, None)
    qualifier, dot, column = name.rpartition(".")
    return ColumnRef(qualifier if dot else None, column, alias)
