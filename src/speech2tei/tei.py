"""TEI P5 writer: a Conversion becomes one ``<TEI>`` (or a ``<teiCorpus>`` for a compilation).

The encoding is described in docs/tei.md; the points that shape this module:

* Everything the model holds is written, so ``tei_reader.read_tei`` rebuilds an equal model:
  source lines as ``@source="line:A-B"`` (a private URI scheme declared with ``prefixDef``),
  the marker in ``<label>`` (its delimiter in ``<pc>``), the closing punctuation of a head in
  ``<pc type="head-end">``, metadata, warnings and the removed-text ledger in the header.
* The output is valid TEI P5 (tei_all) and valid against the project schema
  ``data/speech2tei-tei.rng``. TEI forbids ``<p>`` after a nested ``<div>``; paragraphs that
  follow nested sections are kept in reading order inside ``<div type="continuation">``.
* XML 1.0 cannot hold most C0 controls, lone surrogates, U+FFFE and U+FFFF. Such characters
  are written as ``<g type="char" n="U+001B">␛</g>`` (a visible stand-in, the code point in
  ``@n``) so the output is always well-formed and the reader restores the exact text.
* Level is the nesting depth of a section; the writer refuses a model where they disagree.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from urllib.parse import quote

from lxml import etree

from .errors import ValidationError
from .model import (
    Conversion,
    Diagnostic,
    Document,
    FrontItem,
    Metadata,
    Node,
    Paragraph,
    Removal,
    Section,
    iter_sections,
)

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"
LANG = "zh"

LINE_PREFIX = "line"
"""The private URI scheme of ``@source`` values: ``line:12-14`` = lines 12 to 14 of the input."""

SECTION_TYPES = ("heading", "enumeration")
CONTINUATION = "continuation"
EMPTY = "empty"
PAGE_TEXT = "page"

_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NCNAME = re.compile(r"^[A-Za-z_\u00c0-\ufffd][\w.\-\u00b7\u0300-\u036f\u203f-\u2040]*$")
_W3C_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_VERSION = re.compile(r"^[\d]+[a-z]*[\d]*(\.[\d]+[a-z]*[\d]*){0,3}$")

STRUCTURAL = frozenset(
    {"TEI", "teiCorpus", "teiHeader", "fileDesc", "titleStmt", "publicationStmt", "availability",
     "notesStmt", "sourceDesc", "bibl", "encodingDesc", "appInfo", "application", "editorialDecl",
     "listPrefixDef", "prefixDef", "classDecl", "taxonomy", "category", "profileDesc", "langUsage",
     "settingDesc", "setting", "text", "front", "docTitle", "body", "back", "div", "opener"}
)
"""Elements that only ever hold other elements: the only ones the writer indents."""

FRONT_FIRST = frozenset({"title", "subtitle", "date", "byline", "note"})
"""Front/back item kinds with a form allowed at the start of ``<front>``/``<back>``."""
BACK_TAIL = frozenset({"closer", "trailer", "byline", "note"})
"""Kinds with a form allowed at the end of ``<back>`` (TEI's model.divBottomPart)."""
OPENER_KINDS = frozenset({"salute", "note"})

EDITORIAL_NOTES = (
    "Sections follow the text's own numbering: each div of @type heading or enumeration is one "
    "numbered unit; @subtype names the numbering style, @n gives its numeric value, label holds "
    "the marker as written (pc its delimiter) and pc[@type='head-end'] the punctuation that "
    "closed the heading. Nesting depth is the section level.",
    "TEI does not allow a paragraph after a nested div: paragraphs that follow nested sections "
    "are kept in reading order inside div[@type='continuation'].",
    "Nothing of the source text is left out: the text of a document is its front, body and "
    "back in document order; text removed from the input (site furniture, anti-copy "
    "characters and the like) is listed in sourceDesc as note[@type='removed'] with the "
    "reason in @subtype.",
    "Characters XML 1.0 cannot contain (most C0 controls, U+FFFE, U+FFFF, lone surrogates) are "
    "written as g[@type='char'] holding a visible stand-in, with the code point in @n.",
    "@source='line:A-B' gives the lines A to B (1-based, inclusive) of the decoded input "
    "that an element comes from.",
)


class TeiWriteError(ValidationError, ValueError):
    """The model holds something the TEI cannot carry faithfully (a bad id, level, token…).

    A ValidationError, so the CLI reports it as one line with exit code 3 and writes nothing.
    """


# --- small helpers ---------------------------------------------------------------------------


def tei(tag: str) -> str:
    """Clark name of a TEI element."""
    return f"{{{TEI_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, attrs: dict[str, str | None] | None = None,
         text: str | None = None) -> etree._Element:
    """Append a TEI element with the non-empty attributes given and (escaped) text."""
    el = etree.SubElement(parent, tei(tag))
    for key, value in (attrs or {}).items():
        if value is not None:
            el.set(key, value)
    if text:
        add_text(el, text)
    return el


def add_text(el: etree._Element, text: str) -> None:
    """Append ``text`` at the end of ``el``, writing XML-forbidden characters as ``<g>``."""
    pos = 0
    for match in _FORBIDDEN_CHARS.finditer(text):
        _append_plain(el, text[pos : match.start()])
        _append_char_glyph(el, match.group())
        pos = match.end()
    _append_plain(el, text[pos:])


def _append_plain(el: etree._Element, text: str) -> None:
    if not text:
        return
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def _append_char_glyph(el: etree._Element, char: str) -> None:
    """``<g type="char" n="U+001B">␛</g>``: the stand-in is a Control Picture or U+FFFD."""
    code = ord(char)
    shown = chr(0x2400 + code) if code < 0x20 else "\ufffd"
    glyph = etree.SubElement(el, tei("g"))
    glyph.set("type", "char")
    glyph.set("n", f"U+{code:04X}")
    glyph.text = shown


def line_ref(lines: tuple[int, int]) -> str | None:
    """``line:A-B`` for a line span, None for the unknown span (0, 0)."""
    start, end = lines
    if (start, end) == (0, 0):
        return None
    if start < 0 or end < 0:
        raise TeiWriteError(f"line span {lines} has a negative line number")
    return f"{LINE_PREFIX}:{start}-{end}"


def _token(value: str, what: str) -> str:
    """A value for a TEI token attribute (@type, @subtype): TEI's ``[^\\p{C}\\p{Z}]+``."""
    if not value or any(unicodedata.category(ch)[0] in "CZ" for ch in value):
        raise TeiWriteError(f"{what} {value!r} cannot be written as a TEI attribute token")
    return value


def speech2tei_version() -> str:
    """The installed version (``speech2tei.__version__`` or the package metadata)."""
    import speech2tei

    version = getattr(speech2tei, "__version__", None)
    if version:
        return str(version)
    try:
        from importlib.metadata import version as dist_version

        return dist_version("speech2tei")
    except Exception:
        return "0+unknown"


def publication_date() -> _dt.date:
    """Today (UTC), or the date of SOURCE_DATE_EPOCH for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).date()
    return _dt.datetime.now(tz=_dt.timezone.utc).date()


def _valid_w3c_date(value: str) -> bool:
    """True for YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar date."""
    if not _W3C_DATE.match(value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        _dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


# --- entry point -----------------------------------------------------------------------------


def write_tei(conv: Conversion) -> bytes:
    """The TEI P5 XML of a conversion, UTF-8 with an XML declaration."""
    root = build_tree(conv)
    indent(root)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def is_corpus(conv: Conversion) -> bool:
    """A compilation (several documents, or page-level text) becomes a teiCorpus."""
    has_page = bool(conv.page_title or conv.uploader or conv.page_front)
    return len(conv.documents) > 1 or (len(conv.documents) == 1 and has_page)


def build_tree(conv: Conversion) -> etree._Element:
    """The element tree: teiCorpus, a single TEI, or a TEI for a conversion without documents."""
    _check_ids(conv)
    if is_corpus(conv):
        root = etree.Element(tei("teiCorpus"), nsmap={None: TEI_NS})
        root.set(XML_LANG, LANG)
        header = _header_root(root)
        _conversion_header(header, conv, title_doc=None)
        if conv.page_front:
            _page_text(root, conv.page_front)
        for index, doc in enumerate(conv.documents, 1):
            member = _sub(root, "TEI", {XML_LANG: LANG})
            _document_header(_header_root(member), doc, index, conv, standalone=False)
            _document_text(member, doc)
        return root
    root = etree.Element(tei("TEI"), nsmap={None: TEI_NS})
    root.set(XML_LANG, LANG)
    header = _header_root(root)
    if conv.documents:
        _document_header(header, conv.documents[0], 1, conv, standalone=True)
        _document_text(root, conv.documents[0])
    else:
        _conversion_header(header, conv, title_doc=None)
        _page_text(root, conv.page_front)
    return root


def _check_ids(conv: Conversion) -> None:
    """Section ids must be NCNames and unique in the file (they become @xml:id)."""
    seen: set[str] = set()
    for doc in conv.documents:
        for section in iter_sections(doc.body):
            if not section.id:
                continue
            if not _NCNAME.match(section.id):
                raise TeiWriteError(f"section id {section.id!r} is not an XML name (NCName)")
            if section.id in seen:
                raise TeiWriteError(f"section id {section.id!r} is used twice")
            seen.add(section.id)


# --- header ----------------------------------------------------------------------------------


def _header_root(parent: etree._Element) -> etree._Element:
    return _sub(parent, "teiHeader")


def _conversion_header(header: etree._Element, conv: Conversion, title_doc: Document | None) -> None:
    """Header of a teiCorpus (or of a TEI without documents): the page and the input file."""
    file_desc = _sub(header, "fileDesc")
    title_stmt = _sub(file_desc, "titleStmt")
    if conv.page_title:
        _sub(title_stmt, "title", {"type": "main"}, conv.page_title)
    else:
        _sub(title_stmt, "title", {"type": "desc"}, f"Texts converted from {conv.source.name}")
    _publication_stmt(file_desc)
    _source_desc_input(_sub(file_desc, "sourceDesc"), conv)
    encoding = _sub(header, "encodingDesc")
    _encoding_common(encoding, conv)
    _profile_desc(header, None)


def _document_header(header: etree._Element, doc: Document, index: int, conv: Conversion,
                     *, standalone: bool) -> None:
    """Header of one document; ``standalone`` adds what a teiCorpus header would hold."""
    file_desc = _sub(header, "fileDesc")
    _title_stmt(file_desc, doc.meta, index, conv)
    _publication_stmt(file_desc)
    _notes_stmt(file_desc, doc)
    source_desc = _sub(file_desc, "sourceDesc")
    if standalone:
        _source_desc_input(source_desc, conv)
    else:
        _sub(source_desc, "p", None,
             f"Document {index} of the input described in the header of this teiCorpus.")
    encoding = _sub(header, "encodingDesc")
    if standalone:
        _encoding_common(encoding, conv)
    else:
        _prefix_defs(encoding, conv)
    _styles_taxonomy(encoding, doc)
    _profile_desc(header, doc.meta)


def _title_stmt(file_desc: etree._Element, meta: Metadata, index: int, conv: Conversion) -> None:
    stmt = _sub(file_desc, "titleStmt")
    if meta.title:
        _sub(stmt, "title", {"type": "main"}, meta.title)
    if meta.subtitle:
        _sub(stmt, "title", {"type": "sub"}, meta.subtitle)
    if not meta.title and not meta.subtitle:
        _sub(stmt, "title", {"type": "desc"}, f"Untitled document {index} of {conv.source.name}")
    if meta.speaker or meta.speaker_role:
        author = _sub(stmt, "author", {"role": "speaker"})
        if meta.speaker:
            _sub(author, "persName", None, meta.speaker)
        if meta.speaker_role:
            _sub(author, "roleName", None, meta.speaker_role)


def _publication_stmt(file_desc: etree._Element) -> None:
    """Who made this file and when: speech2tei, its version, the date, the rights situation."""
    stmt = _sub(file_desc, "publicationStmt")
    _sub(stmt, "authority", None, f"Generated by speech2tei {speech2tei_version()}")
    day = publication_date().isoformat()
    _sub(stmt, "date", {"when": day}, day)
    availability = _sub(stmt, "availability", {"status": "unknown"})
    _sub(availability, "p", None,
         "Converted by speech2tei from the source named in sourceDesc; the rights in the text "
         "are those of that source.")


def _notes_stmt(file_desc: etree._Element, doc: Document) -> None:
    """The salutation and the document's warnings (notesStmt needs at least one note)."""
    if not doc.meta.salutation and not doc.warnings:
        return
    stmt = _sub(file_desc, "notesStmt")
    if doc.meta.salutation:
        _sub(stmt, "note", {"type": "salutation"}, doc.meta.salutation)
    for diagnostic in doc.warnings:
        _diagnostic_note(stmt, diagnostic)


def _diagnostic_note(parent: etree._Element, diagnostic: Diagnostic) -> None:
    """``<note type="warning" subtype="numbering-gap" source="line:7-7">message</note>``."""
    line = None if diagnostic.line is None else line_ref((diagnostic.line, diagnostic.line))
    if diagnostic.line == 0:
        line = f"{LINE_PREFIX}:0-0"
    _sub(parent, "note", {"type": _token(diagnostic.severity, "severity"),
                          "subtype": _token(diagnostic.code, "diagnostic code"), "source": line},
         diagnostic.message)


def _source_desc_input(source_desc: etree._Element, conv: Conversion) -> None:
    """The input file: page title, uploader, name, SHA-256, size, encoding, format, ledger."""
    src = conv.source
    bibl = _sub(source_desc, "bibl", {"type": "input"})
    if conv.page_title:
        _sub(bibl, "title", {"type": "page"}, conv.page_title)
    if conv.uploader:
        resp_stmt = _sub(bibl, "respStmt")
        _sub(resp_stmt, "resp", None, "uploaded by")
        _sub(resp_stmt, "name", {"type": "uploader"}, conv.uploader)
    _sub(bibl, "idno", {"type": "filename"}, src.name)
    if src.sha256:
        _sub(bibl, "idno", {"type": "sha256"}, src.sha256)
    extent = _sub(bibl, "extent")
    _sub(extent, "measure", {"unit": "byte", "quantity": str(src.size)}, f"{src.size} bytes")
    _sub(bibl, "note", {"type": "encoding"}, src.encoding)
    _sub(bibl, "note", {"type": "format"}, src.format)
    for diagnostic in conv.warnings:
        _diagnostic_note(bibl, diagnostic)
    for removal in conv.removed:
        _removal_note(bibl, removal)


def _removal_note(parent: etree._Element, removal: Removal) -> None:
    """``<note type="removed" subtype="boilerplate" source="line:3-3">text</note>``."""
    line = f"{LINE_PREFIX}:{removal.line}-{removal.line}"
    if removal.line < 0:
        raise TeiWriteError(f"removed text has a negative line number {removal.line}")
    _sub(parent, "note", {"type": "removed", "subtype": _token(removal.reason, "removal reason"),
                          "source": line}, removal.text)


def _encoding_common(encoding: etree._Element, conv: Conversion) -> None:
    """The software, the editorial principles and the ``line:`` URI scheme."""
    version = speech2tei_version()
    if _VERSION.match(version):
        app_info = _sub(encoding, "appInfo")
        app = _sub(app_info, "application", {"ident": "speech2tei", "version": version})
        _sub(app, "label", None, "speech2tei")
    decl = _sub(encoding, "editorialDecl")
    for text in EDITORIAL_NOTES:
        _sub(decl, "p", None, text)
    _prefix_defs(encoding, conv)


def _prefix_defs(encoding: etree._Element, conv: Conversion) -> None:
    """Declare ``line:A-B`` as lines A to B of the input file."""
    prefixes = _sub(encoding, "listPrefixDef")
    target = quote(conv.source.name, safe="", errors="surrogatepass")
    prefix = _sub(prefixes, "prefixDef", {"ident": LINE_PREFIX, "matchPattern": "([0-9]+)-([0-9]+)",
                                          "replacementPattern": f"{target}#L$1-L$2"})
    _sub(prefix, "p", None, "line:A-B points to lines A to B (1-based, inclusive) of the decoded "
                            "input file named in sourceDesc.")


def _styles_taxonomy(encoding: etree._Element, doc: Document) -> None:
    """Numbering styles found, grouped under the level each was first given."""
    if not doc.styles:
        return
    class_decl = _sub(encoding, "classDecl")
    taxonomy = _sub(class_decl, "taxonomy", {"n": "numbering-styles"})
    _sub(taxonomy, "desc", None, "Numbering styles found in the text, under the level each was "
                                 "first given (1 = top).")
    by_level: dict[int, list[str]] = {}
    for style, level in doc.styles.items():
        by_level.setdefault(level, []).append(style)
    for level in sorted(by_level):
        level_cat = _sub(taxonomy, "category", {"n": str(level)})
        _sub(level_cat, "catDesc", None, f"Level {level}")
        for style in by_level[level]:
            style_cat = _sub(level_cat, "category", {"n": _token(style, "style name")})
            _sub(style_cat, "catDesc", None, f"Numbering style {style}")


def _profile_desc(header: etree._Element, meta: Metadata | None) -> None:
    """Language, and the occasion and date of the speech where known."""
    profile = _sub(header, "profileDesc")
    lang_usage = _sub(profile, "langUsage")
    _sub(lang_usage, "language", {"ident": LANG}, "Chinese")
    if meta is None or not (meta.occasion or meta.date or meta.date_iso):
        return
    setting = _sub(_sub(profile, "settingDesc"), "setting")
    if meta.occasion:  # <activity> cannot hold <g>; the occasion is the event's name
        _sub(setting, "name", {"type": "occasion"}, meta.occasion)
    if meta.date or meta.date_iso:
        _sub(setting, "date", {"when": _checked_iso(meta.date_iso)}, meta.date or "")


def _checked_iso(value: str | None) -> str | None:
    if value is None:
        return None
    if not _valid_w3c_date(value):
        raise TeiWriteError(f"date_iso {value!r} is not an ISO 8601 date (YYYY[-MM[-DD]])")
    return value


# --- text ------------------------------------------------------------------------------------


def _page_text(parent: etree._Element, items: list[FrontItem]) -> None:
    """Page-level text outside any document: ``<text type="page">`` with a front."""
    text = _sub(parent, "text", {"type": PAGE_TEXT})
    if items:
        _front(text, items, Metadata())
    _empty_marker(_sub(text, "body"))


def _document_text(parent: etree._Element, doc: Document) -> None:
    text = _sub(parent, "text", {"source": line_ref(doc.lines)})
    front_items, opener_items = _split_opener(doc.front)
    if front_items:
        _front(text, front_items, doc.meta)
    body = _sub(text, "body")
    if opener_items:
        opener = _sub(body, "opener")
        for item in opener_items:
            _opener_item(opener, item)
    _container(body, doc.body, depth=1, is_body=True)
    if doc.back:
        _back(text, doc.back, doc.meta)


def _split_opener(items: list[FrontItem]) -> tuple[list[FrontItem], list[FrontItem]]:
    """The salute that ends the front matter (with any notes after it) opens the body."""
    for start, item in enumerate(items):
        if item.kind == "salute" and all(rest.kind in OPENER_KINDS for rest in items[start:]):
            return items[:start], items[start:]
    return items, []


def _opener_item(opener: etree._Element, item: FrontItem) -> None:
    if item.kind == "salute":
        _sub(opener, "salute", {"source": line_ref(item.lines)}, item.text)
    else:
        _fallback_note(opener, item)


def _front(text: etree._Element, items: list[FrontItem], meta: Metadata) -> None:
    """``<front>``: titles, byline, date; other kinds as notes.

    TEI allows salute, closer and trailer in ``<front>`` only after a ``<div>``; the salute
    that ends the front matter goes to the body's ``<opener>`` instead (``_split_opener``).
    """
    front = _sub(text, "front")
    for item in items:
        _front_first_item(front, item, meta)


def _front_first_item(parent: etree._Element, item: FrontItem, meta: Metadata) -> None:
    """An item in the leading part of front or back (TEI model.pLike.front)."""
    if item.kind in ("title", "subtitle"):
        last = parent[-1] if len(parent) else None
        doc_title = last if last is not None and last.tag == tei("docTitle") else _sub(parent, "docTitle")
        part = "main" if item.kind == "title" else "sub"
        _sub(doc_title, "titlePart", {"type": part, "source": line_ref(item.lines)}, item.text)
    elif item.kind == "date":
        _doc_date(parent, item, meta)
    elif item.kind == "byline":
        _byline(parent, item, meta)
    else:
        _fallback_note(parent, item)


def _back(text: etree._Element, items: list[FrontItem], meta: Metadata) -> None:
    """``<back>``: closer, trailer and signature; a date or title before them."""
    back = _sub(text, "back")
    at_tail = False
    for item in items:
        if not at_tail and item.kind in FRONT_FIRST:
            _front_first_item(back, item, meta)
        elif item.kind in BACK_TAIL:
            at_tail = True
            if item.kind == "byline":
                _sub(back, "signed", {"source": line_ref(item.lines)}, item.text)
            elif item.kind == "note":
                _fallback_note(back, item)
            else:
                _sub(back, item.kind, {"source": line_ref(item.lines)}, item.text)
        else:
            _fallback_note(back, item)


def _doc_date(parent: etree._Element, item: FrontItem, meta: Metadata) -> None:
    """``<docDate>``; ``@when`` only when the ISO date is known and this is its written form."""
    when = None
    if meta.date_iso and meta.date and meta.date in item.text:
        when = _checked_iso(meta.date_iso)
    _sub(parent, "docDate", {"when": when, "source": line_ref(item.lines)}, item.text)


def _byline(parent: etree._Element, item: FrontItem, meta: Metadata) -> None:
    """``<byline>``, with the speaker's name marked as ``<docAuthor>`` where it appears."""
    byline = _sub(parent, "byline", {"source": line_ref(item.lines)})
    speaker = meta.speaker
    if speaker and speaker in item.text:
        before, after = item.text.split(speaker, 1)
        add_text(byline, before)
        _sub(byline, "docAuthor", None, speaker)
        add_text(byline, after)
    else:
        add_text(byline, item.text)


def _fallback_note(parent: etree._Element, item: FrontItem) -> None:
    """An item where its own element is not allowed: ``<note type=KIND place="inline">``."""
    _sub(parent, "note", {"type": item.kind, "place": "inline", "source": line_ref(item.lines)},
         item.text)


# --- body ------------------------------------------------------------------------------------


def _container(parent: etree._Element, nodes: list[Node], depth: int, *, is_body: bool) -> None:
    """Write body or section children in order, keeping the result valid TEI.

    After the first nested section, runs of paragraphs go into ``<div type="continuation">``;
    closing paragraphs at the very end become ``<closer>`` (allowed after divisions).
    """
    main, closers = _split_trailing_closers(nodes)
    if not main:  # TEI allows <closer> only after other content
        main, closers = closers, []
    if is_body and not main:
        _empty_marker(parent)
        return
    seen_section = False
    pending: list[Paragraph] = []
    for node in main:
        if isinstance(node, Section):
            _flush_continuation(parent, pending)
            pending = []
            _section(parent, node, depth)
            seen_section = True
        elif seen_section:
            pending.append(node)
        else:
            _paragraph(parent, node)
    _flush_continuation(parent, pending)
    for closer in closers:
        _sub(parent, "closer", {"source": line_ref(closer.lines)}, closer.text)


def _split_trailing_closers(nodes: list[Node]) -> tuple[list[Node], list[Paragraph]]:
    end = len(nodes)
    while end and isinstance(nodes[end - 1], Paragraph) and nodes[end - 1].kind == "closer":
        end -= 1
    return nodes[:end], [n for n in nodes[end:] if isinstance(n, Paragraph)]


def _flush_continuation(parent: etree._Element, paragraphs: list[Paragraph]) -> None:
    if not paragraphs:
        return
    div = _sub(parent, "div", {"type": CONTINUATION})
    for paragraph in paragraphs:
        _paragraph(div, paragraph)


def _empty_marker(parent: etree._Element) -> None:
    """TEI's body needs content: an empty body is ``<div type="empty"/>``."""
    _sub(parent, "div", {"type": EMPTY})


def _paragraph(parent: etree._Element, paragraph: Paragraph) -> None:
    """``<p>``; closing words that cannot be a ``<closer>`` here are ``<ab type="closer">``."""
    if paragraph.kind == "closer":
        _sub(parent, "ab", {"type": "closer", "source": line_ref(paragraph.lines)}, paragraph.text)
    else:
        _sub(parent, "p", {"source": line_ref(paragraph.lines)}, paragraph.text)


def _section(parent: etree._Element, section: Section, depth: int) -> None:
    """``<div type=family subtype=style n=value xml:id=…>`` with ``<head><label>…``."""
    if section.level != depth:
        raise TeiWriteError(f"section {section.id or section.marker!r} has level {section.level} "
                            f"but sits at depth {depth} of the tree")
    if section.family not in SECTION_TYPES:
        raise TeiWriteError(f"section family {section.family!r} is not heading or enumeration")
    if section.cert not in ("high", "medium", "low"):
        raise TeiWriteError(f"section cert {section.cert!r} is not high, medium or low")
    div = _sub(parent, "div", {
        "type": section.family,
        "subtype": _token(section.style, "style name"),
        "n": None if section.value is None else str(section.value),
        XML_ID: section.id or None,
        "source": line_ref(section.lines),
        "rend": "inline" if section.inline else None,
        "cert": None if section.cert == "high" else section.cert,
    })
    _head(div, section)
    _container(div, section.children, depth + 1, is_body=False)


def _head(div: etree._Element, section: Section) -> None:
    """``<head><label>一<pc>、</pc></label>heading<pc type="head-end">。</pc></head>``."""
    head = _sub(div, "head")
    label = _sub(head, "label")
    delimiter = section.delimiter
    if delimiter and not section.marker.endswith(delimiter):
        raise TeiWriteError(f"delimiter {delimiter!r} does not end marker {section.marker!r}")
    if delimiter:
        add_text(label, section.marker[: -len(delimiter)])
        _sub(label, "pc", None, delimiter)
    else:
        add_text(label, section.marker)
    add_text(head, section.head)
    if section.head_end:
        _sub(head, "pc", {"type": "head-end"}, section.head_end)


# --- layout ----------------------------------------------------------------------------------


def indent(root: etree._Element, step: str = "  ") -> None:
    """Indent element-only containers; text-bearing elements are left exactly as written."""

    def walk(el: etree._Element, level: int) -> None:
        if etree.QName(el).localname not in STRUCTURAL or not len(el):
            return
        inner = "\n" + step * (level + 1)
        el.text = inner
        for child in el:
            child.tail = inner
            walk(child, level + 1)
        el[-1].tail = "\n" + step * level

    walk(root, 0)
