"""The lazy entry classes: what `db.select_from("items")` and the other table methods give.

    ItemsSelect = LazySelect[ItemsSelectOf]      # db.pyi; ItemsSelectOf.q: Select[ItemsRow, ...]

Why: a dispatch method (`SelectFrom.__call__`) has one overload per table, and pyright builds
every overload's return type at the first call, whichever table it names. When each table's
query was `class ItemsSelect(Select[ItemsRow, ItemsTables, ..., ItemsB4])`, building it built
that base and its arguments (four TypedDicts and a dozen Literals per table) for all tables:
at 500 tables pyright took 1.7x the time it took with v1's plain per-table classes. Here the
return type is `LazySelect` of a one-member protocol, a class whose member nothing reads until
a method is called on a query of that table; each method of `LazySelect` reads the member by
matching `self` (`self: LazySelect[_SelectOf[Row, Tables, ...]]`) and returns the generic
`Select[Row, Tables, ...]`, so the rest of the chain is the generic class's.

The methods are `Select`'s own (and `Filter`'s), copied from the rendered generic classes with
`self` annotated and `Self` replaced, so the two cannot drift apart. `Select` itself derives
from `LazySelect[_SelectBox[...]]` (a box whose member has the same type): a `Select[ItemsRow,
...]` is then an `ItemsSelect`, so `q = db.select_from("items"); q = q.where(...)` and a
function typed `(q: ItemsSelect) -> ItemsSelect` returning `q.where(...)` type-check, and a
query of another table is refused there (its box does not match `ItemsSelectOf`).
"""

from __future__ import annotations

import re

#: The generic classes a table method gives, and so the ones with a lazy entry.
ENTRY_KINDS = (
    "Select",
    "InsertQuery",
    "UpdateQuery",
    "DeleteQuery",
    "SoftDeleteQuery",
    "RestoreQuery",
)
#: The member of the protocols (`ItemsSelectOf.q`): the table's generic query type.
MEMBER = "q"

_CLASS = re.compile(r"^class (\w+)\((.*)\):\n", re.MULTILINE)
_DEF = re.compile(r"^(    (?:async )?def \w+)\(self(?=[,)])", re.MULTILINE)
_SOFT = re.compile(r"\(self: _SoftDeleting\) -> _SoftDeleting")
_SELF = re.compile(r"(?<=-> )Self\b")


def entry_name(kind: str, awaited: bool) -> str:
    """`LazySelect`, `LazyAsyncSelect`, `LazyInsertQuery`, ..."""
    return f"Lazy{'Async' if awaited else ''}{kind}"


def add_lazy_entries(query_text: str) -> str:
    """The rendered `_query.pyi` with each entry kind's box, protocol and lazy class added, and
    the generic class derived from its lazy entry."""
    blocks = _class_blocks(query_text)
    out = query_text
    extra = ['_Of = TypeVar("_Of", covariant=True)\n\n']
    for awaited in (False, True):
        for kind in ENTRY_KINDS:
            cls = f"{'Async' if awaited else ''}{kind}"
            bases, body = blocks[cls]
            params = _generic_params(bases)
            methods = body
            if bases.startswith("Filter["):
                methods = _filter_methods(blocks["Filter"], bases) + body
            lazy = entry_name(kind, awaited)
            # mypy compares where_not_deleted()'s two definitions (Filter's, on a TypeVar
            # self; the entry's, on the protocol) and calls them incompatible; Filter's wins.
            ignore = "  # type: ignore[misc]" if bases.startswith("Filter[") else ""
            out = out.replace(
                f"class {cls}({bases}):\n",
                f"class {cls}({_with_lazy_base(bases, lazy, cls, params)}):{ignore}\n",
                1,
            )
            extra.append(_entry(cls, lazy, params, methods))
    # Each generic class overrides its lazy entry's methods with its own (on `Self`, not on
    # the protocol), and an entry's overloads look overlapping to pyright, whose check does
    # not solve the type variables `self` binds: both by design, so pyright is told not to
    # report them, for this file only.
    pragma = "# pyright: reportIncompatibleMethodOverride=false, reportOverlappingOverload=false\n"
    return pragma + out + "".join(extra)


def _class_blocks(text: str) -> dict[str, tuple[str, str]]:
    """Each top-level generic class of the rendered text: its bases and its indented body
    (the lines up to the first one that is neither indented nor empty)."""
    found: dict[str, tuple[str, str]] = {}
    for m in _CLASS.finditer(text):
        lines: list[str] = []
        for line in text[m.end() :].split("\n"):
            if line and not line.startswith("    "):
                break
            if line:
                lines.append(line + "\n")
        found[m.group(1)] = (m.group(2), "".join(lines))
    return found


def _filter_methods(filter_block: tuple[str, str], bases: str) -> str:
    """Filter's methods as the subclass has them: Filter's parameters replaced by the
    subclass's arguments (`Loose` is `Never` in a write, where no alias is possible)."""
    own = _generic_params(filter_block[0]).split(", ")
    args = bases[len("Filter[") : bases.index("]")].split(", ")
    mapping = dict(zip(own, args, strict=True))
    word = re.compile(r"\b(" + "|".join(map(re.escape, own)) + r")\b")
    return word.sub(lambda m: mapping[m.group(1)], filter_block[1])


def _generic_params(bases: str) -> str:
    m = re.search(r"Generic\[([^\]]*)\]", bases)
    assert m is not None, bases
    return m.group(1)


def _with_lazy_base(bases: str, lazy: str, cls: str, params: str) -> str:
    """`Filter[...], Generic[...]` -> `Filter[...], LazySelect[_SelectBox[...]], Generic[...]`:
    after Filter, so the generic class's own methods come first in its MRO."""
    head, _, generic = bases.rpartition("Generic[")
    return f"{head}{lazy}[_{cls}Box[{params}]], Generic[{generic}"


def _entry(cls: str, lazy: str, params: str, methods: str) -> str:
    of = f"_{cls}Of[{params}]"
    query = f"{cls}[{params}]"
    soft_params = params.replace("SoftDel", "SoftDeletes")
    body: list[str] = []
    for line in methods.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith(('"""', "'''")) or not stripped:
            continue
        if _SOFT.search(line):
            # Only a query over a table with `deleted_at` has where_not_deleted().
            line = _SOFT.sub(
                f"(self: {lazy}[_{cls}Of[{soft_params}]]) -> {cls}[{soft_params}]", line
            )
        else:
            line = _DEF.sub(rf"\1(self: {lazy}[{of}]", line)
            line = _SELF.sub(query, line)
        body.append(line)
    return (
        f"class _{cls}Box(Generic[{params}]):\n"
        f"    @property\n    def {MEMBER}(self) -> {query}: ...\n\n"
        f"class _{cls}Of(Protocol[{params}]):\n"
        f"    @property\n    def {MEMBER}(self) -> {query}: ...\n\n"
        f"class {lazy}(Generic[_Of]):\n"
        f'    """What `db`\'s table method gives for one table; see typedb/stubgen/_lazy.py."""\n\n'
        + "".join(body)
        + "\n"
    )
