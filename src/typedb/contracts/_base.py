"""What contract files are written with: `Generated[T]` and the two base tables.

`Generated[T]` is `Annotated[T, GENERATED]`: every checker reads it as plain `T` (a row has an
`int` id), while the registry sees the marker and makes the column optional on insert.

>>> from typing import get_type_hints
>>> class Users(TimestampTable):
...     id: Generated[int]
>>> get_type_hints(Users)["id"]
<class 'int'>
>>> sorted(get_type_hints(Users))
['created_at', 'id', 'updated_at']
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, TypeAlias, TypedDict, TypeVar

T = TypeVar("T")


class _GeneratedMarker:
    """The metadata `Generated[T]` carries; one instance, compared by identity."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "GENERATED"


GENERATED: Final = _GeneratedMarker()

#: A column the database fills (an auto-increment id, a column with a default): optional when
#: inserting, always present in a selected row.
Generated: TypeAlias = Annotated[T, GENERATED]


class TimestampTable(TypedDict):
    """`created_at` / `updated_at`, as `add_timestamp_columns()` creates them (NOT NULL, default
    now, naive UTC datetimes)."""

    created_at: Generated[datetime]
    updated_at: Generated[datetime]


class SoftDeleteTable(TypedDict):
    """`deleted_at`, as `add_soft_delete_column()` creates it: NULL until `soft_delete()`."""

    deleted_at: datetime | None
