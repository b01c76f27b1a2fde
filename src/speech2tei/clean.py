"""Stage 2: clean the lines: layout characters, markup leftovers, site furniture, anti-copy
characters and repeated copies of the page.

Every character taken out of the text is ledgered as a ``Removal`` (text, reason, source line):
that is what lets ``ledger.check_nothing_lost`` prove nothing was lost. Only whitespace may
vanish or appear without a record. A line removed as a whole stays in the output as an empty
line with its number, so line numbers stay dense and the removed line still separates the
paragraphs around it.

The tables (furniture patterns, button words, characters, thresholds) live in
``data/boilerplate.yaml``; this module only applies them, in this order:

1. layout: ``<U+00A0>`` escapes → space, zero-width characters out, NBSP and kin → space;
2. markup: HTML comments (also across lines), leftover tags and spacing entities;
3. Markdown: front matter, ``#`` heading markers (hint "heading"/"title"), ``>``, rules;
4. catalogue headers (``【 标  题 】``): labels out, the title kept with hint "title";
5. anti-copy characters inside words (群众的`主体, 高的.大项目, 市长##10月);
6. furniture lines, button runs, orphan closing brackets, the teaser and link list at the end;
7. copies of the page repeated after the first.

Speed: a 10 MB text has 100,000 lines, almost none of which any one rule changes, so each
pass first asks cheaply where it could act at all (is the character anywhere in the joined
text? where in it does an anti-copy rule match? does the one alternation of the furniture
rows match this line, or does it hold the text a slow row needs? did these twenty lines
occur before?) and spends per-rule work only there. Every such shortcut only skips work that
would have changed nothing; tests/test_clean_prefilters.py holds each to the plain rule.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate, compress, count, islice, pairwise, repeat
from operator import attrgetter, contains, ne, not_, or_, sub

from .model import Line, Removal
from .yamlio import load_yaml

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


@dataclass(slots=True)
class Cleaned:
    """The cleaned lines, one per source line (removed lines are empty), and the ledger."""

    lines: list[Line]
    removed: list[Removal] = field(default_factory=list)


@dataclass(slots=True)
class Furniture:
    pattern: re.Pattern[str]
    takes_next: str | None = None
    page_end: bool = False
    needs: str | None = None
    """Text every line the row matches holds: the row is tried only on lines holding it
    (a row opening with ``.{0,60}`` would otherwise cost a try at 60 places on every line)."""


@dataclass(slots=True)
class Rules:
    """The compiled tables of ``data/boilerplate.yaml``."""

    furniture: list[Furniture]
    furniture_any: re.Pattern[str]
    """Fully matches the lines some furniture row without ``needs`` fully matches: one try
    per line instead of one per row (the other rows are tried where their text is)."""
    furniture_which: re.Pattern[str]
    """Fully matches the lines some furniture row (any) fully matches, telling which row
    (see ``any_of``)."""
    buttons: frozenset[str]
    link_bullet: re.Pattern[str]
    link_max_chars: int
    link_not_link: re.Pattern[str]
    orphan_closers: str
    closers_only: re.Pattern[str]
    """Fully matches a text made only of ``orphan_closers``."""
    tail_min_furniture: int
    tail_max_link_chars: int
    tail_not_link: re.Pattern[str]
    teaser_min_chars: int
    escape: re.Pattern[str]
    escape_categories: frozenset[str]
    zero_width: re.Pattern[str]
    zero_width_chars: str
    spaces: re.Pattern[str]
    space_chars: str
    comment_open: str
    comment_close: str
    tag: re.Pattern[str]
    entity: re.Pattern[str]
    entities: dict[str, str]
    md_heading: re.Pattern[str]
    md_heading_needs: str
    """Text every heading line holds: without it anywhere, no line is asked."""
    md_closing_hashes: re.Pattern[str]
    md_quote: re.Pattern[str]
    md_rule: re.Pattern[str]
    md_fence: str
    md_front_max: int
    between_chars: str
    dot_text: str
    dot_numerals: str
    placeholder: re.Pattern[str]
    stray_text: str
    catalogue_label: re.Pattern[str]
    catalogue_needs: str
    """Text every catalogue label holds."""
    catalogue_fields: frozenset[str]
    catalogue_title: str
    catalogue_keep: frozenset[str]
    dup_min_lines: int
    dup_min_chars: int

    # The anti-copy patterns look at CJK on both sides: a class of 28,000 characters, which
    # Python's regex compiler takes about 4 ms to build, a dozen times over. They are compiled
    # the first time a text holds their character, not for every input (most hold none).

    @property
    def between_cjk(self) -> re.Pattern[str]:
        """One of ``between_chars`` with CJK on both sides."""
        return between_cjk_pattern(self.between_chars)

    def between_each(self, char: str) -> re.Pattern[str]:
        """``between_cjk`` for one of its characters alone: led by a literal, which the regex
        engine skips to where a class would be tried at every place of the text."""
        return between_cjk_pattern(char)

    @property
    def dot(self) -> re.Pattern[str]:
        return dot_pattern(self.dot_text, self.dot_numerals)

    @property
    def stray_open(self) -> re.Pattern[str]:
        """The stray character opening a line before CJK."""
        return _compiled(rf"^\s*{re.escape(self.stray_text)}(?=\s*[{CJK}])")

    @property
    def stray_close(self) -> re.Pattern[str]:
        """The stray character closing a line after CJK."""
        return _compiled(rf"(?<=[{CJK}]){re.escape(self.stray_text)}(?=\s*$)")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``re.compile`` with a cache of its own (re's holds 512 patterns and may drop these)."""
    return re.compile(pattern)


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """Read and compile ``data/boilerplate.yaml`` once."""
    text = resources.files("speech2tei").joinpath("data/boilerplate.yaml").read_text("utf-8")
    data = load_yaml(text)
    anti, lay, mark, md = data["anti_copy"], data["layout"], data["markup"], data["markdown"]
    cat, tail, dup = data["catalogue"], data["tail"], data["duplicate_page"]
    tags = "|".join(re.escape(t) for t in sorted(mark["tags"], key=len, reverse=True))
    entities = dict(mark["entities"])
    furniture = [Furniture(re.compile(row["pattern"]), row.get("takes_next"),
                           bool(row.get("page_end")), needle(row.get("needs")))
                 for row in data["furniture"]]
    between, dot, stray = anti["between_cjk"], anti["dot"], anti["stray_opening"]
    return Rules(
        furniture=furniture,
        furniture_any=any_of([row.pattern for row in furniture if row.needs is None]),
        furniture_which=any_of([row.pattern for row in furniture], tell=True),
        buttons=frozenset(str(b) for b in data["buttons"]),
        link_bullet=re.compile(data["links"]["bullet"]),
        link_max_chars=int(data["links"]["max_chars"]),
        link_not_link=re.compile(data["links"]["not_link"]),
        orphan_closers=data["orphan_closers"],
        closers_only=re.compile(char_class(data["orphan_closers"]) + "+" if data["orphan_closers"]
                                else "(?!)"),
        tail_min_furniture=int(tail["min_furniture"]),
        tail_max_link_chars=int(tail["max_link_chars"]),
        tail_not_link=re.compile(tail["not_link"]),
        teaser_min_chars=int(tail["teaser_min_chars"]),
        escape=re.compile(lay["escape"]),
        escape_categories=frozenset(lay["escape_categories"]),
        zero_width=re.compile(char_class(lay["zero_width"]) + "+"),
        zero_width_chars="".join(lay["zero_width"]),
        spaces=re.compile(char_class(lay["spaces"])),
        space_chars="".join(lay["spaces"]),
        comment_open="<!--",
        comment_close="-->",
        tag=re.compile(rf"</?(?:{tags})(?:\s[^<>]*)?/?>", re.IGNORECASE),
        entity=re.compile("|".join(re.escape(e) for e in entities), re.IGNORECASE),
        entities={k.lower(): v for k, v in entities.items()},
        md_heading=re.compile(md["heading"]),
        md_heading_needs=str(needle(md["heading_needs"])),
        md_closing_hashes=re.compile(md["closing_hashes"]),
        md_quote=re.compile(md["quote"]),
        md_rule=re.compile(md["rule"]),
        md_fence=md["front_matter_fence"],
        md_front_max=int(md["front_matter_max_lines"]),
        between_chars=between,
        dot_text=dot,
        dot_numerals=anti["numerals"],
        placeholder=re.compile(anti["placeholder"]),
        stray_text=stray,
        catalogue_label=re.compile(cat["label"]),
        catalogue_needs=str(needle(cat["label_needs"])),
        catalogue_fields=frozenset(cat["fields"]),
        catalogue_title=cat["title"],
        catalogue_keep=frozenset(cat["keep"]),
        dup_min_lines=int(dup["min_lines"]),
        dup_min_chars=int(dup["min_chars"]),
    )


def needle(value: object) -> str | None:
    """A pre-test's text (``needs`` in the tables): a non-empty string, or None for none."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"a pre-test needs text that is not blank, not {value!r}")
    return value


def char_class(chars: str | list[str]) -> str:
    """A regex class of exactly these characters."""
    return "[" + re.escape("".join(chars)) + "]"


@cache
def between_cjk_pattern(chars: str) -> re.Pattern[str]:
    """One of ``chars`` with CJK on both sides. The character comes first and the check of
    the one before it after (a lookbehind over both), so the regex engine can skip to the
    rare character instead of testing the lookbehind at every position of the line."""
    one = char_class(chars)
    return re.compile(f"{one}(?<=[{CJK}]{one})(?=[{CJK}])")


@cache
def dot_pattern(dot: str, numerals: str) -> re.Pattern[str]:
    """``dot`` between CJK characters, not after a CJK numeral (一.总则); literal first, as in
    ``between_cjk_pattern``."""
    lit = re.escape(dot)
    return re.compile(f"{lit}(?<=[{CJK}]{lit})(?<![{re.escape(numerals)}]{lit})(?=[{CJK}])")


MATCH_ANYTHING = re.compile(r"(?s:.*)")
"""The alternation when the rows cannot be joined: every line is then a candidate."""

UNSAFE_TO_JOIN = re.compile(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]+\)")
"""Numbered back-references (their numbers shift in an alternation) and global inline flags
(allowed only at the start of a regex)."""


def any_of(patterns: list[re.Pattern[str]], *, tell: bool = False) -> re.Pattern[str]:
    """One regex that fully matches a text whenever one of ``patterns`` does: their
    alternation. With ``tell``, an empty group named ``row<index>`` ends each alternative:
    an alternation takes the first alternative that matches, so ``lastgroup`` names the
    first pattern that matches (without, the regex is faster: groups cost every try).

    Patterns it cannot join safely make it a pattern that matches everything (and names
    nothing), which only costs speed: each pattern is then tried in turn."""
    if any(p.flags & ~re.UNICODE or UNSAFE_TO_JOIN.search(p.pattern) for p in patterns):
        return MATCH_ANYTHING
    mark = "(?P<row{}>)" if tell else ""
    try:
        return re.compile("|".join(f"(?:{p.pattern}){mark.format(i)}"
                                   for i, p in enumerate(patterns)))
    except re.error:
        return MATCH_ANYTHING


LOOKS_AROUND = re.compile(r"\^|\$|\\[AZbB]|\(\?[=!<>]|[*+?}]\+")
"""Regex syntax whose result depends on text outside the match (anchors, lookaround, word
boundaries) or that cannot give back what it took (atomic groups, possessive repeats)."""


def may_match_a_line(pattern: re.Pattern[str], joined: str) -> bool:
    """False only when ``pattern`` matches none of the lines whose newline-joined text is
    ``joined``. A pattern that looks only at its own match that matches inside a line also
    matches inside the joined text; any other pattern is assumed to match."""
    return LOOKS_AROUND.search(pattern.pattern) is not None or pattern.search(joined) is not None


def present(needles: Iterable[str], joined: str) -> list[str]:
    """The needles (characters or strings) that occur in ``joined``: a pass that needs one
    in a line has nothing to do where none is present (``in`` is a fast C scan)."""
    return [needle for needle in needles if needle in joined]


@dataclass(slots=True)
class Work:
    """One source line while it is being cleaned."""

    text: str
    no: int
    hint: str | None
    stripped: str
    """``text.strip()``, kept in step by ``Ledger.set_text``: most checks look at it."""
    gone: str | None = None
    """Reason code when the whole line was removed (``Ledger.drop_line``, which leaves it
    no text: a line holds text exactly when it is ``kept``)."""
    page_end: bool = False

    @property
    def blank(self) -> bool:
        """Blank and never held furniture: transparent when looking for a line's neighbours."""
        return self.gone is None and not self.stripped

    @property
    def kept(self) -> bool:
        """Still holds text."""
        return self.gone is None and bool(self.stripped)


TEXT, STRIPPED, HINT, PAGE_END = (
    attrgetter(name) for name in ("text", "stripped", "hint", "page_end"))
"""For ``map`` over the lines: a loop in C where a comprehension would run Python code."""


def squash_all(texts: list[str]) -> list[str]:
    """Each text without whitespace (``squash``), as the page copies compare lines.

    Joined by a character no text holds (and no whitespace), the texts are squashed in
    one pass and split apart again: C loops instead of two calls per line."""
    if not texts:
        return []
    joined = SEPARATOR.join(texts)
    if joined.count(SEPARATOR) == len(texts) - 1:
        return squash(joined).split(SEPARATOR)
    return list(map(squash, texts))


SEPARATOR = "\x00"
"""Not whitespace (``squash`` keeps it) and, in text, almost never there."""


class Ledger:
    """Collects removals; every edit of a line goes through here so none is unrecorded."""

    def __init__(self) -> None:
        self.removed: list[Removal] = []
        self.edits = 0
        """Bumped on every edit: ``Joined`` rebuilds the joined text only after one."""

    def note(self, text: str, reason: str, line: int) -> None:
        """Record ``text`` (outer whitespace trimmed: it never counts) unless it is blank."""
        text = text.strip()
        if text:
            self.removed.append(Removal(text, reason, line))

    def set_text(self, work: Work, text: str) -> None:
        """Replace the line's text (what it loses must be noted by the caller)."""
        work.text = text
        work.stripped = text.strip()
        self.edits += 1

    def sub(self, work: Work, pattern: re.Pattern[str], reason: str,
            replace: Callable[[re.Match[str]], str | None] | str = "") -> bool:
        """Replace matches of ``pattern`` in the line, ledgering each; True if any changed.

        ``replace`` may return None to leave a match alone.
        """
        if pattern.search(work.text) is None:
            return False  # the common case, without building the replacement closure
        changed = False

        def swap(match: re.Match[str]) -> str:
            nonlocal changed
            new = replace(match) if callable(replace) else replace
            if new is None:
                return match.group(0)
            self.note(match.group(0), reason, work.no)
            changed = True
            return new

        self.set_text(work, pattern.sub(swap, work.text))
        return changed

    def drop_line(self, work: Work, reason: str) -> None:
        """Remove the whole line, ledgering what is left of it."""
        self.note(work.text, reason, work.no)
        self.set_text(work, "")
        work.gone = reason


class Joined:
    """All lines joined by newlines, rebuilt only after an edit. One fast ``in`` test on it
    tells that a pass has nothing to do on any line, so the pass skips its per-line work."""

    def __init__(self, work: list[Work], ledger: Ledger) -> None:
        self.work = work
        self.ledger = ledger
        self.edits = -1
        self.joined = ""

    def text(self) -> str:
        if self.edits != self.ledger.edits:
            self.joined = "\n".join(map(TEXT, self.work))
            self.edits = self.ledger.edits
        return self.joined


def clean_lines(raw: list[str], first_line: int = 1, *,
                hints: dict[int, str] | None = None) -> Cleaned:
    """Clean ``raw`` lines (numbered from ``first_line``); ``hints`` maps 0-based index → hint."""
    rules = load_rules()
    work = list(map(Work, raw, count(first_line), repeat(None), map(str.strip, raw)))
    for i, hint in (hints or {}).items():
        if isinstance(i, int) and 0 <= i < len(work):
            work[i].hint = hint
    ledger = Ledger()
    joined = Joined(work, ledger)
    strip_layout(work, rules, ledger, joined)
    strip_comments(work, rules, ledger, joined)
    strip_tags(work, rules, ledger, joined)
    strip_markdown(work, rules, ledger, joined)
    strip_catalogue(work, rules, ledger, joined)
    strip_anti_copy(work, rules, ledger, joined)
    keys = remove_furniture(work, rules, ledger)
    remove_duplicate_pages(work, rules, ledger, keys)
    lines = list(map(Line, map(TEXT, work), count(first_line)))
    for i in compress(range(len(work)), map(HINT, work)):
        if work[i].kept:
            lines[i].hint = work[i].hint  # type: ignore[assignment]
    return Cleaned(lines, sorted(ledger.removed, key=lambda r: r.line))


# --- 1. layout ---------------------------------------------------------------------------


def strip_layout(work: list[Work], rules: Rules, ledger: Ledger, joined: Joined) -> None:
    """Literal escapes of spacing characters → space; zero-widths out; NBSP and kin → space."""
    text = joined.text()
    escapes = may_match_a_line(rules.escape, text)
    zero_widths = present(rules.zero_width_chars, text)
    spaces = present(rules.space_chars, text)
    if not (escapes or zero_widths or spaces):
        return

    def escape(match: re.Match[str]) -> str | None:
        code = int(match.group(1), 16)
        if code > 0x10FFFF or unicodedata.category(chr(code)) not in rules.escape_categories:
            return None
        return " "

    for w in work:
        if escapes:
            ledger.sub(w, rules.escape, "layout", escape)
        if zero_widths:
            ledger.sub(w, rules.zero_width, "layout")
        if spaces and rules.spaces.search(w.text):
            ledger.set_text(w, rules.spaces.sub(" ", w.text))  # whitespace: nothing to note


# --- 2. markup ---------------------------------------------------------------------------


def strip_comments(work: list[Work], rules: Rules, ledger: Ledger, joined: Joined,
                   reach: int = 50) -> None:
    """Remove ``<!-- … -->``, also when it spans lines (an opener with no closer within
    ``reach`` lines is left alone: it is not a comment)."""
    if not present([rules.comment_open], joined.text()):
        return
    i = 0
    while i < len(work):
        w = work[i]
        start = w.text.find(rules.comment_open)
        if start < 0:
            i += 1
            continue
        end = w.text.find(rules.comment_close, start + len(rules.comment_open))
        if end >= 0:
            cut = end + len(rules.comment_close)
            ledger.note(w.text[start:cut], "markup", w.no)
            ledger.set_text(w, w.text[:start] + w.text[cut:])
            continue
        close = next((j for j in range(i + 1, min(len(work), i + reach))
                      if rules.comment_close in work[j].text), None)
        if close is None:
            i += 1
            continue
        ledger.note(w.text[start:], "markup", w.no)
        ledger.set_text(w, w.text[:start])
        for j in range(i + 1, close):
            ledger.note(work[j].text, "markup", work[j].no)
            ledger.set_text(work[j], "")
        last = work[close]
        cut = last.text.find(rules.comment_close) + len(rules.comment_close)
        ledger.note(last.text[:cut], "markup", last.no)
        ledger.set_text(last, last.text[cut:])
        i = close


def strip_tags(work: list[Work], rules: Rules, ledger: Ledger, joined: Joined) -> None:
    """Tags and spacing entities left in plain text."""
    found = present("<&", joined.text())
    tags, entities = "<" in found, "&" in found
    if not found:
        return
    for w in work:
        if tags and "<" in w.text:
            ledger.sub(w, rules.tag, "markup")
        if entities and "&" in w.text:
            ledger.sub(w, rules.entity, "markup", lambda m: rules.entities[m.group(0).lower()])


# --- 3. Markdown -------------------------------------------------------------------------


def strip_markdown(work: list[Work], rules: Rules, ledger: Ledger, joined: Joined) -> None:
    """Front matter, heading markers, quote prefixes and rules, when the file is Markdown.

    A level-1 heading that is the file's first heading is the document title (hint "title");
    every other heading line gets hint "heading".
    """
    front = front_matter_end(work, rules)
    heading = rules.md_heading.match
    if front is None and (not present([rules.md_heading_needs], joined.text())
                          or not any(map(heading, map(TEXT, work)))):
        return
    headings = [w for w in work if heading(w.text)]
    if front is not None:
        for w in work[: front + 1]:
            ledger.drop_line(w, "markup")
    title = next((w for w in headings if not w.gone), None)
    for w in headings:
        if w.gone:
            continue
        match = rules.md_heading.match(w.text)
        assert match is not None
        level = len(match.group(2))
        ledger.note(match.group(2), "markup", w.no)
        ledger.set_text(w, match.group(1) + w.text[match.end():])
        ledger.sub(w, rules.md_closing_hashes, "markup")
        if w.stripped:
            w.hint = "title" if level == 1 and w is title else "heading"
    for w in work:
        if not w.kept:
            continue
        while ledger.sub(w, rules.md_quote, "markup", lambda m: m.group(1)):
            pass
        if rules.md_rule.match(w.text):
            ledger.drop_line(w, "markup")


def front_matter_end(work: list[Work], rules: Rules) -> int | None:
    """Index of the closing ``---`` of YAML front matter at the top of the file, or None."""
    first = next((i for i, w in enumerate(work) if w.stripped), None)
    if first is None or work[first].stripped != rules.md_fence:
        return None
    for j in range(first + 1, min(len(work), first + rules.md_front_max)):
        if work[j].stripped in (rules.md_fence, "..."):
            return j
    return None


# --- 4. catalogue headers ----------------------------------------------------------------


def strip_catalogue(work: list[Work], rules: Rules, ledger: Ledger, joined: Joined) -> None:
    """``【 文献号 】1-3101`` lines: label out; 标题/正文 text kept, other values ledgered."""
    label_at = rules.catalogue_label.match
    if not present([rules.catalogue_needs], joined.text()) or not any(map(label_at, map(TEXT, work))):
        return
    found = [(w, m) for w in work if (m := label_at(w.text)) and w.kept
             and "".join(m.group(1).split()) in rules.catalogue_fields]
    if len(found) < 2:
        return
    for w, match in found:
        label = "".join(match.group(1).split())
        ledger.note(match.group(0), "markup", w.no)
        rest = w.text[match.end():]
        if label in rules.catalogue_keep:
            ledger.set_text(w, rest)
            if label == rules.catalogue_title and rest.strip():
                w.hint = "title"
        else:
            ledger.note(rest, "catalogue", w.no)
            ledger.set_text(w, "")


# --- 5. anti-copy characters -------------------------------------------------------------


def strip_anti_copy(work: list[Work], rules: Rules, ledger: Ledger, joined: Joined) -> None:
    """Characters pushed into words: lone ` ~ ^ | # or . between CJK, ## placeholders, and a
    stray ? opening a line (with its partner closing the line).

    Each rule needs its character in the line, so a rule whose character is nowhere in the
    text is skipped, and a line holding none of the characters left is not visited.
    """
    text = joined.text()
    placeholders = may_match_a_line(rules.placeholder, text)
    between = present(rules.between_chars, text)
    dots = present([rules.dot_text], text)
    strays = present([rules.stray_text], text)
    # the between and dot rules look around only for CJK, never across a newline, so they
    # match in the joined text where they match in a line; the stray rule is anchored to the
    # line, so its character stands in for it, as the placeholder does for a placeholder
    # rule that looks beyond its match
    inside = [*map(rules.between_each, between), *([rules.dot] if dots else [])]
    if placeholders and not LOOKS_AROUND.search(rules.placeholder.pattern):
        inside.append(rules.placeholder)
    elif placeholders:
        inside.append(ANY_LINE_TEXT)  # every line with text may hold one
    inside.extend(re.compile(re.escape(stray)) for stray in strays)
    for i in lines_matching(text, inside):
        w = work[i]
        if not w.kept:
            continue
        if placeholders:
            ledger.sub(w, rules.placeholder, "anti-copy")
        if between:
            ledger.sub(w, rules.between_cjk, "anti-copy")
        if dots and rules.dot_text in w.text:
            ledger.sub(w, rules.dot, "anti-copy")
        if (strays and rules.stray_text in w.text
                and ledger.sub(w, rules.stray_open, "anti-copy", lambda m: m.group(0)[:-1])):
            ledger.sub(w, rules.stray_close, "anti-copy")


ANY_LINE_TEXT = re.compile(r"[^\n]+")
"""Matches once in each line that holds text."""


def lines_matching(text: str, patterns: Iterable[re.Pattern[str]]) -> list[int]:
    """Indices, in order, of the lines of ``text`` (lines joined by newlines) where one of
    ``patterns`` matches in the joined text: one scan of the text per pattern, no loop over
    the lines. (A pattern that neither matches nor looks across a newline finds in the
    joined text just what it finds in each line.)"""
    starts = sorted({match.start() for pattern in patterns for match in pattern.finditer(text)})
    return line_indices(text, starts)


def line_indices(text: str, positions: list[int]) -> list[int]:
    """The lines (0-based, once each) of the ascending ``positions`` in ``text``: counting
    the newlines between one position and the next reads the text once in all."""
    lines: list[int] = []
    line = last = 0
    for pos in positions:
        line += text.count("\n", last, pos)
        last = pos
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


# --- 6. furniture ------------------------------------------------------------------------


def remove_furniture(work: list[Work], rules: Rules, ledger: Ledger) -> list[str]:
    """Whole furniture lines, then the furniture that only context reveals. Returns each
    line's text without whitespace, as the teaser compared the lines: the page copies are
    compared the same way (a line removed since then has no text left, and is passed over)."""
    # a line's text only changes here when the line is removed, so the candidates can be
    # picked first (blank lines aside); a candidate another row took along is skipped
    for i in furniture_candidates(list(map(STRIPPED, work)), rules):
        if work[i].gone is None and work[i].stripped:
            match_furniture_line(work, i, rules, ledger)
    remove_button_runs(work, rules, ledger)
    remove_orphan_closers(work, rules, ledger)
    keys = squash_all(list(map(STRIPPED, work)))
    remove_teaser(work, rules, ledger, keys)
    remove_tail_links(work, rules, ledger)
    return keys


def furniture_candidates(texts: list[str], rules: Rules) -> list[int]:
    """Indices, in order, of the non-blank ``texts`` (stripped) some furniture row fully
    matches: those the rows without a pre-test match, and those a row with ``needs`` matches
    among the lines holding its text (tried alone, as the alternation of every row would
    retry the slow rows' sixty places on each of them)."""
    filled = compress(range(len(texts)), texts)
    hits = set(compress(filled, map(rules.furniture_any.fullmatch, filter(None, texts))))
    for row in rules.furniture:
        if row.needs is not None:
            holding = compress(range(len(texts)), map(contains, texts, repeat(row.needs)))
            hits.update(i for i in holding if row.pattern.fullmatch(texts[i]))
    return sorted(hits)


def furniture_row(text: str, rules: Rules) -> Furniture | None:
    """The first furniture row that fully matches ``text`` (already stripped), if any."""
    match = rules.furniture_which.fullmatch(text)
    if match is None:
        return None
    if match.lastgroup is not None and match.lastgroup.startswith("row"):
        return rules.furniture[int(match.lastgroup[3:])]
    return next((row for row in rules.furniture if row.pattern.fullmatch(text)), None)


def match_furniture_line(work: list[Work], i: int, rules: Rules, ledger: Ledger) -> None:
    """Remove line ``i`` if a furniture pattern matches all of it (and what it takes along)."""
    w = work[i]
    row = furniture_row(w.stripped, rules)
    if row is None:
        return
    ledger.drop_line(w, "boilerplate")
    w.page_end = row.page_end
    if row.takes_next == "links":
        remove_link_list(work, i, rules, ledger)
        return
    nxt = next_nonblank(work, i)
    if row.takes_next and nxt is not None and work[nxt].kept:
        taken = work[nxt].stripped
        if (row.takes_next == "name" and is_bare_name(taken)) or (
                row.takes_next == "link" and len(taken) <= 80):
            ledger.drop_line(work[nxt], "boilerplate")


def remove_link_list(work: list[Work], i: int, rules: Rules, ledger: Ledger) -> None:
    """The lines under a 相关链接 header while they are bullets or short link titles."""
    j = next_nonblank(work, i)
    while j is not None and work[j].kept:
        text = work[j].stripped
        if furniture_row(text, rules) is not None:
            return  # the next piece of furniture ends the list; the main loop takes it
        bullet = bool(rules.link_bullet.fullmatch(text))
        if not bullet and (len(text) > rules.link_max_chars or rules.link_not_link.search(text)):
            return
        ledger.drop_line(work[j], "boilerplate")
        j = next_nonblank(work, j)


BARE_NAME = re.compile(rf"[{CJK}·•A-Za-z ]{{1,10}}")


def is_bare_name(text: str) -> bool:
    """A short run of letters with no punctuation: an editor's name after 责任编辑："""
    return bool(BARE_NAME.fullmatch(text))


def next_nonblank(work: list[Work], i: int) -> int | None:
    return next((j for j in range(i + 1, len(work)) if not work[j].blank), None)


def prev_nonblank(work: list[Work], i: int) -> int | None:
    return next((j for j in range(i - 1, -1, -1) if not work[j].blank), None)


def remove_button_runs(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """Portal buttons one per line (下载 / 打印 / 全屏 / 收藏): furniture in a run of two or more
    lines that are all buttons or furniture (blank lines between them allowed).

    Removing a run's buttons changes no other run, so only the runs around button lines are
    looked at, each once."""
    done = -1  # the last line of the run looked at last
    for i in list(compress(range(len(work)), map(rules.buttons.__contains__, map(STRIPPED, work)))):
        if i <= done or work[i].gone is not None:
            continue
        first, done = i, i
        while first > 0 and in_button_run(work[first - 1], rules):
            first -= 1
        while done + 1 < len(work) and in_button_run(work[done + 1], rules):
            done += 1
        drop_button_run([w for w in work[first:done + 1] if not w.blank], ledger)


def in_button_run(w: Work, rules: Rules) -> bool:
    """Blank, furniture or a button: a button run goes on across the line."""
    return w.gone == "boilerplate" or (w.gone is None and (not w.stripped or w.stripped in rules.buttons))


def drop_button_run(run: list[Work], ledger: Ledger) -> None:
    """The buttons of a run of buttons and furniture, when it is two lines or more."""
    buttons = [r for r in run if r.gone is None]
    if len(run) >= 2 and buttons:
        for b in buttons:
            ledger.drop_line(b, "boilerplate")


def remove_orphan_closers(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """A line that only closes a bracket opened by the furniture line before it (】, ）)."""
    for i in closer_lines(list(map(STRIPPED, work)), rules):
        if work[i].gone is not None:
            continue
        before = prev_nonblank(work, i)
        if before is not None and work[before].gone == "boilerplate":
            ledger.drop_line(work[i], "boilerplate")


def closer_lines(texts: list[str], rules: Rules) -> list[int]:
    """Indices of the ``texts`` (stripped) made only of orphan closers, as ``closers_only``
    fully matches them: a text is, when stripping the closers leaves nothing of it (one C
    call per line instead of a regex match)."""
    filled = compress(range(len(texts)), texts)
    leftovers = map(str.strip, filter(None, texts), repeat(rules.orphan_closers))
    return list(compress(filled, map(not_, leftovers)))


TEASER_MAX_MISSES = 3
"""A teaser repeats earlier text line after line; after this many new lines it has ended."""


def remove_teaser(work: list[Work], rules: Rules, ledger: Ledger,
                  keys: list[str] | None = None) -> None:
    """After the last page-end line (关闭窗口), lines repeating earlier text are a teaser.
    ``keys`` are the lines squashed (``squash_all``), when already known."""
    end = max(compress(range(len(work)), map(PAGE_END, work)), default=None)
    if end is None:
        return
    if keys is None:
        keys = squash_all(list(map(STRIPPED, work)))
    # a removed line has no text left and a blank line only whitespace: the keys joined
    # are the text before squashed
    before = "".join(keys[:end])
    misses = 0
    for i in range(end + 1, len(work)):
        w = work[i]
        if w.gone is not None or not w.stripped:
            continue
        key = keys[i]
        if len(key) >= rules.teaser_min_chars and key in before:
            ledger.drop_line(w, "boilerplate")
            misses = 0
        else:
            misses += 1
            if misses > TEASER_MAX_MISSES:
                return  # new text, not a teaser: stop before the search costs n² on a long tail


def remove_tail_links(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """Link titles just before the furniture block that ends a page (seed: a related piece's
    title, then 欢迎下载 … 相关文章 … 猜你喜欢)."""
    i = len(work) - 1
    furniture = 0
    while i >= 0 and not work[i].kept:
        furniture += work[i].gone == "boilerplate"
        i -= 1
    if furniture < rules.tail_min_furniture:
        return
    while i >= 0 and (not work[i].kept or looks_like_link(work[i].text, rules)):
        if work[i].kept:
            ledger.drop_line(work[i], "boilerplate")
        i -= 1


def looks_like_link(text: str, rules: Rules) -> bool:
    """Short, no sentence punctuation, no date, no numbering marker: a bare link title."""
    stripped = text.strip()
    return len(stripped) <= rules.tail_max_link_chars and not rules.tail_not_link.search(stripped)


def squash(text: str) -> str:
    """The text without any whitespace (how repeated text is compared)."""
    return "".join(text.split())


# --- 7. repeated pages -------------------------------------------------------------------


def remove_duplicate_pages(work: list[Work], rules: Rules, ledger: Ledger,
                           squashed: list[str] | None = None) -> None:
    """Keep the first copy of a page repeated in the file; ledger the later copies.
    ``squashed`` are the lines squashed (``squash_all``) when already known: a line's
    text may only have been removed since.

    A later run of kept lines counts as a copy only when it repeats an earlier run exactly
    (whitespace aside) and is long (``min_lines`` lines or ``min_chars`` characters): two
    pieces of a compilation that share a title and a paragraph are both kept.
    """
    filled = list(map(STRIPPED, work))  # a removed line holds no text
    kept = list(compress(work, filled))
    keys = (list(compress(squashed, filled)) if squashed is not None
            else squash_all(list(map(STRIPPED, kept))))
    ends = [0, *accumulate(map(len, keys))]  # ends[k]: characters in keys[:k]
    pairs: dict[tuple[str, str], list[int]] = {}  # earlier starts, by their first two lines
    singles: dict[str, list[int]] = {}  # earlier long lines (a one-line page can be a copy)
    pair_list = list(pairwise(keys))  # the last line starts no pair
    done = 0  # the lines before it are registered or removed as part of a copy
    for i in compress(range(len(keys)), copy_candidates(keys, ends, rules)):
        if i < done:
            continue  # inside a copy
        register_pairs(pairs, pair_list, done, i)
        pair = pair_list[i] if i < len(pair_list) else None
        earlier = pairs.get(pair) if pair is not None else None
        long_line = len(keys[i]) >= rules.dup_min_chars
        if earlier or long_line:
            starts = (earlier_starts(keys, i, pairs, singles, rules) if long_line
                      else earlier[-MAX_STARTS:])  # type: ignore[index]
            length = copy_length(keys, i, starts, copy_lines(ends, i, rules))
            if length:
                for w in kept[i:i + length]:
                    ledger.drop_line(w, "duplicate-page")
                done = i + length
                continue
        if long_line:
            singles.setdefault(keys[i], []).append(i)
        register_pairs(pairs, pair_list, i, i + 1)
        done = i + 1


def register_pairs(pairs: dict[tuple[str, str], list[int]], pair_list: list[tuple[str, str]],
                   start: int, stop: int) -> None:
    """Note lines ``start`` to ``stop`` (not included) as earlier starts, by their first two
    lines. Most lines start no copy (``copy_candidates``): they are only noted, in a loop
    that does nothing else (faster than the dict calls mapped in C, which build a list for
    every line)."""
    for j in range(start, min(stop, len(pair_list))):
        pair = pair_list[j]
        starts = pairs.get(pair)
        if starts is None:
            pairs[pair] = [j]
        else:
            starts.append(j)


def copy_candidates(keys: list[str], ends: list[int], rules: Rules) -> list[bool]:
    """Per line, False where no page copy can start, as one pass over the text shows.

    A copy from ``i`` whose first ``min_lines - 1`` lines hold fewer than ``min_chars``
    characters is at least ``min_lines`` lines long, so the same ``min_lines`` lines must
    occur earlier; where they occur for the first time there is no copy and
    ``copy_length`` need not compare anything. Windows are told apart by their hash (a
    collision, like a window repeated inside a copy, only leaves a candidate that is then
    checked exactly). A line long enough to be a copy by itself is always a candidate. This
    settles almost every line of a text full of recurring passages with no Python loop.
    """
    span, min_chars = rules.dup_min_lines, rules.dup_min_chars
    if span < 1:
        return [True] * len(keys)
    windows = list(map(hash, zip(*(islice(keys, k, None) for k in range(span)), strict=False)))
    first = dict(zip(reversed(windows), range(len(windows) - 1, -1, -1), strict=True))
    seen_before = map(ne, map(first.__getitem__, windows), count())
    # characters in the first span - 1 lines (in the line itself when span is 1): enough
    # for a shorter copy, or a long line, which must reach the loop to be registered
    reach = max(span - 1, 1)
    long_enough = map(min_chars.__le__, map(sub, islice(ends, reach, None), ends))
    maybe = list(map(or_, seen_before, long_enough))
    return maybe + [True] * (len(keys) - len(windows))


MAX_STARTS = 8
"""Earlier copies compared per line (the most recent ones): a page repeated six times needs
five; a line that recurs thousands of times (a blank, 同志们：) would otherwise make the
search quadratic."""


def earlier_starts(keys: list[str], i: int, pairs: dict[tuple[str, str], list[int]],
                   singles: dict[str, list[int]], rules: Rules) -> list[int]:
    """Where an earlier copy of the run at ``i`` may start: the same first two lines (a copy
    of two lines or more), or the same line when it is long enough to be a copy by itself."""
    starts = pairs.get((keys[i], keys[i + 1]), []) if i + 1 < len(keys) else []
    if len(keys[i]) >= rules.dup_min_chars:
        starts = sorted({*starts, *singles.get(keys[i], [])})
    return starts[-MAX_STARTS:]


def copy_lines(ends: list[int], i: int, rules: Rules) -> int:
    """The fewest lines from ``i`` that make a page copy (``is_page_copy``): ``min_lines``,
    or fewer when they reach ``min_chars`` first. ``ends`` are the running character counts."""
    by_chars = bisect_left(ends, ends[i] + rules.dup_min_chars, lo=i + 1) - i
    return max(1, min(rules.dup_min_lines, by_chars))


def copy_length(keys: list[str], i: int, starts: list[int], need: int) -> int:
    """Length of the page copy starting at ``i`` (the longest earlier run, see
    ``longest_earlier_run``), or 0 when it is no copy.

    Being a copy only grows with the run, so when no start (ascending) repeats the ``need``
    lines from ``i`` the longest run is no copy either and is not measured. The usual case
    is settled in C: the line ``need - 1`` after each start differs from the one after ``i``.
    """
    last = i + need - 1
    if last >= len(keys):
        return 0
    eligible = starts[:bisect_right(starts, i - need)]  # the copy must end before i
    shift = need - 1
    if keys[last] not in map(keys.__getitem__, map(shift.__add__, eligible)):
        return 0
    window = keys[i:last + 1]
    if any(keys[j:j + need] == window for j in eligible):
        return longest_earlier_run(keys, i, starts)
    return 0


def longest_earlier_run(keys: list[str], i: int, starts: list[int]) -> int:
    """Longest run from ``i`` that equals the run at an earlier start and ends before ``i``."""
    best = 0
    for j in starts:
        length = 0
        while i + length < len(keys) and j + length < i and keys[j + length] == keys[i + length]:
            length += 1
        best = max(best, length)
    return best


def is_page_copy(run: list[str], rules: Rules) -> bool:
    """The rule itself; ``copy_lines`` answers it ahead for every length (the tests hold
    one to the other)."""
    return len(run) >= rules.dup_min_lines or sum(map(len, run)) >= rules.dup_min_chars
