"""A live table as contract source code: the class, its `Database` entry and the imports it
needs, with `Annotated[..., Column(...)]` only where the default mapping does not say enough
(see `_from_contracts`), so that reading the code back gives the same schema model."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from typedb.schema_diff._model import Check, ColumnSchema, Default, TableSchema
from typedb.schema_diff._normalize import portable_type, sql_key

#: Portable type -> (Python type as written, the portable type that Python type maps to).
_PYTHON: dict[str, tuple[str, str]] = {
    "integer": ("int", "integer"), "bigint": ("int", "integer"), "smallint": ("int", "integer"),
    "text": ("str", "text"), "varchar": ("str", "text"), "char": ("str", "text"),
    "boolean": ("bool", "boolean"), "real": ("float", "double precision"),
    "double precision": ("float", "double precision"), "numeric": ("Decimal", "numeric"),
    "timestamp": ("datetime", "timestamp"), "timestamptz": ("datetime", "timestamp"),
    "date": ("date", "date"), "time": ("time", "time"), "uuid": ("UUID", "uuid"),
    "json": ("dict[str, Any]", "jsonb"), "jsonb": ("dict[str, Any]", "jsonb"),
    "bytea": ("bytes", "bytea"),
}  # fmt: skip
_IMPORTS = {
    "Decimal": ("decimal", "Decimal"),
    "datetime": ("datetime", "datetime"),
    "date": ("datetime", "date"),
    "time": ("datetime", "time"),
    "UUID": ("uuid", "UUID"),
    "dict[str, Any]": ("typing", "Any"),
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class ContractCode:
    """One table's contract: `classes` is the class source, `entry` its `Database` line."""

    table: str
    class_name: str
    classes: str
    entry: str
    imports: set[tuple[str, str]] = field(default_factory=set[tuple[str, str]])
    notes: list[str] = field(default_factory=list[str])


def class_name(table: str) -> str:
    """`blog__posts` -> `BlogPostsTable`.

    >>> class_name("blog__posts"), class_name("order_items")
    ('BlogPostsTable', 'OrderItemsTable')
    """
    words = [w for w in re.split(r"[^A-Za-z0-9]+", table) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) + "Table"
    return name if _IDENTIFIER.match(name) else f"T{name}"


def is_writable(table: TableSchema) -> str | None:
    """Why a table cannot be written as a TypedDict class (None when it can)."""
    import keyword

    for name in (table.name, *table.column_names):
        if not _IDENTIFIER.match(name) or keyword.iskeyword(name):
            return f"{name!r} is not a Python identifier"
    return None


def contract_code(table: TableSchema, dialect: str, name: str | None = None) -> ContractCode:
    code = ContractCode(table.name, name or class_name(table.name), "", "")
    imports = code.imports
    imports.add(("typing", "TypedDict"))
    bases = _bases(table)
    skipped = {c for base in bases for c in _BASE_COLUMNS[base]}
    for base in bases:
        imports.add(("typedb.contracts", base))
    pk = table.primary_key.columns if table.primary_key else None
    implied_pk = False
    lines: list[str] = []
    literal_checks = _literal_checks(table)
    used_checks: set[str] = {c.name for c in literal_checks.values()}
    single_uniques = {u.columns[0] for u in table.uniques if len(u.columns) == 1}
    fks = {f.columns[0]: f for f in table.foreign_keys if len(f.columns) == 1}
    column_indexes = {
        i.columns[0]
        for i in table.indexes
        if len(i.columns) == 1
        and not i.unique
        and i.where is None
        and i.name == f"{table.name}_{i.columns[0]}_index"
    }
    column_checks: dict[str, Check] = {}
    for check in table.checks:
        if check.name in used_checks:
            continue
        owner = check.name.removeprefix(f"{table.name}_").removesuffix("_check")
        if table.column(owner) is not None and owner not in column_checks:
            column_checks[owner] = check
            used_checks.add(check.name)
    for column in table.columns:
        if column.name in skipped:
            continue
        generated = False
        if column.auto_increment and column.name == "id" and pk == ("id",):
            implied_pk = True
            generated = column.type in ("integer", "bigint", "smallint")
        python, mapped = _python_type(column, dialect, code)
        choices = literal_checks.get(column.name)
        if choices is not None:
            imports.add(("typing", "Literal"))
            python = f"Literal[{', '.join(repr(v) for v in _literal_values(choices))}]"
        args: list[str] = []
        if column.type != mapped and not (generated and column.type == "integer"):
            args.append(f"type={column.type!r}")
        if column.name in single_uniques:
            args.append("unique=True")
        if column.name in column_indexes:
            args.append("index=True")
        default = column.default
        is_now = default is not None and default.kind == "now" and python == "datetime"
        if default is not None and not (is_now and not column.nullable):
            args.append(f"default={_default_code(default, column, code)}")
        elif is_now:
            generated = True
        if column.auto_increment and not generated:
            generated = True  # the database fills it; `contracts:check` reads its kind live
        fk = fks.get(column.name)
        if fk is not None:
            args.append(f"references={f'{fk.ref_table}.{fk.ref_columns[0]}'!r}")
            if fk.on_delete != "no action":
                args.append(f"on_delete={fk.on_delete!r}")
            if fk.on_update != "no action":
                args.append(f"on_update={fk.on_update!r}")
        if column.name in column_checks:
            args.append(f"check={_emitted_sql(column_checks[column.name].expression)!r}")
        text = f"Generated[{python}]" if generated else python
        if generated:
            imports.add(("typedb.contracts", "Generated"))
        if column.nullable:
            text = f"{text} | None"
        if args:
            imports.add(("typing", "Annotated"))
            imports.add(("typedb.contracts", "Column"))
            text = f"Annotated[{text}, Column({', '.join(args)})]"
        lines.append(f"    {column.name}: {text}\n")
    body = "".join(lines) or "    pass\n"
    if not lines and not bases:
        code.notes.append(f"{table.name}: a table needs at least one column")
    base_text = ", ".join(bases) if bases else "TypedDict"
    code.classes = f"class {code.class_name}({base_text}):\n{body}"
    table_args = _table_args(
        table, pk, implied_pk, single_uniques, column_indexes, used_checks, code
    )
    entry = code.class_name
    if table_args:
        imports.update({("typing", "Annotated"), ("typedb.contracts", "Table")})
        entry = f"Annotated[{code.class_name}, Table({', '.join(table_args)})]"
    code.entry = f"    {table.name}: {entry}\n"
    multi_fks = [f for f in table.foreign_keys if len(f.columns) > 1]
    for f in multi_fks:
        code.notes.append(
            f"{table.name}: the foreign key ({', '.join(f.columns)}) -> {f.ref_table} cannot be "
            "said in a contract (only single-column references=)"
        )
    return code


_BASE_COLUMNS = {
    "TimestampTable": ("created_at", "updated_at"),
    "SoftDeleteTable": ("deleted_at",),
}


def _bases(table: TableSchema) -> list[str]:
    bases: list[str] = []
    created, updated = table.column("created_at"), table.column("updated_at")
    now = Default.now()
    if all(
        c is not None and c.type == "timestamp" and not c.nullable and c.default == now
        for c in (created, updated)
    ):
        bases.append("TimestampTable")
    deleted = table.column("deleted_at")
    if (
        deleted is not None
        and deleted.type == "timestamp"
        and deleted.nullable
        and not deleted.default
    ):
        bases.append("SoftDeleteTable")
    return bases


def _python_type(column: ColumnSchema, dialect: str, code: ContractCode) -> tuple[str, str]:
    base = column.type.partition("(")[0]
    found = _PYTHON.get(base)
    if found is None:
        code.imports.add(("typing", "Any"))
        code.notes.append(
            f"{code.table}.{column.name}: type {column.type} has no portable name; written as Any"
        )
        return "Any", column.type
    python, mapped = found
    if python in _IMPORTS:
        code.imports.add(_IMPORTS[python])
    return python, portable_type(mapped, dialect)


def _literal_checks(table: TableSchema) -> dict[str, Check]:
    """Checks that say `column IN ('a', 'b')` on a text column: a Literal says them."""
    found: dict[str, Check] = {}
    for check in table.checks:
        values = _literal_values(check)
        for column in table.columns:
            if column.name in found or column.type.partition("(")[0] not in ("text", "varchar"):
                continue
            if column.type != "text" and not values:
                continue
            quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
            if values and sql_key(check.expression) == sql_key(f"{column.name} IN ({quoted})"):
                found[column.name] = check
    return found


def _literal_values(check: Check) -> list[str]:
    return [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", check.expression)]


def _default_code(default: Default, column: ColumnSchema, code: ContractCode) -> str:
    if default.kind == "now":
        code.imports.add(("typedb", "sql"))
        return 'sql("CURRENT_TIMESTAMP")'
    if default.kind == "sql":
        code.imports.add(("typedb", "sql"))
        return f"sql({default.sql!r})"
    value = default.value
    base = column.type.partition("(")[0]
    if isinstance(value, Decimal):
        code.imports.add(("decimal", "Decimal"))
        text = str(value)
        # Decimal(0), not Decimal("0"): what ruff's FURB157 asks for a whole number.
        return f"Decimal({text})" if text.lstrip("-").isdigit() else f'Decimal("{text}")'
    if base in ("json", "jsonb") and isinstance(value, str):
        return repr(json.loads(value))
    if isinstance(value, str) and base in ("date", "time", "timestamp", "timestamptz", "uuid"):
        # The contract's annotation is a date / UUID...: say the literal as SQL text.
        code.imports.add(("typedb", "sql"))
        return f"sql({_sql_text(value)!r})"
    return repr(value)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _emitted_sql(expression: str) -> str:
    """An expression as a contract carries it to both backends: without PostgreSQL's casts,
    and without SQLite's backticks (the builder's `where("deleted_at", "is", None)` reads back
    as `` `deleted_at` IS NULL `` there, which PostgreSQL rejects).

    >>> print(_emitted_sql("`deleted_at` IS NULL AND `order` > 0 AND s <> 'a`b'"))
    deleted_at IS NULL AND "order" > 0 AND s <> 'a`b'
    """
    without_casts = re.sub(r"::[a-z_ ]+(\(\d+(,\s*\d+)?\))?(\[\])?", "", expression)
    return _BACKTICKED_OR_STRING.sub(_portable_identifier, without_casts).strip()


# A string literal (kept as it is) or a `backticked` identifier (made portable).
_BACKTICKED_OR_STRING = re.compile(r"'(?:[^']|'')*'|`((?:[^`]|``)*)`")
# Words that cannot be a bare column name on PostgreSQL (the ones a column is likely named).
_RESERVED = frozenset({
    "all", "and", "any", "as", "asc", "both", "case", "check", "collate", "column", "constraint",
    "create", "current_date", "current_time", "current_timestamp", "current_user", "default",
    "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from",
    "grant", "group", "having", "in", "initially", "intersect", "into", "leading", "limit",
    "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
    "placing", "primary", "references", "returning", "select", "session_user", "some",
    "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user", "using",
    "variadic", "when", "where", "window", "with",
})  # fmt: skip


def _portable_identifier(match: re.Match[str]) -> str:
    if match.group(1) is None:
        return match.group(0)
    name = match.group(1).replace("``", "`")
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _table_args(
    table: TableSchema,
    pk: tuple[str, ...] | None,
    implied_pk: bool,
    single_uniques: set[str],
    column_indexes: set[str],
    used_checks: set[str],
    code: ContractCode,
) -> list[str]:
    args: list[str] = []
    if pk is not None and not implied_pk:
        args.append(f"primary_key={list(pk)!r}")
    indexes = [
        i
        for i in table.indexes
        if not (
            len(i.columns) == 1
            and i.columns[0] in column_indexes
            and not i.unique
            and i.where is None
        )
    ]
    if indexes:
        code.imports.add(("typedb.contracts", "Index"))
        rendered = []
        for i in indexes:
            extra = (", unique=True" if i.unique else "") + (
                f", where={_emitted_sql(i.where)!r}" if i.where is not None else ""
            )
            rendered.append(f"Index({i.name!r}, {list(i.columns)!r}{extra})")
        args.append(f"indexes=[{', '.join(rendered)}]")
    uniques = [list(u.columns) for u in table.uniques if len(u.columns) > 1]
    if uniques:
        args.append(f"uniques={uniques!r}")
    checks = [_emitted_sql(c.expression) for c in table.checks if c.name not in used_checks]
    if checks:
        args.append(f"checks={checks!r}")
    return args
