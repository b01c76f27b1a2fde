"""Reading expected outlines (the gold format of shared/gold/GUIDELINES.md) and comparing.

``- MARKER | HEAD`` is a required section, ``? MARKER | HEAD`` an optional one, two spaces of
indent per level, ``== TITLE`` starts a document. The comparison is exact: every required
section must be predicted with the same depth, marker and head (after NFKC and with trailing
punctuation dropped, as the scorer does); optional ones may be there or not; nothing else may.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

HEAD_PUNCT = "。，,；;：:！!？?、."


@dataclass(frozen=True)
class Entry:
    doc: int
    depth: int
    marker: str
    head: str
    optional: bool = False


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def norm_marker(marker: str) -> str:
    m = _squash(marker).rstrip(",:;")
    return m.rstrip("、") if m.startswith("第") else m


def norm_head(head: str) -> str:
    return _squash(head).lstrip(HEAD_PUNCT).rstrip(HEAD_PUNCT)


def read_outline(path: Path) -> tuple[list[str], list[Entry]]:
    titles: list[str] = []
    entries: list[Entry] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.startswith("source:"):
            continue
        if line.startswith("=="):
            titles.append(line[2:].strip())
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if body.endswith(" |"):
            body += " "
        if body[:2] not in ("- ", "? ") or " | " not in body or indent % 2:
            raise ValueError(f"{path}:{n}: cannot read outline line {raw!r}")
        marker, head = body[2:].split(" | ", 1)
        entries.append(Entry(max(len(titles) - 1, 0), indent // 2 + 1, marker.strip(), head.strip(),
                             body[0] == "?"))
    return titles, entries


def compare(expected: list[Entry], predicted: list[Entry]) -> list[str]:
    """Differences between an expected outline and a predicted one, in reading order."""
    problems: list[str] = []
    i = j = 0
    key = lambda e: (e.doc, e.depth, norm_marker(e.marker), norm_head(e.head))  # noqa: E731
    while i < len(expected) or j < len(predicted):
        if i < len(expected) and j < len(predicted) and key(expected[i]) == key(predicted[j]):
            i, j = i + 1, j + 1
        elif i < len(expected) and expected[i].optional:
            i += 1
        elif i < len(expected):
            e = expected[i]
            got = predicted[j] if j < len(predicted) else None
            problems.append(f"expected d{e.doc} depth {e.depth} {e.marker} | {e.head}; got "
                            + (f"d{got.doc} depth {got.depth} {got.marker} | {got.head}" if got else "nothing"))
            return problems
        else:
            p = predicted[j]
            problems.append(f"unexpected d{p.doc} depth {p.depth} {p.marker} | {p.head}")
            return problems
    return problems
