"""What `migration:generate` checks before it writes: `--rename` flags, changes that can
lose data, and the line length its files are laid out for."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence

from typedb._config import Config
from typedb.connection import Database
from typedb.migrator._generate_code import LINE, Value
from typedb.migrator._generate_plan import GenerateError
from typedb.schema_diff import (
    AddColumn,
    AlterColumnNullable,
    AlterColumnType,
    Change,
    DropColumn,
    DropTable,
    Schema,
)

_SIZED = re.compile(r"^(?P<name>[a-z ]+?)(?:\((?P<size>\d+)(?:,(?P<scale>\d+))?\))?$")
#: Integer types by how many decimal digits they always hold.
_INTEGER_DIGITS = {"smallint": 4, "integer": 9, "bigint": 18}
_WIDER = {
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("real", "double precision"),
    ("varchar", "text"),
    ("char", "text"),
    ("date", "timestamp"),
    ("date", "timestamptz"),
}


def widens(old: str, new: str) -> bool:
    """Whether every value of type `old` is kept by type `new` (else: narrowing).

    >>> widens("varchar(20)", "varchar(40)"), widens("varchar(40)", "varchar(20)")
    (True, False)
    >>> widens("integer", "numeric(12,2)"), widens("numeric(10,2)", "numeric(10,3)")
    (True, False)
    >>> widens("text", "varchar(200)"), widens("integer", "bigint"), widens("text", "integer")
    (False, True, False)
    """
    if old == new:
        return True
    a, b = _SIZED.match(old), _SIZED.match(new)
    if a is None or b is None:
        return False
    name_a, name_b = a["name"], b["name"]
    if (name_a, name_b) in _WIDER:
        return True
    if name_a == name_b and name_a in ("varchar", "char"):
        return a["size"] is None or (b["size"] is not None and int(b["size"]) >= int(a["size"]))
    if name_b == "numeric" and b["size"] is not None:
        whole_b = int(b["size"]) - int(b["scale"] or 0)
        if name_a in _INTEGER_DIGITS:
            return whole_b > _INTEGER_DIGITS[name_a]
        if name_a == "numeric" and a["size"] is not None:
            scale_a, scale_b = int(a["scale"] or 0), int(b["scale"] or 0)
            return scale_b >= scale_a and whole_b >= int(a["size"]) - scale_a
    return name_a == "numeric" and name_b == "numeric" and b["size"] is None


class _Live:
    """Names as the database has them now, before the migration's renames."""

    def __init__(self, renames: Mapping[str, str]) -> None:
        self.tables = {new: old for old, new in renames.items() if "." not in old}
        self.columns: dict[tuple[str, str], str] = {}
        for key, new in renames.items():
            table, dot, old = key.partition(".")
            if dot:
                now = renames.get(table, table)
                self.columns[(now, new)] = old
                self.columns[(table, new)] = old

    def has_rows(self, db: Database, table: str, null_in: str | None = None) -> bool:
        query = db.select_from(self.tables.get(table, table)).select_all().limit(1)
        if null_in is not None:
            query = query.where(self.columns.get((table, null_in), null_in), "is", None)
        return bool(query.execute())


def destructive(
    db: Database,
    changes: Sequence[Change],
    backfills: Mapping[tuple[str, str], Value],
    renames: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per change that can lose data or cannot run on the rows there are."""
    live = _Live(renames or {})
    problems: list[str] = []
    for change in changes:
        t = change.table
        if isinstance(change, DropTable):
            problems.append(f"{t}: drop table")
        elif isinstance(change, DropColumn):
            problems.append(f"{t}.{change.column.name}: drop column")
        elif isinstance(change, AlterColumnType) and not widens(change.old.type, change.new.type):
            problems.append(
                f"{t}.{change.new.name}: type {change.old.type} -> {change.new.type} narrows it"
            )
        elif isinstance(change, AddColumn):
            column = change.column
            if (
                not column.nullable
                and column.default is None
                and not column.auto_increment
                and (t, column.name) not in backfills
                and live.has_rows(db, t)
            ):
                problems.append(
                    f"{t}.{column.name}: new NOT NULL column without a default on a table "
                    f"with rows; give it Column(backfill=...) or a default"
                )
        elif (
            isinstance(change, AlterColumnNullable)
            and not change.new.nullable
            and (t, change.new.name) not in backfills
            and live.has_rows(db, t, null_in=change.new.name)
        ):
            problems.append(
                f"{t}.{change.new.name}: NOT NULL on a column with NULL rows; give it "
                "Column(backfill=...) to fill them"
            )
    return problems


def parse_renames(flags: Sequence[str], live: Schema, target: Schema) -> dict[str, str]:
    """`--rename users.name:full_name` / `--rename users:members` as `diff()` takes them,
    each checked against the two schemas so that a typo is an error, not a drop."""
    renames: dict[str, str] = {}
    for flag in flags:
        old, colon, new = flag.partition(":")
        table, dot, column = old.partition(".")
        if not colon or not new or not table or (dot and not column) or "." in new:
            raise GenerateError(
                f"bad --rename {flag!r}: use TABLE.OLD:NEW for a column "
                "(users.name:full_name) or OLD:NEW for a table (users:members)"
            )
        if not dot:
            if live.table(table) is None:
                raise GenerateError(f"--rename {flag}: the database has no table {table}")
            if target.table(new) is None:
                raise GenerateError(f"--rename {flag}: no contract declares a table {new}")
        else:
            current = live.table(table) or live.table(
                next((o for o, n in renames.items() if n == table and "." not in o), table)
            )
            if current is None or current.column(column) is None:
                raise GenerateError(f"--rename {flag}: the database has no column {old}")
        renames[old] = new
    return renames


def line_length(config: Config) -> int:
    """The project's ruff `line-length`, from `ruff.toml`, `.ruff.toml` or `[tool.ruff]` in
    pyproject.toml, as ruff looks for it (ruff's default, 88, without one)."""
    candidates = [(config.root / "ruff.toml", False), (config.root / ".ruff.toml", False)]
    if config.pyproject is not None:
        candidates.append((config.pyproject, True))
    for path, nested in candidates:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        section = data.get("tool", {}).get("ruff") if nested else data
        if isinstance(section, dict):
            value = section.get("line-length", LINE)
            return value if isinstance(value, int) and value > 20 else LINE
    return LINE
