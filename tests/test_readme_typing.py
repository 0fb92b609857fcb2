"""README.md's Python examples under mypy --strict (with and without the typedb.mypy_plugin
that README recommends), pyright strict and ty, as a user's code.

Checked: every block that uses the typed facades (`from typedb.facades.db import ...`) against
the demo app's stubs, and the query builder tour (with "Names are names"), rewritten from
`typedb.connect("sqlite://")` to the typed facade's `connect()`, against stubs generated from
the tour's own schema (tests/_typing_session.py). The lines README shows as mistakes must be
flagged by all four checkers; every other line must be clean, except the known false errors
listed below, which are expected failures (strict) so the stub fix that clears one fails its
test until it leaves the list.
"""

from __future__ import annotations

import pytest
from _typing_harness import ALL_CHECKERS, PLUGIN
from _typing_session import Env, ReadmeBlock, readme_tour_blocks, readme_typed_blocks, report_of
from _typing_session import shared_env as _shared_env

ALL = frozenset(ALL_CHECKERS)

# README lines that show a mistake on purpose (a fragment of the line): every checker flags them.
DELIBERATE = (
    '.where("prize", "<", 10)',
    'db.insert_into("itemz")',
    '.where("nmae", ',
    '.where("price", "=", "cheap")',
    '.values({"description": "no name"})',
    '.set({"colour": "red"})',
    'count: int = row["name"]',
)

# README lines that show a mistake only the plugin catches (README's "What each checker
# enforces" says the stubs do not): mypy+plugin flags them, the other checkers stay clean.
PLUGIN_DELIBERATE = ('.union(db.select_from("invoices").select("id", "total"))',)


def deliberate(checker: str) -> tuple[str, ...]:
    """The fragments of README lines that `checker` must flag."""
    return DELIBERATE + (PLUGIN_DELIBERATE if checker == PLUGIN else ())


# Forms README shows, that run, and that a checker rejects today: (fragment, checkers, why).
KNOWN_FALSE: tuple[tuple[str, frozenset[str], str], ...] = (
    # (a fragment of a README line, the checkers that flag it, why): none today. The one
    # form README documents as a false error (plain mypy's strict equality on a narrowed
    # select's rows, "What each checker enforces") is not written in README's examples.
)  # fmt: skip


def blocks() -> list[tuple[str, ReadmeBlock]]:
    return [("demo", b) for b in readme_typed_blocks()] + [
        ("readme", b) for b in readme_tour_blocks()
    ]


BLOCKS = blocks()


@pytest.fixture(scope="session")
def envs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Env]:
    return {which: _shared_env(tmp_path_factory, which) for which in ("demo", "readme")}


def flagged_lines(env: Env, checker: str, block: ReadmeBlock) -> dict[str, list[str]]:
    """The block's README lines (their text) that `checker` flags, with its messages."""
    lines = block.code.splitlines()
    report = report_of(env, checker)
    return {
        lines[line - 1].strip(): messages
        for (name, line), messages in report.errors.items()
        if name == block.name
    }


def test_readme_has_typed_blocks_and_the_tour() -> None:
    names = [b.name for _, b in BLOCKS]
    assert sum(n.startswith("readme_tour_") for n in names) >= 2, names
    assert len(names) >= 5, names
    for fragment, _checkers, _why in KNOWN_FALSE:
        assert any(fragment in b.code for _, b in BLOCKS), f"stale KNOWN_FALSE entry: {fragment}"


@pytest.mark.parametrize(
    ("checker", "which", "block"),
    [(c, w, b) for w, b in BLOCKS for c in ALL_CHECKERS],
    ids=[f"{c}-{b.name}:{b.first_line}" for w, b in BLOCKS for c in ALL_CHECKERS],
)
def test_readme_block_is_clean_but_for_its_shown_mistakes(
    envs: dict[str, Env], checker: str, which: str, block: ReadmeBlock
) -> None:
    flagged = flagged_lines(envs[which], checker, block)
    head = block.code.splitlines()[: block.head_lines]
    code = block.code.splitlines()[block.head_lines :]
    shown = deliberate(checker)
    missed = [
        line for line in code if any(d in line for d in shown) and line.strip() not in flagged
    ]
    known = {f for f, checkers, _ in KNOWN_FALSE if checker in checkers}
    unexpected = {
        text: messages
        for text, messages in flagged.items()
        if not any(d in text for d in shown)
        and not any(k in text for k in known)
        and text not in (h.strip() for h in head)
    }
    assert not missed, f"README's shown mistakes that {checker} does not flag: {missed}"
    assert not unexpected, (
        f"README lines {checker} flags (line numbers: {block.name}): {unexpected}"
    )


@pytest.mark.parametrize(
    ("checker", "fragment"),
    [
        pytest.param(c, f, marks=pytest.mark.xfail(strict=True, reason=why))
        for f, checkers, why in KNOWN_FALSE
        for c in sorted(checkers)
    ],
)
def test_readme_form_has_no_false_error(envs: dict[str, Env], checker: str, fragment: str) -> None:
    """xfail today; a stub fix that makes the form clean turns this into XPASS (a failure):
    remove the entry from KNOWN_FALSE then."""
    for which, block in BLOCKS:
        if fragment in block.code:
            flagged = flagged_lines(envs[which], checker, block)
            assert not [t for t in flagged if fragment in t], flagged
