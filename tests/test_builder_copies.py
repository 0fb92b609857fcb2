"""Builders copy themselves slot by slot (a loop over __slots__ measured 5k instructions a
copy): a slot added to a builder and left out of its copy would raise AttributeError on the
first chained call that reads it. Every slot of a copy is set."""

from __future__ import annotations

import typedb
from typedb.query import InsertQuery


def test_an_insert_copy_sets_every_slot(db: typedb.Database) -> None:
    query = db.insert_into("items").values([{"name": f"n{i}"} for i in range(100)])
    copy = query.returning("name")
    assert isinstance(copy, InsertQuery)
    for slot in InsertQuery.__slots__:
        assert getattr(copy, slot) is getattr(query, slot) or slot == "_returning", slot
