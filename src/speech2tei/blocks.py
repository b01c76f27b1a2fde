"""Stage 4: lines → blocks (paragraphs), with source line spans.

A block is a paragraph as the author meant it. Most inputs have one paragraph per line, but
three kinds of damage break that, and each is repaired here:

- hard wrapping (reprint databases wrap the body at a fixed width, a paragraph starts with an
  indent): detected per document from the line widths, and only then are lines joined;
- page breaks (a scraped page cuts a paragraph mid-sentence and continues it after a blank
  line): a prose paragraph that ends without a sentence end is joined to a following line
  that plausibly continues it — never to a heading, a title, a date or a numbered line;
- whole documents on one physical line, paragraphs separated only by runs of spaces
  (　　): split there.

The text shape helpers at the top (marker at the start, sentence end, display width) are also
used by split.py and frontmatter.py, which is why they live in the lowest of the three stages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .model import Block, Line
from .yamlio import load_yaml

# --- Shared text-shape helpers ----------------------------------------------------------


@lru_cache(maxsize=1)
def page_rules() -> dict[str, Any]:
    """The word lists and patterns of data/frontmatter.yaml (loaded once)."""
    text = resources.files("speech2tei").joinpath("data/frontmatter.yaml").read_text("utf-8")
    return load_yaml(text)


@lru_cache(maxsize=1)
def _marker_start_re() -> re.Pattern[str]:
    rules = page_rules()
    md = rules["markdown_heading"]
    alternatives = "|".join(f"(?:{p})" for p in rules["marker_start"])
    return re.compile(f"(?:{md})?\\s*(?:{alternatives})")


def _char_class(chars: str) -> str:
    return "[" + "".join(re.escape(ch) for ch in chars) + "]"


@dataclass(frozen=True, slots=True)
class _Shapes:
    """The rules of data/frontmatter.yaml that every line or paragraph is asked about,
    compiled once: character lists become character classes (one regex scan instead of a
    Python loop over the characters) and patterns are compiled outside the ``re`` cache."""

    sentence_end: str
    inner_end: re.Pattern[str]
    """One sentence end that may stand inside a line (``inner_sentence_end``)."""
    marker_start: re.Pattern[str]
    marker_inside: re.Pattern[str] | None
    """``marker_start`` for a match at an offset (``pattern.match(text, pos)``): the Markdown
    marks without their ``^``, which only holds at the real start of a string. None when the
    pattern has another ``^`` (then the text after the offset is copied and matched)."""
    markup_start: re.Pattern[str]
    fragment: re.Pattern[str]
    catalogue: re.Pattern[str]
    separator: re.Pattern[str]
    """A run of blanks that may separate paragraphs inside a line."""
    clause_mark: re.Pattern[str]
    continuation_start: str
    address_words: tuple[str, ...]
    """Salutations and closers: a line opening with one stands on its own."""
    inline_split_min_chars: int


@lru_cache(maxsize=1)
def _shapes() -> _Shapes:
    rules = page_rules()
    blocks = rules["blocks"]
    md = rules["markdown_heading"]
    inside = None
    if md.startswith("^") and "^" not in md[1:]:
        alternatives = "|".join(f"(?:{p})" for p in rules["marker_start"])
        inside = re.compile(f"(?:{md[1:]})?\\s*(?:{alternatives})")
    return _Shapes(
        sentence_end=rules["sentence_end"], inner_end=re.compile(_char_class(rules["inner_sentence_end"])),
        marker_start=_marker_start_re(), marker_inside=inside, markup_start=re.compile(blocks["markup_start"]),
        fragment=re.compile(blocks["fragment"]), catalogue=re.compile(rules["catalogue"]),
        separator=re.compile(f"\\s{{{blocks['inline_gap_min']},}}"),
        clause_mark=re.compile(_char_class(blocks["clause_marks"])),
        continuation_start=rules["continuation_start"],
        address_words=(*rules["salutations"], *rules["closers"]),
        inline_split_min_chars=blocks["inline_split_min_chars"],
    )


def starts_with_marker(text: str) -> bool:
    """True when ``text`` opens with section numbering (一、 （一） 1. 第一， 一是 首先，…)."""
    return _marker_start_re().match(text) is not None


def _marker_at(text: str, pos: int) -> bool:
    """``starts_with_marker(text[pos:])`` without copying the rest of the text."""
    inside = _shapes().marker_inside
    if inside is None:
        return starts_with_marker(text[pos:])
    return inside.match(text, pos) is not None


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with punctuation that closes a sentence or a bracket."""
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in _shapes().sentence_end


def has_inner_sentence_end(text: str) -> bool:
    """True when a sentence ends somewhere before the last character: the text is prose."""
    stripped = text.rstrip()
    return _shapes().inner_end.search(stripped, 0, len(stripped) - 1) is not None


def display_width(text: str) -> int:
    """Width as the fixed-width wrapping counted it: 1 for ASCII, 2 for everything else."""
    return 2 * len(text) - len(text.encode("ascii", "ignore"))


def indent_width(text: str) -> int:
    """Display width of the leading blank space of a line."""
    return display_width(text[: len(text) - len(text.lstrip())])


# --- Pieces: non-blank lines and inline segments ----------------------------------------


@dataclass(slots=True)
class _Piece:
    """One candidate paragraph: a non-blank line, or a segment of a line split at 　　."""

    text: str
    no: int
    hint: str | None
    indent: int
    width: int
    blank_before: bool
    inline_after: bool = False
    """The next piece is a segment of the same physical line (a separator the author set)."""


def _segments(body: str) -> list[str]:
    """Split a long stripped line at inline paragraph separators; letter-spaced runs stay
    together."""
    if len(body.split(None, 1)) == 1:
        return [body]  # not a blank in it (most lines): no regex scan needed
    spans: list[tuple[int, int]] = []
    pos = 0
    for gap in _shapes().separator.finditer(body):
        if _is_paragraph_gap(body, gap):
            spans.append((pos, gap.start()))
            pos = gap.end()
    if not spans:
        return [body]
    spans.append((pos, len(body)))
    return _rejoin_letter_spacing(body, [(a, b) for a, b in spans if b > a])


def _is_paragraph_gap(body: str, gap: re.Match[str]) -> bool:
    """A whitespace run inside a line that separates paragraphs: it holds a full-width space
    (the 　　 indent of the next paragraph), or it follows a sentence end or precedes a
    numbering marker. Double spaces inside a title (【 标  题 】, 深化改革  促进发展) are not.

    Both sides are read in place: copying the text before and after every gap would make a
    whole document on one line quadratic."""
    if "\u3000" in gap.group(0):
        return True
    i = gap.start() - 1
    while i >= 0 and body[i].isspace():  # what ``rstrip`` would take off the text before
        i -= 1
    return (i >= 0 and body[i] in _shapes().sentence_end) or _marker_at(body, gap.end())


def _rejoin_letter_spacing(body: str, spans: list[tuple[int, int]]) -> list[str]:
    """Join runs of one-character segments back (国　务　院 is one line, not three)."""
    merged: list[str] = []
    i = 0
    while i < len(spans):
        j = i  # extend over a run of one-character segments
        while j + 1 < len(spans) and spans[j][1] - spans[j][0] == 1 and spans[j + 1][1] - spans[j + 1][0] == 1:
            j += 1
        merged.append(body[spans[i][0] : spans[j][1]])
        i = j + 1
    return merged


def _pieces(lines: list[Line], raws: list[str]) -> list[_Piece]:
    """The non-blank lines as pieces (``raws``: the lines without trailing blanks), long lines
    split at their inline separators, with what hard wrapping is read from: indent and width."""
    split_min = _shapes().inline_split_min_chars
    pieces: list[_Piece] = []
    blank = False
    for line, raw in zip(lines, raws, strict=True):
        if not raw:
            blank = True
            continue
        width, indent, body = display_width(raw), indent_width(raw), raw.lstrip()
        segments = _segments(body) if len(body) >= split_min else [body]
        last = len(segments) - 1
        for k, seg in enumerate(segments):
            pieces.append(_Piece(seg, line.no, line.hint, indent if k == 0 else 0, width, blank and k == 0,
                                 k < last))
        blank = False
    return pieces


_Segment = tuple[str, int, str | None, bool]
"""A piece of text that may be a paragraph, where hard wrapping plays no part: its text, line
number, reader's hint and whether another segment of the same line follows."""


def _line_segments(lines: list[Line], raws: list[str]) -> list[_Segment]:
    """The non-blank lines as segments, long lines split at their inline separators (the
    pieces of ``_pieces`` without what only hard wrapping asks)."""
    split_min = _shapes().inline_split_min_chars
    segments: list[_Segment] = []
    for line, raw in zip(lines, raws, strict=True):
        if not raw:
            continue
        body = raw.lstrip()
        if len(body) < split_min:
            segments.append((body, line.no, line.hint, False))
            continue
        parts = _segments(body)
        last = len(parts) - 1
        for k, part in enumerate(parts):
            segments.append((part, line.no, line.hint, k < last))
    return segments


# --- Hard wrapping ----------------------------------------------------------------------


def wrap_width(lines: list[Line]) -> int | None:
    """The width a document was hard-wrapped at, or None when it was not wrapped.

    Wrapped text has many lines filled to one width and no line much wider; text with one
    paragraph per line has widths all over the place.
    """
    return _wrap_width([display_width(ln.text.rstrip()) for ln in lines if ln.text.strip()])


def _wrap_width(widths: list[int]) -> int | None:
    """``wrap_width`` from the display widths of the non-blank lines, read from their counts
    (a few hundred distinct widths, however many lines)."""
    rules = page_rules()["blocks"]
    if len(widths) < rules["wrap_min_lines"]:
        return None  # too few lines for the band of full lines that wrapping leaves
    all_counts = Counter(widths)
    counts = {w: c for w, c in all_counts.items() if w >= rules["wrap_min_width"]}
    if not counts:
        return None
    top = max(counts.values())
    width = max(w for w, c in counts.items() if c == top)
    slack = rules["wrap_slack"]
    band = sum(c for w, c in all_counts.items() if width - slack <= w <= width + 1)
    over = sum(c for w, c in all_counts.items() if w > width + slack)
    if band < rules["wrap_min_lines"] or band < rules["wrap_min_share"] * len(widths):
        return None
    if over > max(1, 0.02 * len(widths)):
        return None
    return width


def _continues_wrapped(prev: _Piece, cur: _Piece, width: int) -> bool:
    """In wrapped text: ``cur`` carries on ``prev`` (full line before, no indent now)."""
    rules = page_rules()["blocks"]
    if cur.blank_before or prev.inline_after or cur.hint or prev.hint:
        return False
    if _shapes().catalogue.match(cur.text):
        return False  # 【文章日期】… after a full 【 标  题 】 line is a field of its own
    if prev.width >= width - rules["wrap_slack"] and cur.indent < rules["indent_width"]:
        return True
    return _continues_centred_heading(prev, cur)


def _continues_centred_heading(prev: _Piece, cur: _Piece) -> bool:
    """A centred heading wrapped onto a second, less indented centred line."""
    deep = page_rules()["blocks"]["heading_indent"]
    return (prev.indent >= deep and deep <= cur.indent < prev.indent
            and not ends_sentence(prev.text) and not starts_with_marker(cur.text))


# --- Page breaks ------------------------------------------------------------------------

_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _is_fragment(text: str) -> bool:
    """A stray bit of a number on a line of its own (the "2.5" of PM2.5)."""
    return _shapes().fragment.match(text.strip()) is not None


class _Paragraph:
    """A paragraph being assembled from stripped, non-empty pieces of text.

    The pieces are joined once, when the paragraph is done: joining at every continuation
    would copy the paragraph so far each time, quadratic in a long hard-wrapped paragraph.
    What ``continues_sentence`` asks of the text so far (open quotation marks, commas, a
    sentence end inside it) is counted piece by piece, each piece once, instead of over the
    whole text again at every line. Whether the text so far opens with a marker is asked of
    a buffer that holds it and the pieces that may follow (``ahead``): the regex reads the
    buffer as if it ended where the text so far ends, and the buffer is rebuilt only when
    the paragraph has outgrown it, each time twice as long.
    """

    __slots__ = ("ahead", "at", "buffer", "close_quotes", "commas", "counted", "covered", "inner_end", "last_inner",
                 "length", "open_quotes", "parts")

    def __init__(self, text: str, ahead: list[_Segment] | None = None, at: int = 0) -> None:
        self.parts = [text]
        self.length = len(text)
        self.ahead = ahead or []
        self.at = at
        """``ahead[at:]`` are the pieces whose stripped texts are the parts that may follow."""
        self.buffer = ""
        self.covered = 0
        """How many parts (from the first) ``buffer`` holds."""
        self.counted = 0
        """How many parts the counts below have read."""
        self.open_quotes = self.close_quotes = self.commas = 0
        self.inner_end = False
        """A sentence end stands before the last character read."""
        self.last_inner = False
        """The last character read is a sentence end that may stand inside a line."""

    def append(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    @property
    def last(self) -> str:
        return self.parts[-1][-1]

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def count(self) -> None:
        """Bring the counts up to date with the parts appended since they were last read."""
        inner = _shapes().inner_end
        for part in self.parts[self.counted:]:
            self.open_quotes += part.count("“")
            self.close_quotes += part.count("”")
            self.commas += part.count("，") + part.count(",")
            self.inner_end = (self.inner_end or self.last_inner
                              or inner.search(part, 0, len(part) - 1) is not None)
            self.last_inner = inner.match(part, len(part) - 1) is not None
        self.counted = len(self.parts)

    def starts_with_marker(self) -> bool:
        """``starts_with_marker`` of the text so far."""
        if len(self.parts) == 1:
            return starts_with_marker(self.parts[0])
        if self.covered < len(self.parts):
            self._refill()
        return _marker_start_re().match(self.buffer, 0, self.length) is not None

    def _refill(self) -> None:
        """Hold the text so far and about as much again of the pieces that may follow."""
        more: list[str] = []
        size, k = self.length, self.at + len(self.parts) - 1
        while size < 2 * self.length and k < len(self.ahead):
            text = self.ahead[k][0].strip()
            more.append(text)
            size += len(text)
            k += 1
        self.buffer = "".join(self.parts) + "".join(more)
        self.covered = len(self.parts) + len(more)

    def is_prose(self) -> bool:
        """``is_prose`` of the text so far."""
        self.count()
        if self.inner_end:
            return True
        if self.starts_with_marker():
            return False
        rules = page_rules()["blocks"]
        return (self.length >= rules["prose_min_chars"]
                or (self.length >= rules["clause_min_chars"] and self.commas >= rules["clause_commas"])
                or (self.last in rules["open_end"] and self.length >= rules["open_end_min_chars"]))


def is_prose(text: str) -> bool:
    """A paragraph of running text rather than a title, heading, name or date line.

    Prose has a sentence end inside it, or is long, or runs clause after clause, or stops at a
    comma after a good run of text; a numbered line without a sentence inside is a heading
    however long it is.
    """
    text = text.strip()
    return bool(text) and _Paragraph(text).is_prose()


def continues_sentence(prev_text: str, next_text: str, *, after_fragment: bool = False) -> bool:
    """True when ``next_text`` plausibly carries on a sentence ``prev_text`` left open.

    ``after_fragment`` says that ``prev_text`` ends with a fragment joined from its own line,
    which is evidence enough that the sentence goes on.
    """
    prev_text, next_text = prev_text.strip(), next_text.strip()
    return bool(prev_text) and _continues(_Paragraph(prev_text), next_text, after_fragment)


def _continues(prev: _Paragraph, next_text: str, after_fragment: bool) -> bool:
    """``continues_sentence`` of a paragraph being assembled and the stripped next text."""
    shapes = _shapes()
    if not next_text or prev.last in shapes.sentence_end or _stands_apart(next_text, shapes):
        return False
    prev.count()
    if prev.open_quotes > prev.close_quotes:
        return True  # a line that stops inside a quotation has not ended (……市场“双向 / 揭榜)
    fragment = shapes.fragment.match(next_text) is not None
    if fragment and prev.last in _ASCII_ALNUM:
        return True  # ……细颗粒物PM / 2.5
    if not (after_fragment or prev.is_prose()):
        return False
    if next_text[0] in shapes.continuation_start or fragment:
        return True
    if shapes.clause_mark.search(next_text) is None:
        return False  # no clause in it: a title, a label, a name — not the rest of a sentence
    if len(next_text) >= page_rules()["blocks"]["continuation_min_chars"]:
        return True
    return _is_sentence_tail(next_text)


def _stands_apart(text: str, shapes: _Shapes) -> bool:
    """A line that opens with a numbering marker or markup never carries on the line before,
    whatever that line is."""
    return shapes.marker_start.match(text) is not None or shapes.markup_start.match(text) is not None


def _is_sentence_tail(text: str) -> bool:
    """A short line that finishes a sentence (亩,任务十分艰巨。): a clause break inside, a sentence
    end at the end, and not an address or closing words standing on their own line."""
    if not ends_sentence(text) or not any(c in text for c in "，,、"):
        return False
    return not text.startswith(_shapes().address_words)


# --- Assembly ---------------------------------------------------------------------------


def make_blocks(lines: list[Line], *, wrap: bool | None = None) -> list[Block]:
    """Paragraphs of one document, each with the source lines it came from.

    ``wrap`` forces hard-wrap joining on (True) or off (False); by default the document's
    line widths decide.
    """
    raws = [line.text.rstrip() for line in lines]
    # display_width of every non-blank line, spelled out: a call per line costs more than the sum
    widths = [2 * len(raw) - len(raw.encode("ascii", "ignore")) for raw in raws if raw]
    width = _wrap_width(widths) if wrap is not False else None
    if wrap and width is None:
        width = max(widths, default=0)
    if width is not None:
        return _join_wrapped(_pieces(lines, raws), width)
    return _join_page_breaks(_line_segments(lines, raws))


def _join_wrapped(pieces: list[_Piece], width: int) -> list[Block]:
    """Hard-wrapped text: a line filled to the width goes on in the next unindented line."""
    blocks: list[Block] = []
    parts: list[str] = []  # the pieces of the last block, joined when it is done
    prev: _Piece | None = None
    for piece in pieces:
        if blocks and prev is not None and _continues_wrapped(prev, piece, width):
            parts.append(piece.text.strip())
            blocks[-1].end = piece.no
        else:
            _finish(blocks, parts)
            parts = [piece.text.strip()]
            blocks.append(Block(parts[0], piece.no, piece.no, piece.hint))  # type: ignore[arg-type]
        prev = piece
    _finish(blocks, parts)
    return blocks


def _finish(blocks: list[Block], parts: list[str]) -> None:
    """Give the last block the text of all its parts."""
    if len(parts) > 1:
        blocks[-1].text = "".join(parts)


def _join_page_breaks(segments: list[_Segment]) -> list[Block]:
    """One paragraph per line, except sentences cut by a page break, which are joined."""
    blocks: list[Block] = []
    growing: _Paragraph | None = None  # the last block, once a piece was joined to it or asked
    shapes = _shapes()
    sentence_end = shapes.sentence_end
    joinable = False  # the last block may be continued (not a heading, not an inline segment)
    after_fragment = False
    for n, (raw, no, hint, inline_after) in enumerate(segments):
        text = raw.strip()
        if joinable and not hint and (growing is not None or blocks[-1].text[-1:] not in sentence_end):
            if growing is None and text and not _stands_apart(text, shapes):
                growing = _Paragraph(blocks[-1].text, segments, n)  # asked only when it may go on
            if growing is not None and _continues(growing, text, after_fragment):
                growing.append(text)
                blocks[-1].end = no
                after_fragment = _is_fragment(text)
                joinable = not inline_after
                continue
        if growing is not None:
            blocks[-1].text = growing.text
            growing = None
        blocks.append(Block(text, no, no, hint))  # type: ignore[arg-type]
        after_fragment = False
        joinable = not inline_after and not hint
    if growing is not None:
        blocks[-1].text = growing.text
    return blocks
