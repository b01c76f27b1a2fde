"""Stage 0: bytes → the text lines the rest of the pipeline reads.

Three readers: plain text (also Markdown, which clean.py unwraps), HTML (also HTML pasted into
a .txt, as gov.cn database dumps and Word exports arrive) and .docx. The format is taken from
``fmt`` when given, else from the file name, else sniffed from the content.

For the "nothing lost" ledger the input of the pipeline is the reader's text: for HTML and
.docx that is the extracted text, not the markup. ``RawInput.ledger_text`` is that text plus
what the reader itself dropped (scripts, comments, navigation), which ``RawInput.removed``
lists; pass it to ``ledger.check_nothing_lost``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from ..decode import decode_bytes, split_lines
from ..errors import InputError
from ..model import Removal, SourceInfo

ZIP_MAGIC = b"PK\x03\x04"
"""How every .docx starts (a zip archive). Only then is its reader, and lxml with it, imported:
plain text, most of what is converted, pays for neither."""
FORMATS = ("text", "html", "docx")
FORMAT_ALIASES = {"txt": "text", "md": "text", "markdown": "text", "htm": "html",
                  "xhtml": "html"}
SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html", ".docx": "docx"}

HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)", re.IGNORECASE)
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:]*(\s[^<>]*)?/?>")
BLOCK_TAG = re.compile(r"<(p|div|br|td|tr|li|h[1-6]|table|tbody|span|font)[\s>/]", re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(slots=True)
class RawInput:
    lines: list[str]
    """The text the rest of the pipeline sees, one string per logical line."""
    hints: dict[int, str] = field(default_factory=dict)
    """0-based line index → "heading"/"title" where the source itself marks one."""
    source: SourceInfo = field(default_factory=lambda: SourceInfo("<input>"))
    removed: list[Removal] = field(default_factory=list)
    """Text the reader dropped (scripts, comments, navigation), with reason and line."""
    replaced: list[int] = field(default_factory=list)
    """Byte offsets decoded as U+FFFD under ``errors="replace"``."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def ledger_text(self) -> str:
        """What the reader saw as text, kept or dropped: the ledger's input."""
        return "\n".join([*self.lines, *(r.text for r in self.removed)])


XML_PROLOG = re.compile(rb"\s*(<\?xml[^>]*>\s*)?<!DOCTYPE\s+(?!html[\s>])", re.IGNORECASE)
"""An XML file with a DOCTYPE that is not an (X)HTML one."""


def refuse_hostile_doctype(data: bytes, name: str) -> None:
    """Any XML given as input (a TEI file read as text, an XML export) has its DOCTYPE
    checked before anything reads it: entity declarations and external DTDs are refused."""
    if XML_PROLOG.match(data.lstrip(b"\xef\xbb\xbf")[:4096]):
        from ..safexml import check_doctype

        check_doctype(data, name)


def read_input(data: bytes, name: str, *, fmt: str | None = None, encoding: str | None = None,
               errors: str = "strict") -> RawInput:
    """Read one input in any supported format into lines, hints and source information."""
    kind = choose_format(data, name, fmt)
    source = SourceInfo(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    if kind == "docx":
        from .docx import read_docx

        doc = read_docx(data, name)
        source.encoding, source.format = "utf-8", "docx"
        if not any(line.strip() for line in doc.lines):
            raise InputError("empty input (the document has no text)", path=name)
        return RawInput(doc.lines, doc.hints, source)
    refuse_hostile_doctype(data, name)
    decoded = decode_bytes(data, name=name, encoding=encoding, errors=errors)
    source.encoding = decoded.encoding
    if kind == "html" or (kind is None and looks_like_html(decoded.text)):
        from .html import read_html

        page = read_html(decoded.text, name)
        source.format = "html"
        if not any(line.strip() for line in page.lines):
            raise InputError("empty input (the HTML has no text)", path=name)
        return RawInput(page.lines, page.hints, source, page.removed, decoded.replaced)
    source.format = "text"
    return RawInput(split_lines(decoded.text), {}, source, [], decoded.replaced)


def choose_format(data: bytes, name: str, fmt: str | None) -> str | None:
    """The format asked for, or given by the suffix, or "docx" when sniffed; None = decide
    between text and HTML after decoding."""
    if fmt:
        kind = FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
        if kind not in FORMATS:
            raise InputError(f"unknown input format {fmt!r} (use text, html or docx)", path=name)
        return kind
    suffix = PurePath(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if data.startswith(ZIP_MAGIC):
        from .docx import is_docx

        if is_docx(data):
            return "docx"
    return None


def looks_like_html(text: str) -> bool:
    """An HTML page or fragment, not text that merely holds a tag or an HTML comment.

    True when it starts like an HTML document, or when tags make up a large share of the
    visible characters and several of them are block tags (a gov.cn <td><p><span> dump, a
    Word export pasted into a .txt).
    """
    head = text[:2048].lstrip("\ufeff")
    if HTML_START.match(head):
        return True
    if "<" not in text:
        return False
    body = COMMENT.sub("", text)
    tag_chars = sum(len(m.group(0)) for m in TAG.finditer(body))
    visible = len("".join(body.split()))
    return visible > 0 and tag_chars >= 0.2 * visible and len(BLOCK_TAG.findall(body)) >= 3
