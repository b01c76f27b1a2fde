"""Stage 0: bytes → the text lines the pipeline reads (plain text, HTML or .docx)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..decode import decode_bytes, split_lines
from ..model import Removal, SourceInfo


@dataclass(slots=True)
class RawInput:
    lines: list[str]
    hints: dict[int, str] = field(default_factory=dict)
    source: SourceInfo = field(default_factory=lambda: SourceInfo("<input>"))
    removed: list[Removal] = field(default_factory=list)


def read_input(data: bytes, name: str, *, fmt: str | None = None, encoding: str | None = None,
               errors: str = "strict") -> RawInput:
    """Plain text only for now (HTML and .docx readers are being written)."""
    decoded = decode_bytes(data, name=name, encoding=encoding, errors=errors)
    source = SourceInfo(name, hashlib.sha256(data).hexdigest(), decoded.encoding, "text", len(data))
    return RawInput(split_lines(decoded.text), {}, source, [])
