"""One large input on several cores: its documents are parsed and written in worker processes.

A year of a city's speeches often comes as one text dump of tens of MB holding hundreds of
documents. The batch pool converts files side by side, which does nothing for such a file.
Here the stages that need the whole input (decode, clean, split) run in this process; then
runs of documents are parsed, checked and written (JSON, TEI) in forked workers, and this
process puts the parts together: the JSON with each document's JSON in its place, the
teiCorpus frame around its members, and the nothing-lost check over every document's pieces.

The output is byte for byte what one process writes: each part comes from the function the
one-process writers use for it (``jsonio.document_json_bytes``, ``tei.iter_corpus_member``),
and the tests compare the two. Where anything in a worker goes wrong (a document the schema
or the TEI writer refuses, a worker killed for memory), the input is converted again in this
process, so every error reads exactly as it does without workers.

Workers are forked, so they inherit the split documents instead of receiving them through a
pipe; where ``fork`` is not available the input is converted in one process. Their JSON and
TEI do not come back through a pipe either: each run of documents is written to a spool file
in a private temporary folder, which the outputs are then read from, a block at a time, and
each file is removed once read. The pipe carries only what the summary and the nothing-lost
check need (the outputs are about five times the input: sent through the pipe, they cost this
process as much time as all of its own assembling).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .grammar import Grammar, default_grammar
from .ledger import PagePieces, Segment, document_segment, spans_apart
from .model import Conversion, Diagnostic, Line
from .pipeline import Options, Prepared, Progress, chars_of, convert_prepared, finish, parse_document, prepare

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

MIN_BYTES = 1_000_000
"""Smaller inputs convert in one process: forking and warming up workers would cost more
than the parse they share (about 0.3 s per MB on one core)."""
TASK_CHARS = 300_000
"""Characters of text per task at most: the pipe and the task overhead stay a few percent."""
TASKS_PER_WORKER = 4
"""At least this many tasks per worker where documents allow: runs of documents differ in
size, and the workers should finish together."""
BLOCK = 1 << 20
"""Bytes read from a spool file at a time."""


@dataclass(slots=True)
class Part:
    """What a worker hands back for one document: what the summary and the checks need (its
    outputs are in its run's spool files)."""

    segment: Segment
    """The document's stretch of the laid-out output, for the nothing-lost check."""
    ids: list[str]
    sections: int
    warnings: list[Diagnostic]


@dataclass(slots=True)
class Run:
    """What a worker hands back for a run of documents: their parts, and by format the spool
    file holding their outputs one after the other, as the whole output holds them."""

    parts: list[Part]
    files: dict[str, str]


@dataclass(slots=True)
class FannedOut:
    """A converted input: outputs by format (in chunks), and the figures of the summary."""

    outputs: dict[str, Iterator[bytes]]
    """Read from the spool as they are written; the spool goes when they are read or dropped."""
    documents: int
    sections: int
    warnings: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class _Shared:
    """What forked workers inherit: the prepared input and what to write."""

    conv: Conversion
    documents: list[list[Line]]
    page: PagePieces
    grammar: Grammar
    formats: tuple[str, ...]
    spool: str
    """The folder the workers write their outputs to."""


_SHARED: list[_Shared] = []
"""Set in this process just before the workers are forked (they read it, never the pipe)."""


def can_fan_out(size: int, jobs: int) -> bool:
    """Worth trying: several workers wanted, a large input, and processes that can fork."""
    if jobs < 2 or size < MIN_BYTES:
        return False
    import multiprocessing  # only for a large input: a small one never starts a worker

    return "fork" in multiprocessing.get_all_start_methods()


def convert_fanned(data: bytes, name: str, formats: list[str], options: Options | None,
                   jobs: int, progress: Progress | None = None) -> FannedOut | Conversion | None:
    """Convert ``data`` with ``jobs`` workers. An input of one document is converted here
    (its Conversion is returned, for the usual writers), and so is any input where no
    temporary folder can be made for the spool; None where a worker could not do its part:
    the caller converts the input again the usual way, which reports any error as usual.
    ``progress`` is told as runs of documents come back (see ``pipeline.Progress``)."""
    opts = options or Options()
    prepared = prepare(data, name, opts)
    try:
        spool = tempfile.TemporaryDirectory(prefix="speech2tei-") if len(prepared.documents) > 1 else None
    except OSError:  # no writable temporary folder: this process does it all
        spool = None
    if spool is None:
        return convert_prepared(prepared, opts, progress=progress)
    fanned = None
    try:
        runs = _parse_in_workers(prepared, opts, formats, jobs, spool.name, progress)
        fanned = None if runs is None else _assemble(prepared, opts, runs, formats, spool)
        return fanned
    finally:
        if fanned is None:  # nothing will read the spool: a failure, or Ctrl-C
            spool.cleanup()


def _parse_in_workers(prepared: Prepared, opts: Options, formats: list[str], jobs: int,
                      spool: str, progress: Progress | None = None) -> list[Run] | None:
    """Every run of documents converted, in order; None when a worker failed or died."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    from .batch import ignore_sigint, sigint_held, stop_pool, warm_up

    warm_up(formats, opts)  # every pattern, table and validator built once, here: the workers inherit them
    conv = prepared.conv
    grammar = opts.grammar or default_grammar()
    _SHARED[:] = [_Shared(conv, prepared.documents, PagePieces(conv), grammar, tuple(formats), spool)]
    sizes = list(map(chars_of, prepared.documents))
    total = sum(sizes)
    tasks = list(document_runs(sizes, task_chars(total, jobs)))
    pool: ProcessPoolExecutor | None = None
    try:
        with sigint_held():  # the workers are forked here
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=ignore_sigint,
                                       mp_context=multiprocessing.get_context("fork"))
            futures = {pool.submit(_convert_run, task): task for task in tasks}
        runs: dict[tuple[int, int], Run] = {}
        done = 0
        for future in as_completed(futures):
            run = future.result()
            if run is None:
                return None
            start, stop = futures[future]
            runs[start, stop] = run
            if progress is not None:
                done += sum(sizes[start:stop])
                progress(done, total)
        return [runs[task] for task in tasks]
    except BrokenProcessPool:
        return None
    except BaseException:  # Ctrl-C: end the workers now (they write only to the spool)
        if pool is not None:
            stop_pool(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        _SHARED.clear()


def task_chars(total: int, jobs: int) -> int:
    """Characters per task: ``TASKS_PER_WORKER`` tasks for each worker, ``TASK_CHARS`` at most."""
    return max(1, min(TASK_CHARS, total // (jobs * TASKS_PER_WORKER)))


def document_runs(sizes: list[int], chars: int) -> Iterator[tuple[int, int]]:
    """Consecutive documents (of ``sizes`` characters) in runs ``[start, stop)`` of about
    ``chars`` characters each."""
    start, size = 0, 0
    for index, chars_here in enumerate(sizes):
        size += chars_here
        if size >= chars:
            yield start, index + 1
            start, size = index + 1, 0
    if start < len(sizes):
        yield start, len(sizes)


def _convert_run(bounds: tuple[int, int]) -> Run | None:
    """In a worker: parse, check and write documents ``start`` to ``stop`` (0-based), their
    outputs to the run's spool files."""
    from .gcpause import paused_gc

    shared = _SHARED[0]
    start, stop = bounds
    files = {fmt: os.path.join(shared.spool, f"{start:09d}.{fmt}") for fmt in shared.formats}
    try:
        with paused_gc(), ExitStack() as stack:
            spooled = {fmt: stack.enter_context(open(path, "wb")) for fmt, path in files.items()}
            parts = []
            for index in range(start, stop):
                part, outputs = _convert_one(shared, index)
                for fmt, data in outputs.items():
                    spooled[fmt].write(data)
                parts.append(part)
        return Run(parts, files)
    except Exception:  # reported by converting again in the parent, the usual way
        return None


class _Refused(Exception):
    """A document the schema or the TEI writer refuses (the parent converts the input again)."""


def _convert_one(shared: _Shared, index: int) -> tuple[Part, dict[str, bytes]]:
    """Document ``index``'s part and its outputs by format, as the whole output holds them
    (the JSON after its comma)."""
    from .jsonio import document_json_bytes, joined_documents

    number = index + 1
    doc = parse_document(shared.documents[index], number, shared.grammar)
    json = document_json_bytes(doc, number, write="json" in shared.formats)  # validated anyway
    if json is None:
        raise _Refused(f"document {number}")
    outputs: dict[str, bytes] = {}
    if "json" in shared.formats:
        outputs["json"] = joined_documents([json], index)[0]
    ids: set[str] = set()
    if "tei" in shared.formats:
        from .tei import check_corpus_member, iter_corpus_member

        check_corpus_member(doc, ids)
        outputs["tei"] = b"".join(iter_corpus_member(shared.conv, doc, number))
    segment = document_segment(doc, shared.page)
    if segment is None:
        raise _Refused(f"document {number}: a piece outside its lines")
    from .batch import reported

    sections, warnings = reported(doc)
    return Part(segment=segment, ids=list(ids), sections=sections, warnings=warnings), outputs


def _assemble(prepared: Prepared, opts: Options, runs: list[Run], formats: list[str],
              spool: tempfile.TemporaryDirectory[str]) -> FannedOut | None:
    """The outputs of the whole input from its runs (None: a check failed): each format's
    frame around its spool files, read as the outputs are written."""
    from .jsonio import json_envelope

    parts = [part for run in runs for part in run.parts]
    segments = [part.segment for part in parts]
    if not spans_apart(segments):
        return None
    finish(prepared, opts, segments)
    conv = prepared.conv
    envelope = json_envelope(conv)  # validated anyway
    if envelope is None:
        return None
    frames = {"json": envelope}
    if "tei" in formats:
        frame = _tei_frame(conv, parts)
        if frame is None:
            return None
        frames["tei"] = frame
    outputs = {fmt: _spooled(frames[fmt], [run.files[fmt] for run in runs], spool) for fmt in formats}
    warnings = [w for part in parts for w in part.warnings]
    return FannedOut(outputs, len(parts), sum(part.sections for part in parts), warnings)


def _tei_frame(conv: Conversion, parts: list[Part]) -> tuple[bytes, bytes] | None:
    """The teiCorpus before its members and after; None if section ids repeat across them."""
    from .tei import TeiWriteError, check_frame, corpus_frame

    seen: set[str] = set()
    for part in parts:
        if not seen.isdisjoint(part.ids):
            return None
        seen.update(part.ids)
    try:
        check_frame(conv)
    except TeiWriteError:
        return None
    return corpus_frame(conv)


def _spooled(frame: tuple[bytes, bytes], files: list[str],
             spool: tempfile.TemporaryDirectory[str]) -> Iterator[bytes]:
    """The frame's opening, the files' bytes a block at a time (each file removed once read),
    the frame's closing. ``spool`` is held until then: the folder goes with the last reader."""
    yield frame[0]
    for path in files:
        with open(path, "rb") as fh:
            while block := fh.read(BLOCK):
                yield block
        os.unlink(path)
    yield frame[1]
    del spool
