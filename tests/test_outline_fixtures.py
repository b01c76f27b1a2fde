"""Golden outlines: every fixture text (and every example) parses to its hand-made outline."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from outline_format import Entry, compare, read_outline

from speech2tei import convert_path, outline_dict

CASES = sorted((FIXTURES / "outline").glob("*.outline")) + sorted((REPO / "examples").glob("*.outline"))


def predicted(path: Path) -> tuple[list[str | None], list[Entry]]:
    data = outline_dict(convert_path(path))
    titles = [d["title"] for d in data["documents"]]
    entries = [Entry(n, s["depth"], s["marker"], s["head"])
               for n, d in enumerate(data["documents"]) for s in d["sections"]]
    return titles, entries


def test_there_are_golden_outlines() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("gold", CASES, ids=lambda p: p.stem)
def test_golden_outline(gold: Path) -> None:
    titles, expected = read_outline(gold)
    got_titles, got = predicted(gold.with_suffix(".txt"))
    assert compare(expected, got) == []
    assert len(got_titles) == len(titles)
