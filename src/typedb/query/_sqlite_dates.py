"""Comparing a date with a timestamp on SQLite as PostgreSQL does.

PostgreSQL compares a `timestamp` with a `date` by casting the date to its midnight. SQLite
compares their texts: '2024-01-01 00:00:00' is neither = nor <= '2024-01-01', but is > it;
and a `date` column's '2024-01-01' is not = datetime(2024, 1, 1). typedb does not know a
column's type when it builds a condition, but it does not need to: the two kinds of column
hold texts of different lengths, and a midnight, bound as the right one of its two texts for
each operator, orders the same against both as PostgreSQL's cast does:

- `x < D` and `x >= D`: bind 'D'. A date column compares as usual; a timestamp is before 'D'
  exactly when its day is, i.e. when it is before D's midnight.
- `x <= D` and `x > D`: bind 'D 00:00:00'. A timestamp compares with the midnight itself; no
  date text lies between 'D' and 'D 00:00:00', so a date column compares as with 'D'.
- `x = D` is `x IN ('D', 'D 00:00:00')` (each kind of column can hold only one of the two),
  `x <> D` is `NOT IN`, and `in` / `not in` lists get both texts of each midnight.

D is a `date`, or a `datetime` at midnight (aware ones at midnight UTC); any other datetime
already compares right with both kinds (its time is after the date's midnight). The values
stay Python values (a `date`, and the `datetime` of its midnight), so compile() shows them.
Index use is kept: every form is a plain comparison or IN on the column.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

_MIDNIGHT = time(0)
_DAY_TEXT = frozenset({"<", ">="})  # the other ordering operators take the midnight's text


def midnight(value: Any) -> tuple[date, datetime] | None:
    """(the day, its midnight) when `value` is a date or a datetime at midnight (UTC).

    >>> midnight(date(2024, 1, 2))
    (datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 0, 0))
    >>> midnight(datetime(2024, 1, 2, 0, 0, 1)) is None
    True
    """
    kind = type(value)
    if kind is date:
        return value, datetime.combine(value, _MIDNIGHT)
    if kind is datetime:
        wall = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        if wall.time() == _MIDNIGHT:
            return wall.date(), value
    return None


def comparison(sql_op: str, day: date, at_midnight: datetime) -> tuple[str, tuple[Any, ...]]:
    """The operator and values comparing a column with the midnight of `day` (see above).

    >>> comparison("=", date(2024, 1, 2), datetime(2024, 1, 2))
    ('IN', (datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 0, 0)))
    >>> comparison("<=", date(2024, 1, 2), datetime(2024, 1, 2))
    ('<=', (datetime.datetime(2024, 1, 2, 0, 0),))
    """
    if sql_op == "=":
        return "IN", (day, at_midnight)
    if sql_op == "<>":
        return "NOT IN", (day, at_midnight)
    return sql_op, ((day,) if sql_op in _DAY_TEXT else (at_midnight,))


def listed(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """An `in` / `not in` list with both texts of each midnight in it."""
    out: list[Any] = []
    for v in values:
        found = midnight(v)
        out.extend(found if found is not None else (v,))
    return tuple(out)
