"""typedb.mypy_plugin reads table and column strings as the runtime does (it restates the
runtime's rules so that mypy need not import the query builder), and is what mypy loads.

The plugin's typing behaviour is tested by the snippets tests/typing/plugin_*.py, run under
mypy with the plugin by tests/test_stubs_typing.py; here, that it changes nothing else on the
stubs' own snippets and README's blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _typing_harness import PLUGIN_MODULE, PLUGIN_PREFIX, Report, run_mypy
from _typing_session import Env, report_of, shared_env
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


# -- the plugin on the stubs' own snippets ----------------------------------------------------


@pytest.fixture(scope="module")
def plugin_on_snippets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Report, Env]:
    """mypy with and without the plugin over the good_/bad_ snippets and README's typed
    blocks (the snippets' scratch environment, demo stubs)."""
    env = shared_env(tmp_path_factory, "demo")
    files = sorted(p.name for p in env.work.glob("*.py") if not p.name.startswith(PLUGIN_PREFIX))
    return (
        run_mypy(env.python, env.work, files, plugin=PLUGIN_MODULE),
        report_of(env, "mypy"),
        env,
    )


def test_plugin_adds_no_error_to_correct_code(
    plugin_on_snippets: tuple[Report, Report, Env],
) -> None:
    """On the good snippets and README's blocks the plugin only narrows: where plain mypy is
    clean, its one kind of error is an assert_type of the stubs' row meeting the plugin's
    narrower one."""
    with_plugin, without, env = plugin_on_snippets
    checked = [p.name for p in env.work.glob("good_*.py")]
    assert len(checked) >= 5, checked
    for (name, line), messages in with_plugin.errors.items():
        if not name.startswith(("good_", "readme_")) or (name, line) in without.errors:
            continue
        for message in messages:
            # 'Expression is of type "<the plugin's row>", not "<the stubs' row>"'
            found = re.match(r'Expression is of type "(.*)", not "(.*)"  \[assert-type\]$', message)
            narrowed = found is not None and re.search(r"TypedDict\(|Row\b", found.group(1))
            assert narrowed, f"{name}:{line}: {message}"


def test_plugin_keeps_every_error_the_stubs_report(
    plugin_on_snippets: tuple[Report, Report, Env],
) -> None:
    with_plugin, without, _ = plugin_on_snippets
    stubs_errors = {key for key in without.errors if key[0].startswith("bad_")}
    assert len(stubs_errors) >= 20, stubs_errors
    assert stubs_errors <= set(with_plugin.errors), sorted(stubs_errors - set(with_plugin.errors))


def test_rows_keep_the_column_order_when_mypy_reads_its_cache(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """mypy's cache stores a stub module's TypedDict keys sorted by name; select_all() rows
    must keep the table's column order on the second (cached) run as on the first."""
    env = shared_env(tmp_path_factory, "demo")
    (tmp_path / "order.py").write_text(
        "from typedb.facades.db import db\n"
        'reveal_type(db.select_from("items as i").inner_join("users as u", "i.id", "u.id")'
        '.select_all("u").execute())\n'
    )
    cold = run_mypy(env.python, tmp_path, ["order.py"], plugin=PLUGIN_MODULE)
    with (tmp_path / "order.py").open("a") as snippet:  # re-checked; the stubs come from cache
        snippet.write("edited = True\n")
    cached = run_mypy(env.python, tmp_path, ["order.py"], plugin=PLUGIN_MODULE)
    expected = "{'id': int, 'email': str, 'name': str, 'created_at':"
    assert expected in cold.reveals[("order.py", 2)][0], cold.reveals
    assert cached.reveals == cold.reveals
