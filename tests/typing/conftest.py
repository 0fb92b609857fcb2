"""The snippets here are read by mypy, pyright and ty (tests/test_stubs_typing.py), never run:
they query the demo database and some lines are wrong on purpose.

Every `*.py` here is a snippet file; each line says what the checkers must report on it
(parsed by tests/_typing_harness.py):

    db.select_from("itemz")  # E: unknown table
        every checker that reads the file flags this line (at least one error);
    db.raw(f"{x}")  # E[pyright]: an f-string is not a LiteralString
        exactly the checkers listed flag it, the others must stay clean on it (so a checker
        that learns to catch it fails the test until the marker lists it too);
    reveal_type(rows)  # reveal: list[ItemsRow]
        every checker reveals exactly this type (module prefixes dropped, TypedDicts by name);
    reveal_type(row)  # reveal[mypy+plugin]: UsersRow_id  # reveal[pyright,ty]: UsersRow
        per-checker reveals; several markers may share a line;
    db.update_table("items").execute()  # missed: no set()
        a mistake no checker catches yet: the line must be clean; when a checker starts
        catching it the test says so, and the marker becomes an `E` marker.

Any other line must be clean in every checker; `assert_type(x, T)` needs no marker (a
mismatch is an error on an unmarked line). Checker names: `mypy` (--strict), `pyright`
(strict), `ty`. Files named `plugin_*.py` are read by `mypy+plugin` (mypy --strict with
`plugins = ["typedb.mypy_plugin"]`) instead of plain mypy, and by pyright and ty; their
tests are skipped while typedb.mypy_plugin does not exist. Files named `app_*.py` are read by
all four: plain mypy and mypy+plugin both (code that must be clean with and without it). A file with no marker at all is
an error: it would assert nothing.
"""

collect_ignore_glob = ["*.py"]
