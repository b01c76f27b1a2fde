"""Stage 6: find numbering markers in the blocks of one document, and keep the real ones.

Two passes. ``find_candidates`` makes one regex pass over the blocks (over the whole document
at once where the grammar allows it, else block by block) and keeps every match that stands
where a marker can stand: at the start of the paragraph, or inline after a sentence end
or a colon (。；：！？), or after a closing bracket. ``select_markers`` then keeps the
candidates that the numbering itself supports: a paragraph-initial heading (一、) may stand
alone, but an enumeration (一是, 第一，, 首先) counts only as a member of a run (a 二是 follows,
or a 一是 went before). Every decision is recorded in ``Candidate.reason`` for
``outline --explain``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from .grammar import Grammar, Style
from .model import Block

SENTENCE_END = "。；;！!？?"
COLON = "：:"
COMMA = "，,"
CLOSERS = "”’」』\"'"
BRACKET_CLOSE = "）)】〕"
SKIPPABLE = " \t\u3000\u00a0" + CLOSERS

INLINE_POSITIONS = frozenset(("sentence", "bracket", "runon", "comma"))
"""Where a marker stands inside a paragraph rather than at its start."""
WEAK = ("bracket", "runon", "comma")
"""Positions where only the numbering run, not the punctuation, says a marker stands."""

RUN_WINDOW = 6000
"""How far (in characters) the next member of an inline enumeration run may stand."""


@dataclass(slots=True)
class Candidate:
    """A possible marker: where it stands, what it says and what was decided about it."""

    block: int
    """Index of the block in the document."""
    start: int
    end: int
    style: Style
    value: int | None
    text: str
    delim: str
    position: str
    """``start`` (paragraph-initial), ``alone`` (the whole block), ``sentence`` (after a
    sentence end or colon), ``bracket`` (after a closing bracket: weak) or ``runon`` (inside
    the head of a heading that runs on with no punctuation: weak) or ``comma`` (after a comma:
    only the next member of a run already under way in the same paragraph)."""
    offset: int = 0
    """Character offset in the document (for distances between run members)."""
    accepted: bool = False
    reason: str = ""
    doubtful: bool = False
    cut_off: bool = False
    """Accepted alone because the text breaks off mid-sentence right after it."""
    """Looks like a number inside text (7.15分钟): counts only as the next member of a run."""

    @property
    def sequence(self) -> str:
        return self.style.sequence

    @property
    def family(self) -> str:
        return self.style.family

    @property
    def inline(self) -> bool:
        return self.position in INLINE_POSITIONS


_AFTER = {**dict.fromkeys(SENTENCE_END + COLON + "…", "sentence"), **dict.fromkeys(BRACKET_CLOSE, "bracket"),
          **dict.fromkeys(COMMA, "comma")}
"""The position of a marker after each character that lets one stand there."""


def _position(text: str, start: int) -> str | None:
    """Where a match at ``start`` stands, or None when no marker can stand there."""
    i = start - 1
    while i >= 0 and text[i] in SKIPPABLE:
        i -= 1
    if i < 0:
        return "start"
    before = text[i]
    if before == "." and i > 0 and text[i - 1] == ".":
        return "sentence"  # .. as an ellipsis
    return _AFTER.get(before)


_LOOK_FURTHER = frozenset(SKIPPABLE + ".")
"""Characters before a marker after which ``_position`` has to look further back."""
_SENTENCE_END_RE = re.compile(f"[{re.escape(SENTENCE_END)}]")
_BLANK_TAIL = re.compile(r"\s*\Z")
"""Nothing but blank space to the end (the same blanks as ``str.strip``), tested in place
instead of on a copy of the rest of the paragraph."""
_HEAD_POSITIONS = frozenset(("start", "sentence", "bracket"))
"""Where a heading marker opens a head that a later marker may run on from."""
RUNON_REACH = 80
"""How far after a heading marker a marker with no punctuation before it may stand."""


def _runs_on_from_heading(text: str, heading_end: int, start: int) -> bool:
    """A heading can run straight into the next marker (一、深化改革（一）…, ……水平首先,):
    a marker with no punctuation before it counts when it still lies in such a head."""
    if heading_end < 0 or start - heading_end > RUNON_REACH:
        return False
    return _SENTENCE_END_RE.search(text, heading_end, start) is None


def find_candidates(blocks: list[Block], grammar: Grammar) -> list[Candidate]:
    """Every match of the grammar that stands where a marker can stand, in document order."""
    texts = [block.text for block in blocks]
    found: list[Candidate] = []
    append = found.append
    by_index, phrases = grammar.by_index, grammar.false_after_re
    current, text, size, heading_end = -1, "", 0, -1
    for b, base, offset, match in _matches(texts, grammar):
        if b != current:
            current, text = b, texts[b]
            size = len(text)
            heading_end = -1  # end of the last heading marker whose head has not ended yet
        kind = by_index[match.lastindex]  # type: ignore[index]
        start, end = match.span()
        start, end = start - base, end - base
        if start == 0:
            position: str | None = "start"
        else:  # most markers follow a punctuation mark directly: ``_position`` without a call
            before = text[start - 1]
            position = _position(text, start) if before in _LOOK_FURTHER else _AFTER.get(before)
        if position is None:
            if not _runs_on_from_heading(text, heading_end, start):
                continue
            position = "runon"
        if kind.heading and position in _HEAD_POSITIONS:
            heading_end = end
        if kind.alone and not _blank_tail(text, end, size):
            continue
        if kind.line_only and position != "start":
            continue
        numeral = match.group(kind.num)
        try:
            value = kind.values[numeral]
        except KeyError:
            value = kind.value_of(numeral)
        if value is None and not kind.word:
            continue
        # a number inside text (一、二季度, 1、2、3) or a listed set phrase (一是一，二是二)
        doubtful = (kind.follows is not None and kind.follows.match(text, end) is not None) \
            or (phrases is not None and _phrase_near(phrases, text, end))
        if position == "start" and _blank_tail(text, end, size):
            position = "alone"
        whole, delim = match.group(0, kind.delim)
        append(Candidate(b, start, end, kind.style, value, whole, delim or "", position,
                         offset + start, False, "", doubtful))
    return found


def _blank_tail(text: str, end: int, size: int) -> bool:
    """Nothing but blank space from ``end`` on (``_BLANK_TAIL``): most markers are followed
    by a character that is not blank, which rules it out before the regex is asked."""
    return end >= size or (text[end].isspace() and _BLANK_TAIL.match(text, end) is not None)


def _phrase_near(phrases: re.Pattern[str], text: str, end: int) -> bool:
    """A listed set phrase in ``text[end - 2:end + 6]``, searched in place (the phrases are
    plain words, so the bounds of the search are the bounds of the copy); a marker that ends
    at the first character is searched in the copy, whose start wraps around."""
    if end < 2:
        return phrases.search(text[end - 2:end + 6]) is not None
    return phrases.search(text, end - 2, end + 6) is not None


def _matches(texts: list[str], grammar: Grammar) -> Iterator[tuple[int, int, int, re.Match[str]]]:
    """Every match of the grammar in the paragraphs, in order, as (paragraph index, where the
    paragraph starts in the string searched, where it starts in the document, match).

    The document is the paragraphs joined with newlines; where the grammar allows it, it is
    searched in one go (a search per paragraph costs more than the search itself in a
    document of short paragraphs)."""
    joined = "\n".join(texts) if grammar.doc_regex is not None else ""
    if grammar.doc_regex is not None and joined.count("\n") == len(texts) - 1:
        starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
        b, following = 0, starts[1]
        for match in grammar.doc_regex.finditer(joined):
            at = match.start()
            while at >= following:
                b += 1
                following = starts[b + 1]
            yield b, starts[b], starts[b], match
        return
    offset = 0
    for b, text in enumerate(texts):
        for match in grammar.regex.finditer(text):
            yield b, 0, offset, match
        offset += len(text) + 1


def head_cuts(cands: list[Candidate]) -> dict[int, list[int]]:
    """Where heads stop besides accepted markers: a rejected marker after a comma (……投入，
    一方面在……) still starts a new clause, so the head before it ends there."""
    cuts: dict[int, list[int]] = defaultdict(list)
    for c in cands:
        if not c.accepted and c.position == "comma" and not c.doubtful:
            cuts[c.block].append(c.start)
    return cuts


def _strong(c: Candidate) -> bool:
    """A paragraph-initial heading marker needs no sibling to count."""
    return c.position in ("start", "alone") and c.style.lone_ok


def select_markers(cands: list[Candidate], blocks: list[Block] | None = None) -> list[Candidate]:
    """Keep the candidates that form numbering runs; say why for each one."""
    by_seq: dict[str, list[Candidate]] = {}
    for c in cands:
        members = by_seq.get(c.style.sequence)
        if members is None:
            by_seq[c.style.sequence] = [c]
        else:
            members.append(c)
    cut_block = _truncated_last_block(blocks or [])
    for members in by_seq.values():
        _select_in_sequence(members, cut_block)
    return [c for c in cands if c.accepted]


def _truncated_last_block(blocks: list[Block]) -> int | None:
    """The index of the last block when the text stops mid-sentence (a truncated page)."""
    if not blocks:
        return None
    tail = blocks[-1].text.rstrip().rstrip(CLOSERS)
    return None if not tail or tail[-1] in SENTENCE_END + "…" else len(blocks) - 1


FAR = 10**9
"""The window of paragraph-initial headings: no limit."""
_LINE_POSITIONS = frozenset(("start", "alone"))


def _select_in_sequence(seq: list[Candidate], cut_block: int | None = None) -> None:
    """Accept members of runs: v follows v-1, or v-1 is followed by v, within a window.

    One pass, carrying the last accepted member along: linear in the candidates but for the
    look-ahead of ``_next_member``, which stops at the next member or at a restart of the
    same number. The windows are worked out once per candidate: paragraph-initial headings
    may be far apart, inline enumerations stay close."""
    windows = [FAR if c.position in _LINE_POSITIONS and c.style.family == "heading" else RUN_WINDOW for c in seq]
    prev: Candidate | None = None  # the last member accepted
    prev_window = 0
    for i, c in enumerate(seq):
        value = c.value
        if prev is not None and value is not None and prev.value == value - 1 \
                and c.offset - prev.offset <= max(prev_window, windows[i]) \
                and (c.position != "comma" or (prev.block == c.block and not c.style.sentence_only)):
            c.accepted, c.reason = True, f"continues {prev.text}"
        else:
            _decide(seq, windows, i, prev, cut_block)
        if c.accepted:
            prev, prev_window = c, windows[i]


def _decide(seq: list[Candidate], windows: list[int], i: int, prev: Candidate | None,
            cut_block: int | None) -> None:
    """Accept or reject ``seq[i]``, which does not continue the last member accepted before
    it (``prev``); say why."""
    c = seq[i]
    if c.value is None:  # 最后: closes a run that is still recent
        if prev is not None and c.offset - prev.offset <= RUN_WINDOW and c.position != "bracket":
            c.accepted, c.reason = True, f"closes the run after {prev.text}"
        else:
            c.reason = "no run before it"
        return
    j = _next_member(seq, windows, i)
    nxt = seq[j] if j is not None else None
    if c.doubtful:
        c.reason = "looks like a number inside text, and continues no run"
        return
    if c.position == "comma":
        if nxt is not None and nxt.block == c.block and nxt.position in ("start", "sentence"):
            c.accepted, c.reason = True, f"after a comma, opens a run continued by {nxt.text}"
        else:
            c.reason = "after a comma, and no run under way in this paragraph"
        return
    if nxt is not None and c.family == "enumeration" and c.value != 1:
        c.reason = f"an enumeration that starts at {c.value} is not a run"
        return
    if nxt is not None and nxt.position == "comma" and (nxt.block != c.block or c.style.sentence_only):
        nxt = None  # a member after a mere comma can only continue a run in its own sentence
    if nxt is not None and (c.position not in WEAK or nxt.position not in WEAK):
        c.accepted, c.reason = True, f"opens a run continued by {nxt.text}"
        return
    if nxt is not None and j is not None and _next_member(seq, windows, j) is not None:
        c.accepted, c.reason = True, "opens a run of three or more, which is evidence enough"
        return
    if _strong(c):
        c.accepted, c.reason = True, "paragraph-initial heading"
        return
    if c.value == 1 and c.block == cut_block and c.position in ("start", "sentence"):
        c.accepted, c.cut_off = True, True
        c.reason = "opens a run that the end of the truncated text cuts off"
        return
    if c.family == "heading" and c.position in ("start", "alone") and prev is not None \
            and prev.value is not None and prev.value < c.value <= prev.value + 3:
        c.accepted, c.reason = True, f"paragraph-initial, after {prev.text} (gap)"
        return
    c.reason = "no run: no neighbouring number of the same style"


def _next_member(seq: list[Candidate], windows: list[int], i: int) -> int | None:
    """The index of the candidate that continues seq[i] (value + 1) before the run restarts,
    within the window."""
    c = seq[i]
    assert c.value is not None
    value, offset, style, window = c.value, c.offset, c.style, windows[i]
    for j in range(i + 1, len(seq)):
        other = seq[j]
        if other.offset - offset > max(window, windows[j]):
            return None
        if other.value == value + 1:
            return j
        if other.value is not None and other.value == value and other.style is style:
            return None
    return None
