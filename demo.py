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


# Each checker as a user runs it on one file in an activated venv, and how its error line
# starts. (pyright and ty find the venv through PATH and VIRTUAL_ENV, as `run` sets them.)
CHECKERS = {
    "mypy": (["mypy", "--no-error-summary", "typo.py"], "typo.py:3"),
    "pyright": (["pyright", "typo.py"], "typo.py:3:"),
    "ty": (["ty", "check", "--output-format", "concise", "typo.py"], "typo.py:3:"),
}


def show_a_caught_typo() -> None:
    """A misspelled column is an error in the editor and in CI, before anything runs: each
    checker prints the error it reports on the same planted mistake. The three run at once
    (they are independent), so the step takes as long as the slowest."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(BIN.parent),
    }
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "typo.py").write_text(TYPO, encoding="utf-8")
        print(f"\n$ cat typo.py\n{TYPO}", end="", flush=True)
        running = {
            name: subprocess.Popen(
                [str(BIN / command[0]), *command[1:]],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, (command, _) in CHECKERS.items()
        }
        for name, process in running.items():
            command, where = CHECKERS[name]
            out, _ = process.communicate()
            print(f"$ {' '.join(command)}", flush=True)
            lines = out.replace(f"{folder}{os.sep}", "").splitlines()
            # The error must be about where() (a table's first where() is a callable of the
            # stubs, `Where.__call__`): with the stubs not registered, every checker would flag
            # line 3 too, but for `select_from` on the stand-in type that says so.
            found = [
                line.strip()
                for line in lines
                if where in line and "error" in line and "StubsNotRegistered" not in line
            ]
            print(found[0] if found else out.strip(), flush=True)
            if process.returncode != 1 or not found:
                sys.exit(f"demo: {name} did not catch the misspelled column")


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
    print(
        "\nDemo done: demo.db is migrated, the demo app type-checks in mypy, pyright and ty, "
        "and all three catch the misspelled column."
    )


if __name__ == "__main__":
    main()
