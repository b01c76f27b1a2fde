"""Stage 5: front and back matter: title, occasion, date, speaker, salutation, closing.

The first blocks of a document are read one by one as long as they look like front matter
(title, subtitle with the occasion, date, speaker line, salutation, catalogue fields, photo
captions, datelines); the first block that is body text — prose, or anything opening with a
numbering marker — ends the front. A line that runs several items together (title, subtitle
and speaker on one line; title end, document number and addressee on one line) is cut into
several items. The last blocks are read backwards for closing words and trailer notes.

Every item keeps its text exactly as written (``FrontItem.text``); ``Metadata`` gets the
normalised facts (letter spacing and Markdown marks removed, ISO date where complete).
Nothing is dropped: text that is not front or back matter stays in ``Front.body``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .blocks import (
    ends_sentence,
    has_inner_sentence_end,
    is_prose,
    page_rules,
    starts_with_marker,
)
from .model import Block, FrontItem, Metadata


@dataclass(slots=True)
class Front:
    """One document's front items, back items and the body blocks between them."""

    meta: Metadata
    front: list[FrontItem] = field(default_factory=list)
    back: list[FrontItem] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)


# --- Dates ------------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DATE_RE = re.compile(
    r"(?:(?P<y>[0-9０-９]{4}|[〇○零OＯ一二三四五六七八九]{4})\s*年\s*)?"
    r"(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*日)?"
)
_YEAR_ONLY_RE = re.compile(r"(?P<y>[0-9０-９]{4}|[〇○零一二三四五六七八九]{4})\s*年")
_NUMERIC_DATE_RE = re.compile(r"(?<![0-9０-９])([12][0-9]{3})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
_TIME_RE = re.compile(r"[0-9０-９]{1,2}\s*[时:：]\s*[0-9０-９]{1,2}\s*分?")
_AT_PLACE_RE = re.compile(r"于[\u4e00-\u9fff]{1,8}")
_CJK_PAIR_RE = re.compile(r"[\u4e00-\u9fff]{2}")
_BLANK_RE = re.compile(r"\s")
_WORD_CHAR_RE = re.compile(r"\w")
_DASH_RE = re.compile(r"(——|-{2,})")
_TRAILER_LEAD_RE = re.compile(r"^\W*(?:本文|此文|这是)(?:为|系|是)?")
"""Patterns of this module, compiled once (the ``re`` functions look each up in a cache at
every call, which the front of every document pays many times over)."""


def cn_number(text: str) -> int:
    """Value of an Arabic (half or full width) or Chinese numeral up to 9999."""
    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text):  # 二〇二三: digit by digit
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS.get(text, 0)


@dataclass(slots=True)
class DateFact:
    text: str
    iso: str | None


def find_date(text: str) -> DateFact | None:
    """The first date written in ``text`` (2023年2月10日, 一九四二年五月, 10月18日, 2026-02-02)."""
    numeric = _NUMERIC_DATE_RE.search(text)
    if numeric:
        y, m, d = (int(unicodedata.normalize("NFKC", g)) for g in numeric.groups())
        if 1 <= m <= 12 and 1 <= d <= 31:
            return DateFact(numeric.group(0), f"{y:04d}-{m:02d}-{d:02d}")
    match = _DATE_RE.search(text)
    if match is None:
        year = _YEAR_ONLY_RE.search(text)
        return DateFact(year.group(0), None) if year else None
    year, month, day = match.group("y"), match.group("m"), match.group("d")
    iso = None
    if year and day:
        y, m, d = cn_number(year), cn_number(month), cn_number(day)
        if 1 <= m <= 12 and 1 <= d <= 31:
            iso = f"{y:04d}-{m:02d}-{d:02d}"
    return DateFact(match.group(0).strip(), iso)


def is_date_line(text: str) -> bool:
    """A line that is only a date, as written under a title: （2023年2月10日）, 2023年2月10日,
    （一九四二年五月）, （1996年4月16日于北京）, （刘忠德  １９９６年８月１８日）, 2026年02月10日 07时41分."""
    core = _strip_brackets(text)
    match = _DATE_RE.search(core)
    if match is None:
        return _YEAR_ONLY_RE.fullmatch(core) is not None
    if match.group("y") is None and match.group("d") is None:
        return False
    before, after = core[: match.start()].strip(), core[match.end():].strip()
    before_ok = not before or _is_bare_name(before)
    after_ok = not after or _TIME_RE.fullmatch(after) is not None or _AT_PLACE_RE.fullmatch(after)
    return before_ok and bool(after_ok)


def _strip_brackets(text: str) -> str:
    core = text.strip()
    if core[:1] in "（(" and core[-1:] in "）)":
        core = core[1:-1].strip()
    return core


# --- Line kinds ---------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _compiled(name: str) -> re.Pattern[str]:
    """A pattern of data/frontmatter.yaml, compiled once."""
    return re.compile(page_rules()[name])


def _markdown_marks(text: str) -> int:
    """Length of the Markdown heading marks (``## ``) at the start of ``text``, 0 if none."""
    match = _compiled("markdown_heading").match(text)
    return match.end() if match and match.group(1) else 0


def plain_title(text: str) -> str:
    """A title as a reader would cite it: Markdown marks and letter spacing removed."""
    text = text.strip()
    text = text[_markdown_marks(text):].strip()
    tokens = text.split()
    if len(tokens) >= 3 and all(len(tok) == 1 for tok in tokens):  # 政 府 工 作 报 告
        return "".join(tokens)
    return text


def is_subtitle(text: str) -> bool:
    """——在全市招商引资工作会议上的讲话; （2026年1月27日在…会议上）; 在…开幕式上的讲话."""
    text = text.strip()
    dash = _compiled("subtitle_dash").match(text)
    if dash:
        return _CJK_PAIR_RE.search(text, dash.end()) is not None
    core = _strip_brackets(text)
    occasion = _compiled("occasion").search(core)
    if occasion is None or has_inner_sentence_end(core) or len(core) > 80:
        return False
    before = core[: occasion.start()].strip()
    date = find_date(before)
    return core.startswith("在") or (date is not None and before == date.text)


def occasion_of(text: str) -> str | None:
    """The meeting named in a subtitle or trailer: 在全市招商引资工作会议上 → 全市招商引资工作会议."""
    cleaned = _compiled("trailer_junk").sub("", text)
    match = _compiled("occasion").search(cleaned)
    if match is None:
        return None
    occasion = match.group("occasion")
    date = find_date(occasion)
    if date and "月" in date.text and occasion.startswith(date.text):
        occasion = occasion[len(date.text):]  # 2026年1月26日在… — the meeting's own name has no day
    return occasion.strip() or None


def salutation_length(text: str) -> int:
    """Length of a salutation opening ``text`` (同志们：, 各位代表！), delimiter included; 0 if none."""
    rules = page_rules()
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    for word in _longest_first("salutations"):
        if stripped.startswith(word) and len(stripped) > len(word) and stripped[len(word)] in rules["salute_delims"]:
            return lead + len(word) + 1
        if stripped == word:
            return len(text)
    return 0


def addressee_length(text: str) -> int:
    """Length of a gongwen addressee opening ``text`` (各省、自治区…：), colon included; 0 if none."""
    for colon in ("：", ":"):
        end = text.find(colon, 0, 90)
        if end > 0 and _compiled("addressee").match(text[: end + 1].strip()):
            return end + 1
    return 0


def is_salutation(text: str) -> bool:
    """A whole line that is a salutation or a gongwen addressee line."""
    text = text.strip()
    length = salutation_length(text)
    if length and not text[length:].strip():
        return True
    return bool(_compiled("addressee").match(text))


def closer_length(text: str) -> int:
    """Length of closing words ending ``text`` (…。谢谢大家！); 0 if none."""
    stripped = text.rstrip()
    for word in _longest_first("closers"):
        for end in ("！", "!", "。", ""):
            tail = word + end
            if stripped.endswith(tail):
                start = len(stripped) - len(tail)
                if start == 0 or stripped[start - 1] in page_rules()["sentence_end"] or stripped[start - 1].isspace():
                    return len(stripped) - start
    return 0


def is_trailer(text: str) -> bool:
    """A note after the speech: 本文为市长…讲话, （作者单位：…）, （钱竞整理）."""
    stripped = text.strip()
    if len(stripped) > 120 or has_inner_sentence_end(_compiled("trailer_junk").sub("", stripped)):
        return False
    return any(p.search(stripped) for p in _trailer_patterns())


@lru_cache(maxsize=1)
def _trailer_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in page_rules()["trailers"])


@lru_cache(maxsize=8)
def _longest_first(name: str) -> tuple[str, ...]:
    """A word list of data/frontmatter.yaml (roles, salutations, closers), longest first, so
    a longer word is tried before a word it starts with (sorted once)."""
    return tuple(sorted(page_rules()[name], key=len, reverse=True))


_NAME = r"[\u4e00-\u9fff](?:[\s\u00a0\u2002\u3000]?[\u4e00-\u9fff]){1,3}"
_GAP = r"[\s\u00a0\u2002\u3000]"
_NAME_RE = re.compile(_NAME)
_GAP_RE = re.compile(_GAP)


def speaker_of(text: str) -> tuple[str | None, str | None] | None:
    """(role, name) of a speaker line: 市长 张三, 广东省省长 孟凡利, 国务院总理 李强, 路明副部长,
    or a role alone (市长). None when the text is not one of these.

    The role and the name must be set apart by a space, or the line be a bare "name role" of
    a few characters, so that titles like "…委员会通知" are not read as "委员 会通知".
    """
    text = text.strip()
    for role in _longest_first("roles"):
        where = text.rfind(role)
        if where < 0:
            continue
        before, after = text[: where + len(role)].strip(), text[where + len(role):]
        gap = _GAP_RE.match(after) is not None
        name = after.strip()
        if name and gap and _NAME_RE.fullmatch(name) and len(before) <= 30:
            return before, _BLANK_RE.sub("", name)
        if name and not gap and 2 <= len(name) <= 3 and _is_bare_name(name) and not name.startswith("会") \
                and len(before) <= 30:
            return before, name  # 国务院副总理兼国家计划委员会主任姚依林
        if not name and 2 <= where <= 4 and _NAME_RE.fullmatch(text[:where].strip()):
            return role, _BLANK_RE.sub("", text[:where])
        if not name and where == 0:
            return role, None
    return None


def _is_bare_name(text: str) -> bool:
    """A person's name alone (习近平, 李 强): two to four characters, not an organisation."""
    text = text.strip()
    return (len(text) <= 7 and _NAME_RE.fullmatch(text) is not None
            and text[-1] not in page_rules()["front"]["name_not_end"])


def _catalogue(text: str) -> tuple[str, str] | None:
    """(field kind, value) of a reprint catalogue line 【 标  题 】…, or None."""
    match = _compiled("catalogue").match(text)
    if match is None:
        return None
    name = _BLANK_RE.sub("", match.group("field"))
    kind = page_rules()["catalogue_fields"].get(name, "note")
    return kind, match.group("value")


def _title_like(text: str, limit: int) -> bool:
    text = text.strip()
    body = text[_markdown_marks(text):]
    return (0 < len(body) <= limit and _WORD_CHAR_RE.search(body) is not None
            and not has_inner_sentence_end(body) and body[-1] not in "。；;：:，,"
            and not starts_with_marker(body) and not is_date_line(body) and not is_salutation(body))


# --- Reading the front ------------------------------------------------------------------

LOOK_AHEAD = 3
"""Blocks after a title line looked at to see whether the title goes on (a two-line title)."""


@dataclass(slots=True)
class _Reader:
    """State while reading front and back items of one document."""

    meta: Metadata = field(default_factory=Metadata)
    front: list[FrontItem] = field(default_factory=list)
    back: list[FrontItem] = field(default_factory=list)
    date_rank: int = 99
    """How good the current Metadata.date is (lower is better): a subtitle's date beats a
    date line's, which beats a trailer's, a dateline's and a closing signature's."""
    pending_field: bool = False
    """The last block was a page field label with its value on the next line (来源:)."""

    def trial_copy(self) -> _Reader:
        """A copy to try a block on; items are edited in place, so they are copied too (a
        deepcopy did the same at 40x the cost, which showed on a dump of hundreds of speeches)."""
        return _Reader(_copy_meta(self.meta), [FrontItem(i.kind, i.text, i.lines) for i in self.front],
                       [FrontItem(i.kind, i.text, i.lines) for i in self.back], self.date_rank,
                       self.pending_field)

    def add(self, kind: str, text: str, block: Block) -> FrontItem:
        item = FrontItem(kind, text, (block.start, block.end))  # type: ignore[arg-type]
        self.front.append(item)
        return item

    def take_date(self, text: str, rank: int) -> None:
        fact = find_date(text)
        if fact and rank < self.date_rank:
            self.meta.date, self.meta.date_iso, self.date_rank = fact.text, fact.iso, rank

    def take_occasion(self, text: str) -> None:
        if self.meta.occasion is None:
            self.meta.occasion = occasion_of(text)

    def take_speaker(self, role: str | None, name: str | None) -> None:
        if role and self.meta.speaker_role is None:
            self.meta.speaker_role = role
        if name and self.meta.speaker is None:
            self.meta.speaker = name


def _copy_meta(meta: Metadata) -> Metadata:
    """A shallow copy of ``meta``, field by field (``copy.copy`` goes through ``__reduce_ex__``
    at several times the cost, at every front block of every document)."""
    return Metadata(meta.title, meta.subtitle, meta.occasion, meta.date, meta.date_iso, meta.speaker,
                    meta.speaker_role, meta.salutation)


def _cut_run_together(text: str) -> list[str]:
    """Cut a front line that runs several items together, at subtitle dashes, document
    numbers, addressee lines and speaker names (政府工作报告——2024年…会议上国务院总理 李强)."""
    parts = [text]
    for cutter in (_cut_at_dash, _cut_after_doc_number, _cut_before_doc_number, _cut_speaker_tail):
        parts = [piece for part in parts for piece in cutter(part)]
    return [p for p in parts if p.strip()]


def _cut_at_dash(text: str) -> list[str]:
    """政府工作报告——2024年3月5日在…上: a title running into its subtitle."""
    match = _DASH_RE.search(text)
    if match and match.start() > 0 and _title_like(text[: match.start()], 80):
        rest = text[match.start():]
        if _compiled("occasion").search(rest) or find_date(rest):
            return [text[: match.start()], rest]
    return [text]


def _cut_before_doc_number(text: str) -> list[str]:
    match = _compiled("doc_number").search(text)
    if match is None or match.start() == 0:
        return [text]
    # the issuer prefix of the number (国发, 劳社部发) runs straight on from the title: cut
    # after the title's last word (通知, 意见 …) that the number follows
    cut = _title_end(text[: match.end()])
    if cut is None or cut >= len(text):
        return [text]
    return [text[:cut], text[cut:]]


def _title_end(text: str) -> int | None:
    """Where a document title ends inside ``text`` (after 的通知/的意见/…), or None."""
    best = None
    for word in page_rules()["front"]["title_ends"]:
        for m in re.finditer(word, text):
            end = m.end()
            rest = text[end:].lstrip()
            if _compiled("doc_number").match(rest) and (best is None or end > best):
                best = end
    return best


def _cut_after_doc_number(text: str) -> list[str]:
    match = _compiled("doc_number").search(text)
    if match is None or match.end() >= len(text.rstrip()):
        return [text]
    return [text[: match.end()], text[match.end():]]


def _cut_speaker_tail(text: str) -> list[str]:
    """A subtitle ending in a speaker line: ……会议上国务院总理 李强."""
    if not is_subtitle(text):
        return [text]
    for role in _longest_first("roles"):
        where = text.find(role)
        while where > 0:
            # the role phrase starts after the subtitle's 上 (会议上国务院总理)
            start = text.rfind("上", 0, where) + 1
            if start > 0 and speaker_of(text[start:]):
                return [text[:start], text[start:]]
            where = text.find(role, where + 1)
    return [text]


def extract_front(blocks: list[Block]) -> Front:
    """Front items, back items, body blocks and metadata of one document."""
    reader = _Reader()
    blocks = _split_catalogue_body(blocks)
    body_start = _read_front(blocks, reader)
    body = list(blocks[body_start:])
    body = _split_salutation(body, reader)
    body = _read_back(body, reader)
    _finish_meta(reader)
    return Front(reader.meta, reader.front, reader.back, body)


def _split_catalogue_body(blocks: list[Block]) -> list[Block]:
    """【 正  文 】同志们：… — the body field label becomes a block of its own, so the text
    after it is read like any first paragraph. (Only the front blocks can hold it.)"""
    limit = page_rules()["front"]["max_front_blocks"]
    out: list[Block] = []
    for block in blocks[:limit]:
        field_ = _catalogue(block.text)
        if field_ and field_[0] == "body" and field_[1].strip():
            value = field_[1]
            out.append(Block(block.text[: len(block.text) - len(value)].rstrip(), block.start, block.start,
                             block.hint))
            out.append(Block(value.strip(), block.start, block.end))
        else:
            out.append(block)
    out.extend(blocks[limit:])  # the label is only looked for where front matter can be
    return out


def _read_front(blocks: list[Block], reader: _Reader) -> int:
    """Read front items from the start; return the index of the first body block."""
    limit = page_rules()["front"]["max_front_blocks"]
    index = 0
    while index < len(blocks) and index < limit:
        if not _read_front_block(blocks[index], reader, blocks[index + 1 : index + 1 + LOOK_AHEAD]):
            return index
        index += 1
        if reader.front and reader.front[-1].kind == "salute":
            return index
    return index


def _read_front_block(block: Block, reader: _Reader, following: list[Block]) -> bool:
    """Take ``block`` as front matter if it is; False when it is body text."""
    text = block.text
    catalogue = _catalogue(text)
    if catalogue is not None:
        return _read_catalogue(block, catalogue, reader)
    if starts_with_marker(text[_markdown_marks(text):]) and block.hint != "title":
        return False
    if block.hint == "heading" and _has_title(reader):
        return False
    if _compiled("caption").search(text) and len(text) <= 150:
        reader.add("note", text, block)
        return True
    field_label = _compiled("page_field").match(text)
    if field_label and len(text) <= 60:
        reader.add("note", text, block)
        reader.take_date(text, 2)
        reader.pending_field = not text[field_label.end():].strip()
        return True
    if _compiled("dateline").match(text):
        reader.add("date", text, block)
        reader.take_date(text, 3)
        return True
    parts = [p.strip() for p in _cut_run_together(text)] if len(text) <= 200 else [text]
    trial = reader.trial_copy()  # a line is front only if all its parts are: try first
    for k, part in enumerate(parts):
        ahead = [Block(p, block.start, block.end) for p in parts[k + 1:]] + following
        forced = k == 0 and block.hint is not None and not _has_title(trial)
        kind = "title" if forced else _front_kind(part, trial, ahead)
        if kind is None:
            return False
        _take_part(part, kind, block, trial)
    trial.pending_field = False
    for name in ("meta", "front", "back", "date_rank", "pending_field"):
        setattr(reader, name, getattr(trial, name))
    return True


def _has_title(reader: _Reader) -> bool:
    return any(item.kind == "title" for item in reader.front)


def _read_catalogue(block: Block, catalogue: tuple[str, str], reader: _Reader) -> bool:
    """A 【 field 】value line: the title field names the document, the body field opens it."""
    kind, value = catalogue
    if kind == "title" and value.strip():
        _take_part(block.text, "title", block, reader, title_text=value)
    elif kind == "byline" and value.strip():
        reader.add("byline", block.text, block)
        if reader.meta.speaker is None and _is_bare_name(value):
            reader.meta.speaker = _BLANK_RE.sub("", value)
    elif kind == "date" and value.strip():
        reader.add("date", block.text, block)
        reader.take_date(value, 1)
    else:
        reader.add("note", block.text, block)
    return True


def _front_kind(text: str, reader: _Reader, following: list[Block]) -> str | None:
    """What kind of front item ``text`` is, given what was read before; None for body text."""
    stripped = text.strip()
    titles = [i for i in reader.front if i.kind == "title"]
    if is_salutation(stripped):
        return "salute"
    if is_date_line(stripped):
        return "date"
    if is_subtitle(stripped):
        undashed = _compiled("subtitle_dash").match(stripped) is None
        return "title" if undashed and not titles and _title_like(stripped, 80) else "subtitle"
    if _compiled("doc_number").fullmatch(stripped):
        return "note"
    if speaker_of(stripped) and len(stripped) <= 40 and (titles or len(stripped) <= 12):
        return "byline"
    if titles and _is_bare_name(stripped):
        return "byline"
    if reader.pending_field and len(stripped) <= 20:
        return "note"  # 来源: / 四川日报 — the value of a page field on a line of its own
    if reader.front and reader.front[-1].kind == "subtitle" and _subtitle_open(reader.front[-1].text) \
            and _title_like(stripped, 40):
        return "subtitle"
    if not _title_like(stripped, page_rules()["front"]["title_max_chars"]):
        return None
    if not titles:
        return "title"
    if stripped.startswith("##"):
        return None  # a Markdown section heading, not a second title
    if plain_title(stripped) == plain_title(titles[-1].text):
        return "note"
    if not _title_continues(stripped, following):
        return None
    if reader.front[-1].kind == "title" and not _title_complete(titles[-1].text):
        return "title"
    return "retitle"


def _title_complete(text: str) -> bool:
    """A title that reads as finished: it ends in 报告, 通知, 讲话 …"""
    return plain_title(text).endswith(tuple(page_rules()["front"]["title_ends"]))


def _subtitle_open(text: str) -> bool:
    """A subtitle cut by wrapping: ——2026年1月26日在广东省第十四届 (the meeting name goes on)."""
    return ("在" in text and _compiled("occasion").search(text) is None
            and not _compiled("subtitle_end").search(text.strip()))


def _title_continues(text: str, following: list[Block]) -> bool:
    """A second title line: short, and the title block goes on after it (subtitle, date, …)."""
    if not _title_like(text, page_rules()["front"]["title_line_max_chars"]) or is_prose(text):
        return False
    for block in following[:LOOK_AHEAD]:
        nxt = block.text.strip()
        if is_subtitle(nxt) or is_date_line(nxt) or is_salutation(nxt) or _catalogue(nxt) \
                or _compiled("doc_number").match(nxt) or speaker_of(nxt):
            return True
        if not _title_like(nxt, page_rules()["front"]["title_line_max_chars"]):
            return False
    return False


def _take_part(text: str, kind: str, block: Block, reader: _Reader, title_text: str | None = None) -> None:
    """Record one front item and the facts it carries."""
    if kind == "retitle":  # the real title after a page heading: the earlier one becomes a note
        for item in reader.front:
            if item.kind == "title":
                item.kind = "note"
        reader.meta.title = None
        kind = "title"
    previous = reader.front[-1] if reader.front else None
    continues = (previous is not None and previous.kind == kind and kind in ("title", "subtitle")
                 and previous.lines[1] < block.start)
    if continues and previous is not None:
        # a title or subtitle going on over the next line: one item
        previous.text += text
        previous.lines = (previous.lines[0], block.end)
    else:
        reader.add(kind, text, block)
    if kind == "title":
        piece = plain_title(title_text if title_text is not None else text)
        reader.meta.title = (reader.meta.title or "") + piece if continues else reader.meta.title or piece
        if is_subtitle(piece):  # 在延安文艺座谈会上的讲话 as the title names the occasion
            reader.take_occasion(piece)
    elif kind == "subtitle":
        _take_subtitle(reader)
    elif kind == "date":
        reader.take_date(text, 1)
    elif kind == "byline":
        found = speaker_of(text)
        if found:
            reader.take_speaker(*found)
        elif _is_bare_name(text):
            reader.take_speaker(None, _BLANK_RE.sub("", text))
    elif kind == "salute":
        reader.meta.salutation = reader.meta.salutation or text.strip().rstrip("：:！!，,")


def _take_subtitle(reader: _Reader) -> None:
    """Subtitle facts: occasion, date, and a speaker named before 在 (路明副部长在…上的讲话)."""
    text = reader.front[-1].text
    reader.meta.subtitle = _compiled("subtitle_dash").sub("", text).strip()
    reader.meta.occasion = occasion_of(text)
    reader.take_date(text, 0)
    lead = _compiled("subtitle_dash").sub("", text).strip()
    who = lead.split("在", 1)[0] if "在" in lead else ""
    if who and not find_date(who):
        found = speaker_of(who)
        if found:
            reader.take_speaker(*found)


def _split_salutation(body: list[Block], reader: _Reader) -> list[Block]:
    """同志们：今天我们…: the salutation opening the first paragraph becomes a front item."""
    if not body or any(i.kind == "salute" for i in reader.front):
        return body
    first = body[0]
    length = salutation_length(first.text) or addressee_length(first.text)
    if not length:
        return body
    _take_part(first.text[:length], "salute", first, reader)
    rest = first.text[length:].strip()
    if not rest:
        return body[1:]
    reader.front[-1].lines = (first.start, first.start)
    return [Block(rest, first.start, first.end, first.hint), *body[1:]]


# --- Reading the back -------------------------------------------------------------------


def _read_back(body: list[Block], reader: _Reader) -> list[Block]:
    """Trailer notes and closing words at the end of the body become back items."""
    limit = page_rules()["front"]["max_back_blocks"]
    items: list[FrontItem] = []
    while body and len(items) < limit:
        last = body[-1]
        if is_trailer(last.text):
            items.append(FrontItem("trailer", last.text, (last.start, last.end)))
            _take_trailer(last.text, reader)
            body = body[:-1]
            continue
        length = closer_length(last.text)
        if length:
            cut = len(last.text.rstrip()) - length
            items.append(FrontItem("closer", last.text[cut:], (last.end, last.end)))
            rest = last.text[:cut]
            body = body[:-1] + ([Block(rest, last.start, last.end, last.hint)] if rest.strip() else [])
            continue
        break
    body = _read_signature(body, reader, items)
    reader.back = list(reversed(items))
    return body


def _read_signature(body: list[Block], reader: _Reader, items: list[FrontItem]) -> list[Block]:
    """A closing date line (and the issuing body or signer right above it) of an official
    document: 滨江市人民政府办公厅 / 2030年5月6日. ``items`` holds back items, last first."""
    if len(body) < 3 or not is_date_line(body[-1].text) or find_date(body[-1].text) is None:
        return body
    date = body[-1]
    items.append(FrontItem("date", date.text, (date.start, date.end)))
    reader.take_date(date.text, 4)
    body = body[:-1]
    signer = body[-1].text.strip()
    if len(signer) <= 30 and not ends_sentence(signer) and not starts_with_marker(signer) \
            and not has_inner_sentence_end(signer) and not any(c in signer for c in "，,、：:"):
        items.append(FrontItem("byline", body[-1].text, (body[-1].start, body[-1].end)))
        body = body[:-1]
    return body


def _take_trailer(text: str, reader: _Reader) -> None:
    """Facts of a trailer: 本文为市长10月18日在…上的讲话 → role 市长, date 10月18日, occasion."""
    cleaned = _compiled("trailer_junk").sub("", text)
    reader.take_occasion(cleaned)
    reader.take_date(cleaned, 2)
    lead = _TRAILER_LEAD_RE.sub("", cleaned)
    date = find_date(lead)
    who = lead[: lead.find(date.text)] if date and date.text in lead else lead.split("在", 1)[0]
    if who and len(who) <= 20:
        found = speaker_of(who)
        if found:
            reader.take_speaker(*found)


def _finish_meta(reader: _Reader) -> None:
    """Tidy metadata read from several items."""
    if reader.meta.title is not None:
        reader.meta.title = reader.meta.title.strip() or None
