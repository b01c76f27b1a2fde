"""The "nothing lost" invariant: every character of the input is kept or ledgered as removed.

Characters are compared as multisets, whitespace aside: the pipeline may move text between
lines, join wrapped lines and drop spaces, but every non-whitespace character of the input must
be in some document's text, in the page's own front items, or in ``Conversion.removed`` — and
nothing may appear that the input did not hold.

For HTML and .docx the input is the text the reader extracted (``RawInput.ledger_text``), not
the markup.

Counting every character of a 50 MB input twice is the costly way; most inputs are read in
order, so the check first lays the kept and removed pieces out by source line and compares the
result with the input as one string (a C-level comparison). Only where that differs (text removed
from inside a line, a line joined across a removal) are the multisets counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from operator import itemgetter

from .model import Conversion, Document, Node, Section

Piece = tuple[int, str]
"""A piece of output text and the source line it starts on."""


def visible_text(text: str) -> str:
    """The characters that count, in order: everything but whitespace (``str.split()`` drops
    exactly the ``isspace()`` characters)."""
    return "".join(text.split())


def visible(text: str) -> Counter[str]:
    """Multiset of the characters that count."""
    return Counter(visible_text(text))


def _body_pieces(nodes: list[Node]) -> Iterator[Piece]:
    for node in nodes:
        if isinstance(node, Section):
            yield node.lines[0], node.marker + node.head + node.head_end
            yield from _body_pieces(node.children)
        else:
            yield node.lines[0], node.text


def document_pieces(doc: Document) -> list[Piece]:
    """A document's kept pieces in output order: front, body, back. Computed where the
    document is parsed (a worker process, for a large input), so only the pieces travel."""
    pieces = [(item.lines[0], item.text) for item in doc.front]
    pieces.extend(_body_pieces(doc.body))
    pieces.extend((item.lines[0], item.text) for item in doc.back)
    return pieces


def pieces_by_line(conv: Conversion, documents: Iterable[list[Piece]] | None = None) -> list[Piece]:
    """Every kept and removed piece, ordered by the line it starts on (stable: pieces of one
    line stay in output order). ``documents`` gives each document's pieces where they were
    laid out elsewhere (``document_pieces``); by default they come from ``conv.documents``."""
    if documents is None:
        documents = map(document_pieces, conv.documents)
    pieces: list[Piece] = [(item.lines[0], item.text) for item in conv.page_front]
    for doc_pieces in documents:
        pieces.extend(doc_pieces)
    pieces.extend((removal.line, removal.text) for removal in conv.removed)
    pieces.sort(key=itemgetter(0))
    return pieces


def visible_pair(input_text: str, conv: Conversion,
                 documents: Iterable[list[Piece]] | None = None) -> tuple[str, str]:
    """The input's visible characters and the output's, the latter laid out by source line.
    The same pair serves the in-order comparison and, where that fails, the counting (a
    multiset does not care about order), so the model is walked once."""
    laid_out = "".join(text for _, text in pieces_by_line(conv, documents))
    return visible_text(input_text), visible_text(laid_out)


def same_in_order(input_text: str, conv: Conversion) -> bool:
    """True when the pieces laid out by source line spell the input, whitespace aside: then
    the invariant holds without counting (equal strings are equal multisets)."""
    have, out = visible_pair(input_text, conv)
    return have == out


def check_nothing_lost(input_text: str, conv: Conversion, limit: int = 20, *,
                       documents: Iterable[list[Piece]] | None = None) -> list[str]:
    """Problems with the invariant, readable ("lost 3 × '的'"); an empty list when it holds.

    At most ``limit`` problems of each kind are listed, most frequent first. ``documents``:
    see ``pieces_by_line``.
    """
    have_text, out_text = visible_pair(input_text, conv, documents)
    if have_text == out_text:
        return []
    have, out = Counter(have_text), Counter(out_text)
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
