"""The numbering grammar: the YAML table of marker styles, compiled once.

The grammar is data (``data/grammar.yaml``): one row per style. This module reads the table,
checks it, turns numerals into values and compiles every pattern into one alternation of named
groups, so the marker stage makes one regex pass per paragraph (the mistune layout).
"""

from __future__ import annotations

import re
import unicodedata

try:  # the regex parser, to find the characters a marker can start with
    import re._parser as sre_parse  # type: ignore[import-not-found]  # Python >= 3.11
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import GrammarError
from .yamlio import load_yaml

CJK_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
NUMERAL_KINDS = ("cjk", "arabic", "circled", "paren_circled", "tiangan", "word")
FAMILIES = ("heading", "enumeration")
WHERE = ("line", "any")
STYLE_KEYS = {
    "name", "pattern", "numeral", "words", "family", "sequence", "where", "alone", "lone_ok",
    "level", "rank", "topic", "sentence_only", "description",
}


def cjk_value(text: str) -> int | None:
    """Read 一 … 九十九 (十一, 二十, 二十一); None for anything else (十十, 一二)."""
    if not text or any(ch not in CJK_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return CJK_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    value = (CJK_DIGITS[tens] if tens else 1) * 10
    return value + (CJK_DIGITS[ones] if ones else 0)


def arabic_value(text: str) -> int | None:
    """Read 1…999 in half- or full-width digits; a leading zero is not a list number."""
    digits = unicodedata.normalize("NFKC", text)
    if not digits.isdigit() or digits.startswith("0"):
        return None
    return int(digits)


def numeral_value(kind: str, text: str, words: dict[str, int | None] | None = None) -> int | None:
    """The value of a numeral of the given kind, or None when it is not one."""
    if kind == "cjk":
        return cjk_value(text)
    if kind == "arabic":
        return arabic_value(text)
    if kind == "circled":
        return ord(text) - ord("①") + 1
    if kind == "paren_circled":
        return ord(text) - ord("⑴") + 1
    if kind == "tiangan":
        return TIANGAN.index(text) + 1 if text in TIANGAN else None
    if kind == "word":
        return (words or {}).get(text)
    raise GrammarError(f"unknown numeral kind {kind!r}")


@dataclass(slots=True)
class Style:
    """One row of the grammar table."""

    name: str
    pattern: str
    numeral: str
    family: str
    sequence: str
    where: str = "any"
    alone: bool = False
    lone_ok: bool = False
    """A paragraph-initial marker counts alone; otherwise only as a member of a run."""
    level: int | None = None
    rank: int | None = None
    topic: bool = False
    """A topic marker (第一个问题) may hold a run of its own sequence (第一，第二，) below it."""
    sentence_only: bool = False
    """Members never continue a run after a mere comma (一方面……，另一方面…… in one sentence)."""
    """Customary order of heading styles; the document's own nesting overrides it."""
    words: dict[str, int | None] = field(default_factory=dict)
    group: str = ""
    """Name of this style's group in the combined regex."""

    def value_of(self, numeral: str) -> int | None:
        return numeral_value(self.numeral, numeral, self.words)


VALUE_CACHE_SIZE = 4096
"""Numerals whose value a style remembers (markers repeat a few dozen numerals; the cap only
bounds what a user pattern that captures long numerals could make it hold)."""


@dataclass(slots=True)
class StyleMatch:
    """One style as the combined regex holds it, with what the marker stage asks of every match
    worked out once per grammar: the group numbers of the numeral and the delimiter (reading a
    group by number skips building its name) and the style's flags."""

    style: Style
    num: int | str
    """Group number of the numeral."""
    delim: int | str
    """Group number of the delimiter (its name when the pattern has none, so that reading it
    fails as it always did)."""
    heading: bool
    line_only: bool
    alone: bool
    word: bool
    """Word numerals (最后) count without a value."""
    follows: re.Pattern[str] | None
    """What, right after the marker, shows it is a number inside text (``Grammar.follows``)."""
    values: dict[str, int | None] = field(default_factory=dict)
    """Values of the numerals read so far."""

    def value_of(self, numeral: str) -> int | None:
        """The value of ``numeral`` in this style, read once and remembered."""
        try:
            return self.values[numeral]
        except KeyError:
            value = self.style.value_of(numeral)
            if len(self.values) < VALUE_CACHE_SIZE:
                self.values[numeral] = value
            return value


@dataclass(slots=True)
class Grammar:
    """The compiled table: styles in priority order and one combined pattern."""

    styles: list[Style]
    regex: re.Pattern[str]
    by_group: dict[str, Style]
    follows: dict[str, re.Pattern[str]]
    """Per numeral kind: what, right after a marker, shows it is a number inside text."""
    false_after: tuple[str, ...]
    by_index: dict[int, StyleMatch]
    """The style of a match, by the number of its outermost group (``match.lastindex``)."""
    doc_regex: re.Pattern[str] | None
    """``regex`` for one search over a document's paragraphs joined with newlines, where that
    finds the same as a search of each paragraph (``_document_regex``)."""
    false_after_re: re.Pattern[str] | None
    """Any of ``false_after``, in one search; None when the list is empty."""
    back_matter: tuple[str, ...] = ()
    """Short paragraphs that open back matter (名词解释, 附件): they close every section."""
    closing_words: tuple[str, ...] = ()
    """Paragraph openings (总之, 同志们) that close the enumerations above them."""

    def style(self, name: str) -> Style:
        for style in self.styles:
            if style.name == name:
                return style
        raise KeyError(name)


def _check_row(row: Any, where: str) -> None:
    """Refuse a malformed row with a message that names the row and the field."""
    if not isinstance(row, dict):
        raise GrammarError(f"{where}: a style must be a mapping, got {type(row).__name__}")
    unknown = set(row) - STYLE_KEYS
    if unknown:
        raise GrammarError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if "name" not in row:
        raise GrammarError(f"{where}: a style needs a name")
    for key, allowed in (("numeral", NUMERAL_KINDS), ("family", FAMILIES), ("where", WHERE)):
        if key in row and row[key] not in allowed:
            raise GrammarError(f"{where} ({row['name']}): {key} must be one of {', '.join(allowed)}")
    if "level" in row and row["level"] is not None and (not isinstance(row["level"], int) or row["level"] < 1):
        raise GrammarError(f"{where} ({row['name']}): level must be a whole number >= 1")


def _expand(pattern: str, numerals: dict[str, str], group: str) -> str:
    """Fill in numeral classes and give the named groups this style's prefix."""
    for kind, cls in numerals.items():
        pattern = pattern.replace("{" + kind + "}", cls)
    return re.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<{group}_{m.group(1)}>", pattern)


def _make_style(row: dict[str, Any], index: int, numerals: dict[str, str], where: str) -> Style:
    name = row["name"]
    for key in ("pattern", "numeral", "family"):
        if key not in row:
            raise GrammarError(f"{where} ({name}): missing field {key!r}")
    group = f"s{index}"
    pattern = _expand(row["pattern"], numerals, group)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise GrammarError(f"{where} ({name}): bad pattern: {exc}") from exc
    if f"{group}_num" not in compiled.groupindex:
        raise GrammarError(f"{where} ({name}): the pattern needs a (?P<num>…) group")
    return Style(
        name=name, pattern=pattern, numeral=row["numeral"], family=row["family"],
        sequence=row.get("sequence") or name, where=row.get("where", "any"),
        alone=bool(row.get("alone", False)), lone_ok=bool(row.get("lone_ok", False)),
        level=row.get("level"), rank=row.get("rank"), topic=bool(row.get("topic", False)),
        sentence_only=bool(row.get("sentence_only", False)),
        words=dict(row.get("words") or {}), group=group,
    )


def merge_rules(base: dict[str, Any], extra: dict[str, Any], where: str) -> dict[str, Any]:
    """Add or replace styles by name and extend the false-hit lists: a user's --rules file."""
    if not isinstance(extra, dict):
        raise GrammarError(f"{where}: the rules file must be a mapping with 'styles' and/or 'false_hits'")
    unknown = set(extra) - {"styles", "false_hits", "numerals", "back_matter", "closing_words"}
    if unknown:
        raise GrammarError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    merged = {"numerals": {**base["numerals"], **(extra.get("numerals") or {})},
              "back_matter": [*base.get("back_matter", []), *(extra.get("back_matter") or [])],
              "closing_words": [*base.get("closing_words", []), *(extra.get("closing_words") or [])],
              "styles": [dict(row) for row in base["styles"]],
              "false_hits": dict(base.get("false_hits") or {})}
    names = [row["name"] for row in merged["styles"]]
    for n, row in enumerate(extra.get("styles") or [], 1):
        _check_row(row, f"{where}: styles[{n}]")
        if row["name"] in names:
            i = names.index(row["name"])
            merged["styles"][i] = {**merged["styles"][i], **row}
        else:
            merged["styles"].insert(0, row)
            names.insert(0, row["name"])
    hits = extra.get("false_hits") or {}
    if not isinstance(hits, dict):
        raise GrammarError(f"{where}: false_hits must be a mapping")
    after = list(merged["false_hits"].get("after_marker") or []) + list(hits.get("after_marker") or [])
    merged["false_hits"]["after_marker"] = after
    return merged


def _first_chars(pattern: str) -> set[str] | None:
    """The characters a match of ``pattern`` can start with, or None when that is not
    simple to tell (a class with a negation, a pattern that can match empty…)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    return _first_of(list(parsed))


def _first_of(items: list[Any]) -> set[str] | None:
    if not items:
        return None
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return {chr(arg)}
    if name == "IN":
        chars: set[str] = set()
        for kind, value in arg:
            if str(kind) == "LITERAL":
                chars.add(chr(value))
            elif str(kind) == "RANGE" and value[1] - value[0] < 5000:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return None
        return chars
    if name == "SUBPATTERN":
        return _first_of(list(arg[-1]))
    if name == "BRANCH":
        union: set[str] = set()
        for branch in arg[1]:
            first = _first_of(list(branch))
            if first is None:
                return None
            union |= first
        return union
    if name in ("MAX_REPEAT", "MIN_REPEAT") and arg[0] >= 1:
        return _first_of(list(arg[2]))
    if name == "ASSERT_NOT" or (name == "ASSERT" and arg[0] < 0):
        return _first_of(items[1:])  # a lookbehind or negative lookahead consumes nothing
    return None


def _combined_regex(styles: list[Style]) -> re.Pattern[str]:
    """One alternation of every style, led by a lookahead on the characters a marker can
    start with: the regex engine then skips plain text quickly instead of trying every
    alternative at every position (about ten times faster on running text).

    Where every style's first characters are known, the styles are also sorted into buckets
    by the character they start with (一 opens cn-dun, yi-shi … and fangmian; 第 opens
    cn-part, ordinal …), each behind its own lookahead: at a 一 the engine then tries only
    the styles that can start there, in table order, which is the same first match as the
    plain alternation gives. A style in several buckets gets a copy of its groups in each
    (``s3``, ``s3c1`` …; ``Grammar.by_index`` maps every copy to the style)."""
    body = "|".join(f"(?P<{s.group}>{s.pattern})" for s in styles)
    firsts: list[set[str]] = []
    for style in styles:
        first = _first_chars(style.pattern)
        if first is None:
            return re.compile(body)
        firsts.append(first)
    starts = set().union(*firsts)
    lead = _char_class(starts)
    return re.compile(f"(?={lead})(?:{_bucketed(styles, firsts, starts)})")


def _document_regex(combined: re.Pattern[str]) -> re.Pattern[str] | None:
    """``combined`` for one search over a whole document whose paragraphs are joined with
    newlines (one search instead of one per paragraph), or None where that could find
    something else than the searches paragraph by paragraph.

    It finds the same where no match is empty, none can take in or look at a newline (a
    newline then stands where a paragraph ends, like the end of a string) and ``^`` and
    ``$`` hold at line ends (MULTILINE)."""
    if not combined.pattern.startswith("(?="):
        return None  # not bucketed: a style may match the empty string
    try:
        parsed = sre_parse.parse(combined.pattern)
    except re.error:  # pragma: no cover - it compiled once already
        return None
    return re.compile(combined.pattern, re.MULTILINE) if _never_newline(list(parsed)) else None


_NEWLINE = ord("\n")
_SAFE_CATEGORIES = {"CATEGORY_DIGIT", "CATEGORY_NOT_SPACE", "CATEGORY_WORD", "CATEGORY_NOT_LINEBREAK"}
"""Character categories without the newline (\\d \\S \\w)."""
_SAFE_ANCHORS = {"AT_BEGINNING", "AT_END", "AT_BOUNDARY", "AT_NON_BOUNDARY"}
"""``^ $ \\b \\B``: with MULTILINE, a newline is to them what the edge of a string is."""


def _never_newline(items: list[Any]) -> bool:
    """True when no part of a parsed pattern can match or assert a newline."""
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            if arg == _NEWLINE:
                return False
        elif name == "IN":
            if not _class_without_newline(arg):
                return False
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if not _never_newline(list(arg[2])):
                return False
        elif name == "SUBPATTERN":
            if not _never_newline(list(arg[-1])):
                return False
        elif name == "ATOMIC_GROUP":
            if not _never_newline(list(arg)):
                return False
        elif name == "BRANCH":
            if not all(_never_newline(list(branch)) for branch in arg[1]):
                return False
        elif name in ("ASSERT", "ASSERT_NOT"):
            if not _never_newline(list(arg[1])):
                return False
        elif name != "AT" or str(arg) not in _SAFE_ANCHORS:
            return False  # any character (.), a negated literal, a back reference, \\A \\Z …
    return True


def _class_without_newline(items: list[Any]) -> bool:
    for kind, value in items:
        name = str(kind)
        if name == "LITERAL" and value == _NEWLINE:
            return False
        if name == "RANGE" and value[0] <= _NEWLINE <= value[1]:
            return False
        if name == "CATEGORY" and str(value) not in _SAFE_CATEGORIES:
            return False
        if name not in ("LITERAL", "RANGE", "CATEGORY"):
            return False  # a negated class holds the newline
    return True


def _char_class(chars: set[str]) -> str:
    return "[" + "".join(sorted(re.escape(ch) for ch in chars)) + "]"


def _bucketed(styles: list[Style], firsts: list[set[str]], starts: set[str]) -> str:
    """The alternation as buckets of styles that share their possible first characters."""
    buckets: dict[tuple[int, ...], set[str]] = {}
    for ch in starts:
        members = tuple(i for i, first in enumerate(firsts) if ch in first)
        buckets.setdefault(members, set()).add(ch)
    copies = [0] * len(styles)
    alternatives = []
    # most styles first: the digits and CJK numerals, the commonest characters of the lead
    for members, chars in sorted(buckets.items(), key=lambda item: (-len(item[0]), sorted(item[1]))):
        inner = []
        for i in members:
            inner.append(_style_copy(styles[i], copies[i]))
            copies[i] += 1
        alternatives.append(f"(?={_char_class(chars)})(?:{'|'.join(inner)})")
    return "|".join(alternatives)


def _style_copy(style: Style, copy: int) -> str:
    """The style's pattern in its own group; copies after the first rename their groups. Only
    the numeral and the delimiter are read from a match: other groups (``kind``) capture
    nothing, as every group makes each match cost more."""
    name = style.group if copy == 0 else f"{style.group}c{copy}"

    def group(m: re.Match[str]) -> str:
        return f"(?P<{name}_{m.group(1)}>" if m.group(1) in ("num", "delim") else "(?:"

    pattern = re.sub(rf"\(\?P<{style.group}_(\w+)>", group, style.pattern)
    return f"(?P<{name}>{pattern})"


_STYLE_GROUP = re.compile(r"(s[0-9]+)(?:c[0-9]+)?")
"""The name of a style's own group (``s3``) or of a copy of it (``s3c1``)."""


def _style_matches(combined: re.Pattern[str], styles: list[Style],
                   follows: dict[str, re.Pattern[str]]) -> dict[int, StyleMatch]:
    """Each style (and each copy of it) keyed by the number of its group in ``combined``: the
    outermost group of a match closes last, so ``match.lastindex`` names the style."""
    by_group = {s.group: s for s in styles}
    groups = combined.groupindex
    found: dict[int, StyleMatch] = {}
    for name, index in groups.items():
        base = _STYLE_GROUP.fullmatch(name)
        if base is None:
            continue
        s = by_group[base.group(1)]
        found[index] = StyleMatch(
            style=s, num=groups[f"{name}_num"], delim=groups.get(f"{name}_delim", f"{name}_delim"),
            heading=s.family == "heading", line_only=s.where == "line", alone=s.alone, word=s.numeral == "word",
            follows=follows.get(s.numeral))
    return found


def compile_grammar(table: dict[str, Any], where: str = "grammar") -> Grammar:
    """Check every row and build the combined alternation (rows tried in table order)."""
    numerals = table.get("numerals") or {}
    styles = []
    for index, row in enumerate(table.get("styles") or []):
        _check_row(row, f"{where}: styles[{index + 1}]")
        styles.append(_make_style(row, index, numerals, where))
    if not styles:
        raise GrammarError(f"{where}: no styles")
    combined = _combined_regex(styles)
    hits = table.get("false_hits") or {}
    follows = {kind: re.compile(pat) for kind, pat in (hits.get("follows") or {}).items()}
    false_after = tuple(hits.get("after_marker") or ())
    return Grammar(
        styles=styles, regex=combined, by_group={s.group: s for s in styles}, follows=follows,
        false_after=false_after, by_index=_style_matches(combined, styles, follows),
        doc_regex=_document_regex(combined),
        false_after_re=re.compile("|".join(map(re.escape, false_after))) if false_after else None,
        back_matter=tuple(table.get("back_matter") or ()),
        closing_words=tuple(table.get("closing_words") or ()),
    )


def builtin_table() -> dict[str, Any]:
    text = resources.files("speech2tei").joinpath("data/grammar.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


@lru_cache(maxsize=1)
def default_grammar() -> Grammar:
    """The built-in grammar, compiled once per process."""
    return compile_grammar(builtin_table(), "built-in grammar")


def load_grammar(rules: Path | None = None) -> Grammar:
    """The built-in grammar, extended by a user's rules file when one is given."""
    if rules is None:
        return default_grammar()
    try:
        extra = load_yaml(rules.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GrammarError(f"cannot read rules file: {exc.strerror}", path=str(rules)) from exc
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise GrammarError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=str(rules),
                           line=None if line is None else line + 1) from exc
    return compile_grammar(merge_rules(builtin_table(), extra, str(rules)), str(rules))
