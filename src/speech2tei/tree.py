"""Stage 7: build the section tree from the accepted markers.

Levels come from the document, not from a table (docutils' rule for title styles): a style
gets its level where it first appears inside its parent. The tree is built with a stack of
open sections, one decision per marker:

1. continuation — an open section of the same sequence holds the previous value (二是 after
   一是, 第二 after 首先): the marker becomes its next sibling, closing everything deeper;
2. family — a heading marker (一、 （一） 1.) closes open enumerations (一是 第一 首先): heading
   styles contain enumerations, never the reverse;
3. restart — the sequence is open higher up but the value does not continue it (一、 again, a
   gap 四、 after 二、): a sibling of that section, with a warning for gaps and duplicates;
4. otherwise — a new sequence: a child of the innermost open section.

Text between markers goes to the innermost section that is still open for text. An
enumeration that was opened inside a paragraph (……：一是……；二是……。) ends with that paragraph:
the prose after it belongs to the parent again, where a reader would put it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .grammar import Grammar, Style
from .markers import INLINE_POSITIONS, Candidate
from .model import Block, Diagnostic, Node, Paragraph, Section

HEAD_END = "。；;！!？?"
HEAD_TRAIL = "，,：:、 \t\u3000"
HEAD_END_RE = re.compile(f"[{re.escape(HEAD_END)}]")
LONG_HEAD = 30
"""A heading found inside a paragraph whose first sentence runs longer than this (or holds a
quotation) may have run into the body with no punctuation: its boundary is a guess."""
BACK_MATTER_MAX = 16
"""A back-matter opener (名词解释, 附件：) is a short paragraph of its own."""


@dataclass(slots=True)
class _Open:
    """A section on the stack, with what the builder asks of it while it is open."""

    section: Section
    cand: Candidate
    style: Style
    """``cand``'s style, one attribute nearer (the family and name are asked at every marker)."""
    text_open: bool = True
    heading_line: bool = False
    """The marker and its head filled a paragraph of their own (a heading line)."""
    sequence: str = ""
    """The sequence of ``cand``'s style (asked of every open section for every marker)."""
    sections: int = 0
    """How many sections it holds so far (the last number of their ids)."""


@dataclass(slots=True)
class TreeResult:
    body: list[Node]
    styles: dict[str, int] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)


def find_head(text: str, start: int, limit: int) -> tuple[str, str, int]:
    """Split ``text[start:limit]`` into the head, the mark that ends it and where prose resumes.

    The head runs to the end of its first sentence (the first 。！？；, also inside a
    quotation: the annotation convention of shared/gold/GUIDELINES.md) or to ``limit`` (the
    next marker or the end of the paragraph). Trailing commas and colons before the next
    marker belong to the punctuation, not to the head.

    The sentence end is searched for, not matched after the head: a search for a class of
    characters skips the head in the regex engine's fast scan.
    """
    if start >= limit:
        return "", "", limit
    found = HEAD_END_RE.search(text, start, limit)
    if found is None:
        head, end, resume = text[start:limit], "", limit
    else:
        stop = found.start()
        head, end, resume = text[start:stop], text[stop], stop + 1
    stripped = head.rstrip(HEAD_TRAIL)
    if len(stripped) < len(head):
        end = head[len(stripped):] + end
    return stripped.lstrip(), end, resume


class TreeBuilder:
    """Places markers one at a time; holds the stack of open sections.

    Sections get their id when they open (the parent's id and their number among its
    sections) and their line span when they close (their own lines and their children's):
    both are final by then, so the tree needs no second pass."""

    def __init__(self, back_matter: tuple[str, ...] = (), closing_words: tuple[str, ...] = (),
                 doc_index: int = 1) -> None:
        self.back_matter = back_matter
        self.closing_words = closing_words
        self.prefix = f"d{doc_index}-s"
        """Ids of top-level sections: ``d1-s`` and their number."""
        self.body: list[Node] = []
        self.top_sections = 0
        self.stack: list[_Open] = []
        self.styles: dict[str, int] = {}
        self.warnings: list[Diagnostic] = []
        self.last_value: dict[str, int] = {}
        self.pending_head: Section | None = None
        self.top_style: str | None = None
        """The first heading style of the document: later styles never close it by rank."""
        self.nesting: set[tuple[str, str]] = set()
        """(outer style, inner style) pairs the document has shown."""

    # -- containers -------------------------------------------------------------------
    def _container_for_text(self) -> list[Node]:
        for entry in reversed(self.stack):
            if entry.text_open:
                return entry.section.children
        return self.body

    def _add_text(self, text: str, block: Block, container: list[Node] | None = None) -> None:
        text = text.strip()
        if not text:
            return
        target = self._container_for_text() if container is None else container
        target.append(Paragraph(text, (block.start, block.end)))

    def _close_from(self, i: int) -> None:
        """Close the open sections from stack index ``i`` up, innermost first: nothing is added
        to a section once it is closed, so its line span is final."""
        stack = self.stack
        while len(stack) > i:
            _close(stack.pop().section)

    def finish(self) -> TreeResult:
        """Close every open section; the body, styles and warnings of the document."""
        self._close_from(0)
        return TreeResult(self.body, self.styles, self.warnings)

    # -- placing one marker -----------------------------------------------------------
    def _continuation_index(self, c: Candidate) -> int | None:
        """The open section that ``c`` continues: the same style written the same way first
        (第三、 continues 第二、 past an inner 其次), else the same sequence (第二 after 首先)."""
        sequence, style, value = c.style.sequence, c.style, c.value
        innermost = -1  # the innermost open section of the sequence
        for i in range(len(self.stack) - 1, -1, -1):
            entry = self.stack[i]
            if entry.sequence != sequence:
                continue
            if innermost < 0:
                innermost = i
            open_c = entry.cand
            if open_c.style is style and open_c.delim == c.delim and _follows(open_c, value):
                return i
        if innermost >= 0 and _follows(self.stack[innermost].cand, value):
            return innermost
        return None

    def _same_sequence_index(self, c: Candidate) -> int | None:
        sequence = c.style.sequence
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].sequence == sequence:
                return i
        return None

    def _place(self, c: Candidate, line: int) -> str:
        """Pop the stack to where ``c`` belongs; return the rule that decided it."""
        stack = self.stack
        style = c.style
        if stack:  # most markers continue the innermost section: no need to look further
            top = stack[-1].cand
            if top.style is style and top.delim == c.delim and _follows(top, c.value):
                _close(stack.pop().section)
                return "continuation"
        i = self._continuation_index(c)
        if i is not None:
            self._close_from(i)
            return "continuation"
        if style.family == "heading":
            while stack and (stack[-1].style.family == "enumeration" or self._cannot_contain(stack[-1].cand, c)):
                _close(stack.pop().section)
        i = self._same_sequence_index(c)
        if i is not None and c.value == 1 and style is not stack[i].style \
                and (stack[i].style.topic or stack[i].heading_line):
            i = None  # 第一个问题 / a 第一、 heading line announces a topic: a run below it
        if i is not None:
            prev = stack[i].cand
            self._close_from(i)
            self._report_restart(prev, c, line)
            return "restart"
        while stack and not stack[-1].text_open and stack[-1].style.family == "enumeration":
            _close(stack.pop().section)
        if style.level is not None:
            self._close_from(max(style.level - 1, 0))
            return "forced level"
        last = self.last_value.get(style.sequence)
        if c.value not in (None, 1) and last != c.value - 1:
            self.warnings.append(Diagnostic(
                "numbering-start", f"{c.text.strip()} opens a run that does not start at 1", line))
        return "new run" if c.value in (None, 1) or last != c.value - 1 else "runs on across parents"

    def _cannot_contain(self, outer: Candidate, inner: Candidate) -> bool:
        """Whether heading ``outer`` cannot hold heading ``inner``: the document has shown the
        opposite nesting, or, where it has shown neither, the customary rank says so."""
        a, b = outer.style.name, inner.style.name
        if a == b or (a, b) in self.nesting:
            return False
        if (b, a) in self.nesting:
            return True
        ra, rb = outer.style.rank, inner.style.rank
        if self.top_style == a:
            return False  # the document's first heading style holds the top whatever its rank
        return ra is not None and rb is not None and rb < ra

    def _report_restart(self, prev: Candidate, c: Candidate, line: int) -> None:
        if c.value is None or prev.value is None:
            return
        if c.value == 1:
            self.warnings.append(Diagnostic(
                "numbering-restart", f"{c.text.strip()} restarts the numbering after {prev.text.strip()}",
                line, "info"))
        elif c.value == prev.value:
            self.warnings.append(Diagnostic(
                "numbering-duplicate", f"{c.text.strip()} repeats the number of {prev.text.strip()}", line))
        elif c.value > prev.value:
            self.warnings.append(Diagnostic(
                "numbering-gap", f"{c.text.strip()} follows {prev.text.strip()}: numbers skipped", line))
        else:
            self.warnings.append(Diagnostic(
                "numbering-order", f"{c.text.strip()} follows {prev.text.strip()}: numbers go back", line))

    def _open_section(self, c: Candidate, marker: str, lines: tuple[int, int], head: str, head_end: str,
                      cert: str, heading_line: bool = False) -> _Open:
        """Add the section ``c`` opens below the innermost open one, with its id, and push it."""
        stack = self.stack
        style = c.style
        name = style.name
        level = len(stack) + 1
        if stack:
            top = stack[-1]
            top.sections += 1
            parent = top.section
            ident = f"{parent.id}.{top.sections}"
            container = parent.children
            self.nesting.add((top.style.name, name))
        else:
            self.top_sections += 1
            ident = f"{self.prefix}{self.top_sections}"
            container = self.body
            if self.top_style is None and style.family == "heading":
                self.top_style = name
        # by position, in the order of the model's fields: a third of the cost of keywords, for
        # every marker of a corpus (test_tree checks that each value lands in its field)
        value = c.value
        section = Section(marker, name, style.family, value, level, head, head_end,  # type: ignore[arg-type]
                          c.position in INLINE_POSITIONS, cert, lines, [], ident, c.delim)  # type: ignore[arg-type]
        container.append(section)
        entry = _Open(section, c, style, True, heading_line, style.sequence, 0)
        stack.append(entry)
        styles = self.styles
        if name not in styles:
            styles[name] = level
        if value is not None:
            self.last_value[style.sequence] = value
        return entry

    # -- one block ----------------------------------------------------------------------
    def _broken_heading(self, section: Section) -> bool:
        """A bare number among siblings that have heads (## 一、… ## 二、… ## 三) lost its
        text to the line below; where the siblings are bare too, the heads are empty.

        Only the last earlier sibling counts, so the parent is read backwards up to it (and
        not copied whole for every bare number: a long run of them stays linear)."""
        parent = self.stack[-2].section.children if len(self.stack) > 1 else self.body
        for node in reversed(parent):
            if isinstance(node, Section) and node is not section:
                return bool(node.head)
        return False

    def _fill_pending_head(self, block: Block, markers: list[Candidate]) -> int:
        """A marker alone on its line (Markdown ``## 三``) takes its head from the first
        sentence of the paragraph that follows; return where the rest of that text starts.
        (The section is still open: nothing was placed since it opened.)"""
        section, self.pending_head = self.pending_head, None
        if section is None or (markers and markers[0].start == 0):
            return 0
        limit = markers[0].start if markers else len(block.text)
        head, head_end, resume = find_head(block.text, 0, limit)
        section.head, section.head_end = head, head_end
        section.lines = (section.lines[0], block.end)
        self.warnings.append(Diagnostic(
            "head-from-next-line", f"{section.marker.strip()} stands alone; its head is the next sentence",
            block.start, "info"))
        return resume

    def add_block(self, block: Block, markers: list[Candidate], cuts: list[int] | None = None) -> None:
        """Split the block at its markers and place each piece; heads also stop at ``cuts``.

        The marker of a section is the candidate's own text (the same characters as the
        block's text between its start and end), not a copy cut from the block."""
        text = block.text
        skip = self._fill_pending_head(block, markers) if self.pending_head is not None else 0
        if not markers:
            if skip:
                self._add_text(text[skip:], block)
            else:
                self._add_closing_aware(text, block)
            return
        if markers[0].start > skip:
            self._add_text(text[skip: markers[0].start], block)
        size, last = len(text), len(markers) - 1
        lines = (block.start, block.end)
        line = block.start
        place, open_section, warnings = self._place, self._open_section, self.warnings
        inline_runs: list[_Open] = []
        for n, c in enumerate(markers):
            limit = markers[n + 1].start if n < last else size
            end = c.end
            head, head_end, resume = find_head(text, end, _cut(cuts, end, limit) if cuts else limit)
            rule = place(c, line)
            position = c.position
            if position in _LINE_POSITIONS and not c.cut_off:
                cert = "high"
            else:
                cert = head_cert(c, head)
                if cert != "high":
                    warnings.append(Diagnostic(
                        "low-cert-head", f"head of {c.text.strip()} runs on with no sentence end; "
                        "its end is a guess", line))
            entry = open_section(c, c.text, lines, head, head_end, cert,
                                 position == "start" and resume >= size and n == last)
            section = entry.section
            if position == "alone" and not head and self._broken_heading(section):
                self.pending_head = section
            c.reason = f"{c.reason}; placed by {rule} at level {section.level}"
            if section.inline and entry.style.family == "enumeration":
                inline_runs.append(entry)
            if resume < limit:
                rest = text[resume:limit].strip()
                if rest:
                    section.children.append(Paragraph(rest, lines))
        for entry in inline_runs:  # an enumeration opened inside the paragraph ends with it
            entry.text_open = False

    def _add_closing_aware(self, text: str, block: Block) -> None:
        """A paragraph that opens with 总之/同志们 closes the enumerations above it; one that
        opens back matter (名词解释, 附件：) closes every section."""
        opening = text.strip()
        stack = self.stack
        if len(opening) <= BACK_MATTER_MAX and self.back_matter and opening.startswith(self.back_matter):
            if stack:
                self._close_from(0)
                self.warnings.append(Diagnostic(
                    "back-matter", f"{opening[:8]} opens back matter: its list is a top-level run",
                    block.start, "info"))
        elif self.closing_words and opening.startswith(self.closing_words) and any(
                e.style.family == "enumeration" for e in stack):
            while stack and stack[-1].style.family == "enumeration":
                _close(stack.pop().section)
            self.warnings.append(Diagnostic(
                "closing-paragraph", "a closing paragraph is attached to the enclosing section",
                block.start, "info"))
        if opening:
            self._container_for_text().append(Paragraph(opening, (block.start, block.end)))


def _cut(cuts: list[int], end: int, limit: int) -> int:
    """Where a head that starts at ``end`` must stop: the first cut after it, if that comes
    before ``limit``."""
    k = bisect.bisect_right(cuts, end)
    return cuts[k] if k < len(cuts) and cuts[k] < limit else limit


def _follows(open_c: Candidate, value: int | None) -> bool:
    """A marker of ``value`` continues ``open_c``: it holds the next number, or it is a word
    (最后) that continues whatever is open."""
    return value is None or (open_c.value is not None and open_c.value == value - 1)


def head_cert(c: Candidate, head: str) -> str:
    """Low where an inline heading runs on with no sentence end (the boundary is a guess);
    medium where only the run, not the punctuation, vouches for the marker."""
    if c.family == "heading" and c.position == "sentence" and (len(head) > LONG_HEAD or "“" in head):
        return "low"
    if c.position == "bracket" or c.cut_off:
        return "medium"
    return "high"


def _close(section: Section) -> None:
    """A section's line span covers its content, once nothing more can be added to it: its
    own lines or its last-ending child's."""
    if section.children:
        last = section.lines[1]
        for child in section.children:
            end = child.lines[1]
            if end > last:
                last = end
        section.lines = (section.lines[0], last)


_LINE_POSITIONS = frozenset(("start", "alone"))
"""Paragraph-initial markers: their heads are sure (``head_cert``)."""
_NO_MARKERS: list[Candidate] = []
"""The markers of a block that has none (shared, never changed)."""


def build_tree(blocks: list[Block], markers: list[Candidate], doc_index: int = 1,
               grammar: Grammar | None = None, cuts: dict[int, list[int]] | None = None) -> TreeResult:
    """The body of one document: sections (with ids, ``d1-s2.3``, and the line span of their
    content) and paragraphs, with styles and warnings."""
    by_block: dict[int, list[Candidate]] = {}
    for c in markers:
        by_block.setdefault(c.block, []).append(c)
    builder = TreeBuilder(grammar.back_matter if grammar else (), grammar.closing_words if grammar else (),
                          doc_index)
    cuts = cuts or {}
    add_block, add_paragraph = builder.add_block, builder._add_closing_aware
    for b, block in enumerate(blocks):
        here = by_block.get(b)
        if here is None and builder.pending_head is None:  # most paragraphs: no marker
            add_paragraph(block.text, block)
            continue
        if here is None:
            here = _NO_MARKERS
        elif len(here) > 1:
            here.sort(key=_start)
        add_block(block, here, cuts.get(b))
    return builder.finish()


def _start(c: Candidate) -> int:
    return c.start
