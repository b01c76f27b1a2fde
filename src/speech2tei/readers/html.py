"""HTML → text lines with the page's block structure (lxml.html).

Each block boundary (<p>, <div>, <li>, <td>, <h1>…, <br> …) ends a line, so the grammar sees
paragraphs as the page shows them; inline markup (Word's span soup, <b>, <font>) disappears
without breaking words. What is not main text goes to the ledger with its reason: scripts and
styles (``script``), comments (``markup``), navigation (``navigation``) and the page head
(``html-head``). Parsing is local only: no network, no entity loading, no huge trees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from ..errors import InputError
from ..model import Removal

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
})
"""Elements whose start and end are line boundaries."""

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
SKIPPED_TAGS = {"script": "script", "style": "script", "noscript": "script",
                "template": "script", "nav": "navigation",
                "aside": "navigation", "iframe": "script", "object": "script", "svg": "script",
                "select": "navigation", "button": "navigation"}
"""Elements whose text is not main text, with the ledger reason for it."""

COLLAPSE = re.compile(r"[ \t\n\r\f]+")
"""HTML whitespace (not NBSP, not the full-width space U+3000, which are text)."""


BOLD_LEAD = re.compile(r"([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|[0-9０-９]+[.．、])")
"""A numbering marker at the start of a bold run."""


@dataclass(slots=True)
class HtmlText:
    lines: list[str] = field(default_factory=list)
    hints: dict[int, str] = field(default_factory=dict)
    removed: list[Removal] = field(default_factory=list)


class LineBuilder:
    """Collects text into lines; a block boundary closes the line being built."""

    def __init__(self) -> None:
        self.out = HtmlText()
        self.parts: list[str] = []
        self.heading_depth = 0
        self.pre_depth = 0

    def add(self, text: str | None) -> None:
        if not text:
            return
        if self.pre_depth:
            first, *rest = text.split("\n")
            self.parts.append(first)
            for piece in rest:
                self.boundary()
                self.parts.append(piece)
            return
        self.parts.append(COLLAPSE.sub(" ", text))

    def boundary(self) -> None:
        line = "".join(self.parts).strip(" ")
        self.parts = []
        if not line.strip():
            return
        if self.heading_depth:
            self.out.hints[len(self.out.lines)] = "heading"
        self.out.lines.append(line)

    def remove(self, text: str, reason: str) -> None:
        """Ledger text left out; its line is where it would have stood."""
        if text.strip():
            self.out.removed.append(Removal(text.strip(), reason, len(self.out.lines) + 1))


def read_html(text: str, name: str = "<input>") -> HtmlText:
    """Extract the main text of an HTML document or fragment, one string per block."""
    root = parse_html(text, name)
    builder = LineBuilder()
    main = main_element(root)
    if main is not None:
        for outside in outside_main(root, main):
            builder.remove(" ".join(outside.itertext()), "navigation")
        walk(main, builder)
    else:
        walk(root, builder)
    builder.boundary()
    return builder.out


def parse_html(text: str, name: str) -> etree._Element:
    """Parse safely: lxml's HTML parser, no network, no huge trees, comments kept to ledger."""
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=True,
                                  no_network=True, huge_tree=False, default_doctype=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"cannot parse HTML: {exc}", path=name) from exc
    if root is None:
        raise InputError("empty input", path=name)
    return root


def main_element(root: etree._Element) -> etree._Element | None:
    """The page's one <main>, or its one <article>, when it has exactly one; else None."""
    for tag in ("main", "article"):
        found = root.findall(f".//{tag}")
        if len(found) == 1:
            return found[0]
    return None


def outside_main(root: etree._Element, main: etree._Element) -> list[etree._Element]:
    """The body's elements that neither hold nor sit inside ``main``."""
    keep = {id(main), *(id(a) for a in main.iterancestors())}
    body = root.find("body")
    outside: list[etree._Element] = []
    for el in (body if body is not None else root).iter():
        if id(el) in keep or not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        if parent is not None and id(parent) in keep:
            outside.append(el)
    return outside


def walk(el: etree._Element, out: LineBuilder) -> None:
    """Emit ``el``'s text with line breaks at block boundaries (its tail is the caller's)."""
    if isinstance(el, etree._Comment):
        out.remove(el.text or "", "markup")
        return
    if not isinstance(el.tag, str):  # processing instruction, entity
        return
    tag = el.tag.lower()
    if tag == "head":
        skip_head(el, out)
        return
    reason = SKIPPED_TAGS.get(tag) or role_reason(el)
    if reason:
        out.remove(" ".join(el.itertext()), reason)
        return
    if tag == "br":
        out.boundary()
        return
    block = tag in BLOCK_TAGS
    if block:
        out.boundary()
    out.heading_depth += tag in HEADING_TAGS
    out.pre_depth += tag == "pre"
    lead = is_bold_lead(el, out)
    out.add(el.text)
    for child in el:
        walk(child, out)
        out.add(child.tail)
    if lead:
        out.boundary()  # a bold numbered lead (<b>一、元旦：</b>2018年…) is the heading
    if block:
        out.boundary()
    out.heading_depth -= tag in HEADING_TAGS
    out.pre_depth -= tag == "pre"


def is_bold_lead(el: etree._Element, out: LineBuilder) -> bool:
    """A bold run that opens a line with a numbering marker and has text after it: Word and
    gov.cn pages write run-in headings so (<span style="font-weight: bold">一、元旦：</span>…)."""
    if "".join(out.parts).strip() or not (el.tail or "").strip():
        return False
    style = (el.get("style") or "").replace(" ", "").lower()
    bold = el.tag.lower() in ("b", "strong") or "font-weight:bold" in style or "font-weight:700" in style
    return bold and BOLD_LEAD.match("".join(el.itertext()).strip()) is not None


def skip_head(head: etree._Element, out: LineBuilder) -> None:
    """The page head is not text: its title is ledgered as ``html-head``, scripts and styles
    as ``script``, comments (Word's conditional XML) as ``markup``."""
    for child in head:
        if isinstance(child, etree._Comment):
            out.remove(child.text or "", "markup")
        elif isinstance(child.tag, str):
            reason = SKIPPED_TAGS.get(child.tag.lower(), "html-head")
            out.remove(" ".join(child.itertext()), reason)


def role_reason(el: etree._Element) -> str | None:
    """Navigation marked by ARIA role, or header/footer outside an article."""
    if (el.get("role") or "").lower() in ("navigation", "banner", "contentinfo"):
        return "navigation"
    if el.tag in ("header", "footer") and not any(
            a.tag in ("article", "main") for a in el.iterancestors()):
        return "navigation"
    return None
