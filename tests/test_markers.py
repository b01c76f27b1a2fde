"""The marker stage: where markers can stand, false hits, and runs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei.grammar import Grammar, default_grammar
from speech2tei.markers import _position, find_candidates, select_markers
from speech2tei.model import Block


def accepted(*paragraphs: str) -> list[str]:
    blocks = [Block(text, n, n) for n, text in enumerate(paragraphs, 1)]
    return [c.text for c in select_markers(find_candidates(blocks, default_grammar()))]


def test_paragraph_initial_headings_stand_alone() -> None:
    assert accepted("一、总体要求", "正文。", "二、重点任务") == ["一、", "二、"]


def test_inline_enumeration_after_colon_and_semicolons() -> None:
    text = "主要抓三件事：一是修路；二是建桥；三是通车。"
    assert accepted(text) == ["一是", "二是", "三是"]


def test_inline_enumeration_needs_a_sentence_end_before_it() -> None:
    assert accepted("做到统一是前提，二是关键。") == []


@pytest.mark.parametrize("text", [
    "牢牢抓住发展这个第一要务。要把第一线的情况摸清。",
    "我市位居全省第一，全国第二，成绩来之不易。",
    "会议决定实行多证合一、一照一码。",
    "一、二季度增长较快，二、三级企业也有进步。",
    "全年增长1.05亿元，PM2.5浓度下降。",
    "1-9月完成投资三分之一。",
    "把招商作为一号工程，推行一站式服务。",
    "首先，我讲一点意见。大家要认真落实。",
])
def test_false_hits_are_not_markers(text: str) -> None:
    assert accepted(text) == []


def test_word_sequence_mixes_words_and_numbers() -> None:
    text = "首先，要抓重点。第二，要抓难点。第三，要抓落实。最后，要抓考核。"
    assert accepted(text) == ["首先，", "第二，", "第三，", "最后，"]


def test_lone_first_enumeration_is_prose() -> None:
    assert accepted("一是要看到成绩。其余不再细说。") == []


def test_run_on_heading_lets_the_next_marker_in() -> None:
    text = "二、突出重点努力提高质量首先,要把握重点。第二,要拓展领域。"
    assert accepted(text) == ["二、", "首先,", "第二,"]


def test_a_number_after_a_heading_marker_is_a_head() -> None:
    assert accepted("三、2026年主要工作", "四、2027年展望") == ["三、", "四、"]


def test_bare_numeral_heading_line() -> None:
    assert accepted("一", "正文一段。", "二", "正文二段。") == ["一", "二"]


@pytest.mark.parametrize(("first", "second"), [
    ("（一）", "（二）"), ("(一)", "(二)"), ("1.", "2."), ("1、", "2、"), ("１．", "２．"),
    ("（1）", "（2）"), ("(1)", "(2)"), ("①", "②"), ("⑴", "⑵"), ("第一部分", "第二部分"),
    ("第一章", "第二章"), ("一要", "二要"), ("其一，", "其二，"), ("一方面，", "另一方面，"),
    ("第一个问题", "第二个方面"),
])
def test_every_style_is_found_at_paragraph_start(first: str, second: str) -> None:
    assert accepted(f"{first}加强领导。", f"{second}完善机制。") == [first, second]


def test_comma_member_opens_a_run_only_when_the_next_stands_at_a_sentence_start() -> None:
    assert accepted("我们的文艺，第一是为工人的，这是主力。第二是为农民的。") == ["第一", "第二"]
    assert accepted("要做到一要勤，二要俭，三要廉。") == []


def test_a_number_inside_text_counts_only_inside_a_run() -> None:
    assert accepted("6.甲：说明。", "7.15分钟生活圈：说明。", "8.乙：说明。") == ["6.", "7.", "8."]
    assert accepted("7.15分钟生活圈：说明。") == []


def test_markers_after_closing_brackets_count_as_a_run_of_three() -> None:
    text = ("一、放宽准入（一）清理审批事项。（发展改革委负责）（二）压减许可。（商务部负责）"
            "（三）推行承诺制。（各地区负责）")
    assert accepted(text) == ["一、", "（一）", "（二）", "（三）"]


def test_a_year_after_an_arabic_marker_is_a_head_not_a_decimal() -> None:
    text = "具体措施：1．2020年底前出台办法。（财政部负责）2．2021年6月底前完成清理。"
    assert accepted(text) == ["1．", "2．"]


# --- One search over the document ------------------------------------------------------------

_MARKERISH = "一二三十、（）()1２.．，,：；。！“”是要第其首先最后方面甲①⑴ \u3000加强领导"


def candidates(texts: list[str], grammar: Grammar) -> list[tuple]:
    blocks = [Block(text, n, n) for n, text in enumerate(texts, 1)]
    return [(c.block, c.start, c.end, c.style.name, c.value, c.text, c.delim, c.position, c.offset, c.doubtful)
            for c in find_candidates(blocks, grammar)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=_MARKERISH, max_size=40), max_size=8))
def test_one_search_over_the_document_finds_what_a_search_per_paragraph_finds(texts):
    grammar = default_grammar()
    assert grammar.doc_regex is not None
    assert candidates(texts, grammar) == candidates(texts, replace(grammar, doc_regex=None))


def test_a_paragraph_holding_a_newline_is_searched_on_its_own():
    grammar = default_grammar()
    texts = ["一、总体要求\n二、主要目标", "（一）加强领导。一是学习；二是落实。", "三"]
    found = candidates(texts, grammar)
    assert found == candidates(texts, replace(grammar, doc_regex=None))
    assert [(block, text) for block, _, _, _, _, text, *_ in found] == [
        (0, "一、"), (0, "二、"), (1, "（一）"), (1, "一是"), (1, "二是"), (2, "三")]


@pytest.mark.parametrize(("text", "position"), [
    ("一是", "start"), ("\u3000 一是", "start"), ("好。一是", "sentence"), ("好：一是", "sentence"),
    ("好。”一是", "sentence"), ("好……一是", "sentence"), ("好..一是", "sentence"), ("好.一是", None),
    ("（负责）一是", "bracket"), ("好，一是", "comma"), ("好一是", None), ("好 一是", None),
])
def test_where_a_marker_stands(text, position):
    assert _position(text, text.index("一是")) == position
