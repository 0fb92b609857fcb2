"""Each table's query types in an index (db.pyi, async_db.pyi): protocols and classes.

    class ItemsSelectOf(Protocol):
        def q(self) -> Select[ItemsRow, ItemsTables, ItemsSoftDelete, Never, ItemsB0, ...]: ...
    class ItemsSelect(_LazySelect[ItemsSelectOf, ItemsSelect]): ...

`db.select_from("items")` gives `ItemsSelect`, a class whose base names the protocol and the
class itself only: a checker building the dispatch's one overload per table builds that much,
and reads the protocol's member (the table's generic query type) only when a method is called
(see _lazy). A protocol per kind, not one per table with a member per kind: measured at 500
tables, pyright took 12.1-12.9 s over the benchmark's queries with one per table, 9.8-10.5
with one per kind. Each facade holds its own tables' entries, so a sync-only project never
loads the async ones.
"""

from __future__ import annotations

from typedb.contracts import ContractTable as Table
from typedb.stubgen._buckets import Bucket, table_buckets
from typedb.stubgen._lazy import ENTRY_KINDS, MEMBER, entry_name
from typedb.stubgen._table import Names


def entry_kinds(table: Table) -> tuple[str, ...]:
    """The generic classes a table's methods give (soft_delete/restore: a `deleted_at` table)."""
    if table.soft_deletes:
        return ENTRY_KINDS
    return tuple(k for k in ENTRY_KINDS if k not in ("SoftDeleteQuery", "RestoreQuery"))


def entry_base(entry: str) -> str:
    """The name an index gives a lazy entry it imports (`LazySelect` as `_LazySelect`): no
    table-derived name starts with `_`, and a table named `lazy` has its own `LazySelect`
    (a table's classes are its prefix and the kind), which the import would otherwise be."""
    return f"_{entry}"


def query_name(n: Names, kind: str, awaited: bool) -> str:
    """The name of a table's query type: `ItemsSelect`, `ItemsAsyncInsertQuery`, ..."""
    return f"{n.prefix}{'Async' if awaited else ''}{kind}"


def render_entries(
    tables: list[Table],
    names: dict[str, Names],
    buckets: list[Bucket],
    index: dict[str, int],
    awaited: bool,
) -> str:
    """An index's protocols and classes for every table: `ItemsSelectOf`, `ItemsSelect`, ..."""
    prefix = "Async" if awaited else ""
    out: list[str] = []
    for table in tables:
        n = names[table.name]
        for kind, args in _arguments(table, n, buckets, index).items():
            name = query_name(n, kind, awaited)
            out.append(
                f"class {name}Of(Protocol):\n"
                f"    def {MEMBER}(self) -> {prefix}{kind}[{args}]: ...\n"
                f"class {name}({entry_base(entry_name(kind, awaited))}[{name}Of, {name}]): ...\n"
            )
    return "".join(out)


def _arguments(
    table: Table, n: Names, buckets: list[Bucket], index: dict[str, int]
) -> dict[str, str]:
    """The generic class's type arguments for the table, by kind."""
    p, own = n.prefix, table_buckets(table, index)
    # The table module's names for its Literals, not the Literals written out: a column
    # change then rewrites that module alone (pyright's messages say "ItemsB4" for it).
    bs = ", ".join(f"{p}B{b.index}" if b.index in own else "Never" for b in buckets)
    soft = f"{p}SoftDelete"
    filtered = f"{p}Row, {p}Update, {p}Column, {soft}, {bs}"
    arguments = {
        "Select": f"{p}Row, {p}Tables, {soft}, Never, {bs}",
        "InsertQuery": f"{p}Row, {p}Insert, {p}Upsert, {p}Column",
        "UpdateQuery": filtered,
        "DeleteQuery": filtered,
        "SoftDeleteQuery": filtered,
        "RestoreQuery": filtered,
    }
    return {k: arguments[k] for k in entry_kinds(table)}
