"""The one way speech2tei parses XML a user gave it.

User XML (a TEI file to validate or to convert back) may come from anywhere, so it is read
with entity expansion, DTD loading and network access all switched off, and a DOCTYPE that
declares entities or points at an external DTD is refused before libxml2 sees it: that
closes XXE (reading local files), billion-laughs (entity expansion) and external-DTD
fetches, and gives the user a message that says why, not a libxml2 internals error.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from .errors import InputError

_PROLOG_SCAN_BYTES = 65536
"""How much of the file is searched for a DOCTYPE (it must come before the root element)."""

_HIDDEN_RE = re.compile(r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>", re.S)
_EXTERNAL_ID_RE = re.compile(r"^<!DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)\b")


class UnsafeXmlError(InputError):
    """The XML asks for something speech2tei never does (entities, DTDs, network)."""


class XmlSyntaxError(InputError):
    """The XML is not well-formed; ``line`` says where the parser stopped."""


class _RefuseEverything(etree.Resolver):
    """A resolver that refuses every external resource libxml2 might still ask for."""

    def resolve(self, url, public_id, context):  # type: ignore[override]
        raise UnsafeXmlError(f"refused to load external resource {url!r}")


def safe_parser() -> etree.XMLParser:
    """A parser that never expands entities, loads DTDs, uses the network or grows huge trees."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
    )
    parser.resolvers.add(_RefuseEverything())
    return parser


def _prolog_text(data: bytes) -> str:
    """The start of the file as text, decoded well enough to find markup in the prolog."""
    head = data[:_PROLOG_SCAN_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="replace")
    return head.decode("latin-1")


def check_doctype(data: bytes, name: str = "<xml>") -> None:
    """Refuse a DOCTYPE that declares entities or names an external DTD, with a clear reason.

    This runs on the raw text before libxml2 parses anything, so no DTD feature is ever
    exercised; comments, processing instructions and CDATA sections are blanked first so a
    TEI file that merely quotes a DOCTYPE is not refused.
    """
    text = _HIDDEN_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), _prolog_text(data))
    start = text.find("<!DOCTYPE")
    if start < 0:
        return
    line = text.count("\n", 0, start) + 1
    if "<!ENTITY" in text[start:]:
        raise UnsafeXmlError(
            "refused: the DOCTYPE declares entities; speech2tei never expands XML entities "
            "(this blocks XXE and billion-laughs files). Remove the DOCTYPE.", path=name, line=line)
    declaration = text[start:].split(">", 1)[0]
    if _EXTERNAL_ID_RE.match(declaration):
        raise UnsafeXmlError(
            "refused: the DOCTYPE points to an external DTD; speech2tei never loads DTDs or uses "
            "the network. Remove the DOCTYPE.", path=name, line=line)
    if "[" in declaration and "<!" in text[start + len("<!DOCTYPE"):]:
        raise UnsafeXmlError("refused: the DOCTYPE has an internal subset; speech2tei reads XML "
                             "without DTDs. Remove the DOCTYPE.", path=name, line=line)


def parse_xml(data: bytes, name: str = "<xml>") -> etree._ElementTree:
    """Parse user XML safely; raise UnsafeXmlError or XmlSyntaxError (both InputError)."""
    check_doctype(data, name)
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser()))
    except UnsafeXmlError as exc:
        raise UnsafeXmlError(exc.message, path=name) from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno and exc.lineno > 0 else None
        message = (exc.msg or str(exc)).strip()
        message = re.sub(r",? line \d+, column \d+$", "", message)
        raise XmlSyntaxError(f"not well-formed XML: {message}", path=name, line=line) from None
    _check_docinfo(tree, name)
    return tree


def _check_docinfo(tree: etree._ElementTree, name: str) -> None:
    """Second line of defence: what libxml2 itself recorded about a DOCTYPE."""
    info = tree.docinfo
    if info.system_url or info.public_id:
        raise UnsafeXmlError("refused: the DOCTYPE points to an external DTD; speech2tei never "
                             "loads DTDs or uses the network. Remove the DOCTYPE.", path=name)
    dtd = info.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXmlError("refused: the DOCTYPE declares entities; speech2tei never expands XML "
                             "entities. Remove the DOCTYPE.", path=name)
