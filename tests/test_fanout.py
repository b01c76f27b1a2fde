"""One input's documents converted in several processes: the same bytes as one process."""

from __future__ import annotations

import gc
import importlib.util
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from process_helpers import assert_group_ends, interrupt

from speech2tei import batch, fanout, jsonio
from speech2tei.batch import convert_item, render_outputs
from speech2tei.fanout import can_fan_out, convert_fanned, document_runs
from speech2tei.jsonio import document_json_bytes, spliced_json_bytes, to_json_bytes
from speech2tei.ledger import PagePieces, check_nothing_lost, document_segment, spans_apart, visible_pair
from speech2tei.model import Conversion, Line
from speech2tei.pipeline import Options, chars_of, convert_bytes, convert_prepared, prepare
from speech2tei.tei import corpus_frame, iter_corpus_member, write_tei

REPO = Path(__file__).resolve().parents[1]
COMPILATION = (REPO / "examples" / "compilation-page.txt").read_bytes()
FORMATS = ["json", "tei"]

needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="documents are converted in forked workers only")


def outputs_in_one_process(data: bytes, formats: list[str] = FORMATS, name: str = "in.txt") -> dict[str, bytes]:
    conv = convert_bytes(data, name)
    return {fmt: bytes(out) for fmt, out in render_outputs(conv, formats).items()}


def joined(chunks: list[bytes]) -> bytes:
    return b"".join(chunks)


def bench_module():
    spec = importlib.util.spec_from_file_location("bench", REPO / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1.2 MB of our own speeches one after the other (the bench's year-long dump)."""
    path = tmp_path_factory.mktemp("dump") / "year.txt"
    path.write_text(bench_module().big_text(1_200_000, seed=50), encoding="utf-8")
    return path


# --- the parts the one-process writers are made of ---------------------------------------------


def test_json_parts_spliced_are_the_whole_json() -> None:
    conv = convert_bytes(COMPILATION, "in.txt")
    parts = [document_json_bytes(doc, i) for i, doc in enumerate(conv.documents, 1)]
    documents, conv.documents = conv.documents, []
    spliced = spliced_json_bytes(conv, parts)
    conv.documents = documents
    assert len(documents) == 2 and spliced is not None
    assert joined(spliced) == to_json_bytes(conv)


def test_a_document_the_schema_refuses_gives_no_part() -> None:
    conv = convert_bytes(COMPILATION, "in.txt")
    conv.documents[0].meta.date_iso = "yesterday"
    assert document_json_bytes(conv.documents[0], 1) is None
    assert document_json_bytes(conv.documents[1], 2) is not None


def test_a_conversion_the_schema_refuses_is_not_spliced() -> None:
    conv = convert_bytes(COMPILATION, "in.txt")
    parts = [document_json_bytes(doc, i) for i, doc in enumerate(conv.documents, 1)]
    conv.documents = []
    conv.source.sha256 = "not a digest"
    assert spliced_json_bytes(conv, parts) is None


def test_tei_frame_and_members_are_the_whole_corpus() -> None:
    conv = convert_bytes(COMPILATION, "in.txt")
    opening, closing = corpus_frame(conv)
    members = [b"".join(iter_corpus_member(conv, doc, i)) for i, doc in enumerate(conv.documents, 1)]
    assert opening + b"".join(members) + closing == write_tei(conv)
    assert members[0].startswith(b"\n  <TEI ") and members[0].endswith(b"\n  </TEI>")


def test_ledger_by_document_segments_is_the_same_check() -> None:
    prepared = prepare(COMPILATION, "in.txt", Options())
    text = prepared.ledger_input
    conv = convert_prepared(prepared, Options())
    page = PagePieces(conv)
    segments = [document_segment(doc, page) for doc in conv.documents]
    assert spans_apart(segments)
    assert visible_pair(text, conv, segments) == visible_pair(text, conv)
    assert check_nothing_lost(text, conv, segments=segments) == check_nothing_lost(text, conv) == []
    assert check_nothing_lost(text, conv, segments=segments[:1]) != []


def test_document_runs_cover_every_document_once_in_order() -> None:
    sizes = [5, 1, 9, 2, 2, 7, 1]
    runs = list(document_runs(sizes, 8))
    assert runs == [(0, 3), (3, 6), (6, 7)]
    assert list(document_runs(sizes, 1000)) == [(0, 7)]
    assert list(document_runs([], 8)) == []
    assert chars_of([Line("字" * 5, 1), Line("", 2), Line("ab", 3)]) == 7


def test_small_inputs_and_one_job_stay_in_one_process() -> None:
    assert not can_fan_out(fanout.MIN_BYTES - 1, 2)
    assert not can_fan_out(fanout.MIN_BYTES, 1)
    if "fork" in multiprocessing.get_all_start_methods():
        assert can_fan_out(fanout.MIN_BYTES, 2)


# --- converting in workers ---------------------------------------------------------------------


@needs_fork
@pytest.mark.parametrize("formats", [["json", "tei"], ["tei"], ["json"]])
def test_workers_write_the_bytes_one_process_writes(formats: list[str]) -> None:
    fanned = convert_fanned(COMPILATION, "in.txt", formats, None, 2)
    assert fanned is not None and fanned.documents == 2 and fanned.sections > 0
    expected = outputs_in_one_process(COMPILATION, formats)
    assert {fmt: joined(chunks) for fmt, chunks in fanned.outputs.items()} == expected


@needs_fork
@pytest.mark.parametrize("options", [Options(keep_boilerplate=True), Options(errors="replace"),
                                     Options(check_lossless=False)], ids=["keep-boilerplate", "replace", "no-check"])
def test_reading_options_reach_the_workers(options: Options) -> None:
    data = COMPILATION.replace("部署".encode(), b"\xff\xfe", 1)  # undecodable where --errors replace is asked
    if options.errors != "replace":
        data = COMPILATION
    fanned = convert_fanned(data, "in.txt", FORMATS, options, 2)
    conv = convert_bytes(data, "in.txt", options)
    expected = {fmt: bytes(out) for fmt, out in render_outputs(conv, FORMATS).items()}
    assert {fmt: joined(chunks) for fmt, chunks in fanned.outputs.items()} == expected
    if options.errors == "replace":
        assert b"decode-replaced" in expected["json"]
    if options.keep_boilerplate:
        assert conv.page_front and not any(r.reason == "boilerplate" for r in conv.removed)


def progress_recorder() -> tuple[list[tuple[int, int]], object]:
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def assert_progress_runs_to_the_end(calls: list[tuple[int, int]], total: int) -> None:
    assert calls and all(t == total for _, t in calls)
    dones = [d for d, _ in calls]
    assert dones == sorted(set(dones)) and dones[0] > 0 and dones[-1] == total


def test_one_process_tells_progress_after_each_document() -> None:
    calls, told = progress_recorder()
    conv = convert_bytes(COMPILATION, "in.txt", progress=told)
    total = sum(map(chars_of, prepare(COMPILATION, "in.txt", Options()).documents))
    assert len(calls) == len(conv.documents) == 2
    assert_progress_runs_to_the_end(calls, total)


@needs_fork
def test_workers_tell_progress_as_runs_come_back(dump: Path) -> None:
    calls, told = progress_recorder()
    data = dump.read_bytes()
    fanned = convert_fanned(data, "year.txt", FORMATS, None, 2, told)
    assert fanned is not None and len(calls) >= 8  # at least four runs per worker
    assert_progress_runs_to_the_end(calls, sum(map(chars_of, prepare(data, "year.txt", Options()).documents)))


@needs_fork
def test_one_document_is_converted_in_this_process_once(monkeypatch: pytest.MonkeyPatch) -> None:
    one = (REPO / "examples" / "county-roads-speech.txt").read_bytes()
    calls = []
    monkeypatch.setattr(fanout, "prepare", lambda *args: calls.append(args) or prepare(*args))
    conv = convert_fanned(one, "in.txt", FORMATS, None, 2)
    assert isinstance(conv, Conversion) and len(conv.documents) == 1 and len(calls) == 1
    assert to_json_bytes(conv) == to_json_bytes(convert_bytes(one, "in.txt"))


@pytest.fixture
def spool_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the workers' spool is made in, watched by the test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@needs_fork
def test_the_spool_is_read_file_by_file_and_then_removed(spool_root: Path) -> None:
    fanned = convert_fanned(COMPILATION, "in.txt", FORMATS, None, 2)
    assert fanned is not None
    (spool,) = spool_root.iterdir()
    assert sorted(p.suffix for p in spool.iterdir()) == [".json", ".json", ".tei", ".tei"]  # a run per document
    joined(fanned.outputs["json"])
    assert [p.suffix for p in spool.iterdir()] == [".tei", ".tei"]  # the JSON's files removed once read
    joined(fanned.outputs["tei"])
    assert not list(spool_root.iterdir())


@needs_fork
def test_outputs_dropped_unread_take_the_spool_with_them(spool_root: Path) -> None:
    fanned = convert_fanned(COMPILATION, "in.txt", FORMATS, None, 2)
    assert fanned is not None and list(spool_root.iterdir())
    next(fanned.outputs["json"])  # a write that failed after its first chunk
    del fanned
    gc.collect()
    assert not list(spool_root.iterdir())


@needs_fork
def test_no_temporary_folder_means_one_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    conv = convert_fanned(COMPILATION, "in.txt", FORMATS, None, 2)
    assert isinstance(conv, Conversion) and len(conv.documents) == 2
    assert to_json_bytes(conv) == to_json_bytes(convert_bytes(COMPILATION, "in.txt"))


@needs_fork
def test_a_part_refused_in_a_worker_means_converting_again(monkeypatch: pytest.MonkeyPatch, spool_root: Path) -> None:
    monkeypatch.setattr(jsonio, "_document_is_valid", lambda: lambda data: data["id"] != "d2")
    assert convert_fanned(COMPILATION, "in.txt", FORMATS, None, 2) is None
    assert not list(spool_root.iterdir())  # the other document's run is not left behind


@needs_fork
def test_a_worker_that_dies_means_converting_again(monkeypatch: pytest.MonkeyPatch, spool_root: Path) -> None:
    def dies(shared: object, index: int) -> object:
        os._exit(3)  # a worker killed mid-task (out of memory)

    monkeypatch.setattr(fanout, "_convert_one", dies)
    assert convert_fanned(COMPILATION, "in.txt", FORMATS, None, 2) is None
    assert not list(spool_root.iterdir())


@needs_fork
def test_converting_again_gives_the_usual_outputs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fanout, "MIN_BYTES", 0)
    monkeypatch.setattr(jsonio, "_document_is_valid", lambda: lambda data: False)
    source = tmp_path / "page.txt"
    source.write_bytes(COMPILATION)
    outcome = convert_item(str(source), FORMATS, None, jobs=2)
    assert outcome.error is None and outcome.documents == 2
    expected = outputs_in_one_process(COMPILATION, FORMATS, str(source))
    assert {fmt: bytes(out) for fmt, out in outcome.outputs.items()} == expected


@needs_fork
def test_a_large_dump_converts_alike_with_one_and_two_jobs(dump: Path) -> None:
    assert can_fan_out(dump.stat().st_size, 2)
    one = convert_item(str(dump), FORMATS, Options(), jobs=1)
    two = convert_item(str(dump), FORMATS, Options(), jobs=2)
    assert two.error is None and two.documents == one.documents > 20
    assert (two.sections, two.warnings) == (one.sections, one.warnings)
    for fmt in FORMATS:
        first = one.outputs[fmt] if isinstance(one.outputs[fmt], bytes) else b"".join(one.outputs[fmt])
        assert b"".join(two.outputs[fmt]) == first, fmt


@needs_fork
def test_cli_single_large_file_uses_the_workers(dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = batch.convert_item

    def spy(source: str, formats: list[str], options, **kwargs) -> batch.Outcome:
        seen.append(kwargs.get("jobs", 1))
        return real(source, formats, options, **kwargs)

    monkeypatch.setattr(batch, "convert_item", spy)
    settings = batch.BatchSettings(inputs=[str(dump)], formats=["json"], output=tmp_path / "out", jobs=2,
                                   quiet=True)
    assert batch.run_batch(settings) == 0
    assert seen == [2]
    expected = outputs_in_one_process(dump.read_bytes(), ["json"], str(dump))["json"]
    assert (tmp_path / "out" / "year.json").read_bytes() == expected


@needs_fork
def test_ctrl_c_while_workers_convert_stops_cleanly(dump: Path, tmp_path: Path) -> None:
    """SIGINT to the process group while forked workers hold documents: exit 130, nothing
    written, no worker left behind, no traceback."""
    children = Path("/proc/self/task")
    if not children.is_dir():
        pytest.skip("needs /proc to see the worker processes")
    out, spool_root = tmp_path / "out", tmp_path / "tmp"
    spool_root.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "speech2tei", "convert", str(dump), "--to", "json,tei",
                             "-o", str(out), "--jobs", "2"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(spool_root)})
    listing = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if listing.exists() and listing.read_text().split():
            break  # the workers are forked
        time.sleep(0.01)
    else:
        pytest.fail("no worker process appeared")
    rest = interrupt(proc)
    assert proc.returncode == 130, rest
    assert "interrupted" in rest and "Traceback" not in rest
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    assert not list(spool_root.iterdir())  # the workers' spool is gone too
    assert_group_ends(proc.pid)


def test_validating_by_parts_refuses_a_schema_whose_documents_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = jsonio.schema()
    changed = {**changed, "properties": {**changed["properties"], "documents": {"type": "array", "maxItems": 3,
                                                                                "items": {"$ref": "#/$defs/document"}}}}
    monkeypatch.setattr(jsonio, "schema", lambda: changed)
    jsonio._part_schemas.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="documents changed"):
            jsonio._part_schemas()
    finally:
        monkeypatch.undo()
        jsonio._part_schemas.cache_clear()
