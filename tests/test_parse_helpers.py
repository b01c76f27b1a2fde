"""Helpers that the parse stages use in their hot loops give the answers of the slower
spellings they replace."""

from __future__ import annotations

import re
from dataclasses import fields

from speech2tei.blocks import display_width, make_blocks
from speech2tei.frontmatter import _copy_meta
from speech2tei.grammar import default_grammar
from speech2tei.markers import _BLANK_TAIL, _blank_tail, _phrase_near, _position, find_candidates
from speech2tei.model import Block, Line, Metadata
from speech2tei.tree import find_head


def test_blank_tail_agrees_with_the_regex() -> None:
    for text in ["一、", "一、 ", "一、\u3000\t", "一、甲", "一、 甲", "一、\n", ""]:
        for end in range(len(text) + 1):
            assert _blank_tail(text, end, len(text)) == (_BLANK_TAIL.match(text, end) is not None), (text, end)


def test_phrase_near_searches_the_same_window_as_a_copy() -> None:
    phrases = re.compile("是一|是二")
    for text in ["一是一，二是二", "是一", "甲乙丙丁戊己庚辛是一", "是二甲"]:
        for end in range(len(text) + 1):
            assert _phrase_near(phrases, text, end) == (phrases.search(text[end - 2:end + 6]) is not None)


def test_copy_meta_copies_every_field_into_a_new_object() -> None:
    meta = Metadata(*(f"v{i}" for i, _ in enumerate(fields(Metadata))))
    copied = _copy_meta(meta)
    assert copied == meta
    assert copied is not meta
    copied.title = "changed"
    assert meta.title == "v0"


def test_find_head_without_a_sentence_end_runs_to_the_limit() -> None:
    assert find_head("  加强领导：", 0, 7) == ("加强领导", "：", 7)
    assert find_head("加强领导", 4, 4) == ("", "", 4)
    assert find_head("甲。乙", 0, 1) == ("甲", "", 1)


def test_candidates_stand_where_position_says() -> None:
    text = "前言。一是稳；二是进 三是好，四是快（五是多“六是少..七是新"
    cands = find_candidates([Block(text, 1, 1)], default_grammar())
    assert cands, "the sample holds markers"
    for c in cands:
        expected = "start" if c.start == 0 else _position(text, c.start)
        assert c.position in (expected, "runon", "alone")


def test_widths_decide_wrapping_as_display_width_does() -> None:
    lines = [Line("　　" + "字" * 20, n) for n in range(1, 4)]
    assert display_width(lines[0].text) == 44
    assert [b.text for b in make_blocks(lines)] == ["字" * 20] * 3


def test_a_line_that_stands_apart_is_not_joined_and_a_plain_one_is() -> None:
    from speech2tei.blocks import _shapes, _stands_apart, continues_sentence

    shapes = _shapes()
    assert _stands_apart("二、下一步工作", shapes)
    assert not _stands_apart("的发展，取得了明显成效。", shapes)
    prev = "今年以来，全市上下共同努力。各项工作取得新进"
    assert not continues_sentence(prev, "二、下一步工作")
    assert continues_sentence(prev, "展，成绩来之不易。")
