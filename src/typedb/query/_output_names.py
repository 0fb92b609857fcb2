"""Each selected or returned column needs its own name in the row dict.

Rows are dicts keyed by the names the database gives the columns, so two columns with the
same name (`"a.name", "b.name"` across a self-join, `"name", "users.name"`, an aggregate
aliased like a column) would leave one value in the row and lose the other without a word.
Such a statement is refused before it runs. Checked when a shape is rendered (once per
shape, then cached), so a query that is built again pays nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from typedb._errors import CompileError
from typedb._sql import Fragment
from typedb.query._expr import Aggregate, split_alias


def output_name(item: object) -> str | None:
    """The key a selected item gets in the row, or None when typedb cannot know it before
    the database answers (`*`, `t.*`, `typedb.sql(...)`).

    >>> [output_name(c) for c in ("id", "u.name", "u.name as author", "*", "u.*")]
    ['id', 'name', 'author', None, None]
    """
    if isinstance(item, Fragment):
        return None
    if isinstance(item, Aggregate):
        # Unaliased aggregates are named like PostgreSQL names them ("count").
        return item.alias or item.name.lower()
    if not isinstance(item, str):
        return None
    name, alias = split_alias(item)
    if alias is not None:
        return alias
    column = name.rpartition(".")[2]
    return None if column == "*" else column


def refuse_duplicate_names(items: Iterable[object], clause: str) -> None:
    """Raise a CompileError naming the first output name two items share, and an alias
    that would tell them apart.

    >>> try:
    ...     refuse_duplicate_names(["a.name", "b.name"], "select() on 'users as a'")
    ... except CompileError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    select() on 'users as a' gives two columns the name 'name' ('a.name' and 'b.name'): one
    would overwrite the other in the row; give one an alias, e.g. "b.name as b_name"
    """
    seen: dict[str, object] = {}
    for item in items:
        name = output_name(item)
        if name is None:
            continue
        if name in seen:
            first = seen[name]
            raise CompileError(
                f"{clause} gives two columns the name {name!r} "
                f"({_shown(first)} and {_shown(item)}): one would overwrite the other in the "
                f"row; give one an alias, e.g. {_suggestion(item, name)}"
            )
        seen[name] = item


def _shown(item: object) -> str:
    if isinstance(item, Aggregate):
        alias = f".as_({item.alias!r})" if item.alias else ""
        column = repr(item.column) if item.column else ""
        return f"fn.{item.name.lower()}({column}){alias}"
    return repr(item)


def _suggestion(item: object, name: str) -> str:
    if isinstance(item, Aggregate):
        over = (item.column or "rows").replace(".", "_")
        return f'.as_("{item.name.lower()}_{over}")'
    text = split_alias(str(item))[0]
    prefix = text.rpartition(".")[0].replace(".", "_")
    return f'"{text} as {prefix + "_" if prefix else "other_"}{name}"'


def refuse_case_only_matches(records: Iterable[tuple[object, ...]], table: str) -> None:
    """Refuse an order_by() or group_by() name that is a selected column's name in another
    case (`select("rank as TITLE").order_by("title")`).

    typedb quotes names, and PostgreSQL matches a quoted name exactly: it sorts by a column
    named `title` of the table, or refuses the query when there is none. SQLite matches
    names in any case, and its ORDER BY reads the select list's names first: it sorted by
    `rank`, silently, where PostgreSQL sorted by another column or raised. SQLite cannot be
    made to match exactly, so typedb refuses the name on both, before anything runs, and
    says what to write instead.

    >>> try:
    ...     refuse_case_only_matches(
    ...         [("select", ("rank as TITLE",)), ("order", "title", "asc")], "posts"
    ...     )
    ... except CompileError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    order_by('title') on table 'posts' names the selected column 'TITLE' ('rank as TITLE')
    in another case: PostgreSQL matches quoted names exactly (it sorts by a column 'title'
    of the table, or refuses the query) and SQLite in any case (it sorted by 'TITLE');
    write 'TITLE' for the selected column, or qualify the table's column ('posts.title')
    """
    outputs: dict[str, tuple[str, object]] = {}
    named: list[tuple[str, str]] = []
    compound = False
    for record in records:
        kind = record[0]
        compound = compound or kind == "compound"
        if kind == "select":
            for item in record[1]:  # type: ignore[attr-defined]
                name = item[2] if type(item) is tuple else output_name(item)
                if name is not None:
                    outputs.setdefault(str(name).lower(), (str(name), item))
        elif kind == "order" and type(record[1]) is str:
            named.append(("order_by", record[1]))
        elif kind == "group":
            named.extend(("group_by", c) for c in record[1] if type(c) is str)  # type: ignore[attr-defined]
    for clause, name in named:
        if "." in name or name == "*":
            continue
        found = outputs.get(name.lower())
        if found is None or found[0] == name:
            continue
        item = found[1]
        if type(item) is str:
            renamed: object = split_alias(item)[0]
        else:
            renamed = item[1] if type(item) is tuple else None  # eb.ref(name).as_(...)
        if not compound and renamed in (name, ("ref", name)):
            # `name as Name` ordered by `name`: PostgreSQL sorts by the table's column, SQLite
            # by the alias of that same column. A union is sorted by its output names alone.
            continue
        selected, item = found
        shown = repr(item) if isinstance(item, str) else f"an expression aliased {selected!r}"
        raise CompileError(
            f"{clause}({name!r}) on table {table!r} names the selected column {selected!r} "
            f"({shown}) in another case: PostgreSQL matches quoted names exactly (it "
            f"{'sorts' if clause == 'order_by' else 'groups'} by a column {name!r} of the "
            "table, or refuses the query) and SQLite in any case (it "
            f"{'sorted' if clause == 'order_by' else 'grouped'} by {selected!r}); write "
            f"{selected!r} for the selected column, or qualify the table's column "
            f"('{table.split()[-1]}.{name}')"
        )
