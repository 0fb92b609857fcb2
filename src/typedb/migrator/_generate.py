"""`migration:generate`: the migration that turns the migrated database into what the
contracts declare, written into the source (core or module) that owns each table.

    typedb migration:generate add_tags                         # writes, prints the paths
    typedb migration:generate add_tags --dry-run               # prints the files instead
    typedb migration:generate rename --rename users.name:full_name

The database is the old side, the registry the new one (`typedb.schema_diff.diff`); `down()`
is the diff the other way round, so rolling back restores the schema as it was. A drop and
an add that look like a rename stop generation (or are asked about, on a terminal), and a
change that can lose data is refused without `allow_destructive`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from typedb._config import Config
from typedb._errors import ContractError
from typedb.connection import Database
from typedb.contracts import ContractColumn, Registry
from typedb.migrator import _files
from typedb.migrator._generate_code import LINE, Code, Value, module
from typedb.migrator._generate_plan import (
    Backfills,
    GenerateError,
    applicable_order,
    statements,
)
from typedb.migrator._generate_safety import destructive, line_length, parse_renames
from typedb.migrator._make import _latest_stamp, file_name, next_stamp, package_folders
from typedb.schema_diff import (
    AddForeignKey,
    AddTable,
    Change,
    RenameTable,
    Schema,
    TableSchema,
    describe,
    diff,
    rename_candidates,
)
from typedb.schema_diff._from_contracts import column_type_name

#: Asks a yes/no question (on a terminal); None: never ask.
Ask = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """One migration file: where it goes, whose it is (None for core), and its text."""

    path: Path
    module: str | None
    source: str


def owner(table: str, modules: Sequence[str]) -> str | None:
    """The module a table belongs to by its `<module>__` prefix, else None (core).

    >>> owner("blog__posts", ["blog"]), owner("users", ["blog"]), owner("shop__x", ["blog"])
    ('blog', None, None)
    """
    prefix, sep, _ = table.partition("__")
    return prefix if sep and prefix in modules else None


def _refuse_pending(db: Database, config: Config) -> None:
    from typedb.migrator._migrator import Migrator

    rows = Migrator(db, config).status()
    bad = [r for r in rows if r.problem is not None]
    if bad:
        raise GenerateError(
            f"{bad[0].detail}; fix the migrations first (typedb migration:status lists them)"
        )
    pending = [r for r in rows if r.status == "pending"]
    if pending:
        names = ", ".join(f"{r.module or '(core)'} {r.name}" for r in pending[:3])
        more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        raise GenerateError(
            f"{len(pending)} migration(s) pending ({names}{more}): the database is compared "
            "with the contracts, so run `typedb migration:latest` first, then generate"
        )


def _inverse(renames: Mapping[str, str]) -> dict[str, str]:
    """The renames of `down()`: `users:members` back, `users.name:full_name` back (keyed by
    the table's name after `up()`)."""
    tables = {old: new for old, new in renames.items() if "." not in old}
    result = {new: old for old, new in tables.items()}
    for key, new_column in renames.items():
        table, dot, old_column = key.partition(".")
        if dot:
            result[f"{tables.get(table, table)}.{new_column}"] = old_column
    return result


def _resolve_renames(
    changes: Sequence[Change], renames: dict[str, str], allow_destructive: bool, ask: Ask | None
) -> dict[str, str]:
    """`renames` plus the look-alike drop/add pairs the user confirms; a pair left open
    stops generation (unless drops are allowed: then it stays a drop and an add)."""
    result = dict(renames)
    unanswered = []
    for pair in rename_candidates(changes):
        key = f"{pair.table}.{pair.old_name}" if pair.column else pair.old_name
        if key in result:
            continue
        what = (
            f"column {pair.table}.{pair.old_name} to {pair.new_name}"
            if pair.column
            else f"table {pair.old_name} to {pair.new_name}"
        )
        if ask is not None:
            if ask(f"Rename {what}? (no: drop it and add a new one) [y/N] "):
                result[key] = pair.new_name
            continue
        unanswered.append(pair)
    if unanswered and not allow_destructive:
        lines = "\n".join(
            f"  {p.table + '.' if p.column else ''}{p.old_name} -> {p.new_name}: --rename {p.flag}"
            for p in unanswered
        )
        raise GenerateError(
            "a dropped and an added column or table look like a rename; say which with "
            f"--rename (or pass --allow-destructive to drop and add):\n{lines}"
        )
    return result


def _docstring(name: str, changes: Sequence[Change], width: int) -> list[str]:
    lines = [f"Generated by `typedb migration:generate {name}` from the contracts."]
    details = []
    for change in changes:
        text = f"- {describe(change)}"
        if "\\" in text or '"""' in text:
            continue  # never worth an escape in a docstring
        details.append(text if len(text) <= width else text[: width - 3] + "...")
    return [lines[0], *details] if details else lines


def _owner_order(groups: dict[str | None, list[Change]]) -> list[str | None]:
    """Core first, then modules by name, except that a source whose tables reference a
    table another source creates runs after it (migrations run in file-name order)."""
    creates = {
        c.table: who for who, changes in groups.items() for c in changes if isinstance(c, AddTable)
    }
    needs: dict[str | None, set[str | None]] = {who: set() for who in groups}
    for who, changes in groups.items():
        for c in changes:
            fks = c.schema.foreign_keys if isinstance(c, AddTable) else ()
            fks = (c.foreign_key,) if isinstance(c, AddForeignKey) else fks
            for fk in fks:
                other = creates.get(fk.ref_table, who)
                if other != who:
                    needs[who].add(other)
    order: list[str | None] = []
    pending = sorted(groups, key=lambda m: (m is not None, m or ""))
    while pending:
        ready = next((w for w in pending if needs[w] <= set(order)), pending[0])
        order.append(ready)
        pending.remove(ready)
    return order


def plan(
    live: Schema,
    target: Schema,
    *,
    name: str,
    modules: Sequence[str],
    renames: Mapping[str, str] | None = None,
    backfills: Backfills | None = None,
    width: int = LINE,
) -> list[tuple[str | None, str]]:
    """(module, file text) per source that has changes, in the order they must run."""
    renames = dict(renames or {})
    up_changes = applicable_order(diff(live, target, renames))
    if not up_changes:
        return []
    down_changes = applicable_order(diff(target, live, _inverse(renames)))

    def by_owner(changes: Sequence[Change], down: bool) -> dict[str | None, list[Change]]:
        """A renamed table belongs where its new name puts it, in up() and in down()."""
        groups: dict[str | None, list[Change]] = {}
        for change in changes:
            is_up_rename = isinstance(change, RenameTable) and not down
            table = (
                change.new_name
                if isinstance(change, RenameTable) and is_up_rename
                else change.table
            )
            groups.setdefault(owner(table, modules), []).append(change)
        return groups

    ups, downs = by_owner(up_changes, False), by_owner(down_changes, True)
    files = []
    for who in _owner_order(ups):
        up, down = ups.get(who, []), downs.get(who, [])
        tables = {c.table for c in (*up, *down)}
        single = len(tables) == 1 and not any(isinstance(c, RenameTable) for c in up)
        only = next(iter(tables))

        def ref(table: str) -> Value:
            return Code("table") if single and table == only else table  # noqa: B023

        files.append(
            (
                who,
                module(
                    _docstring(name, up, width - 4),
                    statements(up, ref, backfills),
                    statements(down, ref),
                    [("table", only)] if single else [],
                    width,
                ),
            )
        )
    return files


def generate(
    db: Database,
    config: Config,
    name: str,
    *,
    module_name: str | None = None,
    renames: Sequence[str] = (),
    allow_destructive: bool = False,
    ask: Ask | None = None,
    write: bool = True,
) -> list[GeneratedFile]:
    """Compare the contracts with the migrated database and write the migration(s); returns
    the files (not written when `write` is False). Nothing to change: an empty list."""
    from typedb.contracts import load_registry
    from typedb.schema_diff import from_database, from_registry

    if not _files.MAKE_NAME.match(name):
        raise GenerateError(
            f"bad migration name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (e.g. add_tags)"
        )
    modules = _files.modules(config)
    if module_name is not None and module_name not in modules:
        from typedb.migrator._migrator import UnknownModuleError

        raise UnknownModuleError(
            f"unknown module {module_name!r} (modules: {', '.join(modules) or 'none'})"
        )
    _refuse_pending(db, config)
    registry = load_registry(config)
    live = from_database(db, exclude=(config.migration_table,))
    target = from_registry(registry, db.dialect.name, live)
    if db.dialect.name == "sqlite":
        target = _jsonb_as_declared(target, live, registry)
    if module_name is not None:
        live = live.only({t for t in live.table_names if owner(t, modules) == module_name})
        target = target.only({t for t in target.table_names if owner(t, modules) == module_name})
    flags = parse_renames(renames, live, target)
    flags = _resolve_renames(diff(live, target), flags, allow_destructive, ask)
    changes = diff(live, target, flags)
    backfills = _backfills(registry)
    if not allow_destructive:
        problems = destructive(db, changes, backfills, flags)
        if problems:
            raise GenerateError(
                "refusing changes that can lose data (pass --allow-destructive to generate "
                "them anyway):\n" + "\n".join(f"  {p}" for p in problems)
            )
    width = line_length(config)
    texts = plan(
        live, target, name=name, modules=modules, renames=flags, backfills=backfills, width=width
    )
    return _files_for(config, name, texts, write)


def _jsonb_as_declared(target: Schema, live: Schema, registry: Registry) -> Schema:
    """On SQLite `jsonb` and `json` are one type, so the model says `json` for a `dict`
    column. A migration generated there also runs on PostgreSQL, where the contract means
    `jsonb`: the columns this migration adds are written with the type the contract
    declares. Columns already in the database keep theirs (no type change to report)."""
    declared = {
        (table.name, column.name)
        for table in registry
        for column in table.columns
        if _type_on_postgresql(column) == "jsonb"
    }

    def written(table: TableSchema) -> TableSchema:
        before = live.table(table.name)
        columns = tuple(
            replace(c, type="jsonb")
            if c.type == "json"
            and (table.name, c.name) in declared
            and (before is None or before.column(c.name) is None)
            else c
            for c in table.columns
        )
        return replace(table, columns=columns)

    return Schema(tuple(written(t) for t in target.tables))


def _type_on_postgresql(column: ContractColumn) -> str | None:
    try:
        return column_type_name(column, "postgresql")
    except ContractError:  # a union, typed by the live column: not a dict
        return None


def _backfills(registry: Registry) -> dict[tuple[str, str], Value]:
    """`Column(backfill=...)` of every contract column, by (table, column)."""
    found: dict[tuple[str, str], Value] = {}
    for table in registry:
        for column in table.columns:
            meta = getattr(column, "meta", None)
            if meta is None or not meta.has_backfill:
                continue
            value = meta.backfill
            if isinstance(value, date | time):
                value = value.isoformat()
            if not isinstance(value, str | int | float | Decimal):
                raise GenerateError(
                    f"{table.source}: {table.name}.{column.name}: backfill={value!r} cannot be "
                    "written into a migration; use a str, int, float, bool, Decimal or date"
                )
            found[(table.name, column.name)] = value
    return found


def _files_for(
    config: Config, name: str, texts: Sequence[tuple[str | None, str]], write: bool
) -> list[GeneratedFile]:
    """Paths named as `migration:make` names them, one second apart when made together."""
    result: list[GeneratedFile] = []
    latest: datetime | None = None
    for who, text in texts:
        folder = _files.module_dir(config, who)
        newest = _latest_stamp(config, folder)
        if latest is not None and (newest is None or latest > newest):
            newest = latest
        stamp = next_stamp(datetime.now(UTC).replace(tzinfo=None), newest)
        latest = stamp
        path = folder / file_name(name, stamp)
        result.append(GeneratedFile(path, who, text))
    if write:
        for item in result:
            _write(config, item)
    return result


def _write(config: Config, item: GeneratedFile) -> None:
    folder = item.path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for package in package_folders(config, item.module):
            (package / "__init__.py").touch(exist_ok=True)
        with item.path.open("x", encoding="utf-8") as out:
            out.write(item.source)
    except OSError as exc:
        raise GenerateError(f"cannot write {item.path}: {exc}") from exc
