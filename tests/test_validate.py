"""``speech2tei validate``: our outputs pass, broken files fail with line numbers, hostile XML
is refused (no entity expansion, no DTD, no network), exit codes 0/1/2."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import typer
from test_tei import SAMPLES, TEI_ALL, speech_conversion
from typer.testing import CliRunner

from speech2tei import validate as v
from speech2tei.safexml import UnsafeXmlError, XmlSyntaxError, parse_xml
from speech2tei.tei import write_tei

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
HAS_JING = shutil.which("jing") is not None

app = typer.Typer()
app.command()(v.validate_command)
runner = CliRunner()


def run(*args: str):
    """Invoke validate_command as a typer command; returns (exit code, output)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(params=["jing", "lxml"])
def engine(request, monkeypatch):
    """Run a test with jing (when installed) and with lxml."""
    if request.param == "jing" and not HAS_JING:
        pytest.skip("jing is not installed")
    if request.param == "lxml":
        monkeypatch.setattr(v.shutil, "which", lambda name: None)
    return request.param


@pytest.fixture
def outputs(tmp_path) -> list[Path]:
    paths = []
    for name, build in SAMPLES.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(write_tei(build()))
        paths.append(path)
    return paths


LATE_P_OLD = b'<div type="continuation">'
LATE_P_NEW = b'<p>x</p><div type="continuation">'
"""A paragraph after a nested div: invalid in tei_all and in our schema."""


def broken(tmp_path: Path, name: str, old: bytes, new: bytes) -> Path:
    data = write_tei(speech_conversion())
    assert old in data
    path = tmp_path / name
    path.write_bytes(data.replace(old, new, 1))
    return path


def line_of(path: Path, needle: bytes) -> int:
    data = path.read_bytes()
    return data[: data.index(needle)].count(b"\n") + 1


# --- valid and invalid TEI ---------------------------------------------------------------------


def test_our_outputs_pass(outputs, engine):
    assert v.validate_paths(outputs) == []
    code, out = run(*map(str, outputs))
    assert code == 0
    n = len(outputs)
    assert out.strip().splitlines()[-1] == f"{n} files checked: {n} valid, 0 invalid, 0 unreadable"


def test_paragraph_after_nested_div_fails_with_its_line(tmp_path, engine):
    """jing names the exact line; libxml2 names lines of the body where it gave up."""
    path = broken(tmp_path, "late-p.xml", LATE_P_OLD, LATE_P_NEW)
    target = line_of(path, b"<p>x</p>")
    lines = {p.line for p in v.validate_paths([path])}
    if engine == "jing":
        assert lines == {target}
    else:
        assert lines and all(line_of(path, b"<body>") <= line <= target for line in lines)
    code, out = run(str(path))
    assert code == 1
    assert f"{path}:{min(lines)}: " in out
    assert out.strip().splitlines()[-1] == "1 file checked: 0 valid, 1 invalid, 0 unreadable"


def test_stricter_than_tei_all_a_section_without_style_fails(tmp_path, engine):
    """jing points at the element; libxml2 (lxml) at the nearby element where it gave up."""
    path = broken(tmp_path, "no-style.xml", b' subtype="cn-paren"', b"")
    target = line_of(path, b'<div type="heading" n="1" xml:id="d1-s1.1"')
    lines = [p.line for p in v.validate_paths([path])]
    if engine == "jing":
        assert lines == [target]
    else:
        assert lines and all(line_of(path, b"<body>") <= line <= target for line in lines)


def test_not_well_formed_xml_reports_the_line(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text('<?xml version="1.0"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0">\n<p>open\n</TEI>\n')
    (problem,) = v.validate_paths([path])
    assert problem.line == 4 and "not well-formed" in problem.message
    assert run(str(path))[0] == 1


def test_xml_that_is_not_tei_fails(tmp_path):
    path = tmp_path / "page.xml"
    path.write_text("<html><body/></html>")
    (problem,) = v.validate_paths([path])
    assert "not TEI" in problem.message and problem.line == 1


def test_utf16_tei_is_read(tmp_path, engine):
    data = write_tei(speech_conversion()).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "u16.xml"
    path.write_bytes(data.encode("utf-16"))
    assert v.validate_paths([path]) == []


# --- hostile XML -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("xxe.xml", "declares entities"),
    ("xxe-parameter.xml", "declares entities"),
    ("billion-laughs.xml", "declares entities"),
    ("external-dtd.xml", "points to an external DTD"),
])
def test_hostile_files_are_refused_quickly_and_clearly(name, reason):
    path = HOSTILE / name
    start = time.monotonic()
    code, out = run(str(path), "--tei-all") if TEI_ALL.exists() else run(str(path))
    assert time.monotonic() - start < 5
    assert code == 1
    assert f"{path}:3: refused: the DOCTYPE {reason}" in out
    assert "root:" not in out  # nothing of /etc/passwd leaks
    with pytest.raises(UnsafeXmlError, match=reason):
        parse_xml(path.read_bytes(), name)


def test_libxml2_is_never_reached_with_entities(monkeypatch):
    """The pre-scan refuses before parsing; the parser itself would not expand entities either."""
    from speech2tei import safexml

    monkeypatch.setattr(safexml, "check_doctype", lambda data, name="": None)
    data = (HOSTILE / "xxe.xml").read_bytes()
    with pytest.raises(UnsafeXmlError, match="declares entities"):
        parse_xml(data, "xxe.xml")
    with pytest.raises((UnsafeXmlError, XmlSyntaxError)):
        parse_xml((HOSTILE / "billion-laughs.xml").read_bytes(), "bl.xml")
    with pytest.raises(UnsafeXmlError, match="external DTD"):
        parse_xml((HOSTILE / "external-dtd.xml").read_bytes(), "ext.xml")


def test_a_doctype_without_subset_or_a_quoted_one_is_accepted():
    parse_xml(b'<!DOCTYPE TEI>\n<TEI xmlns="http://www.tei-c.org/ns/1.0"/>', "a.xml")
    parse_xml(b'<!-- <!DOCTYPE x [<!ENTITY y "z">]> -->\n<r><![CDATA[<!ENTITY q "q">]]></r>', "b.xml")


# --- JSON ------------------------------------------------------------------------------------


def test_json_is_told_by_content_and_checked(tmp_path):
    jsonio = pytest.importorskip("speech2tei.jsonio")
    good = tmp_path / "good.data"
    good.write_bytes(jsonio.to_json_bytes(speech_conversion()))
    assert v.validate_paths([good]) == []
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format": "speech2tei",\n  "documents": [\n}\n')
    (problem,) = v.validate_paths([bad])
    assert problem.line == 4 and "not well-formed JSON" in problem.message
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"surprise": 1}')
    problems = v.validate_paths([wrong])
    assert problems and all(not p.unreadable for p in problems)
    code, out = run(str(good), str(bad), str(wrong))
    assert code == 1
    assert out.strip().splitlines()[-1] == "3 files checked: 1 valid, 2 invalid, 0 unreadable"


# --- unreadable files and usage ----------------------------------------------------------------


def test_missing_and_unknown_files_exit_2_even_with_invalid_ones(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("一、总体要求\n")
    bad = tmp_path / "bad.xml"
    bad.write_text("<TEI")
    code, out = run(str(tmp_path / "missing.xml"), str(text), str(bad))
    assert code == 2
    assert f"{tmp_path / 'missing.xml'}: no such file" in out
    assert f"{text}: neither XML (TEI) nor JSON" in out
    assert out.strip().splitlines()[-1] == "3 files checked: 0 valid, 1 invalid, 2 unreadable"


def test_no_files_is_a_usage_error():
    with pytest.raises(typer.Exit) as info:
        v.validate_command([])
    assert info.value.exit_code == 2


def test_folders_are_searched_for_xml_and_json(outputs, tmp_path):
    (tmp_path / "readme.md").write_text("not checked")
    assert v.expand_paths([tmp_path]) == sorted(outputs)
    code, out = run(str(tmp_path))
    assert code == 0 and f"{len(outputs)} files checked" in out


# --- tei_all -----------------------------------------------------------------------------------


def test_tei_all_missing_exits_2_and_says_where_to_get_it(monkeypatch, outputs):
    monkeypatch.setattr(v, "tei_all_candidates", lambda: [Path("/nonexistent/tei_all.rng")])
    code, out = run(str(outputs[0]), "--tei-all")
    assert code == 2
    assert v.TEI_ALL_URL in out and "SPEECH2TEI_TEI_ALL" in out


def test_tei_all_is_found_through_the_environment(monkeypatch, tmp_path):
    schema = tmp_path / "tei_all.rng"
    schema.write_text("<grammar/>")
    monkeypatch.setenv("SPEECH2TEI_TEI_ALL", str(schema))
    assert v.find_tei_all() == schema


@pytest.fixture
def with_tei_all(monkeypatch):
    if not TEI_ALL.exists():
        pytest.skip("../shared/tei/tei_all.rng is not here")
    monkeypatch.setenv("SPEECH2TEI_TEI_ALL", str(TEI_ALL))


def test_tei_all_with_jing(outputs, tmp_path, with_tei_all):
    if not HAS_JING:
        pytest.skip("jing is not installed")
    path = broken(tmp_path, "late-p.xml", LATE_P_OLD, LATE_P_NEW)
    problems = v.validate_paths([*outputs, path], tei_all=True)
    assert {p.path for p in problems} == {path}
    target = line_of(path, b"<p>x</p>")
    assert [p.message.startswith("tei_all: ") for p in problems if p.line == target] == [False, True]


def test_tei_all_with_lxml_when_jing_is_absent(outputs, tmp_path, with_tei_all, monkeypatch):
    """lxml compiles tei_all once per process (about 6 s)."""
    monkeypatch.setattr(v.shutil, "which", lambda name: None)
    path = broken(tmp_path, "late-p.xml", LATE_P_OLD, LATE_P_NEW)
    problems = v.validate_paths([*outputs, path], tei_all=True)
    assert {p.path for p in problems} == {path}
    assert any(p.message.startswith("tei_all: ") for p in problems)
