"""review10 (hostile review of issues 10 and 11): one planted mistake a line in the forms of
app_review10_forms.py, marked with the checkers that catch it. `# missed:` lines are mistakes
no checker catches yet (each fails at run time); the reveals of right/full joins state the
sound row (a right join's left side and both sides of a full join are `X | None`)."""

from __future__ import annotations

from decimal import Decimal
from typing import reveal_type

from typedb.facades.async_db import db as adb
from typedb.facades.db import db
from typedb.query import excluded, fn


def joins() -> None:
    r = db.select_from("tags").right_join("items", "tags.item_id", "items.id").select("items.name", "tags.name as tag").execute()
    reveal_type(r)  # reveal[mypy+plugin]: list[TypedDict({'name': str, 'tag': str | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
    f = db.select_from("tags").full_join("items", "tags.item_id", "items.id").select("items.name", "tags.name as tag").execute()
    reveal_type(f)  # reveal[mypy+plugin]: list[TypedDict({'name': str | None, 'tag': str | None})]  # reveal[pyright,ty]: list[dict[str, Any]]
    db.select_from("items").right_join("tags", "items.idd", "tags.item_id").execute()  # E: unknown left join column
    db.select_from("items").full_join("tags", "items.id", "tags.itme_id").execute()  # E: unknown right join column
    db.select_from("items as i").left_join("tags as t", lambda on: on("i.id", "=", "t.itme_id")).execute()  # E[mypy+plugin]: unknown column in a join callback (UnknownColumnError at run time)
    db.select_from("items").left_join("tags", lambda on: on("items.idd", "=", "tags.item_id")).execute()  # E[mypy+plugin]: unknown column in a join callback, no alias
    db.select_from("items as i").inner_join("tags as t", lambda on: on("i.id", "=", "t.item_id") & on(on.ref("t.nmae"), "=", on.val("x"))).execute()  # E[mypy+plugin]: on.ref of an unknown column
    db.select_from("items as i").right_join("tags as t", lambda on: on("i.id", "=", "t.item_id") & on("t.name", "!=", on.val("x"))).select("i.name", "t.name as tag").execute()
    jr = db.select_from("items").left_join("tags", "items.id", "tags.item_id").select("tags.name").execute_take_first_or_throw()
    n: str = jr["name"]  # E[mypy+plugin]: a left-joined column is str | None
    print(n)


def filters() -> None:
    db.select_from("items").where("price", "in", db.select_from("tags").select("name")).execute()  # E[mypy+plugin]: subquery column str for a Decimal column
    db.select_from("items").where_exists(db.select_from("tags").where_ref("tags.item_id", "=", "items.idd")).execute()  # E[mypy+plugin]: unknown outer column in a correlated where_ref
    db.select_from("items").where_ref("price", "=", "nmae").execute()  # E[mypy+plugin]: where_ref's right column names no column of any table
    db.select_from("items as i").where_ref("i.price", "=", "i.prise").execute()  # E[mypy+plugin]: where_ref's right column is not a column of the alias
    db.select_from("items as i").where_ref("i.prise", "=", "i.price").execute()  # E[mypy+plugin]: where_ref's left column is not a column of the alias
    db.select_from("tags").where_ref("tags.item_id", "=", "o.id").execute()  # clean: "o" may be an outer query's alias, unknown here
    db.select_from("items").where(lambda eb: eb("price", ">", eb.val("x"))).execute()  # E: an Expr[str] value for a Decimal column (was missed by every checker: Expr[Any] in the overload took any Expr)
    db.select_from("items").distinct_on("nmae").execute()  # E: unknown column
    db.select_from("items").order_by("nmae").execute()  # E: unknown column
    db.select_from("items").group_by("nmae").execute()  # E: unknown column
    db.select_from("items").where("price", ">", "10").execute()  # E: str for a Decimal column
    db.select_from("items").where("name", "=", 3).execute()  # E: int for a str column
    db.select_from("items").where("created_at", ">", "2024-01-01").execute()  # E: str for a datetime column
    db.select_from("items").where("price", "=", None).execute()  # E: = None instead of is None


def aggregates_and_expressions() -> None:
    db.select_from("items").select(fn.count("nmae")).execute()  # E[mypy+plugin]: unknown column in an aggregate
    db.select_from("items").having(fn.count("id"), ">", "x").execute()  # E[mypy+plugin]: having value of the wrong type
    db.select_from("items").select(lambda eb: eb.cast(eb.ref("nmae"), "integer").as_("c")).execute()  # E: unknown column in eb.ref
    db.select_from("items").select(lambda eb: eb.case().when("nmae", ">", 2).then("a").else_("b").end().as_("k")).execute()  # E[mypy+plugin]: unknown column in case().when


def writes() -> None:
    db.insert_into("items").values({"name": "x", "price": 1.5}).execute()  # E: float for Decimal
    db.insert_into("items").values({"nme": "x"}).execute()  # E: unknown key
    db.insert_into("items").values({"price": Decimal(1)}).execute()  # E: required name missing
    db.update_table("items").set({"price": "1"}).where("id", "=", 1).execute()  # E: str for Decimal
    db.update_table("items").set({"name": None}).where("id", "=", 1).execute()  # E: None for NOT NULL
    db.insert_into("tags").values({"name": "a"}).on_conflict(lambda oc: oc.column("nmae").do_nothing()).execute()  # E: unknown conflict column
    db.insert_into("tags").values({"name": "a"}).on_conflict(lambda oc: oc.column("name").do_update_set({"item_id": excluded("nmae")})).execute()  # E[mypy+plugin]: unknown excluded column
    db.insert_into("tags").values({"name": "a"}).returning("nmae").execute()  # E[mypy+plugin]: unknown returning column
    db.soft_delete("tags").where("id", "=", 1).execute()  # E: tags has no deleted_at
    db.restore("tags").where("id", "=", 1).execute()  # E: tags has no deleted_at (was missed by every checker)
    db.restore("items").where("nmae", "=", 1).execute()  # E: unknown column (restore was untyped)
    db.select_from("tags").where_not_deleted().execute()  # E: tags has no deleted_at


def names_and_rows() -> None:
    db.with_("c", db.select_from("items").select("id")).select_from("c").where("nmae", "=", 1).execute()  # E[mypy+plugin]: unknown CTE column
    db.select_from("items").select("name").union(db.select_from("tags").select("id")).execute()  # E[mypy+plugin]: union column types differ
    db.select_from("itemz").execute()  # E[mypy+plugin]: unknown table
    db.select_from("items").select("nmae").execute()  # E[mypy+plugin]: unknown selected column
    row = db.select_from("items").select("id").execute_take_first_or_throw()
    print(row["name"])  # E[mypy+plugin]: not selected


async def async_mistakes() -> None:
    await adb.select_from("items").where("nmae", "=", 1).execute()  # E: unknown column
    await adb.select_from("items").right_join("tags", "items.idd", "tags.item_id").execute()  # E: unknown join column
    await adb.restore("items").where("nmae", "=", 1).execute()  # E: unknown column (restore was untyped)
    q = adb.select_from("items")
    q = q.where("price", ">", "x")  # E: str for a Decimal column
    await q.execute()  # E[pyright]: pyright leaves q unknown after the wrong where() above
