"""The row a query gives back, as a TypedDict: selected keys, aliases, joins, aggregates.

Mirrors the runtime: a column comes back under its own name (`"u.email"` is `email`) or its
alias; an aggregate under its alias or its function's name (`count`), as PostgreSQL names
it; a left-joined table's columns may be None; no select() is every column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mypy.plugin import CheckerPluginInterface
from mypy.typeops import make_simplified_union
from mypy.types import Instance, NoneType, Type, TypedDictType, UnionType, get_proper_type

from typedb.mypy_plugin._names import column_ref
from typedb.mypy_plugin._scope import Resolved, Scope, Table
from typedb.mypy_plugin._state import Item
from typedb.mypy_plugin._typetext import text_type

AGGREGATES = ("count", "sum", "avg", "min", "max")


@dataclass
class Row:
    """Keys in select order with their types and where each came from (for messages)."""

    types: dict[str, Type] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    #: False when an item's keys cannot be known (a typedb.sql() fragment).
    known: bool = True
    #: Keys holding a bigint, whose sum is numeric: a CTE over this row passes them on.
    numeric_sums: set[str] = field(default_factory=set)

    def add(self, key: str, typ: Type, origin: str, rename: str | None) -> None:
        """`rename`, how to give this item another name: two items the query names are not
        allowed one name (the runtime refuses them, see typedb.query._output_names); without
        it (a `*` over a join) the last one wins, as in the row dict."""
        if rename is not None and key in self.explicit:
            self.errors.append(
                f"two selected columns are both named {key!r} ({self.origins[key]} and "
                f"{origin}): one would overwrite the other in the row; give one an alias, "
                f"e.g. {rename}"
            )
            return
        self.types[key] = typ
        self.origins[key] = origin
        if rename is not None:
            self.explicit.add(key)


def _column_rename(text: str, key: str) -> str:
    """How the runtime's message suggests renaming a column: `"b.name as b_name"`."""
    ref = column_ref(text)
    prefix = f"{ref.qualifier.replace('.', '_')}_" if ref.qualifier else "other_"
    return f'"{ref.text} as {prefix}{key}"'


def nullable(typ: Type) -> Type:
    return make_simplified_union([typ, NoneType()])


def column_type(resolved: Resolved) -> Type:
    """A column's type in a row: None added when its table is left-joined."""
    typ = resolved.type
    return nullable(typ) if resolved.table.source.left else typ


def describe_aggregate(item: Item) -> str:
    """`fn.count('id').as_('n')`, as the query wrote it."""
    column = repr(item.text) if item.text else ""
    alias = f".as_({item.alias!r})" if item.alias else ""
    return f"fn.{item.func}({column}){alias}"


def aggregate_type(
    item: Item, scope: Scope, named: Callable[[str], Instance]
) -> tuple[Type, Resolved | None] | str:
    """What `fn.<func>(column)` gives, or the message saying why it gives nothing.

    count is int; sum and avg of Decimal are Decimal | None (avg of an int column too, as
    PostgreSQL's numeric, and sum of a bigint: PostgreSQL sums it as numeric, where a smaller
    integer sums to a bigint, an int); min and max the column's type | None (no rows: NULL).
    """
    if item.func == "count":
        if not item.text or item.text == "*":
            return named("builtins.int"), None
        found = scope.resolve(column_ref(item.text))
        return found if isinstance(found, str) else (named("builtins.int"), found)
    if not item.text:
        return f"fn.{item.func}() needs a column"
    found = scope.resolve(column_ref(item.text))
    if isinstance(found, str):
        return found
    base = _without_none(found.type)
    avg_numeric = item.func == "avg" and _named(base) in ("builtins.int", "decimal.Decimal")
    sum_numeric = item.func == "sum" and _bigint(found)
    if avg_numeric or sum_numeric:
        base = named("decimal.Decimal")
    return nullable(base), found


def _without_none(typ: Type) -> Type:
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        return make_simplified_union(
            [t for t in proper.items if not isinstance(get_proper_type(t), NoneType)]
        )
    return typ


def has_none(typ: Type) -> bool:
    """Whether a value of `typ` may be None (a nullable column's type)."""
    proper = get_proper_type(typ)
    return isinstance(proper, UnionType) and any(
        isinstance(get_proper_type(t), NoneType) for t in proper.items
    )


def _named(typ: Type) -> str | None:
    proper = get_proper_type(typ)
    return proper.type.fullname if isinstance(proper, Instance) else None


def row_of(
    items: tuple[Item, ...] | None,
    scope: Scope,
    named: Callable[[str], Instance],
) -> Row:
    """The row of a query reading `scope` that asked for `items` (None: every column)."""
    row = Row()
    if items is None:
        _all(row, scope.tables)
        return row
    for item in items:
        if item.kind == "opaque":
            row.known = False
        elif item.kind == "all":
            if not item.text:
                _all(row, scope.tables)
            else:
                table = scope.find(item.text)
                if table is None:
                    row.errors.append(
                        f"select_all({item.text!r}): no table or alias {item.text!r} in the "
                        f"query, which reads {scope.describe()}"
                    )
                else:
                    _all(row, (table,))
        elif item.kind == "expr":
            # `(eb.ref("price") * 2).as_("doubled")`: its alias, its type as noted by as_().
            row.add(item.text, text_type(item.func, named), f".as_({item.text!r})", '.as_("other")')
            if item.bigint:
                row.numeric_sums.add(item.text)
        elif item.kind == "aggregate":
            typed = aggregate_type(item, scope, named)
            if isinstance(typed, str):
                row.errors.append(typed)
                continue
            key = item.alias or item.func
            row.add(key, typed[0], describe_aggregate(item), f'.as_("{item.func}_{key}")')
            if item.func in ("min", "max") and _bigint(typed[1]):
                row.numeric_sums.add(key)  # min and max of a bigint are a bigint
            elif item.func == "count" or (item.func == "sum" and _is_int(typed[0])):
                row.numeric_sums.add(key)  # so are count() and the sum of smaller integers
        else:
            ref = column_ref(item.text)
            if ref.column == "*":
                table = scope.find(ref.qualifier) if ref.qualifier else None
                _all(row, scope.tables if table is None else (table,))
                continue
            found = scope.resolve(ref)
            if isinstance(found, str):
                row.errors.append(found)
                continue
            row.add(
                ref.key, column_type(found), repr(item.text), _column_rename(item.text, ref.key)
            )
            if _bigint(found):
                row.numeric_sums.add(ref.key)
    return row


def _is_int(typ: Type) -> bool:
    return _named(_without_none(typ)) == "builtins.int"


def _bigint(found: Resolved | None) -> bool:
    """Whether a column's sum is numeric (see `aggregate_type`)."""
    return found is not None and found.column in found.table.numeric_sums


def _all(row: Row, tables: tuple[Table, ...]) -> None:
    for table in tables:
        if table.open:
            row.known = False  # its columns are not known: neither are the row's keys
        for key, typ in table.row.items.items():
            typ = nullable(typ) if table.source.left else typ
            row.add(key, typ, repr(f"{table.source.name}.{key}"), None)
            if key in table.numeric_sums:
                row.numeric_sums.add(key)


def typed_dict(row: Row, api: CheckerPluginInterface) -> TypedDictType:
    return TypedDictType(
        dict(row.types),
        required_keys=set(row.types),
        readonly_keys=set(),
        fallback=api.named_generic_type("typing._TypedDict", []),
    )
