from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typedb.connection import Database


class SchemaBuilder:
    """Entry point of the schema builders, bound to one database (placeholder)."""

    def __init__(self, db: Database) -> None:
        self._db = db
