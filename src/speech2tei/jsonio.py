"""JSON writer and reader: a direct mapping of the model, checked against our JSON Schema.

The design is parse → validate → serialize: ``to_json_bytes`` validates the tree against
``schemas/speech2tei.schema.json`` before it returns a byte, so an invalid tree never reaches
a user's archive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import InputError, ValidationError
from .gcpause import paused_gc
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
    SourceInfo,
)

FORMAT_VERSION = "1.0"


def _version() -> str:
    from . import __version__

    return __version__


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (schemas/ links to the same file)."""
    text = resources.files("speech2tei").joinpath("data/speech2tei.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _rust_validator(part: dict[str, Any]) -> Any:
    """jsonschema-rs (Rust) checks a large tree a few hundred times faster than the Python
    validator; None where it is not installed (the Python validator then does the job)."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(part)


@lru_cache(maxsize=1)
def _fast_validator() -> Any:
    return _rust_validator(schema())


def schema_errors(data: dict[str, Any]) -> list[str]:
    """Every place where ``data`` breaks the schema, as ``path: message``, sorted by path.

    The fast validator answers the common case (valid); the Python validator words the
    errors when there are any, so the messages are the same whichever is installed."""
    fast = _fast_validator()
    if fast is not None and fast.is_valid(data):
        return []
    problems = []
    for err in _validator().iter_errors(data):
        path = "/".join(str(p) for p in err.absolute_path) or "(root)"
        problems.append(f"{path}: {err.message}")
    return sorted(problems)


def validate_json_dict(data: dict[str, Any]) -> list[str]:
    """Alias used by ``speech2tei validate``: the schema problems of a JSON document."""
    return schema_errors(data)


# --- model → dict -------------------------------------------------------------------------


def _front_item(item: FrontItem) -> dict[str, Any]:
    return {"kind": item.kind, "text": item.text, "lines": list(item.lines)}


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "line": d.line, "severity": d.severity}


def node_to_dict(node: Node) -> dict[str, Any]:
    """One node and everything below it. Children are mapped with ``map`` (a list
    comprehension costs a frame of its own at each of the tens of thousands of sections
    of a large input)."""
    first, last = node.lines
    if isinstance(node, Paragraph):
        return {"type": "p", "kind": node.kind, "text": node.text, "lines": [first, last]}
    children = node.children
    return {
        "type": "section", "id": node.id, "marker": node.marker, "label": node.marker_label,
        "style": node.style, "family": node.family, "value": node.value, "level": node.level,
        "head": node.head, "head_end": node.head_end, "inline": node.inline, "cert": node.cert,
        "delimiter": node.delimiter, "lines": [first, last],
        "children": list(map(node_to_dict, children)) if children else [],
    }


def document_to_dict(doc: Document, index: int) -> dict[str, Any]:
    m = doc.meta
    return {
        "id": f"d{index}", "title": m.title,
        "meta": {"title": m.title, "subtitle": m.subtitle, "occasion": m.occasion, "date": m.date,
                 "date_iso": m.date_iso, "speaker": m.speaker, "speaker_role": m.speaker_role,
                 "salutation": m.salutation},
        "lines": list(doc.lines),
        "front": [_front_item(i) for i in doc.front],
        "body": list(map(node_to_dict, doc.body)),
        "back": [_front_item(i) for i in doc.back],
        "styles": dict(doc.styles),
        "warnings": [_diagnostic(d) for d in doc.warnings],
    }


def conversion_to_dict(conv: Conversion, *, documents: bool = True) -> dict[str, Any]:
    """The whole conversion; without ``documents`` the rest of it, with an empty list there."""
    s = conv.source
    return {
        "format": "speech2tei", "version": FORMAT_VERSION,
        "generator": {"name": "speech2tei", "version": _version()},
        "source": {"name": s.name, "sha256": s.sha256, "encoding": s.encoding, "format": s.format,
                   "size": s.size},
        "page": {"title": conv.page_title, "uploader": conv.uploader,
                 "front": [_front_item(i) for i in conv.page_front]},
        "documents": [document_to_dict(d, i) for i, d in enumerate(conv.documents, 1)] if documents else [],
        "removed": [{"text": r.text, "reason": r.reason, "line": r.line} for r in conv.removed],
        "warnings": [_diagnostic(d) for d in conv.warnings],
    }


def to_json_bytes(conv: Conversion, *, validate: bool = True) -> bytes:
    """Serialize, refusing a tree that does not validate against the schema."""
    return b"".join(to_json_chunks(conv, validate=validate))


def to_json_chunks(conv: Conversion, *, validate: bool = True) -> list[bytes]:
    """``to_json_bytes`` in pieces, one per document, for a writer that writes them in turn.

    Each document is turned into a dict, validated and dumped in turn (``document_json_bytes``),
    so only one document's dict is in memory at a time, not the whole tree's. Where a part does
    not validate, the whole tree is validated at once to word every problem with its path."""
    with paused_gc():
        if validate:
            parts = _json_by_parts(conv)
            if parts is not None:
                return parts
        return [_checked_json_bytes(conv, validate)]


def _json_by_parts(conv: Conversion) -> list[bytes] | None:
    documents = []
    for index, doc in enumerate(conv.documents, 1):
        part = document_json_bytes(doc, index)
        if part is None:
            return None
        documents.append(part)
    return spliced_json_bytes(conv, documents)


def _checked_json_bytes(conv: Conversion, validate: bool) -> bytes:
    data = conversion_to_dict(conv)
    if validate:
        problems = schema_errors(data)
        if problems:
            raise ValidationError(f"the parse does not validate ({len(problems)} problems): {problems[0]}",
                                  path=conv.source.name)
    return dump_compact(data)


DOCUMENTS_KEY = b'"documents":[]'
"""The documents of a conversion dumped without them (compact JSON: the first occurrence is the
key, a string value cannot hold it unescaped)."""


def document_json_bytes(doc: Document, index: int, *, write: bool = True) -> bytes | None:
    """Document ``index`` as it appears in its conversion's JSON (empty unless ``write``), or
    None where it breaks the schema (the caller then converts the whole input the usual way,
    to report it the usual way). For documents written in other processes (``fanout``);
    ``spliced_json_bytes`` puts them in place."""
    data = document_to_dict(doc, index)
    if not _document_is_valid()(data):
        return None
    return dump_compact(data, newline=False) if write else b""


def spliced_json_bytes(conv: Conversion, documents: list[bytes]) -> list[bytes] | None:
    """The JSON of ``conv`` with each document's JSON from ``document_json_bytes`` in its
    place (the model's documents are not looked at: in ``fanout`` they are not there): the
    bytes of the whole conversion, in pieces. None where the rest of it breaks the schema."""
    envelope = json_envelope(conv) if documents else None
    if envelope is None:
        return None
    head, tail = envelope
    return [head, *joined_documents(documents, 0), tail]


def json_envelope(conv: Conversion) -> tuple[bytes, bytes] | None:
    """The JSON of ``conv`` before its first document (up to the array's ``[``) and after
    its last (from the ``]``); None where it breaks the schema. The documents' own JSON
    (``document_json_bytes``, joined by ``joined_documents``) goes between the two.

    Validating the parts is validating the whole: the schema's documents are an array of
    ``$defs/document`` and nothing else (``_part_schemas`` makes sure)."""
    data = conversion_to_dict(conv, documents=False)
    if not _envelope_is_valid()(data):
        return None
    head, tail = dump_compact(data).split(DOCUMENTS_KEY, 1)
    return head + DOCUMENTS_KEY[:-1], b"]" + tail


def joined_documents(documents: list[bytes], first: int) -> list[bytes]:
    """Documents' JSON as the array holds them, the first of them at index ``first`` (0-based):
    each after a comma but the array's very first."""
    return [b"," + doc if first + i else doc for i, doc in enumerate(documents)]


@lru_cache(maxsize=1)
def _part_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema cut in two: the conversion with any array as its documents, and a document."""
    full = schema()
    if full["properties"]["documents"] != {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/document"}}:
        raise RuntimeError("the JSON Schema's documents changed: validating by parts may no longer hold")
    envelope = {**full, "properties": {**full["properties"], "documents": {"type": "array", "maxItems": 0}}}
    document = {"$schema": full["$schema"], "$defs": full["$defs"], "$ref": "#/$defs/document"}
    return envelope, document


def _is_valid_for(part: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A yes/no check against ``part``: jsonschema-rs where installed, else the Python validator."""
    fast = _rust_validator(part)
    if fast is not None:
        return fast.is_valid
    import jsonschema

    return jsonschema.Draft202012Validator(part).is_valid


@lru_cache(maxsize=1)
def _envelope_is_valid() -> Callable[[dict[str, Any]], bool]:
    return _is_valid_for(_part_schemas()[0])


@lru_cache(maxsize=1)
def _document_is_valid() -> Callable[[dict[str, Any]], bool]:
    return _is_valid_for(_part_schemas()[1])


def dump_compact(data: dict[str, Any], *, newline: bool = True) -> bytes:
    """Compact UTF-8 JSON and a newline (pretty-print with ``python -m json.tool`` where wanted).

    orjson writes the same bytes as ``json.dumps(ensure_ascii=False, separators=(",", ":"))``
    five times faster (0.08 s instead of 0.45 s for the 23 MB of a 10 MB input); the json
    module does it where orjson is not installed, and for trees nested deeper than orjson's
    limit of 254 levels (about 120 levels of sections), which the json module still writes.
    """
    try:
        import orjson
    except ImportError:
        orjson = None
    if orjson is not None:
        try:
            return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE if newline else None)
        except orjson.JSONEncodeError:
            pass
    end = "\n" if newline else ""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + end).encode("utf-8")


# --- dict → model -------------------------------------------------------------------------


def _span(value: list[int]) -> tuple[int, int]:
    return (int(value[0]), int(value[1]))


def _front_from(d: dict[str, Any]) -> FrontItem:
    return FrontItem(d["kind"], d["text"], _span(d["lines"]))


def _diag_from(d: dict[str, Any]) -> Diagnostic:
    return Diagnostic(d["code"], d["message"], d["line"], d["severity"])


def node_from_dict(d: dict[str, Any]) -> Node:
    if d["type"] == "p":
        return Paragraph(d["text"], _span(d["lines"]), d["kind"])
    return Section(
        marker=d["marker"], style=d["style"], family=d["family"], value=d["value"], level=d["level"],
        head=d["head"], head_end=d["head_end"], inline=d["inline"], cert=d["cert"],
        lines=_span(d["lines"]), children=[node_from_dict(c) for c in d["children"]], id=d["id"],
        delimiter=d["delimiter"],
    )


def document_from_dict(d: dict[str, Any]) -> Document:
    return Document(
        meta=Metadata(**d["meta"]), front=[_front_from(i) for i in d["front"]],
        body=[node_from_dict(n) for n in d["body"]], back=[_front_from(i) for i in d["back"]],
        lines=_span(d["lines"]), styles=dict(d["styles"]),
        warnings=[_diag_from(w) for w in d["warnings"]],
    )


def conversion_from_dict(data: dict[str, Any]) -> Conversion:
    s = data["source"]
    page = data.get("page") or {}
    return Conversion(
        source=SourceInfo(s["name"], s["sha256"], s["encoding"], s["format"], s["size"]),
        documents=[document_from_dict(d) for d in data["documents"]],
        page_title=page.get("title"), uploader=page.get("uploader"),
        removed=[Removal(r["text"], r["reason"], r["line"]) for r in data["removed"]],
        warnings=[_diag_from(w) for w in data["warnings"]],
        page_front=[_front_from(i) for i in page.get("front") or []],
    )


def read_json(data: bytes, name: str) -> Conversion:
    """Read one of our JSON outputs back into the model, checking it first."""
    try:
        return _read_json(data, name)
    except RecursionError as exc:  # a hostile or broken file nested thousands of levels deep
        raise InputError("JSON nested too deeply to be a speech2tei file", path=name) from exc


def _read_json(data: bytes, name: str) -> Conversion:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"not valid JSON: {exc}", path=name, line=line) from exc
    if not isinstance(parsed, dict) or parsed.get("format") != "speech2tei":
        raise InputError("not a speech2tei JSON file (no \"format\": \"speech2tei\")", path=name)
    problems = schema_errors(parsed)
    if problems:
        raise InputError(f"does not fit the speech2tei JSON schema: {problems[0]}", path=name)
    return conversion_from_dict(parsed)
