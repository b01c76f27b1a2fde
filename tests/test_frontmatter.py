"""Front and back matter: title, subtitle/occasion, date, speaker, salute, closer, trailer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei.blocks import make_blocks
from speech2tei.decode import decode_bytes, split_lines
from speech2tei.frontmatter import Front, extract_front, find_date, is_date_line, occasion_of, speaker_of
from speech2tei.model import Block, Line
from speech2tei.split import split_documents

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def chars(texts: list[str]) -> Counter[str]:
    """The multiset of non-whitespace characters: what "nothing lost" compares."""
    return Counter(ch for text in texts for ch in text if not ch.isspace())


def assert_nothing_lost(blocks: list[Block], front: Front) -> None:
    out = [i.text for i in front.front] + [b.text for b in front.body] + [i.text for i in front.back]
    assert chars([b.text for b in blocks]) == chars(out)


def front_of(name: str, hints: dict[int, str] | None = None) -> Front:
    text = (FIXTURES / name).read_text("utf-8")
    lines = [Line(t, no, (hints or {}).get(no)) for no, t in enumerate(text.split("\n"), 1)]  # type: ignore[arg-type]
    blocks = make_blocks(lines)
    front = extract_front(blocks)
    assert_nothing_lost(blocks, front)
    return front


def blocks_of(*texts: str) -> list[Block]:
    return [Block(t, no, no) for no, t in enumerate(texts, 1)]


def kinds(front: Front) -> list[tuple[str, str]]:
    return [(item.kind, item.text) for item in front.front]


# --- A speech's front and back ------------------------------------------------------------


def test_speech_front_items_and_metadata():
    front = front_of("speech.txt")
    assert kinds(front) == [("title", "依法行政 建设人民满意政府"),
                            ("subtitle", "——在全市政府系统廉政工作会议上的讲话"),
                            ("date", "（2023年2月10日）"), ("byline", "市长 王立新"), ("salute", "同志们：")]
    meta = front.meta
    assert meta.title == "依法行政 建设人民满意政府"
    assert meta.occasion == "全市政府系统廉政工作会议"
    assert (meta.date, meta.date_iso) == ("2023年2月10日", "2023-02-10")
    assert (meta.speaker_role, meta.speaker) == ("市长", "王立新")
    assert meta.salutation == "同志们"


def test_closing_words_are_cut_off_the_last_paragraph():
    front = front_of("speech.txt")
    assert [(i.kind, i.text, i.lines) for i in front.back] == [("closer", "谢谢大家！", (18, 18))]
    assert front.body[-1].text.endswith("作出新的贡献。")


def test_numbered_blocks_are_body_never_title():
    front = extract_front(blocks_of("一、总体要求", "坚持稳中求进。"))
    assert front.meta.title is None and front.front == []
    assert [b.text for b in front.body] == ["一、总体要求", "坚持稳中求进。"]
    front = extract_front(blocks_of("（一）加强领导", "各地要高度重视。"))
    assert front.meta.title is None


def test_document_starting_with_salutation_has_no_title():
    front = extract_front(blocks_of("同志们：", "现在，我代表委员会向大会作报告。"))
    assert front.meta.title is None
    assert kinds(front) == [("salute", "同志们：")]


def test_salutation_opening_the_first_paragraph_is_split_off():
    front = extract_front(blocks_of("加强基层建设", "同志们:今天召开这次会议，主要是部署基层建设工作。"))
    assert kinds(front) == [("title", "加强基层建设"), ("salute", "同志们:")]
    assert front.body[0].text == "今天召开这次会议，主要是部署基层建设工作。"
    assert (front.body[0].start, front.body[0].end) == (2, 2)


def test_salutation_as_its_own_line_after_the_title():
    front = front_of("twolinetitle.txt")
    assert front.meta.salutation == "同志们"
    assert front.body[0].text.startswith("现在，我代表")


def test_two_line_title_is_joined():
    front = front_of("twolinetitle.txt")
    assert front.meta.title == "为建设现代化新城区而不懈奋斗"
    assert front.front[0].lines == (1, 3)
    assert front.meta.speaker == "李志强"
    assert front.meta.date_iso == "2029-11-03"
    assert front.meta.occasion == "中共青山区第三次代表大会"


def test_title_subtitle_and_speaker_run_together_on_one_line():
    front = front_of("runtogether.txt")
    assert kinds(front) == [("title", "政府工作报告"),
                            ("subtitle", "——2031年1月20日在滨江市第九届人民代表大会第三次会议上"),
                            ("byline", "市长 刘清源"), ("salute", "各位代表：")]
    assert all(item.lines == (1, 1) for item in front.front[:3])
    meta = front.meta
    assert (meta.date_iso, meta.occasion) == ("2031-01-20", "滨江市第九届人民代表大会第三次会议")
    assert (meta.speaker_role, meta.speaker) == ("市长", "刘清源")


def test_letter_spaced_title_is_normalised_in_metadata_only():
    front = front_of("letterspaced.txt")
    assert front.front[0].text == "政 府 工 作 报 告"
    assert front.meta.title == "政府工作报告"
    assert front.meta.speaker == "赵一鸣"
    assert front.meta.speaker_role == "青山区人民政府区长"
    assert front.meta.date_iso == "2031-02-28"
    assert front.body[0].text.startswith("现在，我代表区政府")


def test_subtitle_broken_over_two_lines_is_joined():
    front = extract_front(blocks_of("政府工作报告", "——2031年1月20日在滨江市第九届", "人民代表大会第三次会议上",
                                    "市长 刘清源", "各位代表："))
    subtitle = front.front[1]
    assert (subtitle.kind, subtitle.text, subtitle.lines) == (
        "subtitle", "——2031年1月20日在滨江市第九届人民代表大会第三次会议上", (2, 3))
    assert front.meta.occasion == "滨江市第九届人民代表大会第三次会议"


def test_markdown_title_and_gongwen_front():
    front = front_of("notice.txt", hints={1: "title"})
    assert kinds(front) == [("title", "# 关于做好2030年汛期安全工作的通知"), ("note", "滨政办发〔2030〕12号"),
                            ("salute", "各区人民政府，市政府各委、办、局：")]
    assert front.meta.title == "关于做好2030年汛期安全工作的通知"
    assert front.body[0].text.startswith("为切实做好")


def test_signature_and_date_closing_an_official_document():
    front = front_of("notice.txt")
    assert [(i.kind, i.text, i.lines) for i in front.back] == [("byline", "滨江市人民政府办公厅", (17, 17)),
                                                               ("date", "2030年5月6日", (19, 19))]
    assert front.meta.date_iso == "2030-05-06"
    assert front.body[-1].text.startswith("要逐级落实防汛责任制")


def test_letter_spaced_signature_on_the_one_line_document():
    front = front_of("oneline.txt")
    assert [i.kind for i in front.back] == ["byline", "date"]
    assert front.meta.date_iso == "2030-04-02"
    assert [i.kind for i in front.front] == ["title", "note", "salute"]
    assert front.meta.title == "国务院关于推进社区便民服务体系建设的意见"


def test_heading_hint_after_the_title_is_body():
    lines = [Line("在文艺座谈会上的讲话", 1, "title"), Line("（一九四二年五月）", 2), Line("引言", 3, "heading"),
             Line("同志们！今天请大家来，是要交换意见。", 4)]
    front = extract_front(make_blocks(lines))
    assert front.meta.title == "在文艺座谈会上的讲话"
    assert front.meta.occasion == "文艺座谈会"
    assert (front.meta.date, front.meta.date_iso) == ("一九四二年五月", None)
    assert front.body[0].text == "引言"


def test_trailer_gives_speaker_role_date_and_occasion():
    blocks = blocks_of("深化改革 扩大开放", "一、统一思想。", "要把思想统一到会议精神上来。",
                       "?本文为市长##10月18日在全市春季农业生产调度电视电话会上的讲话?")
    front = extract_front(blocks)
    assert [(i.kind, i.text) for i in front.back] == [("trailer", blocks[-1].text)]
    meta = front.meta
    assert (meta.speaker_role, meta.speaker) == ("市长", None)
    assert (meta.date, meta.date_iso) == ("10月18日", None)
    assert meta.occasion == "全市春季农业生产调度电视电话会"


def test_trailer_without_page_junk():
    front = extract_front(blocks_of("加快发展", "要抓好落实。", "本文为县长3月8日在全县春季农业生产工作会上的讲话"))
    assert front.back[0].kind == "trailer"
    assert (front.meta.speaker_role, front.meta.occasion) == ("县长", "全县春季农业生产工作会")


def test_catalogue_header_of_a_wrapped_reprint():
    front = front_of("wrapped.txt")
    meta = front.meta
    assert meta.title == "扎实推进社区文化服务  不断丰富群众精神生活"
    assert meta.occasion == "全市社区文化工作座谈会"
    assert meta.date_iso == "2019-06-12"
    assert meta.speaker == "周明远"
    assert [i.kind for i in front.front] == ["note", "note", "byline", "title", "subtitle", "note", "date", "salute"]
    assert [(i.kind, i.text) for i in front.back] == [("trailer", "（本报发表时有删节）")]


def test_body_is_not_taken_for_front_matter():
    front = front_of("pagebreak.txt")
    assert kinds(front) == [("title", "关于进一步加强城市道路养护工作的意见"), ("date", "2021年3月15日")]
    assert front.body[0].text.startswith("（一）加强日常巡查")
    assert front.body[-1].text == "张明华"


# --- Helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "written", "iso"), [
    ("（2023年2月10日）", "2023年2月10日", "2023-02-10"),
    ("（１９９７年５月２７日）", "１９９７年５月２７日", "1997-05-27"),
    ("二〇一一年十月十七日", "二〇一一年十月十七日", "2011-10-17"),
    ("（一九五五年十月十一日）", "一九五五年十月十一日", "1955-10-11"),
    ("10月18日在全市会上", "10月18日", None),
    ("（一九四二年五月）", "一九四二年五月", None),
    ("时间：2026-02-02", "2026-02-02", "2026-02-02"),
])
def test_dates_are_kept_as_written_and_iso_only_when_complete(text, written, iso):
    fact = find_date(text)
    assert fact is not None and (fact.text, fact.iso) == (written, iso)


def test_date_lines():
    for line in ("（2023年2月10日）", "2023年2月10日", "（1996年4月16日于北京）", "（刘忠德  １９９６年８月１８日）",
                 "2026年02月10日 07时41分", "（一九四二年五月）"):
        assert is_date_line(line), line
    for line in ("2021年工作回顾", "3月5日，会议在北京开幕。", "一、2025年工作回顾"):
        assert not is_date_line(line), line


def test_speaker_lines():
    assert speaker_of("市长 张三") == ("市长", "张三")
    assert speaker_of("广东省省长 孟凡利") == ("广东省省长", "孟凡利")
    assert speaker_of("路明副部长") == ("副部长", "路明")
    assert speaker_of("市长") == ("市长", None)
    assert speaker_of("全市人民代表大会常务委员会公告") is None
    assert speaker_of("政府工作报告") is None


def test_occasions():
    assert occasion_of("——在全市招商引资工作会议上的讲话") == "全市招商引资工作会议"
    assert occasion_of("（2026年1月27日在贵州省第十四届人民代表大会第四次会议上）") == (
        "贵州省第十四届人民代表大会第四次会议")
    assert occasion_of("这是作者在1996年4月29日全国排球竞赛工作会议结束时的讲话摘要") == "全国排球竞赛工作会议"
    assert occasion_of("在县级以上党政领导班子中开展教育") is None


# --- Shared files ---------------------------------------------------------------------------


def shared_fronts(path: Path) -> list[Front]:
    text = decode_bytes(path.read_bytes()).text
    lines = [Line(t, no) for no, t in enumerate(split_lines(text), 1)]
    fronts = []
    for doc in split_documents(lines).documents:
        blocks = make_blocks(doc)
        front = extract_front(blocks)
        assert_nothing_lost(blocks, front)
        fronts.append(front)
    return fronts


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_seed_fronts():
    fronts = shared_fronts(SHARED / "seed" / "000_357c0cc2c1f0b069.txt")
    first, last = fronts[0], fronts[-1]
    assert [i.kind for i in first.front] == ["title", "salute"]
    assert first.body[0].text.startswith("今天")  # the salute is split off its paragraph
    meta = last.meta
    assert (meta.speaker_role, meta.date, meta.date_iso) == ("市长", "10月18日", None)
    assert meta.occasion and meta.occasion.endswith("会") and meta.occasion in last.back[0].text
    assert [i.kind for i in last.back] == ["trailer"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_corpus_title_date_and_speaker_on_one_line():
    (front,) = shared_fronts(SHARED / "corpus" / "raw" / "039.txt")
    assert [i.kind for i in front.front] == ["title", "subtitle", "byline", "salute"]
    assert (front.meta.title, front.meta.date_iso, front.meta.speaker) == ("政府工作报告", "2024-03-05", "李强")


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present")
def test_corpus_speech_starting_with_salutation():
    (front,) = shared_fronts(SHARED / "corpus" / "raw" / "040.txt")
    assert front.meta.title is None
    assert [i.kind for i in front.front] == ["salute"]


# --- Any input ---------------------------------------------------------------------------

_ALPHABET = "一二（）、1.。，：！？同志们各位代表谢大家本文为市长在会上的讲话年月日——# 　"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=40), max_size=10))
def test_any_blocks_lose_nothing(texts):
    blocks = blocks_of(*texts)
    assert_nothing_lost(blocks, extract_front(blocks))
