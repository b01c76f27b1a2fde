"""A page → documents: 篇N compilations, title-block compilations, page head and tail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pages_helpers import FIXTURES, chars, fixture_lines, raw_lines

from speech2tei.blocks import make_blocks
from speech2tei.frontmatter import Front, extract_front
from speech2tei.model import Line, Removal
from speech2tei.split import Split, split_documents

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_357c0cc2c1f0b069.txt"


def run_stages(lines: list[Line]) -> tuple[Split, list[Front]]:
    """split → blocks → front, as the pipeline runs them."""
    split = split_documents(lines)
    return split, [extract_front(make_blocks(doc)) for doc in split.documents]


def assert_nothing_lost(lines: list[Line], split: Split, fronts: list[Front]) -> None:
    """Every non-whitespace character of the input is in exactly one place: a block, a front or
    back item, the page front, or a removal with a reason and a line number."""
    out = [item.text for item in split.page_front] + [r.text for r in split.removed]
    for front in fronts:
        out += [item.text for item in front.front] + [b.text for b in front.body]
        out += [item.text for item in front.back]
    assert chars([ln.text for ln in lines]) == chars(out)
    numbers = {ln.no for ln in lines}
    assert all(r.reason and r.line in numbers for r in split.removed)


def gold_titles(name: str) -> list[str]:
    text = (SHARED / "gold" / name).read_text("utf-8")
    return [line[3:].strip() for line in text.splitlines() if line.startswith("== ")]


# --- 篇N compilations ------------------------------------------------------------------------


def test_labelled_compilation_gives_one_document_per_piece():
    lines = fixture_lines("compilation.txt")
    split, fronts = run_stages(lines)
    assert [f.meta.title for f in fronts] == ["做好春耕备耕 夯实全年农业基础", "加快水利建设 增强抗旱能力",
                                             "抓好秋冬种 打牢明年丰收基础"]
    assert_nothing_lost(lines, split, fronts)


def test_page_title_and_uploader_go_to_the_page():
    split = split_documents(fixture_lines("compilation.txt"))
    assert split.page_title == "做好春耕备耕 夯实全年农业基础"
    assert split.uploader == "青禾"
    head = [(item.kind, item.lines[0]) for item in split.page_front if item.lines[0] < 9]
    assert head == [("title", 1), ("note", 3), ("note", 5), ("title", 7)]


def test_labels_and_repeated_titles_are_removed_with_reasons():
    split = split_documents(fixture_lines("compilation.txt"))
    removed = [(r.reason, r.text, r.line) for r in split.removed]
    assert ("compilation-label", "篇1:", 9) in removed
    assert ("compilation-label", "篇3:", 35) in removed
    assert ("duplicate-title", "加快水利建设 增强抗旱能力", 23) in removed
    first_lines = [doc[0] for doc in split.documents]
    assert [(ln.text, ln.no, ln.hint) for ln in first_lines][1] == ("加快水利建设 增强抗旱能力", 21, "title")


def test_link_list_after_the_last_piece_goes_to_the_page_front():
    split = split_documents(fixture_lines("compilation.txt"))
    tail = [item.text for item in split.page_front if item.lines[0] > 49]
    assert tail == ["抓好秋冬种 打牢明年丰收基础", "新手司机上路必看的十条建议", "做好春耕备耕 夯实全年农业基础(共3篇)"]
    last = [ln.text for ln in split.documents[-1] if ln.text.strip()]
    assert last[-1].startswith("?本文为县长")


def test_uploader_is_read_from_furniture_the_cleaner_removed():
    lines = [ln for ln in fixture_lines("compilation.txt") if ln.no != 3]
    gone = [Removal("| 收藏本文 下载本文 作者:青禾", "boilerplate", 3)]
    assert split_documents(lines).uploader is None
    assert split_documents(lines, removed=gone).uploader == "青禾"


def test_labels_out_of_order_are_not_a_compilation():
    lines = [Line("篇2:第二篇的标题", 1), Line("正文内容，说明情况。", 2), Line("篇1:第一篇的标题", 3)]
    assert len(split_documents(lines).documents) == 1


def test_label_with_title_on_the_next_line():
    lines = [Line("篇1:", 1), Line("", 2), Line("推进乡村振兴", 3), Line("同志们：今天开会。", 4),
             Line("篇2:", 5), Line("加强基层治理", 6), Line("基层是社会治理的基础。", 7)]
    split, fronts = run_stages(lines)
    assert [f.meta.title for f in fronts] == ["推进乡村振兴", "加强基层治理"]
    assert_nothing_lost(lines, split, fronts)


# --- Compilations without labels ------------------------------------------------------------


def test_title_blocks_split_a_page_without_labels():
    lines = fixture_lines("titleblocks.txt")
    split, fronts = run_stages(lines)
    assert [f.meta.title for f in fronts] == ["落实责任 守牢安全生产底线", "强化监管 推动企业主体责任落实"]
    assert [f.meta.occasion for f in fronts] == ["全县安全生产工作会议", "全县企业安全生产培训会"]
    assert split.page_title == "春季安全生产专题讲话汇编"
    assert_nothing_lost(lines, split, fronts)


def test_a_page_repeated_is_not_a_compilation():
    text = (FIXTURES / "speech.txt").read_text("utf-8") * 3
    lines = [Line(t, no) for no, t in enumerate(text.split("\n"), 1)]
    assert len(split_documents(lines).documents) == 1


def test_a_dump_of_speeches_with_the_same_title_splits_by_speech():
    """A year of speeches in one file: two 经济工作会议 speeches under the same title are two
    documents, not a page repeated (their text differs)."""
    def speech(year: str, body: str) -> str:
        return (f"在全县经济工作会议上的讲话\n——{year}年1月8日在全县经济工作会议上\n\n同志们：\n\n"
                + (body * 40) + "\n\n一、稳住工业基本盘\n\n" + body * 10 + "\n")
    text = speech("2023", "去年全县地区生产总值稳步增长。") + "\n" + speech("2024", "今年要抓好项目建设。")
    lines = [Line(t, no) for no, t in enumerate(text.split("\n"), 1)]
    split, fronts = run_stages(lines)
    assert len(split.documents) == 2
    assert [f.meta.date for f in fronts] == ["2023年1月8日", "2024年1月8日"]
    assert_nothing_lost(lines, split, fronts)


def test_ordinary_documents_stay_one():
    for name in ("speech.txt", "notice.txt", "twolinetitle.txt", "wrapped.txt", "pagebreak.txt",
                 "oneline.txt", "runtogether.txt", "letterspaced.txt"):
        lines = fixture_lines(name)
        split = split_documents(lines)
        assert split.documents == [lines], name
        assert split.page_front == [] and split.removed == [] and split.page_title is None


def test_short_pieces_do_not_make_a_compilation():
    lines = [Line("第一个标题", 1), Line("——在全市会议上的讲话", 2), Line("很短。", 3),
             Line("第二个标题", 4), Line("——在全县会议上的讲话", 5), Line("也很短。", 6)]
    assert len(split_documents(lines).documents) == 1


# --- Every input ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_fixture_stages_lose_nothing(name):
    lines = fixture_lines(name)
    assert_nothing_lost(lines, *run_stages(lines))


def corpus_files() -> list[Path]:
    return sorted((SHARED / "corpus" / "raw").glob("*.txt")) if SHARED.is_dir() else []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_seed_gives_five_documents_with_the_gold_titles():
    lines = raw_lines(SEED)
    split, fronts = run_stages(lines)
    assert [f.meta.title for f in fronts] == gold_titles("seed-000.outline")
    assert split.page_title == gold_titles("seed-000.outline")[0]  # the page repeats piece 1's title
    assert split.uploader == "慢卯"
    assert_nothing_lost(lines, split, fronts)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_seed_furniture_after_the_last_piece_is_not_in_its_body():
    split, fronts = run_stages(raw_lines(SEED))
    body = "".join(b.text for b in fronts[-1].body)
    for furniture in ("新晋MBA", "(共5篇)", "推荐度", "猜你喜欢"):
        assert furniture not in body
    assert fronts[-1].back[-1].kind == "trailer"
    assert any("新晋MBA" in item.text for item in split.page_front)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_corpus_file_is_one_document_and_loses_nothing(path):
    lines = raw_lines(path)
    split, fronts = run_stages(lines)
    assert len(split.documents) == 1
    assert_nothing_lost(lines, split, fronts)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
@pytest.mark.parametrize("name", ["corpus-017.outline", "corpus-021.outline", "corpus-024.outline",
                                  "corpus-038.outline", "corpus-044.outline"])
def test_corpus_titles_match_the_gold(name):
    stem = re.sub(r"\D", "", name)
    _, fronts = run_stages(raw_lines(SHARED / "corpus" / "raw" / f"{stem}.txt"))
    assert [f.meta.title for f in fronts] == gold_titles(name)
