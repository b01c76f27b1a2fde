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

The XML is written as text by ``xmlwrite.XmlWriter`` (no element tree, no lxml): a corpus
of any size costs about its output in memory, and ``iter_tei`` hands it over one document
at a time. Every refusal is checked over the whole model before the first byte.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import groupby
from urllib.parse import quote

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
)
from .xmlwrite import FORBIDDEN_CHARS, XmlWriter, escape_attribute, is_plain_text

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"
LANG = "zh"

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

LINE_PREFIX = "line"
"""The private URI scheme of ``@source`` values: ``line:12-14`` = lines 12 to 14 of the input."""

SECTION_TYPES = ("heading", "enumeration")
CERTAINTIES = ("high", "medium", "low")
CONTINUATION = "continuation"
EMPTY = "empty"
PAGE_TEXT = "page"

_NCNAME_PATTERN = r"[A-Za-z_\u00c0-\ud7ff\ue000-\ufffd][\w.\-\u00b7\u0300-\u036f\u203f-\u2040]*"
_NCNAME = re.compile(f"{_NCNAME_PATTERN}\\Z")
_NCNAME_LINES = re.compile(f"(?:{_NCNAME_PATTERN}\n)*{_NCNAME_PATTERN}")
"""NCNames, one a line (a name holds no newline): the ids of a body checked in one match."""
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
BACK_TAIL_ONLY = BACK_TAIL - FRONT_FIRST
"""The kinds that end the leading part of ``<back>``: from the first of them on, the tail."""
OPENER_KINDS = frozenset({"salute", "note"})
TITLE_KINDS = frozenset({"title", "subtitle"})

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


Markup = Callable[[str], str]
"""Text as XML character data (``XmlWriter.markup``: escaped, forbidden characters as ``<g>``)."""


class TeiWriteError(ValidationError, ValueError):
    """The model holds something the TEI cannot carry faithfully (a bad id, level, token…).

    A ValidationError, so the CLI reports it as one line with exit code 3 and writes nothing.
    """


# --- small helpers ---------------------------------------------------------------------------


def tei(tag: str) -> str:
    """Clark name of a TEI element (for readers of the output; the writer uses plain names)."""
    return f"{{{TEI_NS}}}{tag}"


def char_glyph(char: str) -> str:
    """``<g type="char" n="U+001B">␛</g>``: the stand-in is a Control Picture or U+FFFD.

    The writer's ``on_forbidden``: the markup for a character XML cannot hold.
    """
    code = ord(char)
    shown = chr(0x2400 + code) if code < 0x20 else "\ufffd"
    return f'<g type="char" n="U+{code:04X}">{shown}</g>'


def new_writer() -> XmlWriter:
    """A writer with the TEI layout: structural elements indented, forbidden characters as ``<g>``."""
    return XmlWriter(STRUCTURAL, on_forbidden=char_glyph)


def _check_span(lines: tuple[int, int]) -> None:
    if lines[0] < 0 or lines[1] < 0:
        raise TeiWriteError(f"line span {lines} has a negative line number")


def line_ref(lines: tuple[int, int]) -> str | None:
    """``line:A-B`` for a line span, None for the unknown span (0, 0)."""
    start, end = lines
    if start == 0 and end == 0:
        return None
    _check_span(lines)
    return f"{LINE_PREFIX}:{start}-{end}"


def _token(value: str, what: str) -> str:
    """A value for a TEI token attribute (@type, @subtype): TEI's ``[^\\p{C}\\p{Z}]+``."""
    if not _is_token(value):
        raise TeiWriteError(f"{what} {value!r} cannot be written as a TEI attribute token")
    return value


@lru_cache(maxsize=1024)
def _is_token(value: str) -> bool:
    """Cached: the same few styles and codes come back for every section and warning."""
    return bool(value) and not any(unicodedata.category(ch)[0] in "CZ" for ch in value)


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


def _checked_iso(value: str | None) -> str | None:
    if value is None:
        return None
    if not _valid_w3c_date(value):
        raise TeiWriteError(f"date_iso {value!r} is not an ISO 8601 date (YYYY[-MM[-DD]])")
    return value


# --- entry points ----------------------------------------------------------------------------


def write_tei(conv: Conversion) -> bytes:
    """The TEI P5 XML of a conversion, UTF-8 with an XML declaration."""
    return b"".join(iter_tei(conv))


def iter_tei(conv: Conversion) -> Iterator[bytes]:
    """``write_tei`` in chunks: a chunk never holds more than one document.

    The corpus header, each ``<TEI>`` of a corpus and the end are chunks of their own; a
    long document is cut between the parts of its body as well. So a writer to a file
    needs memory for about one chunk, not for the corpus. The whole model is checked
    first: a model the TEI cannot carry raises TeiWriteError before the first chunk.
    """
    check_model(conv)
    if not is_corpus(conv):
        writer = new_writer()
        writer.raw(XML_DECLARATION)
        yield from _chunks(writer, _single_tei(writer, conv))
        writer.raw("\n")
        yield writer.take().encode("utf-8")
        return
    opening, closing = corpus_frame(conv)
    yield opening
    for index, doc in enumerate(conv.documents, 1):
        yield from iter_corpus_member(conv, doc, index)
    yield closing


def corpus_frame(conv: Conversion) -> tuple[bytes, bytes]:
    """What a teiCorpus holds before its first ``<TEI>`` (declaration, corpus header, page
    text) and after its last. Members are written apart (``iter_corpus_member``), so the
    documents of a large input can be written in other processes and put between the two."""
    writer = new_writer()
    writer.raw(XML_DECLARATION)
    writer.start("teiCorpus", {"xmlns": TEI_NS, "xml:lang": LANG})
    with writer.start("teiHeader"):
        _conversion_header(writer, conv)
    if conv.page_front:
        _page_text(writer, conv.page_front)
    opening = writer.take().encode("utf-8")
    writer.end()
    writer.raw("\n")
    return opening, writer.take().encode("utf-8")


def iter_corpus_member(conv: Conversion, doc: Document, index: int) -> Iterator[bytes]:
    """The ``<TEI>`` of document ``index`` inside a teiCorpus, in chunks (see ``iter_tei``).

    Of ``conv`` only the source is used: a member does not depend on the other documents.
    """
    writer = new_writer().resume("teiCorpus")
    writer.start("TEI", {"xml:lang": LANG})
    with writer.start("teiHeader"):
        _document_header(writer, doc, index, conv, standalone=False)
    yield from _chunks(writer, _document_text(writer, doc))
    writer.end()
    yield writer.take().encode("utf-8")


def check_corpus_member(doc: Document, ids: set[str]) -> None:
    """``check_model`` for one document (``ids``: the section ids seen so far in the file)."""
    _check_document(doc, ids)


CHUNK_PARTS = 10_000
"""Cut a long document into chunks of about this many pieces of markup (about a megabyte)."""


def _chunks(writer: XmlWriter, steps: Iterator[None]) -> Iterator[bytes]:
    """Run a writing generator, handing over what it wrote whenever it has written a lot."""
    for _ in steps:
        if writer.pending >= CHUNK_PARTS:
            yield writer.take().encode("utf-8")


def is_corpus(conv: Conversion) -> bool:
    """A compilation (several documents, or page-level text) becomes a teiCorpus."""
    has_page = bool(conv.page_title or conv.uploader or conv.page_front)
    return len(conv.documents) > 1 or (len(conv.documents) == 1 and has_page)


def _single_tei(w: XmlWriter, conv: Conversion) -> Iterator[None]:
    """A single ``<TEI>``: one document, or the page of a conversion without documents.

    Yields where a chunk may end (see ``_document_text``).
    """
    with w.start("TEI", {"xmlns": TEI_NS, "xml:lang": LANG}):
        with w.start("teiHeader"):
            if conv.documents:
                _document_header(w, conv.documents[0], 1, conv, standalone=True)
            else:
                _conversion_header(w, conv)
        if conv.documents:
            yield from _document_text(w, conv.documents[0])
        else:
            _page_text(w, conv.page_front)


# --- refusals, before anything is written ----------------------------------------------------


def check_model(conv: Conversion) -> None:
    """Raise TeiWriteError for anything in ``conv`` the TEI cannot carry faithfully.

    Run over the whole model before the first chunk, so a stream of chunks is never cut
    short by a refusal. The header functions format with the same helpers; the body is
    written without checks of its own, on what this has established.
    """
    check_frame(conv)
    ids: set[str] = set()
    for doc in conv.documents:
        _check_document(doc, ids)


def check_frame(conv: Conversion) -> None:
    """``check_model`` for what is not a document: warnings, the removed ledger, page text."""
    for diagnostic in conv.warnings:
        _diagnostic_source(diagnostic)
    for removal in conv.removed:
        _removal_source(removal)
    _check_items(conv.page_front)


def _check_document(doc: Document, ids: set[str]) -> None:
    """Header values, line spans, and the sections' ids, levels, families, certainty and markers."""
    for diagnostic in doc.warnings:
        _diagnostic_source(diagnostic)
    for style in doc.styles:
        _token(style, "style name")
    _checked_iso(doc.meta.date_iso)
    _check_span(doc.lines)
    _check_items(doc.front)
    _check_nodes(doc.body, 1, ids)
    _check_items(doc.back)


def _check_items(items: list[FrontItem]) -> None:
    """Line spans, and kinds that can be a ``@type`` (a kind outside the model's list may be one)."""
    for item in items:
        _check_span(item.lines)
        if FORBIDDEN_CHARS.search(item.kind):
            raise TeiWriteError(f"front item kind {item.kind!r} holds a character XML cannot contain")


def _check_nodes(nodes: list[Node], depth: int, ids: set[str]) -> None:
    """The nodes of a body or section at ``depth``; ``ids`` collects the section ids of the file.

    A body has tens of thousands of nodes: they are first looked over in one quick walk,
    with the ids tested together; only when that finds something are they checked one by
    one, which raises the first refusal in document order.
    """
    found: list[str] = []
    if _nodes_look_right(nodes, depth, found) and _ids_look_right(found, ids):
        ids.update(found)
    else:
        _check_nodes_in_order(nodes, depth, ids)


def _nodes_look_right(nodes: list[Node], depth: int, found: list[str]) -> bool:
    """True when ``_check_nodes_in_order`` would find nothing to refuse but in the ids, which
    are appended to ``found`` (in document order)."""
    for node in nodes:
        lines = node.lines
        if lines[0] < 0 or lines[1] < 0:
            return False
        if isinstance(node, Section):
            delimiter = node.delimiter
            if (node.level != depth or node.family not in SECTION_TYPES or node.cert not in CERTAINTIES
                    or not _is_token(node.style) or (delimiter and not node.marker.endswith(delimiter))):
                return False
            if node.id:
                found.append(node.id)
            if node.children and not _nodes_look_right(node.children, depth + 1, found):
                return False
    return True


def _ids_look_right(found: list[str], ids: set[str]) -> bool:
    """True when the ids are XML names, none twice, none among ``ids`` (one regex for all)."""
    if not found:
        return True
    if len(set(found)) != len(found) or not ids.isdisjoint(found):
        return False
    joined = "\n".join(found)  # an id holding a newline would pass as two: count them
    return joined.count("\n") == len(found) - 1 and _NCNAME_LINES.fullmatch(joined) is not None


def _check_nodes_in_order(nodes: list[Node], depth: int, ids: set[str]) -> None:
    for node in nodes:
        _check_span(node.lines)
        if isinstance(node, Section):
            _check_section(node, depth)
            if node.id:
                _check_id(node.id, ids)
            _check_nodes_in_order(node.children, depth + 1, ids)


def _check_id(section_id: str, ids: set[str]) -> None:
    """Section ids must be NCNames and unique in the file (they become @xml:id)."""
    if not _NCNAME.match(section_id):
        raise TeiWriteError(f"section id {section_id!r} is not an XML name (NCName)")
    if section_id in ids:
        raise TeiWriteError(f"section id {section_id!r} is used twice")
    ids.add(section_id)


def _check_section(section: Section, depth: int) -> None:
    """Level is the nesting depth; family, cert and style are TEI tokens; delimiter ends marker."""
    if section.level != depth:
        raise TeiWriteError(f"section {section.id or section.marker!r} has level {section.level} "
                            f"but sits at depth {depth} of the tree")
    if section.family not in SECTION_TYPES:
        raise TeiWriteError(f"section family {section.family!r} is not heading or enumeration")
    if section.cert not in CERTAINTIES:
        raise TeiWriteError(f"section cert {section.cert!r} is not high, medium or low")
    _token(section.style, "style name")
    delimiter = section.delimiter
    if delimiter and not section.marker.endswith(delimiter):
        raise TeiWriteError(f"delimiter {delimiter!r} does not end marker {section.marker!r}")


# --- header ----------------------------------------------------------------------------------


def _conversion_header(w: XmlWriter, conv: Conversion) -> None:
    """Header of a teiCorpus (or of a TEI without documents): the page and the input file."""
    with w.start("fileDesc"):
        with w.start("titleStmt"):
            if conv.page_title:
                w.element("title", {"type": "main"}, conv.page_title)
            else:
                w.element("title", {"type": "desc"}, f"Texts converted from {conv.source.name}")
        _publication_stmt(w)
        with w.start("sourceDesc"):
            _source_desc_input(w, conv)
    with w.start("encodingDesc"):
        _encoding_common(w, conv)
    _profile_desc(w, None)


def _document_header(w: XmlWriter, doc: Document, index: int, conv: Conversion,
                     *, standalone: bool) -> None:
    """Header of one document; ``standalone`` adds what a teiCorpus header would hold."""
    with w.start("fileDesc"):
        _title_stmt(w, doc.meta, index, conv)
        _publication_stmt(w)
        _notes_stmt(w, doc)
        with w.start("sourceDesc"):
            if standalone:
                _source_desc_input(w, conv)
            else:
                w.element("p", None, f"Document {index} of the input described in the header of this teiCorpus.")
    with w.start("encodingDesc"):
        if standalone:
            _encoding_common(w, conv)
        else:
            _prefix_defs(w, conv)
        _styles_taxonomy(w, doc)
    _profile_desc(w, doc.meta)


def _title_stmt(w: XmlWriter, meta: Metadata, index: int, conv: Conversion) -> None:
    with w.start("titleStmt"):
        if meta.title:
            w.element("title", {"type": "main"}, meta.title)
        if meta.subtitle:
            w.element("title", {"type": "sub"}, meta.subtitle)
        if not meta.title and not meta.subtitle:
            w.element("title", {"type": "desc"}, f"Untitled document {index} of {conv.source.name}")
        if meta.speaker or meta.speaker_role:
            with w.start("author", {"role": "speaker"}):
                if meta.speaker:
                    w.element("persName", None, meta.speaker)
                if meta.speaker_role:
                    w.element("roleName", None, meta.speaker_role)


def _publication_stmt(w: XmlWriter) -> None:
    """Who made this file and when: speech2tei, its version, the date, the rights situation."""
    with w.start("publicationStmt"):
        w.element("authority", None, f"Generated by speech2tei {speech2tei_version()}")
        day = publication_date().isoformat()
        w.element("date", {"when": day}, day)
        with w.start("availability", {"status": "unknown"}):
            w.element("p", None, "Converted by speech2tei from the source named in sourceDesc; the rights in "
                                 "the text are those of that source.")


def _notes_stmt(w: XmlWriter, doc: Document) -> None:
    """The salutation and the document's warnings (notesStmt needs at least one note)."""
    if not doc.meta.salutation and not doc.warnings:
        return
    with w.start("notesStmt"):
        if doc.meta.salutation:
            w.element("note", {"type": "salutation"}, doc.meta.salutation)
        for diagnostic in doc.warnings:
            _diagnostic_note(w, diagnostic)


def _diagnostic_source(diagnostic: Diagnostic) -> str | None:
    """``@source`` of a warning (``line:0-0`` for line 0); checks its severity and code."""
    if diagnostic.line is None:
        source = None
    elif diagnostic.line == 0:
        source = f"{LINE_PREFIX}:0-0"
    else:
        source = line_ref((diagnostic.line, diagnostic.line))
    _token(diagnostic.severity, "severity")
    _token(diagnostic.code, "diagnostic code")
    return source


def _diagnostic_note(w: XmlWriter, diagnostic: Diagnostic) -> None:
    """``<note type="warning" subtype="numbering-gap" source="line:7-7">message</note>``."""
    source = _diagnostic_source(diagnostic)
    w.element("note", {"type": diagnostic.severity, "subtype": diagnostic.code, "source": source},
              diagnostic.message)


def _source_desc_input(w: XmlWriter, conv: Conversion) -> None:
    """The input file: page title, uploader, name, SHA-256, size, encoding, format, ledger."""
    src = conv.source
    with w.start("bibl", {"type": "input"}):
        if conv.page_title:
            w.element("title", {"type": "page"}, conv.page_title)
        if conv.uploader:
            with w.start("respStmt"):
                w.element("resp", None, "uploaded by")
                w.element("name", {"type": "uploader"}, conv.uploader)
        w.element("idno", {"type": "filename"}, src.name)
        if src.sha256:
            w.element("idno", {"type": "sha256"}, src.sha256)
        with w.start("extent"):
            w.element("measure", {"unit": "byte", "quantity": str(src.size)}, f"{src.size} bytes")
        w.element("note", {"type": "encoding"}, src.encoding)
        w.element("note", {"type": "format"}, src.format)
        for diagnostic in conv.warnings:
            _diagnostic_note(w, diagnostic)
        for removal in conv.removed:
            _removal_note(w, removal)


def _removal_source(removal: Removal) -> str:
    """``@source`` of a removed text (line 0 included); checks the reason."""
    if removal.line < 0:
        raise TeiWriteError(f"removed text has a negative line number {removal.line}")
    _token(removal.reason, "removal reason")
    return f"{LINE_PREFIX}:{removal.line}-{removal.line}"


def _removal_note(w: XmlWriter, removal: Removal) -> None:
    """``<note type="removed" subtype="boilerplate" source="line:3-3">text</note>``."""
    source = _removal_source(removal)
    w.element("note", {"type": "removed", "subtype": removal.reason, "source": source}, removal.text)


def _encoding_common(w: XmlWriter, conv: Conversion) -> None:
    """The software, the editorial principles and the ``line:`` URI scheme."""
    version = speech2tei_version()
    if _VERSION.match(version):
        with w.start("appInfo"), w.start("application", {"ident": "speech2tei", "version": version}):
            w.element("label", None, "speech2tei")
    with w.start("editorialDecl"):
        for text in EDITORIAL_NOTES:
            w.element("p", None, text)
    _prefix_defs(w, conv)


def _prefix_defs(w: XmlWriter, conv: Conversion) -> None:
    """Declare ``line:A-B`` as lines A to B of the input file."""
    target = quote(conv.source.name, safe="", errors="surrogatepass")
    with w.start("listPrefixDef"), w.start("prefixDef", {
            "ident": LINE_PREFIX, "matchPattern": "([0-9]+)-([0-9]+)",
            "replacementPattern": f"{target}#L$1-L$2"}):
        w.element("p", None, "line:A-B points to lines A to B (1-based, inclusive) of the decoded input "
                             "file named in sourceDesc.")


def _styles_taxonomy(w: XmlWriter, doc: Document) -> None:
    """Numbering styles found, grouped under the level each was first given."""
    if not doc.styles:
        return
    by_level: dict[int, list[str]] = {}
    for style, level in doc.styles.items():
        by_level.setdefault(level, []).append(style)
    with w.start("classDecl"), w.start("taxonomy", {"n": "numbering-styles"}):
        w.element("desc", None, "Numbering styles found in the text, under the level each was first given "
                                "(1 = top).")
        for level in sorted(by_level):
            with w.start("category", {"n": str(level)}):
                w.element("catDesc", None, f"Level {level}")
                for style in by_level[level]:
                    with w.start("category", {"n": _token(style, "style name")}):
                        w.element("catDesc", None, f"Numbering style {style}")


def _profile_desc(w: XmlWriter, meta: Metadata | None) -> None:
    """Language, and the occasion and date of the speech where known."""
    with w.start("profileDesc"):
        with w.start("langUsage"):
            w.element("language", {"ident": LANG}, "Chinese")
        if meta is None or not (meta.occasion or meta.date or meta.date_iso):
            return
        with w.start("settingDesc"), w.start("setting"):
            if meta.occasion:  # <activity> cannot hold <g>; the occasion is the event's name
                w.element("name", {"type": "occasion"}, meta.occasion)
            if meta.date or meta.date_iso:
                w.element("date", {"when": _checked_iso(meta.date_iso)}, meta.date or "")


# --- text ------------------------------------------------------------------------------------


def _page_text(w: XmlWriter, items: list[FrontItem]) -> None:
    """Page-level text outside any document: ``<text type="page">`` with a front."""
    with w.start("text", {"type": PAGE_TEXT}):
        if items:
            _front(w, items, Metadata())
        with w.start("body"):
            _empty_marker(w)


def _document_text(w: XmlWriter, doc: Document) -> Iterator[None]:
    """``<text>`` with front, body and back; yields between the top-level parts of the body."""
    with w.start("text", {"source": line_ref(doc.lines)}):
        front_items, opener_items = _split_opener(doc.front)
        if front_items:
            _front(w, front_items, doc.meta)
        with w.start("body"):
            if opener_items:
                with w.start("opener"):
                    for item in opener_items:
                        _opener_item(w, item)
            yield from _container_steps(w, doc.body, is_body=True)
        if doc.back:
            _back(w, doc.back, doc.meta)


def _split_opener(items: list[FrontItem]) -> tuple[list[FrontItem], list[FrontItem]]:
    """The salute that ends the front matter (with any notes after it) opens the body."""
    for start, item in enumerate(items):
        if item.kind == "salute" and all(rest.kind in OPENER_KINDS for rest in items[start:]):
            return items[:start], items[start:]
    return items, []


def _opener_item(w: XmlWriter, item: FrontItem) -> None:
    if item.kind == "salute":
        w.element("salute", {"source": line_ref(item.lines)}, item.text)
    else:
        _fallback_note(w, item)


def _front(w: XmlWriter, items: list[FrontItem], meta: Metadata) -> None:
    """``<front>``: titles, byline, date; other kinds as notes.

    TEI allows salute, closer and trailer in ``<front>`` only after a ``<div>``; the salute
    that ends the front matter goes to the body's ``<opener>`` instead (``_split_opener``).
    """
    with w.start("front"):
        _front_first_items(w, items, meta)


def _front_first_items(w: XmlWriter, items: list[FrontItem], meta: Metadata) -> None:
    """Items in the leading part of front or back (TEI model.pLike.front).

    A run of titles and subtitles shares one ``<docTitle>``.
    """
    for is_title, run in groupby(items, key=lambda item: item.kind in TITLE_KINDS):
        if is_title:
            with w.start("docTitle"):
                for item in run:
                    part = "main" if item.kind == "title" else "sub"
                    w.element("titlePart", {"type": part, "source": line_ref(item.lines)}, item.text)
            continue
        for item in run:
            if item.kind == "date":
                _doc_date(w, item, meta)
            elif item.kind == "byline":
                _byline(w, item, meta)
            else:
                _fallback_note(w, item)


def _back(w: XmlWriter, items: list[FrontItem], meta: Metadata) -> None:
    """``<back>``: closer, trailer and signature; a date or title before them.

    Up to the first closer or trailer items take their leading form; from there on, the
    forms allowed at the end of a division (anything else is a note).
    """
    tail_start = next((k for k, item in enumerate(items) if item.kind in BACK_TAIL_ONLY), len(items))
    with w.start("back"):
        _front_first_items(w, items[:tail_start], meta)
        for item in items[tail_start:]:
            if item.kind == "byline":
                w.element("signed", {"source": line_ref(item.lines)}, item.text)
            elif item.kind in BACK_TAIL_ONLY:
                w.element(item.kind, {"source": line_ref(item.lines)}, item.text)
            else:
                _fallback_note(w, item)


def _doc_date(w: XmlWriter, item: FrontItem, meta: Metadata) -> None:
    """``<docDate>``; ``@when`` only when the ISO date is known and this is its written form."""
    when = None
    if meta.date_iso and meta.date and meta.date in item.text:
        when = _checked_iso(meta.date_iso)
    w.element("docDate", {"when": when, "source": line_ref(item.lines)}, item.text)


def _byline(w: XmlWriter, item: FrontItem, meta: Metadata) -> None:
    """``<byline>``, with the speaker's name marked as ``<docAuthor>`` where it appears."""
    with w.start("byline", {"source": line_ref(item.lines)}):
        speaker = meta.speaker
        if speaker and speaker in item.text:
            before, after = item.text.split(speaker, 1)
            w.text(before)
            w.element("docAuthor", None, speaker)
            w.text(after)
        else:
            w.text(item.text)


def _fallback_note(w: XmlWriter, item: FrontItem) -> None:
    """An item where its own element is not allowed: ``<note type=KIND place="inline">``."""
    w.element("note", {"type": item.kind, "place": "inline", "source": line_ref(item.lines)}, item.text)


# --- body ------------------------------------------------------------------------------------
#
# The body is most of a document and most of the writing time, and every element in it is
# known in advance (div, head, label, pc, p, ab, closer). So it is laid out here rather than
# through XmlWriter.start/element: a section's start tag with its head, each paragraph and
# each end tag is one string appended to the writer's parts (``XmlWriter.sink``), indented
# as the writer indents a structural element. ``check_model`` has refused what these
# formats rely on: family and cert from their short lists, ids that are XML names, line
# numbers that are not negative.


class _Indents(dict[int, str]):
    """The writer's indentation (newline and steps) by level, asked for once per level."""

    __slots__ = ("_indent",)

    def __init__(self, indent: Callable[[int], str]) -> None:
        super().__init__()
        self._indent = indent

    def __missing__(self, level: int) -> str:
        self[level] = value = self._indent(level)
        return value


class _Layout:
    """What writing the body needs from the writer, looked up once per body."""

    __slots__ = ("indents", "markup", "put")

    def __init__(self, w: XmlWriter) -> None:
        self.put = w.sink()
        self.markup = w.markup
        self.indents = _Indents(w.indent)


_Unit = Section | Paragraph | list[Paragraph]
"""A part of the body: a section, a paragraph, or the paragraphs of a continuation."""


def _container_steps(w: XmlWriter, nodes: list[Node], *, is_body: bool) -> Iterator[None]:
    """Write body or section children in order, keeping the result valid TEI; yield after each part.

    After the first nested section, runs of paragraphs go into ``<div type="continuation">``;
    closing paragraphs at the very end become ``<closer>`` (allowed after divisions). The
    open element (body or div) is indented: its children are laid out one level deeper.
    Inside a section the same is done without steps, by ``_write_children``.
    """
    main, closers = _main_and_closers(nodes)
    if is_body and not main:
        _empty_marker(w)
        return
    layout = _Layout(w)
    level = w.level + 1
    for unit in _units(main):
        if isinstance(unit, Section):
            _write_section(layout, unit, level)
        elif isinstance(unit, list):
            _write_continuation(layout, unit, level)
        else:
            layout.put(layout.indents[level] + _paragraph_markup(unit, layout.markup))
        yield
    _write_closers(layout, closers, level)


def _units(nodes: list[Node]) -> list[_Unit]:
    """The parts of the body in order: each run of paragraphs after a section is one part."""
    units: list[_Unit] = []
    run: list[Paragraph] | None = None
    seen_section = False
    for node in nodes:
        if isinstance(node, Section):
            units.append(node)
            seen_section = True
            run = None
        elif not seen_section:
            units.append(node)
        elif run is None:
            run = [node]
            units.append(run)
        else:
            run.append(node)
    return units


def _write_children(layout: _Layout, nodes: list[Node], level: int) -> None:
    """The children of a section at ``level``, as ``_container_steps`` lays out the body's.

    The hot loop of the writer, so written out: the continuation opens at the first
    paragraph after a section and closes at the next section or at the end.
    """
    main, closers = _main_and_closers(nodes)
    put = layout.put
    markup = layout.markup
    prefix = layout.indents[level]
    seen_section = in_continuation = False
    for node in main:
        if isinstance(node, Section):
            if in_continuation:
                put(f"{prefix}</div>")
                in_continuation = False
            _write_section(layout, node, level)
            seen_section = True
        elif not seen_section:
            put(prefix + _paragraph_markup(node, markup))
        else:
            if not in_continuation:
                put(f'{prefix}<div type="{CONTINUATION}">')
                in_continuation = True
            put(layout.indents[level + 1] + _paragraph_markup(node, markup))
    if in_continuation:
        put(f"{prefix}</div>")
    if closers:
        _write_closers(layout, closers, level)


def _main_and_closers(nodes: list[Node]) -> tuple[list[Node], list[Paragraph]]:
    """The nodes, and the closing paragraphs that end them as ``<closer>``s.

    TEI allows ``<closer>`` only after other content: closing paragraphs alone stay paragraphs.
    """
    if not nodes or not (isinstance(nodes[-1], Paragraph) and nodes[-1].kind == "closer"):
        return nodes, []  # the common case, without copies
    main, closers = _split_trailing_closers(nodes)
    if not main:
        return closers, []
    return main, closers


def _split_trailing_closers(nodes: list[Node]) -> tuple[list[Node], list[Paragraph]]:
    end = len(nodes)
    while end and isinstance(nodes[end - 1], Paragraph) and nodes[end - 1].kind == "closer":
        end -= 1
    if end == len(nodes):
        return nodes, []
    return nodes[:end], [n for n in nodes[end:] if isinstance(n, Paragraph)]


def _write_continuation(layout: _Layout, paragraphs: list[Paragraph], level: int) -> None:
    """Paragraphs after a nested section: ``<div type="continuation">`` (never empty)."""
    prefix = layout.indents[level]
    inner = layout.indents[level + 1]
    put = layout.put
    markup = layout.markup
    put(f'{prefix}<div type="{CONTINUATION}">')
    for paragraph in paragraphs:
        put(inner + _paragraph_markup(paragraph, markup))
    put(f"{prefix}</div>")


def _write_closers(layout: _Layout, closers: list[Paragraph], level: int) -> None:
    prefix = layout.indents[level]
    for closer in closers:
        layout.put(prefix + _text_element("closer", "", closer.lines, closer.text, layout.markup))


def _empty_marker(w: XmlWriter) -> None:
    """TEI's body needs content: an empty body is ``<div type="empty"/>``."""
    w.element("div", {"type": EMPTY})


def _paragraph_markup(paragraph: Paragraph, markup: Markup) -> str:
    """``<p>``; closing words that cannot be a ``<closer>`` here are ``<ab type="closer">``."""
    if paragraph.kind == "closer":
        return _text_element("ab", ' type="closer"', paragraph.lines, paragraph.text, markup)
    start, end = paragraph.lines  # _text_element("p", …) written out: the most common element
    source = f' source="{LINE_PREFIX}:{start}-{end}"' if start or end else ""
    text = paragraph.text
    return f"<p{source}>{markup(text)}</p>" if text else f"<p{source}/>"


def _text_element(tag: str, attrs: str, lines: tuple[int, int], text: str, markup: Markup) -> str:
    """``<tag attrs source="line:A-B">text</tag>`` (``<tag …/>`` without text); ``attrs``
    is markup already, the source left out for the unknown span (0, 0)."""
    start, end = lines
    source = f' source="{LINE_PREFIX}:{start}-{end}"' if start or end else ""
    if text:
        return f"<{tag}{attrs}{source}>{markup(text)}</{tag}>"
    return f"<{tag}{attrs}{source}/>"


def _write_section(layout: _Layout, section: Section, level: int) -> None:
    """``<div type=family subtype=style n=value xml:id=…>`` with ``<head><label>…``, the children,
    ``</div>`` (never empty: it has a head)."""
    indents = layout.indents
    prefix = indents[level]
    layout.put(f"{prefix}{_div_start(section)}{indents[level + 1]}{_head_markup(section, layout.markup)}")
    if section.children:
        _write_children(layout, section.children, level + 1)
    layout.put(f"{prefix}</div>")


def _div_start(section: Section) -> str:
    """``<div type subtype n xml:id source rend cert>``, the attributes that have a value.

    Formatted directly, without a dict per section: ``check_model`` has taken family and cert from short lists and the
    id for an XML name (which, by the ``$`` of ``_NCNAME``, may still end in a newline);
    only the style, a TEI token, may hold what an attribute value escapes.
    """
    value = section.value
    start, end = section.lines
    section_id = section.id
    cert = section.cert
    n = "" if value is None else f' n="{value}"'
    if "\n" in section_id:
        section_id = escape_attribute(section_id)
    xml_id = f' xml:id="{section_id}"' if section_id else ""
    source = f' source="{LINE_PREFIX}:{start}-{end}"' if start or end else ""
    rend = ' rend="inline"' if section.inline else ""
    cert = "" if cert == "high" else f' cert="{cert}"'
    return (f'<div type="{section.family}" subtype="{_attribute_value(section.style)}"'
            f"{n}{xml_id}{source}{rend}{cert}>")


@lru_cache(maxsize=4096)
def _attribute_value(value: str) -> str:
    """``escape_attribute``, cached: the same few styles come back for every section."""
    return escape_attribute(value)


def _head_markup(section: Section, markup: Markup) -> str:
    """``<head><label>一<pc>、</pc></label>heading<pc type="head-end">。</pc></head>``.

    One string: head, label and pc hold text, so nothing in them is indented. Marker, head
    and head end are looked at together (``is_plain_text``): they seldom need escaping.
    """
    marker = section.marker
    delimiter = section.delimiter
    if delimiter:
        marker = marker[: -len(delimiter)]
    head = section.head
    head_end = section.head_end
    if not is_plain_text(f"{marker}{delimiter}{head}{head_end}"):
        marker, delimiter, head, head_end = markup(marker), markup(delimiter), markup(head), markup(head_end)
    label = f"{marker}<pc>{delimiter}</pc>" if delimiter else marker
    label = f"<label>{label}</label>" if label else "<label/>"
    end = f'<pc type="head-end">{head_end}</pc>' if head_end else ""
    return f"<head>{label}{head}{end}</head>"
