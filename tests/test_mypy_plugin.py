"""typedb.mypy_plugin reads table and column strings as the runtime does (it restates the
runtime's rules so that mypy need not import the query builder), and is what mypy loads.

The plugin's typing behaviour is tested by the snippets tests/typing/plugin_*.py, run under
mypy with the plugin by tests/test_stubs_typing.py."""

from __future__ import annotations

import pytest
from mypy.plugin import Plugin

from typedb.mypy_plugin import plugin
from typedb.mypy_plugin._names import column_ref, table_ref
from typedb.query._base import split_table
from typedb.query._expr import split_alias
from typedb.query._output_names import output_name

TABLES = ["items", "items as i", "items AS i", "blog__posts as p", "  users as u  ", "users"]
COLUMNS = [
    "id",
    "items.id",
    "name as title",
    "i.name AS title",
    "u.email   as   contact",
    "p.created_at as latest",
    "schema.items.name",
]


@pytest.mark.parametrize("text", TABLES)
def test_table_strings_read_as_the_runtime_reads_them(text: str) -> None:
    assert tuple(table_ref(text)) == split_table(text)


@pytest.mark.parametrize("text", COLUMNS)
def test_column_strings_read_as_the_runtime_reads_them(text: str) -> None:
    ref = column_ref(text)
    name, alias = split_alias(text)
    assert (ref.text, ref.alias) == (name, alias)
    # The row key the plugin types is the one the runtime's rows carry.
    assert ref.key == output_name(text)


def test_mypy_gets_a_plugin_class() -> None:
    loaded = plugin("2.4.1")
    assert issubclass(loaded, Plugin)
