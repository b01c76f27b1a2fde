"""Batch conversion as a user with an archive meets it: trees, resume, failures, Ctrl-C, speed.

Most tests run the CLI in-process with ``--jobs 1``; the process pool, signals and start-up
imports are tested in subprocesses, the way a user runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from process_helpers import assert_group_ends, interrupt
from typer.testing import CliRunner

from speech2tei import batch
from speech2tei.batch import BatchSettings, Item, Outcome, run_batch, write_atomic
from speech2tei.cli import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def speech(topic: str, points: int = 3) -> str:
    """A short speech of our own with numbered sections, different for every topic."""
    parts = [f"在全区{topic}工作推进会上的讲话", "同志们：", f"今天召开会议，专题研究{topic}工作。下面，我讲几点意见。"]
    numerals = "一二三四五六七八九"
    for k in range(points):
        parts.append(f"{numerals[k]}、关于{topic}的第{numerals[k]}项任务")
        parts.append(f"要抓好{topic}的落实，一是明确责任；二是细化措施；三是加强督查。各单位要认真对照，逐项推进。")
    parts.append("谢谢大家！")
    return "\n".join(parts) + "\n"


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """in/ with two speeches at the top, two in a sub-folder, and a file --glob must skip."""
    root = tmp_path / "in"
    (root / "2023" / "春季").mkdir(parents=True)
    (root / "a.txt").write_text(speech("安全生产"), encoding="utf-8")
    (root / "b.txt").write_text(speech("河道治理", 2), encoding="gb18030")
    (root / "2023" / "c.txt").write_text(speech("招商引资", 4), encoding="utf-8")
    (root / "2023" / "春季" / "d.txt").write_text(speech("植树造林"), encoding="utf-8")
    (root / "2023" / "notes.md").write_text("# 不是讲话稿\n", encoding="utf-8")
    return root


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def convert(*args: str):
    return runner.invoke(app, ["convert", *args])


# --- trees, formats, stdin ------------------------------------------------------------------------


def test_directory_with_glob_mirrors_the_tree(archive: Path, tmp_path: Path) -> None:
    pytest.importorskip("speech2tei.tei")
    out = tmp_path / "out"
    result = convert(str(archive), "--glob", "*.txt", "--to", "json,tei", "-o", str(out), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert files_under(out) == ["2023/c.json", "2023/c.xml", "2023/春季/d.json", "2023/春季/d.xml",
                                "a.json", "a.xml", "b.json", "b.xml"]
    data = json.loads((out / "2023" / "c.json").read_text(encoding="utf-8"))
    heads = [n["head"] for n in data["documents"][0]["body"] if n["type"] == "section"]
    assert heads == [f"关于招商引资的第{n}项任务" for n in "一二三四"]
    assert (out / "b.xml").read_bytes().startswith(b"<?xml")
    assert "4 files: 4 converted, 0 failed, 0 skipped" in result.stderr
    assert "sections" in result.stderr and "warnings" in result.stderr


def test_glob_selects_other_files(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = convert(str(archive), "--glob", "*.md", "-o", str(out), "--jobs", "1")
    assert files_under(out) == ["2023/notes.json"]
    assert result.exit_code == 0, result.output


def test_an_output_folder_inside_the_input_folder_is_not_read_back(archive: Path) -> None:
    out = archive / "converted"
    first = convert(str(archive), "--glob", "*", "-o", str(out), "--jobs", "1")
    again = convert(str(archive), "--glob", "*", "-o", str(out), "--jobs", "1", "--skip-existing")
    assert first.exit_code == 0 and again.exit_code == 0, again.output
    assert "5 files: 0 converted, 0 failed, 5 skipped" in again.stderr
    assert not (out / "converted").exists()


def test_stdin_to_stdout() -> None:
    result = runner.invoke(app, ["convert", "-", "--to", "json"], input=speech("防汛抗旱").encode("utf-8"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"]["name"] == "<stdin>"
    assert len([n for n in data["documents"][0]["body"] if n["type"] == "section"]) == 3
    assert result.stderr == ""


def test_two_inputs_that_would_write_one_output_are_refused(tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(speech("文明创建"), encoding="utf-8")
    result = convert(str(tmp_path / "x" / "same.txt"), str(tmp_path / "y" / "same.txt"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 4
    assert "would both write" in result.stderr
    assert not (tmp_path / "out").exists()


# --- existing outputs: refuse, resume, force ------------------------------------------------------


def test_existing_outputs_are_refused_without_force(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert convert(str(archive), "-o", str(out), "--jobs", "1").exit_code == 0
    (out / "a.json").write_text("mine", encoding="utf-8")
    again = convert(str(archive), "-o", str(out), "--jobs", "1")
    assert again.exit_code == 1
    assert "output exists" in again.stderr and "--force" in again.stderr
    assert (out / "a.json").read_text(encoding="utf-8") == "mine"


def test_force_overwrites(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert convert(str(archive), "-o", str(out), "--jobs", "1").exit_code == 0
    (out / "a.json").write_text("mine", encoding="utf-8")
    forced = convert(str(archive), "-o", str(out), "--jobs", "1", "--force")
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "a.json").read_text(encoding="utf-8"))["format"] == "speech2tei"


def test_skip_existing_resumes_and_leaves_existing_outputs_alone(archive: Path, tmp_path: Path) -> None:
    pytest.importorskip("speech2tei.tei")
    out = tmp_path / "out"
    assert convert(str(archive), "--to", "json,tei", "-o", str(out), "--jobs", "1").exit_code == 0
    (out / "a.json").write_text("kept", encoding="utf-8")  # an output of the first run
    (out / "2023" / "c.json").unlink()  # interrupted: c.xml written, c.json not
    (out / "b.json").unlink()
    (out / "b.xml").unlink()
    result = convert(str(archive), "--to", "json,tei", "-o", str(out), "--jobs", "1", "--skip-existing")
    assert result.exit_code == 0, result.output
    assert "4 files: 2 converted, 0 failed, 2 skipped" in result.stderr
    assert (out / "a.json").read_text(encoding="utf-8") == "kept"
    assert json.loads((out / "2023" / "c.json").read_text(encoding="utf-8"))["format"] == "speech2tei"
    assert (out / "b.json").exists() and (out / "b.xml").exists()


# --- failures ---------------------------------------------------------------------------------------


def test_a_failing_file_is_reported_and_the_batch_goes_on(archive: Path, tmp_path: Path) -> None:
    (archive / "2023" / "broken.txt").write_bytes(b"\x00\x01\x02 not text at all \x00")
    out = tmp_path / "out"
    result = convert(str(archive), "-o", str(out), "--jobs", "1")
    assert result.exit_code == 1
    assert "broken.txt" in result.stderr and "error:" in result.stderr
    assert "5 files: 4 converted, 1 failed" in result.stderr
    assert files_under(out) == ["2023/c.json", "2023/春季/d.json", "a.json", "b.json"]
    assert not list(out.rglob("*.part"))


def test_an_unexpected_exception_costs_one_file_not_the_batch(archive: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = batch.conversion_from_bytes

    def buggy(data: bytes, name: str, options, explain=None, progress=None):
        if name.endswith("b.txt"):
            raise IndexError("a bug")
        return real(data, name, options, explain, progress)

    monkeypatch.setattr(batch, "conversion_from_bytes", buggy)
    out = tmp_path / "out"
    code = run_batch(BatchSettings(inputs=[str(archive)], formats=["json"], output=out, jobs=1, quiet=True))
    assert code == 1
    assert files_under(out) == ["2023/c.json", "2023/春季/d.json", "a.json"]


@pytest.mark.parametrize("moment", ["created", "removing"])
def test_ctrl_c_at_any_moment_of_a_write_leaves_no_temporary_file(tmp_path: Path, moment: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C just after the temporary file is created (before its name is back), or in the
    middle of removing it: the batch's clean-up after the interrupt still finds it."""
    real_open, real_unlink = batch.os.open, batch.os.unlink

    def open_then_interrupted(path, flags, mode=0o777):
        real_open(path, flags, mode)
        raise KeyboardInterrupt

    def unlink_interrupted(path):
        raise KeyboardInterrupt

    if moment == "created":
        monkeypatch.setattr(batch.os, "open", open_then_interrupted)
    else:
        monkeypatch.setattr(batch.os, "link", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
        monkeypatch.setattr(batch.os, "unlink", unlink_interrupted)
    target = tmp_path / "out" / "a.json"
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"{}", force=False)
    left = list((tmp_path / "out").glob(".a.json.*.part"))
    assert len(left) == 1  # what the interrupt left behind
    monkeypatch.setattr(batch.os, "unlink", real_unlink)
    batch.remove_temporaries()
    assert not list((tmp_path / "out").iterdir()) and not batch._TEMPORARIES


def test_a_single_large_input_gets_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert isinstance(batch._reporter(False, 1, batch.PROGRESS_BYTES), batch._RichReporter)
    assert isinstance(batch._reporter(False, 2, 10), batch._RichReporter)
    assert type(batch._reporter(False, 1, batch.PROGRESS_BYTES - 1)) is batch._PlainReporter
    assert type(batch._reporter(True, 1, batch.PROGRESS_BYTES)) is batch._Reporter
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert type(batch._reporter(False, 1, batch.PROGRESS_BYTES)) is batch._PlainReporter


def test_the_bar_moves_within_an_input_and_redraws_sparingly(monkeypatch: pytest.MonkeyPatch) -> None:
    report = batch._RichReporter(2, 3000)
    completed = lambda: report.progress.tasks[0].completed  # noqa: E731
    report.step("first.txt", 1000, True)
    told = report.within("second.txt", 2000)
    assert told is not None and batch._Reporter(1).within("second.txt", 2000) is None
    clock = [report.drawn + 2 * batch.PROGRESS_EVERY]
    monkeypatch.setattr(batch.time, "monotonic", lambda: clock[0])
    told(250, 1000)
    assert completed() == 1000 + 500
    clock[0] += batch.PROGRESS_EVERY / 2
    told(300, 1000)  # within PROGRESS_EVERY of the last redraw: left for the next
    assert completed() == 1500
    told(1000, 1000)  # the end is always drawn
    assert completed() == 3000
    assert report.progress.tasks[0].fields["current"] == "second.txt: 100% of its documents"
    report.step("second.txt", 2000, True)
    assert completed() == 3000 and report.progress.tasks[0].fields["files"] == "2/2 files"


def test_one_large_input_reports_its_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The single-input path hands the reporter's callback to the conversion."""
    calls: list[tuple[int, int]] = []

    class Recording(batch._Reporter):
        def within(self, source: str, size: int):
            return lambda done, total: calls.append((done, total))

    monkeypatch.setattr(batch, "_reporter", lambda quiet, total, size: Recording(total))
    source = tmp_path / "talks.txt"
    source.write_bytes((Path(__file__).resolve().parents[1] / "examples" / "compilation-page.txt").read_bytes())
    assert run_batch(BatchSettings(inputs=[str(source)], formats=["json"], output=tmp_path / "out", jobs=1)) == 0
    assert len(calls) == 2 and calls[-1][0] == calls[-1][1] > calls[0][0] > 0


def test_write_atomic_leaves_nothing_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch.os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "sub" / "x.json", b"{}" * 1000, force=False)
    assert files_under(tmp_path) == []


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    write_atomic(tmp_path / "x.json", b"{}", force=False)
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "x.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_ctrl_c_in_process_stops_with_complete_outputs_only(archive: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real = batch.convert_item
    calls = []

    def interrupt_on_third(source: str, formats: list[str], options, **kwargs) -> Outcome:
        calls.append(source)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(source, formats, options, **kwargs)

    monkeypatch.setattr(batch, "convert_item", interrupt_on_third)
    out = tmp_path / "out"
    code = run_batch(BatchSettings(inputs=[str(archive)], formats=["json"], output=out, jobs=1, quiet=True))
    assert code == 130
    written = files_under(out)
    assert len(written) == 2 and all(name.endswith(".json") for name in written)
    for name in written:
        assert json.loads((out / name).read_text(encoding="utf-8"))["format"] == "speech2tei"


# --- quiet ----------------------------------------------------------------------------------------


def test_quiet_prints_nothing_on_success(archive: Path, tmp_path: Path) -> None:
    result = convert(str(archive), "-o", str(tmp_path / "out"), "--jobs", "1", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    assert len(files_under(tmp_path / "out")) == 4


def test_quiet_still_reports_errors(archive: Path, tmp_path: Path) -> None:
    (archive / "empty.txt").write_bytes(b"")
    result = convert(str(archive), "-o", str(tmp_path / "out"), "--jobs", "1", "-q")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "empty.txt" in result.stderr


def test_plain_progress_lines_when_not_a_terminal(archive: Path, tmp_path: Path) -> None:
    result = convert(str(archive), "-o", str(tmp_path / "out"), "--jobs", "1")
    lines = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert [line.split()[0] for line in lines] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert all(" ok " in line for line in lines)


# --- the process pool -----------------------------------------------------------------------------


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run([sys.executable, "-m", "speech2tei", *args], capture_output=True, text=True,
                          env=env, timeout=300, **kwargs)


def test_jobs_2_writes_the_same_bytes_as_jobs_1(archive: Path, tmp_path: Path) -> None:
    formats = "json,tei"
    try:
        import speech2tei.tei  # noqa: F401
    except ImportError:
        formats = "json"
    one = run_cli("convert", str(archive), "--to", formats, "-o", str(tmp_path / "j1"), "--jobs", "1")
    two = run_cli("convert", str(archive), "--to", formats, "-o", str(tmp_path / "j2"), "--jobs", "2")
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    names = files_under(tmp_path / "j1")
    assert names == files_under(tmp_path / "j2") and len(names) == 4 * len(formats.split(","))
    for name in names:
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes(), name


def test_pool_survives_a_worker_that_dies(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched converter reaches the workers only when they are forked")
    real = batch.convert_item

    def dies_on_c(source: str, formats: list[str], options) -> Outcome:
        if source.endswith("c.txt"):
            os._exit(3)  # a worker killed mid-file (out of memory, a crash in C code)
        return real(source, formats, options)

    monkeypatch.setattr(batch, "convert_item", dies_on_c)
    items = [Item(str(p), Path(p.name), {"json": None}) for p in sorted(archive.rglob("*.txt"))]
    settings = BatchSettings(inputs=[], formats=["json"], jobs=2)
    outcomes = {Path(o.source).name: o for o in batch._PoolRun(items, settings, 2).outcomes()}
    assert sorted(outcomes) == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert outcomes["c.txt"].error is not None and "worker process died" in outcomes["c.txt"].error
    assert all(outcomes[n].error is None and outcomes[n].outputs["json"] for n in ("a.txt", "b.txt", "d.txt"))


def test_ctrl_c_stops_the_pool_cleanly(tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: exit 130, no partial file,
    no worker left behind, no traceback."""
    root = tmp_path / "in"
    root.mkdir()
    for k in range(40):
        (root / f"s{k:02d}.txt").write_text(speech(f"第{k}片区网格化管理", 9) * 3, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "speech2tei", "convert", str(root), "-o", str(out),
                             "--jobs", "2"], stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # wait until the batch is under way
    assert first.startswith("[1/40]"), first
    rest = interrupt(proc)
    assert proc.returncode == 130
    assert "interrupted" in rest and "Traceback" not in rest
    assert not list(out.rglob("*.part"))
    for path in out.rglob("*.json"):
        assert json.loads(path.read_text(encoding="utf-8"))["format"] == "speech2tei"
    assert_group_ends(proc.pid)


# --- start-up -------------------------------------------------------------------------------------


def test_cli_import_is_light() -> None:
    """--help and --version must not pay for lxml, jsonschema, YAML or the pipeline."""
    code = ("import sys, speech2tei.cli\n"
            "heavy = ('lxml', 'jsonschema', 'yaml', 'speech2tei.pipeline', 'speech2tei.grammar', 'rich')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_public_api_still_imports_lazily() -> None:
    code = ("import sys, speech2tei\n"
            "assert 'speech2tei.pipeline' not in sys.modules\n"
            "from speech2tei import convert_bytes, to_json_bytes, Conversion\n"
            "assert 'speech2tei.pipeline' in sys.modules\n"
            "missing = [n for n in speech2tei.__all__ if getattr(speech2tei, n, None) is None]\n"
            "print(missing, convert_bytes.__module__, Conversion.__module__)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["[]", "speech2tei.pipeline", "speech2tei.model"]
    with pytest.raises(AttributeError):
        import speech2tei

        speech2tei.no_such_name  # noqa: B018


def test_version_runs_without_heavy_imports() -> None:
    code = ("import sys\nfrom speech2tei.cli import main\nsys.argv = ['speech2tei', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(any(m.startswith(('lxml', 'jsonschema', 'yaml')) for m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("speech2tei ") and lines[-1] == "False"


def test_a_one_file_convert_pays_only_for_what_it_uses(tmp_path: Path) -> None:
    """Plain text to JSON and TEI: no lxml (the .docx and HTML readers, the validators), no
    process pool, no progress bar (test_readers sniffs a .docx without its suffix still)."""
    code = ("import sys\nfrom speech2tei.cli import main\n"
            "sys.argv = ['speech2tei', 'convert', sys.argv[1], '--to', 'json,tei', '-o', sys.argv[2], '-q']\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "heavy = ('lxml', 'multiprocessing', 'concurrent', 'jsonschema', 'rich')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n")
    speech = Path(__file__).resolve().parents[1] / "examples" / "county-roads-speech.txt"
    result = subprocess.run([sys.executable, "-c", code, str(speech), str(tmp_path / "out")],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert (tmp_path / "out" / "county-roads-speech.xml").exists()


# --- the benchmark --------------------------------------------------------------------------------


def test_bench_quick_prints_figures(tmp_path: Path) -> None:
    """The benchmark's smoke run, at its smallest sizes (a few seconds of work)."""
    figures = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench.py"), "--quick", "--no-shared",
                             "--docs", "4", "--docs-mb", "0.04", "--big-mb", "0.1", "--small-mb", "0.01",
                             "--out", str(figures)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    for case in ("I/O floor", "parse only", "parse+JSON", "speed-up", "growth", "peak RSS",
                 "latency: speech2tei --version", "CLI --jobs 2 vs --jobs 1, one "):
        assert case in result.stdout, case
    cases = json.loads(figures.read_text(encoding="utf-8"))["cases"]
    ratios = [c["ratio"] for c in cases if c["ratio"] is not None]
    assert len(ratios) >= 8 and all(r > 0 for r in ratios)


def test_a_file_name_that_is_not_utf8_still_converts(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"\xff\xfe-speech.txt")  # a Latin-1 era name on a UTF-8 file system
    (folder / name).write_text("标题\n一、总体要求\n正文。\n", encoding="utf-8")
    result = run_cli("convert", str(folder), "--to", "json,tei", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "out" / (name[:-4] + ".json")).read_bytes())
    assert data["source"]["name"].endswith("\\xff\\xfe-speech.txt")
    assert (tmp_path / "out" / (name[:-4] + ".xml")).stat().st_size > 0


def test_streamed_tei_is_the_same_as_written_whole(tmp_path: Path) -> None:
    from speech2tei.batch import render_outputs
    from speech2tei.pipeline import convert_bytes

    conv = convert_bytes("标题\n同志们：\n一、总体要求\n正文。\n二、重点任务\n正文。\n".encode(), "x.txt")
    whole = render_outputs(conv, ["json", "tei"])
    streamed = render_outputs(conv, ["json", "tei"], stream=True)
    assert not isinstance(streamed["tei"], bytes)
    write_atomic(tmp_path / "x.xml", streamed["tei"], force=False)
    assert (tmp_path / "x.xml").read_bytes() == whole["tei"]


def test_a_tei_refusal_comes_before_any_output_is_written(tmp_path: Path) -> None:
    from speech2tei.batch import render_outputs
    from speech2tei.pipeline import convert_bytes
    from speech2tei.tei import TeiWriteError

    conv = convert_bytes("标题\n一、总体要求\n正文。\n".encode(), "x.txt")
    conv.documents[0].meta.date_iso = "2023-02-30"  # the schema's pattern allows it; no such day
    with pytest.raises(TeiWriteError, match="2023-02-30"):
        render_outputs(conv, ["tei"], stream=True)


def test_a_stream_failing_half_way_leaves_no_file(tmp_path: Path) -> None:
    def chunks():
        yield b"<TEI>"
        raise RuntimeError("disk on fire")

    item = Item("in.txt", Path("in.txt"), {"tei": tmp_path / "x.xml"})
    outcome = Outcome("in.txt", outputs={"tei": chunks()})
    batch._write_outputs(item, outcome, force=False)
    assert "internal error" in (outcome.error or "")
    assert files_under(tmp_path) == []
