"""Page cleanup: layout, markup, Markdown, catalogue headers, anti-copy characters, furniture
and repeated pages — and every removed character ledgered with its line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from speech2tei.clean import Cleaned, clean_lines
from speech2tei.decode import decode_bytes, split_lines
from speech2tei.readers import read_input

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def chars(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


def assert_ledger_holds(raw: list[str], cleaned: Cleaned) -> None:
    """Every non-whitespace character of the input is kept or removed, and nothing is new."""
    kept = chars("".join(line.text for line in cleaned.lines))
    removed = chars("".join(r.text for r in cleaned.removed))
    assert kept + removed == chars("".join(raw))


def clean(raw: list[str]) -> Cleaned:
    """Clean, check the line numbering and the ledger, return the result."""
    cleaned = clean_lines(raw)
    assert [line.no for line in cleaned.lines] == list(range(1, len(raw) + 1))
    assert_ledger_holds(raw, cleaned)
    return cleaned


def texts(cleaned: Cleaned) -> list[str]:
    return [line.text for line in cleaned.lines]


def removed(cleaned: Cleaned, reason: str) -> list[tuple[int, str]]:
    return [(r.line, r.text) for r in cleaned.removed if r.reason == reason]


def fixture_lines(name: str) -> list[str]:
    return split_lines(decode_bytes((FIXTURES / name).read_bytes(), name=name).text)


# --- numbering and hints -----------------------------------------------------------------


def test_lines_keep_their_numbers_and_incoming_hints() -> None:
    cleaned = clean_lines(["甲", "乙", "丙"], first_line=10, hints={1: "heading"})
    assert [(line.no, line.hint) for line in cleaned.lines] == [(10, None), (11, "heading"),
                                                               (12, None)]


def test_a_removed_line_stays_as_an_empty_numbered_line() -> None:
    cleaned = clean(["正文第一段。", "【字体：大 中 小】", "正文第二段。"])
    assert texts(cleaned) == ["正文第一段。", "", "正文第二段。"]
    assert removed(cleaned, "boilerplate") == [(2, "【字体：大 中 小】")]


# --- 1. layout ---------------------------------------------------------------------------


def test_literal_escapes_of_spaces_become_spaces_and_are_ledgered() -> None:
    cleaned = clean(["<U+00A0><U+00A0>各位代表：<U+200D>", "字<U+3000>间", "保留<U+4E00>这个"])
    assert texts(cleaned) == ["  各位代表： ", "字 间", "保留<U+4E00>这个"]
    assert removed(cleaned, "layout") == [(1, "<U+00A0>"), (1, "<U+00A0>"), (1, "<U+200D>"),
                                          (2, "<U+3000>")]


def test_zero_width_characters_out_nbsp_to_space_fullwidth_space_kept() -> None:
    cleaned = clean(["各位\u200b代表\ufeff：", "国\xa0务\xa0院", "\u3000\u3000段落"])
    assert texts(cleaned) == ["各位代表：", "国 务 院", "\u3000\u3000段落"]
    assert removed(cleaned, "layout") == [(1, "\u200b"), (1, "\ufeff")]


# --- 2. markup ---------------------------------------------------------------------------


def test_html_comments_across_lines() -> None:
    raw = ["正文前", "<!--", "  var a = 1;", "-->", "正文<!-- 行内注释 -->后"]
    cleaned = clean(raw)
    assert texts(cleaned) == ["正文前", "", "", "", "正文后"]
    assert [t for _, t in removed(cleaned, "markup")] == ["<!--", "var a = 1;", "-->",
                                                          "<!-- 行内注释 -->"]


def test_unclosed_comment_opener_is_left_alone() -> None:
    raw = ["说明：<!-- 不是注释", *["正文。"] * 60]
    cleaned = clean(raw)
    assert cleaned.lines[0].text == "说明：<!-- 不是注释"


def test_leftover_tags_and_spacing_entities() -> None:
    cleaned = clean(['<p style="x">第一段</p>&nbsp;<br>', "按照《关于印发<2021年方案>的函》办理",
                     "若a<b且c>d"])
    assert texts(cleaned) == ["第一段 ", "按照《关于印发<2021年方案>的函》办理", "若a<b且c>d"]
    assert sorted(t for _, t in removed(cleaned, "markup")) == sorted(
        ['<p style="x">', "</p>", "&nbsp;", "<br>"])


# --- 3. Markdown -------------------------------------------------------------------------


def test_markdown_wrapper() -> None:
    raw = fixture_lines("notice.md")
    cleaned = clean(raw)
    by_no = {line.no: line for line in cleaned.lines}
    assert all(not by_no[n].text for n in range(1, 6))  # front matter
    assert by_no[7].text == "本说明由整理者添加，正文以官方发布版本为准。"
    assert (by_no[9].text.strip(), by_no[9].hint) == ("关于做好冬季供暖保障工作的通知", "title")
    assert (by_no[14].text.strip(), by_no[14].hint) == ("一、压实供暖责任", "heading")
    assert (by_no[18].text.strip(), by_no[18].hint) == ("二", "heading")
    assert by_no[11].text.rstrip() == "各街道办事处，区政府各部门："
    assert by_no[22].text == ""  # ---- rule
    assert by_no[16].hint is None
    markup = [t for _, t in removed(cleaned, "markup")]
    assert "文号: 某府办发〔2023〕12号" in markup
    assert {"#", "##", ">", "----------------"} <= set(markup)


def test_gt_and_hash_outside_markdown_are_text() -> None:
    raw = ["当前形势>>总体向好", "> 这一行不是引文", "C#语言课程"]
    assert texts(clean(raw)) == raw


# --- 4. catalogue headers ----------------------------------------------------------------


def test_catalogue_header() -> None:
    raw = fixture_lines("catalogue.txt")
    cleaned = clean(raw)
    kept = [(line.text.strip(), line.hint) for line in cleaned.lines if line.text.strip()]
    assert kept[0] == ("在全省农田水利建设工作会议上的讲话", "title")
    assert kept[1] == ("——张某某副省长", None)
    assert kept[2] == ("同志们：", None)
    assert all("1-1234" not in line.text for line in cleaned.lines)
    assert (8, "张某某") in removed(cleaned, "catalogue")
    assert (1, "【 文献号 】") in removed(cleaned, "markup")
    assert (12, "【 正  文 】") in removed(cleaned, "markup")


def test_a_single_bracket_label_is_not_a_catalogue() -> None:
    raw = ["【 标  题 】只有一行", "正文。"]
    assert texts(clean(raw)) == raw


# --- 5. anti-copy characters -------------------------------------------------------------


def test_anti_copy_characters_inside_words() -> None:
    raw = ["发挥群众的`主体作用", "引进附加值高的.大项目", "工作~扎实^推进|有力#开展",
           "?本文为市长##3月8日在全市大会上的讲话?"]
    cleaned = clean(raw)
    assert texts(cleaned) == ["发挥群众的主体作用", "引进附加值高的大项目", "工作扎实推进有力开展",
                              "本文为市长3月8日在全市大会上的讲话"]
    assert sorted(removed(cleaned, "anti-copy")) == sorted(
        [(1, "`"), (2, "."), (3, "~"), (3, "^"), (3, "|"), (3, "#"), (4, "?"), (4, "##"), (4, "?")])


def test_real_punctuation_and_numbers_are_not_anti_copy() -> None:
    raw = ["提供的是什么服务?服务到了什么程度?", "一.总则", "增长1.5倍,PM2.5下降", "甲。乙，丙、丁",
           "version 1.2.3", "为什么?", "第三.大项"]
    cleaned = clean(raw)
    assert texts(cleaned) == raw
    assert not cleaned.removed


# --- 6. furniture ------------------------------------------------------------------------


def test_furniture_page() -> None:
    raw = fixture_lines("furniture_page.txt")
    cleaned = clean(raw)
    kept = [line.text for line in cleaned.lines if line.text.strip()]
    assert kept[0] == "在全区营商环境优化工作推进会上的讲话"
    assert kept[1] == "同志们："
    assert kept[-1] == "同志们，优化营商环境没有休止符。我们要真抓实干，推动各项任务落地见效！"
    joined = "\n".join(kept)
    for junk in ("下载\n", "全屏", "【字号", "加大", "当前位置", "【字体", "责任编辑", "相关文章",
                 "经济形势分析会", "打印本页", "关闭窗口"):
        assert junk not in joined
    assert "企业可以在网上下载申报材料" in joined  # a body sentence that mentions 下载 stays
    boilerplate = removed(cleaned, "boilerplate")
    assert (1, "下载") in boilerplate and (9, "】") in boilerplate
    assert (31, "）") in boilerplate  # the closing bracket of （责任编辑：
    assert (41, "在全区营商环境优化工作推进会上的讲话") in boilerplate  # teaser after 关闭窗口
    assert removed(cleaned, "anti-copy") == [(22, "`"), (26, ".")]


def test_lone_button_word_in_a_body_stays() -> None:
    raw = ["正文第一段。", "", "下载", "", "正文第二段。"]
    assert texts(clean(raw)) == raw


def test_buttons_run_is_removed() -> None:
    cleaned = clean(["下载", "打印", "政府工作报告"])
    assert texts(cleaned) == ["", "", "政府工作报告"]


@pytest.mark.parametrize("line", ["| 收藏本文 下载本文 作者:某某", "以下是小编整理的某某讲话(共3篇)，欢迎阅读。",
                                  "推荐度: 推荐 推荐 推荐", "点击下载文档", "相关文章", "热门推荐",
                                  "猜你喜欢", "当前位置：首页 > 讲话", "【字体：大 中 小】", "打印本页",
                                  "关闭窗口", "责任编辑：李某", "分享到：微信 微博", "HOT", "NEW",
                                  "欢迎下载DOC格式的某某讲话，但愿对您有帮助！", "【E-mail推荐"])
def test_furniture_lines(line: str) -> None:
    cleaned = clean(["正文。", line])
    assert cleaned.lines[1].text == ""
    assert removed(cleaned, "boilerplate")[0][0] == 2


@pytest.mark.parametrize("line", ["各地要认真做好文件下载和收藏工作。", "作者：某某在会上介绍了三个方面的经验。",
                                  "当前位置不利，我们要迎难而上。", "打印机等办公设备要集中采购。",
                                  "关闭窗口期要缩短。"])
def test_body_sentences_that_mention_furniture_words_stay(line: str) -> None:
    assert texts(clean([line])) == [line]


def test_editor_name_on_next_line_goes_with_it() -> None:
    cleaned = clean(["正文结束。", "责任编辑：", "李某某", "相关附件>>"])
    assert texts(cleaned) == ["正文结束。", "", "", ""]


def test_link_list_under_a_related_header() -> None:
    raw = ["正文结束。", "相关链接", "·", "某市召开工作会议", "·", "解读：某项政策的三个亮点",
           "（责任编辑： 某某", " ）", "这是一个很长的正文段落，不是链接标题，它以句号结束，应当保留下来。"]
    cleaned = clean(raw)
    assert texts(cleaned) == ["正文结束。", "", "", "", "", "", "", "", raw[-1]]


def test_tail_links_before_the_end_furniture_but_not_signature_and_date() -> None:
    raw = ["各单位要认真贯彻落实。", "某市人民政府", "2023年5月6日", "", "另一篇文章的标题",
           "", "欢迎下载DOC格式的某某通知，但愿能给您带来参考作用！", "相关文章", "热门推荐", "猜你喜欢"]
    cleaned = clean(raw)
    assert texts(cleaned)[:3] == raw[:3]
    assert texts(cleaned)[4] == ""
    assert (5, "另一篇文章的标题") in removed(cleaned, "boilerplate")


# --- 7. repeated pages -------------------------------------------------------------------


def page_body(n: int) -> list[str]:
    lines = ["某县2022年政府工作报告", "各位代表："]
    for i in range(n):
        lines.append(f"第{i + 1}段，过去一年全县经济运行稳中有进，各项事业取得新进展，编号{i}。")
    return lines


def test_page_repeated_four_times_is_kept_once() -> None:
    page = ["当前位置：首页>>政务公开", "", *page_body(24), "", "（责任编辑： 某某", " ）", ""]
    raw = page * 4
    cleaned = clean(raw)
    kept = [line.text for line in cleaned.lines if line.text.strip()]
    assert kept == page_body(24)
    dups = removed(cleaned, "duplicate-page")
    assert len(dups) == 3 * 26
    assert dups[0] == (len(page) + 3, "某县2022年政府工作报告")


def test_copies_differing_in_furniture_still_count_as_copies() -> None:
    body = page_body(22)
    raw = ["【字体：大 中 小】", *body, "打印本页", "关闭窗口", *body, "HOT", *body]
    cleaned = clean(raw)
    assert [line.text for line in cleaned.lines if line.text.strip()] == body


def test_two_pieces_sharing_a_title_and_a_paragraph_are_both_kept() -> None:
    shared = ["深化改革 推动发展", "一、统一思想", "今年以来，全市上下认真落实各项部署，" * 6]
    piece_a = ["篇4:深化改革 推动发展", *shared, "（一）要深化认识。这是第四篇独有的一段。"]
    piece_b = ["篇5:深化改革 推动发展", *shared, "（一）要深化认识。项目是发展的核心。", "第二段也不同。"]
    raw = [*piece_a, *piece_b]
    cleaned = clean(raw)
    assert texts(cleaned) == raw
    assert not removed(cleaned, "duplicate-page")


def test_one_long_repeated_paragraph_is_a_copy() -> None:
    long_para = "这是一个非常长的段落，整篇正文被抓取成一行。" * 100
    cleaned = clean(["通知", long_para, "通知", long_para])
    assert texts(cleaned) == ["通知", long_para, "", ""]


# --- the corpus --------------------------------------------------------------------------

FURNITURE = ("收藏本文", "【字体", "【字号", "当前位置", "E-mail推荐", "打印本页", "关闭窗口",
             "以下是小编整理", "猜你喜欢", "热门推荐", "扫一扫在手机打开", "点击下载")


def corpus_files() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return [*sorted((SHARED / "corpus" / "raw").glob("*.txt")), *sorted((SHARED / "seed").glob("*.txt"))]


@pytest.mark.parametrize("path", corpus_files() or [None], ids=lambda p: p.name if p else "absent")
def test_corpus_file_reads_and_cleans(path: Path | None) -> None:
    if path is None:
        pytest.skip("../shared is absent")
    raw = read_input(path.read_bytes(), path.name)
    cleaned = clean_lines(raw.lines, hints=raw.hints)
    kept = [line.text for line in cleaned.lines if line.text.strip()]
    assert kept, path.name
    assert chars(raw.ledger_text) == chars("".join(kept)) + chars(
        "".join(r.text for r in [*raw.removed, *cleaned.removed]))
    source = raw.ledger_text
    joined = "\n".join(kept)
    removed_text = "\n".join(r.text for r in cleaned.removed if r.reason == "boilerplate")
    for junk in FURNITURE:
        assert junk not in joined, (path.name, junk)
        if junk in source:
            assert junk in removed_text, (path.name, junk)
    assert "<U+00A0>" not in joined and "<!--" not in joined


def test_seed_cleanup() -> None:
    seeds = sorted((SHARED / "seed").glob("*.txt")) if SHARED.is_dir() else []
    if not seeds:
        pytest.skip("../shared is absent")
    raw = read_input(seeds[0].read_bytes(), seeds[0].name)
    cleaned = clean_lines(raw.lines)
    anti = [t for _, t in removed(cleaned, "anti-copy")]
    assert anti.count("`") == 2 and anti.count(".") == 2 and "##" in anti
    joined = "\n".join(line.text for line in cleaned.lines)
    assert "`" not in joined and "##" not in joined
    assert not removed(cleaned, "duplicate-page")  # 篇4 and 篇5 both stay
    assert sum(line.text.startswith("篇") for line in cleaned.lines) == 5


def test_gbk_corpus_page_repeated_six_times_is_kept_once() -> None:
    path = SHARED / "corpus" / "raw" / "003.txt"
    if not path.exists():
        pytest.skip("../shared is absent")
    raw = read_input(path.read_bytes(), path.name)
    cleaned = clean_lines(raw.lines)
    kept = [line.text.strip() for line in cleaned.lines if line.text.strip()]
    assert kept.count("新华社北京2006年3月15日电") == 1
    assert kept.count(max(kept, key=len)) == 1
    assert len(removed(cleaned, "duplicate-page")) > 5 * 20
