"""What insert, update and delete return: affected counts, and rows when `returning()` asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class InsertResult:
    """`num_inserted_rows` counts rows written (with `on_conflict` do-update: inserted or
    updated, as the database reports it). `rows` holds what `returning()` asked for."""

    num_inserted_rows: int
    rows: list[Row] = field(default_factory=list[Row])


@dataclass(frozen=True, slots=True)
class UpdateResult:
    num_updated_rows: int
    rows: list[Row] = field(default_factory=list[Row])


@dataclass(frozen=True, slots=True)
class DeleteResult:
    """Also what `soft_delete()` returns: the rows it marked deleted."""

    num_deleted_rows: int
    rows: list[Row] = field(default_factory=list[Row])
