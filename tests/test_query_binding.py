"""Every value lands on its own placeholder, whatever order the builder calls came in.

Each value is tagged with its column ("b:3"); the SQL is then read placeholder by
placeholder, and the column written just before each must be the one its value names.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import typedb

COLUMNS = ["a", "b", "c", "d"]
OPS = ["=", "!=", "<", ">=", "like"]
_PLACEHOLDER = re.compile(r"`(\w+)` (?:=|!=|<>|<|>=|LIKE|GLOB|IN \() ?\?|\?")

call = st.one_of(
    st.tuples(
        st.just("set"), st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True)
    ),
    # A later set() may replace a bound value with SQL: that value must then not be bound.
    st.tuples(st.just("set_sql"), st.sampled_from(COLUMNS)),
    st.tuples(st.just("where"), st.sampled_from(COLUMNS), st.sampled_from(OPS)),
    st.tuples(st.just("in"), st.sampled_from(COLUMNS), st.integers(1, 3)),
)


def _check(sql: str, params: tuple[Any, ...]) -> None:
    found = _PLACEHOLDER.findall(sql)
    assert len(found) == len(params), (sql, params)
    last_column = ""
    for column, value in zip(found, params, strict=True):
        last_column = column or last_column  # IN (?, ?): the column stands before the first
        assert str(value).split(":")[0] == last_column, (sql, params)


@settings(max_examples=300, deadline=None)
@given(st.lists(call, min_size=1, max_size=8))
def test_update_and_select_bind_in_placeholder_order(calls: list[tuple[Any, ...]]) -> None:
    db = typedb.connect("sqlite://")
    update = db.update_table("t")
    select = db.select_from("t")
    for n, c in enumerate(calls):
        if c[0] == "set":
            update = update.set({col: f"{col}:{n}" for col in c[1]})
        elif c[0] == "set_sql":
            update = update.set({c[1]: typedb.sql("NULL")})
        elif c[0] == "where":
            update = update.where(c[1], c[2], f"{c[1]}:{n}")
            select = select.where(c[1], c[2], f"{c[1]}:{n}")
        else:
            values = [f"{c[1]}:{n}.{i}" for i in range(c[2])]
            update = update.where(c[1], "in", values)
            select = select.where(c[1], "in", values)
    if any(c[0] in ("set", "set_sql") for c in calls):
        _check(*update.compile())
    _check(*select.compile())
