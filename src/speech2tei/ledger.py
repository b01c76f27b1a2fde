"""The "nothing lost" invariant: every character of the input is kept or ledgered as removed.

Characters are compared as multisets, whitespace aside: the pipeline may move text between
lines, join wrapped lines and drop spaces, but every non-whitespace character of the input must
be in some document's text, in the page's own front items, or in ``Conversion.removed`` — and
nothing may appear that the input did not hold.

For HTML and .docx the input is the text the reader extracted (``RawInput.ledger_text``), not
the markup.
"""

from __future__ import annotations

from collections import Counter

from .model import Conversion, document_text


def visible(text: str) -> Counter[str]:
    """Multiset of the characters that count: everything but whitespace."""
    return Counter("".join(text.split()))  # str.split() drops exactly the isspace() characters


def output_characters(conv: Conversion) -> Counter[str]:
    """Characters the conversion accounts for: documents, page front items, removals
    (joined first and counted once: one C-level pass instead of thousands of small ones)."""
    pieces = [document_text(doc) for doc in conv.documents]
    pieces.extend(item.text for item in conv.page_front)
    pieces.extend(removal.text for removal in conv.removed)
    return visible("".join(pieces))


def check_nothing_lost(input_text: str, conv: Conversion, limit: int = 20) -> list[str]:
    """Problems with the invariant, readable ("lost 3 × '的'"); an empty list when it holds.

    At most ``limit`` problems of each kind are listed, most frequent first.
    """
    have = visible(input_text)
    out = output_characters(conv)
    lost = have - out
    invented = out - have
    problems = [f"lost {n} × {ch!r}" for ch, n in lost.most_common(limit)]
    problems += [f"invented {n} × {ch!r}" for ch, n in invented.most_common(limit)]
    for kind, extra in (("lost", lost), ("invented", invented)):
        if len(extra) > limit:
            rest = len(extra) - limit
            problems.append(f"{kind}: {rest} more distinct characters not listed")
    return problems


def assert_nothing_lost(input_text: str, conv: Conversion) -> None:
    """Raise AssertionError listing the problems when the invariant does not hold."""
    problems = check_nothing_lost(input_text, conv)
    if problems:
        name = conv.source.name
        raise AssertionError(f"{name}: nothing-lost check failed: " + "; ".join(problems))
