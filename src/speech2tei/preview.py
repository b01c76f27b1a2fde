"""HTML preview of one parse: the text with its markers highlighted, the outline beside it.

A researcher has to trust the tree before building on it, and looking is faster than reading
JSON. The page is one self-contained file (CSS and script inlined, no network), so it opens
from disk, travels by mail and survives in an archive.

The running text is rendered from the blocks the marker finder saw (``pipeline.Explained``),
with every candidate at its offsets: accepted ones highlighted by style and linked to their
section, rejected ones faint with the reason on hover. Sections are created in the order of the
accepted candidates (``tree.build_tree``), so the two lists pair one to one; where they do not
(a conversion read back from JSON/TEI has no candidates) the page is rendered from the tree.

Every piece of input text goes through ``html.escape``: a ``<script>`` in a speech stays text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import __version__
from .markers import Candidate
from .model import Conversion, Diagnostic, Document, FrontItem, Node, Paragraph, Section, iter_sections
from .pipeline import Explained

OUTLINE_HEAD_CHARS = 40
"""Heads longer than this are cut in the outline (the full head is in the tooltip)."""
GOLDEN_ANGLE = 137.508
"""Hue step between style colours: consecutive styles get clearly different hues."""


def esc(text: object) -> str:
    """Escape text for element content and double-quoted attributes alike."""
    return html.escape(str(text), quote=True)


def tag(name: str, attrs: dict[str, object | None] | None = None) -> str:
    """An opening tag; attributes that are None are left out, values are escaped."""
    parts = [name]
    for key, value in (attrs or {}).items():
        if value is not None:
            parts.append(f'{key}="{esc(value)}"')
    return "<" + " ".join(parts) + ">"


def asset(name: str) -> str:
    """A CSS or script file shipped in ``speech2tei/data`` (inlined into every page)."""
    return resources.files("speech2tei").joinpath(f"data/{name}").read_text(encoding="utf-8")


def inline_script(source: str) -> str:
    """Our own script, inlined; it must hold no ``</``, which could end the element early."""
    if "</" in source:
        raise ValueError("an inlined script must not contain '</'")
    return "<script>" + source + "</script>"


# --- colours per style ---------------------------------------------------------------------


@dataclass(slots=True)
class Palette:
    """A CSS class and a hue per numbering style, in order of first appearance on the page.

    Classes are ``s0``, ``s1`` … rather than the style names, which come from user rules
    files and need not be valid CSS identifiers."""

    classes: dict[str, str] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    families: dict[str, str] = field(default_factory=dict)

    def cls(self, style: str, example: str = "", family: str = "") -> str:
        if style not in self.classes:
            self.classes[style] = f"s{len(self.classes)}"
            self.examples[style] = example.strip()
            self.families[style] = family
        return self.classes[style]

    def css(self) -> str:
        rules = [f".{c}{{--c:hsl({(i * GOLDEN_ANGLE) % 360:.0f} 70% 40%)}}"
                 for i, c in enumerate(self.classes.values())]
        return "\n".join(rules)


def register_styles(conv: Conversion, palette: Palette) -> None:
    """Give each style of the conversion its colour in document order, so colours are stable
    between the outline, the text and the legend."""
    for doc in conv.documents:
        for s in iter_sections(doc.body):
            palette.cls(s.style, s.marker_label, s.family)


# --- pairing candidates with sections ------------------------------------------------------


def pair_sections(doc: Document, explained: Explained) -> list[tuple[Section, Candidate]] | None:
    """Each section with the accepted candidate that opened it, or None when they do not pair.

    The tree opens one section per accepted candidate, block by block and left to right, and
    ``iter_sections`` walks the tree in that same (depth-first, document) order."""
    accepted = sorted((c for c in explained.candidates if c.accepted), key=lambda c: (c.block, c.start))
    sections = list(iter_sections(doc.body))
    if len(accepted) != len(sections):
        return None
    for section, cand in zip(sections, accepted, strict=True):
        if explained.blocks[cand.block].text[cand.start:cand.end] != section.marker:
            return None
    return list(zip(sections, accepted, strict=True))


# --- warnings placed in the text -----------------------------------------------------------


@dataclass(slots=True)
class Flag:
    """One warning with the anchor it gets on the page."""

    anchor: str
    diag: Diagnostic


def doc_flags(doc: Document, index: int) -> list[Flag]:
    return [Flag(f"w{index}-{k}", d) for k, d in enumerate(doc.warnings, 1)]


def place_flags(flags: list[Flag], spans: list[tuple[int, int]]) -> tuple[dict[int, list[Flag]], list[Flag]]:
    """Which piece of text (by its source line span) each warning belongs to; the rest are
    shown at the document's heading."""
    placed: dict[int, list[Flag]] = {}
    rest: list[Flag] = []
    for flag in flags:
        line = flag.diag.line
        piece = next((i for i, (a, b) in enumerate(spans) if line is not None and a <= line <= b), None)
        if piece is None:
            rest.append(flag)
        else:
            placed.setdefault(piece, []).append(flag)
    return placed, rest


def badges(flags: Iterable[Flag]) -> str:
    return "".join(
        tag("span", {"class": f"wbadge {f.diag.severity}", "id": f.anchor,
                     "title": f"{f.diag.code}: {f.diag.message}"}) + "⚠ " + esc(f.diag.code) + "</span>"
        for f in flags)


# --- the running text ----------------------------------------------------------------------


@dataclass(slots=True)
class Span:
    """A stretch of a paragraph to wrap in a tag; spans nest but never cross."""

    start: int
    end: int
    open: str
    close: str


def render_spans(text: str, spans: list[Span]) -> str:
    """The escaped text with the spans' tags around their stretches (outer spans first)."""
    out: list[str] = []
    stack: list[Span] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        while stack and stack[-1].end <= span.start:
            top = stack.pop()
            out.append(esc(text[pos:top.end]) + top.close)
            pos = top.end
        if span.start < pos or span.end <= span.start:
            continue
        if stack:
            span.end = min(span.end, stack[-1].end)
        out.append(esc(text[pos:span.start]) + span.open)
        pos = span.start
        stack.append(span)
    while stack:
        top = stack.pop()
        out.append(esc(text[pos:top.end]) + top.close)
        pos = top.end
    out.append(esc(text[pos:]))
    return "".join(out)


def marker_tag(section: Section, palette: Palette, position: str, reason: str) -> str:
    """The highlight of an accepted marker; its id is the section's, the outline's target."""
    classes = ["m", palette.cls(section.style, section.marker_label, section.family)]
    if section.inline:
        classes.append("inline")
    if section.cert != "high":
        classes.append("lowcert")
    tip = f"{section.style} · level {section.level} · {position}"
    if section.cert != "high":
        tip += f" · {section.cert}-certainty head"
    if reason:
        tip += f"\n{reason}"
    return tag("mark", {"class": " ".join(classes), "id": section.id, "title": tip,
                        "data-level": section.level})


def head_span(text: str, after: int, section: Section, palette: Palette) -> Span | None:
    """Where the head stands right after the marker (it may have been taken from elsewhere)."""
    head = section.head
    if not head:
        return None
    lead = len(text[after:]) - len(text[after:].lstrip())
    start = after + lead
    if not text.startswith(head, start):
        return None
    return Span(start, start + len(head), tag("span", {"class": f"head {palette.cls(section.style)}"}), "</span>")


def names_marker(message: str, marker: str) -> bool:
    """Whether a tree warning is about this marker: the tree's messages open with it
    (``二、 follows 一、: …``) or with ``head of`` and it."""
    words = message.removeprefix("head of ").split(maxsplit=1)
    return bool(words) and words[0] == marker


def flags_at_markers(flags: list[Flag], accepted: list[Candidate]) -> tuple[dict[int, list[Flag]], list[Flag]]:
    """Attach a paragraph's warnings to the markers they name, in order (a long paragraph can
    hold dozens of markers); the rest stay at the paragraph's start."""
    at: dict[int, list[Flag]] = {}
    rest: list[Flag] = []
    k = 0
    for flag in flags:
        j = next((j for j in range(k, len(accepted)) if names_marker(flag.diag.message, accepted[j].text.strip())),
                 None)
        if j is None:
            rest.append(flag)
        else:
            at.setdefault(id(accepted[j]), []).append(flag)
            k = j
    return at, rest


def block_spans(text: str, cands: list[Candidate], sections: dict[int, Section], palette: Palette,
                flags: dict[int, list[Flag]] | None = None) -> list[Span]:
    """Highlights for accepted candidates (with their heads and warnings) and faint marks for
    rejected ones."""
    spans: list[Span] = []
    for c in cands:
        section = sections.get(id(c))
        if section is None:
            tip = f"rejected: {c.style.name} ({c.position})\n{c.reason or 'not taken'}"
            spans.append(Span(c.start, c.end, tag("span", {"class": "rej", "title": tip}), "</span>"))
            continue
        opening = badges((flags or {}).get(id(c), [])) + marker_tag(section, palette, c.position, c.reason)
        spans.append(Span(c.start, c.end, opening, "</mark>"))
        head = head_span(text, c.end, section, palette)
        if head is not None:
            spans.append(head)
    return spans


def paragraph(inner: str, pid: str, lines: tuple[int, int], flags: list[Flag], kind: str = "p",
              *, has_flags: bool = False) -> str:
    """One paragraph of the text; its source lines show in the margin, its warnings in front."""
    warned = has_flags or any(f.diag.severity != "info" for f in flags)
    classes = [c for c in ("has-warn" if warned else "", "closer" if kind == "closer" else "") if c]
    line = f"{lines[0]}" if lines[0] == lines[1] else f"{lines[0]}–{lines[1]}"
    return (tag("p", {"id": pid, "data-line": line, "class": " ".join(classes) or None})
            + badges(flags) + inner + "</p>")


def text_from_blocks(doc: Document, index: int, explained: Explained,
                     pairs: list[tuple[Section, Candidate]], palette: Palette) -> tuple[str, list[Flag]]:
    """The body as the marker finder saw it, every candidate marked; returns unplaced flags."""
    sections = {id(c): s for s, c in pairs}
    by_block: dict[int, list[Candidate]] = {}
    for c in explained.candidates:
        by_block.setdefault(c.block, []).append(c)
    placed, rest = place_flags(doc_flags(doc, index), [(b.start, b.end) for b in explained.blocks])
    out = []
    for b, block in enumerate(explained.blocks):
        cands = by_block.get(b, [])
        accepted = sorted((c for c in cands if id(c) in sections), key=lambda c: c.start)
        at, start_flags = flags_at_markers(placed.get(b, []), accepted)
        spans = block_spans(block.text, cands, sections, palette, at)
        out.append(paragraph(render_spans(block.text, spans), f"d{index}-p{b}", (block.start, block.end),
                             start_flags, has_flags=b in placed))
    return "\n".join(out), rest


def text_from_tree(doc: Document, index: int, palette: Palette) -> tuple[str, list[Flag]]:
    """The body rebuilt from the tree (no candidates known): one paragraph per node."""
    pieces: list[Node] = []

    def walk(nodes: list[Node]) -> None:
        for node in nodes:
            pieces.append(node)
            if isinstance(node, Section):
                walk(node.children)

    walk(doc.body)
    starts = [n.lines if isinstance(n, Paragraph) else (n.lines[0], n.lines[0]) for n in pieces]
    placed, rest = place_flags(doc_flags(doc, index), starts)
    out = []
    for k, node in enumerate(pieces):
        flags = placed.get(k, [])
        if isinstance(node, Paragraph):
            out.append(paragraph(esc(node.text), f"d{index}-p{k}", node.lines, flags, node.kind))
            continue
        inner = (marker_tag(node, palette, "inline" if node.inline else "start", "") + esc(node.marker)
                 + "</mark>" + tag("span", {"class": f"head {palette.cls(node.style)}"}) + esc(node.head) + "</span>"
                 + esc(node.head_end))
        out.append(paragraph(inner, f"d{index}-p{k}", (node.lines[0], node.lines[0]), flags))
    return "\n".join(out), rest


def front_items(items: list[FrontItem], cls: str) -> str:
    if not items:
        return ""
    rows = [tag("p", {"class": f"k-{item.kind}", "data-line": item.lines[0]}) + tag("span", {"class": "fk"})
            + esc(item.kind) + "</span>" + esc(item.text) + "</p>" for item in items]
    return f'<div class="{cls}">' + "\n".join(rows) + "</div>"


def document_html(doc: Document, index: int, explained: Explained | None, palette: Palette) -> str:
    pairs = pair_sections(doc, explained) if explained is not None else None
    if explained is not None and pairs is not None:
        body, rest = text_from_blocks(doc, index, explained, pairs, palette)
        note = ""
    else:
        body, rest = text_from_tree(doc, index, palette)
        note = ('<p class="note">Rendered from the section tree: the marker candidates of this '
                "document are not known (an input read back from JSON/TEI), so rejected hits are not shown.</p>")
    title = doc.title or "(untitled)"
    return (tag("section", {"class": "doc", "id": f"d{index}"})
            + f"<h2>{index}. {esc(title)}</h2>" + badges(rest) + note
            + front_items(doc.front, "front") + '<div class="text">' + body + "</div>"
            + front_items(doc.back, "back") + "</section>")


# --- the outline ---------------------------------------------------------------------------


def short(text: str, limit: int = OUTLINE_HEAD_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outline_entry(s: Section, palette: Palette) -> str:
    tip = f"{s.marker_label} {s.head}\n{s.style} · level {s.level} · {s.cert} certainty"
    return (tag("a", {"href": f"#{s.id}", "title": tip, "class": palette.cls(s.style)})
            + f'<span class="mk">{esc(s.marker_label)}</span> {esc(short(s.head))}</a>'
            + f'<span class="lvl">L{s.level}</span>')


def outline_list(nodes: list[Node], palette: Palette) -> str:
    items = []
    for s in (n for n in nodes if isinstance(n, Section)):
        low = " lowcert" if s.cert != "high" else ""
        kids = [n for n in s.children if isinstance(n, Section)]
        if kids:
            items.append(f'<li class="branch{low}"><details open><summary>{outline_entry(s, palette)}</summary>'
                         f"{outline_list(s.children, palette)}</details></li>")
        else:
            items.append(f'<li class="leaf{low}">{outline_entry(s, palette)}</li>')
    return "<ul>" + "".join(items) + "</ul>" if items else ""


def outline_nav(conv: Conversion, palette: Palette) -> str:
    docs = []
    for n, doc in enumerate(conv.documents, 1):
        count = sum(1 for _ in iter_sections(doc.body))
        summary = (f'<a class="doc-title" href="#d{n}">{n}. {esc(short(doc.title or "(untitled)"))}</a>'
                   f'<span class="lvl">{count} sections</span>')
        docs.append(f'<details class="doc" open><summary>{summary}</summary>'
                    f"{outline_list(doc.body, palette) or '<p class=note>no sections</p>'}</details>")
    return ('<nav class="outline" aria-label="Outline"><h2>Outline</h2><div class="tools">'
            '<button type="button" id="outline-open">expand all</button>'
            '<button type="button" id="outline-close">collapse all</button></div>'
            + "".join(docs) + "</nav>")


# --- the top of the page -------------------------------------------------------------------


def problems(conv: Conversion) -> str:
    """Warnings and low-certainty heads, each linked to its mark in the text."""
    warn_items = [f"<li>{esc(d.code)}: {esc(d.message)}</li>" for d in conv.warnings if d.severity != "info"]
    low_items = []
    for n, doc in enumerate(conv.documents, 1):
        for flag in doc_flags(doc, n):
            if flag.diag.severity == "info":
                continue
            where = f"doc {n}, line {flag.diag.line}" if flag.diag.line is not None else f"doc {n}"
            warn_items.append(f'<li><a href="#{esc(flag.anchor)}">{esc(flag.diag.code)}</a> '
                              f"({esc(where)}): {esc(flag.diag.message)}</li>")
        for s in iter_sections(doc.body):
            if s.cert != "high":
                low_items.append(f'<li><a href="#{esc(s.id)}">{esc(s.marker_label)} {esc(short(s.head, 60))}</a> '
                                 f"({esc(s.cert)} certainty, doc {n}, line {s.lines[0]})</li>")
    if not warn_items and not low_items:
        return '<p class="ok">No warnings, no low-certainty heads.</p>'
    out = ['<section class="problems">']
    if warn_items:
        out.append(f"<h2>Warnings ({len(warn_items)})</h2><ul>{''.join(warn_items)}</ul>")
    if low_items:
        out.append(f"<h2>Low-certainty heads ({len(low_items)})</h2><ul>{''.join(low_items)}</ul>")
    out.append("</section>")
    return "".join(out)


def notes(conv: Conversion) -> str:
    """Information-level diagnostics (a numbering restart, a head from the next line), folded."""
    items = [(n, d) for n, doc in enumerate(conv.documents, 1) for d in doc.warnings if d.severity == "info"]
    if not items:
        return ""
    rows = "".join(f"<tr><td class=num>{n}</td><td class=num>{esc(d.line or '')}</td><td>{esc(d.code)}</td>"
                   f"<td>{esc(d.message)}</td></tr>" for n, d in items)
    return (f'<details class="fold"><summary>Notes ({len(items)})</summary><div><table>'
            f"<tr><th>doc</th><th>line</th><th>code</th><th>note</th></tr>{rows}</table></div></details>")


META_FIELDS = ("title", "subtitle", "occasion", "date", "date_iso", "speaker", "speaker_role", "salutation")


def metadata_fold(conv: Conversion) -> str:
    head = "".join(f"<th>{f.replace('_', ' ')}</th>" for f in META_FIELDS)
    rows = "".join(
        f"<tr><td class=num>{n}</td>" + "".join(f"<td>{esc(getattr(d.meta, f) or '')}</td>" for f in META_FIELDS)
        + "</tr>" for n, d in enumerate(conv.documents, 1))
    page = ""
    if conv.page_title or conv.uploader:
        page = (f"<p>Page title: {esc(conv.page_title or '—')}; uploader: {esc(conv.uploader or '—')}</p>")
    page += front_items(conv.page_front, "front")
    return (f'<details class="fold" id="metadata"><summary>Metadata ({len(conv.documents)} documents)</summary>'
            f"<div>{page}<table><tr><th>doc</th>{head}</tr>{rows}</table></div></details>")


def ledger_fold(conv: Conversion) -> str:
    rows = "".join(
        f'<tr id="r{k}"><td class=num>{r.line}</td><td>{esc(r.reason)}</td><td>{esc(r.text)}</td></tr>'
        for k, r in enumerate(conv.removed, 1))
    body = (f"<table><tr><th>line</th><th>reason</th><th>text</th></tr>{rows}</table>" if rows
            else '<p class="note">Nothing was removed.</p>')
    return (f'<details class="fold" id="removed"><summary>Removed text ({len(conv.removed)})</summary>'
            f"<div>{body}</div></details>")


def legend(palette: Palette) -> str:
    keys = [f'<span class="key {c}"><span class="swatch"></span><code>{esc(palette.examples[s])}</code> '
            f"{esc(s)}<span class=note>{esc(palette.families[s])}</span></span>"
            for s, c in palette.classes.items()]
    keys.append('<span class="key"><mark class="m inline s0">二是</mark> inline split</span>'
                if palette.classes else "")
    keys.append('<span class="key"><span class="rej" title="example">第一</span> rejected (hover: why)</span>')
    keys.append('<span class="key"><mark class="m lowcert s0">（一）</mark> low-certainty head</span>'
                if palette.classes else "")
    keys.append('<label class="key"><input type="checkbox" id="show-rejected" checked> show rejected</label>')
    return '<div class="legend" aria-label="Legend">' + "".join(k for k in keys if k) + "</div>"


def facts(conv: Conversion) -> str:
    src = conv.source
    sections = sum(1 for d in conv.documents for _ in iter_sections(d.body))
    warnings = sum(1 for d in conv.documents for w in d.warnings if w.severity != "info")
    return (f'<p class="facts">{esc(src.format)}, {esc(src.encoding)}, {src.size} bytes · '
            f"{len(conv.documents)} documents · {sections} sections · {warnings} warnings · "
            f"{len(conv.removed)} removed · speech2tei {esc(__version__)}</p>")


def render_preview(conv: Conversion, explained: list[Explained] | None = None) -> str:
    """The whole page for one conversion; ``explained`` as filled by ``convert_bytes``."""
    palette = Palette()
    register_styles(conv, palette)
    per_doc = explained if explained is not None and len(explained) == len(conv.documents) else None
    docs = "\n".join(document_html(doc, n, per_doc[n - 1] if per_doc else None, palette)
                     for n, doc in enumerate(conv.documents, 1))
    outline = outline_nav(conv, palette)
    name = Path(conv.source.name).name or conv.source.name
    return ("<!DOCTYPE html>\n"
            '<html lang="zh"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="speech2tei {esc(__version__)}">'
            f"<title>{esc(name)} · speech2tei preview</title>"
            f"<style>{asset('preview.css')}\n{palette.css()}</style></head>\n"
            f'<body><div class="layout">{outline}<main>'
            f"<header><h1>{esc(conv.source.name)}</h1>{facts(conv)}</header>"
            f"{problems(conv)}{notes(conv)}{metadata_fold(conv)}{ledger_fold(conv)}{legend(palette)}"
            f"{docs}</main></div>{inline_script(asset('preview.js'))}</body></html>\n")


def write_preview(conv: Conversion, explained: list[Explained] | None, target: Path, *, force: bool) -> None:
    """Render and write atomically; an existing file is kept unless ``force``."""
    from .batch import write_atomic

    write_atomic(target, render_preview(conv, explained).encode("utf-8"), force=force)
