"""The lazy entry classes: what `db.select_from("items")` and the other table methods give.

    class ItemsSelectOf(Protocol):                            # db.pyi, see _entries
        def q(self) -> Select[ItemsRow, ItemsTables, ...]: ...
    class ItemsSelect(_LazySelect[ItemsSelectOf, ItemsSelect]): ...  # LazySelect, imported as _LazySelect

Why: a dispatch method (`SelectFrom.__call__`) has one overload per table, and pyright builds
every overload's return type at the first call, whichever table it names. When each table's
query was `class ItemsSelect(Select[ItemsRow, ItemsTables, ..., ItemsB4])`, building it built
that base and its arguments (four TypedDicts and a dozen Literals per table) for all tables:
at 500 tables pyright took 1.7x the time it took with v1's plain per-table classes. Now the
base is `LazySelect` of a one-member protocol, whose member nothing reads until a method is
called on a query of that table. Each method of `LazySelect` reads it by matching `self`
(`self: LazySelect[_SelectOf[Row, Tables, ...], _Me]`): a method that gives the query back
gives `_Me`, the table's own class (so `q = q.where(...)` keeps `ItemsSelect`, and a function
typed `(q: ItemsSelect) -> ItemsSelect` may return `q.where(...)`); any other gives what the
generic class's method gives (`execute()` the table's rows, a join or an aliased select the
generic classes), so the chain goes on in those.

The methods are the generic class's own (and `Filter`'s), copied from the rendered text with
`self` annotated and `Self` replaced, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from typedb.stubgen._query_v2 import RECEIVER
from typedb.stubgen._table import HEADER

#: The generic classes a table method gives, and so the ones with a lazy entry.
ENTRY_KINDS = (
    "Select",
    "InsertQuery",
    "UpdateQuery",
    "DeleteQuery",
    "SoftDeleteQuery",
    "RestoreQuery",
)
#: The member of a table's protocols (`ItemsSelectOf.q`): the table's generic query type.
MEMBER = "q"
#: Overloaded methods that give the query back, as an entry's properties giving a callable
#: (`Where[ItemsSelect, ...]`): `self` is then matched against the protocol once, not once per
#: overload. ty took twice as long over a select whose first method is `where()` (22
#: overloads) with each overload matching `self` (0.74 s against 0.27 for 68 selects).
CALLABLES = {"where": "Where", "having": "Having"}

_CLASS = re.compile(r"^class (\w+)\((.*)\):\n", re.MULTILINE)
_DEF = re.compile(r"^(    (?:async )?def \w+)\(self(?=[,)])", re.MULTILINE)
_SOFT = re.compile(r"\(self: _SoftDeleting\) -> _SoftDeleting")
_SELF = re.compile(r"(?<=-> )Self\b")
_ANY_SELECT = re.compile(r"\b((?:Async)?Select)\[Any(?:, Any)*\]")
_DOCSTRING = ('"' * 3, "'" * 3)


def entry_name(kind: str, awaited: bool) -> str:
    """`LazySelect`, `LazyAsyncSelect`, `LazyInsertQuery`, ..."""
    return f"Lazy{'Async' if awaited else ''}{kind}"


def lazy_module(awaited: bool) -> str:
    """The module of the sync or the async entries: `_lazy`, `_lazy_async`."""
    return f"_lazy{'_async' if awaited else ''}"


def render_lazy(query_text: str) -> tuple[str, str, str]:
    """`_query.pyi` with a select as a value also taking a table's own (`SelectEntry`), and
    the two modules of the entries' protocols and lazy classes, sync and async.

    Modules of their own because `_query` names every table (the joins' overloads): mypy
    re-checks it, and writes its cache again, whenever a table changes. The entries name no
    table, so they stay in the cache (in `_query` they made that cache 2.9 MB larger), and
    a sync project never loads the async ones (db.pyi, re-checked with a table, loads its
    entries' module)."""
    blocks = _class_blocks(query_text)
    modules: list[str] = []
    for awaited in (False, True):
        entries = [
            '_Of = TypeVar("_Of", covariant=True)\n_Me = TypeVar("_Me", covariant=True)\n'
            '_Q = TypeVar("_Q")\n\n'
        ]
        calls: dict[str, str] = {}
        for kind in ENTRY_KINDS:
            cls = f"{'Async' if awaited else ''}{kind}"
            bases, body = blocks[cls]
            params = _generic_params(bases)
            # (methods, the type parameters they are written in, the entry's arguments for them)
            sources = [(body, params, params)]
            if bases.startswith("Filter["):
                filter_args = bases[len("Filter[") : bases.index("]")]
                sources.insert(
                    0, (blocks["Filter"][1], _generic_params(blocks["Filter"][0]), filter_args)
                )
            entries.append(_entry(cls, entry_name(kind, awaited), params, sources, calls))
        text = _any_select("".join(entries) + "".join(calls.values()))
        modules.append(
            HEADER
            + f'"""What a table method gives{" (async)" if awaited else ""}, before its first method; '
            + 'see typedb/stubgen/_lazy.py."""\n\n'
            # An entry's overloads look overlapping to pyright, whose check does not solve
            # the type variables `self` binds: told not to report it, for this file only.
            + "# pyright: reportOverlappingOverload=false\n\n"
            + _imports(query_text, text)
            + text
        )
    return _any_select(query_text), modules[0], modules[1]


def _any_select(text: str) -> str:
    """A select as a value (a subquery, a union's other side) may be a table's own, unchained:
    its lazy entry derives from SelectEntry (_common), which _query names without a cycle."""
    return _ANY_SELECT.sub(lambda m: f"{m.group(0)} | {m.group(1)}Entry", text)


def _imports(query_text: str, body: str) -> str:
    """What the lazy module's `body` names, imported from where `_query` has it (or from
    `_query` itself): only those, since a checker reports an unused import."""
    sources: dict[str, tuple[str, str]] = {}  # name: (module, the text that imports it)
    header = query_text[: query_text.index(" = TypeVar(")]
    for module, names in re.findall(
        r"^from ([\w.]+) import \(?([^)\n]*(?:\n    [^)\n]*)*)", header, re.M
    ):
        for item in re.split(r",\s*", names.strip().rstrip(",")):
            if item:
                sources[item.split(" as ")[-1]] = (module, item)
    defined = re.findall(r"^(?:class (\w+)\(|(\w+) = TypeVar\()", query_text, re.MULTILINE)
    for a, b in defined:
        if not (a or b).startswith("_"):
            sources[a or b] = ("typedb.facades._db._query", a or b)
    sources["Protocol"] = ("typing", "Protocol")
    sources["SelectEntry"] = ("typedb.facades._db._common", "SelectEntry")
    sources["AsyncSelectEntry"] = ("typedb.facades._db._common", "AsyncSelectEntry")
    used = set(re.findall(r"\b\w+\b", body))
    by_module: dict[str, list[str]] = {}
    for name in sorted(used & sources.keys()):
        module, item = sources[name]
        by_module.setdefault(module, []).append(item)
    return "".join(f"from {m} import {', '.join(by_module[m])}\n" for m in sorted(by_module)) + "\n"


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


def _renamer(own: str, args: str) -> Callable[[str], str]:
    """Rewrites text written in the type parameters `own` into the arguments `args` (Filter's
    `Loose` is `Never` in a write, where no alias is possible)."""
    mapping = dict(zip(own.split(", "), args.split(", "), strict=True))
    if all(k == v for k, v in mapping.items()):
        return lambda text: text
    word = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return lambda text: word.sub(lambda m: mapping[m.group(1)], text)


def _generic_params(bases: str) -> str:
    m = re.search(r"Generic\[([^\]]*)\]", bases)
    assert m is not None, bases
    return m.group(1)


def _entry(
    cls: str, lazy: str, params: str, sources: list[tuple[str, str, str]], calls: dict[str, str]
) -> str:
    """The protocol and the lazy class of `cls`; the callables of CALLABLES go to `calls`."""
    of = f"{lazy}[_{cls}Of[{params}], _Me]"
    soft_of = f"{lazy}[_{cls}Of[{params.replace('SoftDel', 'SoftDeletes')}], _Me]"
    body: list[str] = []
    for text, own, args in sources:
        rest, groups = _split_callables(text)
        for name, definitions in groups.items():
            call = CALLABLES[name]
            shared = f"class {call}(Generic[_Q, {own}]):\n" + _SELF.sub(
                "_Q", definitions.replace(f"def {name}(self", f"def __call__({RECEIVER}")
            )
            assert calls.setdefault(call, shared + "\n") == shared + "\n", call
            body.append(f"    @property\n    def {name}(self: {of}) -> {call}[_Me, {args}]: ...\n")
        for line in _renamer(own, args)(rest).splitlines(keepends=True):
            if _SOFT.search(line):
                # Only a query over a table with `deleted_at` has where_not_deleted().
                line = _SOFT.sub(f"(self: {soft_of}) -> _Me", line)
            else:
                line = _SELF.sub("_Me", _DEF.sub(rf"\1(self: {of}", line))
            body.append(line)
    # A select as a value may be a table's own select: SelectEntry marks one (see render_lazy).
    marker = f"{cls.removesuffix('Select')}SelectEntry, " if cls.endswith("Select") else ""
    return (
        f"class _{cls}Of(Protocol[{params}]):\n"
        f"    def {MEMBER}(self) -> {cls}[{params}]: ...\n\n"
        f"class {lazy}({marker}Generic[_Of, _Me]):\n"
        f'    """What `db`\'s table method gives for one table; see typedb/stubgen/_lazy.py."""\n\n'
        + "".join(body)
        + "\n"
    )


def _split_callables(text: str) -> tuple[str, dict[str, str]]:
    """A class body without its docstring, and apart from it the overloads of CALLABLES."""
    rest: list[str] = []
    groups: dict[str, str] = {}
    pending = ""
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if not stripped or stripped.startswith(_DOCSTRING):
            continue
        if stripped.startswith("@"):
            pending += line
            continue
        name = re.match(r"    (?:async )?def (\w+)\(", line)
        if name is not None and name.group(1) in CALLABLES:
            groups[name.group(1)] = groups.get(name.group(1), "") + pending + line
        else:
            rest.append(pending + line)
        pending = ""
    return "".join(rest), groups
