"""The shortcuts of the split stage skip only lines the full tests would reject.

``_title_block_starts`` calls ``is_subtitle`` only on lines that open with a dash or are short
and hold the ``occasion`` pattern (``_subtitle_candidates``); these tests hold that pre-test to
``is_subtitle`` itself.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei.blocks import page_rules
from speech2tei.frontmatter import is_subtitle
from speech2tei.model import Line
from speech2tei.split import (
    SUBTITLE_DASHES,
    SUBTITLE_MAX_CHARS,
    SUBTITLE_WORD,
    _subtitle_candidates,
    _title_block_starts,
    find_all,
)

SUBTITLE_ALPHABET = "在全县市经济工作会议上的讲话开幕式典礼结束时年月日（）()——-－─ 　，。；、2026一"


def test_no_other_first_character_opens_a_dash_subtitle() -> None:
    """The dash pattern of data/frontmatter.yaml matches after no other first character."""
    dash = re.compile(page_rules()["subtitle_dash"])
    tails = ["——", "--", "－－", "──", "—", "-"]
    for code in range(0x10000):
        char = chr(code)
        if char.isspace() or char in "".join(SUBTITLE_DASHES):
            continue
        assert not any(dash.match(char + tail + "在会议上的讲话") for tail in tails), hex(code)


def test_the_occasion_pattern_needs_the_word() -> None:
    assert page_rules()["occasion"].startswith(SUBTITLE_WORD)


def test_known_subtitles_pass() -> None:
    for text in ["——在全市招商引资工作会议上的讲话", "（2026年1月27日在全县经济工作会议上）",
                 "在全县经济工作会议上的讲话", "－－在开幕式上的致辞", "── 在论坛上的发言"]:
        assert is_subtitle(text)
        assert _subtitle_candidates([text.strip()]) == {0}


def test_long_subtitles_are_refused_by_is_subtitle_too() -> None:
    """The length bound: is_subtitle refuses every longer 在 line (padded with names)."""
    for size in range(20, 140):
        core = "在" + "县" * max(0, size - 12) + "经济工作会议上的讲话"
        for text in (core, f"（{core}）", f"(2026年1月27日{core})"):
            if len(text) > SUBTITLE_MAX_CHARS:
                assert not is_subtitle(text), text
                assert _subtitle_candidates([text]) == set()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=SUBTITLE_ALPHABET, min_size=1, max_size=100))
def test_pre_tests_never_skip_a_subtitle(text: str) -> None:
    stripped = text.strip()
    if stripped and is_subtitle(text):
        assert _subtitle_candidates([stripped]) == {0}


def test_candidates_are_indexes_of_the_texts() -> None:
    texts = ["正文。", "——在会议上的讲话", "在全县经济工作会议上的讲话", "在" * 100, "在家"]
    assert _subtitle_candidates(texts) == {1, 2}


def test_find_all() -> None:
    assert list(find_all("a—b—", "—")) == [1, 3]
    assert list(find_all("abc", "—")) == []


def test_title_blocks_found_with_the_pre_tests() -> None:
    body = "同志们：" + "我们要认真做好各项工作，推动经济社会持续健康发展。" * 40
    lines = [Line(text, no) for no, text in enumerate(
        ["全县经济工作", "——在全县经济工作会议上的讲话", body, "",
         "全市农业工作", "全市农业工作", body + "再接再厉。"], 1)]
    assert _title_block_starts(lines) == [0, 4]
