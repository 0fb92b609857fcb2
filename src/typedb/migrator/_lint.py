"""`migration:lint`: what the pending migrations would do that destroys data, breaks running
code or locks a table with rows, found from a dry run of them against the live database.

    report = lint(Migrator(db))
    for finding in report.findings:
        print(finding.line())

A migration acknowledges a finding with a module attribute, checked by name:

    lint_ignore = ["drop-column"]              # every drop-column finding of this file
    lint_ignore = ["drop-column:users.email"]  # only that column (or table, for table rules)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from typedb._errors import MigrationError
from typedb._sql import sql
from typedb.connection import Database
from typedb.migrator._engine import MigrationFailed
from typedb.migrator._lint_rules import ADVICE, RULES, Hit, Linter, LiveColumn
from typedb.migrator._migrator import Migrator
from typedb.migrator._unit import Step


class LintError(MigrationError):
    """A migration's `lint_ignore` is not a list of known rules."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One statement of a pending migration that a rule flags. `target` is the table, or
    `table.column` for column rules; `ignored` when the migration's `lint_ignore` says so."""

    rule: str
    migration: str
    module: str | None
    path: Path | None
    target: str
    statement: str
    detail: str = ""
    ignored: bool = False

    @property
    def message(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{RULES[self.rule]}{extra}; safer: {ADVICE[self.rule]}"

    def line(self, root: Path | None = None, width: int = 160) -> str:
        """`file: rule target: SQL  -- why`, on one line (long SQL is shortened here only)."""
        where = _shown(self.path, root) if self.path is not None else self.migration
        sql = " ".join(self.statement.split())
        if len(sql) > width:
            sql = sql[: width - 3] + "..."
        return f"{where}: {self.rule} {self.target}: {sql}  -- {self.message}"


@dataclass(frozen=True, slots=True)
class LintReport:
    """`findings` includes the acknowledged ones (`ignored`); `skipped` names migrations with
    `transaction = False`, which a dry run cannot run and so cannot lint; `unused` lists
    `lint_ignore` entries that matched nothing, as (migration file, entry)."""

    findings: tuple[Finding, ...] = ()
    migrations: int = 0
    skipped: tuple[Step, ...] = ()
    unused: tuple[tuple[Path, str], ...] = ()
    failure: MigrationFailed | None = field(default=None, compare=False)

    @property
    def open(self) -> tuple[Finding, ...]:
        """The findings not acknowledged: the command exits 1 when there is any."""
        return tuple(f for f in self.findings if not f.ignored)


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)


class LiveFacts:
    """The live database as the linter sees it: read outside the dry run, so before the
    pending migrations; each answer asked once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dialect = db.dialect.name
        self._tables: set[str] | None = None
        self._rows: dict[str, bool] = {}
        self._columns: dict[str, dict[str, LiveColumn]] = {}

    def _quote(self, table: str) -> str:
        return '"' + table.replace('"', '""') + '"'

    def tables(self) -> set[str]:
        if self._tables is None:
            if self.dialect == "sqlite":
                rows = self.db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")
                self._tables = {str(r["name"]).lower() for r in rows}
            else:
                rows = self.db.raw(
                    "SELECT c.relname AS name FROM pg_class c WHERE c.relkind IN ('r', 'p') "
                    "AND pg_table_is_visible(c.oid)"
                )
                self._tables = {str(r["name"]) for r in rows}
        return self._tables

    def exists(self, table: str) -> bool:
        return table in self.tables()

    def has_rows(self, table: str) -> bool:
        if table not in self._rows:
            rows = self.db.select_from(table).select(sql("1 AS one")).limit(1).execute()
            self._rows[table] = bool(rows)
        return self._rows[table]

    def columns(self, table: str) -> dict[str, LiveColumn]:
        if table not in self._columns:
            if self.dialect == "sqlite":
                rows = self.db.raw(
                    'SELECT name, type, "notnull" FROM pragma_table_info(%s) ORDER BY cid',
                    [table],
                )
                found = [
                    LiveColumn(str(r["name"]), str(r["type"]), bool(r["notnull"])) for r in rows
                ]
            else:
                rows = self.db.raw(
                    "SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, "
                    "a.attnotnull AS not_null FROM pg_attribute a "
                    "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                    (self._quote(table),),
                )
                found = [
                    LiveColumn(str(r["name"]), str(r["type"]), bool(r["not_null"])) for r in rows
                ]
            self._columns[table] = {c.name.lower(): c for c in found}
        return self._columns[table]


def read_ignores(path: Path) -> list[str]:
    """The `lint_ignore = [...]` of a migration file, read without importing it again.
    Each entry is a rule name, or `rule:target` (a table, or `table.column`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if not any(isinstance(t, ast.Name) and t.id == "lint_ignore" for t in targets):
            continue
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if not isinstance(value, ast.List | ast.Tuple) or not all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
        ):
            raise LintError(
                f"{path}: lint_ignore must be a list of rule names as string literals, "
                'e.g. lint_ignore = ["drop-column"]'
            )
        entries = [str(e.value) for e in value.elts if isinstance(e, ast.Constant)]
        for entry in entries:
            rule = entry.split(":", 1)[0].strip()
            if rule not in RULES:
                raise LintError(
                    f"{path}: lint_ignore names an unknown rule {rule!r}; the rules are: "
                    + ", ".join(RULES)
                )
        return entries
    return []


def _matches(entry: str, hit: Hit) -> bool:
    rule, _, target = entry.partition(":")
    if rule.strip() != hit.rule:
        return False
    if not target:
        return True
    target = target.strip().lower()
    mine = hit.target.lower()
    # A rename's target is "old -> new"; either name acknowledges it.
    return target == mine or target in (part.strip() for part in mine.split("->"))


def lint(migrator: Migrator, *, root: bool = False, module: str | None = None) -> LintReport:
    """Dry-run the pending migrations (nothing changes) and check every statement they
    would run. A migration that fails its dry run ends the report there (`failure`)."""
    failure: MigrationFailed | None = None
    try:
        steps = migrator.latest(root=root, module=module, dry_run=True)
    except MigrationFailed as exc:
        steps, failure = list(exc.completed), exc
    linter = Linter(LiveFacts(migrator.db))
    findings: list[Finding] = []
    skipped: list[Step] = []
    unused: list[tuple[Path, str]] = []
    for step in steps:
        if not step.transaction:
            skipped.append(step)
            continue
        ignores = read_ignores(step.path) if step.path is not None else []
        used: set[str] = set()
        for hit in linter.migration(step.statements):
            matched = [entry for entry in ignores if _matches(entry, hit)]
            used.update(matched)
            findings.append(
                Finding(
                    hit.rule,
                    step.name,
                    step.module,
                    step.path,
                    hit.target,
                    hit.statement,
                    hit.detail,
                    ignored=bool(matched),
                )
            )
        if step.path is not None:
            unused.extend((step.path, entry) for entry in ignores if entry not in used)
    return LintReport(tuple(findings), len(steps), tuple(skipped), tuple(unused), failure)
