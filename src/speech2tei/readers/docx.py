"""Word .docx → text lines (zipfile + lxml; no extra dependency).

Paragraphs come out in document order, table cells included. Word's automatic numbering is
not in the text of a paragraph: it lives in numbering.xml (w:num → w:abstractNum → w:lvl with
numFmt and lvlText such as "%1、" or "（%1）"). The reader counts the lists the way Word does
and writes the marker in front of the paragraph, so the grammar sees "一、总体要求" exactly as a
reader of the document does. Heading styles (Heading 1…, 标题 1, outline levels) become the hint
"heading", the Title style the hint "title".

The XML is parsed without entity resolution, network access or huge-tree support, and parts
larger than ``MAX_PART`` bytes are refused, so a hostile file cannot blow up memory.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from lxml import etree

from ..errors import InputError
from ..safexml import check_doctype
from . import ZIP_MAGIC

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS = {"w": W}
MAX_PART = 64 * 1024 * 1024
DOCUMENT = "word/document.xml"


def q(tag: str) -> str:
    """Clark name of a w: element or attribute."""
    return f"{{{W}}}{tag}"


@dataclass(slots=True)
class DocxText:
    lines: list[str] = field(default_factory=list)
    hints: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True)
class Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    suffix: str = "tab"
    legal: bool = False


@dataclass(slots=True)
class Style:
    name: str
    based_on: str | None = None
    outline: int | None = None
    num: tuple[str, int] | None = None
    """(numId, ilvl) when the style itself carries numbering."""


ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError)
"""What zipfile raises on a damaged archive (NotImplementedError: a zip version or compression
method it does not know, as a damaged header can claim)."""


def is_docx(data: bytes) -> bool:
    """A zip archive holding word/document.xml."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return DOCUMENT in zf.namelist()
    except ZIP_ERRORS:
        return False


def read_docx(data: bytes, name: str = "<input>") -> DocxText:
    """Paragraph lines of a .docx, numbering markers written out, heading hints set."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise InputError("not a .docx file (not a zip archive)", path=name) from exc
    with zf:
        if DOCUMENT not in zf.namelist():
            raise InputError("not a .docx file (no word/document.xml in the zip)", path=name)
        document = parse_part(zf, DOCUMENT, name)
        styles = read_styles(parse_part(zf, "word/styles.xml", name, optional=True))
        numbering = Numbering(parse_part(zf, "word/numbering.xml", name, optional=True))
    out = DocxText()
    body = document.find(q("body"))
    if body is None:
        raise InputError(f"broken .docx: {DOCUMENT} has no w:body", path=name)
    for para in body.iter(q("p")):
        if any(a.tag == f"{{{MC}}}Fallback" for a in para.iterancestors()):
            continue  # the Fallback repeats what the Choice already holds
        add_paragraph(para, styles, numbering, out)
    return out


def parse_part(zf: zipfile.ZipFile, part: str, name: str,
               optional: bool = False) -> etree._Element | None:
    """Parse one XML part safely; a missing optional part gives None."""
    try:
        info = zf.getinfo(part)
    except KeyError:
        if optional:
            return None
        raise InputError(f"broken .docx: no {part}", path=name) from None
    if info.file_size > MAX_PART:
        raise InputError(f"broken .docx: {part} is too large ({info.file_size} bytes)", path=name)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        data = zf.read(part)
        check_doctype(data, f"{name}:{part}")  # Word never writes a DOCTYPE: one here is hostile
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"broken .docx: {part} is not well-formed XML ({exc})", path=name) \
            from exc
    except (*ZIP_ERRORS, RuntimeError, zlib.error) as exc:
        raise InputError(f"broken .docx: cannot read {part} ({exc})", path=name) from exc
    return root


# --- styles ------------------------------------------------------------------------------


HEADING_NAME = re.compile(r"^(heading|标题)\s*(\d)$", re.IGNORECASE)
TITLE_NAMES = frozenset({"title", "标题"})


def read_styles(root: etree._Element | None) -> dict[str, Style]:
    """Paragraph styles by styleId: name, parent, outline level and numbering."""
    styles: dict[str, Style] = {}
    if root is None:
        return styles
    for el in root.iter(q("style")):
        sid = el.get(q("styleId"))
        if not sid:
            continue
        name_el = el.find(q("name"))
        based = el.find(q("basedOn"))
        ppr = el.find(q("pPr"))
        styles[sid] = Style(
            name=(name_el.get(q("val")) if name_el is not None else None) or sid,
            based_on=based.get(q("val")) if based is not None else None,
            outline=outline_level(ppr),
            num=num_ref(ppr),
        )
    return styles


def outline_level(ppr: etree._Element | None) -> int | None:
    if ppr is None:
        return None
    el = ppr.find(q("outlineLvl"))
    val = el.get(q("val")) if el is not None else None
    return int(val) if val and val.isdigit() and int(val) < 9 else None


def num_ref(ppr: etree._Element | None) -> tuple[str, int] | None:
    """(numId, ilvl) from a w:numPr, or None."""
    if ppr is None:
        return None
    numpr = ppr.find(q("numPr"))
    if numpr is None:
        return None
    num_el = numpr.find(q("numId"))
    lvl_el = numpr.find(q("ilvl"))
    num_id = num_el.get(q("val")) if num_el is not None else None
    lvl = lvl_el.get(q("val")) if lvl_el is not None else "0"
    if num_id is None:
        return None
    return num_id, int(lvl) if lvl and lvl.isdigit() else 0


def style_chain(styles: dict[str, Style], sid: str | None) -> list[Style]:
    """The style and its ancestors (basedOn), nearest first, loops cut."""
    chain: list[Style] = []
    seen: set[str] = set()
    while sid and sid in styles and sid not in seen:
        seen.add(sid)
        chain.append(styles[sid])
        sid = styles[sid].based_on
    return chain


def style_hint(styles: dict[str, Style], sid: str | None, ppr: etree._Element | None) -> str | None:
    """"heading" for heading styles and outline levels, "title" for the Title style."""
    chain = style_chain(styles, sid)
    names = [s.name.strip().lower() for s in chain] or ([sid.lower()] if sid else [])
    if any(n in TITLE_NAMES for n in names[:1]):
        return "title"
    if outline_level(ppr) is not None or any(HEADING_NAME.match(n) for n in names):
        return "heading"
    if sid and re.fullmatch(r"(?i)heading\d", sid):
        return "heading"
    if any(s.outline is not None for s in chain):
        return "heading"
    return None


# --- numbering ---------------------------------------------------------------------------


class Numbering:
    """Word's list counters: w:num instances over w:abstractNum level definitions."""

    def __init__(self, root: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.num_abstract: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is not None:
            self.load(root)

    def load(self, root: etree._Element) -> None:
        for ab in root.iter(q("abstractNum")):
            aid = ab.get(q("abstractNumId"))
            if aid is not None:
                self.abstract[aid] = {int(lvl.get(q("ilvl"), "0")): read_level(lvl)
                                      for lvl in ab.iter(q("lvl"))}
        for num in root.iter(q("num")):
            nid = num.get(q("numId"))
            ab_el = num.find(q("abstractNumId"))
            if nid is None or ab_el is None:
                continue
            self.num_abstract[nid] = ab_el.get(q("val"), "")
            for ov in num.iter(q("lvlOverride")):
                start = ov.find(q("startOverride"))
                if start is not None and (start.get(q("val")) or "").isdigit():
                    self.overrides.setdefault(nid, {})[int(ov.get(q("ilvl"), "0"))] = \
                        int(start.get(q("val")))

    def marker(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of (list, level) and return the marker text Word shows."""
        aid = self.num_abstract.get(num_id)
        levels = self.abstract.get(aid or "")
        if num_id == "0" or not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid or "", {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in self.overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt in ("bullet", "none"):
            return ""
        return render_level(level, levels, counters, ilvl)


def read_level(lvl: etree._Element) -> Level:
    def val(tag: str) -> str | None:
        el = lvl.find(q(tag))
        return el.get(q("val")) if el is not None else None

    start = val("start")
    return Level(fmt=val("numFmt") or "decimal", text=val("lvlText") or "",
                 start=int(start) if start and start.lstrip("-").isdigit() else 1,
                 suffix=val("suff") or "tab", legal=lvl.find(q("isLgl")) is not None)


PLACEHOLDER = re.compile(r"%([1-9])")


def render_level(level: Level, levels: dict[int, Level], counters: dict[int, int],
                 ilvl: int) -> str:
    """Fill lvlText (%1 … %9) with the counters, each in its own level's format."""

    def fill(match: re.Match[str]) -> str:
        k = int(match.group(1)) - 1
        fmt = levels[k].fmt if k in levels else "decimal"
        if level.legal and k != ilvl:
            fmt = "decimal"
        value = counters.get(k, levels[k].start if k in levels else 1)
        return format_number(value, fmt)

    text = PLACEHOLDER.sub(fill, level.text)
    if not text or level.suffix == "nothing" or text[-1] in "、，,．.）)】」:：":
        return text
    return text + " "


CN_DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
DIZHI = "子丑寅卯辰巳午未申酉戌亥"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def format_number(n: int, fmt: str) -> str:
    """A counter value in one of Word's number formats (decimal for unknown ones)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital",
               "chineseLegalSimplified"):
        return chinese_number(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return CIRCLED[n - 1]
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return PAREN[n - 1]
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return TIANGAN[n - 1]
    if fmt == "ideographZodiac" and 1 <= n <= 12:
        return DIZHI[n - 1]
    if fmt in ("upperLetter", "lowerLetter") and n >= 1:
        letters = letter_number(n)
        return letters if fmt == "upperLetter" else letters.lower()
    if fmt in ("upperRoman", "lowerRoman") and n >= 1:
        roman = roman_number(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(FULLWIDTH)
    return str(n)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (what Word's chineseCounting shows)."""
    if n <= 0:
        return CN_DIGITS[0]
    if n >= 10000:
        return str(n)
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out: list[str] = []
    zero = False
    for value, name in units:
        digit, n = divmod(n, value)
        if digit:
            if zero:
                out.append("零")
                zero = False
            if not (value == 10 and digit == 1 and not out):
                out.append(CN_DIGITS[digit])
            out.append(name)
        elif out:
            zero = True
    if n:
        if zero:
            out.append("零")
        out.append(CN_DIGITS[n])
    return "".join(out)


def letter_number(n: int) -> str:
    """Word repeats the letter: 1 → A, 26 → Z, 27 → AA, 28 → BB."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def roman_number(n: int) -> str:
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                       (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                       (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(sym * count)
    return "".join(out)


# --- paragraphs --------------------------------------------------------------------------


def add_paragraph(para: etree._Element, styles: dict[str, Style], numbering: Numbering,
                  out: DocxText) -> None:
    """Append the paragraph's line(s): numbering marker + run text; soft breaks split lines."""
    ppr = para.find(q("pPr"))
    style_el = ppr.find(q("pStyle")) if ppr is not None else None
    sid = style_el.get(q("val")) if style_el is not None else None
    ref = num_ref(ppr) or next((s.num for s in style_chain(styles, sid) if s.num), None)
    marker = numbering.marker(*ref) if ref else ""
    pieces = paragraph_text(para)
    if not "".join(pieces).strip() and not marker:
        return
    hint = style_hint(styles, sid, ppr)
    pieces[0] = marker + pieces[0]
    for piece in pieces:
        if piece.strip():
            if hint:
                out.hints[len(out.lines)] = hint
            out.lines.append(piece)


def paragraph_text(para: etree._Element) -> list[str]:
    """The visible text of one paragraph (not of paragraphs nested in its text boxes), split
    at soft line breaks (w:br, w:cr)."""
    pieces = [""]
    for el in para.iter(q("t"), q("tab"), q("br"), q("cr"), q("noBreakHyphen")):
        if owner(el) is not para or hidden(el) or in_fallback(el, para):
            continue
        tag = etree.QName(el).localname
        if tag == "t":
            pieces[-1] += own_text(el)
        elif tag == "tab":
            if el.getparent() is not None and etree.QName(el.getparent()).localname == "r":
                pieces[-1] += "\t"
        elif tag == "noBreakHyphen":
            pieces[-1] += "-"
        elif el.get(q("type")) in (None, "textWrapping"):
            pieces.append("")
    return pieces


def own_text(el: etree._Element) -> str:
    """Text of a w:t; unexpanded entity references (never resolved) are skipped."""
    return (el.text or "") + "".join(child.tail or "" for child in el)


def owner(el: etree._Element) -> etree._Element | None:
    """The nearest enclosing w:p."""
    return next((a for a in el.iterancestors(q("p"))), None)


def hidden(el: etree._Element) -> bool:
    """Text in a run formatted as hidden (w:vanish)."""
    run = next((a for a in el.iterancestors(q("r"))), None)
    if run is None:
        return False
    vanish = run.find(f"{q('rPr')}/{q('vanish')}")
    return vanish is not None and vanish.get(q("val"), "true") not in ("0", "false", "off")


def in_fallback(el: etree._Element, para: etree._Element) -> bool:
    """Inside an mc:Fallback between ``el`` and its paragraph."""
    for a in el.iterancestors():
        if a is para:
            return False
        if a.tag == f"{{{MC}}}Fallback":
            return True
    return False
