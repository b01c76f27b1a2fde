"""``outline --explain``: every marker candidate, taken or rejected, and the rule that decided."""

from __future__ import annotations

from .pipeline import Explained


def explain_text(documents: list[Explained]) -> str:
    out: list[str] = []
    for n, doc in enumerate(documents, 1):
        out.append(f"== document {n}: {len(doc.candidates)} candidates")
        for c in doc.candidates:
            block = doc.blocks[c.block]
            verdict = "TAKE  " if c.accepted else "reject"
            context = block.text[max(c.start - 6, 0):c.end + 10].replace("\n", " ")
            out.append(f"{block.start:>5}  {verdict} {c.text.strip():<8} {c.style.name:<14} "
                       f"{c.position:<8} {c.reason}  «{context}»")
    return "\n".join(out) + "\n"
