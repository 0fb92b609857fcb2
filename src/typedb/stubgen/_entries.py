"""Each table's query types in an index (db.pyi, async_db.pyi): a protocol and classes.

    class ItemsOf(Protocol):
        def select(self) -> Select[ItemsRow, ItemsTables, ItemsSoftDelete, Never, ItemsB0, ...]: ...
        def insert(self) -> InsertQuery[ItemsRow, ItemsInsert, ItemsUpsert, ItemsColumn]: ...
        ...
    class ItemsSelect(LazySelect[ItemsOf, ItemsSelect]): ...
    class ItemsInsertQuery(LazyInsertQuery[ItemsOf, ItemsInsertQuery]): ...

`db.select_from("items")` gives `ItemsSelect`, a class whose base names the protocol and the
class itself only: a checker building the dispatch's one overload per table builds that much,
and reads the protocol's member (the table's generic query type) only when a method is called
(see _lazy). One protocol per table, not per kind: mypy re-checks this module whenever a
table changes, and writes its cache again. Each facade holds its own tables' entries, so a
sync-only project never loads the async ones.
"""

from __future__ import annotations

from typedb.contracts import ContractTable as Table
from typedb.stubgen._buckets import Bucket, table_buckets
from typedb.stubgen._lazy import ENTRY_KINDS, MEMBERS, entry_name
from typedb.stubgen._table import Names


def entry_kinds(table: Table) -> tuple[str, ...]:
    """The generic classes a table's methods give (soft_delete/restore: a `deleted_at` table)."""
    if table.soft_deletes:
        return ENTRY_KINDS
    return tuple(k for k in ENTRY_KINDS if k not in ("SoftDeleteQuery", "RestoreQuery"))


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
    """An index's protocol and classes for every table: `ItemsOf`, `ItemsSelect`, ..."""
    prefix = "Async" if awaited else ""
    out: list[str] = []
    for table in tables:
        n = names[table.name]
        # One protocol per table, a member per kind: each entry reads only its own member.
        of = f"{n.prefix}{prefix}Of"
        kinds = _arguments(table, n, buckets, index)
        out.append(f"class {of}(Protocol):\n")
        out += [
            f"    def {MEMBERS[k]}(self) -> {prefix}{k}[{args}]: ...\n" for k, args in kinds.items()
        ]
        out += [
            f"class {query_name(n, k, awaited)}({entry_name(k, awaited)}[{of}, "
            f"{query_name(n, k, awaited)}]): ...\n"
            for k in kinds
        ]
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
