"""The grammar table: numerals, loading, and user rules files."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech2tei.errors import GrammarError
from speech2tei.grammar import arabic_value, cjk_value, default_grammar, load_grammar, numeral_value

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
