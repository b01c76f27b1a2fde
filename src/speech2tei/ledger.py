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

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
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
    """A document's kept pieces in output order: front, body, back."""
    pieces = [(item.lines[0], item.text) for item in doc.front]
    pieces.extend(_body_pieces(doc.body))
    pieces.extend((item.lines[0], item.text) for item in doc.back)
    return pieces


def pieces_by_line(conv: Conversion) -> list[Piece]:
    """Every kept and removed piece, ordered by the line it starts on (stable: pieces of one
    line stay in output order: page text, then the documents', then removed text)."""
    pieces: list[Piece] = [(item.lines[0], item.text) for item in conv.page_front]
    for doc in conv.documents:
        pieces.extend(document_pieces(doc))
    pieces.extend((removal.line, removal.text) for removal in conv.removed)
    pieces.sort(key=itemgetter(0))
    return pieces


Segment = tuple[tuple[int, int], str]
"""A document's line span and its stretch of the laid-out output (visible characters): its
own pieces and the page's pieces on its lines, in the order ``pieces_by_line`` gives them."""


class PagePieces:
    """The page's own pieces (page text, removed text), each kind ordered by line, so the
    pieces on a document's lines are found by bisection.

    Where documents are parsed in other processes (``fanout``), each lays out its stretch of
    the output (``document_segment``) and only that string travels back; ``laid_out`` then
    puts the stretches and the pieces between documents in line order. The result is the
    string ``pieces_by_line`` spells for the whole model, because the documents' line spans
    do not overlap (``spans_apart``) and every piece of a document lies within its span."""

    def __init__(self, conv: Conversion) -> None:
        self.front = sorted(((item.lines[0], item.text) for item in conv.page_front), key=itemgetter(0))
        self.removed = sorted(((r.line, r.text) for r in conv.removed), key=itemgetter(0))
        self._front_lines = [line for line, _ in self.front]
        self._removed_lines = [line for line, _ in self.removed]

    def within(self, first: int, last: int) -> tuple[list[Piece], list[Piece]]:
        """Page text and removed text on lines ``first`` to ``last``."""
        return (_between(self.front, self._front_lines, first, last),
                _between(self.removed, self._removed_lines, first, last))


def _between(pieces: list[Piece], lines: list[int], first: int, last: int) -> list[Piece]:
    return pieces[bisect_left(lines, first) : bisect_right(lines, last)]


def document_segment(doc: Document, page: PagePieces) -> Segment | None:
    """The document's stretch of the laid-out output; None if a piece of it lies outside its
    span (then only the whole model laid out at once is right)."""
    first, last = doc.lines
    own = document_pieces(doc)
    if any(not first <= line <= last for line, _ in own):
        return None
    front, removed = page.within(first, last)
    pieces = [*front, *own, *removed]
    pieces.sort(key=itemgetter(0))
    return doc.lines, visible_text("".join(text for _, text in pieces))


def spans_apart(segments: list[Segment]) -> bool:
    """True when the documents' spans follow one another without sharing a line."""
    return all(prev[0][1] < seg[0][0] for prev, seg in pairwise(segments))


def laid_out(conv: Conversion, segments: list[Segment]) -> str:
    """The visible output in line order from the documents' stretches (see ``PagePieces``)
    and the page's pieces that lie between documents."""
    starts = [span[0] for span, _ in segments]

    def between_documents(line: int) -> bool:
        k = bisect_right(starts, line) - 1
        return k < 0 or line > segments[k][0][1]

    pieces: list[Piece] = [(item.lines[0], item.text) for item in conv.page_front
                           if between_documents(item.lines[0])]
    pieces.extend((span[0], text) for span, text in segments)
    pieces.extend((r.line, r.text) for r in conv.removed if between_documents(r.line))
    pieces.sort(key=itemgetter(0))
    return visible_text("".join(text for _, text in pieces))


def visible_pair(input_text: str, conv: Conversion,
                 segments: list[Segment] | None = None) -> tuple[str, str]:
    """The input's visible characters and the output's, the latter laid out by source line.
    The same pair serves the in-order comparison and, where that fails, the counting (a
    multiset does not care about order), so the model is walked once. ``segments``: the
    documents' stretches where they were laid out elsewhere (``document_segment``)."""
    if segments is not None:
        return visible_text(input_text), laid_out(conv, segments)
    return visible_text(input_text), visible_text("".join(text for _, text in pieces_by_line(conv)))


def check_nothing_lost(input_text: str, conv: Conversion, limit: int = 20, *,
                       segments: list[Segment] | None = None) -> list[str]:
    """Problems with the invariant, readable ("lost 3 × '的'"); an empty list when it holds.

    At most ``limit`` problems of each kind are listed, most frequent first. ``segments``:
    see ``visible_pair``.
    """
    have_text, out_text = visible_pair(input_text, conv, segments)
    if have_text == out_text:  # laid out by line they spell the input: equal strings, equal multisets
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
