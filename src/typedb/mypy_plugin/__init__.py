"""typedb's optional mypy plugin: `plugins = ["typedb.mypy_plugin"]` in the mypy config.

The generated stubs are the contract and work alone, in every checker. With the plugin mypy
also narrows rows to what a query selects (`select("id", "name as title")` rows have exactly
`id` and `title`), types joined rows (a left-joined table's columns `X | None`) and aggregates
(`fn.count("id").as_("n")` is an `int` key `n`), and checks what the stubs must leave loose:
aliased tables and columns (`"users as u"`, `"u.email"` and its values), a typo'd table name
in an alias, ambiguous columns after a join, and two selected columns with one name.

Only mypy loads this package; importing mypy here is fine.
"""

from __future__ import annotations

from mypy.plugin import Plugin

from typedb.mypy_plugin._plugin import TypedbPlugin


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point; the plugin uses the hooks every mypy since 1.11 has."""
    return TypedbPlugin
