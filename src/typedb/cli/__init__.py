"""The `typedb` command line (also `python -m typedb`).

Commands live in modules under `typedb/cli/` that each expose `register(commands)`; see
`typedb.cli._registry`. `main()` is the console script's entry point.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from typedb.cli._app import main as run

    return run(argv)


__all__ = ["main"]
