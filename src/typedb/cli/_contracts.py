"""`typedb contracts:generate [-m MODULE] [--table NAME]`: contracts for the live tables that
have none, written into the core contracts file or the module's `contracts.py`."""

from __future__ import annotations

import argparse
from pathlib import Path

from typedb._errors import ContractError
from typedb.cli._registry import Context, Registry
from typedb.contracts import Registry as Contracts
from typedb.contracts import contract_files, load_file, merge
from typedb.schema_diff._contract_code import ContractCode, contract_code, is_writable
from typedb.schema_diff._contract_files import write_contracts
from typedb.schema_diff._introspect import from_database
from typedb.schema_diff._model import TableSchema


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m", "--module", metavar="NAME", help="only the tables of this module (<NAME>__...)"
    )
    parser.add_argument(
        "--table", metavar="NAME", action="append", default=[], help="only this table (repeatable)"
    )


def _existing_contracts(ctx: Context) -> Contracts:
    # Files configured but not written yet are what this command may create: read the rest.
    files = [(p, m) for p, m in contract_files(ctx.config) if p.is_file()]
    return merge((load_file(p, m, ctx.root) for p, m in files), root=ctx.root)


def _destination(ctx: Context, table: str) -> tuple[Path, str | None]:
    module, sep, rest = table.partition("__")
    if sep and module and rest:
        return ctx.config.modules_dir / module / "contracts.py", module
    if not ctx.config.contracts:
        raise ContractError(
            f"table {table} belongs to the core, and no core contracts file is configured: "
            'add `contracts = ["contracts.py"]` to [tool.typedb] in pyproject.toml'
        )
    return ctx.root / ctx.config.contracts[0], None


def _generate(ctx: Context, args: argparse.Namespace) -> int:
    registry = _existing_contracts(ctx)
    db = ctx.connect(read_only=True)
    live = from_database(db, exclude=(ctx.config.migration_table,))
    wanted: list[TableSchema] = []
    for name in args.table:
        if live.table(name) is None:
            raise ContractError(f"table {name} is not in the database")
        if name in registry.tables:
            ctx.print(f"  {name}: already has a contract in {_shown(ctx, registry[name].source)}")
    for table in live.tables:
        if table.name in registry.tables or (args.table and table.name not in args.table):
            continue
        if args.module and not table.name.startswith(f"{args.module}__"):
            continue
        wanted.append(table)
    if not wanted:
        ctx.print(f"Every table has a contract ({len(registry)} table(s)).")
        return 0
    # A foreign key to a table without a contract would not load (references= must name a
    # declared table): the tables a chosen one references come along.
    chosen = {t.name for t in wanted}
    queue = list(wanted)
    while queue:
        for fk in queue.pop().foreign_keys:
            target = live.table(fk.ref_table)
            if (
                target is not None
                and target.name not in chosen
                and target.name not in registry.tables
            ):
                chosen.add(target.name)
                wanted.append(target)
                queue.append(target)
                ctx.print(f"  {target.name}: included, referenced by a table written now")
    wanted.sort(key=lambda t: t.name)
    by_file: dict[Path, list[ContractCode]] = {}
    modules: dict[Path, str | None] = {}
    for table in wanted:
        problem = is_writable(table)
        if problem is not None:
            ctx.err.write(f"typedb: warning: {table.name}: skipped, {problem}\n")
            continue
        path, module = _destination(ctx, table.name)
        by_file.setdefault(path, []).append(contract_code(table, db.dialect.name))
        modules[path] = module
    written = 0
    for path in sorted(by_file):
        codes = by_file[path]
        module = modules[path]
        header = (
            "Core contracts." if module is None else f"Contracts of the {module} module."
        ) + "\n\nWritten by `typedb contracts:generate`; edit freely.\n"
        result = write_contracts(path, codes, header)
        state = "created" if result.created else "updated"
        ctx.print(f"  {_shown(ctx, path)}: {state} ({', '.join(result.tables)})")
        for code in codes:
            for note in code.notes:
                ctx.err.write(f"typedb: warning: {note}\n")
        written += len(codes)
    load_file_errors = _reload(ctx)
    ctx.print(
        f"Contracts written for {written} table(s). `typedb contracts:check` compares them with "
        "the database; `typedb stubs:generate` types them."
    )
    return 1 if load_file_errors else 0


def _reload(ctx: Context) -> bool:
    """Read the written files back: a contract that does not load is reported now."""
    try:
        _existing_contracts(ctx)
    except ContractError as exc:
        ctx.err.write(f"typedb: error: the written contracts do not load: {exc}\n")
        return True
    return False


def _shown(ctx: Context, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ctx.root.resolve()))
    except ValueError:
        return str(path)


def register(commands: Registry) -> None:
    commands.add(
        "contracts:generate",
        "write contracts for the live tables that have none",
        _options,
        _generate,
    )
