"""Converting many inputs: expand directories, plan outputs, convert in a process pool, write.

What a user of a large archive relies on:

* A failing file is reported and skipped; the batch goes on and ends with exit code 1.
* Outputs are written to a temporary file beside the target and linked or renamed into place,
  so an interrupted or failed conversion never leaves a half-written file, and an existing
  output is never overwritten without ``--force`` (checked before converting, and again
  atomically when writing).
* ``--skip-existing`` resumes an interrupted batch: inputs whose outputs all exist are skipped,
  and only the missing outputs of the others are written.
* Ctrl-C stops cleanly: workers ignore SIGINT and write nothing (they return bytes), the parent
  cancels what is queued, ends the workers, removes its temporary file and returns 130.
* Workers convert with settings sent once (pool initializer), so the grammar, the JSON Schema
  validator and lxml are compiled or imported once per worker, not once per file.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, count
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, OutputError, Speech2TeiError

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from .fanout import FannedOut
    from .model import Conversion, Diagnostic, Document
    from .pipeline import Explained, Options, Progress

Output = bytes | Iterator[bytes]
"""An output's bytes, or its chunks where it is written as it is made (TEI in this process)."""

SUFFIX = {"json": ".json", "tei": ".xml"}
TEI_NS = b"http://www.tei-c.org/ns/1.0"
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
QUEUED_PER_WORKER = 4
"""Files handed to the pool ahead of time per worker: keeps workers busy, bounds memory."""
PROGRESS_BYTES = 1_000_000
"""A single input this large gets a progress bar on a terminal too (a 50 MB dump takes tens
of seconds), advanced as its documents are converted."""
PROGRESS_EVERY = 0.1
"""Seconds between redraws of the bar while one input's documents are converted."""
WARM_UP_TEXT = "题目\n同志们：\n一、总体要求\n（一）工作目标\n二、重点任务\n"
"""A tiny speech each worker converts first, so every table and validator is built once."""


@dataclass(slots=True)
class BatchSettings:
    inputs: list[str]
    formats: list[str]
    output: Path | None = None
    options: Options | None = None
    force: bool = False
    skip_existing: bool = False
    glob: str = "*.txt"
    jobs: int = 0
    """Worker processes; 0 means one per core, 1 converts in this process."""
    quiet: bool = False
    verbose: bool = False


@dataclass(slots=True)
class Item:
    """One input and where its outputs go (None: standard output)."""

    source: str
    relative: Path
    targets: dict[str, Path | None] = field(default_factory=dict)
    size: int = 0


@dataclass(slots=True)
class Outcome:
    source: str
    outputs: dict[str, Output] = field(default_factory=dict)
    documents: int = 0
    sections: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    size: int = 0
    code: int = 1
    """Exit code of the error (2 unreadable input, 3 invalid tree, 4 output not writable)."""


@dataclass(slots=True)
class Tally:
    """What the summary line reports."""

    files: int = 0
    converted: int = 0
    failed: int = 0
    skipped: int = 0
    documents: int = 0
    sections: int = 0
    warnings: int = 0
    size: int = 0
    error_code: int = EXIT_FAILED
    """Exit code of the first failure."""
    started: float = field(default_factory=time.perf_counter)

    def add(self, outcome: Outcome) -> None:
        if outcome.error is not None:
            self.failed += 1
            return
        self.converted += 1
        self.documents += outcome.documents
        self.sections += outcome.sections
        self.warnings += len(outcome.warnings)
        self.size += outcome.size

    def line(self) -> str:
        seconds = time.perf_counter() - self.started
        rate = f" ({_bytes(self.size / seconds)}/s)" if seconds > 0 and self.size else ""
        return (f"{self.files} files: {self.converted} converted, {self.failed} failed, "
                f"{self.skipped} skipped; {self.documents} documents, {self.sections} sections, "
                f"{self.warnings} warnings; {_bytes(self.size)} in {seconds:.1f} s{rate}")


def _bytes(size: float) -> str:
    """A size for people: 812 B, 14.2 kB, 3.1 MB, 1.2 GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:.0f} B"


# --- reading -----------------------------------------------------------------------------


def _read_bytes(source: str) -> tuple[bytes, str]:
    if source == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    from .model import printable_name

    path = Path(source)
    try:
        return path.read_bytes(), printable_name(source)
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", path=source) from exc
    except FileNotFoundError as exc:
        raise InputError("no such file", path=source) from exc
    except PermissionError as exc:
        raise InputError("permission denied", path=source) from exc


def sniff_own_format(data: bytes) -> str | None:
    """``json`` or ``tei`` when the input is one of our own outputs, else None."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and b'"speech2tei"' in head:
        return "json"
    if head.startswith(b"<") and TEI_NS in head:
        return "tei"
    return None


def own_format(data: bytes, options: Options | None) -> str | None:
    """``json`` or ``tei`` when the input is to be read back as one of our outputs."""
    fmt = options.fmt if options is not None else None
    return fmt if fmt in ("json", "tei") else sniff_own_format(data)


def conversion_from_bytes(data: bytes, name: str, options: Options | None,
                          explain: list[Explained] | None = None, progress: Progress | None = None) -> Conversion:
    """Our own JSON/TEI are read back; anything else goes through the pipeline."""
    own = own_format(data, options)
    if own == "json":
        from .jsonio import read_json

        return read_json(data, name)
    if own == "tei":
        from .tei_reader import read_tei

        return read_tei(data, name)
    from .pipeline import convert_bytes

    return convert_bytes(data, name, options, explain, progress)


def read_conversion(source: str, options: Options | None, explain: list[Explained] | None = None) -> Conversion:
    data, name = _read_bytes(source)
    return conversion_from_bytes(data, name, options, explain)


# --- writing -----------------------------------------------------------------------------


def render_outputs(conv: Conversion, formats: list[str], *, stream: bool = False) -> dict[str, Output]:
    """Every requested format. The tree is validated once, by the JSON writer (parse →
    validate → serialize), whatever the formats: TEI is only written for a valid tree.

    With ``stream`` the JSON comes as one chunk per document and the TEI as chunks written
    to the file as they are made, so neither is ever joined into one string in memory (each
    about twice the input's size). Its first chunk is made here:
    that runs every check of the TEI writer, so a refusal still comes before any output.
    """
    from .jsonio import to_json_chunks

    json_chunks = to_json_chunks(conv)
    outputs: dict[str, Output] = {}
    for fmt in formats:
        if fmt == "json":
            outputs[fmt] = iter(json_chunks) if stream else b"".join(json_chunks)
        elif stream:
            from .tei import iter_tei

            chunks = iter_tei(conv)
            outputs[fmt] = chain([next(chunks)], chunks)
        else:
            from .tei import write_tei

            outputs[fmt] = write_tei(conv)
    return outputs


@lru_cache(maxsize=1)
def _file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give (mkstemp makes 0600 files)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(target: Path, data: Output, *, force: bool) -> None:
    """Write through a temporary file in the same folder, then put it in place at once.

    Without ``force`` the temporary file is hard-linked to the target, which fails if the
    target appeared meanwhile (no check-then-write race); with ``force`` it is renamed over it.
    The temporary file is listed before it exists and until it is gone, so a Ctrl-C at any
    moment in between leaves nothing the batch does not remove (``remove_temporaries``).
    """
    if target.exists() and not force:
        raise OutputError("output exists (use --force to overwrite)", path=str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp, fd = _create_temporary(target)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", path=str(target)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _file_mode())
            fh.writelines([data] if isinstance(data, bytes) else data)
        if force:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(target)) from exc
    finally:
        _remove_temporary(tmp)


_TEMPORARIES: set[str] = set()
"""Temporary files of ``write_atomic`` that may exist: each is added before it is created
and taken out after it is removed."""
_TEMPORARY_NUMBERS = count()


def _create_temporary(target: Path) -> tuple[str, int]:
    """A new file ``.NAME.PID-N.part`` beside ``target``, open for writing: its path and fd.

    Named here and listed before it is created (``tempfile.mkstemp`` creates it before the
    caller can know its name, and a Ctrl-C in between would leave it behind)."""
    while True:
        tmp = str(target.parent / f".{target.name}.{os.getpid()}-{next(_TEMPORARY_NUMBERS)}.part")
        _TEMPORARIES.add(tmp)
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # left by an earlier process of the same number: not ours
            _TEMPORARIES.discard(tmp)
        except OSError:  # not created (a Ctrl-C here keeps it listed: it may have been)
            _TEMPORARIES.discard(tmp)
            raise


def _remove_temporary(tmp: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(tmp)
    _TEMPORARIES.discard(tmp)


def remove_temporaries() -> None:
    """Remove what an interrupted ``write_atomic`` may have left (after Ctrl-C)."""
    for tmp in list(_TEMPORARIES):
        with suppress(OSError):
            _remove_temporary(tmp)


def _link_new(tmp: str, target: Path) -> None:
    """Give the temporary file the target's name, refusing to replace an existing file."""
    try:
        os.link(tmp, target)
    except FileExistsError as exc:
        raise OutputError("output exists (use --force to overwrite)", path=str(target)) from exc
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise OutputError("output exists (use --force to overwrite)", path=str(target)) from None
        os.replace(tmp, target)


# --- planning ----------------------------------------------------------------------------


def expand_inputs(inputs: list[str], glob: str, exclude: Path | None = None) -> Iterator[Item]:
    """Files as given; directories recursively with ``glob``, keeping their relative paths.

    Files found under ``exclude`` (the output folder, when it lies inside an input folder) are
    left out, so a second run does not convert the first run's outputs.
    """
    skip = exclude.resolve() if exclude is not None and exclude.is_dir() else None
    for source in inputs:
        path = Path(source)
        if source != "-" and path.is_dir():
            found_any = False
            for found in sorted(path.rglob(glob)):
                if not found.is_file() or found.name.endswith(".part"):
                    continue
                if skip is not None and found.resolve().is_relative_to(skip):
                    continue
                found_any = True
                yield Item(str(found), found.relative_to(path))
            if not found_any:
                raise InputError(f"a directory with no files matching --glob {glob!r}", path=source)
        else:
            yield Item(source, Path(path.name if source != "-" else "stdin"))


def plan_targets(items: list[Item], formats: list[str], output: Path | None) -> None:
    """Decide every output path: one file, a mirrored tree under a folder, or stdout."""
    single = len(items) == 1 and len(formats) == 1
    if output is None:
        if not single:
            raise OutputError("several inputs or formats need -o OUTDIR")
        items[0].targets[formats[0]] = None
        return
    as_file = single and output.suffix.lower() in (".json", ".xml") and not output.is_dir()
    owner: dict[Path, str] = {}
    for item in items:
        for fmt in formats:
            target = output if as_file else output / item.relative.with_suffix(SUFFIX[fmt])
            if target in owner:
                raise OutputError(f"{owner[target]} and {item.source} would both write {target}")
            owner[target] = item.source
            item.targets[fmt] = target


def select_work(items: list[Item], settings: BatchSettings, tally: Tally) -> tuple[list[Item], list[Outcome]]:
    """The items to convert, and failures known before converting (outputs in the way).

    With ``--skip-existing`` an input whose outputs all exist is skipped and existing outputs
    of the others are left alone; without it and without ``--force`` an existing output makes
    the input fail at once, without spending time converting it.
    """
    todo: list[Item] = []
    refused: list[Outcome] = []
    for item in items:
        existing = [fmt for fmt, t in item.targets.items() if t is not None and t.exists()]
        if existing and settings.skip_existing and not settings.force:
            if len(existing) == len(item.targets):
                tally.skipped += 1
                continue
            item.targets = {fmt: t for fmt, t in item.targets.items() if fmt not in existing}
        elif existing and not settings.force:
            target = item.targets[existing[0]]
            refused.append(Outcome(item.source, error=f"{target}: output exists "
                                   "(use --force to overwrite, --skip-existing to resume)",
                                   code=OutputError.exit_code))
            continue
        item.size = _size(item.source)
        todo.append(item)
    return todo, refused


def _size(source: str) -> int:
    try:
        return os.stat(source).st_size if source != "-" else 0
    except OSError:
        return 0


# --- converting --------------------------------------------------------------------------


def convert_item(source: str, formats: list[str], options: Options | None, *, stream: bool = False,
                 jobs: int = 1, progress: Progress | None = None) -> Outcome:
    """Convert one input to every requested format; errors become part of the outcome.

    Anything else that goes wrong inside the pipeline (a bug, memory) is also caught here: it
    costs that file, not the batch. ``stream`` (this process writes the outputs) lets the TEI
    be written chunk by chunk; a worker process returns bytes. With ``jobs`` > 1 a large
    input's documents are converted in that many processes (``fanout``). ``progress`` is
    told as its documents are converted (see ``pipeline.Progress``).
    """
    from .fanout import FannedOut
    from .gcpause import paused_gc

    outcome = Outcome(source)
    try:
        data, name = _read_bytes(source)
        outcome.size = len(data)
        with paused_gc():
            fanned = _convert_fanned(data, name, formats, options, jobs, progress)
            if not isinstance(fanned, FannedOut):
                conv = fanned or conversion_from_bytes(data, name, options, progress=progress)
                outcome.outputs = render_outputs(conv, formats, stream=stream)
    except Speech2TeiError as exc:
        outcome.error = str(exc) if exc.path else f"{source}: {exc}"
        outcome.code = exc.exit_code
        return outcome
    except Exception as exc:  # one bad file must not stop the batch
        outcome.error = f"{source}: internal error ({type(exc).__name__}: {exc}); please report it"
        return outcome
    if isinstance(fanned, FannedOut):
        outcome.outputs = dict(fanned.outputs)
        outcome.documents, outcome.sections = fanned.documents, fanned.sections
        warnings = fanned.warnings
    else:
        outcome.documents = len(conv.documents)
        warnings = []
        for doc in conv.documents:
            sections, noted = reported(doc)
            outcome.sections += sections
            warnings.extend(noted)
    outcome.warnings = [f"{source}:{w.line or 0}: {w.code}: {w.message}" for w in warnings]
    return outcome


def reported(doc: Document) -> tuple[int, list[Diagnostic]]:
    """What the summary counts of a document: its sections, and its warnings (not the
    notes of severity info)."""
    from .model import iter_sections

    return sum(1 for _ in iter_sections(doc.body)), [w for w in doc.warnings if w.severity != "info"]


def _convert_fanned(data: bytes, name: str, formats: list[str], options: Options | None,
                    jobs: int, progress: Progress | None) -> FannedOut | Conversion | None:
    """The input converted by ``jobs`` processes (see ``fanout.convert_fanned``), or None
    where one process is the way."""
    from .fanout import can_fan_out, convert_fanned

    if not can_fan_out(len(data), jobs) or own_format(data, options) is not None:
        return None
    return convert_fanned(data, name, formats, options, jobs, progress)


_WORKER_OPTIONS: list[Options | None] = []
"""The options of this worker process, set once by ``_init_worker`` (sent once, not per file)."""


def ignore_sigint() -> None:
    """In a worker: Ctrl-C is for the parent, which stops the workers itself. The parent
    starts workers with SIGINT held (``sigint_held``): released only once it is ignored, a
    Ctrl-C at that moment cannot interrupt a worker half-born and print its traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C while worker processes may be started (they inherit the held signal); a
    Ctrl-C meanwhile arrives, in this process, at the end of the block."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _init_worker(formats: list[str], options: Options | None) -> None:
    """Runs once in each worker: leave Ctrl-C to the parent, keep the settings, warm up."""
    ignore_sigint()
    _WORKER_OPTIONS[:] = [options]
    warm_up(formats, options)


def warm_up(formats: list[str], options: Options | None) -> None:
    """Build every per-process cache (grammar, rule tables, schema validator, lxml) now.

    A failure here is not reported: the same failure will name the first real file.
    """
    from .pipeline import convert_bytes

    with suppress(Exception):
        render_outputs(convert_bytes(WARM_UP_TEXT.encode("utf-8"), "warm-up.txt", options), formats)


def _convert_in_worker(source: str, formats: list[str]) -> Outcome:
    return convert_item(source, formats, _WORKER_OPTIONS[0])


def worker_count(jobs: int, files: int) -> int:
    """``--jobs``, where 0 means one per core, never more than there are files."""
    wanted = jobs if jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, files))


def _outcomes(todo: list[Item], settings: BatchSettings, report: _Reporter) -> Iterator[Outcome]:
    jobs = worker_count(settings.jobs, len(todo))
    if jobs == 1 or any(i.source == "-" for i in todo):
        in_file = worker_count(settings.jobs, sys.maxsize) if len(todo) == 1 else 1
        for item in todo:
            yield convert_item(item.source, list(item.targets), settings.options, stream=True, jobs=in_file,
                               progress=report.within(item.source, item.size))
        return
    yield from _PoolRun(todo, settings, jobs).outcomes()


class _PoolRun:
    """Feed a process pool a few files at a time and survive a worker that dies.

    Largest files go first (a big file started last would finish alone). If a worker process
    dies (killed, out of memory), the files it may have held are retried one at a time in a
    fresh pool, so only the file that kills a worker is reported as failed.
    """

    def __init__(self, todo: list[Item], settings: BatchSettings, jobs: int) -> None:
        self.queue = deque(sorted(todo, key=lambda i: i.size, reverse=True))
        self.suspects: deque[Item] = deque()
        self.settings, self.jobs = settings, jobs

    def outcomes(self) -> Iterator[Outcome]:
        import multiprocessing  # here, not at the top: a one-file convert never starts a pool

        if multiprocessing.get_start_method() == "fork":
            warm_up(self.settings.formats, self.settings.options)  # once here; forked workers inherit it
        while self.queue:
            yield from self._run(self.queue, self.jobs, retry=True)
        while self.suspects:
            yield from self._run(self.suspects, 1, retry=False)

    def _run(self, queue: deque[Item], jobs: int, *, retry: bool) -> Iterator[Outcome]:
        """Run ``queue`` until empty or until the pool breaks (the caller starts a new one)."""
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        formats = self.settings.formats
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                   initargs=(formats, self.settings.options))
        pending: dict[Future[Outcome], Item] = {}
        try:
            while queue or pending:
                while queue and len(pending) < jobs * (QUEUED_PER_WORKER if retry else 1):
                    item = queue.popleft()
                    with sigint_held():  # submitting may start a worker
                        pending[pool.submit(_convert_in_worker, item.source, list(item.targets))] = item
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        yield from self._broken(item, [*pending.values()], retry)
                        pending.clear()
                        return
        except BaseException:
            stop_pool(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _broken(self, item: Item, others: list[Item], retry: bool) -> Iterator[Outcome]:
        if not retry:
            yield Outcome(item.source, error=f"{item.source}: the worker process died converting it "
                          "(out of memory or a crash)")
            self.suspects.extend(others)
            return
        self.suspects.extend([item, *others])


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers now: they hold no file open for writing."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def run_batch(settings: BatchSettings) -> int:
    """Convert everything; 0 when all succeeded, 1 when any input failed, 130 on Ctrl-C."""
    items = list(expand_inputs(settings.inputs, settings.glob, exclude=settings.output))
    if not items:
        raise InputError("no input files found")
    plan_targets(items, settings.formats, settings.output)
    tally = Tally(files=len(items))
    todo, refused = select_work(items, settings, tally)
    with _reporter(settings.quiet, len(items) - tally.skipped, sum(i.size for i in todo)) as report:
        try:
            for outcome in refused:
                _record(outcome, tally, report, settings.verbose)
            _convert_all(todo, settings, tally, report)
        except KeyboardInterrupt:
            interrupted = True
        else:
            interrupted = False
    if interrupted:
        remove_temporaries()
        _Reporter(0).say(f"interrupted: {tally.converted} converted; every output written is complete "
                         "(rerun with --skip-existing to resume)", always=True)
        return EXIT_INTERRUPTED
    if not settings.quiet and (len(items) > 1 or settings.output is not None):
        _Reporter(0).say(tally.line(), always=True)
    if tally.failed and len(items) == 1:
        return tally.error_code  # one input: its exit code says what kind of failure it was
    return EXIT_FAILED if tally.failed else EXIT_OK


def _convert_all(todo: list[Item], settings: BatchSettings, tally: Tally, report: _Reporter) -> None:
    """Convert, write and report each input as its conversion comes back."""
    by_source = {item.source: item for item in todo}
    with closing(_outcomes(todo, settings, report)) as outcomes:
        for outcome in outcomes:
            _write_outputs(by_source[outcome.source], outcome, settings.force)
            _record(outcome, tally, report, settings.verbose)


def _write_outputs(item: Item, outcome: Outcome, force: bool) -> None:
    """Write an outcome's outputs; a write error turns it into a failure."""
    if outcome.error is not None:
        return
    try:
        for fmt, data in outcome.outputs.items():
            target = item.targets[fmt]
            if target is None:
                sys.stdout.buffer.writelines([data] if isinstance(data, bytes) else data)
                sys.stdout.buffer.flush()
            else:
                write_atomic(target, data, force=force)
    except Speech2TeiError as exc:
        outcome.error, outcome.code = str(exc), exc.exit_code
    except Exception as exc:  # a streamed output failing half-way: its temporary file is gone
        outcome.error = f"{item.source}: internal error ({type(exc).__name__}: {exc}); please report it"
    outcome.outputs = {}


def _record(outcome: Outcome, tally: Tally, report: _Reporter, verbose: bool) -> None:
    if outcome.error is not None and not tally.failed:
        tally.error_code = outcome.code
    tally.add(outcome)
    if outcome.error is not None:
        report.say(f"error: {outcome.error}", always=True)
    elif verbose:
        for line in outcome.warnings:
            report.say(line, always=True)
    report.step(outcome.source, outcome.size, outcome.error is None)


# --- progress ----------------------------------------------------------------------------


def _reporter(quiet: bool, total: int, total_bytes: int) -> _Reporter:
    """A rich progress bar on a terminal (several inputs, or one large one), plain lines
    otherwise, nothing (but errors) when quiet."""
    if quiet:
        return _Reporter(total)
    if sys.stderr.isatty() and (total > 1 or total_bytes >= PROGRESS_BYTES):
        return _RichReporter(total, total_bytes)
    return _PlainReporter(total)


class _Reporter:
    """Quiet: only error lines (``always``) reach stderr."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def __enter__(self) -> _Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def say(self, message: str, *, always: bool = False) -> None:
        if always:
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    def step(self, source: str, size: int, ok: bool) -> None:
        self.done += 1

    def within(self, source: str, size: int) -> Progress | None:
        """What to tell while an input of ``size`` bytes is converted (None: nothing)."""
        return None


class _PlainReporter(_Reporter):
    """One line per file on stderr (for logs and pipes), and every message."""

    def say(self, message: str, *, always: bool = False) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    def step(self, source: str, size: int, ok: bool) -> None:
        self.done += 1
        if self.total > 1:
            self.say(f"[{self.done}/{self.total}] {'ok' if ok else 'FAILED'} {source}")


class _RichReporter(_Reporter):
    """A progress bar over the bytes to convert, with the file count and the current file.

    It is redrawn when a file completes, not by rich's refresh thread: the process pool forks
    its workers, and forking a process that runs other threads can deadlock the children.
    """

    def __init__(self, total: int, total_bytes: int) -> None:
        super().__init__(total)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.console = Console(stderr=True, highlight=False)
        self.progress = Progress(
            BarColumn(), TextColumn("{task.fields[files]}"), TransferSpeedColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[current]}", markup=False),
            console=self.console, transient=False, auto_refresh=False)
        self.task = self.progress.add_task("convert", total=max(total_bytes, 1),
                                           files=f"0/{total} files", current="")
        self.bytes_done = 0
        """Bytes of the inputs converted (the bar may stand further on, within the current one)."""
        self.drawn = 0.0

    def __enter__(self) -> _Reporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def say(self, message: str, *, always: bool = False) -> None:
        from rich.text import Text

        self.console.print(Text(message))

    def step(self, source: str, size: int, ok: bool) -> None:
        self.done += 1
        self.bytes_done += size
        self.progress.update(self.task, completed=self.bytes_done, files=f"{self.done}/{self.total} files",
                             current=source[-50:])
        self.progress.refresh()
        self.drawn = time.monotonic()

    def within(self, source: str, size: int) -> Progress | None:
        """Move the bar through the input's ``size`` bytes as its documents are converted,
        redrawn at most every ``PROGRESS_EVERY`` seconds (a dump holds thousands)."""

        def told(done: int, total: int) -> None:
            now = time.monotonic()
            if now - self.drawn < PROGRESS_EVERY and done < total:
                return
            self.progress.update(self.task, completed=self.bytes_done + size * done // max(total, 1),
                                 current=f"{source[-40:]}: {done * 100 // max(total, 1)}% of its documents")
            self.progress.refresh()
            self.drawn = now

        return told
