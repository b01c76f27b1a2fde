"""The pipeline, top to bottom: decode → clean → split → blocks → front → markers → tree.

Each stage is one module and one call here; this file only wires them and collects what they
report. Writers (JSON, TEI, outline) take the ``Conversion`` this returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .blocks import make_blocks
from .clean import clean_lines
from .errors import InputError
from .frontmatter import extract_front
from .gcpause import paused_gc
from .grammar import Grammar, default_grammar
from .ledger import Segment, check_nothing_lost
from .markers import Candidate, find_candidates, head_cuts, select_markers
from .model import Block, Conversion, Diagnostic, Document, FrontItem, Line, printable_name
from .readers import read_input
from .split import split_documents
from .tree import build_tree


@dataclass(slots=True)
class Options:
    """What a user can choose about reading an input."""

    encoding: str | None = None
    errors: str = "strict"
    fmt: str | None = None
    grammar: Grammar | None = None
    keep_boilerplate: bool = False
    """Keep site furniture as page-level notes instead of only listing it as removed."""
    check_lossless: bool = True
    """Check that every input character is in the output or the removed ledger (cheap: one
    character count of the input and the output)."""


Progress = Callable[[int, int], None]
"""Told after each document: characters of the input's documents converted so far, and of
all of them (a large input takes seconds; a progress bar shows how far it is)."""


def chars_of(lines: list[Line]) -> int:
    """A document's size for progress and for sharing work out: the characters of its lines."""
    return sum(len(line.text) for line in lines)


@dataclass(slots=True)
class Explained:
    """A document's blocks and every marker candidate with its decision (for --explain)."""

    blocks: list[Block]
    candidates: list[Candidate]


def parse_document(lines: list[Line], index: int, grammar: Grammar,
                   explain: list[Explained] | None = None) -> Document:
    """Blocks, front matter, markers and tree of one document."""
    blocks = make_blocks(lines)
    front = extract_front(blocks)
    candidates = find_candidates(front.body, grammar)
    accepted = select_markers(candidates, front.body)
    tree = build_tree(front.body, accepted, index, grammar, head_cuts(candidates))
    if explain is not None:
        explain.append(Explained(front.body, candidates))
    span = (lines[0].no, lines[-1].no) if lines else (0, 0)
    return Document(meta=front.meta, front=front.front, body=tree.body, back=front.back,
                    lines=span, styles=tree.styles, warnings=tree.warnings)


def convert_bytes(data: bytes, name: str = "<input>", options: Options | None = None,
                  explain: list[Explained] | None = None, progress: Progress | None = None) -> Conversion:
    """Read one input and return its documents, what was removed and what was noticed
    (``progress`` is told after each document)."""
    with paused_gc():
        opts = options or Options()
        return convert_prepared(prepare(data, printable_name(name), opts), opts, explain, progress)


@dataclass(slots=True)
class Prepared:
    """An input read, cleaned and split: the conversion without its documents yet, the lines
    of each document, and what ``finish`` needs. The documents can then be parsed anywhere
    (``parse_document``), in this process or in several (``fanout``)."""

    conv: Conversion
    documents: list[list[Line]]
    ledger_input: str
    replaced: list[int]


def prepare(data: bytes, name: str, opts: Options) -> Prepared:
    """Decode, clean and split: the stages that see the whole input at once."""
    raw = read_input(data, name, fmt=opts.fmt, encoding=opts.encoding, errors=opts.errors)
    ledger_input = raw.ledger_text if opts.check_lossless else ""
    cleaned = clean_lines(raw.lines, hints=raw.hints)
    raw.lines = []  # the cleaned lines and the ledger's copy hold it all now
    split = split_documents(cleaned.lines, removed=cleaned.removed)
    conv = Conversion(source=raw.source, page_title=split.page_title, uploader=split.uploader,
                      removed=[*raw.removed, *cleaned.removed, *split.removed],
                      page_front=split.page_front)
    if not split.documents:
        raise InputError("no text found", path=name)
    if opts.keep_boilerplate:
        keep_boilerplate_as_notes(conv)
    return Prepared(conv, split.documents, ledger_input, raw.replaced)


def convert_prepared(prepared: Prepared, opts: Options, explain: list[Explained] | None = None,
                     progress: Progress | None = None) -> Conversion:
    """Parse every document of a prepared input here, then ``finish``."""
    grammar = opts.grammar or default_grammar()
    conv, documents = prepared.conv, prepared.documents
    sizes = list(map(chars_of, documents)) if progress is not None else []
    total, done = sum(sizes), 0
    for index in range(len(documents)):
        lines, documents[index] = documents[index], []  # a parsed document's lines are let go
        conv.documents.append(parse_document(lines, index + 1, grammar, explain))
        if progress is not None:
            done += sizes[index]
            progress(done, total)
    finish(prepared, opts)
    return conv


def finish(prepared: Prepared, opts: Options, segments: list[Segment] | None = None) -> None:
    """The conversion's own warnings, once every document is parsed: bytes the decoder
    replaced, and the nothing-lost check (``segments``: each document's stretch of the
    laid-out output, where the documents were parsed in other processes, not in ``conv``)."""
    conv = prepared.conv
    if prepared.replaced:
        replaced = prepared.replaced
        shown = ", ".join(str(offset) for offset in replaced[:20])
        more = f" and {len(replaced) - 20} more" if len(replaced) > 20 else ""
        conv.warnings.append(Diagnostic(
            "decode-replaced", f"{len(replaced)} undecodable bytes replaced by U+FFFD at byte offsets "
            f"{shown}{more}", None))
    if opts.check_lossless:
        problems = check_nothing_lost(prepared.ledger_input, conv, segments=segments)
        if problems:  # a bug of ours, not of the input: say so where the user sees it
            conv.warnings.append(Diagnostic(
                "text-lost", "the output does not hold every character of the input: " + "; ".join(problems[:5]),
                None, "error"))


def keep_boilerplate_as_notes(conv: Conversion) -> None:
    """Move furniture from the removed ledger to page-level notes (``--keep-boilerplate``):
    the text then stays in the output, marked as page furniture, not as a speech's body."""
    kept = [r for r in conv.removed if r.reason == "boilerplate"]
    conv.removed = [r for r in conv.removed if r.reason != "boilerplate"]
    conv.page_front.extend(FrontItem("note", r.text, (r.line, r.line)) for r in kept)


def convert_path(path: Path, options: Options | None = None,
                 explain: list[Explained] | None = None) -> Conversion:
    """Read a file and convert it; errors name the file."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", path=str(path)) from exc
    except FileNotFoundError as exc:
        raise InputError("no such file", path=str(path)) from exc
    except PermissionError as exc:
        raise InputError("permission denied", path=str(path)) from exc
    return convert_bytes(data, str(path), options, explain)
