"""The document model every stage talks to.

Readers build it, writers read it; nothing else crosses between stages. The model is
deliberately plain (dataclasses, strings, ints) so that the JSON writer is a direct mapping
and the TEI reader can rebuild it exactly.

Losslessness is a property of the model: the text of a document is the concatenation, in
order, of its front items, its body (for a section: marker + head + head_end, then its
children) and its back items. Everything in the decoded input that is not in some document
is in ``Conversion.removed``. ``speech2tei.ledger.check_nothing_lost`` verifies this.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Family = Literal["heading", "enumeration"]
Cert = Literal["high", "medium", "low"]

LineSpan = tuple[int, int]
"""Source lines (1-based, inclusive) of the decoded input that a node came from."""


@dataclass(slots=True)
class Diagnostic:
    """A warning or note about the parse, kept in the output so a reader can see it."""

    code: str
    """Stable machine code, e.g. ``numbering-gap``, ``low-cert-head``."""
    message: str
    line: int | None = None
    severity: Literal["info", "warning", "error"] = "warning"


@dataclass(slots=True)
class Removal:
    """Text taken out of the input, with the reason: the "nothing lost" ledger."""

    text: str
    reason: str
    """Stable code: ``boilerplate``, ``anti-copy``, ``duplicate-page``, ``markup``, ``layout``…"""
    line: int


@dataclass(slots=True)
class Paragraph:
    """A run of body text. ``kind`` tells ordinary prose from closing words."""

    text: str
    lines: LineSpan
    kind: Literal["p", "closer"] = "p"


@dataclass(slots=True)
class Section:
    """One numbered unit: ``marker`` opens it, ``head`` names it, ``children`` hold the rest."""

    marker: str
    """The numbering token as written, delimiter included (``一、``, ``（一）``, ``第一，``)."""
    style: str
    """Name of the grammar row that matched (``cn-dun``, ``cn-paren``, ``yi-shi`` …)."""
    family: Family
    value: int | None
    """Numeric value of the marker (``三、`` → 3; ``最后`` → None)."""
    level: int
    """Depth in the tree, 1 for a top-level section."""
    head: str
    """Heading text after the marker, without the punctuation that closes it."""
    head_end: str = ""
    """The punctuation that closed the head (``。``, ``；``…), or "" for a heading line."""
    inline: bool = False
    """True when the marker was found inside a paragraph rather than at its start."""
    cert: Cert = "high"
    """How sure the parser is of the head boundary and the placement."""
    lines: LineSpan = (0, 0)
    children: list[Node] = field(default_factory=list)
    id: str = ""
    """Stable identifier (``d1-s2.3``), an XML NCName."""
    delimiter: str = ""
    """Trailing delimiter of the marker as written (``、`` ``，`` ``:`` or "")."""

    @property
    def marker_label(self) -> str:
        """The marker without a trailing delimiter after word markers (gold-outline form)."""
        if self.delimiter and self.delimiter not in "、.．" and self.marker.endswith(self.delimiter):
            return self.marker[: -len(self.delimiter)]
        return self.marker


Node = Section | Paragraph


@dataclass(slots=True)
class FrontItem:
    """A piece of front or back matter, kept as written (title line, date, salute…)."""

    kind: Literal["title", "subtitle", "date", "byline", "salute", "closer", "trailer", "note"]
    text: str
    lines: LineSpan


@dataclass(slots=True)
class Metadata:
    """What a reader would cite a document by. Derived from the front/back items."""

    title: str | None = None
    subtitle: str | None = None
    occasion: str | None = None
    date: str | None = None
    """The date as written (``2023年2月10日``, ``10月18日``)."""
    date_iso: str | None = None
    """ISO 8601 where the written date is complete (``2023-02-10``)."""
    speaker: str | None = None
    speaker_role: str | None = None
    salutation: str | None = None


@dataclass(slots=True)
class Document:
    """One speech or official document. A compilation page holds several."""

    meta: Metadata = field(default_factory=Metadata)
    front: list[FrontItem] = field(default_factory=list)
    body: list[Node] = field(default_factory=list)
    back: list[FrontItem] = field(default_factory=list)
    lines: LineSpan = (0, 0)
    styles: dict[str, int] = field(default_factory=dict)
    """Numbering styles found and the level each was first given (for the TEI header)."""
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return self.meta.title


@dataclass(slots=True)
class SourceInfo:
    """Where the input came from and how it was read."""

    name: str
    sha256: str = ""
    encoding: str = "utf-8"
    format: Literal["text", "html", "docx", "json", "tei"] = "text"
    size: int = 0


def printable_name(name: str) -> str:
    """A file name any output can hold: bytes of a name that are not UTF-8 (which Python keeps
    as lone surrogates) are written as ``\\xff`` escapes instead of breaking the JSON and XML."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


@dataclass(slots=True)
class Conversion:
    """The result of reading one input: its documents plus everything said about it."""

    source: SourceInfo
    documents: list[Document] = field(default_factory=list)
    page_title: str | None = None
    """Title of the page a compilation came from (None for a single document)."""
    uploader: str | None = None
    removed: list[Removal] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    page_front: list[FrontItem] = field(default_factory=list)
    """Page-level text kept outside any document (a compilation's own title lines)."""


def iter_sections(nodes: list[Node]) -> Iterator[Section]:
    """All sections below ``nodes``, depth first, in document order."""
    for node in nodes:
        if isinstance(node, Section):
            yield node
            yield from iter_sections(node.children)


def iter_body_text(nodes: list[Node]) -> Iterator[str]:
    """The body text pieces in reading order (marker, head, head_end, children…)."""
    for node in nodes:
        if isinstance(node, Section):
            yield node.marker
            yield node.head
            yield node.head_end
            yield from iter_body_text(node.children)
        else:
            yield node.text


def document_text(doc: Document) -> str:
    """Every character a document holds, in reading order (used by the lossless check)."""
    parts = [item.text for item in doc.front]
    parts.extend(iter_body_text(doc.body))
    parts.extend(item.text for item in doc.back)
    return "".join(parts)


# --- Intermediate values passed between the early stages -------------------------------


@dataclass(slots=True)
class Line:
    """One logical line of the decoded input after cleaning, with its source line number."""

    text: str
    no: int
    hint: Literal["heading", "title"] | None = None
    """Set by readers that know more than the text says (Markdown ``#``, a docx heading style)."""


@dataclass(slots=True)
class Block:
    """A paragraph as the author meant it: wrapped lines joined, inline 　　 splits made."""

    text: str
    start: int
    end: int
    hint: Literal["heading", "title"] | None = None
