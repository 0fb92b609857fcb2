"""What the plugin knows about a query, carried on its type from call to call.

A query's type is the stubs' generic class (`Select[Row, ...]`, `InsertValues[Row, ...]`);
the plugin replaces `Row` with the narrowed row. What the row is made from — the tables and
their aliases, which are left-joined, what select() / returning() asked for — rides along on
the same `Instance` as one JSON string in mypy's `extra_attrs` (the slot mypy uses for the
attributes of a module object). mypy copies an `Instance` whole through `Self`, variables and
its cache, so the state follows the query; where it is lost (a join of two branches, a
parameter annotated with the stub class), the plugin falls back to what the stub type says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from mypy.types import (
    CallableType,
    ExtraAttrs,
    Instance,
    LiteralType,
    ProperType,
    Type,
    UnionType,
    get_proper_type,
)

from typedb.mypy_plugin._names import TableRef

#: The key of the state in `extra_attrs`: not an identifier, so no attribute access finds it.
KEY = "typedb query"

ItemKind = Literal["column", "aggregate", "all", "expr", "opaque"]


@dataclass(frozen=True, slots=True)
class Source:
    """A table of the query: the FROM table or a joined one."""

    table: str
    alias: str | None
    left: bool = False  # outer-joined: its columns are None where nothing matched

    @property
    def name(self) -> str:
        return self.alias or self.table


@dataclass(frozen=True, slots=True)
class Item:
    """One thing select() / returning() asked for.

    `column`: `text` is the column as written (`"u.email as contact"`); `aggregate`: `func`
    (count, sum, avg, min, max) over `text` (empty for `count()`), named `alias`; `all`:
    every column of table `text` (empty: of every table); `expr`: an expression named
    `text` by `.as_()`, whose value type is `func` (spelled by `_typetext`); `opaque`: a
    `typedb.sql()` fragment or anything the plugin cannot read, whose keys nobody knows.
    `bigint`: an `expr` that is a bigint in SQL, whose sum is numeric (see _sql_kinds).
    """

    kind: ItemKind
    text: str = ""
    func: str = ""
    alias: str | None = None
    bigint: bool = False


@dataclass(frozen=True, slots=True)
class Cte:
    """A common table expression the query may read: `with_("top(id, total)", query)`.
    `query` is None when the plugin could not read the defining query (its rows are loose)."""

    name: str
    columns: tuple[str, ...]
    query: QueryState | None


@dataclass(frozen=True, slots=True)
class QueryState:
    sources: tuple[Source, ...]
    #: None until select() / returning() is called: every column (of every table).
    items: tuple[Item, ...] | None = None
    #: The CTEs declared before select_from(): tables by name, typed by their queries.
    ctes: tuple[Cte, ...] = ()

    @staticmethod
    def of_table(ref: TableRef) -> QueryState:
        return QueryState((Source(ref.table, ref.alias),))

    @property
    def aliased(self) -> bool:
        return any(s.alias is not None for s in self.sources)

    def joined(self, ref: TableRef, kind: str) -> QueryState:
        """After `<kind>_join(ref)`: a left or full join's new table may match nothing, and a
        right or full join's earlier tables may (their columns are then None in rows)."""
        before = self.sources
        if kind in ("right", "full"):
            before = tuple(replace(s, left=True) for s in before)
        joined = Source(ref.table, ref.alias, kind in ("left", "full"))
        return replace(self, sources=(*before, joined))

    def selecting(self, items: tuple[Item, ...], add: bool) -> QueryState:
        """select() adds to what earlier select() calls asked for; returning() replaces."""
        before = self.items if add and self.items is not None else ()
        return replace(self, items=(*before, *items))

    def cte(self, name: str) -> Cte | None:
        return next((c for c in self.ctes if c.name == name), None)

    def encode(self) -> str:
        return json.dumps(self._data())

    def _data(self) -> dict[str, Any]:
        return {
            "sources": [[s.table, s.alias, s.left] for s in self.sources],
            "items": None
            if self.items is None
            else [[i.kind, i.text, i.func, i.alias, i.bigint] for i in self.items],
            "ctes": [[c.name, list(c.columns), c.query and c.query._data()] for c in self.ctes],
        }

    @staticmethod
    def decode(text: str) -> QueryState:
        return QueryState._of(json.loads(text))

    @staticmethod
    def _of(data: dict[str, Any]) -> QueryState:
        items = data["items"]
        return QueryState(
            tuple(Source(t, a, bool(left)) for t, a, left in data["sources"]),
            None if items is None else tuple(Item(*item) for item in items),
            tuple(
                Cte(n, tuple(cols), None if q is None else QueryState._of(q))
                for n, cols, q in data.get("ctes", ())
            ),
        )


def state_of(typ: ProperType) -> QueryState | None:
    """The state a query type carries, if any."""
    text = _attr(typ, KEY)
    return None if text is None else QueryState.decode(text)


def with_state(typ: Instance, state: QueryState, str_type: Instance) -> Instance:
    return _with_attr(typ, KEY, state.encode(), str_type)


def attr(typ: ProperType, key: str) -> str | None:
    """A note of the plugin's on a type (`extra_attrs`), by key."""
    return _attr(typ, key)


def with_attr(typ: Instance, key: str, text: str, str_type: Instance) -> Instance:
    return _with_attr(typ, key, text, str_type)


def _attr(typ: ProperType, key: str) -> str | None:
    if not isinstance(typ, Instance) or typ.extra_attrs is None:
        return None
    value = get_proper_type(typ.extra_attrs.attrs.get(key))
    return value.value if isinstance(value, LiteralType) and isinstance(value.value, str) else None


def _with_attr(typ: Instance, key: str, text: str, str_type: Instance) -> Instance:
    attrs = dict(typ.extra_attrs.attrs) if typ.extra_attrs is not None else {}
    attrs[key] = LiteralType(text, str_type)
    new = typ.copy_modified()
    new.extra_attrs = ExtraAttrs(attrs, immutable=set(attrs))
    return new


# -- aggregates --------------------------------------------------------------------------------

AGGREGATE_KEY = "typedb aggregate"


def aggregate_of(typ: ProperType) -> Item | None:
    """The aggregate an `fn.count("id").as_("n")` value describes, if the plugin saw it made."""
    text = _attr(typ, AGGREGATE_KEY)
    if text is None:
        return None
    func, column, alias = json.loads(text)
    return Item("aggregate", column, func, alias)


def with_aggregate(typ: Instance, item: Item, str_type: Instance) -> Instance:
    return _with_attr(typ, AGGREGATE_KEY, json.dumps([item.func, item.text, item.alias]), str_type)


def hand_to_callbacks(
    signature: CallableType, receiver: str, state: QueryState, str_type: Instance
) -> CallableType:
    """`signature` with every callback parameter whose first argument is a `receiver`
    instance (`lambda eb: ...`, `lambda on: ...`) given one that carries `state`."""

    def marked(typ: Type) -> Type:
        proper = get_proper_type(typ)
        if isinstance(proper, UnionType):
            return UnionType([marked(t) for t in proper.items], proper.line)
        if isinstance(proper, CallableType) and proper.arg_types:
            first = get_proper_type(proper.arg_types[0])
            if isinstance(first, Instance) and first.type.fullname == receiver:
                given = with_state(first, state, str_type)
                return proper.copy_modified(arg_types=[given, *proper.arg_types[1:]])
        return typ

    return signature.copy_modified(arg_types=[marked(t) for t in signature.arg_types])
