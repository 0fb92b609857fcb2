"""The schema the contracts describe: the default mapping of DESIGN, refined by metadata.

Without metadata a column maps by its Python type (int `integer`, str `text`, ...), `| None`
is nullable, a `Literal` of strings is `text` with a CHECK of its values, `Generated[int]`
named `id` is `add_id_column()`, and TimestampTable's columns default to now.
"""

from __future__ import annotations

from typedb._errors import ContractError
from typedb._sql import Fragment
from typedb.contracts import ContractColumn, ContractTable, Registry
from typedb.schema_diff._model import (
    Check,
    ColumnSchema,
    Default,
    FkAction,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    Schema,
    TableSchema,
    Unique,
    fk_action,
)
from typedb.schema_diff._normalize import default_from_sql, default_value, portable_type

_FAMILY_TYPES = {
    "int": "integer", "str": "text", "bool": "boolean", "float": "double precision",
    "decimal": "numeric", "datetime": "timestamp", "date": "date", "time": "time",
    "uuid": "uuid", "bytes": "bytea", "json": "jsonb", "interval": "interval",
}  # fmt: skip
_TEMPORAL = {"timestamp", "timestamptz", "date", "time"}


def from_registry(registry: Registry, dialect: str, reference: Schema | None = None) -> Schema:
    """The schema of every table in `registry`, for `dialect` ("sqlite" or "postgresql").

    `reference` (e.g. the live schema) settles what a contract leaves open: a `Generated[T]`
    column without `Column(default=...)` says only that the database fills it, so it takes
    the default (or auto-increment) the reference column has; a column whose Python type maps
    to no SQL type (a union) takes the reference column's type. Without a reference such a
    column is a ContractError asking for `Column(type=...)`.
    """
    return Schema(tuple(table_schema(t, dialect, reference) for t in registry))


def table_schema(
    table: ContractTable, dialect: str, reference: Schema | None = None
) -> TableSchema:
    name = table.name
    ref_table = reference.table(name) if reference is not None else None
    columns: list[ColumnSchema] = []
    uniques: list[Unique] = []
    fks: list[ForeignKey] = []
    indexes: list[IndexSchema] = []
    checks: list[Check] = []
    meta = table.meta
    pk_columns = meta.primary_key if meta is not None else None
    for c in table.columns:
        where = f"{table.source}: table {name!r}, column {c.name!r}"
        known = ref_table.column(c.name) if ref_table is not None else None
        column = _column(c, dialect, where, known.type if known is not None else None)
        if (
            pk_columns is None
            and c.name == "id"
            and c.type.generated
            and column.type in ("integer", "bigint", "smallint")
        ):
            pk_columns = ("id",)
        if c.type.generated and not column.auto_increment and column.default is None:
            column = _settled(column, ref_table.column(c.name) if ref_table else None)
        columns.append(column)
        m = c.meta
        if c.type.choices and all(isinstance(v, str) for v in c.type.choices):
            values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in c.type.choices)
            checks.append(Check(f"{name}_{c.name}_check", f"{c.name} IN ({values})"))
        if m is None:
            continue
        if m.unique:
            uniques.append(Unique(f"{name}_{c.name}_key", (c.name,)))
        if m.index:
            indexes.append(IndexSchema(f"{name}_{c.name}_index", (c.name,)))
        if m.check is not None:
            suffix = "" if not any(k.name == f"{name}_{c.name}_check" for k in checks) else "1"
            checks.append(Check(f"{name}_{c.name}_check{suffix}", m.check))
        if m.references is not None:
            target, _, target_column = m.references.rpartition(".")
            fks.append(
                ForeignKey(
                    f"{name}_{c.name}_fkey",
                    (c.name,),
                    target,
                    (target_column,),
                    _action(m.on_delete),
                    _action(m.on_update),
                )
            )
    if pk_columns is not None:
        columns = [
            ColumnSchema(c.name, c.type, False, c.default, c.auto_increment)
            if c.name in pk_columns
            else c
            for c in columns
        ]
    if meta is not None:
        for cols in meta.uniques:
            uniques.append(Unique("_".join((name, *cols, "key")), cols))
        for index in meta.indexes:
            indexes.append(IndexSchema(index.name, index.columns, index.unique, index.where))
        for i, expression in enumerate(meta.checks):
            checks.append(Check(f"{name}_check{i or ''}", expression))
    return TableSchema(
        name,
        tuple(columns),
        None if pk_columns is None else PrimaryKey(f"{name}_pkey", pk_columns),
        tuple(uniques),
        tuple(fks),
        tuple(indexes),
        tuple(checks),
    )


def column_type_name(column: ContractColumn, dialect: str) -> str:
    """The portable type of a contract column: `Column(type=...)`, else by its Python type."""
    if column.meta is not None and column.meta.type is not None:
        return portable_type(column.meta.type, dialect)
    family = column.type.family
    if family == "any":
        raise ContractError(
            f"column {column.name!r} is {column.type.text}: typedb cannot tell its SQL type; "
            "say it with Annotated[..., Column(type='...')]"
        )
    return portable_type(_FAMILY_TYPES[family], dialect)


def _column(
    c: ContractColumn, dialect: str, where: str, reference_type: str | None
) -> ColumnSchema:
    try:
        type_name = column_type_name(c, dialect)
    except ContractError as exc:
        # A type typedb cannot map (a union, Any without metadata): the reference says it.
        if reference_type is None:
            raise ContractError(f"{where}: {exc}") from None
        type_name = reference_type
    auto = c.name == "id" and c.type.generated and type_name in ("integer", "bigint", "smallint")
    default: Default | None = None
    if c.meta is not None and c.meta.has_default:
        default = _default(c.meta.default, type_name)
    elif c.type.generated and not auto and type_name in _TEMPORAL:
        default = Default.now()  # TimestampTable's columns, add_timestamp_columns()
    return ColumnSchema(c.name, type_name, c.nullable, default, auto)


def _default(value: object, type_name: str) -> Default | None:
    if value is None:
        return None
    if isinstance(value, Fragment):
        return default_from_sql(value.text, type_name)
    return Default.of(default_value(value, type_name))


def _settled(column: ColumnSchema, live: ColumnSchema | None) -> ColumnSchema:
    if live is None or live.type != column.type:
        return column
    return ColumnSchema(
        column.name, column.type, column.nullable, live.default, live.auto_increment
    )


def _action(action: str | None) -> FkAction:
    return fk_action(action)
