"""Decoding: the BOM → UTF-8 → GB18030 cascade, forced encodings, clear errors, line ends."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speech2tei.decode import LINE_END, decode_bytes, decode_or_locate, first_error, split_lines
from speech2tei.errors import InputError

SPEECH = "同志们：\n今天召开全市春季植树造林动员大会。下面，我讲三点意见。\n一、提高认识\n"


def test_plain_utf8() -> None:
    decoded = decode_bytes(SPEECH.encode("utf-8"), name="a.txt")
    assert decoded.text == SPEECH
    assert (decoded.encoding, decoded.method, decoded.replaced) == ("utf-8", "strict", [])


def test_utf8_bom_is_dropped_and_recorded() -> None:
    decoded = decode_bytes(codecs.BOM_UTF8 + SPEECH.encode("utf-8"), name="a.txt")
    assert decoded.text == SPEECH
    assert (decoded.encoding, decoded.method) == ("utf-8-sig", "bom")


@pytest.mark.parametrize(("bom", "codec"), [
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
])
def test_utf16_and_utf32_with_bom(bom: bytes, codec: str) -> None:
    decoded = decode_bytes(bom + SPEECH.encode(codec), name="a.txt")
    assert decoded.text == SPEECH
    assert "\ufeff" not in decoded.text
    assert decoded.encoding == codec


def test_utf16_without_bom_is_recognised_not_called_binary() -> None:
    text = "Report 2024: 各位代表，现在我代表市政府作工作报告。\n" * 3
    decoded = decode_bytes(text.encode("utf-16-le"), name="a.txt")
    assert decoded.text == text
    assert decoded.encoding == "utf-16-le"


def test_gbk_file_decodes_as_gb18030() -> None:
    data = SPEECH.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded = decode_bytes(data, name="gbk.txt")
    assert decoded.text == SPEECH
    assert decoded.encoding == "gb18030"


def test_gb18030_four_byte_characters() -> None:
    text = "𠀀字与䶮字都要保留。" + SPEECH
    decoded = decode_bytes(text.encode("gb18030"), name="a.txt")
    assert decoded.text == text


def test_big5_is_found_by_the_detector_not_misread_as_gbk() -> None:
    text = "同志們：今天我們召開全市招商引資工作會議，主要任務是總結經驗、部署工作。\n" * 10
    decoded = decode_bytes(text.encode("big5"), name="big5.txt")
    assert decoded.text == text
    assert decoded.method == "detected"


def test_forced_encoding_wins() -> None:
    data = SPEECH.encode("gbk")
    decoded = decode_bytes(data, name="a.txt", encoding="gbk")
    assert decoded.text == SPEECH
    assert (decoded.encoding, decoded.method) == ("gbk", "forced")


def test_forced_utf8_drops_the_bom() -> None:
    decoded = decode_bytes(codecs.BOM_UTF8 + b"abc", name="a.txt", encoding="UTF8")
    assert decoded.text == "abc"


def test_forced_wrong_encoding_names_offset() -> None:
    data = "前言".encode() + b"\xff"
    with pytest.raises(InputError) as err:
        decode_bytes(data, name="x.txt", encoding="utf-8")
    assert "offset 6" in str(err.value)
    assert str(err.value).startswith("x.txt: ")


def test_unknown_encoding_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        decode_bytes(b"abc", name="a.txt", encoding="klingon")


def test_undecodable_file_gives_one_line_error_with_offset_and_hint() -> None:
    data = "第一段文字".encode() + b"\x80\xff\xfe" + "结尾".encode()
    with pytest.raises(InputError) as err:
        decode_bytes(data, name="bad.txt")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("bad.txt: ")
    assert "offset 15" in message
    assert "--encoding" in message


def test_errors_replace_lists_replaced_offsets() -> None:
    data = "第一段文字".encode() + b"\xff" + "结尾".encode() + b"\xfe"
    decoded = decode_bytes(data, name="bad.txt", errors="replace")
    assert decoded.text == "第一段文字\ufffd结尾\ufffd"
    assert decoded.replaced == [15, 22]
    assert decoded.encoding == "utf-8"


def test_errors_replace_offsets_count_the_bom() -> None:
    data = codecs.BOM_UTF8 + b"ab\xffc"
    decoded = decode_bytes(data, name="a.txt", errors="replace")
    assert decoded.replaced == [5]


def test_unknown_errors_mode_is_refused() -> None:
    with pytest.raises(InputError, match="--errors"):
        decode_bytes(b"abc", name="a.txt", errors="ignore")


@pytest.mark.parametrize(("data", "kind"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "PNG image"),
    (b"PK\x03\x04" + b"\x00" * 20, "zip archive"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8, "legacy Office document"),
    (b"text\x00\x01\x02 more \x00 bytes\x07", "contains NUL bytes"),
])
def test_binary_input_is_refused_clearly(data: bytes, kind: str) -> None:
    with pytest.raises(InputError) as err:
        decode_bytes(data, name="f.bin")
    assert f"binary file ({kind}" in str(err.value)
    assert str(err.value).startswith("f.bin: ")


def test_control_character_soup_is_binary() -> None:
    data = bytes(range(1, 9)) * 40
    with pytest.raises(InputError, match="binary file"):
        decode_bytes(data, name="f.bin")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", codecs.BOM_UTF8, "\u3000\u3000\n".encode(),
                                  "\u200b\n".encode()])
def test_empty_input(data: bytes) -> None:
    with pytest.raises(InputError, match="empty input"):
        decode_bytes(data, name="e.txt")


def test_split_lines_treats_each_line_end_kind_as_one() -> None:
    text = "甲\r\r\n乙\r\n丙\r丁\n戊"
    assert split_lines(text) == ["甲", "乙", "丙", "丁", "戊"]


def test_split_lines_keeps_blank_lines_and_final_empty_line() -> None:
    assert split_lines("一\n\n二\r\n") == ["一", "", "二", ""]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="甲乙 \r\n\u2028\x0b\x0c\x85", max_size=30))
def test_split_lines_without_cr_splits_as_the_line_end_regex(text: str) -> None:
    """The LF-only shortcut gives exactly the regex's lines (and only LF and CR end a line:
    U+2028, VT, FF and NEL stay inside it, as the regex keeps them)."""
    assert split_lines(text) == LINE_END.split(text)
    assert split_lines(text.replace("\r", "")) == LINE_END.split(text.replace("\r", ""))


@pytest.mark.parametrize(("data", "codec"), [
    (SPEECH.encode("utf-8"), "utf-8"), (SPEECH.encode("gbk"), "utf-8"),
    (SPEECH.encode("gbk"), "gb18030"), (b"\xff\xfe\x00", "gb18030"), (b"", "utf-8")])
def test_decode_or_locate_gives_the_text_or_the_first_bad_byte(data: bytes, codec: str) -> None:
    text, error = decode_or_locate(data, codec)
    assert error == first_error(data, codec)
    assert (text is None) == (error is not None)
    if text is not None:
        assert text == data.decode(codec)


def test_cr_cr_lf_file_keeps_its_line_count() -> None:
    lines = ["政府工作报告", "各位代表：", "现在，我代表市政府作报告。"]
    data = "\r\r\n".join(lines).encode("gbk")
    assert split_lines(decode_bytes(data, name="a.txt").text) == lines


def test_utf8_text_with_a_few_nul_bytes_is_binary_not_utf16() -> None:
    text = "同志们：今天召开全市大会。" * 200 + "\x00结尾\x00"
    data = text.encode()
    assert len(data) % 2 == 0
    with pytest.raises(InputError, match="contains NUL bytes"):
        decode_bytes(data, name="nul.txt")
