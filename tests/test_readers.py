"""Readers: format choice, HTML (pages, Word exports, fragments in .txt) and .docx."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from speech2tei.errors import InputError
from speech2tei.readers import looks_like_html, read_input
from speech2tei.readers.docx import chinese_number, format_number, is_docx, read_docx
from speech2tei.readers.html import read_html

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- format choice and source information ------------------------------------------------


def test_plain_text_source_information() -> None:
    data = "同志们：\n一、总体要求\n".encode("gbk")
    raw = read_input(data, "talk.txt")
    assert raw.lines == ["同志们：", "一、总体要求", ""]
    assert raw.source.format == "text"
    assert raw.source.encoding == "gb18030"
    assert raw.source.size == len(data)
    assert raw.source.sha256 == hashlib.sha256(data).hexdigest()
    assert raw.hints == {} and raw.removed == []


def test_suffix_chooses_html() -> None:
    raw = read_input("<p>一、总体要求</p><p>二、主要任务</p>".encode(), "page.htm")
    assert raw.source.format == "html"
    assert raw.lines == ["一、总体要求", "二、主要任务"]


def test_fmt_overrides_suffix() -> None:
    raw = read_input(b"<p>a</p>", "page.html", fmt="text")
    assert raw.source.format == "text"
    assert raw.lines == ["<p>a</p>"]


def test_unknown_fmt_is_refused() -> None:
    with pytest.raises(InputError, match="unknown input format 'pdf'"):
        read_input(b"abc", "a.txt", fmt="pdf")


def test_html_fragment_in_txt_is_sniffed() -> None:
    raw = read_input(fixture("gov_fragment.txt"), "gov_fragment.txt")
    assert raw.source.format == "html"
    assert raw.lines[:3] == ["某市人民政府办公室关于开展", "安全生产大检查的通知", "某政办发〔2022〕8号"]
    assert "一、检查范围" in raw.lines
    assert not any("<" in line or "&nbsp;" in line for line in raw.lines)


def test_text_with_an_html_comment_stays_text() -> None:
    text = "<!--\n-->\n当前位置：首页\n政府工作报告\n各位代表：\n现在，我代表政府作报告。\n"
    assert not looks_like_html(text)
    assert read_input(text.encode(), "a.txt").source.format == "text"


def test_text_quoting_a_bracketed_title_stays_text() -> None:
    text = "按照《关于印发<某某方案>的函》有关要求，结合实际制定本方案。\n" * 5
    assert not looks_like_html(text)


def test_doctype_starts_html() -> None:
    assert looks_like_html("\ufeff<!DOCTYPE html>\n<title>x</title>")


# --- HTML --------------------------------------------------------------------------------


def test_html_page_main_text_and_blocks() -> None:
    raw = read_input(fixture("page.html"), "page.html")
    assert raw.lines[0] == "在全县秋冬季农业生产工作会议上的讲话"
    assert "同志们：" in raw.lines
    assert "秋冬季生产关系全年粮食安全。各乡镇要高度重视，层层压实责任。" in raw.lines
    # each <li>, <td> and <br> ends a line
    for line in ("一是抓好秋收秋种；", "二是抓好农田水利建设；", "冬小麦", "5.2万亩",
                 "第一行文字", "第二行文字", "第三行文字"):
        assert line in raw.lines


def test_html_headings_give_heading_hints() -> None:
    raw = read_input(fixture("page.html"), "page.html")
    headed = {raw.lines[i] for i, hint in raw.hints.items() if hint == "heading"}
    assert headed == {"在全县秋冬季农业生产工作会议上的讲话", "一、充分认识做好秋冬季生产的重要意义",
                      "二、突出抓好几项重点工作"}


def test_html_scripts_styles_comments_nav_are_out_and_ledgered() -> None:
    raw = read_input(fixture("page.html"), "page.html")
    text = "\n".join(raw.lines)
    for gone in ("脚本里的文字", "font-family", "网站首页", "正文开始", "版权所有", "统计代码"):
        assert gone not in text
    reasons = {r.reason for r in raw.removed}
    assert {"script", "navigation", "markup", "html-head"} <= reasons
    removed = " ".join(r.text for r in raw.removed)
    for gone in ("脚本里的文字", "网站首页", "正文开始", "版权所有", "统计代码"):
        assert gone in removed
    assert all(r.line >= 1 for r in raw.removed)


def test_html_ledger_text_holds_kept_and_dropped_text() -> None:
    raw = read_input(fixture("page.html"), "page.html")
    assert "脚本里的文字不应出现" in raw.ledger_text
    assert "同志们：" in raw.ledger_text


def test_word_exported_html() -> None:
    raw = read_input(fixture("word_export.html"), "word_export.html")
    assert raw.lines[0] == "关于做好2024年度防汛工作的通知"
    assert raw.lines[1] == "各镇人民政府、街道办事处："
    assert raw.lines[2].startswith("1.")
    assert raw.lines[2].endswith("落实防汛责任制。各单位主要负责同志为第一责任人。")
    assert raw.lines[3].startswith("2.")
    assert not any("mso" in line or "WordDocument" in line for line in raw.lines)
    assert any(r.reason == "markup" and "if !supportLists" in r.text for r in raw.removed)


def test_html_without_text_is_empty_input() -> None:
    with pytest.raises(InputError, match="empty input"):
        read_input(b"<html><body><script>x()</script></body></html>", "a.html")


def test_html_entities_are_not_loaded_from_outside() -> None:
    page = (b'<!DOCTYPE html [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
            b"<html><body><p>&ext;</p><p>\xe6\xad\xa3\xe6\x96\x87</p></body></html>")
    raw = read_input(page, "a.html")
    assert "root:" not in raw.ledger_text
    assert "正文" in raw.lines


def test_main_element_is_the_text_and_the_rest_is_navigation() -> None:
    page = ("<html><body><div class='top'>首页 | 新闻 | 政务</div>"
            "<div role='navigation'>导航菜单</div>"
            "<article><header><h1>某某讲话</h1></header><p>同志们：</p></article>"
            "<div class='side'>热点排行</div></body></html>").encode()
    raw = read_input(page, "a.html")
    assert raw.lines == ["某某讲话", "同志们："]
    assert raw.hints == {0: "heading"}
    navigation = " ".join(r.text for r in raw.removed if r.reason == "navigation")
    assert "首页" in navigation and "热点排行" in navigation and "导航菜单" in navigation


def test_pre_keeps_its_line_breaks() -> None:
    raw = read_input("<pre>第一行\n第二行</pre>".encode(), "a.html")
    assert raw.lines == ["第一行", "第二行"]


# --- .docx -------------------------------------------------------------------------------


def para(text: str, style: str | None = None, num: tuple[str, int] | None = None,
         runs: str = "") -> str:
    ppr = ""
    if style or num:
        ppr = "<w:pPr>"
        if style:
            ppr += f'<w:pStyle w:val="{style}"/>'
        if num:
            ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
        ppr += "</w:pPr>"
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r>{runs}</w:p>'


def build_docx(paras: list[str], numbering: str | None = None, styles: str | None = None,
               document: str | None = None) -> bytes:
    doc = document or (f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>'
                       f'{"".join(paras)}<w:sectPr/></w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", doc)
        if numbering:
            zf.writestr("word/numbering.xml", f"<w:numbering {W}>{numbering}</w:numbering>")
        if styles:
            zf.writestr("word/styles.xml", f"<w:styles {W}>{styles}</w:styles>")
    return buf.getvalue()


NUMBERING = """
<w:abstractNum w:abstractNumId="0">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%3."/><w:suff w:val="nothing"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
"""

STYLES = """
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="标题 2"/><w:basedOn w:val="1"/></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="NumberedHead"><w:name w:val="My numbered"/>
  <w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
"""


def test_docx_numbering_becomes_marker_text() -> None:
    paras = [
        para("关于推进某项工作的意见", "a3"),
        para("总体要求", "1", ("1", 0)),
        para("指导思想", None, ("1", 1)),
        para("坚持问题导向", None, ("1", 2)),
        para("坚持系统观念", None, ("1", 2)),
        para("主要目标", None, ("1", 1)),
        para("重点任务", "1", ("1", 0)),
        para("加强组织领导", None, ("1", 1)),
        para("要点不编号", None, ("2", 0)),
    ]
    raw = read_input(build_docx(paras, NUMBERING, STYLES), "opinion.docx")
    assert raw.lines == ["关于推进某项工作的意见", "一、总体要求", "（一）指导思想", "1.坚持问题导向",
                         "2.坚持系统观念", "（二）主要目标", "二、重点任务", "（一）加强组织领导", "要点不编号"]
    assert raw.source.format == "docx"


def test_docx_heading_styles_give_hints() -> None:
    paras = [para("标题文字", "a3"), para("第一部分", "1"), para("基于标题二", "2"), para("正文")]
    raw = read_input(build_docx(paras, None, STYLES), "a.docx")
    assert raw.hints == {0: "title", 1: "heading", 2: "heading"}


def test_docx_numbering_from_paragraph_style() -> None:
    paras = [para("总体要求", "NumberedHead"), para("正文"), para("主要任务", "NumberedHead")]
    raw = read_input(build_docx(paras, NUMBERING, STYLES), "a.docx")
    assert raw.lines == ["一、总体要求", "正文", "二、主要任务"]


def test_docx_start_override_restarts_a_list() -> None:
    numbering = NUMBERING + ('<w:num w:numId="3"><w:abstractNumId w:val="0"/>'
                             '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
                             "</w:num>")
    paras = [para("甲", None, ("1", 0)), para("乙", None, ("1", 0)), para("丙", None, ("3", 0))]
    raw = read_input(build_docx(paras, numbering), "a.docx")
    assert raw.lines == ["一、甲", "二、乙", "一、丙"]


def test_docx_tables_breaks_tabs_and_hidden_text() -> None:
    paras = [
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>单元一</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:p><w:r><w:t>单元二</w:t></w:r></w:p></w:tc></w:tr></w:tbl>',
        '<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t><w:tab/><w:t>制表后</w:t></w:r>'
        '<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r></w:p>',
        '<w:p><w:r><w:delText>删除的文字</w:delText></w:r><w:r><w:t>保留</w:t></w:r></w:p>',
    ]
    raw = read_input(build_docx(paras), "a.docx")
    assert raw.lines == ["单元一", "单元二", "第一行", "第二行\t制表后", "保留"]


def test_docx_sniffed_without_suffix() -> None:
    raw = read_input(build_docx([para("正文")]), "upload.bin")
    assert raw.source.format == "docx"


def test_zip_that_is_not_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match=r"binary file \(zip archive\)"):
        read_input(buf.getvalue(), "archive.txt")
    with pytest.raises(InputError, match=r"no word/document\.xml") as err:
        read_input(buf.getvalue(), "fake.docx")
    assert str(err.value).startswith("fake.docx: ")


def test_docx_suffix_on_a_text_file() -> None:
    with pytest.raises(InputError, match="not a zip archive"):
        read_input("正文".encode(), "wrong.docx")


def test_broken_document_xml_names_the_file() -> None:
    data = build_docx([], document="<w:document><w:body><w:p>")
    with pytest.raises(InputError, match="not well-formed") as err:
        read_input(data, "broken.docx")
    assert str(err.value).startswith("broken.docx: ")


def test_docx_with_entity_declarations_is_refused() -> None:
    """Word never writes a DOCTYPE: a part that declares entities is hostile and refused
    before any parser sees it (nothing is expanded, nothing is read)."""
    document = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈">'
                f'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document {W}><w:body>'
                '<w:p><w:r><w:t>&b;正文</w:t></w:r></w:p></w:body></w:document>')
    with pytest.raises(InputError, match="declares entities") as err:
        read_input(build_docx([], document=document), "a.docx")
    assert "a.docx" in str(err.value)


def test_empty_docx_is_empty_input() -> None:
    with pytest.raises(InputError, match="empty input"):
        read_input(build_docx([para("  ")]), "a.docx")


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"),
                                         (21, "二十一"), (99, "九十九"), (100, "一百"),
                                         (105, "一百零五"), (110, "一百一十")])
def test_chinese_counting(n: int, text: str) -> None:
    assert chinese_number(n) == text


@pytest.mark.parametrize(("fmt", "n", "text"), [
    ("decimal", 3, "3"), ("decimalEnclosedCircle", 3, "③"), ("decimalEnclosedParen", 2, "⑵"),
    ("ideographTraditional", 2, "乙"), ("upperLetter", 28, "BB"), ("lowerRoman", 4, "iv"),
    ("decimalFullWidth", 12, "１２"), ("decimalZero", 7, "07"), ("unknownFormat", 5, "5"),
])
def test_number_formats(fmt: str, n: int, text: str) -> None:
    assert format_number(n, fmt) == text


def test_bold_numbered_lead_becomes_its_own_line() -> None:
    page = ('<p><span style="font-weight: bold;">一、春节：</span>2月4日至10日放假调休，共7天。</p>'
            '<p><b>二、清明节</b>4月5日放假。</p><p><b>强调</b>这不是标题。</p>')
    lines = read_html(page).lines
    assert lines == ["一、春节：", "2月4日至10日放假调休，共7天。", "二、清明节", "4月5日放假。", "强调这不是标题。"]


def test_a_zip_claiming_an_unknown_zip_version_is_refused_cleanly():
    """A damaged header can claim zip version 6.4, which zipfile answers with
    NotImplementedError: that is a damaged file, not an internal error."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    central = data.find(b"PK\x01\x02")
    data[central + 6 : central + 8] = (64).to_bytes(2, "little")  # version needed to extract
    assert not is_docx(bytes(data))
    with pytest.raises(InputError, match=r"not a \.docx"):
        read_docx(bytes(data), "damaged.docx")
