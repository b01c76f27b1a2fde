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
pipe; where ``fork`` is not available the input is converted in one process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from .grammar import Grammar, default_grammar
from .ledger import PagePieces, Segment, document_segment, spans_apart
from .model import Conversion, Diagnostic, Line
from .pipeline import Options, Prepared, convert_prepared, finish, parse_document, prepare

MIN_BYTES = 1_000_000
"""Smaller inputs convert in one process: forking and warming up workers would cost more
than the parse they share (about 0.3 s per MB on one core)."""
TASK_CHARS = 300_000
"""Characters of text per task at most: the pipe and the task overhead stay a few percent."""
TASKS_PER_WORKER = 4
"""At least this many tasks per worker where documents allow: runs of documents differ in
size, and the workers should finish together."""


@dataclass(slots=True)
class Part:
    """What a worker hands back for one document: its outputs and what the summary needs."""

    json: bytes
    """Empty where JSON is not wanted (the document is validated all the same)."""
    tei: bytes | None
    segment: Segment
    """The document's stretch of the laid-out output, for the nothing-lost check."""
    ids: list[str]
    sections: int
    warnings: list[Diagnostic]


@dataclass(slots=True)
class FannedOut:
    """A converted input: outputs by format (in chunks), and the figures of the summary."""

    outputs: dict[str, list[bytes]]
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


_SHARED: list[_Shared] = []
"""Set in this process just before the workers are forked (they read it, never the pipe)."""


def can_fan_out(size: int, jobs: int) -> bool:
    """Worth trying: several workers wanted, a large input, and processes that can fork."""
    return jobs > 1 and size >= MIN_BYTES and "fork" in multiprocessing.get_all_start_methods()


def convert_fanned(data: bytes, name: str, formats: list[str], options: Options | None,
                   jobs: int) -> FannedOut | Conversion | None:
    """Convert ``data`` with ``jobs`` workers. An input of one document is converted here
    (its Conversion is returned, for the usual writers); None where a worker could not do
    its part: the caller converts the input again the usual way, which reports any error
    as usual."""
    opts = options or Options()
    prepared = prepare(data, name, opts)
    if len(prepared.documents) < 2:
        return convert_prepared(prepared, opts)
    parts = _parse_in_workers(prepared, opts, formats, jobs)
    if parts is None:
        return None
    return _assemble(prepared, opts, parts, formats)


def _parse_in_workers(prepared: Prepared, opts: Options, formats: list[str], jobs: int) -> list[Part] | None:
    """Every document's Part, in order; None when a worker failed or died."""
    from .batch import ignore_sigint, sigint_held, stop_pool, warm_up

    warm_up(formats, opts)  # every pattern, table and validator built once, here: the workers inherit them
    conv = prepared.conv
    grammar = opts.grammar or default_grammar()
    _SHARED[:] = [_Shared(conv, prepared.documents, PagePieces(conv), grammar, tuple(formats))]
    tasks = list(document_runs(prepared.documents, task_chars(prepared.documents, jobs)))
    pool: ProcessPoolExecutor | None = None
    try:
        with sigint_held():  # the workers are forked here
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=ignore_sigint,
                                       mp_context=multiprocessing.get_context("fork"))
            runs = [pool.submit(_convert_run, task) for task in tasks]
        parts: list[Part] = []
        for run in runs:
            done = run.result()
            if done is None:
                return None
            parts.extend(done)
        return parts
    except BrokenProcessPool:
        return None
    except BaseException:  # Ctrl-C: end the workers now (they write nothing)
        if pool is not None:
            stop_pool(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        _SHARED.clear()


def task_chars(documents: list[list[Line]], jobs: int) -> int:
    """Characters per task: ``TASKS_PER_WORKER`` tasks for each worker, ``TASK_CHARS`` at most."""
    total = sum(len(line.text) for lines in documents for line in lines)
    return max(1, min(TASK_CHARS, total // (jobs * TASKS_PER_WORKER)))


def document_runs(documents: list[list[Line]], chars: int) -> Iterator[tuple[int, int]]:
    """Consecutive documents in runs ``[start, stop)`` of about ``chars`` characters each."""
    start, size = 0, 0
    for index, lines in enumerate(documents):
        size += sum(len(line.text) for line in lines)
        if size >= chars:
            yield start, index + 1
            start, size = index + 1, 0
    if start < len(documents):
        yield start, len(documents)


def _convert_run(bounds: tuple[int, int]) -> list[Part] | None:
    """In a worker: parse, check and write documents ``start`` to ``stop`` (0-based)."""
    from .gcpause import paused_gc

    shared = _SHARED[0]
    try:
        with paused_gc():
            return [_convert_one(shared, index) for index in range(*bounds)]
    except Exception:  # reported by converting again in the parent, the usual way
        return None


class _Refused(Exception):
    """A document the schema or the TEI writer refuses (the parent converts the input again)."""


def _convert_one(shared: _Shared, index: int) -> Part:
    from .jsonio import document_json_bytes

    number = index + 1
    doc = parse_document(shared.documents[index], number, shared.grammar)
    json = document_json_bytes(doc, number, write="json" in shared.formats)  # validated anyway
    if json is None:
        raise _Refused(f"document {number}")
    tei = None
    ids: set[str] = set()
    if "tei" in shared.formats:
        from .tei import check_corpus_member, iter_corpus_member

        check_corpus_member(doc, ids)
        tei = b"".join(iter_corpus_member(shared.conv, doc, number))
    segment = document_segment(doc, shared.page)
    if segment is None:
        raise _Refused(f"document {number}: a piece outside its lines")
    from .batch import reported

    sections, warnings = reported(doc)
    return Part(json=json, tei=tei, segment=segment, ids=list(ids), sections=sections, warnings=warnings)


def _assemble(prepared: Prepared, opts: Options, parts: list[Part], formats: list[str]) -> FannedOut | None:
    """The outputs of the whole input from its documents' parts (None: a check failed)."""
    from .jsonio import spliced_json_bytes

    segments = [part.segment for part in parts]
    if not spans_apart(segments):
        return None
    finish(prepared, opts, segments)
    conv = prepared.conv
    json = spliced_json_bytes(conv, [part.json for part in parts])  # validated anyway
    if json is None:
        return None
    outputs: dict[str, list[bytes]] = {}
    for fmt in formats:
        if fmt == "json":
            outputs[fmt] = json
        else:
            tei = _assemble_tei(conv, parts)
            if tei is None:
                return None
            outputs[fmt] = tei
    warnings = [w for part in parts for w in part.warnings]
    return FannedOut(outputs, len(parts), sum(part.sections for part in parts), warnings)


def _assemble_tei(conv: Conversion, parts: list[Part]) -> list[bytes] | None:
    """The teiCorpus: its frame around the members; None if section ids repeat across them."""
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
    opening, closing = corpus_frame(conv)
    return [opening, *(part.tei or b"" for part in parts), closing]
