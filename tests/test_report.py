"""The corpus report: counts per file, totals, worst first, failures as rows, linked previews."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import pytest
from conftest import FIXTURES, shared_path
from typer.testing import CliRunner

from speech2tei.cli import app
from speech2tei.pipeline import Options
from speech2tei.report import Previews, build_report, report_dict, report_html

runner = CliRunner()

CLEAN = ("关于做好冬季供暖工作的通知\n\n一、提前检修设备\n\n各单位要在十月底前完成检修。\n\n"
         "二、保障燃料供应\n\n要做好燃料储备。\n")
GAPS = ("关于街道环境整治的情况报告\n\n一、基本情况\n\n整治工作有序推进。\n\n三、存在问题\n\n"
        "部分路段仍有乱堆乱放。\n\n三、下一步打算\n\n继续加大巡查力度。\n\n二、有关建议\n\n建议增加保洁人员。\n")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A folder of small inputs: a clean notice, one with numbering faults, the preview fixture
    speech, an empty file and a binary one (in a subfolder, to check relative paths)."""
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "clean.txt").write_text(CLEAN, encoding="utf-8")
    (folder / "gaps.txt").write_text(GAPS, encoding="utf-8")
    shutil.copy(FIXTURES / "preview" / "speech.txt", folder / "sub" / "speech.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "sub" / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    (folder / "notes.md").write_text("# not taken: only *.txt by default\n", encoding="utf-8")
    return folder


def names(rows) -> list[str]:
    return [Path(r.file).name for r in rows]


def test_rows_are_sorted_worst_first_with_failures_on_top(corpus: Path) -> None:
    report = build_report([str(corpus)], Options())
    assert names(report.rows) == ["empty.txt", "binary.txt", "gaps.txt", "speech.txt", "clean.txt"]
    failed = {Path(r.file).name: r.error for r in report.rows if r.status == "failed"}
    assert "empty" in failed["empty.txt"]
    assert "binary" in failed["binary.txt"]
    gaps = report.rows[2]
    assert gaps.warning_count == 3
    assert {w.code for w in gaps.warnings} == {"numbering-gap", "numbering-duplicate", "numbering-order"}


def test_counts_per_file_and_totals(corpus: Path) -> None:
    report = build_report([str(corpus)], Options())
    speech = next(r for r in report.rows if r.file.endswith("speech.txt"))
    assert speech.documents == 1
    assert speech.sections == 10
    assert speech.by_level == {1: 3, 2: 7}
    assert speech.by_style["cn-dun"] == 3 and speech.by_style["yi-shi"] == 3 and speech.by_style["cn-paren"] == 4
    assert speech.low_cert == 1
    data = report_dict(report)
    totals = data["totals"]
    assert totals["files"] == 5 and totals["failed"] == 2
    assert totals["documents"] == 3
    assert totals["sections"] == sum(r.sections for r in report.rows) == 10 + 4 + 2
    assert totals["by_level"] == {1: 3 + 4 + 2, 2: 7}
    assert totals["warnings_by_code"]["numbering-gap"] == 2  # one in speech, one in gaps
    json.dumps(data, ensure_ascii=False)  # serializable as it stands


def test_html_report_is_well_formed_and_marks_failures(corpus: Path) -> None:
    report = build_report([str(corpus)], Options())
    page = report_html(report)
    root = lxml.html.document_fromstring(page)
    rows = root.xpath("//table[@id='files']/tr[td]")
    assert [Path(r.xpath("./td[1]")[0].text_content().split()[0]).name for r in rows][:2] == ["empty.txt", "binary.txt"]
    assert [r.get("class") for r in rows] == ["row-failed", "row-failed", "row-ok", "row-ok", "row-ok"]
    assert "empty input" in rows[0].text_content()
    assert root.xpath("//script | //link | //img") == []
    assert "16 sections" in root.xpath("//p[@class='facts']")[0].text_content()


def test_previews_are_written_beside_the_report_and_linked_relatively(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = build_report([str(corpus)], Options(), previews=Previews(out / "previews", out))
    linked = {Path(r.file).name: r.preview for r in report.rows}
    assert linked["empty.txt"] is None
    assert linked["speech.txt"] == "previews/sub/speech.html"
    for link in filter(None, linked.values()):
        assert (out / unquote(link)).is_file()
    page = report_html(report)
    hrefs = lxml.html.document_fromstring(page).xpath("//a/@href")
    assert sorted(hrefs) == sorted(filter(None, linked.values()))


def test_preview_names_stay_unique(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(CLEAN, encoding="utf-8")
    out = tmp_path / "out"
    report = build_report([str(tmp_path / "a" / "same.txt"), str(tmp_path / "b" / "same.txt")], Options(),
                          previews=Previews(out, out))
    assert sorted(r.preview for r in report.rows) == ["same-2.html", "same.html"]


def test_report_command_json_on_stdout_exits_1_when_a_file_failed(corpus: Path) -> None:
    result = runner.invoke(app, ["report", str(corpus), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [f["status"] for f in data["files"]] == ["failed", "failed", "ok", "ok", "ok"]
    assert "empty input" in result.stderr


def test_report_command_writes_html_and_previews_and_refuses_to_overwrite(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "report.html"
    args = ["report", str(corpus / "clean.txt"), str(corpus / "gaps.txt"), "-o", str(out),
            "--previews", str(tmp_path / "site" / "pv")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    root = lxml.html.document_fromstring(out.read_text(encoding="utf-8"))
    assert sorted(root.xpath("//a/@href")) == ["pv/clean.html", "pv/gaps.html"]
    again = runner.invoke(app, args)
    assert again.exit_code == 4 and "--force" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_report_command_rejects_an_unknown_format(corpus: Path) -> None:
    result = runner.invoke(app, ["report", str(corpus), "--format", "xml"])
    assert result.exit_code == 2


def test_report_over_the_shared_corpus_and_seed() -> None:
    corpus, seed = shared_path("corpus", "raw"), shared_path("seed")
    report = build_report([str(corpus), str(seed)], Options())
    assert len(report.rows) == len(list(corpus.glob("*.txt"))) + len(list(seed.glob("*.txt")))
    assert all(r.status == "ok" for r in report.rows), [r.error for r in report.rows if r.error]
    counts = [r.warning_count for r in report.rows]
    assert counts == sorted(counts, reverse=True)
