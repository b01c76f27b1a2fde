"""Stage 1: bytes → text. Detect the encoding, refuse binary input, split into lines.

The cascade is strict on purpose: a byte-order mark decides; otherwise the text must be valid
UTF-8, or else valid GB18030 (a superset of GBK and GB2312, the encodings Chinese government
sites and Windows editors produce). GB18030 accepts almost any byte string, so a decode that
succeeds but looks implausible (few common hanzi) is checked against charset-normalizer, whose
answer is used only when it decodes the bytes strictly too. Nothing is ever guessed silently:
``Decoded.method`` says how the encoding was found.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from .errors import InputError

MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive"),
    (b"PK\x05\x06", "zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document (.doc/.xls)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ\x90\x00", "Windows executable"),
    (b"{\\rtf", "RTF document"),
)
"""Leading bytes of formats that are not text (the reader, not the decoder, opens .docx zips)."""

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
"""Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one)."""

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
"""Characters that make a file look non-empty without holding any text."""

CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
"""C0 controls other than tab, line ends and form feed: rare in text, common in binary data."""


@dataclass(slots=True)
class Decoded:
    """Decoded text, the encoding that read it, and where bytes were replaced (if allowed)."""

    text: str
    encoding: str
    replaced: list[int] = field(default_factory=list)
    """Byte offsets replaced by U+FFFD under ``errors="replace"``."""
    method: str = "strict"
    """How the encoding was chosen: ``bom``, ``strict``, ``detected`` or ``forced``."""


def decode_bytes(data: bytes, *, name: str = "<input>", encoding: str | None = None,
                 errors: str = "strict") -> Decoded:
    """Decode ``data``: forced encoding, else BOM, else strict UTF-8, else strict GB18030."""
    if errors not in ("strict", "replace"):
        raise InputError(f"unknown --errors value {errors!r} (use strict or replace)", path=name)
    if not data or data.isspace():  # (stops at the first visible byte; strip() would copy)
        raise InputError("empty input", path=name)
    kind = binary_kind(data)
    if kind:
        raise InputError(f"binary file ({kind})", path=name)
    decoded = (decode_forced(data, encoding, name, errors) if encoding
               else decode_detected(data, name, errors))
    check_text(decoded.text, name)
    return decoded


def binary_kind(data: bytes) -> str | None:
    """Name the binary format ``data`` starts with, or say it has NUL bytes; None for text."""
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    has_bom = data.startswith(tuple(bom for bom, _ in BOMS))
    if b"\x00" in data and not has_bom and bomless_utf16(data) is None:
        return "contains NUL bytes"
    return None


def bomless_utf16(data: bytes, share: float = 0.2) -> str | None:
    """``utf-16-le``/``-be`` when NULs fill at least ``share`` of one byte parity (the high
    bytes of ASCII characters), hardly any of the other, and the bytes decode as text."""
    if len(data) % 2 or len(data) < 4:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    half = len(data) // 2
    if odd >= share * half and even * 10 <= odd:
        candidate = "utf-16-le"
    elif even >= share * half and odd * 10 <= even:
        candidate = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(candidate)
    except UnicodeDecodeError:
        return None
    return None if CONTROL.search(text) else candidate


def decode_forced(data: bytes, encoding: str, name: str, errors: str) -> Decoded:
    """Decode with the user's encoding; a UTF-8 BOM is dropped when the user said UTF-8."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {encoding!r}", path=name) from exc
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        decoded = decode_with(data[3:], codec, name, errors, method="forced", base=3)
        decoded.encoding = "utf-8-sig"
        return decoded
    return decode_with(data, codec, name, errors, method="forced")


def decode_detected(data: bytes, name: str, errors: str) -> Decoded:
    """The cascade: BOM → UTF-8 → GB18030 (→ charset-normalizer when it finds a better fit)."""
    for bom, label in BOMS:
        if data.startswith(bom):
            codec = "utf-8" if label == "utf-8-sig" else label
            decoded = decode_with(data[len(bom):], codec, name, errors, method="bom",
                                  base=len(bom))
            decoded.encoding = label
            return decoded
    bomless = bomless_utf16(data) if b"\x00" in data else None
    if bomless:
        return decode_with(data, bomless, name, errors, method="detected")
    utf8_text, utf8_error = decode_or_locate(data, "utf-8")
    if utf8_text is not None:
        return Decoded(utf8_text, "utf-8")
    gb_text, gb_error = decode_or_locate(data, "gb18030")
    if gb_text is not None and looks_like_chinese_gb(data):
        return Decoded(gb_text, "gb18030")
    damaged_utf8 = mostly_utf8(data)
    better = None if damaged_utf8 else detector_guess(data)
    if better:
        return Decoded(data.decode(better), better, method="detected")
    if gb_text is not None:
        return Decoded(gb_text, "gb18030")
    if errors == "replace":
        codec = "utf-8" if damaged_utf8 else "gb18030"
        return decode_with(data, codec, name, errors, method="strict")
    assert utf8_error is not None and gb_error is not None
    raise InputError(
        f"cannot decode: not UTF-8 (bad byte 0x{data[utf8_error]:02X} at offset {utf8_error}) "
        f"nor GB18030 (bad byte 0x{data[gb_error]:02X} at offset {gb_error}); "
        "name the encoding with --encoding or use --errors replace", path=name)


def decode_with(data: bytes, codec: str, name: str, errors: str, *, method: str,
                base: int = 0) -> Decoded:
    """Decode with one codec; strict errors name the offset, ``replace`` lists the offsets.

    ``base`` is where ``data`` starts in the file (after a BOM), so offsets are file offsets.
    """
    if errors == "replace":
        text, replaced = decode_replacing(data, codec)
        return Decoded(text, codec, [base + at for at in replaced], method)
    try:
        return Decoded(data.decode(codec), codec, [], method)
    except UnicodeDecodeError as exc:
        at = base + exc.start
        raise InputError(
            f"cannot decode as {codec}: bad byte 0x{data[exc.start]:02X} at offset {at}; "
            "name another encoding with --encoding or use --errors replace", path=name) from exc


def decode_replacing(data: bytes, codec: str) -> tuple[str, list[int]]:
    """Decode, putting U+FFFD for each bad byte sequence and noting where each one started."""
    decode = codecs.lookup(codec).decode
    view = memoryview(data)
    parts: list[str] = []
    replaced: list[int] = []
    pos = 0
    while pos < len(data):
        try:
            parts.append(decode(view[pos:], "strict")[0])
            break
        except UnicodeDecodeError as exc:
            parts.append(decode(view[pos:pos + exc.start], "strict")[0])
            parts.append("\ufffd")
            replaced.append(pos + exc.start)
            pos += max(exc.end, exc.start + 1)
    return "".join(parts), replaced


def decode_or_locate(data: bytes, codec: str) -> tuple[str | None, int | None]:
    """The text when ``codec`` decodes all of ``data``, else where the first bad byte is:
    one decode serves both the test and the result (a large file is not decoded twice)."""
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as exc:
        return None, exc.start


def first_error(data: bytes, codec: str) -> int | None:
    """Offset of the first byte ``codec`` cannot decode, or None when all of it decodes."""
    return decode_or_locate(data, codec)[1]


GB_SAMPLE = 64 * 1024
"""Bytes of a GB18030 reading that are checked for looking like Chinese."""


def looks_like_chinese_gb(data: bytes) -> bool:
    """True when most two-byte characters are GB2312 hanzi (what real GBK Chinese text holds).

    Big5 or Shift-JIS bytes usually decode as GB18030 too, but land all over the code space.
    """
    data = data[:GB_SAMPLE]  # a sample decides as well as the whole, at a fixed cost
    pairs = common = 0
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte < 0x80:
            i += 1
            continue
        if i + 1 < n and 0x30 <= data[i + 1] <= 0x39:  # four-byte GB18030 sequence
            i += 4
            pairs += 1
            continue
        pairs += 1
        if 0xA1 <= byte <= 0xF7 and i + 1 < n and data[i + 1] >= 0xA1:
            common += 1
        i += 2
    return pairs == 0 or common >= 0.6 * pairs


def detector_guess(data: bytes) -> str | None:
    """charset-normalizer's best encoding, if it decodes ``data`` strictly; else None."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    best = from_bytes(data).best()
    if best is None or not best.encoding:
        return None
    codec = codecs.lookup(best.encoding).name
    if codec in ("utf-8", "gb18030") or first_error(data, codec) is not None:
        return None
    return codec


def mostly_utf8(data: bytes) -> bool:
    """True when valid UTF-8 characters far outnumber bad sequences: a damaged UTF-8 file
    rather than a GBK one (GBK bytes seldom form valid UTF-8 sequences)."""
    text, replaced = decode_replacing(data, "utf-8")
    good = sum(1 for ch in text if ord(ch) >= 0x80) - len(replaced)
    return good >= 3 * len(replaced)


def check_text(text: str, name: str) -> None:
    """Refuse decoded text that holds nothing, or that is mostly control characters."""
    if not text.strip().strip(INVISIBLE).strip():
        raise InputError("empty input", path=name)
    controls = len(CONTROL.findall(text))
    if controls > 8 and controls * 20 > len(text):
        raise InputError("binary file (control characters)", path=name)


LINE_END = re.compile(r"\r\r\n|\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split on CR CR LF, CR LF, LF and CR alike (each counts as one line end). Text
    without CR, the usual case, splits on LF alone, several times faster than the regex."""
    if "\r" not in text:
        return text.split("\n")
    return LINE_END.split(text)
