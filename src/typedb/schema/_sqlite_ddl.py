"""Just enough of a SQLite CREATE TABLE parser to rebuild a table with one thing changed.

SQLite keeps each table's definition only as the text of its CREATE TABLE statement (CHECK
constraints and constraint names are nowhere else), so a rebuild edits that text item by item
and leaves every item it does not touch exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

from typedb._errors import CompileError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*)
  | (?P<punct>.)
    """,
    re.X | re.S,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:
        """The identifier this token spells, unquoted."""
        t = self.text
        if self.kind == "ident":
            quote = t[0]
            inner = t[1:-1]
            return inner if quote == "[" else inner.replace(quote * 2, quote)
        if self.kind == "string":  # SQLite accepts 'name' where an identifier is expected
            return t[1:-1].replace("''", "'")
        return t


def tokenize(sql: str) -> list[Token]:
    return [
        Token(m.lastgroup or "", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(sql)
        if m.lastgroup != "space"
    ]


def _split(tokens: list[Token], sep: str = ",") -> list[list[Token]]:
    """Split at top-level separators."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        if depth == 0 and tok.kind == "punct" and tok.text == sep:
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]


def _names_in_parens(tokens: list[Token]) -> tuple[str, ...]:
    """Column names in the first parenthesized list: `UNIQUE ("a", b COLLATE x)` -> (a, b)."""
    try:
        open_at = next(i for i, t in enumerate(tokens) if t.text == "(")
    except StopIteration:
        return ()
    depth, inner = 0, []
    for tok in tokens[open_at:]:
        depth += tok.text == "("
        depth -= tok.text == ")"
        if depth == 0:
            break
        inner.append(tok)
    return tuple(part[0].name for part in _split(inner[1:]) if part)


_COLUMN_CLAUSE = {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
                  "REFERENCES", "GENERATED", "AS"}  # fmt: skip
_TABLE_CONSTRAINT = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


@dataclass(frozen=True, slots=True)
class Clause:
    """One column constraint: kind is NOT NULL, NULL, PRIMARY KEY, UNIQUE, CHECK, DEFAULT,
    COLLATE, REFERENCES or GENERATED; text is its SQL without the CONSTRAINT prefix."""

    kind: str
    text: str
    name: str | None = None

    def sql(self) -> str:
        if self.name is None:
            return self.text
        return f"CONSTRAINT {_q(self.name)} {self.text}"


@dataclass(frozen=True, slots=True)
class ColumnDef:
    name: str
    type_text: str
    clauses: tuple[Clause, ...] = ()

    def has(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.clauses)

    def without(self, kind: str) -> ColumnDef:
        return replace(self, clauses=tuple(c for c in self.clauses if c.kind != kind))

    def sql(self) -> str:
        parts = [_q(self.name)]
        if self.type_text:
            parts.append(self.type_text)
        parts.extend(c.sql() for c in self.clauses)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class ConstraintDef:
    """A table constraint: kind is PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY."""

    kind: str
    text: str
    name: str | None = None
    columns: tuple[str, ...] = ()
    words: frozenset[str] = field(default_factory=frozenset[str])

    def sql(self) -> str:
        return self.text if self.name is None else f"CONSTRAINT {_q(self.name)} {self.text}"

    def mentions(self, column: str) -> bool:
        column = column.lower()
        if self.kind == "CHECK":
            return column in self.words
        return column in (c.lower() for c in self.columns)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class TableDef:
    name: str
    columns: tuple[ColumnDef, ...]
    constraints: tuple[ConstraintDef, ...]
    options: str = ""  # WITHOUT ROWID, STRICT

    def column(self, name: str) -> ColumnDef | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)

    def sql(self, name: str | None = None) -> str:
        items = [c.sql() for c in self.columns] + [c.sql() for c in self.constraints]
        body = ",\n  ".join(items)
        return f"CREATE TABLE {_q(name or self.name)} (\n  {body}\n){self.options}"


def _text(sql: str, tokens: list[Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end] if tokens else ""


def _parse_column(sql: str, tokens: list[Token]) -> ColumnDef:
    name = tokens[0].name
    rest = tokens[1:]
    # The type runs until the first clause keyword at depth 0.
    i, depth = 0, 0
    while i < len(rest):
        tok = rest[i]
        depth += tok.text == "("
        depth -= tok.text == ")"
        if depth == 0 and tok.upper in _COLUMN_CLAUSE:
            break
        i += 1
    type_text = _text(sql, rest[:i])
    clauses: list[Clause] = []
    pending_name: str | None = None
    while i < len(rest):
        if rest[i].upper == "CONSTRAINT":
            if i + 1 >= len(rest):
                raise CompileError(f"cannot parse column {name!r}: CONSTRAINT without a name")
            pending_name, i = rest[i + 1].name, i + 2
            continue
        end = _clause_end(rest, i, name)
        head = rest[i].upper
        kind = {"NOT": "NOT NULL", "PRIMARY": "PRIMARY KEY", "AS": "GENERATED"}.get(head, head)
        clauses.append(Clause(kind, _text(sql, rest[i:end]), pending_name))
        pending_name, i = None, end
    return ColumnDef(name, type_text, tuple(clauses))


_FK_ACTION_WORDS = {"SET": 2, "NO": 2, "CASCADE": 1, "RESTRICT": 1}


def _clause_end(tokens: list[Token], i: int, column: str) -> int:
    """Where the column constraint starting at `tokens[i]` ends, read by SQLite's grammar
    (https://sqlite.org/syntax/column-constraint.html), so that the NULL of `ON DELETE SET
    NULL` or the DEFAULT of `SET DEFAULT` is never taken for a clause of its own."""

    def word(at: int, *words: str) -> bool:
        return at < len(tokens) and tokens[at].upper in words

    def expect(at: int, *words: str) -> int:
        if not word(at, *words):
            found = tokens[at].text if at < len(tokens) else "the end"
            raise CompileError(
                f"cannot parse the definition of column {column!r}: expected "
                f"{' or '.join(words)}, found {found}"
            )
        return at + 1

    def group(at: int) -> int:
        if at >= len(tokens) or tokens[at].text != "(":
            raise CompileError(f"cannot parse the definition of column {column!r}: expected (")
        return _group_end(tokens, at)

    def on_conflict(at: int) -> int:
        if word(at, "ON") and word(at + 1, "CONFLICT"):
            return at + 3
        return at

    head = tokens[i].upper
    i += 1
    if head == "PRIMARY":
        i = expect(i, "KEY")
        i += word(i, "ASC", "DESC")
        i = on_conflict(i)
        return i + word(i, "AUTOINCREMENT")
    if head == "NOT":
        return on_conflict(expect(i, "NULL"))
    if head in ("NULL", "UNIQUE"):
        return on_conflict(i)
    if head == "CHECK":
        return group(i)
    if head == "DEFAULT":
        if i < len(tokens) and tokens[i].text == "(":
            return group(i)
        if i < len(tokens) and tokens[i].text in ("+", "-"):
            return i + 2
        return i + 1
    if head == "COLLATE":
        return i + 1
    if head == "REFERENCES":
        i += 1  # the parent table
        if i < len(tokens) and tokens[i].text == "(":
            i = group(i)
        while True:
            if word(i, "ON") and word(i + 1, "DELETE", "UPDATE"):
                action = tokens[i + 2].upper if i + 2 < len(tokens) else ""
                if action not in _FK_ACTION_WORDS:
                    expect(i + 2, *_FK_ACTION_WORDS)
                i += 2 + _FK_ACTION_WORDS[action]
            elif word(i, "MATCH"):
                i += 2
            else:
                break
        if word(i, "NOT") and word(i + 1, "DEFERRABLE"):
            i += 1
        if word(i, "DEFERRABLE"):
            i += 1
            if word(i, "INITIALLY"):
                i = expect(i + 1, "DEFERRED", "IMMEDIATE")
        return i
    if head in ("GENERATED", "AS"):
        if head == "GENERATED":
            i = expect(expect(i, "ALWAYS"), "AS")
        i = group(i)
        return i + word(i, "STORED", "VIRTUAL")
    raise CompileError(
        f"cannot parse the definition of column {column!r}: unexpected {tokens[i - 1].text!r}"
    )


def _group_end(tokens: list[Token], at: int) -> int:
    """`tokens[at]` is "(": the index just after its matching ")"."""
    depth = 0
    for k in range(at, len(tokens)):
        depth += tokens[k].text == "("
        depth -= tokens[k].text == ")"
        if depth == 0:
            return k + 1
    raise CompileError("cannot parse a table definition: unbalanced parentheses")


def _parse_constraint(sql: str, tokens: list[Token]) -> ConstraintDef:
    name = None
    if tokens[0].upper == "CONSTRAINT":
        name, tokens = tokens[1].name, tokens[2:]
    head = tokens[0].upper
    kind = {"PRIMARY": "PRIMARY KEY", "FOREIGN": "FOREIGN KEY"}.get(head, head)
    columns = () if kind == "CHECK" else _names_in_parens(tokens)
    words = frozenset(_column_names(tokens))
    return ConstraintDef(kind, _text(sql, tokens), name, columns, words)


def parse_create_table(sql: str) -> TableDef:
    """Parse the CREATE TABLE text SQLite stored in sqlite_master."""
    tokens = tokenize(sql)
    try:
        open_at = next(i for i, t in enumerate(tokens) if t.text == "(")
    except StopIteration:
        raise CompileError(f"cannot rebuild a table created without a column list: {sql}") from None
    name = tokens[open_at - 1].name
    depth, close_at = 0, len(tokens) - 1
    for k in range(open_at, len(tokens)):
        depth += tokens[k].text == "("
        depth -= tokens[k].text == ")"
        if depth == 0:
            close_at = k
            break
    options = sql[tokens[close_at].end :].rstrip().rstrip(";")
    columns: list[ColumnDef] = []
    constraints: list[ConstraintDef] = []
    for item in _split(tokens[open_at + 1 : close_at]):
        if item[0].upper in _TABLE_CONSTRAINT:
            constraints.append(_parse_constraint(sql, item))
        else:
            columns.append(_parse_column(sql, item))
    return TableDef(name, tuple(columns), tuple(constraints), options)


#: The types besides integer an auto-increment key may have. SQLite can only auto-increment
#: a column declared INTEGER (its rowid), so typedb declares such a key INTEGER and writes
#: its type's CHECK on it (see _render.column_definition), which says what it is: the CHECK
#: is part of the column's text, which renames and table rebuilds keep.
ROWID_TYPES = ("bigint", "smallint")


def rowid_type(column: ColumnDef) -> str:
    """The portable type of an INTEGER PRIMARY KEY column (SQLite's rowid alias): a type of
    ROWID_TYPES when the column carries that type's CHECK, else integer.

    >>> rowid_type(parse_create_table(
    ...     "CREATE TABLE t (`id` INTEGER PRIMARY KEY AUTOINCREMENT "
    ...     "CHECK (`id` IS NULL OR typeof(`id`) = 'integer'))").columns[0])
    'bigint'
    >>> rowid_type(parse_create_table("CREATE TABLE t (id INTEGER PRIMARY KEY)").columns[0])
    'integer'
    """
    checks = {clause_key(c.text) for c in column.clauses if c.kind == "CHECK"}
    if checks:
        from typedb.dialects._sqlite import SqliteDialect

        dialect = SqliteDialect()
        for name in ROWID_TYPES:
            own = dialect.type_check(dialect.quote(column.name), name)
            if own is not None and clause_key(f"CHECK ({own})") in checks:
                return name
    return "integer"


def clause_key(sql: str) -> tuple[str, ...]:
    """A clause as tokens, identifiers unquoted and lowercased: the same whatever quoting
    wrote it (SQLite's RENAME COLUMN rewrites a CHECK's names with its own quotes)."""
    return tuple(t.name.lower() if t.kind in ("word", "ident") else t.text for t in tokenize(sql))


def references_target(text: str) -> str | None:
    """The table a REFERENCES clause or FOREIGN KEY constraint points at.

    >>> references_target('FOREIGN KEY (a) REFERENCES [users] (id) ON DELETE SET NULL')
    'users'
    """
    tokens = tokenize(text)
    for tok, after in pairwise(tokens):
        if tok.upper == "REFERENCES":
            return after.name
    return None


def names(sql: str) -> set[str]:
    """Every identifier `sql` spells, lowercased: the tables, views and columns it may read.

    >>> sorted(names('CREATE VIEW v AS SELECT "A b" FROM t JOIN [u] USING (id)'))
    ['a b', 'as', 'create', 'from', 'id', 'join', 'select', 't', 'u', 'using', 'v', 'view']
    """
    return {t.name.lower() for t in tokenize(sql) if t.kind in ("word", "ident")}


def _column_names(tokens: list[Token]) -> set[str]:
    # An identifier right before "(" is a function called (`length(name)`, even quoted,
    # as SQLite reads `"length"(name)`), or a table's column list (`ON t(w)`): not a column.
    return {
        t.name.lower()
        for t, after in zip(tokens, [*tokens[1:], None], strict=True)
        if t.kind in ("word", "ident") and (after is None or after.text != "(")
    }


def mentions(sql: str, column: str) -> bool:
    """Whether a CHECK, index or trigger definition may use `column`: it names it anywhere
    but as a function called.

    >>> mentions("CHECK (length(name) > 0)", "length"), mentions('CHECK ("length" > 0)', "length")
    (False, True)
    """
    return column.lower() in _column_names(tokenize(sql))
