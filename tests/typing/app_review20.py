"""Review 20: forms README documents that a checker refused. Read by plain mypy, mypy with
the plugin, pyright and ty."""

from __future__ import annotations

from typing import reveal_type

from typedb.facades.db import db


def chained_ctes() -> None:
    # README, "Beyond one table": CTEs "chained with `.with_()`". The QueryCreator's with_()
    # took a SelectQuery only, which the typed facade's selects are not (Database.with_ and
    # the async one take any query).
    cheap = db.select_from("items").where("price", "<", 10).select("id", "name")
    both = db.with_("cheap", cheap).with_("tagged", db.select_from("tags").select("item_id", "name"))
    reveal_type(both.select_from("tagged").execute())  # reveal[mypy+plugin]: list[TypedDict({'item_id': int | None, 'name': str})]  # reveal[mypy,pyright,ty]: list[dict[str, Any]]
    both.select_from("tagged").where("nmae", "=", "x")  # E[mypy+plugin]: unknown CTE column
