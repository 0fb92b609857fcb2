"""Contracts: TypedDict tables, merged from core and module files into one `Database` registry.

from typedb.contracts import Generated, SoftDeleteTable, TimestampTable

class ItemsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    name: str

class Database(TypedDict):
    items: ItemsTable
"""

from typedb.contracts._base import GENERATED, Generated, SoftDeleteTable, TimestampTable
from typedb.contracts._metadata import MISSING, Column, Index, Table
from typedb.contracts._registry import (
    ContractColumn,
    ContractTable,
    ContractWarning,
    Registry,
    contract_files,
    load_file,
    load_registry,
    merge,
)
from typedb.contracts._schema import Difference, LiveColumn, compare, live_schema, type_family
from typedb.contracts._types import ColumnType, column_type

__all__ = [
    "GENERATED",
    "MISSING",
    "Column",
    "ColumnType",
    "ContractColumn",
    "ContractTable",
    "ContractWarning",
    "Difference",
    "Generated",
    "Index",
    "LiveColumn",
    "Registry",
    "SoftDeleteTable",
    "Table",
    "TimestampTable",
    "column_type",
    "compare",
    "contract_files",
    "live_schema",
    "load_file",
    "load_registry",
    "merge",
    "type_family",
]
