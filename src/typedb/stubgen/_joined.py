"""`_db/_joined.pyi`: what a join of each table gives, one small generic class per table.

    class ItemsJoined(Select[dict[str, Any], Tables | Literal["items"], ..., B0 | ItemsB0, ...],
                      Generic[Tables, SoftDel, Loose, B0, ..., Bk]): ...

`Join.__call__` has two overloads per table (columns, `lambda on:`). Written with the
union inline (`-> Select[..., B0 | _items.ItemsB0, ...]`), a checker that specializes a
`Join[...]` for the query being joined builds every overload's return type, unions of the
joined table's Literals included: ty does so for all of them at each join of a new query
type (~25 ms per join at 500 tables, whichever table is joined). Naming a per-table class
instead (`-> _joined.ItemsJoined[Tables, SoftDel, Loose, B0, ...]`) leaves only a
substitution of the query's own parameters per overload; the unions are built once the
class's methods are looked up, for the table actually joined. The classes live outside
`_query` so the mypy plugin's `as_generic` sees them as per-table subclasses of `Select`,
as it does db.pyi's `ItemsSelect`.
"""

from __future__ import annotations

from typedb.contracts import ContractTable as Table
from typedb.stubgen._buckets import Bucket, table_buckets
from typedb.stubgen._table import HEADER, Names, quote

_QUERY = "typedb.facades._db._query"


def joined_class(n: Names, awaited: bool) -> str:
    """The name of the class a join of table `n` gives (`ItemsJoined`, `ItemsJoinedAsync`: a
    suffix, so no table's sync name is another's async one)."""
    return f"{n.prefix}Joined{'Async' if awaited else ''}"


def render_joined(
    tables: list[Table], names: dict[str, Names], buckets: list[Bucket], index: dict[str, int]
) -> str:
    bs = ", ".join(b.var for b in buckets)
    out = [
        HEADER,
        '"""What a join of each table gives; see typedb/stubgen/_joined.py."""\n\n',
        "from typing import Any, Generic, Literal\n\n",
        f"from {_QUERY} import AsyncSelect, Select, Tables, SoftDel, Loose"
        + "".join(f", {b.var}" for b in buckets)
        + "\n",
        "from typedb.facades._db._common import SoftDeletes\n",
    ]
    out += [f"from typedb.facades._db import {names[t.name].module} as _{names[t.name].module}\n"
            for t in tables]  # fmt: skip
    out.append("\n")
    for awaited in (False, True):
        cls = "AsyncSelect" if awaited else "Select"
        for table in tables:
            n = names[table.name]
            own = set(table_buckets(table, index))
            module = f"_{n.module}"
            soft = "SoftDel | SoftDeletes" if table.soft_deletes else "SoftDel"
            params = [
                f"{b.var} | {module}.{n.prefix}B{b.index}" if b.index in own else b.var
                for b in buckets
            ]
            out.append(
                f"class {joined_class(n, awaited)}({cls}[dict[str, Any], Tables | "
                f"Literal[{quote(table.name)}], {soft}, Loose, {', '.join(params)}], "
                f"Generic[Tables, SoftDel, Loose, {bs}]): ...\n"
            )
    return "".join(out)
