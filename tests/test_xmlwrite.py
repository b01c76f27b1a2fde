"""xmlwrite.XmlWriter writes the very bytes lxml (libxml2) writes for the same tree.

The reference is what the TEI writer did before: an lxml tree built with SubElement, text
appended to ``.text``/``.tail``, forbidden characters as ``<g>`` elements, the structural
elements indented, then ``etree.tostring(root, encoding="UTF-8")``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from speech2tei.xmlwrite import (
    FORBIDDEN_CHARS,
    XmlWriter,
    escape_attribute,
    escape_text,
    inline_element,
    is_plain_text,
    start_tag,
)

STRUCTURAL = frozenset({"s", "t"})
FLAT_TAGS = ("p", "q")


def glyph(char: str) -> str:
    """The forbidden-character handler of these tests (the TEI writer's, in short)."""
    return f'<g n="U+{ord(char):04X}">?</g>'


def is_xml_char(code: int) -> bool:
    return not FORBIDDEN_CHARS.match(chr(code))


def lxml_bytes(el: etree._Element) -> bytes:
    return etree.tostring(el, encoding="UTF-8")


# --- escaping against libxml2, character by character ----------------------------------------


ALL_XML_CHARS = "".join(chr(c) for c in range(sys.maxunicode + 1) if is_xml_char(c))


def test_every_xml_character_in_text_is_escaped_as_libxml2_does():
    el = etree.Element("a")
    el.text = ALL_XML_CHARS
    assert f"<a>{escape_text(ALL_XML_CHARS)}</a>".encode() == lxml_bytes(el)


def test_every_xml_character_in_an_attribute_is_escaped_as_libxml2_does():
    el = etree.Element("a")
    el.set("v", ALL_XML_CHARS)
    assert f'<a v="{escape_attribute(ALL_XML_CHARS)}"/>'.encode() == lxml_bytes(el)


def test_the_escapes_are_the_documented_ones():
    assert escape_text("&<>\"'\r\n\t") == "&amp;&lt;&gt;\"'&#13;\n\t"
    assert escape_attribute("&<>\"'\r\n\t") == "&amp;&lt;&gt;&quot;'&#13;&#10;&#9;"
    assert escape_text("\U0001f600\x7f\x85\u2028") == "\U0001f600\x7f\x85\u2028"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x0b", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_characters_xml_cannot_hold_are_refused_like_lxml_does(char):
    el = etree.Element("a")
    with pytest.raises(ValueError):
        el.set("v", char)
    with pytest.raises(ValueError):
        start_tag("a", {"v": f"x{char}"})
    with pytest.raises(ValueError):
        escape_text(char)
    writer = XmlWriter()
    writer.start("a")
    with pytest.raises(ValueError, match="cannot be written"):
        writer.text(char)


_special = st.sampled_from(["&", "<", ">", '"', "'", "\r", "\n", "\t", "]]>", "&amp;", "\U0001f600", "\x85",
                            "\x00", "\x1b", "\ud800", "\ufffe", "\uffff", " ", "\u3000", "一"])
_texts = st.lists(st.one_of(_special, st.text(max_size=4)), max_size=8).map("".join)
_values = _texts.map(lambda value: FORBIDDEN_CHARS.sub("", value))


@settings(max_examples=300, deadline=None)
@given(_texts, _values)
def test_text_and_attributes_match_lxml(text, value):
    reference = etree.Element("a")
    reference.set("v", value)
    append_text(reference, text)
    writer = XmlWriter(on_forbidden=glyph)
    writer.start("a", {"v": value})
    writer.text(text)
    writer.end()
    assert writer.take().encode() == lxml_bytes(reference)
    one_piece = XmlWriter(on_forbidden=glyph)
    one_piece.element("a", {"v": value}, text)
    assert one_piece.take().encode() == lxml_bytes(reference)


# --- whole trees: indentation, empty elements, mixed content --------------------------------


@dataclass
class Node:
    """A tree to write both ways; content holds strings (text) and Nodes, in order."""

    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    content: list[str | Node] = field(default_factory=list)
    in_one_piece: bool = False


def append_text(el: etree._Element, text: str) -> None:
    """The old TEI writer's add_text: plain runs into text/tail, forbidden characters as <g>."""
    pos = 0
    for match in FORBIDDEN_CHARS.finditer(text):
        _append_plain(el, text[pos : match.start()])
        g = etree.SubElement(el, "g")
        g.set("n", f"U+{ord(match.group()):04X}")
        g.text = "?"
        pos = match.end()
    _append_plain(el, text[pos:])


def _append_plain(el: etree._Element, text: str) -> None:
    if not text:
        return
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def indent(root: etree._Element, step: str = "  ") -> None:
    """The old TEI writer's layout: indent element-only containers, leave the rest."""

    def walk(el: etree._Element, level: int) -> None:
        if el.tag not in STRUCTURAL or not len(el):
            return
        inner = "\n" + step * (level + 1)
        el.text = inner
        for child in el:
            child.tail = inner
            walk(child, level + 1)
        el[-1].tail = "\n" + step * level

    walk(root, 0)


def to_lxml(node: Node, parent: etree._Element | None = None) -> etree._Element:
    el = etree.Element(node.tag) if parent is None else etree.SubElement(parent, node.tag)
    for key, value in node.attrs.items():
        if value is not None:
            el.set(key.replace("xml:", "{http://www.w3.org/XML/1998/namespace}"), value)
    for part in node.content:
        if isinstance(part, str):
            append_text(el, part)
        else:
            to_lxml(part, el)
    return el


def write(writer: XmlWriter, node: Node) -> None:
    if node.in_one_piece and all(isinstance(part, str) for part in node.content):
        writer.element(node.tag, node.attrs, "".join(node.content))
        return
    with writer.start(node.tag, node.attrs):
        for part in node.content:
            if isinstance(part, str):
                writer.text(part)
            else:
                write(writer, part)


_attrs = st.dictionaries(st.sampled_from(["a", "b", "xml:id"]), st.one_of(st.none(), _values), max_size=3)


@st.composite
def trees(draw, depth: int = 0, indented: bool = True) -> Node:
    """Structural elements hold elements only while they are indented; others hold anything."""
    tag = draw(st.sampled_from(sorted(STRUCTURAL) + list(FLAT_TAGS)))
    laid_out = indented and tag in STRUCTURAL
    content: list[str | Node] = []
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        if not laid_out and draw(st.booleans()):
            content.append(draw(_texts))
        else:
            content.append(draw(trees(depth + 1, laid_out)))
    return Node(tag, draw(_attrs), content, draw(st.booleans()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_trees_are_written_as_lxml_writes_them_after_indenting(tree):
    reference = to_lxml(tree)
    indent(reference)
    writer = XmlWriter(STRUCTURAL, on_forbidden=glyph)
    write(writer, tree)
    assert writer.depth == 0
    assert writer.take().encode() == lxml_bytes(reference)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.lists(st.integers(0, 50), max_size=6))
def test_taking_chunks_at_any_point_gives_the_same_text(tree, stops):
    """``take`` between any two calls: the chunks join to the whole, empty tags still close."""
    whole = XmlWriter(STRUCTURAL, on_forbidden=glyph)
    write(whole, tree)
    expected = whole.take()
    writer = XmlWriter(STRUCTURAL, on_forbidden=glyph)
    chunks: list[str] = []
    calls = 0
    stops_left = set(stops)

    class Taking:
        """Proxy that takes a chunk after the calls numbered in ``stops``."""

        def __getattr__(self, name):
            method = getattr(writer, name)

            def call(*args, **kwargs):
                nonlocal calls
                result = method(*args, **kwargs)
                calls += 1
                if calls in stops_left:
                    chunks.append(writer.take())
                return self if result is writer else result

            return call

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.end()

    write(Taking(), tree)  # type: ignore[arg-type]
    chunks.append(writer.take())
    assert "".join(chunks) == expected


# --- the writer's own rules -------------------------------------------------------------------


def test_empty_elements_are_self_closed_and_structural_ones_hold_their_children_indented():
    writer = XmlWriter(STRUCTURAL)
    with writer.start("s", {"a": "1", "b": None}):
        writer.element("t", {"c": ""})
        with writer.start("p"):
            writer.element("s", None, "flat")
            writer.start("t")
            writer.end()
        with writer.start("s"):
            writer.element("q", None, "x")
    assert writer.take() == ('<s a="1">\n  <t c=""/>\n  <p><s>flat</s><t/></p>\n  <s>\n    <q>x</q>\n  </s>\n</s>')


def test_text_in_an_indented_structural_element_is_refused():
    writer = XmlWriter(STRUCTURAL)
    writer.start("s")
    with pytest.raises(ValueError, match="holds elements only"):
        writer.text("lost")
    with pytest.raises(ValueError, match="outside the root"):
        XmlWriter().text("x")


def test_end_without_start_is_refused():
    with pytest.raises(RuntimeError, match="without an open element"):
        XmlWriter().end()


def test_take_keeps_the_start_tag_of_an_empty_open_element():
    writer = XmlWriter(STRUCTURAL)
    writer.raw("<?xml?>\n")
    writer.start("s")
    writer.start("t", {"n": "1"})
    assert writer.take() == "<?xml?>\n<s>"
    assert writer.pending == 1
    writer.end()
    writer.end()
    assert writer.take() == '\n  <t n="1"/>\n</s>'
    assert writer.pending == 0


def test_inline_elements_and_children():
    assert inline_element("pc", None, "") == "<pc/>"
    assert inline_element("pc", {"type": "x"}, "") == '<pc type="x"/>'
    assert inline_element("pc", {"type": None}, "、") == "<pc>、</pc>"
    writer = XmlWriter(STRUCTURAL)
    with writer.start("s"):
        writer.child(inline_element("head", None, "<label>一</label>"))
    assert writer.take() == "<s>\n  <head><label>一</label></head>\n</s>"


def test_markup_passes_plain_text_through_unchanged():
    text = "这次会议" * 100
    assert XmlWriter().markup(text) is text
    assert XmlWriter(on_forbidden=glyph).markup("a\x01<") == 'a<g n="U+0001">?</g>&lt;'


def test_start_tag_checks_quotes_and_markup_in_values():
    assert start_tag("a", {"v": 'say "hi"'}) == '<a v="say &quot;hi&quot;">'
    assert start_tag("a", {"v": '="', "w": '"'}) == '<a v="=&quot;" w="&quot;">'
    assert start_tag("a", {"v": "<&>"}) == '<a v="&lt;&amp;&gt;">'
    assert re.fullmatch(r'<a v="x" w="y">', start_tag("a", {"v": "x", "u": None, "w": "y"}))


def test_resume_writes_children_as_the_writer_that_opened_the_element_would():
    whole = XmlWriter(STRUCTURAL)
    whole.start("s")
    whole.element("head", None, "题")
    first = whole.take()
    with whole.start("s"):
        whole.element("p", None, "正文")
    whole.end()
    rest = whole.take()
    apart = XmlWriter(STRUCTURAL).resume("s")
    with apart.start("s"):
        apart.element("p", None, "正文")
    assert first + apart.take() + "\n</s>" == first + rest
    empty = XmlWriter(STRUCTURAL).resume("s")
    assert empty.take() == "" and empty.depth == 1


# --- the quick test for plain text, and layout by the caller ----------------------------------

TEXT_SPECIAL = re.compile(f"[&<>\r{FORBIDDEN_CHARS.pattern[1:-1]}]")


def test_is_plain_text_agrees_with_the_escaping_rules_for_every_character():
    """isprintable() lets nothing through that needs escaping; what it refuses the regex decides."""
    wrong = [code for code in range(sys.maxunicode + 1)
             if is_plain_text(f"中{chr(code)}") != (TEXT_SPECIAL.search(chr(code)) is None)]
    assert wrong == []
    assert is_plain_text("工作\u3000要求\t\n") and is_plain_text("")
    assert not is_plain_text("a\u3000&") and not is_plain_text("\u3000\r") and not is_plain_text("x>")


@pytest.mark.parametrize("text", ["\u3000全角空格", "a\tb\nc", "x\u3000<&>\r", "\ufffe\u3000", "\u200b零宽"])
def test_markup_of_text_that_is_not_printable_still_escapes_exactly(text):
    pieces = [glyph(ch) if FORBIDDEN_CHARS.match(ch) else escape_text(ch) for ch in text]
    assert XmlWriter(on_forbidden=glyph).markup(text) == "".join(pieces)


def test_level_tells_how_deep_the_open_element_is_indented():
    writer = XmlWriter(STRUCTURAL)
    assert writer.level == -1
    writer.start("s")
    assert writer.level == 0
    writer.start("t")
    assert writer.level == 1
    writer.start("p")
    assert writer.level == -2  # not indented: mixed content
    writer.start("s")
    assert writer.level == -2
    assert writer.indent(0) == "\n" and writer.indent(3) == "\n      "


def test_markup_from_the_sink_is_laid_out_as_the_writer_lays_out_elements():
    def by_writer(writer: XmlWriter) -> None:
        writer.element("p", {"n": "1"}, "a<b")
        with writer.start("s", {"n": "2"}):
            writer.element("q", None, "c")

    def by_sink(writer: XmlWriter) -> None:
        put, level = writer.sink(), writer.level
        put(f'{writer.indent(level + 1)}<p n="1">{writer.markup("a<b")}</p>')
        put(f'{writer.indent(level + 1)}<s n="2">{writer.indent(level + 2)}<q>c</q>{writer.indent(level + 1)}</s>')

    texts, pending = [], []
    for fill in (by_writer, by_sink):
        writer = XmlWriter(STRUCTURAL)
        with writer.start("s"), writer.start("t"):
            assert writer.take() == "<s>"  # <t> may still become <t/>
            fill(writer)
            pending.append(writer.pending)
        texts.append(writer.take())
    assert pending == [5, 3]  # <t>, then four pieces from the writer, two from the sink
    assert texts[0] == texts[1] == ('\n  <t>\n    <p n="1">a&lt;b</p>\n    <s n="2">\n      <q>c</q>\n    </s>'
                                    '\n  </t>\n</s>')
