"""Type-checking at scale: 500 tables x 20 columns of contracts and a file of 200 queries.

    python benchmarks/typecheck_scale.py [--tables 500] [--columns 20] [--queries 200]
                                         [--mix joins|basic]

Reports stub generation time (reading the contracts + writing the stubs), cold mypy,
pyright and ty times over the queries file, and mypy's re-check time after one table changes (one
column added, stubs regenerated, mypy run again with its cache): a table the file does not use
(the stub modules naming it are re-checked, not the file), then one it uses (mypy re-checks
whole modules, so the whole file). The stubs are registered the
way `typedb stubs:install` does it, in a throwaway venv. The baseline, measured in the same
run, is each checker on a one-line file in the same environment (start-up and typeshed).

Targets (issue 5): generation <= 2 s, mypy cold <= 15 s, pyright cold <= 5 s,
mypy re-check <= 2 s. Issue 10 adds ty (`ty check`, no cache of its own): ty <= 1.5 s, and
mypy with typedb.mypy_plugin (when this typedb has it): cold no slower than mypy without it,
re-check after one table changed <= 2 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from typedb._config import Config
from typedb.contracts import load_registry
from typedb.stubgen import generate, scratch_environment

BIN = Path(sys.executable).parent
# (annotation, where-value literal, insert-value literal)
KINDS = [
    ("str", '"x"'),
    ("str | None", '"x"'),
    ("int", "1"),
    ("int | None", "1"),
    ("Decimal", 'Decimal("1.5")'),
    ("bool", "True"),
    ("datetime", "datetime(2026, 1, 1)"),
    ("datetime | None", "datetime(2026, 1, 1)"),
    ("float", "1.5"),
    ("Generated[int]", "2"),
]


def columns_of(table: int, count: int) -> list[tuple[str, str, str]]:
    cols = [("id", "Generated[int]", "1")]
    for c in range(1, count):
        annotation, value = KINDS[(table + c) % len(KINDS)]
        cols.append((f"col_{c}", annotation, value))
    return cols


def write_contracts(
    path: Path, tables: int, columns: int, extra: str | None = None, changed: tuple[int, ...] = (0,)
) -> None:
    out = [
        "from datetime import datetime\nfrom decimal import Decimal\nfrom typing import TypedDict\n",
        "from typedb.contracts import Generated\n\n",
    ]
    for t in range(tables):
        out.append(f"class Table{t}(TypedDict):\n")
        out += [f"    {name}: {annotation}\n" for name, annotation, _ in columns_of(t, columns)]
        if extra is not None and t in changed:
            out.append(f"    {extra}: str | None\n")
        out.append("\n")
    out.append("class Database(TypedDict):\n")
    out += [f"    table_{t}: Table{t}\n" for t in range(tables)]
    path.write_text("".join(out))


def write_queries(path: Path, tables: int, columns: int, queries: int, mix: str) -> None:
    """`mix` "basic": select / insert / update / delete in turn (issue 5's file); "joins":
    also an inner join and an aggregate with group_by and having (issue 10), in forms
    today's stubs accept (no aliases), so the same file can time old and new stubs."""
    rng = random.Random(5)
    out = [
        "from datetime import datetime\nfrom decimal import Decimal\n\n",
        "from typedb.facades.db import db\nfrom typedb.query import fn\n\n\ndef run() -> None:\n",
    ]
    for q in range(queries):
        t = rng.randrange(tables)
        cols = columns_of(t, columns)
        name, _annotation, value = cols[rng.randrange(1, len(cols))]
        required = [c for c in cols if "None" not in c[1] and "Generated" not in c[1]]
        kind = q % (6 if mix == "joins" else 4)
        if kind == 0:
            out.append(
                f'    r{q} = db.select_from("table_{t}").where("{name}", "=", {value})'
                f'.order_by("id", "desc").limit(5).execute_take_first_or_throw()\n'
                f'    v{q}: int = r{q}["id"]\n'
            )
        elif kind == 1:
            row = ", ".join(f'"{n}": {v}' for n, _, v in required)
            out.append(f'    db.insert_into("table_{t}").values({{{row}}}).execute()\n')
        elif kind == 2:
            out.append(
                f'    db.update_table("table_{t}").set({{"{name}": {value}}})'
                f'.where("id", "in", [1, 2]).execute()\n'
            )
        elif kind == 3:
            out.append(
                f'    db.delete_from("table_{t}").where("{name}", "!=", {value}).execute()\n'
            )
        elif kind == 4:
            u = rng.randrange(tables)
            out.append(
                f'    db.select_from("table_{t}").inner_join("table_{u}", "table_{t}.id", '
                f'"table_{u}.id").select("table_{t}.{name}", "table_{u}.id")'
                f'.where("table_{t}.{name}", "=", {value}).execute()\n'
            )
        else:
            out.append(
                f'    db.select_from("table_{t}").select("{name}", fn.count("id").as_("n"))'
                f'.group_by("{name}").having(fn.count("id"), ">", 1).execute()\n'
            )
    path.write_text("".join(out))


def unused_table(queries: Path, tables: int) -> int:
    """A table the queries file does not name: changing it must not re-check that file."""
    used = {int(n) for n in re.findall(r"table_(\d+)", queries.read_text())}
    return next(t for t in range(tables) if t not in used)


def write_dispatch(queries: Path, path: Path) -> None:
    """The same file cut down to its table-name calls (`db.select_from("table_n")` ...): what
    pyright spends choosing among one overload per table, before any query method."""
    text = queries.read_text()
    head, body = text.split("def run() -> None:\n")
    calls = re.findall(r'db\.\w+\("table_\d+"\)', body)
    path.write_text(f"{head}def run() -> None:\n" + "".join(f"    {c}\n" for c in calls))


def timed(cmd: list[str], cwd: Path, expect_clean: bool = True) -> tuple[float, float]:
    """Wall seconds, and the CPU seconds (user + system) of the checker and its children:
    on a machine shared with other work the wall time swings with the load, the CPU time
    much less, so compare CPU times across runs made at different moments."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if expect_clean and proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--mix",
        choices=["basic", "joins"],
        default="joins",
        help="basic: issue 5's select/insert/update/delete file; joins: also joins and aggregates",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="typedb-scale-") as tmp:
        base = Path(tmp)
        work = base / "work"
        work.mkdir()
        config = Config(root=base, contracts=("contracts.py",))
        contracts = base / "contracts.py"
        stubs = base / "stubs"
        write_contracts(contracts, args.tables, args.columns)
        write_queries(work / "queries.py", args.tables, args.columns, args.queries, args.mix)
        write_dispatch(work / "queries.py", work / "dispatch.py")
        (work / "empty.py").write_text("x: int = 1\n")

        start = time.perf_counter()
        registry = load_registry(config)
        changes = generate(registry, stubs)
        generation = time.perf_counter() - start
        size = sum(p.stat().st_size for p in stubs.rglob("*.pyi"))
        python = scratch_environment(base, stubs)

        mypy = [str(BIN / "mypy"), "--strict", "--python-executable", str(python)]
        pyright = [str(BIN / "pyright"), "--pythonpath", str(python)]
        base_mypy, base_mypy_cpu = timed([*mypy, "--cache-dir", str(base / "c0"), "empty.py"], work)
        base_pyright, base_pyright_cpu = timed([*pyright, "empty.py"], work)
        # ty reads the scratch venv's plain .pth path lines (it runs no Python).
        ty = [str(BIN / "ty"), "check", "--python", str(python), "--output-format", "concise"]
        base_ty, base_ty_cpu = timed([*ty, "empty.py"], work)
        cache = ["--cache-dir", str(base / "cache")]
        mypy_cold, mypy_cold_cpu = timed([*mypy, *cache, "queries.py"], work)
        pyright_cold, pyright_cold_cpu = timed([*pyright, "queries.py"], work)
        pyright_dispatch, pyright_dispatch_cpu = timed([*pyright, "dispatch.py"], work)
        ty_cold, ty_cold_cpu = timed([*ty, "queries.py"], work)

        with_plugin = importlib.util.find_spec("typedb.mypy_plugin") is not None
        if with_plugin:
            (work / "plugin.ini").write_text("[mypy]\nplugins = typedb.mypy_plugin\n")
            plugin = [*mypy, "--config-file", "plugin.ini", "--cache-dir", str(base / "pcache")]
            plugin_cold, plugin_cold_cpu = timed([*plugin, "queries.py"], work)

        # First a table the queries do not use: only the stubs that name it are re-checked
        # (mypy re-checks a module when a module its types mention changed). Then table 0,
        # which the file uses: mypy re-checks that whole file, its unit of work.
        unused = unused_table(work / "queries.py", args.tables)
        write_contracts(contracts, args.tables, args.columns, "added_column", (unused,))
        start = time.perf_counter()
        changed = generate(load_registry(config), stubs)
        regeneration = time.perf_counter() - start
        mypy_recheck, mypy_recheck_cpu = timed([*mypy, *cache, "queries.py"], work)
        if with_plugin:
            plugin_recheck, plugin_recheck_cpu = timed([*plugin, "queries.py"], work)
        write_contracts(contracts, args.tables, args.columns, "added_column", (unused, 0))
        generate(load_registry(config), stubs)
        used_recheck, used_recheck_cpu = timed([*mypy, *cache, "queries.py"], work)

    rows = [
        ("stub generation (read contracts + write)", generation, None, 2.0, None),
        ("regeneration after one table changed", regeneration, None, 2.0, None),
        ("mypy cold", mypy_cold, mypy_cold_cpu, 15.0, base_mypy),
        ("pyright cold", pyright_cold, pyright_cold_cpu, 5.0, base_pyright),
        ("ty cold", ty_cold, ty_cold_cpu, 1.5, base_ty),
        ("mypy re-check, a table the file does not use", mypy_recheck, mypy_recheck_cpu, 2.0,
         base_mypy),
        ("mypy re-check, a table the file uses", used_recheck, used_recheck_cpu, mypy_cold,
         base_mypy),
    ]  # fmt: skip
    if with_plugin:
        rows += [
            ("mypy + typedb.mypy_plugin cold", plugin_cold, plugin_cold_cpu, mypy_cold, base_mypy),
            ("mypy + plugin re-check, a table not used", plugin_recheck, plugin_recheck_cpu, 2.0,
             base_mypy),
        ]  # fmt: skip
    print(
        f"{args.tables} tables x {args.columns} columns, {args.queries} queries ({args.mix}); "
        f"{len(changes)} stub files, {size / 1e6:.1f} MB; one change rewrote {len(changed)} file(s)"
    )
    print(
        f"baseline (one-line file): mypy {base_mypy:.2f} s, pyright {base_pyright:.2f} s, "
        f"ty {base_ty:.2f} s (cpu: mypy {base_mypy_cpu:.2f} s, pyright {base_pyright_cpu:.2f} s, "
        f"ty {base_ty_cpu:.2f} s); load average {os.getloadavg()[0]:.1f}"
    )
    for label, seconds, cpu, target, baseline in rows:
        ratio = f"  ({seconds / baseline:.1f}x baseline)" if baseline else ""
        verdict = "ok" if seconds <= target else "OVER TARGET"
        used = f"cpu {cpu:6.2f} s" if cpu is not None else " " * 12
        print(f"  {label:<46} {seconds:6.2f} s  {used}  target <= {target:.3g} s  {verdict}{ratio}")
    print(
        f"  {'pyright cold, the table-name calls alone':<46} {pyright_dispatch:6.2f} s  "
        f"cpu {pyright_dispatch_cpu:6.2f} s  "
        "(one overload per table: pyright tries them in order, re-evaluating the argument)"
    )


if __name__ == "__main__":
    main()
