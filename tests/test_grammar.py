"""The grammar table: numerals, loading, and user rules files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei.errors import GrammarError
from speech2tei.grammar import (
    _never_newline,
    arabic_value,
    cjk_value,
    default_grammar,
    load_grammar,
    numeral_value,
    sre_parse,
)

CJK_CASES = [
    ("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("十九", 19), ("二十", 20), ("二十一", 21),
    ("三十五", 35), ("九十九", 99), ("一二", None), ("十十", None), ("二十十", None), ("", None),
    ("百", None), ("一十一", 11),
]


@pytest.mark.parametrize(("text", "value"), CJK_CASES)
def test_cjk_numerals(text: str, value: int | None) -> None:
    assert cjk_value(text) == value


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("12", 12), ("999", 999), ("１２", 12),
                                             ("０", None), ("01", None), ("a", None)])
def test_arabic_numerals(text: str, value: int | None) -> None:
    assert arabic_value(text) == value


def test_every_cjk_numeral_from_1_to_99_reads_back() -> None:
    digits = "一二三四五六七八九"
    for n in range(1, 100):
        tens, ones = divmod(n, 10)
        text = ("" if tens < 2 else digits[tens - 1]) + ("十" if tens else "") + (digits[ones - 1] if ones else "")
        assert cjk_value(text) == n, text


@pytest.mark.parametrize(("kind", "text", "value"), [
    ("circled", "①", 1), ("circled", "⑳", 20), ("paren_circled", "⑴", 1), ("paren_circled", "⒇", 20),
    ("tiangan", "甲", 1), ("tiangan", "丙", 3),
])
def test_other_numeral_kinds(kind: str, text: str, value: int) -> None:
    assert numeral_value(kind, text) == value


def test_builtin_grammar_covers_the_guideline_styles() -> None:
    names = {s.name for s in default_grammar().styles}
    for required in ("cn-dun", "cn-paren", "arabic-dot", "arabic-paren", "circled", "paren-circled",
                     "cn-part", "cn-bare", "ordinal", "ordinal-word", "yi-shi", "yi-yao", "qi-yi",
                     "fangmian"):
        assert required in names


def test_user_rules_add_a_style(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "styles:\n  - name: san-yao\n    pattern: '(?P<num>{cjk})(?P<kind>须)(?P<delim>)'\n"
        "    numeral: cjk\n    family: enumeration\n", encoding="utf-8")
    grammar = load_grammar(rules)
    assert grammar.style("san-yao").family == "enumeration"
    assert grammar.style("cn-dun").family == "heading"


def test_user_rules_override_a_level(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("styles:\n  - name: yi-shi\n    level: 2\n", encoding="utf-8")
    assert load_grammar(rules).style("yi-shi").level == 2


@pytest.mark.parametrize(("content", "message"), [
    ("styles:\n  - name: x\n    pattern: '(?P<num>a'\n    numeral: cjk\n    family: heading\n", "bad pattern"),
    ("styles:\n  - name: x\n    pattern: 'a'\n    numeral: cjk\n    family: heading\n", "(?P<num>"),
    ("styles:\n  - name: x\n    pattern: '(?P<num>a)'\n    numeral: roman\n    family: heading\n", "numeral must be"),
    ("styles:\n  - pattern: '(?P<num>a)'\n", "needs a name"),
    ("styles:\n  - name: yi-shi\n    colour: red\n", "unknown field"),
    ("stiles: []\n", "unknown top-level"),
    ("styles: [\n", "not valid YAML"),
])
def test_bad_rules_files_give_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(content, encoding="utf-8")
    with pytest.raises(GrammarError) as err:
        load_grammar(rules)
    assert message in str(err.value)
    assert str(rules) in str(err.value)


# --- The combined regex ------------------------------------------------------------------------

_LEADISH = "一二三十、（）()1２.．，,：；。是要第其首先最后另一方面甲①⑴ \u3000个问题部分条类"


def plain_matches(grammar, text: str) -> list[tuple[int, int, str]]:
    """The matches of the styles as one plain alternation, tried in table order."""
    plain = re.compile("|".join(f"(?P<{s.group}>{s.pattern})" for s in grammar.styles))
    return [(m.start(), m.end(), grammar.by_group[m.lastgroup].name) for m in plain.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_LEADISH, max_size=60))
def test_the_bucketed_regex_finds_what_the_plain_alternation_finds(text):
    grammar = default_grammar()
    found = [(m.start(), m.end(), grammar.by_index[m.lastindex].style.name) for m in grammar.regex.finditer(text)]
    assert found == plain_matches(grammar, text)


def test_every_copy_of_a_style_reads_its_own_numeral_and_delimiter():
    grammar = default_grammar()
    copies = {kind.style.name for kind in grammar.by_index.values()}
    assert copies == {s.name for s in grammar.styles}
    assert len(grammar.by_index) > len(grammar.styles)  # 一 opens several buckets' styles
    names = {index: name for name, index in grammar.regex.groupindex.items()}
    for index, kind in grammar.by_index.items():
        assert names[kind.num] == f"{names[index]}_num"
        assert names[kind.delim] == f"{names[index]}_delim"


def test_a_style_remembers_the_values_it_read():
    kind = next(k for k in default_grammar().by_index.values() if k.style.name == "cn-dun")
    assert kind.value_of("二十一") == 21 and kind.values["二十一"] == 21
    assert kind.value_of("十十") is None and "十十" in kind.values


@pytest.mark.parametrize(("pattern", "safe"), [
    (r"(?P<num>\d+)(?P<delim>[.、])", True), (r"(?P<num>[一二])(?=[ \t]*$)", True), (r"\b(?P<num>\w)", True),
    (r"(?P<num>\d)\s", False), (r"(?P<num>\d).", False), (r"(?P<num>\d)[^、]", False), (r"(?P<num>\d)\Z", False),
    (r"(?P<num>\d)\n", False), (r"(?P<num>\d)(?![\n-z])", False),
])
def test_a_pattern_that_may_meet_a_newline_keeps_the_search_per_paragraph(pattern, safe):
    assert _never_newline(list(sre_parse.parse(pattern))) is safe


def test_a_user_style_that_reads_blanks_keeps_the_search_per_paragraph(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("styles:\n  - name: dash\n    pattern: '(?P<num>[0-9]{1,2})(?P<delim>\\s?-)'\n"
                     "    numeral: arabic\n    family: heading\n", encoding="utf-8")
    assert load_grammar(rules).doc_regex is None
    assert default_grammar().doc_regex is not None
