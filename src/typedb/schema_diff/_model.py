"""The schema model: one value every source is read into (contracts, a live database, the
migrations), so that any two can be compared with `diff()`.

Everything is a frozen dataclass of tuples, so models compare with `==` and hash. Types are
portable names (`integer`, `varchar(200)`, `numeric(10,2)`, `timestamp` ...; see
`typedb.dialects.PORTABLE_TYPES`); a type typedb does not know keeps the database's spelling,
lowercased. Constraint names follow PostgreSQL's conventions where the source has none
(`posts_pkey`, `posts_slug_key`, `posts_author_id_fkey`, `posts_status_check`), on both
backends, as the schema builder's `drop_constraint()` does.

>>> t = TableSchema("tags", (ColumnSchema("id", "integer", nullable=False, auto_increment=True),
...                          ColumnSchema("name", "text", nullable=False)),
...                 primary_key=PrimaryKey("tags_pkey", ("id",)))
>>> t.column("name")
ColumnSchema(name='name', type='text', nullable=False, default=None, auto_increment=False)
>>> Schema((t,)).table("tags") is t
True
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

#: A literal default as Python holds it, normalised per column type: int for integer types,
#: bool for boolean, Decimal for numeric, float for real/double precision, and str for the
#: rest (text; ISO text for date/time/timestamp; canonical JSON text for json/jsonb).
DefaultValue: TypeAlias = str | int | float | bool | Decimal

#: Foreign key actions, lowercased; "no action" when the source says nothing.
FkAction: TypeAlias = Literal["no action", "restrict", "cascade", "set null", "set default"]
FK_ACTIONS: tuple[FkAction, ...] = ("no action", "restrict", "cascade", "set null", "set default")
_BY_TEXT: dict[str, FkAction] = {a: a for a in FK_ACTIONS}


def fk_action(text: object) -> FkAction:
    """An action as any source spells it (`CASCADE`, `set  null`, None) in the model's form.

    >>> fk_action("SET NULL"), fk_action(None)
    ('set null', 'no action')
    """
    return _BY_TEXT.get(" ".join(str(text or "no action").lower().split()), "no action")


@dataclass(frozen=True, slots=True)
class Default:
    """A column default: a literal value, the current time, or raw SQL.

    - `Default.of(value)`: kind "value", `value` is the normalised Python value.
    - `Default.now()`: kind "now", the current time as `add_timestamp_columns()` writes it
      (UTC on every backend); in a migration: `typedb.schema` Now, or the timestamp helpers.
    - `Default.raw(sql)`: kind "sql", an expression typedb does not interpret; `sql` is its
      text, compared after whitespace and case are normalised.
    """

    kind: Literal["value", "now", "sql"]
    value: DefaultValue | None = None
    sql: str | None = None

    @staticmethod
    def of(value: DefaultValue) -> Default:
        return Default("value", value=value)

    @staticmethod
    def now() -> Default:
        return Default("now")

    @staticmethod
    def raw(sql: str) -> Default:
        return Default("sql", sql=sql)


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """One column. `auto_increment` is an id the database fills (SERIAL / IDENTITY on
    PostgreSQL, INTEGER PRIMARY KEY on SQLite): what `add_id_column()` creates."""

    name: str
    type: str
    nullable: bool = True
    default: Default | None = None
    auto_increment: bool = False


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unique:
    """A UNIQUE constraint (a unique *index* is an `IndexSchema` with unique=True)."""

    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: FkAction = "no action"
    on_update: FkAction = "no action"


@dataclass(frozen=True, slots=True)
class IndexSchema:
    """A CREATE INDEX index; `where` is the predicate of a partial index (SQL text)."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A CHECK constraint; `expression` is SQL text as the source wrote it. Compared with
    `check_key()`, which irons out how PostgreSQL rewrites expressions."""

    name: str
    expression: str


@dataclass(frozen=True, slots=True)
class TableSchema:
    name: str
    columns: tuple[ColumnSchema, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[IndexSchema, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSchema | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True, slots=True)
class Schema:
    """Tables sorted by name."""

    tables: tuple[TableSchema, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(sorted(self.tables, key=lambda t: t.name)))

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table(self, name: str) -> TableSchema | None:
        return next((t for t in self.tables if t.name == name), None)

    def without(self, *names: str) -> Schema:
        """This schema less the named tables (e.g. typedb's migration table)."""
        return Schema(tuple(t for t in self.tables if t.name not in names))

    def only(self, names: set[str] | frozenset[str]) -> Schema:
        return Schema(tuple(t for t in self.tables if t.name in names))


def dependency_order(tables: tuple[TableSchema, ...] | list[TableSchema]) -> list[TableSchema]:
    """Tables in foreign-key order: each after the tables it references (creating them in
    this order works; dropping works in the reverse). Cycles and self references keep name
    order. Stable: ties are by name.

    >>> a = TableSchema("a", (ColumnSchema("b_id", "integer"),),
    ...                 foreign_keys=(ForeignKey("a_b_id_fkey", ("b_id",), "b", ("id",)),))
    >>> b = TableSchema("b", (ColumnSchema("id", "integer"),))
    >>> [t.name for t in dependency_order([a, b])]
    ['b', 'a']
    """
    by_name = {t.name: t for t in sorted(tables, key=lambda t: t.name)}
    done: list[TableSchema] = []
    seen: set[str] = set()
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name in visiting or name not in by_name:
            return
        visiting.add(name)
        for fk in by_name[name].foreign_keys:
            if fk.ref_table != name:
                visit(fk.ref_table)
        visiting.discard(name)
        seen.add(name)
        done.append(by_name[name])

    for name in by_name:
        visit(name)
    return done
