"""The bad-input matrix: every way a file in an archive can be broken, one test each.

Each case runs the real command line in a subprocess (``python -m speech2tei convert``) and
asserts what the README promises under "Exit codes":

* one line on stderr names the file and says what is wrong (no traceback);
* the exit code is the documented one: 2 when the only input cannot be read (missing, empty,
  binary, undecodable), 4 when the output cannot be written; in a batch a failing file costs
  only itself and the batch ends with 1;
* no output file is left behind (not even a temporary one).

The heavy cases (a 100 MB line, 10,000 levels of numbering) run under an address-space limit
and a generous timeout, so a blow-up shows as a failure here and not as a stuck machine.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

EXIT_FAILED, EXIT_INPUT, EXIT_INVALID, EXIT_OUTPUT = 1, 2, 3, 4
"""The README's exit codes: a failed file in a batch, unreadable input, invalid tree, unwritable output."""

GOOD = "关于加强工作的讲话\n同志们：\n一、提高认识\n（一）统一思想。一是学习；二是落实。\n二、狠抓落实\n"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MEMORY_LIMIT = 3 * 1024**3
"""Address-space limit for the heavy cases: far above what a linear conversion needs."""


# --- running the command line ----------------------------------------------------------------


def limit_memory() -> None:
    """Runs in the child before exec: cap its address space."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str | Path, cwd: Path, timeout: float = 120, limited: bool = False) -> subprocess.CompletedProcess:
    """``python -m speech2tei ARGS`` with captured output (--jobs 1: no worker pool)."""
    return subprocess.run(
        [sys.executable, "-m", "speech2tei", *map(str, args)], cwd=cwd, capture_output=True,
        text=True, timeout=timeout, preexec_fn=limit_memory if limited else None,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}, check=False)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assert_refused(result: subprocess.CompletedProcess, named: Path | str, code: int, out: Path,
                   *, says: str | None = None) -> str:
    """The documented exit code, one stderr line naming the file, nothing written under ``out``.

    Returns the error line. Besides it, stderr may hold the batch summary line, nothing else.
    """
    stderr = result.stderr
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    naming = [line for line in lines if str(named) in line]
    assert len(naming) == 1, f"expected one line naming {named}, got:\n{stderr}"
    assert len(lines) <= 2, f"expected one error line (and at most a summary), got:\n{stderr}"
    assert result.returncode == code, f"exit {result.returncode}, expected {code}: {naming[0]}"
    assert files_under(out) == [], f"output left behind: {files_under(out)}"
    if says is not None:
        assert says.lower() in naming[0].lower(), naming[0]
    return naming[0]


def convert_one(path: Path, tmp_path: Path, *extra: str, **kw) -> tuple[subprocess.CompletedProcess, Path]:
    """Convert one input to ``tmp_path/out/result.json``; return the result and the out folder."""
    out = tmp_path / "out"
    return run_cli("convert", path, "-o", out / "result.json", "--jobs", "1", *extra, cwd=tmp_path, **kw), out


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- inputs ------------------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def docx_bytes(document_xml: bytes) -> bytes:
    """A minimal .docx around ``document_xml`` (content types and the document part)."""
    content_types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                     b'package/2006/content-types"><Override PartName="/word/document.xml" ContentType='
                     b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    return zip_bytes({"[Content_Types].xml": content_types, "word/document.xml": document_xml})


def docx_document(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{body}'
            "</w:body></w:document>").encode()


def corrupt_deflate(docx: bytes) -> bytes:
    """The .docx with the first byte of document.xml's deflate stream inverted (zlib refuses it)."""
    info = zipfile.ZipFile(io.BytesIO(docx)).getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data = bytearray(docx)
    data[start] ^= 0xFF
    return bytes(data)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89" + bytes(range(256)))


# --- the matrix: unreadable inputs ------------------------------------------------------------

BAD_INPUTS = {
    "empty": ("empty.txt", b"", "empty"),
    "whitespace-only": ("blank.txt", " \n\t\r\n\u3000\u3000\n\n".encode(), "empty"),
    "png": ("scan.png", PNG, "binary"),
    "png-named-txt": ("scan.txt", PNG, "binary"),
    "zip-not-docx": ("bundle.zip", zip_bytes({"readme.txt": "一、总体要求\n".encode()}), None),
    "zip-named-docx": ("notes.docx", zip_bytes({"readme.txt": "一、总体要求\n".encode()}), "docx"),
    "docx-broken-document-xml": ("broken.docx", docx_bytes(docx_document("一、总体要求")[:-40]), "document.xml"),
    "docx-corrupt-deflate": ("damaged.docx", corrupt_deflate(docx_bytes(docx_document(*["一、总体要求。"] * 20))),
                             "docx"),
    "docx-document-xml-not-xml": ("garbage.docx", docx_bytes(b"\x00\x01 not xml at all \xff"), "document.xml"),
    "nul-bytes": ("nul.txt", "一、总体要求\n二、重点\x00任务\n".encode(), "NUL"),
    "nul-bytes-many": ("nuls.txt", b"\x00" * 64 + "一、总体要求\n".encode(), None),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_unreadable_input_is_refused_in_one_line(case: str, tmp_path: Path) -> None:
    name, data, says = BAD_INPUTS[case]
    path = write(tmp_path / name, data)
    result, out = convert_one(path, tmp_path)
    assert_refused(result, path, EXIT_INPUT, out, says=says)


@pytest.mark.parametrize("case", ["empty", "png", "zip-named-docx", "docx-broken-document-xml", "nul-bytes"])
def test_in_a_batch_a_bad_file_costs_only_itself(case: str, tmp_path: Path) -> None:
    name, data, _ = BAD_INPUTS[case]
    bad = write(tmp_path / name, data)
    good = write(tmp_path / "good.txt", GOOD.encode())
    out = tmp_path / "out"
    result = run_cli("convert", good, bad, "-o", out, "--jobs", "1", cwd=tmp_path)
    assert result.returncode == EXIT_FAILED, result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in files_under(out)] == ["good.json"]
    errors = [line for line in result.stderr.splitlines() if str(bad) in line and not line.startswith("[")]
    assert len(errors) == 1, result.stderr  # progress lines ([2/2] FAILED …) aside


def test_invalid_utf8_without_encoding_suggests_encoding(tmp_path: Path) -> None:
    """Bytes that are neither UTF-8 nor GB18030: the message says how to read them anyway."""
    data = "一、总体要求\n".encode() + b"\xff\xfe\xfd\x80\x80 \xc3\x28 \xa0\xa1\xe2\x28\xa1\n" * 3
    path = write(tmp_path / "bad-utf8.txt", data)
    result, out = convert_one(path, tmp_path)
    line = assert_refused(result, path, EXIT_INPUT, out)
    assert "--encoding" in line


def test_invalid_utf8_converts_with_errors_replace(tmp_path: Path) -> None:
    """The way out the message offers works: --errors replace converts, listing the offsets."""
    data = "一、总体要求\n".encode() + b"\xff\xfe\xfd\x80\x80 \xc3\x28\n"
    path = write(tmp_path / "bad-utf8.txt", data)
    result, out = convert_one(path, tmp_path, "--errors", "replace")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "result.json").read_text("utf-8"))["documents"]


def test_truncated_gbk_is_refused_with_the_offset(tmp_path: Path) -> None:
    """A GBK file cut in the middle of a character: refused, naming where, not read as mojibake."""
    data = ("关于加强工作的通知\n一、提高认识\n二、狠抓落实\n三、加强领导\n" * 20).encode("gbk")
    path = write(tmp_path / "cut.txt", data + "落".encode("gbk")[:1])
    result, out = convert_one(path, tmp_path)
    line = assert_refused(result, path, EXIT_INPUT, out)
    assert "offset" in line or "--encoding" in line, line


def test_directory_given_as_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "speech.txt"
    folder.mkdir()
    result, out = convert_one(folder, tmp_path)
    assert_refused(result, folder, EXIT_INPUT, out)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-speech.txt"
    result, out = convert_one(missing, tmp_path)
    assert_refused(result, missing, EXIT_INPUT, out, says="no such file")


def test_no_read_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a normal user, a real chmod 000 file; as root (CI), where permissions do not bind,
    the read is made to fail the way the kernel would, in process."""
    path = write(tmp_path / "secret.txt", GOOD.encode())
    out = tmp_path / "out"
    if os.geteuid() != 0:
        path.chmod(0)
        try:
            result, out = convert_one(path, tmp_path)
        finally:
            path.chmod(0o644)
        assert_refused(result, path, EXIT_INPUT, out, says="permission")
        return
    from typer.testing import CliRunner

    from speech2tei.cli import app

    real_read_bytes, real_open = Path.read_bytes, Path.open

    def denied(self: Path, *args, **kwargs):
        if self.resolve() == path.resolve():
            raise PermissionError(13, "Permission denied", str(self))
        return (real_read_bytes if not args and not kwargs else real_open)(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", lambda self: denied(self))
    monkeypatch.setattr(Path, "open", denied)
    result = CliRunner().invoke(app, ["convert", str(path), "-o", str(out / "result.json"), "--jobs", "1"])
    completed = subprocess.CompletedProcess([], result.exit_code, result.stdout, result.stderr)
    assert_refused(completed, path, EXIT_INPUT, out, says="permission")


def test_output_folder_not_writable(tmp_path: Path) -> None:
    """-o under a regular file: the folder cannot be made (works as root too)."""
    path = write(tmp_path / "speech.txt", GOOD.encode())
    blocker = write(tmp_path / "blocker", b"a file, not a folder\n")
    target = blocker / "result.json"
    result = run_cli("convert", path, "-o", target, "--jobs", "1", cwd=tmp_path)
    assert_refused(result, target, EXIT_OUTPUT, tmp_path / "nothing-here")
    assert blocker.read_bytes() == b"a file, not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "speech.txt"]


def test_output_exists_without_force(tmp_path: Path) -> None:
    path = write(tmp_path / "speech.txt", GOOD.encode())
    out = tmp_path / "out"
    out.mkdir()
    existing = write(out / "result.json", b"precious\n")
    result = run_cli("convert", path, "-o", existing, "--jobs", "1", cwd=tmp_path)
    assert_refused(result, existing, EXIT_OUTPUT, tmp_path / "nothing-here", says="exists")
    assert existing.read_bytes() == b"precious\n"
    assert [p.name for p in out.iterdir()] == ["result.json"]  # no temporary file left


# --- the matrix: inputs that are valid but extreme -------------------------------------------


def test_a_100_mb_single_line_converts_in_bounded_memory(tmp_path: Path) -> None:
    """100 MB with no line break: converted (it is text), under a 3 GB address-space limit."""
    piece = "坚持稳中求进工作总基调，推动高质量发展；完善体制机制。".encode()
    path = tmp_path / "one-line.txt"
    with path.open("wb") as fh:
        fh.write("一、总体要求：".encode())
        for _ in range(100 * 1024**2 // (len(piece) * 1000) + 1):
            fh.write(piece * 1000)
    assert path.stat().st_size >= 100 * 1024**2
    result, out = convert_one(path, tmp_path, "--quiet", timeout=1800, limited=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert (out / "result.json").stat().st_size > path.stat().st_size // 2


def deep_numbering(levels: int) -> str:
    """A numbering 10,000 levels deep, every way text can write one: each line a marker of the
    next style down (一、 （一） 1. （1） ① ⑴ 第一部分 …), values climbing so nothing repeats, and
    dotted decimals (1.1.1…) that get one level longer per line up to a thousand."""
    styles = ("{c}、", "（{c}）", "{n}.", "（{n}）", "{o}", "{p}", "第{c}部分", "第{c}条", "{n})",
              "{c}是", "第{c}，", "其{c}，", "{c}要")
    circled, paren = "①②③④⑤⑥⑦⑧⑨⑩", "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽"
    digits = "零一二三四五六七八九"
    lines = []
    for i in range(levels):
        n = i // len(styles) % 99 + 1
        c = (digits[n // 10] if n >= 20 else "") + ("十" if n >= 10 else "") + (digits[n % 10] if n % 10 else "")
        marker = styles[i % len(styles)].format(c=c, n=n, o=circled[n % 10], p=paren[n % 10])
        lines.append(f"{marker}第{i}层要求。")
    lines += [".".join(["1"] * k) + f" 第{k}级标题" for k in range(1, 1001)]
    lines.append(".".join(["1"] * levels) + " 一万级标题")
    return "\n".join(lines) + "\n"


def test_10000_levels_of_nested_numbering(tmp_path: Path) -> None:
    """No RecursionError anywhere (tree, JSON, TEI), levels equal depths, under a memory limit."""
    path = write(tmp_path / "deep.txt", deep_numbering(10_000).encode())
    out = tmp_path / "out"
    result = run_cli("convert", path, "--to", "json,tei", "-o", out, "--jobs", "1", "--quiet",
                     cwd=tmp_path, timeout=900, limited=True)
    assert "Recursion" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((out / "deep.json").read_text("utf-8"))
    stack = [(node, 1) for doc in data["documents"] for node in doc["body"]]
    while stack:
        node, depth = stack.pop()
        if node["type"] == "section":
            assert node["level"] == depth
            stack.extend((child, depth + 1) for child in node["children"])
    assert (out / "deep.xml").stat().st_size > 0


def deep_json(levels: int) -> bytes:
    """Our own JSON holding a chain of ``levels`` nested sections, written as text (json.dumps
    itself would recurse): an archive can hold such a file, hand-edited or hostile."""
    from speech2tei import convert_bytes
    from speech2tei.jsonio import conversion_to_dict

    data = conversion_to_dict(convert_bytes("一、总体要求\n".encode(), "deep.txt"))
    section = data["documents"][0]["body"][0]
    section["children"] = ["@HOLE@"]
    outer_head, outer_tail = json.dumps(data, ensure_ascii=False).split('"@HOLE@"')
    opens = []
    for level in range(2, levels + 1):
        inner = dict(section, id=f"d1-s{level}", level=level, children=["@HOLE@"])
        opens.append(json.dumps(inner, ensure_ascii=False).split('"@HOLE@"')[0])
    leaf = json.dumps(dict(section, id="d1-leaf", level=levels + 1, children=[]), ensure_ascii=False)
    return (outer_head + "".join(opens) + leaf + "]}" * (levels - 1) + outer_tail).encode()


def deep_tei(levels: int) -> bytes:
    """Our own TEI with ``levels`` nested divs (the TEI reader parses user files)."""
    from speech2tei import convert_bytes

    tei = pytest.importorskip("speech2tei.tei", reason="the TEI writer is not written yet")
    xml = tei.write_tei(convert_bytes("一、总体要求\n".encode(), "deep.txt")).decode()
    start = xml.index("<div ")
    end = xml.index("</div>") + len("</div>")
    div = xml[start:end]
    open_tag, rest = div.split(">", 1)
    inner = rest.rsplit("</div>", 1)[0]
    opens = "".join(open_tag.replace('xml:id="d1-s1"', f'xml:id="d1-s{k}"') + ">" + inner for k in range(levels))
    return (xml[:start] + opens + "</div>" * levels + xml[end:]).encode()


@pytest.mark.parametrize("levels", [150, 10_000])
def test_deeply_nested_json_input_is_converted_or_refused_cleanly(levels: int, tmp_path: Path) -> None:
    """Read back by ``convert``: either converted, or refused in one line (exit 2) — never an
    internal RecursionError."""
    path = write(tmp_path / "deep.json", deep_json(levels))
    out = tmp_path / "out"
    result = run_cli("convert", path, "--to", "json,tei", "-o", out, "--jobs", "1", cwd=tmp_path,
                     timeout=600, limited=True)
    assert "Recursion" not in result.stderr, result.stderr[-2000:]
    if result.returncode != 0:
        assert_refused(result, path, EXIT_INPUT, out)


@pytest.mark.parametrize("levels", [150, 10_000])
def test_deeply_nested_tei_input_is_converted_or_refused_cleanly(levels: int, tmp_path: Path) -> None:
    path = write(tmp_path / "deep.xml", deep_tei(levels))
    out = tmp_path / "out"
    result = run_cli("convert", path, "--to", "json,tei", "-o", out, "--jobs", "1", cwd=tmp_path,
                     timeout=600, limited=True)
    assert "Recursion" not in result.stderr, result.stderr[-2000:]
    if result.returncode != 0:
        assert_refused(result, path, EXIT_INPUT, out)
