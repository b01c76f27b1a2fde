"""The shortcuts that make the clean stage fast must never change what it does.

Each pre-filter (the one alternation of all furniture rows, the whole-text "is this character
anywhere" tests, the per-line needles of the anti-copy rules, the window hashes that rule out
page copies) may only skip work that would have changed nothing. These tests hold every one
against the plain rule it stands in for, and the whole stage against itself with every
pre-filter switched off.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speech2tei import clean
from speech2tei.clean import (
    CJK,
    Cleaned,
    Furniture,
    Joined,
    Ledger,
    Rules,
    Work,
    any_of,
    clean_lines,
    closer_lines,
    copy_candidates,
    copy_length,
    copy_lines,
    furniture_candidates,
    furniture_row,
    is_page_copy,
    line_indices,
    lines_matching,
    load_rules,
    may_match_a_line,
    present,
    remove_button_runs,
    remove_orphan_closers,
    squash,
    squash_all,
)

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RULES = load_rules()


def work_of(texts: list[str]) -> list[Work]:
    return [Work(text, no, None, text.strip()) for no, text in enumerate(texts, 1)]


# --- the furniture alternation -----------------------------------------------------------

FURNITURE_ALPHABET = "收藏本文下载打印关闭窗口责任编辑相关文章共篇讲话（）()【】[]：:·•>》 0123456789abcdefHOTNEW中国"


def row_examples() -> st.SearchStrategy[str]:
    """Lines a furniture row fully matches (each row's own examples), stripped as the stage
    strips them, and lines that come close."""
    rows = [st.from_regex(row.pattern, fullmatch=True) for row in RULES.furniture]
    near = st.text(alphabet=FURNITURE_ALPHABET, max_size=30)
    return st.one_of(*rows, near).map(str.strip)


def first_row_by_loop(text: str, rows: list[Furniture]) -> Furniture | None:
    return next((row for row in rows if row.pattern.fullmatch(text)), None)


@pytest.mark.parametrize("index", range(len(RULES.furniture)))
def test_every_row_has_its_own_alternative(index: int) -> None:
    """The alternation telling the row holds each row as written, in order (so 'first
    match' means the same); the one picking candidates holds each row without ``needs``."""
    row = RULES.furniture[index]
    assert f"(?:{row.pattern.pattern})" in RULES.furniture_which.pattern
    assert RULES.furniture_which.pattern.count("|(?:") >= len(RULES.furniture) - 1
    assert (f"(?:{row.pattern.pattern})" in RULES.furniture_any.pattern) == (row.needs is None)


def test_the_rows_that_try_sixty_places_have_a_pre_test() -> None:
    """The rows opening with a repeat of any character are tried only where their text is."""
    slow = [row for row in RULES.furniture if row.pattern.pattern.startswith(("(?:.", "."))]
    assert slow
    assert all(row.needs for row in slow)


def candidates_by_loop(texts: list[str], rows: list[Furniture]) -> list[int]:
    return [i for i, text in enumerate(texts) if text and first_row_by_loop(text, rows)]


def test_the_shipped_rows_join_into_one_alternation() -> None:
    """A row that cannot join (see boilerplate.yaml) would make every row be tried on every
    line again: correct, but slow."""
    assert RULES.furniture_any is not clean.MATCH_ANYTHING
    assert RULES.furniture_which is not clean.MATCH_ANYTHING


@SETTINGS
@given(row_examples())
def test_alternation_accepts_exactly_the_lines_some_row_accepts(text: str) -> None:
    expected = first_row_by_loop(text, RULES.furniture)
    if expected is not None and expected.needs is None:
        assert RULES.furniture_any.fullmatch(text)
    assert furniture_candidates([text], RULES) == ([0] if text and expected else [])
    assert furniture_row(text, RULES) is expected


@SETTINGS
@given(st.lists(row_examples(), max_size=12))
def test_candidates_hold_every_line_a_row_matches(texts: list[str]) -> None:
    """The pre-tests never skip a furniture line: the candidates are the lines some row
    matches, in order."""
    assert furniture_candidates(texts, RULES) == candidates_by_loop(texts, RULES.furniture)


@pytest.mark.parametrize("index", [i for i, row in enumerate(RULES.furniture) if row.needs])
@settings(SETTINGS, max_examples=100)
@given(data=st.data())
def test_a_row_with_a_pre_test_matches_only_lines_holding_its_text(
        index: int, data: st.DataObject) -> None:
    """Against the row itself: whatever it matches holds its ``needs``."""
    row = RULES.furniture[index]
    text = data.draw(st.one_of(st.from_regex(row.pattern, fullmatch=True),
                               st.text(alphabet=FURNITURE_ALPHABET + "央政府门户网站w.govcn", max_size=70)))
    if row.pattern.fullmatch(text):
        assert row.needs in text  # type: ignore[operator]


def test_a_pre_test_must_name_text() -> None:
    assert clean.needle(None) is None
    assert clean.needle("共") == "共"
    for bad in ("", "  ", 3):
        with pytest.raises(ValueError):
            clean.needle(bad)


@pytest.mark.parametrize("index", range(len(RULES.furniture)))
@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_each_rows_own_examples_pass_the_alternation(index: int, data: st.DataObject) -> None:
    row = RULES.furniture[index]
    text = data.draw(st.from_regex(row.pattern, fullmatch=True))
    assert RULES.furniture_any.fullmatch(text) or row.needs in text  # type: ignore[operator]
    stripped = text.strip()
    if stripped and row.pattern.fullmatch(stripped):
        assert furniture_candidates(["", stripped], RULES) == [1]
    told = furniture_row(text, RULES)
    assert told is first_row_by_loop(text, RULES.furniture)
    assert RULES.furniture.index(told) <= index  # type: ignore[arg-type]


@pytest.mark.parametrize("patterns", [
    [r"(a)\1", "b"],           # a numbered back-reference would point elsewhere in the union
    ["(?i)abc", "d"],          # a global flag is only allowed at the start
    ["(?P<x>a)", "(?P<x>b)"],  # the same group name twice
])
def test_rows_that_cannot_be_joined_fall_back_to_trying_each(patterns: list[str]) -> None:
    compiled = [re.compile(p) for p in patterns]
    joined = any_of(compiled)
    assert joined is clean.MATCH_ANYTHING
    rows = [Furniture(p) for p in compiled]
    rules = dataclasses.replace(RULES, furniture=rows, furniture_any=joined,
                                furniture_which=any_of(compiled, tell=True))
    for text in ("aa", "b", "ABC", "abc", "d", "x"):
        assert furniture_row(text, rules) is first_row_by_loop(text, rows)


def test_which_row_is_told_by_the_group_that_closed_last() -> None:
    rows = [Furniture(re.compile(p)) for p in ("(下载|打印)本文", "下载.*", ".*本文")]
    rules = dataclasses.replace(RULES, furniture=rows,
                                furniture_any=any_of([r.pattern for r in rows]),
                                furniture_which=any_of([r.pattern for r in rows], tell=True))
    assert furniture_row("下载本文", rules) is rows[0]  # all three match: the first is told
    assert furniture_row("下载全文", rules) is rows[1]
    assert furniture_row("阅读本文", rules) is rows[2]
    assert furniture_row("正文", rules) is None


@SETTINGS
@given(st.text(alphabet="一二三四共篇讲话(（)）0123456789 xy", max_size=80))
def test_the_bracket_row_matches_what_its_plain_form_matches(text: str) -> None:
    """The （共3篇） row is written with one branch per bracket for speed; it means the class."""
    plain = re.compile(r".{2,60}[(（]共(含)?\s*\d+\s*篇[)）]")
    row = next(r.pattern for r in RULES.furniture if "篇" in r.pattern.pattern)
    assert bool(row.fullmatch(text)) == bool(plain.fullmatch(text))


# --- whole-text tests --------------------------------------------------------------------

LINE_ALPHABET = "中文一.#＃`~^|?? <>U+00A0\u200b\u00a0abc\t"


@SETTINGS
@given(st.lists(st.text(alphabet=LINE_ALPHABET, max_size=20), max_size=8),
       st.sampled_from([RULES.placeholder, RULES.escape, RULES.zero_width, RULES.tag,
                        RULES.between_cjk, RULES.dot, RULES.stray_open, RULES.stray_close,
                        RULES.md_heading, RULES.catalogue_label]))
def test_a_pattern_ruled_out_on_the_joined_text_matches_no_line(
        lines: list[str], pattern: re.Pattern[str]) -> None:
    if not may_match_a_line(pattern, "\n".join(lines)):
        assert not any(pattern.search(line) for line in lines)


def test_patterns_that_look_beyond_their_match_are_never_ruled_out() -> None:
    for pattern in (r"^#", r"x$", r"\bx", r"(?<=中)x", r"(?!y)x", r"(?>x)", r"x++"):
        assert may_match_a_line(re.compile(pattern), "")
    assert not may_match_a_line(re.compile("##+"), "一#二\n#")


def test_present_and_lines_matching() -> None:
    assert present("ab<", "xa\n<") == ["a", "<"]
    assert present(["<!--"], "<!-\n-") == []
    text = "\n".join(["a.b", "", "c|", "d", "|.|"])
    assert lines_matching(text, [re.compile(r"\."), re.compile(r"\|")]) == [0, 2, 4]
    assert lines_matching(text, []) == []
    assert lines_matching(text, [re.compile("d"), re.compile("b")]) == [0, 3]
    assert lines_matching(text, [clean.ANY_LINE_TEXT]) == [0, 2, 3, 4]
    assert line_indices("ab\n\ncd\n", [0, 1, 4, 6, 7]) == [0, 2, 3]


@SETTINGS
@given(st.lists(st.text(alphabet=LINE_ALPHABET, max_size=20), max_size=8))
def test_the_anti_copy_rules_find_in_the_joined_text_the_lines_they_match(lines: list[str]) -> None:
    """The anti-copy pass looks for its rules in the joined text; each must find there
    exactly the lines it matches alone."""
    text = "\n".join(lines)
    for pattern in (*map(RULES.between_each, RULES.between_chars), RULES.dot, RULES.placeholder):
        assert lines_matching(text, [pattern]) == [i for i, line in enumerate(lines)
                                                   if pattern.search(line)]


def test_between_each_is_between_cjk_one_character_at_a_time() -> None:
    assert RULES.between_chars
    for char in RULES.between_chars:
        pattern = RULES.between_each(char)
        text = f"中{char}文a{char}中"
        assert [m.span() for m in pattern.finditer(text)] == [
            m.span() for m in RULES.between_cjk.finditer(text)] == [(1, 2)]


def test_joined_text_follows_every_edit() -> None:
    work = work_of(["甲", "乙"])
    ledger = Ledger()
    joined = Joined(work, ledger)
    assert joined.text() == "甲\n乙"
    ledger.set_text(work[1], "<!--")
    assert joined.text() == "甲\n<!--"
    ledger.drop_line(work[0], "boilerplate")
    assert joined.text() == "\n<!--"


def test_a_pass_sees_what_an_earlier_pass_made() -> None:
    """Taking out a zero-width character can close up a comment opener: the comment pass
    must look at the text as the layout pass left it, not as it came in."""
    cleaned = clean_lines(["正文<!\u200b-- 注释 -->后"])
    assert cleaned.lines[0].text == "正文后"
    assert [(r.text, r.reason) for r in cleaned.removed] == [("\u200b", "layout"),
                                                             ("<!-- 注释 -->", "markup")]


@SETTINGS
@given(st.text(alphabet=f"{CJK[:1]}中国一二十百.`~^|#＃a1", max_size=30))
def test_rare_character_first_forms_of_the_anti_copy_rules(text: str) -> None:
    """between_cjk and dot put the rare character before the lookbehind, for speed; they
    find exactly what the lookbehind-first forms find."""
    cjk = f"[{CJK}]"
    between = re.compile(f"(?<={cjk})[{re.escape('`~^|#＃')}](?={cjk})")
    dot = re.compile(f"(?<={cjk})(?<![{re.escape('〇○零一二三四五六七八九十百千万两')}])\\.(?={cjk})")
    for fast, plain in ((RULES.between_cjk, between), (RULES.dot, dot)):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


@SETTINGS
@given(st.lists(st.text(alphabet="中 文\u3000\t\x00\x1c\u2028a", min_size=1, max_size=12), max_size=8))
def test_lines_squashed_together_as_each_alone(texts: list[str]) -> None:
    """Squashed in one pass over the joined texts (or one by one when a text holds the
    separator), each text gets what ``squash`` gives it."""
    assert squash_all(texts) == [squash(t) for t in texts]


# --- button runs and orphan closers ------------------------------------------------------


def button_runs_in_order(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    """The plain rule: walk the lines, close a run at the first line that is neither blank,
    furniture nor a button."""
    run: list[Work] = []
    for w in [*work, Work("<end>", 0, None, "<end>")]:
        if w.blank:
            continue
        if w.gone == "boilerplate" or (w.kept and w.stripped in rules.buttons):
            run.append(w)
            continue
        buttons = [r for r in run if r.gone is None]
        if len(run) >= 2 and buttons:
            for b in buttons:
                ledger.drop_line(b, "boilerplate")
        run = []


def orphan_closers_in_order(work: list[Work], rules: Rules, ledger: Ledger) -> None:
    for i, w in enumerate(work):
        if not w.kept or w.stripped.strip(rules.orphan_closers):
            continue
        before = clean.prev_nonblank(work, i)
        if before is not None and work[before].gone == "boilerplate":
            ledger.drop_line(w, "boilerplate")


LINE_KINDS = st.sampled_from(["", " ", "下载", "打印", "全屏", "】", "）", " ] ", "正文。", "@", "@markup"])


def state_of(kinds: list[str]) -> list[Work]:
    """Lines as the furniture pass leaves them: @ marks a removed furniture line."""
    work = work_of([k for k in kinds])
    for w in work:
        if w.text.startswith("@"):
            w.gone = w.text[1:] or "boilerplate"
            w.text = w.stripped = ""
    return work


@SETTINGS
@given(st.lists(LINE_KINDS, max_size=25))
def test_button_runs_and_orphan_closers_as_the_plain_walk_finds_them(kinds: list[str]) -> None:
    for fast, plain in ((remove_button_runs, button_runs_in_order),
                        (remove_orphan_closers, orphan_closers_in_order)):
        a, b = state_of(kinds), state_of(kinds)
        ledger_a, ledger_b = Ledger(), Ledger()
        fast(a, RULES, ledger_a)
        plain(b, RULES, ledger_b)
        assert [(w.text, w.gone) for w in a] == [(w.text, w.gone) for w in b]
        assert ledger_a.removed == ledger_b.removed


# --- page copies -------------------------------------------------------------------------


def copies_by_brute_force(keys: list[str], rules: Rules) -> list[int]:
    """The page-copy rule with every earlier start compared line by line (as many as
    ``MAX_STARTS`` allows): the positions it removes."""
    pairs: dict[tuple[str, str], list[int]] = {}
    singles: dict[str, list[int]] = {}
    removed: list[int] = []
    i = 0
    while i < len(keys):
        starts = clean.earlier_starts(keys, i, pairs, singles, rules)
        length = clean.longest_earlier_run(keys, i, starts)
        if length and is_page_copy(keys[i:i + length], rules):
            removed.extend(range(i, i + length))
            i += length
            continue
        if i + 1 < len(keys):
            pairs.setdefault((keys[i], keys[i + 1]), []).append(i)
        if len(keys[i]) >= rules.dup_min_chars:
            singles.setdefault(keys[i], []).append(i)
        i += 1
    return removed


SMALL_PAGES = dataclasses.replace(RULES, dup_min_lines=3, dup_min_chars=6)
KEYS = st.lists(st.sampled_from(["甲", "乙", "丙", "丁丁", "长行长行长行"]), max_size=40)


@SETTINGS
@given(KEYS, st.sampled_from([SMALL_PAGES, dataclasses.replace(SMALL_PAGES, dup_min_lines=1),
                              dataclasses.replace(SMALL_PAGES, dup_min_chars=100)]))
def test_page_copies_as_brute_force_finds_them(keys: list[str], rules: Rules) -> None:
    work = work_of(keys)
    clean.remove_duplicate_pages(work, rules, Ledger())
    assert [i for i, w in enumerate(work) if w.gone] == copies_by_brute_force(keys, rules)


@SETTINGS
@given(KEYS.map(lambda keys: [f" {k}\u3000" if n % 3 else k for n, k in enumerate(keys)]),
       st.sets(st.integers(0, 39)))
def test_page_copies_compare_the_keys_squashed_before_lines_were_removed(
        texts: list[str], removed: set[int]) -> None:
    """The keys squashed for the teaser serve the page copies, though lines were removed
    in between: a removed line holds no text, and is passed over as before."""
    a, b = work_of(texts), work_of(texts)
    keys = clean.squash_all([w.stripped for w in a])
    for work in (a, b):
        for i in sorted(removed & set(range(len(work)))):
            Ledger().drop_line(work[i], "boilerplate")
    ledger_a, ledger_b = Ledger(), Ledger()
    clean.remove_duplicate_pages(a, SMALL_PAGES, ledger_a, keys)
    clean.remove_duplicate_pages(b, SMALL_PAGES, ledger_b)
    assert [(w.text, w.gone) for w in a] == [(w.text, w.gone) for w in b]
    assert ledger_a.removed == ledger_b.removed


def test_register_pairs_notes_each_line_under_its_first_two_lines() -> None:
    pairs: dict[tuple[str, str], list[int]] = {("甲", "乙"): [0]}
    pair_list = [("甲", "乙"), ("乙", "甲"), ("甲", "乙"), ("乙", "丙")]
    clean.register_pairs(pairs, pair_list, 1, 9)  # past the last pair: stops there
    assert pairs == {("甲", "乙"): [0, 2], ("乙", "甲"): [1], ("乙", "丙"): [3]}
    clean.register_pairs(pairs, pair_list, 2, 2)
    assert pairs[("甲", "乙")] == [0, 2]


@SETTINGS
@given(KEYS)
def test_copy_lines_is_the_shortest_run_that_is_a_copy(keys: list[str]) -> None:
    ends = [0, *accumulate(map(len, keys))]
    for i in range(len(keys)):
        need = copy_lines(ends, i, SMALL_PAGES)
        shortest = next((t for t in range(1, len(keys) - i + 1)
                         if is_page_copy(keys[i:i + t], SMALL_PAGES)), None)
        if shortest is not None:
            assert need == shortest
        else:
            assert copy_length(keys, i, list(range(i)), need) == 0


@SETTINGS
@given(KEYS)
def test_a_line_ruled_out_starts_no_copy_of_any_earlier_run(keys: list[str]) -> None:
    ends = [0, *accumulate(map(len, keys))]
    maybe = copy_candidates(keys, ends, SMALL_PAGES)
    assert len(maybe) == len(keys)
    for i, candidate in enumerate(maybe):
        need = copy_lines(ends, i, SMALL_PAGES)
        if not candidate:
            assert len(keys[i]) < SMALL_PAGES.dup_min_chars  # a long line is always looked at
            assert not any(j + need <= i and keys[j:j + need] == keys[i:i + need]
                           for j in range(i))


# --- the whole stage with every pre-filter off -------------------------------------------


@contextmanager
def prefilters_off() -> Iterator[None]:
    """Every shortcut answers "maybe": each pass then visits every line with every rule."""
    rules = dataclasses.replace(RULES, furniture_any=clean.MATCH_ANYTHING,
                                furniture_which=clean.MATCH_ANYTHING)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clean, "load_rules", lambda: rules)
        patch.setattr(clean, "present", lambda needles, joined: list(needles))
        patch.setattr(clean, "may_match_a_line", lambda pattern, joined: True)
        # every line (a single empty line is no line to visit: it holds nothing to clean)
        patch.setattr(clean, "lines_matching",
                      lambda text, _: list(range(text.count("\n") + 1)) if text else [])
        patch.setattr(clean, "copy_candidates", lambda keys, ends, rules: [True] * len(keys))
        patch.setattr(clean, "closer_lines", lambda texts, rules: [
            i for i, text in enumerate(texts) if rules.closers_only.fullmatch(text)])
        yield


PIECES = st.sampled_from([
    "", " ", "\u3000\u3000正文一段。", "同志们：", "谢谢大家！", "一.总则", "要认真学习，深入贯彻。",
    "全年增长3.5%。", "短标题", "下载", "打印", "全屏", "】", "）", "·", "某市召开工作会议",
    "【打印本页】", "【关闭窗口】", "相关文章", "（责任编辑：李四）", "责任编辑：", "王五", "讲话汇编（共 3 篇）",
    "当前位置：首页", "分享到：微信 微博", "HOT", "欢迎下载，仅供参考。", "0123456789abcdef0123456789abcdef",
    "# 标题", "## 小节 ##", "> 引用", "---", "***", "【 标  题 】某讲话", "【 文献号 】1-2",
    "<!--", "-->", "<p>段落</p>", "&nbsp;前", "<U+00A0>字", "字\u200b词", "国\u00a0务",
    "群众的`主体", "高的.大项目", "市长##3月", "?本文为讲话?", "工作~扎实^推进|有力#开展",
])


@st.composite
def pages(draw: st.DrawFn) -> list[str]:
    lines = draw(st.lists(st.one_of(PIECES, st.text(alphabet=LINE_ALPHABET, max_size=12)),
                          max_size=40))
    if lines and draw(st.booleans()):  # a page repeated, whole or in part
        lines = lines + lines[: draw(st.integers(0, len(lines)))]
    return lines


def as_tuples(cleaned: Cleaned) -> tuple[list[tuple[str, int, str | None]], list[tuple[str, str, int]]]:
    return ([(line.text, line.no, line.hint) for line in cleaned.lines],
            [(r.text, r.reason, r.line) for r in cleaned.removed])


@settings(SETTINGS, max_examples=300)
@given(pages(), st.dictionaries(st.integers(0, 45), st.sampled_from(["heading", "title"]),
                                max_size=3))
def test_prefilters_change_nothing(lines: list[str], hints: dict[int, str]) -> None:
    fast = as_tuples(clean_lines(lines, hints=hints))
    with prefilters_off():
        plain = as_tuples(clean_lines(lines, hints=hints))
    assert fast == plain


def test_prefilters_change_nothing_on_the_fixtures() -> None:
    page = ["【字体：大 中 小】", "下载", "打印", "", "关于某事的讲话", "同志们：", "群众的`主体。",
            "<!-- x -->正文&nbsp;。", "相关文章", "某篇文章", "【关闭窗口】", "关于某事的讲话"]
    fast = as_tuples(clean_lines(page * 3))
    with prefilters_off():
        assert as_tuples(clean_lines(page * 3)) == fast
    assert fast[1]  # the page does hold furniture


# --- pre-tests of the Markdown and catalogue passes and the orphan closers ----------------


@settings(SETTINGS, max_examples=100)
@given(st.data())
def test_a_file_without_the_needed_text_has_no_heading_or_catalogue_label(data: st.DataObject) -> None:
    """Whatever the heading and label patterns find holds their ``needs``: a file without it
    anywhere is skipped by those passes without a line being asked."""
    for pattern, needs in ((RULES.md_heading, RULES.md_heading_needs),
                           (RULES.catalogue_label, RULES.catalogue_needs)):
        text = data.draw(st.one_of(st.from_regex(pattern),
                                   st.text(alphabet=" \t#【】标题文献号x", max_size=20)))
        if pattern.search(text):
            assert needs in text


@SETTINGS
@given(st.lists(st.text(alphabet="】）)]」 中a", max_size=4).map(str.strip), max_size=10))
def test_closer_lines_are_the_lines_made_only_of_closers(texts: list[str]) -> None:
    assert closer_lines(texts, RULES) == [i for i, text in enumerate(texts)
                                          if RULES.closers_only.fullmatch(text)]


def test_closer_lines_with_no_closers_configured() -> None:
    rules = dataclasses.replace(RULES, orphan_closers="", closers_only=re.compile("(?!)"))
    assert closer_lines(["】", "a", ""], rules) == []
