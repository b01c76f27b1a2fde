"""Hostile XML as input: it must never read the user's disk, use the network or blow up memory.

Every XML door into speech2tei is tried — ``validate``, TEI read back by ``convert``, HTML
pages and .docx parts — with the classic attacks: XXE to a local file (general and parameter
entities, XInclude), billion laughs, an external DTD, and a gigabyte of text declared by a
file of a few hundred kilobytes (quadratic entity blow-up, and a .docx zip bomb).

What each test asserts:

* the secret file's content appears in no output and no message;
* a listener on 127.0.0.1 that every URL in the files points to is never contacted;
* the command ends within a generous timeout, under an address-space limit far below what
  expanding the gigabyte would need;
* XML inputs (TEI, .docx parts, ``validate``) are refused in one line that names the file and
  says why. HTML parsers never honour a DTD (browsers render such entity references as
  text), so an HTML page may be converted as long as nothing is expanded or fetched.

Exact exit codes are the business of tests/test_bad_inputs.py; here a refusal is any non-zero
exit with the one-line message.
"""

from __future__ import annotations

import io
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

MEMORY_LIMIT = 2 * 1024**3
"""Address-space limit: Python and lxml fit easily; a gigabyte of expanded text does not."""
TIMEOUT = 120
GIGABYTE = 1024**3
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HOSTNAME = Path("/etc/hostname")


# --- helpers -----------------------------------------------------------------------------------


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "speech2tei", *map(str, args)], cwd=cwd, capture_output=True,
        text=True, timeout=TIMEOUT, preexec_fn=limit_memory, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200", "PATH": str(Path(sys.executable).parent),
             "no_proxy": "*", "http_proxy": "", "https_proxy": ""})
"""PATH holds only the interpreter's folder: no helper program (jing's JVM would not even start under
the memory limit, and hostile files must be refused before any validator runs anyway)."""


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections made to it (there must be none)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture()
def secret(tmp_path: Path) -> tuple[Path, str]:
    """A local file whose content must never show up anywhere."""
    token = "SECRET" + secrets.token_hex(12)
    path = tmp_path / "secret.txt"
    path.write_text(token + "\n", "utf-8")
    return path, token


def leaked_values(token: str) -> list[str]:
    """The secret token, and /etc/hostname's content when it is distinctive enough to search."""
    values = [token]
    if HOSTNAME.exists():
        name = HOSTNAME.read_text("utf-8", "replace").strip()
        if len(name) >= 6:
            values.append(name)
    return values


def everything_written(result: subprocess.CompletedProcess, out: Path) -> str:
    texts = [result.stdout, result.stderr]
    if out.exists():
        texts += [p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file()]
    return "\n".join(texts)


def assert_safe(result: subprocess.CompletedProcess, out: Path, token: str, listener: Listener) -> None:
    """No leak, no network, no crash, bounded output."""
    written = everything_written(result, out)
    for value in leaked_values(token):
        assert value not in written, "a local file's content leaked into the output"
    assert listener.connections == 0, "speech2tei opened a network connection"
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "MemoryError" not in result.stderr
    assert len(written) < 20 * 1024**2, "output far larger than the input: something was expanded"


def assert_refused_clearly(result: subprocess.CompletedProcess, path: Path, out: Path) -> str:
    """Non-zero exit, one line naming the file, no output file."""
    assert result.returncode != 0, "a hostile file was accepted"
    lines = [line for line in (result.stderr + result.stdout).splitlines() if str(path) in line]
    assert len(lines) == 1, result.stderr + result.stdout
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "output written"
    return lines[0]


# --- hostile documents -------------------------------------------------------------------------

TEI_DOC = """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="zh">
  <teiHeader><fileDesc><titleStmt><title>讲话</title></titleStmt>
  <publicationStmt><p>无</p></publicationStmt><sourceDesc><p>无</p></sourceDesc></fileDesc></teiHeader>
  <text><body><div type="heading"><head>一、总体要求{ref}</head><p>正文{ref}</p></div></body></text>
</TEI>
"""


def tei_with(doctype: str, ref: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + "\n" + TEI_DOC.format(ref=ref)).encode()


def billion_laughs(root: str) -> tuple[str, str]:
    """Ten levels of ten references: 10^10 characters from a file of a kilobyte."""
    entities = ['<!ENTITY lol0 "哈哈哈哈哈哈哈哈哈哈">']
    entities += [f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10}">' for k in range(1, 10)]
    return f"<!DOCTYPE {root} [\n" + "\n".join(entities) + "\n]>", "&lol9;"


def quadratic_blowup(root: str) -> tuple[str, str]:
    """One 100,000-character entity referenced 10,000 times: a 1 GB text node, file ≈ 160 kB."""
    return f'<!DOCTYPE {root} [<!ENTITY big "{"大" * 100_000}">]>', "&big;" * 10_000


def xxe(root: str, secret: Path) -> tuple[str, str]:
    return f'<!DOCTYPE {root} [<!ENTITY secret SYSTEM "file://{secret}">]>', "&secret;"


def xxe_hostname(root: str) -> tuple[str, str]:
    return f'<!DOCTYPE {root} [<!ENTITY host SYSTEM "file://{HOSTNAME}">]>', "&host;"


def xxe_parameter(root: str, secret: Path, listener: Listener) -> tuple[str, str]:
    """Parameter entities: read the secret, then send it to the listener (out-of-band XXE)."""
    return (f'<!DOCTYPE {root} [<!ENTITY % file SYSTEM "file://{secret}">'
            f'<!ENTITY % dtd SYSTEM "{listener.url}/evil.dtd">%dtd;]>'), ""


def external_dtd(root: str, listener: Listener) -> tuple[str, str]:
    return f'<!DOCTYPE {root} SYSTEM "{listener.url}/tei_all.dtd">', ""


def external_entity_url(root: str, listener: Listener) -> tuple[str, str]:
    return f'<!DOCTYPE {root} [<!ENTITY remote SYSTEM "{listener.url}/remote.txt">]>', "&remote;"


def xinclude(secret: Path) -> tuple[str, str]:
    return "", (f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret}" '
                'parse="text"/>')


ATTACKS = ("xxe", "xxe-hostname", "xxe-parameter", "billion-laughs", "quadratic-1gb", "external-dtd",
           "external-entity-url", "xinclude")


def attack(name: str, root: str, secret: Path, listener: Listener) -> tuple[str, str]:
    """(DOCTYPE, reference to put in the text) for one attack against documents rooted at ``root``."""
    return {
        "xxe": lambda: xxe(root, secret),
        "xxe-hostname": lambda: xxe_hostname(root),
        "xxe-parameter": lambda: xxe_parameter(root, secret, listener),
        "billion-laughs": lambda: billion_laughs(root),
        "quadratic-1gb": lambda: quadratic_blowup(root),
        "external-dtd": lambda: external_dtd(root, listener),
        "external-entity-url": lambda: external_entity_url(root, listener),
        "xinclude": lambda: xinclude(secret),
    }[name]()


REFUSED_ATTACKS = tuple(a for a in ATTACKS if a != "xinclude")
"""XInclude is inert unless a program asks for it: it needs no refusal, only no leak."""


# --- validate and TEI input --------------------------------------------------------------------


@pytest.mark.parametrize("name", ATTACKS)
def test_validate_refuses_hostile_tei(name: str, tmp_path: Path, secret: tuple[Path, str],
                                      listener: Listener) -> None:
    doctype, ref = attack(name, "TEI", secret[0], listener)
    path = tmp_path / f"{name}.xml"
    path.write_bytes(tei_with(doctype, ref))
    result = run_cli("validate", path, cwd=tmp_path)
    assert_safe(result, tmp_path / "none", secret[1], listener)
    assert result.returncode != 0, "a hostile file passed validation"
    if name in REFUSED_ATTACKS:
        line = assert_refused_clearly(result, path, tmp_path / "none")
        assert "refused" in line or "DOCTYPE" in line, line


@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("how", ["--from tei", "sniffed"])
def test_convert_refuses_hostile_tei(name: str, how: str, tmp_path: Path, secret: tuple[Path, str],
                                     listener: Listener) -> None:
    """Our own TEI read back by convert (told with --from tei, or recognized by its namespace)."""
    doctype, ref = attack(name, "TEI", secret[0], listener)
    path = tmp_path / f"{name}.xml"
    path.write_bytes(tei_with(doctype, ref))
    out = tmp_path / "out"
    extra = ["--from", "tei"] if how == "--from tei" else []
    result = run_cli("convert", path, *extra, "--to", "json,tei", "-o", out, "--jobs", "1", cwd=tmp_path)
    assert_safe(result, out, secret[1], listener)
    if name in REFUSED_ATTACKS:
        assert_refused_clearly(result, path, out)


# --- HTML input --------------------------------------------------------------------------------


def html_page(doctype: str, ref: str) -> bytes:
    doctype = doctype or "<!DOCTYPE html>"
    return (f"{doctype}\n<html><head><title>讲话</title></head><body>\n<p>一、总体要求{ref}</p>\n"
            f"<p>二、重点任务{ref}</p>\n</body></html>\n").encode()


@pytest.mark.parametrize("name", ATTACKS)
def test_html_input_expands_and_fetches_nothing(name: str, tmp_path: Path, secret: tuple[Path, str],
                                                listener: Listener) -> None:
    doctype, ref = attack(name, "html", secret[0], listener)
    path = tmp_path / f"{name}.html"
    path.write_bytes(html_page(doctype, ref))
    out = tmp_path / "out"
    result = run_cli("convert", path, "--to", "json,tei", "-o", out, "--jobs", "1", cwd=tmp_path)
    assert_safe(result, out, secret[1], listener)
    if result.returncode != 0:
        assert_refused_clearly(result, path, out)
        return
    data = json.loads((out / f"{name}.json").read_text("utf-8"))
    text = json.dumps(data["documents"], ensure_ascii=False)
    assert "总体要求" in text and "重点任务" in text
    assert "哈哈哈哈哈哈哈哈哈哈哈" not in text and "大大大大大" not in text, "an entity was expanded"


SCRIPT_PAGE = """<!DOCTYPE html>
<html><head><title>讲话</title>
<script>var leak = "一、脚本头部内容";</script>
<style>p::before {{ content: "二、样式内容"; }}</style>
</head><body onload="alert('三、事件内容')">
<p>一、总体要求</p>
<script type="text/javascript">document.write("（一）脚本正文内容。");</script>
<p>二、重点任务<script>evil("四、行内脚本内容")</script>落实。</p>
<noscript>五、无脚本提示内容</noscript>
<template><p>六、模板内容</p></template>
<svg><script>svgevil("七、矢量脚本内容")</script><text>图</text></svg>
<iframe srcdoc="&lt;p&gt;八、框架内容&lt;/p&gt;"></iframe>
<p>三、加强领导</p>
</body></html>
"""
SCRIPT_WORDS = ("脚本头部", "样式内容", "事件内容", "脚本正文", "行内脚本", "无脚本提示", "模板内容", "矢量脚本",
                "框架内容")


@pytest.mark.parametrize("name", ["page.html", "pasted.txt"])
def test_html_script_text_never_reaches_the_body(name: str, tmp_path: Path) -> None:
    """Scripts, styles, handlers, templates: out of the documents (the ledger may list them)."""
    path = tmp_path / name
    path.write_text(SCRIPT_PAGE, "utf-8")
    out = tmp_path / "out"
    result = run_cli("convert", path, "--to", "json,tei", "-o", out, "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / Path(name).with_suffix(".json")).read_text("utf-8"))
    kept = json.dumps([data["documents"], data["page"]], ensure_ascii=False)
    assert "总体要求" in kept and "重点任务" in kept and "加强领导" in kept
    for word in SCRIPT_WORDS:
        assert word not in kept, f"{word} reached the text"
    from lxml import etree

    tei = etree.parse(str(out / Path(name).with_suffix(".xml")))
    body_text = "".join(tei.xpath("//*[local-name()='text']//text()"))
    for word in SCRIPT_WORDS:
        assert word not in body_text, f"{word} reached the TEI text"


# --- .docx input -------------------------------------------------------------------------------


def docx(document_xml: bytes, *, declared_size: int | None = None) -> bytes:
    """A .docx around ``document_xml``; ``declared_size`` makes the zip lie about its size."""
    content_types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                     b'package/2006/content-types"/>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("word/document.xml", document_xml)
    data = buffer.getvalue()
    if declared_size is not None:
        data = _lie_about_size(data, "word/document.xml", declared_size)
    return data


def _lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``member`` in both zip headers."""
    out = bytearray(data)
    name = member.encode()
    for signature, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = 0
        while (pos := out.find(signature, start)) >= 0:
            start = pos + 4
            length = int.from_bytes(out[pos + name_len_at:pos + name_len_at + 2], "little")
            if bytes(out[pos + name_at:pos + name_at + length]) == name:
                out[pos + size_at:pos + size_at + 4] = size.to_bytes(4, "little")
    return bytes(out)


def document_xml(doctype: str, ref: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<w:document xmlns:w="{W_NS}"><w:body>'
            f"<w:p><w:r><w:t>一、总体要求{ref}</w:t></w:r></w:p>"
            f"<w:p><w:r><w:t>二、重点任务</w:t></w:r></w:p></w:body></w:document>").encode()


@pytest.mark.parametrize("name", ATTACKS)
def test_docx_with_hostile_xml_is_refused(name: str, tmp_path: Path, secret: tuple[Path, str],
                                          listener: Listener) -> None:
    doctype, ref = attack(name, "w:document", secret[0], listener)
    path = tmp_path / f"{name}.docx"
    path.write_bytes(docx(document_xml(doctype, ref)))
    out = tmp_path / "out"
    result = run_cli("convert", path, "--to", "json,tei", "-o", out, "--jobs", "1", cwd=tmp_path)
    assert_safe(result, out, secret[1], listener)
    if name in REFUSED_ATTACKS:
        line = assert_refused_clearly(result, path, out)
        assert any(word in line.lower() for word in ("doctype", "entit", "dtd", "refused")), line


def gigabyte_document_xml() -> bytes:
    """Raw deflate of a document.xml holding a 1 GB text node, about a megabyte of bytes.

    Built without compressing a gigabyte: after a full flush deflate forgets its history, so
    the blocks for one megabyte of "a" are the same bytes every time and can be repeated.
    """
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'
    tail = "</w:t></w:r></w:p></w:body></w:document>"
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head.encode()) + packer.flush(zlib.Z_FULL_FLUSH)
    megabyte = packer.compress(b"a" * 1024**2) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail.encode()) + packer.flush()
    return start + megabyte * 1024 + end


def zip_with_raw_member(name: str, raw_deflate: bytes, size: int, crc: int) -> bytes:
    """A zip whose member is given already deflated (so the test never holds the gigabyte)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    local = (b"PK\x03\x04" + (20).to_bytes(2, "little") + (0).to_bytes(2, "little") + (8).to_bytes(2, "little")
             + (0).to_bytes(4, "little") + crc.to_bytes(4, "little") + len(raw_deflate).to_bytes(4, "little")
             + size.to_bytes(4, "little") + len(name).to_bytes(2, "little") + (0).to_bytes(2, "little")
             + name.encode())
    central = (b"PK\x01\x02" + (20).to_bytes(2, "little") + (20).to_bytes(2, "little") + (0).to_bytes(2, "little")
               + (8).to_bytes(2, "little") + (0).to_bytes(4, "little") + crc.to_bytes(4, "little")
               + len(raw_deflate).to_bytes(4, "little") + size.to_bytes(4, "little")
               + len(name).to_bytes(2, "little") + (0).to_bytes(6, "little") + (0).to_bytes(8, "little")
               + (0).to_bytes(4, "little") + name.encode())
    body = local + raw_deflate
    end = (b"PK\x05\x06" + (0).to_bytes(4, "little") + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
           + len(central).to_bytes(4, "little") + len(body).to_bytes(4, "little") + (0).to_bytes(2, "little"))
    return body + central + end


@pytest.fixture(scope="module")
def gigabyte_deflate() -> bytes:
    return gigabyte_document_xml()


@pytest.mark.parametrize("declared", ["honest", "lying"])
def test_docx_zip_bomb_is_refused_quickly(declared: str, gigabyte_deflate: bytes, tmp_path: Path,
                                          listener: Listener) -> None:
    """A 1 GB document.xml in a ~1 MB .docx: refused from its declared size, or — when the zip
    lies and declares a small size — refused when the data overruns it, never read whole."""
    size = GIGABYTE + 200 if declared == "honest" else 4096
    path = tmp_path / "bomb.docx"
    path.write_bytes(zip_with_raw_member("word/document.xml", gigabyte_deflate, size, crc=0x12345678))
    assert path.stat().st_size < 5 * 1024**2
    out = tmp_path / "out"
    result = run_cli("convert", path, "-o", out / "bomb.json", "--jobs", "1", cwd=tmp_path)
    assert_safe(result, out, "no-secret-here", listener)
    assert_refused_clearly(result, path, out)


def test_docx_lying_about_a_small_part_is_refused(tmp_path: Path, listener: Listener) -> None:
    """A zip header that understates a part's size gives a clear refusal, not a crash."""
    path = tmp_path / "liar.docx"
    path.write_bytes(docx(document_xml("", "。" * 5000), declared_size=100))
    out = tmp_path / "out"
    result = run_cli("convert", path, "-o", out / "liar.json", "--jobs", "1", cwd=tmp_path)
    assert_safe(result, out, "no-secret-here", listener)
    assert_refused_clearly(result, path, out)
