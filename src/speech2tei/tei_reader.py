"""Read speech2tei's own TEI back into the document model (the inverse of ``tei.write_tei``).

``read_tei(write_tei(c)) == c`` for every conversion the writer accepts. The reader follows
the encoding described in docs/tei.md and refuses, with ``FILE:LINE`` and a reason, elements
it does not know in the places it reads, so a hand-edited file fails loudly instead of
losing text. XML is parsed through ``safexml`` (no entities, no DTD, no network).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .errors import InputError
from .model import (
    Conversion,
    Diagnostic,
    Document,
    FrontItem,
    LineSpan,
    Node,
    Paragraph,
    Removal,
    Section,
    SourceInfo,
)
from .safexml import parse_xml
from .tei import CONTINUATION, EMPTY, LINE_PREFIX, PAGE_TEXT, SECTION_TYPES, TEI_NS, XML_ID, tei

_LINE_RE = re.compile(rf"^{LINE_PREFIX}:(\d+)-(\d+)$")
_CHAR_RE = re.compile(r"^U\+([0-9A-Fa-f]{4,6})$")
_FRONT_KINDS = {"title", "subtitle", "date", "byline", "salute", "closer", "trailer", "note"}
_FORMATS = {"text", "html", "docx", "json", "tei"}
_SEVERITIES = {"info", "warning", "error"}


class TeiReadError(InputError):
    """The TEI does not follow speech2tei's encoding closely enough to rebuild the model."""


def read_tei(data: bytes, name: str) -> Conversion:
    """Rebuild the Conversion a speech2tei TEI file was written from."""
    root = parse_xml(data, name).getroot()
    return _Reader(name).conversion(root)


class _Reader:
    """Holds the file name so every error can say ``FILE:LINE: message``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, el: etree._Element | None, message: str) -> TeiReadError:
        line = el.sourceline if el is not None else None
        return TeiReadError(message, path=self.name, line=line)

    # --- top level -------------------------------------------------------------------------

    def conversion(self, root: etree._Element) -> Conversion:
        if root.tag == tei("teiCorpus"):
            conv = self.conversion_header(self.child(root, "teiHeader"))
            page = root.find(tei("text"))
            if page is not None:
                conv.page_front = self.page_front(page)
            conv.documents = [self.document(member) for member in root.findall(tei("TEI"))]
            return conv
        if root.tag != tei("TEI"):
            raise self.fail(root, f"not a TEI document: the root element is <{_local(root)}> "
                                  f"(expected TEI or teiCorpus in {TEI_NS})")
        header = self.child(root, "teiHeader")
        text = self.child(root, "text")
        conv = self.conversion_header(header)
        if text.get("type") == PAGE_TEXT:
            conv.page_front = self.page_front(text)
            return conv
        conv.documents = [self.document(root)]
        return conv

    def child(self, el: etree._Element, tag: str) -> etree._Element:
        found = el.find(tei(tag))
        if found is None:
            raise self.fail(el, f"<{_local(el)}> has no <{tag}>")
        return found

    # --- header ----------------------------------------------------------------------------

    def conversion_header(self, header: etree._Element) -> Conversion:
        """Source, page title, uploader, conversion warnings and the removed ledger."""
        bibl = header.find(f"{tei('fileDesc')}/{tei('sourceDesc')}/{tei('bibl')}[@type='input']")
        if bibl is None:
            return Conversion(SourceInfo(self.name, format="tei"))
        source = SourceInfo(name=self.name)
        conv = Conversion(source)
        for el in _elements(bibl):
            local, kind = _local(el), el.get("type")
            if local == "title" and kind == "page":
                conv.page_title = text_of(el)
            elif local == "respStmt":
                name = el.find(f"{tei('name')}[@type='uploader']")
                conv.uploader = text_of(name) if name is not None else None
            elif local == "idno" and kind == "filename":
                source.name = text_of(el)
            elif local == "idno" and kind == "sha256":
                source.sha256 = text_of(el)
            elif local == "extent":
                measure = el.find(tei("measure"))
                source.size = self.integer(measure, measure.get("quantity") if measure is not None else None)
            elif local == "note" and kind == "encoding":
                source.encoding = text_of(el)
            elif local == "note" and kind == "format":
                source.format = self.source_format(el)
            elif local == "note" and kind == "removed":
                conv.removed.append(Removal(text_of(el), el.get("subtype", ""),
                                            self.line_span(el)[0]))
            elif local == "note" and kind in _SEVERITIES:
                conv.warnings.append(self.diagnostic(el))
        return conv

    def source_format(self, el: etree._Element) -> Any:
        value = text_of(el)
        if value not in _FORMATS:
            raise self.fail(el, f"unknown source format {value!r}")
        return value

    def diagnostic(self, el: etree._Element) -> Diagnostic:
        line = self.line_span(el)[0] if el.get("source") else None
        severity: Any = el.get("type")
        return Diagnostic(el.get("subtype", ""), text_of(el), line, severity)

    def document_header(self, header: etree._Element, doc: Document) -> None:
        """Metadata, warnings and numbering styles of one document."""
        meta = doc.meta
        title_stmt = header.find(f"{tei('fileDesc')}/{tei('titleStmt')}")
        if title_stmt is not None:
            for title in title_stmt.findall(tei("title")):
                if title.get("type") == "main":
                    meta.title = text_of(title)
                elif title.get("type") == "sub":
                    meta.subtitle = text_of(title)
            author = title_stmt.find(tei("author"))
            if author is not None:
                meta.speaker = _optional_text(author.find(tei("persName")))
                meta.speaker_role = _optional_text(author.find(tei("roleName")))
        notes = header.find(f"{tei('fileDesc')}/{tei('notesStmt')}")
        for note in notes.findall(tei("note")) if notes is not None else []:
            if note.get("type") == "salutation":
                meta.salutation = text_of(note)
            elif note.get("type") in _SEVERITIES:
                doc.warnings.append(self.diagnostic(note))
        setting = header.find(f"{tei('profileDesc')}/{tei('settingDesc')}/{tei('setting')}")
        if setting is not None:
            meta.occasion = _optional_text(setting.find(f"{tei('name')}[@type='occasion']"))
            date = setting.find(tei("date"))
            if date is not None:
                meta.date = text_of(date) or None
                meta.date_iso = date.get("when")
        taxonomy = header.find(f"{tei('encodingDesc')}/{tei('classDecl')}/{tei('taxonomy')}"
                               "[@n='numbering-styles']")
        if taxonomy is not None:
            for level_cat in taxonomy.findall(tei("category")):
                level = self.integer(level_cat, level_cat.get("n"))
                for style_cat in level_cat.findall(tei("category")):
                    doc.styles[style_cat.get("n", "")] = level

    # --- documents -------------------------------------------------------------------------

    def document(self, tei_el: etree._Element) -> Document:
        doc = Document()
        self.document_header(self.child(tei_el, "teiHeader"), doc)
        text = self.child(tei_el, "text")
        doc.lines = self.line_span(text)
        for part in _elements(text):
            local = _local(part)
            if local == "front":
                doc.front.extend(self.front_items(part))
            elif local == "body":
                doc.body = self.body(part, doc)
            elif local == "back":
                doc.back = self.front_items(part)
            else:
                raise self.fail(part, f"unexpected <{local}> in <text>")
        return doc

    def page_front(self, text: etree._Element) -> list[FrontItem]:
        front = text.find(tei("front"))
        return self.front_items(front) if front is not None else []

    def front_items(self, parent: etree._Element) -> list[FrontItem]:
        """Items of front, back or an opener, in document order."""
        items: list[FrontItem] = []
        for el in _elements(parent):
            local = _local(el)
            if local == "docTitle":
                for part in _elements(el):
                    kind = "title" if part.get("type") == "main" else "subtitle"
                    items.append(FrontItem(kind, text_of(part), self.line_span(part)))
            elif local in ("docDate", "date"):
                items.append(FrontItem("date", text_of(el), self.line_span(el)))
            elif local in ("byline", "signed"):
                items.append(FrontItem("byline", text_of(el), self.line_span(el)))
            elif local in ("salute", "closer", "trailer"):
                items.append(FrontItem(local, text_of(el), self.line_span(el)))
            elif local == "note":
                items.append(FrontItem(self.front_kind(el), text_of(el), self.line_span(el)))
            else:
                raise self.fail(el, f"unexpected <{local}> in <{_local(parent)}>")
        return items

    def front_kind(self, note: etree._Element) -> Any:
        """The FrontItem kind a ``<note type=KIND place="inline">`` stands for."""
        kind = note.get("type", "note")
        if kind not in _FRONT_KINDS:
            raise self.fail(note, f"unknown front/back item type {kind!r}")
        return kind

    def body(self, body: etree._Element, doc: Document) -> list[Node]:
        opener = body.find(tei("opener"))
        if opener is not None:
            doc.front.extend(self.front_items(opener))
        return self.nodes(body, depth=1)

    def nodes(self, parent: etree._Element, depth: int) -> list[Node]:
        """Paragraphs and sections of a body or section, continuation divs unwrapped."""
        nodes: list[Node] = []
        self.check_no_stray_text(parent)
        for el in _elements(parent):
            local = _local(el)
            if local in ("head", "opener"):
                continue
            if local == "p":
                nodes.append(Paragraph(text_of(el), self.line_span(el), "p"))
            elif (local == "ab" and el.get("type") == "closer") or local == "closer":
                nodes.append(Paragraph(text_of(el), self.line_span(el), "closer"))
            elif local == "div" and el.get("type") == CONTINUATION:
                nodes.extend(self.nodes(el, depth))
            elif local == "div" and el.get("type") == EMPTY:
                continue
            elif local == "div" and el.get("type") in SECTION_TYPES:
                nodes.append(self.section(el, depth))
            else:
                raise self.fail(el, f"unexpected <{local}{_type_suffix(el)}> in <{_local(parent)}>")
        return nodes

    def check_no_stray_text(self, parent: etree._Element) -> None:
        pieces = [parent.text or ""] + [child.tail or "" for child in parent]
        if any(piece.strip() for piece in pieces):
            raise self.fail(parent, f"text directly inside <{_local(parent)}> (outside any paragraph)")

    def section(self, div: etree._Element, depth: int) -> Section:
        head = div.find(tei("head"))
        if head is None:
            raise self.fail(div, "a section <div> has no <head>")
        marker, delimiter, head_text, head_end = self.head(head)
        value = div.get("n")
        cert: Any = div.get("cert", "high")
        if cert not in ("high", "medium", "low"):
            raise self.fail(div, f"unknown @cert {cert!r}")
        family: Any = div.get("type")
        return Section(
            marker=marker,
            style=div.get("subtype", ""),
            family=family,
            value=None if value is None else self.integer(div, value),
            level=depth,
            head=head_text,
            head_end=head_end,
            inline=div.get("rend") == "inline",
            cert=cert,
            lines=self.line_span(div),
            children=self.nodes(div, depth + 1),
            id=div.get(XML_ID, ""),
            delimiter=delimiter,
        )

    def head(self, head: etree._Element) -> tuple[str, str, str, str]:
        """(marker, delimiter, heading text, head_end) from ``<head><label>…<pc>…``."""
        marker = delimiter = head_end = ""
        parts = [head.text or ""]
        for child in head:
            local = _local(child)
            if local == "label":
                marker = text_of(child)
                pc = child.find(tei("pc"))
                delimiter = text_of(pc) if pc is not None else ""
            elif local == "pc" and child.get("type") == "head-end":
                head_end = text_of(child)
            elif local == "g":
                parts.append(glyph_text(child))
            elif not isinstance(child.tag, str):
                pass
            else:
                raise self.fail(child, f"unexpected <{local}> in <head>")
            parts.append(child.tail or "")
        return marker, delimiter, "".join(parts), head_end

    # --- values ----------------------------------------------------------------------------

    def line_span(self, el: etree._Element) -> LineSpan:
        value = el.get("source")
        if value is None:
            return (0, 0)
        match = _LINE_RE.match(value)
        if not match:
            raise self.fail(el, f"@source {value!r} is not of the form line:A-B")
        return (int(match.group(1)), int(match.group(2)))

    def integer(self, el: etree._Element | None, value: str | None) -> int:
        try:
            return int(value or "")
        except ValueError:
            raise self.fail(el, f"{value!r} is not an integer") from None


# --- text extraction -------------------------------------------------------------------------


def text_of(el: etree._Element) -> str:
    """All text inside ``el`` in order, ``<g type="char">`` turned back into its character."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(glyph_text(child) if _local(child) == "g" else text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def glyph_text(g: etree._Element) -> str:
    """The character a ``<g type="char" n="U+XXXX">`` stands for (else its visible text)."""
    match = _CHAR_RE.match(g.get("n", ""))
    if g.get("type") == "char" and match and int(match.group(1), 16) <= 0x10FFFF:
        return chr(int(match.group(1), 16))
    return g.text or ""


def _optional_text(el: etree._Element | None) -> str | None:
    return text_of(el) if el is not None else None


def _elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements, without comments and processing instructions."""
    return [child for child in parent if isinstance(child.tag, str)]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _type_suffix(el: etree._Element) -> str:
    kind = el.get("type")
    return f' type="{kind}"' if kind else ""
