"""Property tests: generated documents of every marker style must convert safely and faithfully.

A strategy writes speech-like documents the way the archive delivers them — every numbering
style at line starts and inline after 。；：, nested outlines, words that only look like markers
(第一线, 一、二季度, PM2.5), control characters, full- and half-width forms, very long lines,
empty paragraphs, 　　 separators, CR/CRLF line ends, byte-order marks and other encodings —
and each one must satisfy the properties in ``check_sample``:

* no exception but a documented ``InputError`` (and only for input that really is empty,
  binary or undecodable);
* the JSON validates against the schema and reads back to the same bytes;
* the TEI (when the writer is present) validates against our RELAX NG and reads back to the
  same model;
* nothing is lost: every visible character of the decoded input is in a document, in the
  page front matter or in the removed ledger, and nothing is invented;
* converting twice gives identical bytes;
* every section's level is its depth in the tree, and ids are unique.

Profiles: ``ci`` (the default: a modest budget so the suite stays fast) and ``fuzz`` (large);
choose with ``SPEECH2TEI_HYPOTHESIS_PROFILE=fuzz``. ``fuzz/fuzz.py`` runs the same
``check_sample`` over 20,000+ inputs and reports every distinct failure.
"""

from __future__ import annotations

import codecs
import importlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speech2tei.errors import InputError
from speech2tei.jsonio import conversion_to_dict, read_json, to_json_bytes
from speech2tei.model import Conversion, Node, Section
from speech2tei.pipeline import convert_bytes
from speech2tei.readers import read_input

# --- profiles ------------------------------------------------------------------------------

settings.register_profile(
    "ci", max_examples=150, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "fuzz", max_examples=20_000, deadline=None, print_blob=True,
    suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile(os.environ.get("SPEECH2TEI_HYPOTHESIS_PROFILE", "ci"))
"""Applied per test (not loaded globally), so other test files keep their own settings."""

RNG_PATH = Path(__file__).resolve().parents[1] / "src" / "speech2tei" / "data" / "speech2tei-tei.rng"


def optional_module(name: str) -> ModuleType | None:
    """A module another helper may not have written yet; None while it is absent."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@lru_cache(maxsize=1)
def relaxng():  # -> lxml.etree.RelaxNG | None
    """Our TEI RELAX NG, compiled once per process (None while the schema is absent)."""
    from lxml import etree

    if not RNG_PATH.exists():
        return None
    return etree.RelaxNG(etree.parse(str(RNG_PATH)))


# --- the vocabulary documents are made of ---------------------------------------------------

CJK_DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PAREN_CIRCLED = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
TO_FULL_WIDTH = str.maketrans("0123456789.,:;()!?", "０１２３４５６７８９．，：；（）！？")
TO_HALF_WIDTH = str.maketrans("０１２３４５６７８９．，：；（）！？", "0123456789.,:;()!?")


def cjk(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (the numerals the grammar reads)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CJK_DIGITS[ones]
    head = "" if tens == 1 else CJK_DIGITS[tens]
    return head + "十" + (CJK_DIGITS[ones] if ones else "")


MarkerFn = Callable[[int], str]

HEADING_MARKERS: dict[str, MarkerFn] = {
    "cn-part": lambda n: f"第{cjk(n)}部分",
    "cn-chapter": lambda n: f"第{cjk(n)}章",
    "cn-article": lambda n: f"第{cjk(n)}条",
    "cn-dun": lambda n: f"{cjk(n)}、",
    "cn-comma": lambda n: f"{cjk(n)}，",
    "cn-paren": lambda n: f"（{cjk(n)}）",
    "cn-paren-half": lambda n: f"({cjk(n)})",
    "arabic-dot": lambda n: f"{n}.",
    "arabic-dun": lambda n: f"{n}、",
    "arabic-full": lambda n: f"{str(n).translate(FULL_DIGITS)}．",
    "arabic-paren": lambda n: f"（{n}）",
    "arabic-paren-half": lambda n: f"({n})",
    "arabic-half-paren": lambda n: f"{n})",
    "circled": lambda n: CIRCLED[(n - 1) % 20],
    "paren-circled": lambda n: PAREN_CIRCLED[(n - 1) % 20],
}
"""Heading styles, each written the way documents write it (full- and half-width alike)."""

ENUM_MARKERS: dict[str, MarkerFn] = {
    "ordinal": lambda n: f"第{cjk(n)}，",
    "ordinal-shi": lambda n: f"第{cjk(n)}是",
    "ordinal-topic": lambda n: f"第{cjk(n)}个方面，",
    "ordinal-word": lambda n: ("首先，", "其次，", "再次，", "最后，")[min(n, 4) - 1],
    "yi-shi": lambda n: f"{cjk(n)}是",
    "yi-yao": lambda n: f"{cjk(n)}要",
    "qi-yi": lambda n: f"其{cjk(n)}，",
    "fangmian": lambda n: "一方面，" if n == 1 else "另一方面，",
    "ordinal-kind": lambda n: f"第{cjk(n)}类",
    "tiangan-paren": lambda n: f"（{TIANGAN[(n - 1) % 10]}）",
}
"""Enumeration styles: the ones speeches use inline (……：一是……；二是……。)."""

ALL_MARKERS = {**HEADING_MARKERS, **ENUM_MARKERS}

FALSE_HITS = (
    "第一要务", "第一线", "一号工程", "第三届", "全国第一，", "多证合一、", "一、二季度", "1.05亿",
    "PM2.5", "1-9月", "第一时间", "一是一，二是二", "三、四线城市", "2.3%", "一方面的问题", "十四五",
    "（2023）", "第二十次", "1、2、3", "一要一，", "首先是", "其次是", "最后一公里", "①②③",
    "十九大", "一带一路", "1.5倍", "（一）至（三）", "第1页", "二○二三年",
)
"""Words that hold a numeral but are no marker; the parser must keep them as text."""

PROSE = (
    "坚持稳中求进工作总基调", "加强基层组织建设", "推动高质量发展", "把各项任务落到实处",
    "提高公共服务水平", "完善体制机制", "深化重点领域改革", "切实转变工作作风", "统筹发展和安全",
    "扎实推进乡村振兴", "健全监督考核办法", "营造良好营商环境", "增强群众获得感", "守住安全底线",
    "做好民生保障工作", "优化资源配置", "压实各方责任", "抓好项目建设", "提升治理效能",
)
"""Prose pieces written for these tests (generic phrases, not taken from any corpus text)."""

FRONT_LINES = (
    "同志们：", "各位代表：", "在全市工作会议上的讲话", "（2023年3月5日）", "2022年12月20日",
    "市长 王某某", "谢谢大家！", "附件：", "名词解释：", "关于进一步加强工作的通知",
)
SENTENCE_ENDS = ("。", "；", "：", "！", "？", ";", ":", ".", "…", "……")
PUNCTUATION = "。；：，、！？“”‘’（）《》【】—…·,.;:!?()[]\"'-"
CONTROLS = "\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\u2028\u2029\u200b\u200e\ufeff\u00a0\ufffd\x00"
SEPARATORS = ("", "", "", "　　", "　", "  ", "\t", " ", "\u00a0")
LINE_ENDS = ("\n", "\n", "\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r\n", "\n　　\n")
ENCODINGS = ("utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom",
             "utf-32", "gb18030")


# --- the strategy ----------------------------------------------------------------------------


@dataclass(slots=True)
class Sample:
    """One generated input: the text we meant (None for raw bytes) and the bytes we feed in
    (for ``page.html`` the text wrapped in an HTML page)."""

    text: str | None
    data: bytes
    name: str
    encoding: str

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Sample(text={self.text!r}, encoding={self.encoding!r}, name={self.name!r})"


prose = st.sampled_from(PROSE)
sentence_end = st.sampled_from(SENTENCE_ENDS)
counts = st.integers(min_value=1, max_value=25)


@st.composite
def inline_run(draw: st.DrawFn) -> str:
    """……：一是……；二是……。 — an enumeration inside a paragraph, after a colon or a full stop."""
    style = draw(st.sampled_from(sorted(ALL_MARKERS)))
    first = draw(st.integers(min_value=1, max_value=3))
    size = draw(st.integers(min_value=1, max_value=5))
    parts = [draw(prose), draw(st.sampled_from(("：", "。", "；", ":", "，")))]
    for n in range(first, first + size):
        parts += [ALL_MARKERS[style](n), draw(prose), draw(sentence_end)]
    return "".join(parts)


@st.composite
def noise(draw: st.DrawFn) -> str:
    """A piece of text that is not prose: false hits, punctuation, controls, any character."""
    kind = draw(st.integers(min_value=0, max_value=5))
    if kind == 0:
        return draw(st.sampled_from(FALSE_HITS))
    if kind == 1:
        return draw(st.text(st.sampled_from(PUNCTUATION), min_size=1, max_size=6))
    if kind == 2:
        return draw(st.text(st.sampled_from(CONTROLS), min_size=1, max_size=3))
    if kind == 3:
        return draw(st.text(max_size=12))
    if kind == 4:
        return draw(st.sampled_from(list(ALL_MARKERS.values())))(draw(counts))
    return draw(st.text(st.sampled_from("一二三四五六七八九十是要第、，。（）()1234567890.．"), max_size=10))


@st.composite
def body_line(draw: st.DrawFn, outline: list[str], counters: list[int]) -> str:
    """One line: a numbered heading at some depth of the outline, prose, a run, or noise."""
    kind = draw(st.sampled_from(("heading", "heading", "heading", "prose", "run", "noise", "front",
                                 "empty", "long", "soup", "bare")))
    if kind in ("heading", "bare") and outline:
        depth = draw(st.integers(min_value=0, max_value=len(outline) - 1))
        counters[depth] += draw(st.sampled_from((1, 1, 1, 1, 0, 2, -1)))
        counters[depth] = max(counters[depth], 1)
        for deeper in range(depth + 1, len(counters)):
            counters[deeper] = 0
        marker = ALL_MARKERS[outline[depth]](counters[depth])
        if kind == "bare":
            return cjk(counters[depth])
        head = draw(st.one_of(prose, st.just(""), noise()))
        return marker + draw(st.sampled_from(("", "", " ", "　"))) + head + draw(
            st.sampled_from(("", "", "。", "；", "：", "，")))
    if kind == "run":
        return draw(inline_run())
    if kind == "noise":
        return "".join(draw(st.lists(st.one_of(prose, noise(), sentence_end), max_size=8)))
    if kind == "front":
        return draw(st.sampled_from(FRONT_LINES))
    if kind == "empty":
        return draw(st.sampled_from(("", " ", "　　", "\t")))
    if kind == "long":  # one line of 1,000 to 8,000 characters
        piece = draw(st.one_of(prose, inline_run())) + draw(st.sampled_from(("", "，", "。")))
        size = draw(st.integers(min_value=1_000, max_value=8_000))
        return (piece * (size // len(piece) + 1))[:size]
    if kind == "soup":
        style = draw(st.sampled_from(sorted(ALL_MARKERS)))
        end = draw(st.sampled_from(("。", "", "；", "，")))
        return "".join(ALL_MARKERS[style](draw(counts)) + end for _ in range(draw(counts)))
    return draw(prose) + draw(sentence_end) + draw(st.one_of(st.just(""), prose))


@st.composite
def document_texts(draw: st.DrawFn) -> str:
    """A whole document: front lines, an outline of 1–6 styles nested in a random order, the
    lines in between, then width changes and line ends chosen line by line."""
    outline = draw(st.lists(st.sampled_from(sorted(ALL_MARKERS)), min_size=0, max_size=6, unique=True))
    counters = [0] * len(outline)
    lines = draw(st.lists(st.sampled_from(FRONT_LINES), max_size=3))
    lines += draw(st.lists(body_line(outline, counters), min_size=0, max_size=30))
    width = draw(st.sampled_from(("as-is", "as-is", "full", "half")))
    if width == "full":
        lines = [line.translate(TO_FULL_WIDTH) for line in lines]
    elif width == "half":
        lines = [line.translate(TO_HALF_WIDTH) for line in lines]
    out = []
    for line in lines:
        out.append(draw(st.sampled_from(SEPARATORS)) + line + draw(st.sampled_from(LINE_ENDS)))
    text = "".join(out)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final line end
    return text


def encode(text: str, encoding: str) -> bytes | None:
    """The bytes of ``text`` in ``encoding`` (with its BOM where the label says so)."""
    try:
        if encoding == "utf-16-le-bom":
            return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        if encoding == "utf-16-be-bom":
            return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        return text.encode(encoding)
    except UnicodeEncodeError:
        return None


def as_html(text: str) -> str:
    """The lines of ``text`` as an HTML page (one <p> per line), escaped."""
    paragraphs = "".join(f"<p>{escape(line)}</p>\n" for line in re.split(r"\r\n|\r|\n", text))
    return f"<!DOCTYPE html>\n<html><head><title>页面</title></head><body>\n{paragraphs}</body></html>\n"


XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def as_docx(text: str) -> bytes:
    """The lines of ``text`` as a .docx, one w:p per line (characters XML forbids left out)."""
    import io
    import zipfile

    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(XML_FORBIDDEN.sub("", line))}</w:t></w:r></w:p>'
        for line in re.split(r"\r\n|\r|\n", text))
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'
                f"{paragraphs}</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", document.encode("utf-8"))
    return buffer.getvalue()


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    """A generated document, encoded one way or another (or wrapped in HTML or a .docx)."""
    text = draw(document_texts())
    wrapper = draw(st.integers(min_value=0, max_value=19))
    if wrapper == 0:
        return Sample(text, as_html(text).encode("utf-8"), "page.html", "utf-8")
    if wrapper == 1:
        return Sample(text, as_docx(text), "report.docx", "utf-8")
    encoding = draw(st.sampled_from(ENCODINGS))
    data = encode(text, encoding)
    if data is None:
        encoding, data = "utf-8", text.encode("utf-8")
    return Sample(text, data, "doc.txt", encoding)


@st.composite
def damaged_samples(draw: st.DrawFn) -> Sample:
    """Bytes with no promise: random, a generated document truncated, or with bytes flipped."""
    kind = draw(st.integers(min_value=0, max_value=2))
    if kind == 0:
        return Sample(None, draw(st.binary(max_size=300)), "bytes.txt", "?")
    data = bytearray(draw(samples()).data)
    if kind == 1 and data:
        del data[draw(st.integers(min_value=0, max_value=len(data) - 1)):]
    for _ in range(draw(st.integers(min_value=0, max_value=4)) if data else 0):
        data[draw(st.integers(min_value=0, max_value=len(data) - 1))] = draw(st.integers(0, 255))
    return Sample(None, bytes(data), "damaged.txt", "?")


# --- the properties ----------------------------------------------------------------------------

BOM_CHARS = "\ufeff"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
C0 = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
DOCUMENTED_REFUSALS = ("empty input", "binary file", "cannot decode", "no text found", "broken .docx",
                       "not a .docx")


def reader_problems(sample: Sample, ledger_text: str) -> list[str]:
    """For HTML and .docx: the reader's text (kept and dropped) holds every visible character
    of the text we wrapped — the ledger check starts from the reader, so this checks the reader."""
    from speech2tei.ledger import visible

    if sample.text is None:
        return []
    if sample.name.endswith(".html"):
        wrapped = visible(sample.text) + visible("页面")  # the page <title> is ledgered as html-head
    elif sample.name.endswith(".docx"):
        wrapped = visible(XML_FORBIDDEN.sub("", sample.text))
    else:
        return []
    read = visible(ledger_text)
    return ([f"reader lost {n} × {ch!r}" for ch, n in (wrapped - read).most_common(10)]
            + [f"reader invented {n} × {ch!r}" for ch, n in (read - wrapped).most_common(10)])


def expected_text(sample: Sample) -> str | None:
    """What the decoder must give for a text sample: the text without the BOM we added, with
    every line end (CR, LF, CRLF, CR CR LF) read as one LF."""
    if sample.text is None or sample.name.endswith((".html", ".docx")) or "\x00" in sample.text:
        return None  # NUL bytes may make a short file look like BOM-less UTF-16: no promise
    text = sample.text
    if sample.encoding in ("utf-8",) and text.startswith(BOM_CHARS):
        text = text[1:]  # EF BB BF at the start of a file is a BOM, whoever wrote it
    return re.sub(r"\r\r\n|\r\n|\r", "\n", text)


def refusal_is_justified(sample: Sample, exc: InputError) -> str | None:
    """None when refusing this input is what the README promises; else why it is not."""
    if not any(reason in exc.message for reason in DOCUMENTED_REFUSALS):
        return f"undocumented refusal: {exc}"
    if sample.text is None:
        return None  # damaged bytes may be refused for any documented reason
    text = XML_FORBIDDEN.sub("", sample.text) if sample.name.endswith(".docx") else sample.text
    visible = text.strip().strip(INVISIBLE).strip()
    if not any(ch.isalnum() for ch in visible):
        return None  # nothing a reader would call text
    if "\x00" in text or len(C0.findall(text)) > 8:
        return None  # NUL bytes and control-heavy files are refused as binary
    return f"refused a document with text in it: {exc}"


def walk_sections(nodes: list[Node], depth: int = 1):
    """(section, depth) for every section, iteratively: deep trees must not need recursion."""
    stack = [(node, depth) for node in reversed(nodes)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Section):
            yield node, level
            stack.extend((child, level + 1) for child in reversed(node.children))


def tree_problems(conv: Conversion) -> list[str]:
    """Levels that are not depths, and ids used twice in the conversion."""
    problems, seen = [], set()
    for doc in conv.documents:
        for section, depth in walk_sections(doc.body):
            if section.level != depth:
                problems.append(f"{section.id} {section.marker!r} has level {section.level} at depth {depth}")
            if section.id in seen:
                problems.append(f"id {section.id} is used twice")
            seen.add(section.id)
    return problems


def check_json(conv: Conversion) -> bytes:
    """The JSON validates (``to_json_bytes`` refuses to write it otherwise, and ``read_json``
    checks it again) and reads back to the very same bytes."""
    out = to_json_bytes(conv)
    plain = json.dumps(conversion_to_dict(conv), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert plain.encode("utf-8") == out, "the fast JSON encoder differs from the json module"
    back = read_json(out, "out.json")
    assert to_json_bytes(back, validate=False) == out, "JSON does not read back to the same bytes"
    return out


def check_tei(conv: Conversion, again: Conversion) -> None:
    """The TEI validates against our RELAX NG, is deterministic and reads back to the model."""
    tei = optional_module("speech2tei.tei")
    schema = relaxng()
    if tei is None:
        return
    from lxml import etree

    xml = tei.write_tei(conv)
    assert tei.write_tei(again) == xml, "TEI differs between two conversions of the same input"
    if schema is not None:
        root = etree.fromstring(xml)
        assert schema.validate(root), f"TEI does not validate: {schema.error_log.last_error}"
    reader = optional_module("speech2tei.tei_reader")
    if reader is not None:
        back = reader.read_tei(xml, "out.xml")
        assert conversion_to_dict(back) == conversion_to_dict(conv), "TEI does not read back to the same model"


def check_sample(sample: Sample, *, tei: bool = True) -> str:
    """Every property for one input; raise AssertionError (or whatever broke) when one fails.

    Returns ``"refused"`` or ``"converted"`` so a fuzz run can count both.
    """
    from speech2tei.ledger import check_nothing_lost

    try:
        conv = convert_bytes(sample.data, sample.name)
    except InputError as exc:
        why = refusal_is_justified(sample, exc)
        assert why is None, why
        return "refused"
    raw = read_input(sample.data, sample.name)
    want = expected_text(sample)
    if want is not None and raw.source.format == "text" and sample.encoding != "gb18030":
        assert raw.text == want, f"decoded text differs from the input ({raw.source.encoding})"
    unread = reader_problems(sample, raw.ledger_text)
    assert not unread, "reader: " + "; ".join(unread)
    lost = check_nothing_lost(raw.ledger_text, conv)
    assert not lost, "nothing-lost: " + "; ".join(lost)
    problems = tree_problems(conv)
    assert not problems, "tree: " + "; ".join(problems)
    first = check_json(conv)
    again = convert_bytes(sample.data, sample.name)
    assert to_json_bytes(again, validate=False) == first, "JSON differs between two conversions of the same input"
    if tei:
        check_tei(conv, again)
    return "converted"


# --- the tests -------------------------------------------------------------------------------


@settings(PROFILE)
@given(samples())
def test_generated_documents_keep_every_property(sample: Sample) -> None:
    check_sample(sample, tei=False)


@settings(PROFILE)
@given(samples())
def test_generated_documents_give_valid_deterministic_tei(sample: Sample) -> None:
    pytest.importorskip("speech2tei.tei", reason="the TEI writer (speech2tei.tei) is not written yet")
    if relaxng() is None:
        pytest.skip(f"the TEI RELAX NG is not written yet ({RNG_PATH})")
    check_sample(sample)


@settings(PROFILE, max_examples=max(PROFILE.max_examples // 3, 10))
@given(damaged_samples())
def test_damaged_bytes_give_only_documented_errors(sample: Sample) -> None:
    check_sample(sample, tei=False)


def test_the_strategy_reaches_every_marker_style() -> None:
    """The generator must be able to write every grammar style (else the properties prove less)."""
    from speech2tei.grammar import default_grammar
    from speech2tei.markers import find_candidates
    from speech2tei.model import Block

    grammar = default_grammar()
    styles = set()
    for n, write in enumerate(ALL_MARKERS.values()):
        text = f"{write(1)}{PROSE[n % len(PROSE)]}。"
        styles |= {c.style.name for c in find_candidates([Block(text, 1, 1)], grammar)}
    styles |= {c.style.name for c in find_candidates([Block("三", 1, 1)], grammar)}
    assert styles >= {s.name for s in grammar.styles}


@pytest.mark.parametrize("text", [
    "一、总体要求\r\n（一）坚持原则。一是学习；二是落实。\r\n二、重点任务\r\n",
    "\ufeff第一部分 形势\n1．加强领导\n（1）建立机制\n①明确分工\n",
    "首先，统一思想。其次，狠抓落实。最后，加强督查。\n第一线的同志辛苦了。一、二季度增长1.05亿元。",
    "　　同志们：\r　　一要讲政治；二要顾大局。\r\r\n\r\n\r\n\x0c一方面，抓发展；另一方面，保稳定。",
    # found by fuzz/fuzz.py: a bare 二、 whose head comes from the next line, which holds a run
    "一、总体要求\n二、\n加强领导。一是学习；二是落实。\n",
])
def test_handwritten_documents_keep_every_property(text: str) -> None:
    """Fixed examples that must always hold (also a quick check that check_sample works)."""
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "gb18030"):
        data = encode(text, encoding)
        assert data is not None
        assert check_sample(Sample(text, data, "doc.txt", encoding)) == "converted"


def test_check_sample_catches_a_lost_character(monkeypatch: pytest.MonkeyPatch) -> None:
    """The invariant must bite: a pipeline that drops a character is caught."""
    import speech2tei.pipeline as pipeline

    real = pipeline.convert_bytes

    def lossy(data: bytes, name: str = "<input>", options=None, explain=None) -> Conversion:
        conv = real(data, name, options, explain)
        conv.documents[0].body.pop()
        return conv

    monkeypatch.setitem(globals(), "convert_bytes", lossy)
    text = "一、总体要求\n二、重点任务\n"
    with pytest.raises(AssertionError, match="nothing-lost"):
        check_sample(Sample(text, text.encode(), "doc.txt", "utf-8"), tei=False)
