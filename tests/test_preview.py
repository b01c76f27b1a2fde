"""The HTML preview: well-formed, self-contained, faithful to the parse, safe for any text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
import pytest
from conftest import FIXTURES, shared_path
from typer.testing import CliRunner

from speech2tei.cli import app
from speech2tei.jsonio import read_json, to_json_bytes
from speech2tei.model import Conversion, iter_sections
from speech2tei.pipeline import Explained, convert_path
from speech2tei.preview import Span, pair_sections, render_preview, render_spans

PREVIEW_FIXTURES = FIXTURES / "preview"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HTML5_TAGS = {"nav", "main", "section", "header", "details", "summary", "mark"}
runner = CliRunner()


def convert_explained(path: Path) -> tuple[Conversion, list[Explained]]:
    explained: list[Explained] = []
    return convert_path(path, None, explained), explained


@pytest.fixture(scope="module")
def speech() -> tuple[Conversion, list[Explained], str]:
    conv, explained = convert_explained(PREVIEW_FIXTURES / "speech.txt")
    return conv, explained, render_preview(conv, explained)


@pytest.fixture(scope="module")
def hostile() -> tuple[Conversion, str]:
    conv, explained = convert_explained(PREVIEW_FIXTURES / "hostile.txt")
    return conv, render_preview(conv, explained)


class TagBalance(HTMLParser):
    """Every end tag closes the element opened last: the page is well-formed as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def assert_well_formed(page: str) -> lxml.html.HtmlElement:
    """Balanced tags (our check) and no parse error from libxml2 beyond not knowing HTML5 tags."""
    balance = TagBalance()
    balance.feed(page)
    balance.close()
    assert balance.problems == []
    assert balance.stack == []
    parser = lxml.html.HTMLParser()
    root = lxml.html.document_fromstring(page.encode("utf-8"), parser=parser)
    unknown = re.compile(r"Tag (\w+) invalid")
    errors = [e.message for e in parser.error_log
              if not ((m := unknown.search(e.message)) and m.group(1) in HTML5_TAGS)]
    assert errors == []
    return root


def assert_self_contained(root: lxml.html.HtmlElement) -> None:
    assert root.xpath("//link | //iframe | //object | //embed | //img") == []
    assert root.xpath("//script[@src]") == []
    for el in root.xpath("//*[@src or @href]"):
        target = el.get("href") or el.get("src") or ""
        assert not re.match(r"(?i)\s*(https?:|//|javascript:|data:)", target), target
    styles = " ".join(root.xpath("//style/text()"))
    assert not re.search(r"(?i)url\(|@import", styles)


# --- structure ---------------------------------------------------------------------------


def test_page_is_well_formed_and_self_contained(speech) -> None:
    _, _, page = speech
    root = assert_well_formed(page)
    assert_self_contained(root)
    assert len(root.xpath("//script")) == 1


def test_outline_lists_every_section_and_links_to_its_marker(speech) -> None:
    conv, _, page = speech
    root = lxml.html.document_fromstring(page)
    sections = list(iter_sections(conv.documents[0].body))
    links = root.xpath("//nav[@class='outline']//a[starts-with(@href, '#d1-s')]")
    assert [a.get("href")[1:] for a in links] == [s.id for s in sections]
    assert links[0].text_content().startswith("一、 充分肯定前一阶段的工作成效")
    for link in links:
        target = root.get_element_by_id(link.get("href")[1:])
        assert target.tag == "mark"
    levels = [a.getnext().text for a in links]
    assert levels == [f"L{s.level}" for s in sections]


def test_outline_nests_children_in_collapsible_details(speech) -> None:
    _, _, page = speech
    root = lxml.html.document_fromstring(page)
    first = root.xpath("//nav//a[@href='#d1-s1']")[0]
    summary = first.getparent()
    assert summary.tag == "summary"
    children = summary.getparent().xpath("./ul/li/a/@href")
    assert children == ["#d1-s1.1", "#d1-s1.2", "#d1-s1.3", "#d1-s1.4", "#d1-s1.5"]


def test_markers_are_highlighted_by_style_with_a_legend(speech) -> None:
    conv, _, page = speech
    root = lxml.html.document_fromstring(page)
    marks = root.xpath("//main//div[@class='text']//mark")
    sections = list(iter_sections(conv.documents[0].body))
    assert [m.text_content() for m in marks] == [s.marker for s in sections]
    style_class = {s.style: m.get("class").split()[1] for s, m in zip(sections, marks, strict=True)}
    assert len(set(style_class.values())) == 3  # cn-dun, yi-shi, cn-paren each have their colour
    legend = root.xpath("//div[@class='legend']")[0].text_content()
    for style in ("cn-dun", "yi-shi", "cn-paren"):
        assert style in legend
    inline = [m.text_content() for m in marks if "inline" in m.get("class").split()]
    assert inline == ["一是", "二是", "三是", "（一）", "（二）"]


def test_heads_follow_their_markers(speech) -> None:
    _, _, page = speech
    root = lxml.html.document_fromstring(page)
    mark = root.get_element_by_id("d1-s1")
    head = mark.getnext()
    assert "head" in head.get("class").split()
    assert head.text_content() == "充分肯定前一阶段的工作成效"


def test_rejected_candidates_are_faint_with_the_reason_on_hover(speech) -> None:
    _, _, page = speech
    root = lxml.html.document_fromstring(page)
    rejected = root.xpath("//div[@class='text']//span[@class='rej']")
    assert [r.text_content() for r in rejected] == ["首先", "二、"]
    assert "no run" in rejected[0].get("title")
    assert "number inside text" in rejected[1].get("title")  # 二、三季度


def test_warnings_and_low_certainty_heads_are_listed_and_marked_in_place(speech) -> None:
    conv, _, page = speech
    root = lxml.html.document_fromstring(page)
    top = root.xpath("//section[@class='problems']")[0]
    assert "numbering-gap" in top.text_content()
    gap_link = top.xpath(".//a[text()='numbering-gap']")[0]
    badge = root.get_element_by_id(gap_link.get("href")[1:])
    assert "wbadge" in badge.get("class")
    assert badge.getnext().tag == "mark" and badge.getnext().text_content() == "四、"
    assert "has-warn" in badge.getparent().get("class")
    low = [s for s in iter_sections(conv.documents[0].body) if s.cert != "high"]
    assert len(low) == 1
    assert top.xpath(f".//a[@href='#{low[0].id}']")
    assert "lowcert" in root.get_element_by_id(low[0].id).get("class").split()


def test_metadata_and_ledger_are_folded_away(speech) -> None:
    _, _, page = speech
    root = lxml.html.document_fromstring(page)
    meta = root.get_element_by_id("metadata")
    assert meta.tag == "details" and meta.get("open") is None
    text = meta.text_content()
    for value in ("在全县秋冬季农业生产工作会议上的讲话", "林某某", "县长", "2024-10-09", "全县秋冬季农业生产工作会议"):
        assert value in text
    removed = root.get_element_by_id("removed")
    assert removed.tag == "details" and removed.get("open") is None


def test_paragraph_text_is_shown_exactly(speech) -> None:
    """Highlighting adds tags, never changes or drops a character of a paragraph."""
    _, explained, page = speech
    root = lxml.html.document_fromstring(page)
    for b, block in enumerate(explained[0].blocks):
        p = root.get_element_by_id(f"d1-p{b}")
        for badge in p.xpath(".//span[contains(@class, 'wbadge')]"):
            badge.drop_tree()
        assert p.text_content() == block.text


def test_render_spans_nests_and_escapes() -> None:
    text = "a<b>c&d"
    spans = [Span(1, 6, "<i>", "</i>"), Span(2, 4, "<u>", "</u>"), Span(3, 7, "<s>", "</s>")]
    assert render_spans(text, spans) == "a<i>&lt;<u>b<s>&gt;</s></u>c&amp;</i>d"


# --- pairing candidates with sections ------------------------------------------------------


def outline_fixture_inputs() -> list[Path]:
    return sorted((FIXTURES / "outline").glob("*.txt")) + sorted(PREVIEW_FIXTURES.glob("*.txt"))


@pytest.mark.parametrize("path", outline_fixture_inputs(), ids=lambda p: p.stem)
def test_sections_pair_with_accepted_candidates(path: Path) -> None:
    conv, explained = convert_explained(path)
    assert len(explained) == len(conv.documents)
    for doc, exp in zip(conv.documents, explained, strict=True):
        pairs = pair_sections(doc, exp)
        assert pairs is not None
        for section, cand in pairs:
            assert cand.accepted
            assert cand.style.name == section.style
            assert section.marker == exp.blocks[cand.block].text[cand.start:cand.end]


def test_unpaired_explanation_is_refused(speech) -> None:
    conv, explained, _ = speech
    doc, exp = conv.documents[0], explained[0]
    dropped = Explained(exp.blocks, [c for c in exp.candidates if c.text != "四、"])
    assert pair_sections(doc, dropped) is None


def test_conversion_read_back_from_json_renders_from_the_tree(speech) -> None:
    conv, _, _ = speech
    back = read_json(to_json_bytes(conv), "speech.json")
    page = render_preview(back, [])
    root = assert_well_formed(page)
    marks = root.xpath("//div[@class='text']//mark")
    assert [m.get("id") for m in marks] == [s.id for s in iter_sections(back.documents[0].body)]
    assert "Rendered from the section tree" in page
    assert root.xpath("//section[@class='problems']//a[text()='numbering-gap']")


# --- hostile text --------------------------------------------------------------------------


def test_hostile_text_stays_text(hostile) -> None:
    conv, page = hostile
    root = assert_well_formed(page)
    assert_self_contained(root)
    scripts = root.xpath("//script")
    assert len(scripts) == 1 and "__pwned" not in scripts[0].text_content()
    for el in root.iter():
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.tag
    assert root.xpath("//img | //iframe") == []
    text = root.text_content()
    assert "<script>window.__pwned=1;alert(1)</script>" in text
    assert '落实责任" onmouseover="window.__pwned_attr=1" x="' in text
    assert '<img src=x onerror="window.__pwned_img=1;alert(2)">' in text  # in the removed ledger
    heads = [s.head for s in iter_sections(conv.documents[0].body)]
    titles = root.xpath("//nav//a[starts-with(@href, '#d1-s')]/@title")
    assert any(heads[1] in t for t in titles)


# --- command line --------------------------------------------------------------------------


def test_preview_command_writes_atomically_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "speech.html"
    source = str(PREVIEW_FIXTURES / "speech.txt")
    result = runner.invoke(app, ["preview", source, "-o", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text(encoding="utf-8")
    assert "<mark" in first
    out.write_text("keep me", encoding="utf-8")
    again = runner.invoke(app, ["preview", source, "-o", str(out)])
    assert again.exit_code == 4
    assert "--force" in again.output
    assert out.read_text(encoding="utf-8") == "keep me"
    forced = runner.invoke(app, ["preview", source, "-o", str(out), "--force"])
    assert forced.exit_code == 0
    assert out.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.html"]


def test_preview_command_reports_unreadable_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["preview", str(empty), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert "empty" in result.output
    assert not (tmp_path / "x.html").exists()


# --- the real data -------------------------------------------------------------------------


def shared_inputs() -> list[Path]:
    corpus = shared_path("corpus", "raw")
    return [*sorted(shared_path("seed").glob("*.txt")), *sorted(corpus.glob("*.txt"))]


def test_preview_renders_every_shared_file() -> None:
    paths = shared_inputs()
    assert paths
    for path in paths:
        conv, explained = convert_explained(path)
        page = render_preview(conv, explained)
        root = lxml.html.document_fromstring(page)
        assert len(root.xpath("//script")) == 1, path
        assert "Rendered from the section tree" not in page, path
        marks = root.xpath("//div[@class='text']//mark")
        assert len(marks) == sum(1 for d in conv.documents for _ in iter_sections(d.body)), path
