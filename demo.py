"""The quickstart demo: migrate the demo app on the embedded SQLite default, show what it made,
run typed queries, then type-check the app with mypy, pyright and ty at the root.

Each step is the command a user would type, run for real and echoed first.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path = ROOT) -> None:
    shown = " ".join(shlex.quote(a) for a in args)
    where = "" if cwd == ROOT else f"(cd {cwd.relative_to(ROOT)} && "
    print(f"\n$ {where}{shown}{')' if where else ''}", flush=True)
    program = sys.executable if args[0] == "python" else str(BIN / args[0])
    # pyright and ty find the environment through the `python` on PATH, as in an activated venv.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if subprocess.run([program, *args[1:]], cwd=cwd, env=env).returncode != 0:
        sys.exit(f"demo: `{shown}` failed")


TYPO = """\
from typedb.facades.db import db

db.select_from("items").where("prize", "<", 10).execute()
"""


def show_a_caught_typo() -> None:
    """A misspelled column is an error in the editor and in CI, before anything runs."""
    with tempfile.TemporaryDirectory() as folder:
        snippet = Path(folder) / "typo.py"
        snippet.write_text(TYPO, encoding="utf-8")
        print(f"\n$ cat typo.py\n{TYPO}$ mypy typo.py", flush=True)
        result = subprocess.run(
            [str(BIN / "mypy"), "--no-error-summary", "typo.py"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        print(result.stdout.strip().splitlines()[0] if result.stdout.strip() else "")
        if result.returncode != 1 or "typo.py:3" not in result.stdout:
            sys.exit("demo: mypy did not catch the misspelled column")


def main() -> None:
    run("typedb", "migration:latest")  # core + blog module, interleaved by file name
    run("typedb", "migration:status")
    run("typedb", "contracts:check")  # contracts.py + modules/blog/contracts.py vs demo.db
    run("python", "examples/typed_queries.py")
    run("typedb", "stubs:install")  # once: registers stubs/ so the checkers see the typed db
    run("typedb", "stubs:check")  # fresh and registered, or exit 1 saying which
    # The three checkers as a project runs them (README, "Type checking in CI"): at the root,
    # scoped to the demo app by pyproject.toml.
    run("mypy", ".")
    run("pyright")
    run("ty", "check")
    show_a_caught_typo()
    print("\nDemo done: demo.db is migrated and the demo app type-checks in mypy, pyright and ty.")


if __name__ == "__main__":
    main()
