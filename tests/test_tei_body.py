"""The TEI body laid out directly, and the quick model check, against the general forms.

``tei._div_start`` and ``tei._head_markup`` format a section without XmlWriter.start and a
dict of attributes; ``tei._check_nodes`` looks a body over in one walk before checking node
by node. Each is compared here with what it stands for: ``start_tag`` with the attribute
dict, the head built from ``inline_element``, and the node-by-node check.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speech2tei import tei
from speech2tei.model import Conversion, Document, Metadata, Paragraph, Section, SourceInfo
from speech2tei.tei import TeiWriteError, write_tei
from speech2tei.xmlwrite import inline_element, start_tag

_hostile = st.text(alphabet="一二、，.（）\u3000 \t\n<&>\"'\x00\x01\ud800\ufffe", max_size=6)
_styles = st.one_of(st.sampled_from(["cn-dun", "yi-shi"]),
                    st.text(alphabet="ab-<&>\"'一", min_size=1, max_size=5))
_ids = st.one_of(st.just(""), st.from_regex(r"[a-z][a-z0-9.\-]{0,6}\n?", fullmatch=True))


def reference_attributes(section: Section) -> dict[str, str | None]:
    """The ``<div>`` attributes as the writer wrote them through ``start_tag``."""
    return {
        "type": section.family,
        "subtype": section.style,
        "n": None if section.value is None else str(section.value),
        "xml:id": section.id or None,
        "source": tei.line_ref(section.lines),
        "rend": "inline" if section.inline else None,
        "cert": None if section.cert == "high" else section.cert,
    }


def reference_head(section: Section, markup: tei.Markup) -> str:
    """The ``<head>`` as the writer built it from ``inline_element``."""
    delimiter = section.delimiter
    if delimiter:
        label = markup(section.marker[: -len(delimiter)]) + inline_element("pc", None, markup(delimiter))
    else:
        label = markup(section.marker)
    end = inline_element("pc", {"type": "head-end"}, markup(section.head_end)) if section.head_end else ""
    return inline_element("head", None, inline_element("label", None, label) + markup(section.head) + end)


@st.composite
def sections(draw) -> Section:
    delimiter = draw(st.sampled_from(["", "、", "<", "\x01"]))
    return Section(
        marker=draw(_hostile) + delimiter, style=draw(_styles),
        family=draw(st.sampled_from(tei.SECTION_TYPES)), value=draw(st.one_of(st.none(), st.integers(-3, 999))),
        level=1, head=draw(_hostile), head_end=draw(st.sampled_from(["", "。", "&", "\x1b"])),
        inline=draw(st.booleans()), cert=draw(st.sampled_from(tei.CERTAINTIES)),
        lines=draw(st.tuples(st.integers(0, 99), st.integers(0, 99))), id=draw(_ids), delimiter=delimiter)


@settings(max_examples=300, deadline=None)
@given(sections())
def test_a_section_start_and_head_are_what_the_general_writer_writes(section):
    markup = tei.new_writer().markup
    assert tei._div_start(section) == start_tag("div", reference_attributes(section))
    assert tei._head_markup(section, markup) == reference_head(section, markup)


def test_a_style_and_an_id_that_need_escaping_are_escaped():
    section = Section("一、", 'a"<&b', "heading", 1, 1, "标题", id="s1\n", lines=(3, 4), delimiter="、")
    assert tei._div_start(section) == ('<div type="heading" subtype="a&quot;&lt;&amp;b" n="1" '
                                       'xml:id="s1&#10;" source="line:3-4">')


# --- the quick check agrees with the node-by-node check ----------------------------------------


@st.composite
def bodies(draw, depth: int = 1) -> list:
    nodes: list = []
    for i in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        if draw(st.booleans()):
            nodes.append(Paragraph("p", (draw(st.integers(-1, 9)), draw(st.integers(-1, 9)))))
            continue
        delimiter = draw(st.sampled_from(["", "、"]))
        nodes.append(Section(
            marker=draw(st.sampled_from(["一", "一、"])), style=draw(st.sampled_from(["cn-dun", "bad style", ""])),
            family=draw(st.sampled_from(["heading", "enumeration", "chapter"])), value=1,
            level=draw(st.sampled_from([depth, depth, depth, depth + 1])), head="h",
            cert=draw(st.sampled_from(["high", "low", "sure"])), lines=(draw(st.integers(-1, 9)), 1),
            id=draw(st.sampled_from(["", f"s{depth}-{i}", "s1-0", "1bad", "s\n", "s1-0\n", "s1\n-0"])),
            delimiter=delimiter, children=draw(bodies(depth + 1))))
    return nodes


def outcome(check, body: list, ids: set[str]) -> tuple[str, set[str]]:
    try:
        check(body, 1, ids)
    except TeiWriteError as error:
        return str(error), ids
    return "", ids


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.sets(st.sampled_from(["s1-0", "s2-1", "other"])))
def test_the_quick_check_refuses_what_the_node_by_node_check_refuses_and_first_the_same(body, ids):
    assert outcome(tei._check_nodes, body, set(ids)) == outcome(tei._check_nodes_in_order, body, set(ids))


def test_an_id_used_in_an_earlier_document_is_refused():
    docs = [Document(meta=Metadata(), body=[Section("一", "cn-dun", "heading", 1, 1, "h", id="s1")])
            for _ in range(2)]
    with pytest.raises(TeiWriteError, match="'s1' is used twice"):
        write_tei(Conversion(SourceInfo("a.txt", "", "utf-8", "text", 1), docs))


@pytest.mark.parametrize("bad", ["s1\n", "s1\ns2", "s1 s2"])
def test_an_id_with_a_newline_or_space_is_refused_not_written_as_a_reference(bad):
    docs = [Document(meta=Metadata(), body=[Section("一", "cn-dun", "heading", 1, 1, "h", id=bad),
                                            Section("二", "cn-dun", "heading", 2, 1, "h", id="s9")])]
    with pytest.raises(TeiWriteError, match="is not an XML name"):
        write_tei(Conversion(SourceInfo("a.txt", "", "utf-8", "text", 1), docs))
