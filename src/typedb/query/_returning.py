"""The RETURNING clause shared by insert, update and delete (both backends support it)."""

from __future__ import annotations

from collections.abc import Sequence

from typedb.dialects import quote_identifier
from typedb.query._expr import ref, split_alias
from typedb.query._output_names import refuse_duplicate_names


def returning_sql(columns: Sequence[str], quote: str) -> str:
    """
    >>> returning_sql(["id", "name as title"], '"')
    ' RETURNING "id", "name" AS "title"'
    """
    refuse_duplicate_names(columns, "returning()")
    parts: list[str] = []
    for column in columns:
        name, alias = split_alias(column)
        sql = ref(name, quote)
        parts.append(sql if alias is None else f"{sql} AS {quote_identifier(alias, quote)}")
    return " RETURNING " + ", ".join(parts)
