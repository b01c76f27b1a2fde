"""The tree stage: levels from the document, continuity, family nesting, text attachment."""

from __future__ import annotations

from conftest import convert_text
from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei import convert_bytes
from speech2tei.model import Paragraph, Section, iter_sections
from speech2tei.pipeline import Explained
from speech2tei.tree import find_head


def shape(text: str) -> list[tuple[int, str, str]]:
    doc = convert_text(text).documents[0]
    return [(s.level, s.marker_label, s.head) for s in iter_sections(doc.body)]


def test_levels_come_from_the_document() -> None:
    one = shape("标题\n一、总体要求\n一是加强领导。\n二是完善机制。\n二、重点任务\n")
    two = shape("标题\n一、总体要求\n（一）指导思想\n一是加强领导。\n二是完善机制。\n（二）基本原则\n")
    assert one[1][:2] == (2, "一是")
    assert (3, "一是", "加强领导") in two
    assert (2, "（二）", "基本原则") in two


def test_heading_closes_enumerations_above_it() -> None:
    text = "标题\n一、总体要求\n（一）指导思想。要做到：一是稳；二是进；三是好。\n（二）基本原则\n"
    assert shape(text)[-1] == (2, "（二）", "基本原则")


def test_customary_rank_when_the_document_has_not_shown_the_order() -> None:
    text = "标题\n一、材料\n1.申请表\n2.执照\n（一）总部材料\n1.证明\n2.说明\n二、提交\n"
    assert shape(text) == [
        (1, "一、", "材料"), (2, "1.", "申请表"), (2, "2.", "执照"), (2, "（一）", "总部材料"),
        (3, "1.", "证明"), (3, "2.", "说明"), (1, "二、", "提交"),
    ]


def test_numbering_runs_on_across_parents() -> None:
    text = "标题\n一、甲\n（一）子一\n（二）子二\n二、乙\n（三）子三\n"
    assert shape(text)[-1] == (2, "（三）", "子三")


def test_restart_at_the_top_is_a_sibling_with_a_note() -> None:
    conv = convert_text("标题\n一、去年\n二、前年\n一、明年\n二、后年\n")
    doc = conv.documents[0]
    assert [s.level for s in iter_sections(doc.body)] == [1, 1, 1, 1]
    assert any(w.code == "numbering-restart" for w in doc.warnings)


def test_gap_is_kept_and_reported() -> None:
    conv = convert_text("标题\n一、甲\n二、乙\n四、丁\n")
    doc = conv.documents[0]
    assert [s.value for s in iter_sections(doc.body)] == [1, 2, 4]
    assert [w.code for w in doc.warnings if w.severity == "warning"] == ["numbering-gap"]


def test_text_after_an_inline_run_returns_to_the_parent() -> None:
    conv = convert_text("标题\n一、总体要求\n主要有：一是稳；二是进。\n这段话属于一、。\n二、任务\n")
    first = conv.documents[0].body[0]
    assert isinstance(first, Section)
    assert isinstance(first.children[-1], Paragraph)
    assert first.children[-1].text == "这段话属于一、。"


def test_find_head_stops_at_the_first_sentence_end_even_inside_quotes() -> None:
    text = "他指出：“稳中求进。”总基调。后文"
    head, end, resume = find_head(text, 0, len(text))
    assert (head, end, text[resume:]) == ("他指出：“稳中求进", "。", "”总基调。后文")


def test_find_head_moves_trailing_comma_to_the_end_mark() -> None:
    text = "加强领导，二是"
    assert find_head(text, 0, 5) == ("加强领导", "，", 5)


def test_continuation_prefers_the_same_style_written_the_same_way() -> None:
    text = ("标题\n第一、处理好甲的关系\n正文。\n第二、处理好乙的关系\n首先，要看内容。其次，要看形式。\n"
            "第三、处理好丙的关系\n")
    assert shape(text) == [
        (1, "第一、", "处理好甲的关系"), (1, "第二、", "处理好乙的关系"), (2, "首先", "要看内容"),
        (2, "其次", "要看形式"), (1, "第三、", "处理好丙的关系")]


def test_a_topic_heading_line_holds_its_own_run() -> None:
    text = "标题\n第一个问题：我们为谁服务？\n答案很清楚。第一是为农民的。第二是为工人的。\n"
    levels = [(level, marker) for level, marker, _ in shape(text)]
    assert levels == [(1, "第一个问题"), (2, "第一"), (2, "第二")]


def test_the_first_heading_style_holds_the_top_whatever_its_rank() -> None:
    text = "标题\n一、背景\n正文。\n二、结果\n第一部分 关于甲\n1.小项\n2.小项\n第二部分 关于乙\n"
    assert [(level, marker) for level, marker, _ in shape(text)] == [
        (1, "一、"), (1, "二、"), (2, "第一部分"), (3, "1."), (3, "2."), (2, "第二部分")]


def test_a_run_cut_off_by_a_truncated_text_is_kept_with_medium_cert() -> None:
    conv = convert_text("标题\n一、任务\n（一）抓项目。一要加快重点项目建设。十八个项目要超额完成")
    sections = list(iter_sections(conv.documents[0].body))
    assert [s.marker_label for s in sections] == ["一、", "（一）", "一要"]
    assert sections[-1].cert == "medium"


def test_back_matter_list_is_top_level() -> None:
    text = "标题\n一、甲\n二、乙\n（一）丙\n名词解释\n1.术语一：说明。\n2.术语二：说明。\n"
    assert shape(text)[-2:] == [(1, "1.", "术语一：说明"), (1, "2.", "术语二：说明")]


def test_every_value_of_a_section_lands_in_its_field() -> None:
    """Sections are made with positional arguments: each must land in the right field."""
    doc = convert_text("标题\n一、总体要求\n主要有：一是稳；二是进。\n").documents[0]
    top = doc.body[0]
    assert isinstance(top, Section)
    inline = top.children[1]
    assert isinstance(inline, Section)
    assert (inline.marker, inline.style, inline.family, inline.value, inline.level, inline.head, inline.head_end,
            inline.inline, inline.cert, inline.lines, inline.id, inline.delimiter) == (
        "一是", "yi-shi", "enumeration", 1, 2, "稳", "；", True, "high", (3, 3), "d1-s1.1", "")
    assert (top.marker, top.delimiter, top.id, top.lines, top.children[0]) == (
        "一、", "、", "d1-s1", (2, 3), Paragraph("主要有：", (3, 3)))


def ids_by_walking(nodes: list, prefix: str) -> list[str]:
    """Ids as a walk of the finished tree numbers the sections (among their siblings)."""
    out = []
    n = 0
    for node in nodes:
        if isinstance(node, Section):
            n += 1
            out.append(f"{prefix}{n}")
            out.extend(ids_by_walking(node.children, f"{prefix}{n}."))
    return out


_LINES = ["一、总体要求", "（一）指导思想", "1.加强领导", "一是学习；二是落实。", "正文一段。", "二、重点任务",
          "（二）基本原则", "首先，要抓重点。其次，要抓落实。", "名词解释", "1.术语：说明。", "总之，要抓好。",
          "## 三", "加强领导。后文", "第一部分 形势"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_LINES), max_size=25))
def test_ids_and_spans_are_those_of_the_finished_tree(lines: list[str]) -> None:
    """Ids are given as sections open and spans as they close: they must be what the
    finished tree says (the numbering of a walk; the marker's lines and the children's)."""
    explained: list[Explained] = []
    conv = convert_bytes(("标题\n" + "\n".join(lines) + "\n").encode(), "t.txt", explain=explained)
    doc, blocks = conv.documents[0], explained[0].blocks
    sections = list(iter_sections(doc.body))
    assert [s.id for s in sections] == ids_by_walking(doc.body, "d1-s")
    markers = [c for c in explained[0].candidates if c.accepted]
    assert len(markers) == len(sections)
    for section, c in zip(sections, markers, strict=True):
        own = blocks[c.block + 1 if c.position == "alone" and section.head else c.block]
        assert section.lines == (blocks[c.block].start, max([own.end] + [n.lines[1] for n in section.children]))
