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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

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


@dataclass(slots=True)
class Rules:
    """The compiled tables of ``data/boilerplate.yaml``."""

    furniture: list[Furniture]
    buttons: frozenset[str]
    link_bullet: re.Pattern[str]
    link_max_chars: int
    link_not_link: re.Pattern[str]
    orphan_closers: str
    tail_min_furniture: int
    tail_max_link_chars: int
    tail_not_link: re.Pattern[str]
    teaser_min_chars: int
    escape: re.Pattern[str]
    escape_categories: frozenset[str]
    zero_width: re.Pattern[str]
    spaces: dict[int, str]
    comment_open: str
    comment_close: str
    tag: re.Pattern[str]
    entity: re.Pattern[str]
    entities: dict[str, str]
    md_heading: re.Pattern[str]
    md_closing_hashes: re.Pattern[str]
    md_quote: re.Pattern[str]
    md_rule: re.Pattern[str]
    md_fence: str
    md_front_max: int
    between_cjk: re.Pattern[str]
    dot: re.Pattern[str]
    placeholder: re.Pattern[str]
    stray_open: re.Pattern[str]
    stray_close: re.Pattern[str]
    catalogue_label: re.Pattern[str]
    catalogue_fields: frozenset[str]
    catalogue_title: str
    catalogue_keep: frozenset[str]
    dup_min_lines: int
    dup_min_chars: int


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """Read and compile ``data/boilerplate.yaml`` once."""
    text = resources.files("speech2tei").joinpath("data/boilerplate.yaml").read_text("utf-8")
    data = load_yaml(text)
    anti, lay, mark, md = data["anti_copy"], data["layout"], data["markup"], data["markdown"]
    cat, tail, dup = data["catalogue"], data["tail"], data["duplicate_page"]
    tags = "|".join(re.escape(t) for t in sorted(mark["tags"], key=len, reverse=True))
    entities = dict(mark["entities"])
    numerals = re.escape(anti["numerals"])
    stray = re.escape(anti["stray_opening"])
    return Rules(
        furniture=[Furniture(re.compile(row["pattern"]), row.get("takes_next"),
                             bool(row.get("page_end"))) for row in data["furniture"]],
        buttons=frozenset(str(b) for b in data["buttons"]),
        link_bullet=re.compile(data["links"]["bullet"]),
        link_max_chars=int(data["links"]["max_chars"]),
        link_not_link=re.compile(data["links"]["not_link"]),
        orphan_closers=data["orphan_closers"],
        tail_min_furniture=int(tail["min_furniture"]),
        tail_max_link_chars=int(tail["max_link_chars"]),
        tail_not_link=re.compile(tail["not_link"]),
        teaser_min_chars=int(tail["teaser_min_chars"]),
        escape=re.compile(lay["escape"]),
        escape_categories=frozenset(lay["escape_categories"]),
        zero_width=re.compile("[" + "".join(lay["zero_width"]) + "]+"),
        spaces={ord(ch): " " for ch in lay["spaces"]},
        comment_open="<!--",
        comment_close="-->",
        tag=re.compile(rf"</?(?:{tags})(?:\s[^<>]*)?/?>", re.IGNORECASE),
        entity=re.compile("|".join(re.escape(e) for e in entities), re.IGNORECASE),
        entities={k.lower(): v for k, v in entities.items()},
        md_heading=re.compile(md["heading"]),
        md_closing_hashes=re.compile(md["closing_hashes"]),
        md_quote=re.compile(md["quote"]),
        md_rule=re.compile(md["rule"]),
        md_fence=md["front_matter_fence"],
        md_front_max=int(md["front_matter_max_lines"]),
        between_cjk=re.compile(f"(?<=[{CJK}])[{re.escape(anti['between_cjk'])}](?=[{CJK}])"),
        dot=re.compile(f"(?<=[{CJK}])(?<![{numerals}]){re.escape(anti['dot'])}(?=[{CJK}])"),
        placeholder=re.compile(anti["placeholder"]),
        stray_open=re.compile(rf"^\s*{stray}(?=\s*[{CJK}])"),
        stray_close=re.compile(rf"(?<=[{CJK}]){stray}(?=\s*$)"),
        catalogue_label=re.compile(cat["label"]),
        catalogue_fields=frozenset(cat["fields"]),
        catalogue_title=cat["title"],
        catalogue_keep=frozenset(cat["keep"]),
        dup_min_lines=int(dup["min_lines"]),
        dup_min_chars=int(dup["min_chars"]),
    )


@dataclass(slots=True)
class Work:
    """One source line while it is being cleaned."""

    text: str
    no: int
    hint: str | None = None
    gone: str | None = None
    """Reason code when the whole line was removed."""
    page_end: bool = False

    @property
    def blank(self) -> bool:
        """Blank and never held furniture: transparent when looking for a line's neighbours."""
        return self.gone is None and not self.text.strip()

    @property
    def kept(self) -> bool:
        """Still holds text."""
        return self.gone is None and bool(self.text.strip())


class Ledger:
    """Collects removals; every edit of a line goes through here so none is unrecorded."""

    def __init__(self) -> None:
        self.removed: list[Removal] = []

    def note(self, text: str, reason: str, line: int) -> None:
        """Record ``text`` (outer whitespace trimmed: it never counts) unless it is blank."""
        if text.strip():
            self.removed.append(Removal(text.strip(), reason, line))

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

        work.text = pattern.sub(swap, work.text)
        return changed

    def drop_line(self, work: Work, reason: str) -> None:
        """Remove the whole line, ledgering what is left of it."""
        self.note(work.text, reason, work.no)
        work.text = ""
        work.gone = reason


def clean_lines(raw: list[str], first_line: int = 1, *,
                hints: dict[int, str] | None = None) -> Cleaned:
    """Clean ``raw`` lines (numbered from ``first_line``); ``hints`` maps 0-based index → hint."""
    rules = load_rules()
    hints = hints or {}
    work = [Work(text, first_line + i, hints.get(i)) for i, text in enumerate(raw)]
    ledger = Ledger()
    for w in work:
        strip_layout(w, rules, ledger)
    strip_comments(work, rules, ledger)
    for w in work:
        strip_tags(w, rules, ledger)
    strip_markdown(work, rules, ledger)
    strip_catalogue(work, rules, ledger)
    for w in work:
        strip_anti_copy(w, rules, ledger)
    remove_furniture(work, rules, ledger)
    remove_duplicate_pages(work, rules, ledger)
    lines = [Line(w.text, w.no, w.hint if w.kept else None) for w in work]  # type: ignore[arg-type]
    return Cleaned(lines, sorted(ledger.removed, key=lambda r: r.line))


# --- 1. layout ---------------------------------------------------------------------------


def strip_layout(w: Work, rules: Rules, ledger: Ledger) -> None:
    """Literal escapes of spacing characters → space; zero-widths out; NBSP and kin → space."""

    def escape(match: re.Match[str]) -> str | None:
        code = int(match.group(1), 16)
        if code > 0x10FFFF or unicodedata.category(chr(code)) not in rules.escape_categories:
            return None
        return " "

    ledger.sub(w, rules.escape, "layout", escape)
    ledger.sub(w, rules.zero_width, "layout")
    w.text = w.text.translate(rules.spaces)


# --- 2. markup ---------------------------------------------------------------------------


def strip_comments(work: list[Work], rules: Rules, ledger: Ledger, reach: int = 50) -> None:
    """Remove ``<!-- … -->``, also when it spans lines (an opener with no closer within
    ``reach`` lines is left alone: it is not a comment)."""
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
            w.text = w.text[:start] + w.text[cut:]
            continue
        close = next((j for j in range(i + 1, min(len(work), i + reach))
                      if rules.comment_close in work[j].text), None)
        if close is None:
            i += 1
            continue
        ledger.note(w.text[start:], "markup", w.no)
        w.text = w.text[:start]
        for j in range(i + 1, close):
            ledger.note(work[j].text, "markup", work[j].no)
            work[j].text = ""
        last = work[close]
        cut = last.text.find(rules.comment_close) + len(rules.comment_close)
        ledger.note(last.text[:cut], "markup", last.no)
        last.text = last.text[cut:]
        i = close


def strip_tags(w: Work, rules: Rules, ledger: Ledger) -> None:
    """Tags and spacing entities left in plain text."""
    if "<" in w.text:
        ledger.sub(w, rules.tag, "markup")
    if "&" in w.text:
        ledger.sub(w, rules.entity, "markup", lambda m: rules.entities[m.group(0).lower()])


# --- 3. Markdown -------------------------------------------------------------------------


def strip_markdown(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """Front matter, heading markers, quote prefixes and rules, when the file is Markdown.

    A level-1 heading that is the file's first heading is the document title (hint "title");
    every other heading line gets hint "heading".
    """
    front = front_matter_end(work, rules)
    headings = [w for w in work if rules.md_heading.match(w.text)]
    if front is None and not headings:
        return
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
        w.text = match.group(1) + w.text[match.end():]
        ledger.sub(w, rules.md_closing_hashes, "markup")
        if w.text.strip():
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
    first = next((i for i, w in enumerate(work) if w.text.strip()), None)
    if first is None or work[first].text.strip() != rules.md_fence:
        return None
    for j in range(first + 1, min(len(work), first + rules.md_front_max)):
        if work[j].text.strip() in (rules.md_fence, "..."):
            return j
    return None


# --- 4. catalogue headers ----------------------------------------------------------------


def strip_catalogue(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """``【 文献号 】1-3101`` lines: label out; 标题/正文 text kept, other values ledgered."""
    found = [(w, m) for w in work if w.kept and (m := rules.catalogue_label.match(w.text))
             and "".join(m.group(1).split()) in rules.catalogue_fields]
    if len(found) < 2:
        return
    for w, match in found:
        label = "".join(match.group(1).split())
        ledger.note(match.group(0), "markup", w.no)
        rest = w.text[match.end():]
        if label in rules.catalogue_keep:
            w.text = rest
            if label == rules.catalogue_title and rest.strip():
                w.hint = "title"
        else:
            ledger.note(rest, "catalogue", w.no)
            w.text = ""


# --- 5. anti-copy characters -------------------------------------------------------------


def strip_anti_copy(w: Work, rules: Rules, ledger: Ledger) -> None:
    """Characters pushed into words: lone ` ~ ^ | # or . between CJK, ## placeholders, and a
    stray ? opening a line (with its partner closing the line)."""
    if not w.kept:
        return
    ledger.sub(w, rules.placeholder, "anti-copy")
    ledger.sub(w, rules.between_cjk, "anti-copy")
    ledger.sub(w, rules.dot, "anti-copy")
    if ledger.sub(w, rules.stray_open, "anti-copy", lambda m: m.group(0)[:-1]):
        ledger.sub(w, rules.stray_close, "anti-copy")


# --- 6. furniture ------------------------------------------------------------------------


def remove_furniture(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """Whole furniture lines, then the furniture that only context reveals."""
    for i, w in enumerate(work):
        if w.kept:
            match_furniture_line(work, i, rules, ledger)
    remove_button_runs(work, rules, ledger)
    remove_orphan_closers(work, rules, ledger)
    remove_teaser(work, rules, ledger)
    remove_tail_links(work, rules, ledger)


def match_furniture_line(work: list[Work], i: int, rules: Rules, ledger: Ledger) -> None:
    """Remove line ``i`` if a furniture pattern matches all of it (and what it takes along)."""
    w = work[i]
    stripped = w.text.strip()
    for row in rules.furniture:
        if not row.pattern.fullmatch(stripped):
            continue
        ledger.drop_line(w, "boilerplate")
        w.page_end = row.page_end
        if row.takes_next == "links":
            remove_link_list(work, i, rules, ledger)
            return
        nxt = next_nonblank(work, i)
        if row.takes_next and nxt is not None and work[nxt].kept:
            taken = work[nxt].text.strip()
            if (row.takes_next == "name" and is_bare_name(taken)) or (
                    row.takes_next == "link" and len(taken) <= 80):
                ledger.drop_line(work[nxt], "boilerplate")
        return


def remove_link_list(work: list[Work], i: int, rules: Rules, ledger: Ledger) -> None:
    """The lines under a 相关链接 header while they are bullets or short link titles."""
    j = next_nonblank(work, i)
    while j is not None and work[j].kept:
        text = work[j].text.strip()
        if any(row.pattern.fullmatch(text) for row in rules.furniture):
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
    lines that are all buttons or furniture."""
    run: list[Work] = []
    for w in [*work, Work("<end>", 0)]:
        if w.blank:
            continue
        if w.gone == "boilerplate" or (w.kept and w.text.strip() in rules.buttons):
            run.append(w)
            continue
        buttons = [r for r in run if r.gone is None]
        if len(run) >= 2 and buttons:
            for b in buttons:
                ledger.drop_line(b, "boilerplate")
        run = []


def remove_orphan_closers(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """A line that only closes a bracket opened by the furniture line before it (】, ）)."""
    for i, w in enumerate(work):
        if not w.kept or w.text.strip().strip(rules.orphan_closers):
            continue
        before = prev_nonblank(work, i)
        if before is not None and work[before].gone == "boilerplate":
            ledger.drop_line(w, "boilerplate")


TEASER_MAX_MISSES = 3
"""A teaser repeats earlier text line after line; after this many new lines it has ended."""


def remove_teaser(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """After the last page-end line (关闭窗口), lines repeating earlier text are a teaser."""
    end = next((i for i in range(len(work) - 1, -1, -1) if work[i].page_end), None)
    if end is None:
        return
    before = squash("".join(w.text for w in work[:end] if w.kept))
    misses = 0
    for w in work[end + 1:]:
        key = squash(w.text)
        if not w.kept or not key:
            continue
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


def remove_duplicate_pages(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """Keep the first copy of a page repeated in the file; ledger the later copies.

    A later run of kept lines counts as a copy only when it repeats an earlier run exactly
    (whitespace aside) and is long (``min_lines`` lines or ``min_chars`` characters): two
    pieces of a compilation that share a title and a paragraph are both kept.
    """
    seq = [(squash(w.text), i) for i, w in enumerate(work) if w.kept]
    keys = [k for k, _ in seq]
    pairs: dict[tuple[str, str], list[int]] = {}  # earlier starts, by their first two lines
    singles: dict[str, list[int]] = {}  # earlier long lines (a one-line page can be a copy)
    i = 0
    while i < len(seq):
        starts = earlier_starts(keys, i, pairs, singles, rules)
        length = longest_earlier_run(keys, i, starts)
        if length and is_page_copy(keys[i:i + length], rules):
            for _, idx in seq[i:i + length]:
                ledger.drop_line(work[idx], "duplicate-page")
            i += length
            continue
        if i + 1 < len(keys):
            pairs.setdefault((keys[i], keys[i + 1]), []).append(i)
        if len(keys[i]) >= rules.dup_min_chars:
            singles.setdefault(keys[i], []).append(i)
        i += 1


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
    return len(run) >= rules.dup_min_lines or sum(map(len, run)) >= rules.dup_min_chars
