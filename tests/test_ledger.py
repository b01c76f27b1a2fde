"""The "nothing lost" check: input characters = document text + page front + removals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei.clean import clean_lines
from speech2tei.ledger import (
    PagePieces,
    assert_nothing_lost,
    check_nothing_lost,
    document_segment,
    pieces_by_line,
    spans_apart,
    visible_pair,
)
from speech2tei.model import (
    Conversion,
    Document,
    FrontItem,
    Paragraph,
    Removal,
    Section,
    SourceInfo,
)
from speech2tei.readers import read_input

INPUT = "收藏本文\n在某会议上的讲话\n同志们：\n一、总体要求\n要抓好落实的`关键。\n"


def conversion(removed: list[Removal] | None = None, body_text: str = "要抓好落实的关键。",
               page_front: list[FrontItem] | None = None) -> Conversion:
    section = Section(marker="一、", style="cn-dun", family="heading", value=1, level=1,
                      head="总体要求", lines=(4, 4), children=[Paragraph(body_text, (5, 5))])
    doc = Document(front=[FrontItem("title", "在某会议上的讲话", (2, 2)),
                          FrontItem("salute", "同志们：", (3, 3))], body=[section])
    return Conversion(source=SourceInfo("talk.txt"), documents=[doc],
                      removed=removed if removed is not None else
                      [Removal("收藏本文", "boilerplate", 1), Removal("`", "anti-copy", 5)],
                      page_front=page_front or [])


def test_invariant_holds() -> None:
    assert check_nothing_lost(INPUT, conversion()) == []
    assert_nothing_lost(INPUT, conversion())


def test_lost_characters_are_named_with_counts() -> None:
    conv = conversion(removed=[Removal("`", "anti-copy", 5)])
    assert check_nothing_lost(INPUT, conv) == ["lost 1 × '收'", "lost 1 × '藏'", "lost 1 × '本'",
                                               "lost 1 × '文'"]


def test_invented_characters_are_named() -> None:
    conv = conversion(body_text="要抓好落实的关键。xx")
    assert check_nothing_lost(INPUT, conv) == ["invented 2 × 'x'"]


def test_both_directions_at_once() -> None:
    conv = conversion(body_text="要抓好落实的的关键。")
    conv.removed = [Removal("收藏本文", "boilerplate", 1)]
    problems = check_nothing_lost(INPUT, conv)
    assert "lost 1 × '`'" in problems
    assert "invented 1 × '的'" in problems


def test_whitespace_never_counts() -> None:
    spaced = INPUT.replace("同志们：", "\u3000\u3000同志们： \t\xa0")
    assert check_nothing_lost(spaced, conversion()) == []


def test_page_front_counts() -> None:
    text = "某某讲话汇编\n" + INPUT
    assert check_nothing_lost(text, conversion()) != []
    conv = conversion(page_front=[FrontItem("title", "某某讲话汇编", (1, 1))])
    assert check_nothing_lost(text, conv) == []


def test_long_problem_lists_are_capped() -> None:
    text = "".join(chr(0x4E00 + i) for i in range(50))
    problems = check_nothing_lost(text, Conversion(source=SourceInfo("a.txt")), limit=5)
    assert len(problems) == 6
    assert problems[-1] == "lost: 45 more distinct characters not listed"


def test_assert_nothing_lost_raises_with_the_problems() -> None:
    conv = conversion(removed=[])
    with pytest.raises(AssertionError, match=r"talk\.txt: nothing-lost check failed: lost 1 × '收'"):
        assert_nothing_lost(INPUT, conv)


def test_reader_and_cleaner_output_satisfy_the_ledger() -> None:
    """A conversion built from what read_input and clean_lines return balances exactly."""
    data = ("<html><head><title>页面标题</title><script>track()</script></head><body>"
            "<p>当前位置：首页</p><p>同志们：</p><p>群众的`主体作用要发挥。</p></body></html>").encode()
    raw = read_input(data, "page.html")
    cleaned = clean_lines(raw.lines, hints=raw.hints)
    kept = [line for line in cleaned.lines if line.text.strip()]
    doc = Document(body=[Paragraph(line.text, (line.no, line.no)) for line in kept])
    conv = Conversion(source=raw.source, documents=[doc], removed=[*raw.removed, *cleaned.removed])
    assert [p.text for p in doc.body] == ["同志们：", "群众的主体作用要发挥。"]
    assert check_nothing_lost(raw.ledger_text, conv) == []
    conv.removed = cleaned.removed
    assert check_nothing_lost(raw.ledger_text, conv) != []


def test_in_order_output_is_accepted_without_counting() -> None:
    # the removal of line 1 comes first, the anti-copy character of line 5 after that line's text:
    # laid out by line the pieces spell the input except for the character removed mid-line
    conv = conversion(removed=[Removal("收藏本文", "boilerplate", 1)], body_text="要抓好落实的`关键。")
    have, out = visible_pair(INPUT, conv)
    assert have == out  # the check stops at the string comparison
    assert check_nothing_lost(INPUT, conv) == []


def test_out_of_order_output_falls_back_to_counting() -> None:
    conv = conversion()  # the anti-copy character is removed from inside line 5
    have, out = visible_pair(INPUT, conv)
    assert have != out  # so the characters are counted
    assert check_nothing_lost(INPUT, conv) == []


def test_pieces_by_line_keeps_output_order_within_a_line() -> None:
    conv = conversion()
    lines = [line for line, _ in pieces_by_line(conv)]
    assert lines == sorted(lines)
    texts = [text for _, text in pieces_by_line(conv)]
    assert texts.index("一、总体要求") < texts.index("要抓好落实的关键。")


# --- documents laid out apart (fanout): the same string as the whole model -----------------------


@st.composite
def laid_out_models(draw) -> Conversion:
    """Documents on consecutive line spans with pieces anywhere in them (several on a line, out
    of order), removed text and page text on any line, ties included; every piece a new letter,
    so any change of order shows."""
    letters = iter(chr(0x4E00 + k) for k in range(100_000))
    documents, line = [], draw(st.integers(0, 3))
    for _ in range(draw(st.integers(1, 4))):
        first, last = line, line + draw(st.integers(0, 5))
        within = st.integers(first, last)
        nodes = [Paragraph(next(letters), (n, n)) for n in draw(st.lists(within, max_size=6))]
        front = [FrontItem("title", next(letters), (n, n)) for n in draw(st.lists(within, max_size=2))]
        documents.append(Document(front=front, body=nodes, lines=(first, last)))
        line = last + draw(st.integers(1, 3))
    lines = st.integers(0, line + 2)
    removed = [Removal(next(letters), "boilerplate", n) for n in draw(st.lists(lines, max_size=8))]
    page_front = [FrontItem("note", next(letters), (n, n)) for n in draw(st.lists(lines, max_size=4))]
    return Conversion(source=SourceInfo("x.txt"), documents=documents, removed=removed, page_front=page_front)


@settings(max_examples=300, deadline=None)
@given(laid_out_models())
def test_documents_laid_out_apart_spell_what_the_whole_model_spells(conv: Conversion) -> None:
    page = PagePieces(conv)
    segments = [document_segment(doc, page) for doc in conv.documents]
    assert all(segment is not None for segment in segments) and spans_apart(segments)
    assert visible_pair("", conv, segments) == visible_pair("", conv)


def test_a_piece_outside_its_document_lines_is_not_laid_out_apart() -> None:
    conv = conversion()
    conv.documents[0].lines = (2, 4)  # the paragraph on line 5 lies outside
    assert document_segment(conv.documents[0], PagePieces(conv)) is None
    conv.documents[0].lines = (2, 5)
    assert document_segment(conv.documents[0], PagePieces(conv)) is not None


def test_documents_sharing_a_line_are_not_apart() -> None:
    assert spans_apart([((1, 4), "a"), ((5, 9), "b")])
    assert not spans_apart([((1, 5), "a"), ((5, 9), "b")])
