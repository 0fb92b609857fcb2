"""mypy with typedb.mypy_plugin: sum() of a bigint column is Decimal | None, as PostgreSQL
sums bigint (as numeric; typedb's SQLite gives the same Decimal); sum() of an integer or
smallint column is int | None (their sum is a bigint); an expression's sum and average are
typed by the SQL types of what they aggregate. The stubs say which columns are bigint
(`CountersNumericSum`). pyright and ty type a row with aggregates dict[str, Any]."""

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

# An expression's sum and average, by PostgreSQL's rules: the plugin follows the SQL integer
# type through eb.ref() (a bigint column), + - * / (bigint when either side is) and a bound int
# (int4 when it fits 32 bits, else bigint). The stubs alone say fn.sum(Expr[T]) is an Expr[T]
# and fn.avg(...) an Expr[Any]. typedb's SQLite sums these bigints as ints today (README).
expr_sum = db.select_from("counters").select(lambda eb: fn.sum(eb.ref("hits")).as_("h")).execute_take_first_or_throw()
reveal_type(expr_sum)  # reveal[mypy+plugin]: TypedDict({'h': Decimal | None})  # reveal[pyright,ty]: dict[str, Any]
int4_sum = db.select_from("counters").select(lambda eb: fn.sum(eb.ref("visits")).as_("v")).execute_take_first_or_throw()
assert_type(int4_sum["v"], int | None)  # E[pyright,ty]: the row is dict[str, Any]
doubled = db.select_from("counters").select(lambda eb: fn.sum(eb.ref("hits") * 2).as_("d")).execute_take_first_or_throw()
assert_type(doubled["d"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
wide = db.select_from("counters").select(lambda eb: fn.sum(eb.ref("visits") * eb.val(2**40)).as_("w")).execute_take_first_or_throw()
assert_type(wide["w"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
squares = db.select_from("counters").select(lambda eb: fn.sum(eb.ref("visits") * eb.ref("visits")).as_("s")).execute_take_first_or_throw()
assert_type(squares["s"], int | None)  # E[pyright,ty]: the row is dict[str, Any]
twice = db.select_from("counters").select(lambda eb: (fn.sum(eb.ref("hits")) * 2).as_("t")).execute_take_first_or_throw()
assert_type(twice["t"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
not_int: int | None = expr_sum["h"]  # E[mypy+plugin]: a bigint expression's sum is a Decimal
mixed = db.select_from("counters as c").select(lambda eb: [fn.sum(eb.ref("c.visits") + eb.ref("c.hits")).as_("a"), fn.sum(3 * eb.ref("visits")).as_("b"), fn.sum(eb.ref("visits") * 3_000_000_000).as_("c"), fn.sum(eb.ref("rank") * eb.val(2**40)).as_("d"), eb.fn.sum(eb.fn.coalesce("rank", "hits")).as_("e"), fn.sum(eb.fn.coalesce("rank", 0)).as_("f")]).execute_take_first_or_throw()
reveal_type(mixed)  # reveal[mypy+plugin]: TypedDict({'a': Decimal | None, 'b': int | None, 'c': Decimal | None, 'd': Decimal | None, 'e': Decimal | None, 'f': int | None})  # reveal[pyright,ty]: dict[str, Any]
averages = db.select_from("counters").select(lambda eb: [fn.avg(eb.ref("visits")).as_("v"), fn.avg(eb.ref("hits") * 2).as_("h"), fn.avg(eb.val(0.5) * eb.ref("visits")).as_("f"), fn.avg(eb.ref("visits") * 1.5).as_("g")]).execute_take_first_or_throw()
reveal_type(averages)  # reveal[mypy+plugin]: TypedDict({'v': Decimal | None, 'h': Decimal | None, 'f': float | None, 'g': float | None})  # reveal[pyright,ty]: dict[str, Any]
priced = db.select_from("items").select(lambda eb: fn.avg(eb.ref("price")).as_("p")).execute_take_first_or_throw()
assert_type(priced["p"], Decimal | None)  # E[pyright,ty]: the row is dict[str, Any]
through_cte = db.with_("c(h, w)", db.select_from("counters").select("hits", "visits")).select_from("c").select(lambda eb: [fn.sum(eb.ref("h")).as_("h"), fn.sum(eb.ref("c.w")).as_("w")]).execute_take_first_or_throw()
reveal_type(through_cte)  # reveal[mypy+plugin]: TypedDict({'h': Decimal | None, 'w': int | None})  # reveal[pyright,ty]: dict[str, Any]

# A CTE of aggregates: count() and the sum of integers are bigints, and so is arithmetic with one,
# whether the CTE spells them as columns or as expressions, and the outer sum by name or eb.ref.
by_visits = db.select_from("counters").select("visits", fn.count().as_("c"), fn.sum("visits").as_("s"), fn.max("visits").as_("m")).group_by("visits")
cte_sums = db.with_("x", by_visits).select_from("x").select(fn.sum("c").as_("c"), fn.sum("s").as_("s"), fn.sum("m").as_("m")).execute_take_first_or_throw()
reveal_type(cte_sums)  # reveal[mypy+plugin]: TypedDict({'c': Decimal | None, 's': Decimal | None, 'm': int | None})  # reveal[pyright,ty]: dict[str, Any]
by_expr = db.select_from("counters").select("visits").select(lambda eb: [fn.count(eb.ref("visits")).as_("c"), fn.sum(eb.ref("visits")).as_("s"), fn.max(eb.ref("visits")).as_("m"), (eb.ref("visits") * 2).as_("d"), (fn.max(eb.ref("hits")) + 1).as_("b")]).group_by("visits")
named_cte = db.with_("x", by_expr).select_from("x").select(fn.sum("c").as_("c"), fn.sum("s").as_("s"), fn.sum("m").as_("m"), fn.sum("d").as_("d"), fn.sum("b").as_("b")).execute_take_first_or_throw()
reveal_type(named_cte)  # reveal[mypy+plugin]: TypedDict({'c': Decimal | None, 's': Decimal | None, 'm': int | None, 'd': int | None, 'b': Decimal | None})  # reveal[pyright,ty]: dict[str, Any]
ref_cte = db.with_("x", by_expr).select_from("x").select(lambda eb: [fn.sum(eb.ref("c")).as_("c"), fn.sum(eb.ref("d")).as_("d"), fn.sum(eb.ref("b")).as_("b")]).execute_take_first_or_throw()
reveal_type(ref_cte)  # reveal[mypy+plugin]: TypedDict({'c': Decimal | None, 'd': int | None, 'b': Decimal | None})  # reveal[pyright,ty]: dict[str, Any]

# The expressions keep the stubs' types (`Expr[int]`; `Expr[Any]` for avg): only the rows read
# the SQL type, so they compare with an int column as before.
above = db.select_from("counters").select("visits").group_by("visits").having(lambda eb: eb("visits", ">", fn.avg(eb.ref("visits")))).having(lambda eb: eb("visits", "<", fn.sum(eb.ref("hits")))).execute()


def unknown_factor(n: int) -> None:
    """An int whose value the plugin cannot read: int4 or bigint by its value at run time, so
    the sum keeps the stubs' int (right while it fits 32 bits); a bigint side decides anyway."""
    row = db.select_from("counters").select(lambda eb: [fn.sum(eb.ref("visits") * n).as_("v"), fn.sum(eb.ref("hits") * n).as_("h")]).execute_take_first_or_throw()
    reveal_type(row)  # reveal[mypy+plugin]: TypedDict({'v': int | None, 'h': Decimal | None})  # reveal[pyright,ty]: dict[str, Any]
