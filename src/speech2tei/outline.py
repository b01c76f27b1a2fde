"""Outline writer: the section tree as a table of contents (text) or the scoring JSON.

The JSON shape is the contract of ``shared/eval/score_outline.py``:
``{"documents": [{"title": …, "sections": [{"depth", "marker", "head"}, …]}]}`` with
sections in document order; we add the style, certainty and source line of each.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Conversion, Section, iter_sections


def outline_dict(conv: Conversion) -> dict[str, Any]:
    return {"documents": [
        {"title": doc.title,
         "sections": [_section_entry(s) for s in iter_sections(doc.body)]}
        for doc in conv.documents
    ]}


def _section_entry(s: Section) -> dict[str, Any]:
    return {"depth": s.level, "marker": s.marker_label, "head": s.head, "style": s.style,
            "cert": s.cert, "line": s.lines[0]}


def outline_json(conv: Conversion) -> str:
    return json.dumps(outline_dict(conv), ensure_ascii=False, indent=1) + "\n"


def outline_text(conv: Conversion, *, width: int = 60) -> str:
    """An indented table of contents for people: one line per section, doubtful heads marked."""
    out: list[str] = []
    for n, doc in enumerate(conv.documents, 1):
        if len(conv.documents) > 1 or doc.title:
            out.append(f"== {doc.title or '(untitled)'}" + (f"  [{n}/{len(conv.documents)}]"
                                                          if len(conv.documents) > 1 else ""))
        for s in iter_sections(doc.body):
            head = s.head if len(s.head) <= width else s.head[: width - 1] + "…"
            flag = "" if s.cert == "high" else f"  (cert {s.cert})"
            out.append(f"{'  ' * (s.level - 1)}{s.marker_label} {head}{flag}")
    return "\n".join(out) + "\n"
