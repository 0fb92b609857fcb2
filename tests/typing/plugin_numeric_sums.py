"""mypy with typedb.mypy_plugin: sum() of a bigint column is Decimal | None, as PostgreSQL
sums bigint (as numeric; typedb's SQLite gives the same Decimal); sum() of an integer or
smallint column is int | None (their sum is a bigint). The stubs say which columns are
bigint (`CountersNumericSum`). pyright and ty type a row with aggregates dict[str, Any]."""

from decimal import Decimal
from typing import assert_type, reveal_type

from typedb.facades.db import db
from typedb.query import fn

row = db.select_from("counters").select(fn.sum("hits"), fn.sum("visits").as_("v"), fn.sum("rank").as_("r"), fn.sum("id").as_("i")).execute_take_first_or_throw()
assert_type(row["sum"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
assert_type(row["v"], int | None)  # E[pyright,ty]: the row is dict[str, Any]
assert_type(row["r"], int | None)  # E[pyright,ty]: the row is dict[str, Any]
assert_type(row["i"], int | None)  # E[pyright,ty]: the row is dict[str, Any]

# avg of any integer is numeric; min and max keep the column's int; count is an int.
others = db.select_from("counters").select(fn.avg("hits"), fn.min("hits"), fn.max("hits").as_("top"), fn.count("hits")).execute_take_first_or_throw()
reveal_type(others)  # reveal[mypy+plugin]: TypedDict({'avg': Decimal | None, 'min': int | None, 'top': int | None, 'count': int})  # reveal[pyright,ty]: dict[str, Any]

# Qualified, behind an alias, distinct, named beforehand: the column decides, not the spelling.
spelled = db.select_from("counters as c").select(fn.sum("c.hits").as_("a"), fn.sum("hits", distinct=True).as_("b"), fn.sum("c.visits").as_("c")).execute_take_first_or_throw()
reveal_type(spelled)  # reveal[mypy+plugin]: TypedDict({'a': Decimal | None, 'b': Decimal | None, 'c': int | None})  # reveal[pyright,ty]: dict[str, Any]
qualified = db.select_from("counters").select(fn.sum("counters.hits").as_("a")).execute_take_first_or_throw()
assert_type(qualified["a"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
total_hits = fn.sum("x.hits").as_("total")

# Joins (inner and left), group_by, having with the sum's values.
per_user = (
    db.select_from("users as u")
    .left_join("counters as x", "u.id", "x.id")
    .select("u.email", total_hits, fn.sum("x.visits").as_("visits"))
    .group_by("u.email")
    .having(fn.sum("x.hits"), ">", Decimal(10))
    .order_by(fn.sum("x.hits"), "desc")
)
reveal_type(per_user.execute())  # reveal[mypy+plugin]: list[TypedDict({'email': str, 'total': Decimal | None, 'visits': int | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
inner = db.select_from("items").inner_join("counters", "items.id", "counters.id").select(fn.sum("hits").as_("h")).having(fn.sum("hits"), ">=", 2).execute_take_first_or_throw()
assert_type(inner["h"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
db.select_from("counters").select("rank", fn.sum("hits").as_("h")).group_by("rank").having(fn.sum("hits"), ">", "ten")  # E[mypy+plugin]: a str is no value of the sum
big: int | None = row["sum"]  # E[mypy+plugin]: a bigint's sum is a Decimal, not an int

# A CTE passes its bigint columns on, renamed by its column list, and so do min/max of them.
cte = db.with_("c(h, w)", db.select_from("counters").select("hits", "visits")).select_from("c").select(fn.sum("h").as_("h"), fn.sum("w").as_("w")).execute_take_first_or_throw()
reveal_type(cte)  # reveal[mypy+plugin]: TypedDict({'h': Decimal | None, 'w': int | None})  # reveal[pyright,ty]: dict[str, Any]
tops = db.with_("t", db.select_from("counters").select(fn.max("hits").as_("m"), fn.max("visits").as_("v"))).select_from("t").select(fn.sum("m").as_("m"), fn.sum("v").as_("v")).execute_take_first_or_throw()
reveal_type(tops)  # reveal[mypy+plugin]: TypedDict({'m': Decimal | None, 'v': int | None})  # reveal[pyright,ty]: dict[str, Any]
everything = db.with_("e", db.select_from("counters").select_all()).select_from("e").select(fn.sum("hits").as_("h")).execute_take_first_or_throw()
assert_type(everything["h"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]

# Not refined: an expression's sum keeps the expression's type (the stubs' fn.sum(Expr[T]) is
# an Expr[T]), so this bigint sum is typed int | None, where PostgreSQL gives a Decimal (and
# typedb's SQLite an int today: README, "The mypy plugin", Aggregates).
expr_sum = db.select_from("counters").select(lambda eb: fn.sum(eb.ref("hits")).as_("h")).execute_take_first_or_throw()
reveal_type(expr_sum)  # reveal[mypy+plugin]: TypedDict({'h': int | None})  # reveal[pyright,ty]: dict[str, Any]
