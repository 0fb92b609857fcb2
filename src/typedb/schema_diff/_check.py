"""`contracts:check`: the diff between the live schema and the contracts, told as what
disagrees, plus the live tables no contract declares.

A table whose contract has no metadata is checked as before metadata existed: its columns
(present on both sides, the Python type of the column's type family, `| None` matching
nullability, a column inserts may leave out having a default). Once a table has metadata
(`Annotated[..., Column(...)]` on a column or `Table(...)` on the table) the contract is
taken to describe the table whole: exact types, defaults, keys, indexes and checks too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from typedb.contracts import ContractTable, Registry
from typedb.contracts._registry import _shown
from typedb.contracts._schema import Difference, type_family
from typedb.schema_diff._changes import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddTable,
    AddUnique,
    AlterColumnDefault,
    AlterColumnNullable,
    AlterColumnType,
    AlterPrimaryKey,
    Change,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    describe,
)
from typedb.schema_diff._diff import diff
from typedb.schema_diff._from_contracts import from_registry
from typedb.schema_diff._introspect import from_database
from typedb.schema_diff._model import ColumnSchema, Schema

if TYPE_CHECKING:
    from typedb.connection import Database


def check_contracts(
    registry: Registry, db: Database, migration_table: str = "typedb_migrations"
) -> list[Difference]:
    """Every way the contracts and the live database disagree ([] when they agree), sorted
    by table and column."""
    live = from_database(db, exclude=(migration_table,))
    return differences(registry, live, from_registry(registry, db.dialect.name, live))


def differences(registry: Registry, live: Schema, wanted: Schema) -> list[Difference]:
    out: list[Difference] = []
    reported: set[tuple[str, str]] = set()
    for change in diff(live, wanted):
        contract = registry.tables.get(change.table)
        found = _difference(change, contract, has_metadata(contract))
        if found is not None:
            out.append(found)
            if found.column is not None:
                reported.add((found.table, found.column))
    out += _omittable_without_default(registry, live, reported)
    return sorted(out, key=lambda d: (d.table, d.column or ""))


def has_metadata(contract: ContractTable | None) -> bool:
    return contract is not None and (
        contract.meta is not None or any(c.meta is not None for c in contract.columns)
    )


def _difference(change: Change, contract: ContractTable | None, strict: bool) -> Difference | None:
    t = change.table
    match change:
        case AddTable():
            source = "a contract" if contract is None else _shown(contract.source, Path.cwd())
            return Difference(t, None, f"table is in {source} but not in the database")
        case DropTable():
            return Difference(
                t,
                None,
                "table is in the database but no contract declares it "
                f"(`typedb contracts:generate --table {t}` writes one)",
            )
        case AddColumn(column=c):
            return Difference(t, c.name, "column is in the contract but not in the database")
        case DropColumn(column=c):
            return Difference(t, c.name, "column is in the database but not in the contract")
        case AlterColumnType(old=live, new=want):
            return _type_difference(t, live, want, contract, strict)
        case AlterColumnNullable(new=want):
            if want.nullable:
                return Difference(
                    t, want.name, "the contract allows None but the column is NOT NULL"
                )
            text = _contract_type(contract, want.name)
            return Difference(
                t,
                want.name,
                f"the column is nullable but the contract does not allow None "
                f"(declare it `{text} | None`)",
            )
        case AlterColumnDefault(old=live, new=want) if strict:
            return Difference(
                t,
                want.name,
                f"the contract's default is {_default(want)} but the database's is {_default(live)}",
            )
        case AlterPrimaryKey() if strict:
            return Difference(t, None, describe(change).partition(": ")[2])
        case AddUnique() | AddForeignKey() | AddIndex() | AddCheck() if strict:
            what = describe(change).partition(": add ")[2]
            return Difference(t, None, f"{what} is in the contract but not in the database")
        case DropUnique() | DropForeignKey() | DropIndex() | DropCheck() if strict:
            what = describe(change).partition(": drop ")[2]
            return Difference(t, None, f"{what} is in the database but not in the contract")
        case _:
            return None


def _type_difference(
    t: str, live: ColumnSchema, want: ColumnSchema, contract: ContractTable | None, strict: bool
) -> Difference | None:
    text = _contract_type(contract, want.name)
    if strict:
        if live.type == want.type:
            shown = "auto-increments" if want.auto_increment else "does not auto-increment"
            return Difference(t, want.name, f"the contract says the column {shown}")
        return Difference(
            t,
            want.name,
            f"the contract says {want.type} ({text}) but the database column is {live.type}",
        )
    expected, actual = type_family(want.type), type_family(live.type)
    if "unknown" in (expected, actual) or expected == actual:
        return None
    return Difference(
        t,
        want.name,
        f"the contract says {text} ({expected}) but the database column is {live.type} ({actual})",
    )


def _contract_type(contract: ContractTable | None, column: str) -> str:
    found = contract.column(column) if contract is not None else None
    return found.type.text if found is not None else "?"


def _default(column: ColumnSchema) -> str:
    d = column.default
    if d is None:
        return "none"
    if d.kind == "now":
        return "now"
    return f"sql({d.sql})" if d.kind == "sql" else repr(d.value)


def _omittable_without_default(
    registry: Registry, live: Schema, reported: set[tuple[str, str]]
) -> Sequence[Difference]:
    """Contract columns inserts may leave out (Generated, NotRequired, a default) that are
    NOT NULL without a default in the database: every such insert would fail."""
    out: list[Difference] = []
    for contract in registry:
        table = live.table(contract.name)
        if table is None:
            continue
        for column in contract.columns:
            found = table.column(column.name)
            if (
                found is None
                or column.required_on_insert
                or (contract.name, column.name) in reported
            ):
                continue
            if not found.nullable and found.default is None and not found.auto_increment:
                out.append(
                    Difference(
                        contract.name,
                        column.name,
                        "the contract lets inserts leave it out (Generated / NotRequired) but "
                        "the column is NOT NULL without a default",
                    )
                )
    return out
