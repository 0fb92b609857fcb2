"""Reading the SQL a dry run recorded, for `migration:lint`: just enough of a parser to see
which table a DDL statement touches and how.

The linter only ever sees SQL typedb's schema builder or a migration's `db.raw()` sent, so
it does not need a full grammar; it needs to be safe with what it does not understand. String
literals are masked first (a CHECK listing `'drop table'` is not a DROP TABLE), comments are
removed, and a statement it cannot read is simply not a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: One identifier: "quoted" (PostgreSQL, SQLite), `backticked` (SQLite), [bracketed] or bare.
IDENT = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[A-Za-z_][\w$]*)'
#: A possibly schema-qualified name.
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT})?"

_PARAMETERS = ";  -- parameters: "


def recorded_sql(line: str) -> str:
    """The SQL of one statement as `_recording` rendered it: without the trailing `;` and the
    `-- parameters: ...` note it appends."""
    cut = line.rfind(_PARAMETERS)
    text = line[:cut] if cut >= 0 else line
    return text.strip().rstrip(";").strip()


def mask(sql: str) -> str:
    """`sql` with comments removed, every string literal replaced by `''` and whitespace
    collapsed; quoted identifiers are kept as they are.

    >>> print(mask("ALTER TABLE t  ADD CHECK (s <> 'drop table x') -- note"))
    ALTER TABLE t ADD CHECK (s <> '')
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'":
            j = i + 1
            while j < n:
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            out.append("''")
            i = j + 1
        elif ch in '"`[':
            close = "]" if ch == "[" else ch
            j = sql.find(close, i + 1)
            j = n - 1 if j < 0 else j
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return re.sub(r"\s+", " ", "".join(out)).strip()


def split_top(masked: str, separator: str = ",") -> list[str]:
    """`masked` split at each `separator` outside parentheses and quoted identifiers."""
    parts: list[str] = []
    depth, start, i, n = 0, 0, 0, len(masked)
    while i < n:
        ch = masked[i]
        if ch in '"`[':
            close = "]" if ch == "[" else ch
            j = masked.find(close, i + 1)
            i = n if j < 0 else j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(masked[start:i].strip())
            start = i + 1
        i += 1
    parts.append(masked[start:].strip())
    return [p for p in parts if p]


def name(text: str, fold: bool) -> str:
    """The object name of a (possibly qualified) identifier, unquoted; `fold` lowercases
    (SQLite always, PostgreSQL only names that were not quoted)."""
    last = str(re.findall(IDENT, text)[-1])
    if last[0] in '"`':
        inner = last[1:-1].replace(last[0] * 2, last[0])
        return inner.lower() if fold else inner
    if last[0] == "[":
        return last[1:-1].lower() if fold else last[1:-1]
    return last.lower()


@dataclass(frozen=True, slots=True)
class Ddl:
    """What one statement does to a table, as far as the rules care. `kind` is one of
    create-table, drop-table, insert, create-index, delete-all (TRUNCATE, or DELETE without
    WHERE), alter (then `action` is one ALTER TABLE action, already split from its
    siblings), or other."""

    kind: str
    table: str = ""
    action: str = ""
    source: str = ""  # insert: the table an INSERT ... SELECT reads from, if any
    concurrently: bool = False


_CREATE_TABLE = re.compile(
    rf"^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(TEMP|TEMPORARY)\s+|UNLOGGED\s+)?TABLE\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?({QNAME})",
    re.IGNORECASE,
)
_DROP_TABLE = re.compile(
    rf"^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?({QNAME}(?:\s*,\s*{QNAME})*)", re.IGNORECASE
)
_CREATE_INDEX = re.compile(
    rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"(?:{QNAME}\s+)?ON\s+(?:ONLY\s+)?({QNAME})",
    re.IGNORECASE,
)
_INSERT = re.compile(rf"^INSERT\s+(?:OR\s+\w+\s+)?INTO\s+({QNAME})(.*)$", re.IGNORECASE | re.DOTALL)
_SELECT_FROM = re.compile(rf"\bSELECT\b.*?\bFROM\s+({QNAME})", re.IGNORECASE | re.DOTALL)
_TRUNCATE = re.compile(r"^TRUNCATE\s+(?:TABLE\s+)?(.+)$", re.IGNORECASE | re.DOTALL)
_TRUNCATE_OPTIONS = re.compile(
    r"\s+(?:(?:RESTART|CONTINUE)\s+IDENTITY|CASCADE|RESTRICT)\b.*$", re.IGNORECASE | re.DOTALL
)
_DELETE = re.compile(rf"^DELETE\s+FROM\s+(?:ONLY\s+)?({QNAME})(.*)$", re.IGNORECASE | re.DOTALL)
_ALTER_TABLE = re.compile(
    rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({QNAME})\s+(.+)$",
    re.IGNORECASE | re.DOTALL,
)


def parse(masked: str, fold: bool) -> list[Ddl]:
    """The table changes in one masked statement (several for `DROP TABLE a, b` or an ALTER
    TABLE with several actions); `[Ddl("other")]` for anything else."""
    if m := _CREATE_TABLE.match(masked):
        if m.group(1):  # a temporary table lives and dies with the session
            return [Ddl("other")]
        return [Ddl("create-table", name(m.group(2), fold))]
    if m := _DROP_TABLE.match(masked):
        names = split_top(m.group(1))
        return [Ddl("drop-table", name(each, fold)) for each in names]
    if m := _CREATE_INDEX.match(masked):
        return [Ddl("create-index", name(m.group(2), fold), concurrently=bool(m.group(1)))]
    if m := _INSERT.match(masked):
        source = _SELECT_FROM.search(m.group(2))
        return [
            Ddl(
                "insert",
                name(m.group(1), fold),
                source=name(source.group(1), fold) if source else "",
            )
        ]
    if m := _TRUNCATE.match(masked):
        names = split_top(_TRUNCATE_OPTIONS.sub("", m.group(1)))
        return [Ddl("delete-all", name(re.sub(r"(?i)^ONLY\s+", "", n), fold)) for n in names]
    if (m := _DELETE.match(masked)) and not re.search(r"\b(?:WHERE|USING)\b", m.group(2), re.I):
        return [Ddl("delete-all", name(m.group(1), fold))]
    if m := _ALTER_TABLE.match(masked):
        table = name(m.group(1), fold)
        return [Ddl("alter", table, action) for action in split_top(m.group(2))]
    return [Ddl("other")]
