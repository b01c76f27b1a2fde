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


def starts_with_marker(text: str) -> bool:
    """True when ``text`` opens with section numbering (一、 （一） 1. 第一， 一是 首先，…)."""
    return _marker_start_re().match(text) is not None


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with punctuation that closes a sentence or a bracket."""
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in page_rules()["sentence_end"]


def has_inner_sentence_end(text: str) -> bool:
    """True when a sentence ends somewhere before the last character: the text is prose."""
    inner = page_rules()["inner_sentence_end"]
    return any(ch in inner for ch in text.rstrip()[:-1])


def is_prose(text: str) -> bool:
    """A paragraph of running text rather than a title, heading, name or date line.

    Prose has a sentence end inside it, or is long, or runs clause after clause, or stops at a
    comma after a good run of text; a numbered line without a sentence inside is a heading
    however long it is.
    """
    text = text.strip()
    rules = page_rules()["blocks"]
    if has_inner_sentence_end(text):
        return True
    if not text or starts_with_marker(text):
        return False
    clauses = sum(text.count(c) for c in "，,")
    return (len(text) >= rules["prose_min_chars"]
            or (len(text) >= rules["clause_min_chars"] and clauses >= rules["clause_commas"])
            or (text[-1] in rules["open_end"] and len(text) >= rules["open_end_min_chars"]))


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


def _segments(text: str) -> list[str]:
    """Split a long line at inline paragraph separators; letter-spaced runs stay together."""
    rules = page_rules()["blocks"]
    body = text.strip()
    if len(body) < rules["inline_split_min_chars"]:
        return [body]
    parts: list[str] = []
    pos = 0
    for gap in re.finditer(rules["inline_separator"], body):
        if _is_paragraph_gap(body, gap):
            parts.append(body[pos : gap.start()])
            pos = gap.end()
    parts.append(body[pos:])
    return _rejoin_letter_spacing(body, [p for p in parts if p])


def _is_paragraph_gap(body: str, gap: re.Match[str]) -> bool:
    """A whitespace run inside a line that separates paragraphs: it holds a full-width space
    (the 　　 indent of the next paragraph), or it follows a sentence end or precedes a
    numbering marker. Double spaces inside a title (【 标  题 】, 深化改革  促进发展) are not."""
    if "\u3000" in gap.group(0):
        return True
    before = body[: gap.start()]
    return ends_sentence(before) or starts_with_marker(body[gap.end():])


def _rejoin_letter_spacing(body: str, parts: list[str]) -> list[str]:
    """Join runs of one-character segments back (国　务　院 is one line, not three)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for part in parts:
        start = body.index(part, pos)
        spans.append((start, start + len(part)))
        pos = start + len(part)
    merged: list[str] = []
    i = 0
    while i < len(spans):
        j = i  # extend over a run of one-character segments
        while j + 1 < len(spans) and spans[j][1] - spans[j][0] == 1 and spans[j + 1][1] - spans[j + 1][0] == 1:
            j += 1
        merged.append(body[spans[i][0] : spans[j][1]])
        i = j + 1
    return merged


def _pieces(lines: list[Line]) -> list[_Piece]:
    """The non-blank lines as pieces, long lines split at their inline separators."""
    pieces: list[_Piece] = []
    blank = False
    for line in lines:
        if not line.text.strip():
            blank = True
            continue
        raw = line.text.rstrip()
        segments = _segments(raw)
        for k, seg in enumerate(segments):
            pieces.append(_Piece(seg, line.no, line.hint, indent_width(raw) if k == 0 else 0,
                                 display_width(raw), blank and k == 0,
                                 inline_after=k + 1 < len(segments)))
        blank = False
    return pieces


# --- Hard wrapping ----------------------------------------------------------------------


def wrap_width(lines: list[Line]) -> int | None:
    """The width a document was hard-wrapped at, or None when it was not wrapped.

    Wrapped text has many lines filled to one width and no line much wider; text with one
    paragraph per line has widths all over the place.
    """
    rules = page_rules()["blocks"]
    widths = [display_width(ln.text.rstrip()) for ln in lines if ln.text.strip()]
    wide = [w for w in widths if w >= rules["wrap_min_width"]]
    if not wide:
        return None
    counts = Counter(wide)
    top = max(counts.values())
    width = max(w for w, c in counts.items() if c == top)
    slack = rules["wrap_slack"]
    band = sum(1 for w in widths if width - slack <= w <= width + 1)
    over = sum(1 for w in widths if w > width + slack)
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
    if re.match(page_rules()["catalogue"], cur.text):
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


def _is_fragment(text: str) -> bool:
    """A stray bit of a number on a line of its own (the "2.5" of PM2.5)."""
    return re.match(page_rules()["blocks"]["fragment"], text.strip()) is not None


def continues_sentence(prev_text: str, next_text: str, *, after_fragment: bool = False) -> bool:
    """True when ``next_text`` plausibly carries on a sentence ``prev_text`` left open.

    ``after_fragment`` says that ``prev_text`` ends with a fragment joined from its own line,
    which is evidence enough that the sentence goes on.
    """
    rules = page_rules()
    prev_text, next_text = prev_text.strip(), next_text.strip()
    if not prev_text or not next_text or ends_sentence(prev_text):
        return False
    if starts_with_marker(next_text) or re.match(rules["blocks"]["markup_start"], next_text):
        return False
    if prev_text.count("“") > prev_text.count("”"):
        return True  # a line that stops inside a quotation has not ended (……市场“双向 / 揭榜)
    fragment = _is_fragment(next_text)
    if fragment and re.search(r"[A-Za-z0-9]$", prev_text):
        return True  # ……细颗粒物PM / 2.5
    if not (is_prose(prev_text) or after_fragment):
        return False
    if next_text[0] in rules["continuation_start"] or fragment:
        return True
    if not any(ch in rules["blocks"]["clause_marks"] for ch in next_text):
        return False  # no clause in it: a title, a label, a name — not the rest of a sentence
    if len(next_text) >= rules["blocks"]["continuation_min_chars"]:
        return True
    return _is_sentence_tail(next_text)


def _is_sentence_tail(text: str) -> bool:
    """A short line that finishes a sentence (亩,任务十分艰巨。): a clause break inside, a sentence
    end at the end, and not an address or closing words standing on their own line."""
    rules = page_rules()
    if not ends_sentence(text) or not any(c in text for c in "，,、"):
        return False
    words = [*rules["salutations"], *rules["closers"]]
    return not any(text.startswith(w) for w in words)


# --- Assembly ---------------------------------------------------------------------------


def make_blocks(lines: list[Line], *, wrap: bool | None = None) -> list[Block]:
    """Paragraphs of one document, each with the source lines it came from.

    ``wrap`` forces hard-wrap joining on (True) or off (False); by default the document's
    line widths decide.
    """
    pieces = _pieces(lines)
    width = wrap_width(lines) if wrap is not False else None
    if wrap and width is None:
        width = max((p.width for p in pieces), default=0)
    return _join_wrapped(pieces, width) if width is not None else _join_page_breaks(pieces)


def _join_wrapped(pieces: list[_Piece], width: int) -> list[Block]:
    """Hard-wrapped text: a line filled to the width goes on in the next unindented line."""
    blocks: list[Block] = []
    prev: _Piece | None = None
    for piece in pieces:
        if blocks and prev is not None and _continues_wrapped(prev, piece, width):
            last = blocks[-1]
            blocks[-1] = Block(last.text + piece.text.strip(), last.start, piece.no, last.hint)
        else:
            blocks.append(_block(piece))
        prev = piece
    return blocks


def _join_page_breaks(pieces: list[_Piece]) -> list[Block]:
    """One paragraph per line, except sentences cut by a page break, which are joined."""
    blocks: list[Block] = []
    joinable = False  # the last block may be continued (not a heading, not an inline segment)
    after_fragment = False
    for piece in pieces:
        text = piece.text.strip()
        if blocks and joinable and not piece.hint and continues_sentence(
                blocks[-1].text, text, after_fragment=after_fragment):
            last = blocks[-1]
            blocks[-1] = Block(last.text + text, last.start, piece.no, last.hint)
            after_fragment = _is_fragment(text)
        else:
            blocks.append(_block(piece))
            after_fragment = False
        joinable = not piece.inline_after and not blocks[-1].hint
    return blocks


def _block(piece: _Piece) -> Block:
    return Block(piece.text.strip(), piece.no, piece.no, piece.hint)  # type: ignore[arg-type]
