"""Lines → paragraphs: hard wrapping, page breaks, inline 　　 separators, hints."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pages_helpers import FIXTURES, chars, fixture_lines, raw_lines

from speech2tei.blocks import (
    _continues,
    _Paragraph,
    _segments,
    _wrap_width,
    continues_sentence,
    has_inner_sentence_end,
    is_prose,
    make_blocks,
    starts_with_marker,
    wrap_width,
)
from speech2tei.model import Block, Line

SHARED = Path(__file__).resolve().parents[2] / "shared"
WRAPPED_CORPUS = {f"{n:03d}" for n in [*range(23, 37), 43]}


def assert_nothing_lost(lines: list[Line], blocks: list[Block]) -> None:
    assert chars([ln.text for ln in lines]) == chars([b.text for b in blocks])
    numbers = {ln.no for ln in lines}
    for block in blocks:
        assert block.start <= block.end
        assert block.start in numbers and block.end in numbers


def find(blocks: list[Block], start: str) -> Block:
    hits = [b for b in blocks if b.text.startswith(start)]
    assert len(hits) == 1, [b.text[:20] for b in blocks]
    return hits[0]


# --- Hard wrapping -------------------------------------------------------------------------


def test_wrapped_fixture_is_detected_at_its_width():
    assert wrap_width(fixture_lines("wrapped.txt")) == 126


def test_unwrapped_fixtures_are_not_wrapped():
    for name in ("pagebreak.txt", "speech.txt", "compilation.txt", "oneline.txt", "notice.txt"):
        assert wrap_width(fixture_lines(name)) is None, name


def test_wrapped_lines_join_into_paragraphs():
    lines = fixture_lines("wrapped.txt")
    blocks = make_blocks(lines)
    opening = find(blocks, "今天我们在这里召开")
    assert (opening.start, opening.end) == (9, 10)
    assert opening.text.endswith("互相借鉴。")
    # a line starting with punctuation continues the line before it
    cells = find(blocks, "社区是城市的细胞")
    assert (cells.start, cells.end) == (14, 16)
    assert "突出位置，新建和改造社区文化活动室一百二十多个，组建" in cells.text
    assert_nothing_lost(lines, blocks)


def test_wrapped_short_paragraph_and_catalogue_lines_stay_apart():
    blocks = make_blocks(fixture_lines("wrapped.txt"))
    texts = [b.text for b in blocks]
    assert "下面，我讲三点意见。" in texts
    assert "同志们：" in texts
    assert "（2019年6月12日）" in texts
    assert texts[:3] == ["【 文献号 】9-0001", "【原文出处】江城日报", "【 作  者 】周明远"]


def test_wrapped_centred_heading_is_joined_but_not_glued_to_body():
    blocks = make_blocks(fixture_lines("wrapped.txt"))
    heading = find(blocks, "一、充分认识")
    assert heading.text == "一、充分认识社区文化服务工作的重要意义，切实增强做好新时期社区文化工作的责任感"
    assert (heading.start, heading.end) == (12, 13)
    assert find(blocks, "二、突出重点").text == "二、突出重点，抓好落实"


def test_wrap_can_be_switched_off():
    blocks = make_blocks(fixture_lines("wrapped.txt"), wrap=False)
    assert find(blocks, "一、充分认识").end == 12
    assert find(blocks, "社区文化工作的责任感").start == 13


# --- Page breaks ---------------------------------------------------------------------------


def test_page_break_before_full_stop_is_joined():
    blocks = make_blocks(fixture_lines("pagebreak.txt"))
    patrol = find(blocks, "（一）加强日常巡查")
    assert (patrol.start, patrol.end) == (5, 7)
    assert "更换破损路缘石3。下一步" in patrol.text


def test_page_break_mid_word_is_joined():
    blocks = make_blocks(fixture_lines("pagebreak.txt"))
    standard = find(blocks, "（二）提高养护标准")
    assert "没有明显破损和积水现象。" in standard.text
    money = find(blocks, "全市道路养护资金")
    assert "比去年增长7%,重点向" in money.text


def test_stray_number_line_is_joined_into_its_sentence():
    blocks = make_blocks(fixture_lines("pagebreak.txt"))
    air = find(blocks, "环境空气质量持续改善")
    assert "细颗粒物PM2.5年均浓度" in air.text
    assert (air.start, air.end) == (23, 25)


def test_short_lines_are_not_glued():
    blocks = make_blocks(fixture_lines("pagebreak.txt"))
    texts = [b.text for b in blocks]
    for line in ("关于进一步加强城市道路养护工作的意见", "2021年3月15日", "一、强化组织领导,做到责任落实到位",
                 "市政管理部门要切实承担起牵头责任。", "二、加强资金保障", "张明华"):
        assert line in texts


def test_heading_hint_is_carried_and_never_joined():
    lines = [Line("加快发展现代服务业", 1, "heading"),
             Line("服务业增加值占全市生产总值的比重持续提高，新兴业态不断涌现，带动就业能力明显增强。", 2),
             Line("深入推进", 3, "title")]
    blocks = make_blocks(lines)
    assert [(b.text[:4], b.hint) for b in blocks] == [("加快发展", "heading"), ("服务业增", None),
                                                      ("深入推进", "title")]


def test_prose_without_end_is_not_glued_to_a_numbered_line():
    lines = [Line("各地要抓紧制定实施方案，明确目标任务和时间节点，加强督促检查，主要措施如下", 1),
             Line("1.加强组织领导。成立工作专班，统筹推进各项工作。", 2)]
    assert len(make_blocks(lines)) == 2


def test_salutation_line_is_not_a_continuation():
    assert not continues_sentence("今年以来，全市上下共同努力，各项工作取得新进展，成绩来之不易", "同志们！")
    assert continues_sentence("今年以来，全市上下共同努力。各项工作取得新进", "展，成绩来之不易。")


# --- One physical line ---------------------------------------------------------------------


def test_one_line_document_is_split_at_full_width_spaces():
    lines = fixture_lines("oneline.txt")
    blocks = make_blocks(lines)
    body = [b for b in blocks if b.start == 3]
    assert [b.text[:6] for b in body] == ["各省、自治区", "社区便民服务", "一、总体要求", "（一）指导思",
                                          "（二）主要目", "二、重点任务", "（三）完善服", "国\u3000 务\u3000 ",
                                          "二〇三〇年四"]
    assert all(b.end == 3 for b in body)
    assert_nothing_lost(lines, blocks)


def test_letter_spaced_signature_stays_one_block():
    blocks = make_blocks(fixture_lines("oneline.txt"))
    assert "国\u3000 务\u3000 院" in [b.text for b in blocks]


def test_double_spaces_inside_a_title_do_not_split_it():
    long_title = "【 标  题 】加强基层  改进作风  建设人民满意的服务型政府并且不断开创乡镇工作新局面的若干问题研究"
    assert [b.text for b in make_blocks([Line(long_title, 1)])] == [long_title]


# --- Every input --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_fixture_blocks_lose_nothing(name):
    lines = fixture_lines(name)
    assert_nothing_lost(lines, make_blocks(lines))


def shared_files() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted((SHARED / "corpus" / "raw").glob("*.txt")) + sorted((SHARED / "seed").glob("*.txt"))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
@pytest.mark.parametrize("path", shared_files(), ids=lambda p: p.stem)
def test_shared_blocks_lose_nothing_and_wrapping_is_detected(path):
    lines = raw_lines(path)
    assert_nothing_lost(lines, make_blocks(lines))
    if path.parent.name == "raw":
        assert (wrap_width(lines) is not None) == (path.stem in WRAPPED_CORPUS)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_seed_page_breaks_are_joined():
    lines = raw_lines(SHARED / "seed" / "000_357c0cc2c1f0b069.txt")
    joined = [(b.start, b.end) for b in make_blocks(lines) if b.end != b.start]
    assert joined == [(101, 103), (107, 109), (115, 117), (129, 131)]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_corpus_stray_subscript_line_is_joined():
    blocks = make_blocks(raw_lines(SHARED / "corpus" / "raw" / "008.txt"))
    assert not any(b.text == "2.5" for b in blocks)
    assert sum("PM2.5" in b.text for b in blocks) >= 2


# --- Any input ---------------------------------------------------------------------------

_ALPHABET = "一二三、（）1.。，：；！同志们年月日谢大家PM2.5\u3000 \u00a0#>"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=90), max_size=12))
def test_any_lines_lose_nothing(texts):
    lines = [Line(t, no) for no, t in enumerate(texts, 1)]
    assert_nothing_lost(lines, make_blocks(lines))


def test_a_line_that_stops_inside_a_quotation_goes_on() -> None:
    lines = [Line("7.“双向对接”：企业找技术、成果找市场“双向", 1), Line("对接", 2), Line("”的简称。", 3),
             Line("8.下一条。", 4)]
    joined = "7.“双向对接”：企业找技术、成果找市场“双向对接”的简称。"
    assert [b.text for b in make_blocks(lines)] == [joined, "8.下一条。"]


# --- Long paragraphs: joined once, counted piece by piece ------------------------------------

_PIECE = st.text(alphabet="一二三、。，,：；“”1.PM啊工作 \u3000#", min_size=1, max_size=30).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECE, min_size=1, max_size=8), _PIECE, st.booleans())
def test_a_paragraph_read_piece_by_piece_answers_as_its_whole_text(parts, following, after_fragment):
    """The running counts of a paragraph being assembled (and its marker check on a buffer)
    say what the functions say of the joined text."""
    segments = [(part, no, None, False) for no, part in enumerate(parts, 1)]
    paragraph = _Paragraph(parts[0], segments, 1)
    for part in parts[1:]:
        paragraph.append(part)
    whole = "".join(parts)
    assert paragraph.text == whole
    assert paragraph.is_prose() == is_prose(whole)
    assert paragraph.starts_with_marker() == starts_with_marker(whole)
    assert _continues(paragraph, following, after_fragment) == continues_sentence(
        whole, following, after_fragment=after_fragment)


def test_prose_rules_on_single_texts():
    assert is_prose("今年以来，全市上下共同努力。各项工作取得新进展")  # a sentence end inside
    assert not is_prose("一、统一思想，提高认识，切实增强做好工作的责任感和使命感")  # numbered: a heading
    assert is_prose("全市上下共同努力，各项工作取得新进展，成绩来之不易，经济社会发展的质量和效益不断提升")  # clauses
    assert not is_prose("关于进一步加强城市道路养护工作的意见")
    assert has_inner_sentence_end("甲。乙") and not has_inner_sentence_end("甲乙。")


def test_a_line_without_blanks_is_one_segment():
    line = "各地要抓紧制定实施方案" * 8
    assert _segments(line) == [line]
    spaced = "各地要抓紧制定实施方案，明确目标任务。  一、总体要求和主要目标，明确时间节点和具体措施安排"
    assert _segments(spaced) == ["各地要抓紧制定实施方案，明确目标任务。",
                                 "一、总体要求和主要目标，明确时间节点和具体措施安排"]


def _wrap_width_by_list(widths: list[int]) -> int | None:
    """The width rule read line by line (what ``_wrap_width`` reads from counts)."""
    wide = [w for w in widths if w >= 40]
    if not wide:
        return None
    counts = Counter(wide)
    top = max(counts.values())
    width = max(w for w, c in counts.items() if c == top)
    band = sum(1 for w in widths if width - 2 <= w <= width + 1)
    over = sum(1 for w in widths if w > width + 2)
    if band < 5 or band < 0.15 * len(widths) or over > max(1, 0.02 * len(widths)):
        return None
    return width


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 130), st.sampled_from([76, 78, 79, 80])), max_size=60))
def test_wrap_width_from_counts_is_the_line_by_line_rule(widths):
    assert _wrap_width(widths) == _wrap_width_by_list(widths)


def test_a_long_wrapped_paragraph_is_one_block():
    lines = [Line("　　" + "社区文化服务工作" * 5, 1)] + [Line("社区文化服务工作" * 5, n) for n in range(2, 400)]
    blocks = make_blocks(lines)
    assert len(blocks) == 1
    assert (blocks[0].start, blocks[0].end) == (1, 399)
    assert blocks[0].text == "".join(line.text.strip() for line in lines)
