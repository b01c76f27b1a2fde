"""Stage 3: split a page into documents (a compilation holds several pieces)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import FrontItem, Line, Removal


@dataclass(slots=True)
class Split:
    documents: list[list[Line]]
    page_front: list[FrontItem] = field(default_factory=list)
    page_title: str | None = None
    uploader: str | None = None
    removed: list[Removal] = field(default_factory=list)


def split_documents(lines: list[Line]) -> Split:
    """One document per input until compilation markers (篇1:) are handled."""
    return Split([lines])
