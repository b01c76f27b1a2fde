"""Stage 3: split a page into documents (a compilation holds several pieces).

A compilation page (范文 sites) strings several speeches together under one page title:
``篇1:TITLE`` … ``篇5:TITLE``, each label often followed by the title again on a line of its
own, and ends with link lists ("(共5篇)", titles of other pages). Without 篇N labels, a page
is split only on strong evidence: at least two title blocks (a title line repeated, or a title
followed by a subtitle line ——在…上的讲话), each followed by a speech, and no piece the same as
another (that is a page repeated). Titles may repeat: a year of a county's speeches in one dump
holds several 在全县经济工作会议上的讲话.
Anything less stays one document — almost every input is one.

Where the text goes (nothing is lost):

- the ``篇N:`` label → ``Removal(reason="compilation-label")``; the title after it stays as
  the piece's first line (hint ``title``);
- the title repeated on the next line → ``Removal(reason="duplicate-title")``;
- page lines before the first piece (page title, uploader, furniture the cleaner left) and the
  link list after the last piece → ``Split.page_front`` (kind ``title`` for the page title,
  ``note`` for the rest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, count, islice, repeat
from operator import attrgetter, contains, eq

from .blocks import ends_sentence, has_inner_sentence_end, page_rules, starts_with_marker
from .frontmatter import cn_number, is_date_line, is_subtitle, is_trailer, plain_title
from .model import FrontItem, Line, Removal


@dataclass(slots=True)
class Split:
    """The documents of a page (each a list of lines, blank lines kept) and the page's own text."""

    documents: list[list[Line]]
    page_front: list[FrontItem] = field(default_factory=list)
    page_title: str | None = None
    uploader: str | None = None
    removed: list[Removal] = field(default_factory=list)


def split_documents(lines: list[Line], *, removed: list[Removal] | None = None) -> Split:
    """The documents of a page: several for a compilation, else the page as one document.

    ``removed`` is what the cleaner already took out; a compilation's uploader (作者:X) is read
    from there when the cleaner removed that furniture line.
    """
    starts = _labelled_starts(lines)
    labelled = bool(starts)
    if not starts:
        starts = _title_block_starts(lines)
    if not starts:
        return Split([lines])
    split = Split([])
    _read_page_head(lines[: starts[0]], split)
    if split.uploader is None and removed:
        split.uploader = _uploader_in(r.text for r in removed if r.line < lines[starts[0]].no)
    bounds = [*starts, len(lines)]
    for k in range(len(starts)):
        piece = lines[bounds[k] : bounds[k + 1]]
        if k == len(starts) - 1:
            piece = _cut_page_tail(piece, split, _known_titles(lines, starts, split, labelled))
        split.documents.append(_open_piece(piece, split, labelled))
    return split


TEXT = attrgetter("text")
"""For ``map`` over the lines: a loop in C."""


# --- Finding the pieces -----------------------------------------------------------------


def _label_pattern() -> re.Pattern[str]:
    return re.compile(page_rules()["compilation"]["label"])  # re caches the compiled pattern


def _label(text: str) -> re.Match[str] | None:
    return _label_pattern().match(text)


def _label_number(match: re.Match[str]) -> int:
    return cn_number(match.group("num"))


def _labelled_starts(lines: list[Line]) -> list[int]:
    """Indexes of 篇1:, 篇2: … lines, when they number 1, 2, 3 … in order (the label pattern is
    tried on every line in one loop in C; Python looks only at the labels)."""
    matches = list(map(_label_pattern().match, map(TEXT, lines)))
    starts: list[int] = []
    for index in compress(count(), matches):
        if _label_number(matches[index]) != len(starts) + 1:  # type: ignore[arg-type]
            return []
        starts.append(index)
    return starts


def _nonblank(lines: list[Line], start: int = 0) -> list[int]:
    return [i for i in range(start, len(lines)) if lines[i].text.strip()]


def _first_nonblank(lines: list[Line]) -> int | None:
    """Index of the first line with text (a piece's first lines, without listing them all)."""
    return next((i for i, line in enumerate(lines) if line.text.strip()), None)


def _is_title_line(line: Line) -> bool:
    """A line that could be a piece title: short, no sentence inside, no numbering."""
    text = line.text.strip()
    limit = page_rules()["compilation"]["title_max_chars"]
    if line.hint == "heading" or re.match(r"^\s*#{2,}", text):
        return False
    body = plain_title(text)
    return (0 < len(body) <= limit and not has_inner_sentence_end(body) and not ends_sentence(body)
            and not starts_with_marker(body) and not is_date_line(body))


SUBTITLE_DASHES = ("—", "-", "－", "─")
"""Every dash a subtitle may open with (``subtitle_dash`` in data/frontmatter.yaml)."""

SUBTITLE_WORD = "在"
"""The word every other subtitle holds: the ``occasion`` pattern starts with it."""

SUBTITLE_MAX_CHARS = 82
"""Longest subtitle without a dash: ``is_subtitle`` takes at most 80 characters inside the
brackets it strips."""


def _subtitle_candidates(texts: list[str]) -> set[int]:
    """Indexes of the stripped ``texts`` that may be subtitles (``is_subtitle`` is false for
    every other): those that open with a dash, and the short ones holding 在 and the
    ``occasion`` pattern somewhere (``is_subtitle`` looks for it in a part of the text).
    Loops in C over all texts; Python only for the lines holding 在."""
    heads = "".join([text[:1] for text in texts])
    dashed = {k for dash in SUBTITLE_DASHES for k in find_all(heads, dash)}
    holding = compress(count(), map(contains, texts, repeat(SUBTITLE_WORD)))
    occasion = re.compile(page_rules()["occasion"]).search  # re caches the compiled pattern
    return dashed | {k for k in holding
                     if len(texts[k]) <= SUBTITLE_MAX_CHARS and occasion(texts[k])}


def find_all(text: str, char: str) -> Iterator[int]:
    """Every index of ``char`` in ``text``."""
    k = text.find(char)
    while k >= 0:
        yield k
        k = text.find(char, k + 1)


def _title_block_starts(lines: list[Line]) -> list[int]:
    """Pieces without labels: title blocks with different titles, each followed by a speech."""
    rules = page_rules()["compilation"]
    stripped = [line.text.strip() for line in lines]
    nonblank = list(compress(count(), stripped))
    texts = list(filter(None, stripped))
    # k opens a block when the next text repeats it or is a subtitle: rare, so the few k
    # where that can hold are found first (the next is a candidate subtitle, or equal)
    maybe = {k - 1 for k in _subtitle_candidates(texts) if k} | set(
        compress(count(), map(eq, texts, islice(texts, 1, None))))
    starts: list[int] = []
    for k in sorted(maybe):
        index, after = nonblank[k], nonblank[k + 1]
        opens_block = texts[k + 1] == texts[k] or is_subtitle(lines[after].text)
        if opens_block and _is_title_line(lines[index]) and (not starts or starts[-1] != nonblank[k - 1]):
            starts.append(index)  # X / X / X counts once
    if len(starts) < 2:
        return []
    bounds = [*starts, len(lines)]
    pieces = ["".join(stripped[bounds[k] : bounds[k + 1]]) for k in range(len(starts))]
    if any(len(text) < rules["piece_min_chars"] for text in pieces):
        return []
    if len(set(pieces)) != len(pieces):
        return []  # the same piece again: a page repeated, not a compilation
    head = "".join(stripped[: starts[0]])
    if len(head) >= rules["piece_min_chars"]:
        return []  # a speech before the first title block: not a compilation
    return starts


# --- Page head and tail -----------------------------------------------------------------


def _read_page_head(head: list[Line], split: Split) -> None:
    """Page title, uploader and furniture before the first piece go to the page front."""
    for line in head:
        text = line.text.strip()
        if not text:
            continue
        if split.page_title is None and _is_title_line(line):
            split.page_title = plain_title(text)
        if split.uploader is None:
            split.uploader = _uploader_in([text])
        kind = "title" if plain_title(text) == split.page_title else "note"
        split.page_front.append(FrontItem(kind, line.text.strip(), (line.no, line.no)))


def _uploader_in(texts: Iterable[str]) -> str | None:
    pattern = page_rules()["compilation"]["uploader"]
    for text in texts:
        found = re.search(pattern, text)
        if found:
            return found.group("name")
    return None


def _known_titles(lines: list[Line], starts: list[int], split: Split, labelled: bool) -> list[str]:
    """Page title and piece titles: lines echoing them after the last piece are links."""
    titles = [split.page_title] if split.page_title else []
    for index in starts:
        text = lines[index].text
        match = _label(text) if labelled else None
        titles.append(plain_title(text[match.end():] if match else text))
    return [t for t in titles if t]


def _is_echo(text: str, titles: list[str]) -> bool:
    """A line naming one of the page's titles: a link, a "(共5篇)" note, a download button."""
    rules = page_rules()["compilation"]
    if re.search(rules["count_note"], text) or any(w in text for w in rules["furniture_words"]):
        return True
    return any(t and (text == t or (len(t) >= 6 and t in text and len(text) <= len(t) + 40)) for t in titles)


def _is_link_like(text: str) -> bool:
    """A short line without a sentence end: a link title or a button."""
    limit = page_rules()["compilation"]["tail_max_chars"]
    return (len(text) <= limit and not ends_sentence(text) and not starts_with_marker(text)
            and not is_date_line(text) and not is_trailer(text))


def _cut_page_tail(piece: list[Line], split: Split, titles: list[str]) -> list[Line]:
    """Move the link list after the last piece's final paragraph to the page front."""
    nonblank = _nonblank(piece, 1)
    tail_start, count, evidence = len(piece), 0, False
    for index in reversed(nonblank):
        text = piece[index].text.strip()
        if _is_echo(text, titles):
            evidence = True
        elif not _is_link_like(text):
            break
        tail_start, count = index, count + 1
    if count == 0 or not (evidence or count >= 3) or tail_start <= 1:
        return piece
    for line in piece[tail_start:]:
        if line.text.strip():
            split.page_front.append(FrontItem("note", line.text.strip(), (line.no, line.no)))
    return piece[:tail_start]


# --- Opening a piece --------------------------------------------------------------------


def _open_piece(piece: list[Line], split: Split, labelled: bool) -> list[Line]:
    """The piece's lines: label removed, title hinted, a repeated title line removed."""
    first = piece[0]
    match = _label(first.text) if labelled else None
    title_text = first.text[match.end():].strip() if match else first.text.strip()
    if match:
        split.removed.append(Removal(match.group(0).strip(), "compilation-label", first.no))
    out = [Line(title_text, first.no, "title")] if title_text else []
    rest = piece[1:]
    first = _first_nonblank(rest)
    if not title_text and first is not None:  # 篇1: with the title on the next line
        out.append(Line(rest[first].text.strip(), rest[first].no, "title"))
        title_text = rest[first].text.strip()
        rest = rest[first + 1 :]
        first = _first_nonblank(rest)
    if first is not None and rest[first].text.strip() == title_text:
        repeat = rest[first]
        split.removed.append(Removal(repeat.text.strip(), "duplicate-title", repeat.no))
        rest = rest[:first] + rest[first + 1 :]
    return out + rest
