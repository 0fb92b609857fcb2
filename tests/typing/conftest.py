"""The snippets here are read by mypy and pyright (tests/test_stubs_typing.py), never run:
they query the demo database and some lines are wrong on purpose."""

collect_ignore_glob = ["good_*.py", "bad_*.py"]
