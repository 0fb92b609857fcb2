"""mypy with typedb.mypy_plugin: fn.count/sum/avg/min/max become row keys with their types:
count int; sum and avg of Decimal (avg of int too) Decimal | None; min and max the column's
type | None. `.as_("n")` names the key; unnamed, the key is the function's name."""

from decimal import Decimal
from typing import reveal_type

from typedb.facades.db import db
from typedb.query import fn

stats = (
    db.select_from("items")
    .select("name", fn.count("id").as_("n"), fn.sum("price").as_("total"), fn.avg("price"))
    .group_by("name")
    .having(fn.count("id"), ">", 1)
    .order_by(fn.count("id"), "desc")
)
reveal_type(stats.execute())  # reveal[mypy+plugin]: list[TypedDict({'name': str, 'n': int, 'total': Decimal | None, 'avg': Decimal | None})]  # reveal[pyright,ty]: list[dict[str, Any]]

extremes = db.select_from("items").select(fn.min("created_at").as_("first"), fn.max("description"), fn.avg("id").as_("mean"))
reveal_type(extremes.execute_take_first_or_throw())  # reveal[mypy+plugin]: TypedDict({'first': datetime | None, 'max': str | None, 'mean': Decimal | None})  # reveal[pyright,ty]: dict[str, Any]

# An aggregate made beforehand keeps what it computes; count() counts rows.
latest = fn.max("p.created_at").as_("latest")
per_author = (
    db.select_from("users as u")
    .left_join("blog__posts as p", "u.id", "p.author_id")
    .select("u.email", fn.count().as_("posts"), latest)
    .group_by("u.email")
    .having(fn.count(), ">=", 2)
)
reveal_type(per_author.execute())  # reveal[mypy+plugin]: list[TypedDict({'email': str, 'posts': int, 'latest': datetime | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
total: Decimal | None = stats.execute_take_first_or_throw()["total"]
