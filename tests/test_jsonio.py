"""The JSON writer: orjson where installed, byte for byte what the json module writes; validated
and written one document at a time, byte for byte the whole tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from speech2tei import convert_bytes
from speech2tei.errors import ValidationError
from speech2tei.jsonio import conversion_to_dict, dump_compact, schema_errors, to_json_bytes, to_json_chunks
from speech2tei.model import printable_name

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def reference(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@given(st.dictionaries(TEXT, VALUES, max_size=6))
def test_fast_encoder_writes_what_the_json_module_writes(data):
    assert dump_compact(data) == reference(data)


def test_awkward_characters_are_escaped_the_same_way():
    nasty = {"t": "引号\"反斜杠\\ 控制\x00\x01\x1f\x7f 换行\n\r\t 分隔\u2028\u2029 表情😀 替换\ufffd"}
    assert dump_compact(nasty) == reference(nasty)


def test_names_that_are_not_utf8_become_escapes():
    assert printable_name("讲话.txt") == "讲话.txt"
    assert printable_name("/tmp/\udcff\udcfe-a.txt") == "/tmp/\\xff\\xfe-a.txt"
    printable_name("\udcff").encode("utf-8")  # now encodable


def test_nesting_deeper_than_orjson_allows_is_still_written():
    data: dict = {"children": []}
    inner = data
    for _ in range(400):
        child: dict = {"children": []}
        inner["children"].append(child)
        inner = child
    assert dump_compact(data) == reference(data)


# --- validated and written one document at a time -------------------------------------------------

COMPILATION = (Path(__file__).resolve().parents[1] / "examples" / "compilation-page.txt").read_bytes()


def whole_tree_bytes(conv) -> bytes:
    """What the writer wrote before it worked by documents: the whole dict, validated, dumped."""
    data = conversion_to_dict(conv)
    assert schema_errors(data) == []
    return dump_compact(data)


def test_json_by_documents_is_the_whole_tree_dumped_at_once():
    conv = convert_bytes(COMPILATION, "page.txt")
    chunks = to_json_chunks(conv)
    assert len(chunks) == len(conv.documents) + 2
    assert b"".join(chunks) == to_json_bytes(conv) == whole_tree_bytes(conv)


def test_a_document_that_breaks_the_schema_is_reported_with_its_path():
    conv = convert_bytes(COMPILATION, "page.txt")
    conv.documents[1].meta.date_iso = "yesterday"
    with pytest.raises(ValidationError, match=r"documents/1/meta/date_iso"):
        to_json_chunks(conv)


def test_a_conversion_without_documents_is_refused():
    conv = convert_bytes(COMPILATION, "page.txt")
    conv.documents = []
    with pytest.raises(ValidationError, match="documents"):
        to_json_bytes(conv)
    assert to_json_bytes(conv, validate=False).count(b'"documents":[]') == 1
