"""Converting many inputs: expand directories, plan outputs, convert, write atomically.

A failing file is reported and skipped; the batch goes on and ends with exit code 1. Outputs
are written to a temporary file beside the target and renamed into place, so an interrupted or
failed conversion never leaves a half-written file, and an existing output is never
overwritten without ``--force``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, OutputError, Speech2TeiError
from .model import Conversion, iter_sections
from .pipeline import Explained, Options, convert_bytes

SUFFIX = {"json": ".json", "tei": ".xml"}
TEI_NS = b"http://www.tei-c.org/ns/1.0"


@dataclass(slots=True)
class BatchSettings:
    inputs: list[str]
    formats: list[str]
    output: Path | None = None
    options: Options = field(default_factory=Options)
    force: bool = False
    skip_existing: bool = False
    glob: str = "*.txt"
    jobs: int = 0
    quiet: bool = False
    verbose: bool = False


@dataclass(slots=True)
class Item:
    """One input and where its outputs go (None: standard output)."""

    source: str
    relative: Path
    targets: dict[str, Path | None] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    source: str
    outputs: dict[str, bytes] = field(default_factory=dict)
    documents: int = 0
    sections: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


# --- reading -----------------------------------------------------------------------------


def _read_bytes(source: str) -> tuple[bytes, str]:
    if source == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    path = Path(source)
    try:
        return path.read_bytes(), source
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


def conversion_from_bytes(data: bytes, name: str, options: Options,
                          explain: list[Explained] | None = None) -> Conversion:
    """Our own JSON/TEI are read back; anything else goes through the pipeline."""
    own = options.fmt if options.fmt in ("json", "tei") else sniff_own_format(data)
    if own == "json":
        from .jsonio import read_json

        return read_json(data, name)
    if own == "tei":
        from .tei_reader import read_tei

        return read_tei(data, name)
    return convert_bytes(data, name, options, explain)


def read_conversion(source: str, options: Options, explain: list[Explained] | None = None) -> Conversion:
    data, name = _read_bytes(source)
    return conversion_from_bytes(data, name, options, explain)


# --- writing -----------------------------------------------------------------------------


def render(conv: Conversion, fmt: str) -> bytes:
    """Serialize after validation (the JSON writer validates; TEI is checked by its writer)."""
    if fmt == "json":
        from .jsonio import to_json_bytes

        return to_json_bytes(conv)
    from .jsonio import to_json_bytes
    from .tei import write_tei

    to_json_bytes(conv)  # parse → validate → serialize: the tree is checked whatever the format
    return write_tei(conv)


def write_atomic(target: Path, data: bytes, *, force: bool) -> None:
    """Write through a temporary file in the same folder, then rename into place."""
    if target.exists() and not force:
        raise OutputError("output exists (use --force to overwrite)", path=str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", path=str(target)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- planning ----------------------------------------------------------------------------


def expand_inputs(inputs: list[str], glob: str) -> Iterator[Item]:
    """Files as given; directories recursively with ``glob``, keeping their relative paths."""
    for source in inputs:
        path = Path(source)
        if source != "-" and path.is_dir():
            for found in sorted(path.rglob(glob)):
                if found.is_file():
                    yield Item(str(found), found.relative_to(path))
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
    for item in items:
        for fmt in formats:
            item.targets[fmt] = output if as_file else output / item.relative.with_suffix(SUFFIX[fmt])


# --- converting --------------------------------------------------------------------------


def convert_item(source: str, formats: list[str], options: Options) -> Outcome:
    """Convert one input to every requested format; errors become part of the outcome."""
    outcome = Outcome(source)
    try:
        conv = read_conversion(source, options)
        for fmt in formats:
            outcome.outputs[fmt] = render(conv, fmt)
    except Speech2TeiError as exc:
        outcome.error = str(exc) if exc.path else f"{source}: {exc}"
        return outcome
    outcome.documents = len(conv.documents)
    outcome.sections = sum(sum(1 for _ in iter_sections(d.body)) for d in conv.documents)
    for doc in conv.documents:
        for w in doc.warnings:
            if w.severity != "info":
                outcome.warnings.append(f"{source}:{w.line or 0}: {w.code}: {w.message}")
    return outcome


def _outcomes(todo: list[Item], settings: BatchSettings) -> Iterator[Outcome]:
    jobs = settings.jobs or os.cpu_count() or 1
    if jobs == 1 or len(todo) < 2 or any(i.source == "-" for i in todo):
        for item in todo:
            yield convert_item(item.source, settings.formats, settings.options)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
        futures = [pool.submit(convert_item, i.source, settings.formats, settings.options) for i in todo]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def run_batch(settings: BatchSettings) -> int:
    """Convert everything; return 0 when all succeeded, 1 when any input failed."""
    items = list(expand_inputs(settings.inputs, settings.glob))
    if not items:
        raise InputError("no input files found")
    plan_targets(items, settings.formats, settings.output)
    by_source = {item.source: item for item in items}
    todo = []
    for item in items:
        targets = [t for t in item.targets.values() if t is not None]
        if settings.skip_existing and targets and all(t.exists() for t in targets):
            continue
        todo.append(item)
    progress = _Progress(len(todo), settings.quiet)
    started, failed, docs, sections, warnings = time.perf_counter(), 0, 0, 0, 0
    for outcome in _outcomes(todo, settings):
        item = by_source[outcome.source]
        if outcome.error is None:
            try:
                _write_outputs(item, outcome, settings.force)
            except Speech2TeiError as exc:
                outcome.error = str(exc)
        if outcome.error is not None:
            failed += 1
            progress.say(f"error: {outcome.error}")
        else:
            docs, sections, warnings = docs + outcome.documents, sections + outcome.sections, \
                warnings + len(outcome.warnings)
            if settings.verbose:
                for line in outcome.warnings:
                    progress.say(line)
        progress.step(outcome.source, outcome.error is None)
    if not settings.quiet and (len(items) > 1 or settings.output is not None):
        skipped = len(items) - len(todo)
        progress.say(f"{len(todo) - failed} converted, {failed} failed, {skipped} skipped; "
                     f"{docs} documents, {sections} sections, {warnings} warnings; "
                     f"{time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


def _write_outputs(item: Item, outcome: Outcome, force: bool) -> None:
    for fmt, data in outcome.outputs.items():
        target = item.targets[fmt]
        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            write_atomic(target, data, force=force)


class _Progress:
    """Plain progress lines on stderr (one per file) when it is not a terminal, else a counter."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.done, self.quiet = total, 0, quiet
        self.tty = sys.stderr.isatty()

    def say(self, message: str) -> None:
        if self.tty and not self.quiet:
            sys.stderr.write("\r\033[K")
        sys.stderr.write(message + "\n")

    def step(self, source: str, ok: bool) -> None:
        self.done += 1
        if self.quiet or self.total < 2:
            return
        if self.tty:
            sys.stderr.write(f"\r[{self.done}/{self.total}] {source[-60:]}")
            if self.done == self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(f"[{self.done}/{self.total}] {'ok' if ok else 'FAILED'} {source}\n")
        sys.stderr.flush()
