"""A small streaming XML writer that writes the bytes lxml (libxml2) would, without building a tree.

The TEI writer used to build an lxml tree, indent it and serialise it: on a large input that
was its slowest stage and more than doubled the peak memory. ``XmlWriter`` writes start tags,
text and end tags straight into a list of strings, in document order, so a document costs
little more than its output, and ``take`` hands over what is finished so far.

The output matches ``lxml.etree.tostring(root, encoding="UTF-8")`` after the TEI writer's old
indentation (tests/test_xmlwrite.py compares the two):

* Text escapes ``& < >`` and CR (``&#13;``, or a parser would read it as LF); attribute
  values escape ``& < > "`` and TAB, LF, CR as character references (a parser would turn
  them into spaces). Everything else, astral characters included, is written as it is.
* An element without content is written ``<tag/>``.
* Elements named in ``structural`` hold only elements: each child starts on its own line,
  indented by ``step`` per level, and the end tag goes on a line of its own. Indentation
  stops below the first element that is not structural (mixed content is left as written).
* Characters XML 1.0 cannot hold are refused (ValueError), in text unless an
  ``on_forbidden`` handler writes them some other way (the TEI writer's ``<g>``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import TracebackType

FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
"""Character class (without brackets) of what XML 1.0 cannot contain, not even escaped."""

FORBIDDEN_CHARS = re.compile(f"[{FORBIDDEN}]")
_TEXT_SPECIAL = re.compile(f"[&<>\r{FORBIDDEN}]")
_ATTR_SPECIAL = re.compile(f'[&<>"\t\n\r{FORBIDDEN}]')
_ATTR_UNSAFE = re.compile(f"[&<>\t\n\r{FORBIDDEN}]")
"""What needs escaping in a start tag besides the quotes of values (counted separately)."""

Attributes = Mapping[str, "str | None"]
"""Attribute names (``xml:id``, ``xmlns`` as written) to values, in order; None leaves one out."""


def is_plain_text(text: str) -> bool:
    """True when ``text`` is element content as it is: nothing to escape, nothing XML cannot hold.

    ``str.isprintable`` is False for every control, surrogate and noncharacter and scans
    CJK text several times faster than a regex: when it passes, only ``& < >`` are left
    to look for. It also fails on harmless characters (U+3000, tab, newline): the regex
    decides then.
    """
    if text.isprintable():
        return "&" not in text and "<" not in text and ">" not in text
    return _TEXT_SPECIAL.search(text) is None


def escape_text(text: str) -> str:
    """``text`` as element content: ``& < >`` and CR escaped the way libxml2 does."""
    if FORBIDDEN_CHARS.search(text):
        raise ValueError(f"{text!r} holds a character XML 1.0 cannot contain")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attribute(value: str) -> str:
    """``value`` inside double quotes: also ``"`` and the whitespace a parser would normalise."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def start_tag(tag: str, attrs: Attributes | None = None) -> str:
    """``<tag a="1" b="2">`` with the attributes whose value is not None, in their order.

    Values are written as they are and the tag checked once: escaping is rare, and one
    search over the tag is cheaper than one per value. Names are the caller's own.
    """
    if not attrs:
        return f"<{tag}>"
    out = "<" + tag
    written = 0
    for name, value in attrs.items():
        if value is not None:
            out += f' {name}="{value}"'
            written += 1
    if _ATTR_UNSAFE.search(out, 1) is not None or out.count('"') != 2 * written:
        return _escaped_start_tag(tag, attrs)
    return out + ">"


def _escaped_start_tag(tag: str, attrs: Attributes) -> str:
    out = "<" + tag
    for name, value in attrs.items():
        if value is not None:
            out += f' {name}="{escape_attribute(value)}"'
    return out + ">"


def inline_element(tag: str, attrs: Attributes | None, content: str) -> str:
    """An element whose content is markup already (escaped text, inline elements): not indented."""
    if attrs:
        start = start_tag(tag, attrs)
        return f"{start}{content}</{tag}>" if content else start[:-1] + "/>"
    return f"<{tag}>{content}</{tag}>" if content else f"<{tag}/>"


ForbiddenHandler = Callable[[str], str]
"""Markup that stands for a character XML cannot hold (or raises ValueError)."""


def refuse_forbidden(char: str) -> str:
    """The default ``on_forbidden``: such a character cannot be written."""
    raise ValueError(f"U+{ord(char):04X} cannot be written in XML 1.0")


_FLAT = -2
"""The level of an element whose content is written as it is (not indented)."""


class XmlWriter:
    """Write elements in document order; ``take`` returns the text finished so far.

    Each open element is a frame ``(tag, index of its start tag, level, child prefix, end
    tag)``: the level counts indented elements from the root (0), -1 is the document
    (a sentinel frame at the bottom), ``_FLAT`` an element whose content is not indented.
    The child prefix (newline and indentation, or nothing) goes before each child, the end
    tag comes with its own indentation. Indices count every part ever written, so they stay
    valid after ``take`` has handed earlier parts over.
    """

    __slots__ = ("_done", "_indents", "_on_forbidden", "_parts", "_stack", "_step", "_structural")

    def __init__(self, structural: frozenset[str] = frozenset(), *, step: str = "  ",
                 on_forbidden: ForbiddenHandler = refuse_forbidden) -> None:
        self._structural = structural
        self._step = step
        self._on_forbidden = on_forbidden
        self._parts: list[str] = []
        self._done = 0
        """How many parts ``take`` has handed over."""
        self._stack: list[tuple[str, int, int, str, str]] = [("", -1, -1, "", "")]
        self._indents: list[str] = ["\n"]

    # --- elements ---------------------------------------------------------------------------

    def start(self, tag: str, attrs: Attributes | None = None) -> XmlWriter:
        """Open an element; ``with writer.start(...):`` closes it at the end of the block."""
        parts = self._parts
        parts.append(self._stack[-1][3] + start_tag(tag, attrs))
        self._stack.append(self._frame(tag, self._done + len(parts) - 1))
        return self

    def _frame(self, tag: str, index: int) -> tuple[str, int, int, str, str]:
        """The frame of an element opened in the innermost one, its start tag at ``index``."""
        level = self._stack[-1][2]
        if level != _FLAT and tag in self._structural:
            level += 1
            return (tag, index, level, self._indent(level + 1), f"{self._indent(level)}</{tag}>")
        return (tag, index, _FLAT, "", f"</{tag}>")

    def resume(self, tag: str) -> XmlWriter:
        """Go on inside an element another writer opened and wrote content in: children get
        its layout, and its start tag is not ours to write (nor ours to make ``<tag/>``).
        Lets parts of one document be written by separate writers, even in other processes."""
        never = -2 - self._done  # an index ``end`` and ``take`` never find among the parts
        self._stack.append(self._frame(tag, never))
        return self

    def end(self) -> None:
        """Close the innermost element: ``<tag/>`` if nothing was written in it."""
        if len(self._stack) == 1:
            raise RuntimeError("end() without an open element")
        tag, index, _level, _prefix, end_tag = self._stack.pop()
        parts = self._parts
        at = index - self._done
        if at == len(parts) - 1:
            if at < 0:  # take() keeps the start tag of an empty element: cannot happen
                raise RuntimeError(f"the start tag of empty <{tag}> was already taken")
            parts[at] = parts[at][:-1] + "/>"
        else:
            parts.append(end_tag)

    def element(self, tag: str, attrs: Attributes | None = None, text: str | None = None) -> None:
        """A whole element with optional text content, written in one piece (the common case).

        Written as it is even if ``tag`` is structural: without children it has no layout.
        """
        start = start_tag(tag, attrs) if attrs else f"<{tag}>"
        if text:
            if _TEXT_SPECIAL.search(text) is not None:
                text = self.markup(text)
            self._parts.append(f"{self._stack[-1][3]}{start}{text}</{tag}>")
        else:
            self._parts.append(f"{self._stack[-1][3]}{start[:-1]}/>")

    def child(self, markup: str) -> None:
        """Append a finished element (``inline_element``) to the open element, indented as a child."""
        self._parts.append(self._stack[-1][3] + markup)

    def __enter__(self) -> XmlWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.end()

    # --- text -------------------------------------------------------------------------------

    def text(self, text: str) -> None:
        """Append character data to the open element (escaped; forbidden characters handled)."""
        if not text:
            return
        tag, _index, level, _prefix, _end = self._stack[-1]
        if level != _FLAT:
            raise ValueError(f"no text in <{tag}>: it holds elements only" if tag else "no text outside the root")
        self._parts.append(self.markup(text))

    def markup(self, text: str) -> str:
        """``text`` as XML character data: escaped, forbidden characters as ``on_forbidden`` says."""
        if is_plain_text(text):
            return text
        pieces = []
        pos = 0
        for match in FORBIDDEN_CHARS.finditer(text):
            pieces.append(escape_text(text[pos : match.start()]))
            pieces.append(self._on_forbidden(match.group()))
            pos = match.end()
        pieces.append(escape_text(text[pos:]))
        return "".join(pieces)

    def raw(self, text: str) -> None:
        """Append text that is already XML (a declaration, a final newline) as it is."""
        if text:
            self._parts.append(text)

    # --- laid out by the caller ---------------------------------------------------------------

    @property
    def level(self) -> int:
        """Indentation level of the innermost open element: 0 for the root, -1 with nothing
        open, -2 when its content is not indented (it is not structural, or sits in one that is not).
        """
        return self._stack[-1][2]

    def indent(self, level: int) -> str:
        """The newline and indentation that go before an element at ``level`` (see ``level``)."""
        return self._indent(level)

    def sink(self) -> Callable[[str], None]:
        """Append markup as it is, with no call per piece: for a caller that lays out a subtree.

        For the hot loops of a writer that knows its layout (the TEI body): the caller writes
        whole elements, indented with ``indent(level + 1)`` under an element at ``level``,
        and so keeps the open elements as they are. The function stays valid while the
        writer lives; ``take`` and ``pending`` count what it appended.
        """
        return self._parts.append

    # --- output -----------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """How many elements are open."""
        return len(self._stack) - 1

    @property
    def pending(self) -> int:
        """How many pieces of markup are waiting for ``take``."""
        return len(self._parts)

    def take(self) -> str:
        """Everything written so far that can no longer change, as one string.

        The start tag of the innermost element stays while that element is empty: it may
        still become ``<tag/>``.
        """
        parts = self._parts
        keep = len(parts)
        at = self._stack[-1][1] - self._done
        if 0 <= at == len(parts) - 1:
            keep = at
        chunk = "".join(parts[:keep])
        del parts[:keep]
        self._done += keep
        return chunk

    def _indent(self, level: int) -> str:
        """A newline and ``level`` steps (cached: the same few come back all the time)."""
        indents = self._indents
        while len(indents) <= level:
            indents.append(indents[-1] + self._step)
        return indents[level]
