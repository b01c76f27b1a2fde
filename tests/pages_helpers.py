"""Helpers shared by the page-structure tests (split, blocks, front matter)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from speech2tei.decode import decode_bytes, split_lines
from speech2tei.model import Line

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


def fixture_lines(name: str) -> list[Line]:
    text = (FIXTURES / name).read_text("utf-8")
    return [Line(t, no) for no, t in enumerate(text.split("\n"), 1)]


def raw_lines(path: Path) -> list[Line]:
    text = decode_bytes(path.read_bytes()).text
    return [Line(t, no) for no, t in enumerate(split_lines(text), 1)]


def chars(texts: list[str]) -> Counter[str]:
    """The multiset of non-whitespace characters: what "nothing lost" compares."""
    return Counter(ch for text in texts for ch in text if not ch.isspace())
