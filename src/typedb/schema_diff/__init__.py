"""One schema model, three sources (contracts, a live database, the migrations), and the
diff between any two.

    from typedb.schema_diff import diff, from_database, from_registry

    changes = diff(from_database(db), from_registry(registry, db.dialect.name))
"""

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
    RenameColumn,
    RenameTable,
    describe,
)
from typedb.schema_diff._diff import (
    RenameCandidate,
    default_key,
    diff,
    diff_table,
    rename_candidates,
)
from typedb.schema_diff._from_contracts import from_registry
from typedb.schema_diff._from_migrations import from_migrations
from typedb.schema_diff._introspect import from_database
from typedb.schema_diff._model import (
    FK_ACTIONS,
    Check,
    ColumnSchema,
    Default,
    DefaultValue,
    FkAction,
    ForeignKey,
    IndexSchema,
    PrimaryKey,
    Schema,
    TableSchema,
    Unique,
    dependency_order,
    fk_action,
)
from typedb.schema_diff._normalize import check_key, default_value, portable_type, sql_key

__all__ = [
    "FK_ACTIONS",
    "AddCheck",
    "AddColumn",
    "AddForeignKey",
    "AddIndex",
    "AddTable",
    "AddUnique",
    "AlterColumnDefault",
    "AlterColumnNullable",
    "AlterColumnType",
    "AlterPrimaryKey",
    "Change",
    "Check",
    "ColumnSchema",
    "Default",
    "DefaultValue",
    "DropCheck",
    "DropColumn",
    "DropForeignKey",
    "DropIndex",
    "DropTable",
    "DropUnique",
    "FkAction",
    "ForeignKey",
    "IndexSchema",
    "PrimaryKey",
    "RenameCandidate",
    "RenameColumn",
    "RenameTable",
    "Schema",
    "TableSchema",
    "Unique",
    "check_key",
    "default_key",
    "default_value",
    "dependency_order",
    "describe",
    "diff",
    "diff_table",
    "fk_action",
    "from_database",
    "from_migrations",
    "from_registry",
    "portable_type",
    "rename_candidates",
    "sql_key",
]
