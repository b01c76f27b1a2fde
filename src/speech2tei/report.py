"""Corpus report: one row per input file, the worst first, each linked to its preview.

Before building on 3,000 converted speeches, a researcher wants to know which files to look
at: those that failed, then those with the most warnings. The report counts, per file, the
documents, the sections by level and by style, the warnings by code; it totals them; and with
``--previews DIR`` it writes each file's preview and links it relatively, so the report and its
previews can be moved together.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import __version__
from .batch import Item, expand_inputs, read_conversion, write_atomic
from .errors import InputError, Speech2TeiError
from .model import Conversion, iter_sections
from .pipeline import Explained, Options
from .preview import asset, esc, render_preview


@dataclass(slots=True)
class WarningRow:
    document: int
    line: int | None
    code: str
    message: str
    severity: str


@dataclass(slots=True)
class FileRow:
    """What the report says about one input."""

    file: str
    status: str = "ok"
    """``ok`` or ``failed``."""
    error: str | None = None
    documents: int = 0
    sections: int = 0
    by_level: dict[int, int] = field(default_factory=dict)
    by_style: dict[str, int] = field(default_factory=dict)
    warnings: list[WarningRow] = field(default_factory=list)
    low_cert: int = 0
    removed: int = 0
    titles: list[str | None] = field(default_factory=list)
    preview: str | None = None
    """Link to the preview, relative to the report's folder."""

    @property
    def warning_count(self) -> int:
        """Warnings proper; information notes (a restart at 一) do not make a file worse."""
        return sum(1 for w in self.warnings if w.severity != "info")


@dataclass(slots=True)
class Report:
    rows: list[FileRow]

    def totals(self) -> dict[str, Any]:
        levels: Counter[int] = Counter()
        styles: Counter[str] = Counter()
        codes: Counter[str] = Counter()
        for row in self.rows:
            levels.update(row.by_level)
            styles.update(row.by_style)
            codes.update(w.code for w in row.warnings if w.severity != "info")
        return {
            "files": len(self.rows),
            "failed": sum(1 for r in self.rows if r.status != "ok"),
            "documents": sum(r.documents for r in self.rows),
            "sections": sum(r.sections for r in self.rows),
            "by_level": dict(sorted(levels.items())),
            "by_style": dict(styles.most_common()),
            "warnings": sum(r.warning_count for r in self.rows),
            "warnings_by_code": dict(codes.most_common()),
            "low_cert": sum(r.low_cert for r in self.rows),
            "removed": sum(r.removed for r in self.rows),
        }


def worst_first(rows: list[FileRow]) -> list[FileRow]:
    """Failures, then the most warnings, then the most low-certainty heads; ties by name."""
    return sorted(rows, key=lambda r: (r.status == "ok", -r.warning_count, -r.low_cert, r.file))


def summarize(row: FileRow, conv: Conversion) -> None:
    """Fill a row's counts from a conversion."""
    row.documents = len(conv.documents)
    levels: Counter[int] = Counter()
    styles: Counter[str] = Counter()
    for n, doc in enumerate(conv.documents, 1):
        row.titles.append(doc.title)
        for s in iter_sections(doc.body):
            levels[s.level] += 1
            styles[s.style] += 1
            row.low_cert += int(s.cert != "high")
        row.warnings.extend(WarningRow(n, w.line, w.code, w.message, w.severity) for w in doc.warnings)
    row.warnings.extend(WarningRow(0, w.line, w.code, w.message, w.severity) for w in conv.warnings)
    row.sections = sum(levels.values())
    row.by_level = dict(sorted(levels.items()))
    row.by_style = dict(styles.most_common())
    row.removed = len(conv.removed)


@dataclass(slots=True)
class Previews:
    """Where previews go and how the report links them."""

    folder: Path
    report_dir: Path
    force: bool = False
    taken: set[Path] = field(default_factory=set)

    def target(self, item: Item) -> Path:
        """The preview's path, mirroring the input's relative path; made unique if two inputs
        share a name."""
        base = self.folder / item.relative.with_suffix(".html")
        path, n = base, 1
        while path in self.taken:
            n += 1
            path = base.with_name(f"{base.stem}-{n}.html")
        self.taken.add(path)
        return path

    def link(self, path: Path) -> str:
        rel = os.path.relpath(path.resolve(), self.report_dir.resolve())
        return quote(Path(rel).as_posix())


def report_row(item: Item, options: Options, previews: Previews | None) -> FileRow:
    """Convert one input and describe it; a file that cannot be converted is a failed row."""
    row = FileRow(item.source)
    explained: list[Explained] = []
    try:
        conv = read_conversion(item.source, options, explained)
    except Speech2TeiError as exc:
        row.status, row.error = "failed", str(exc) if exc.path else f"{item.source}: {exc}"
        return row
    except Exception as exc:  # a bug must not hide the rest of the corpus; the row names it
        row.status, row.error = "failed", f"{item.source}: internal error: {type(exc).__name__}: {exc}"
        return row
    summarize(row, conv)
    if previews is not None:
        target = previews.target(item)
        write_atomic(target, render_preview(conv, explained).encode("utf-8"), force=previews.force)
        row.preview = previews.link(target)
    return row


def build_report(inputs: list[str], options: Options, *, glob: str = "*.txt",
                 previews: Previews | None = None) -> Report:
    items = list(expand_inputs(inputs, glob))
    if not items:
        raise InputError("no input files found")
    return Report(worst_first([report_row(item, options, previews) for item in items]))


# --- writers -------------------------------------------------------------------------------


def report_dict(report: Report) -> dict[str, Any]:
    files = []
    for row in report.rows:
        entry = asdict(row)
        entry["by_level"] = {str(k): v for k, v in row.by_level.items()}
        entry["warning_count"] = row.warning_count
        files.append(entry)
    return {"speech2tei": __version__, "totals": report.totals(), "files": files}


def report_json(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=1) + "\n"


def counts(mapping: dict[Any, int]) -> str:
    return " · ".join(f"{esc(k)} {v}" for k, v in mapping.items()) or "—"


def warnings_cell(row: FileRow, widest: int) -> str:
    if not row.warnings:
        return "0"
    bar = f'<span class="bar" style="width:{4 * row.warning_count / max(widest, 1):.2f}rem"></span>'
    codes = Counter(w.code for w in row.warnings if w.severity != "info")
    items = "".join(f"<li>{'doc ' + str(w.document) + ', ' if w.document else ''}line {esc(w.line or '?')}: "
                    f"<code>{esc(w.code)}</code> {esc(w.message)}</li>" for w in row.warnings)
    label = counts(dict(codes.most_common())) if codes else "notes only"
    return (f"{row.warning_count} {bar}<details><summary>{label}</summary>"
            f"<ul>{items}</ul></details>")


def file_cell(row: FileRow) -> str:
    name = esc(row.file)
    link = f'<a href="{esc(row.preview)}">{name}</a>' if row.preview else name
    titles = "; ".join(t or "(untitled)" for t in row.titles)
    return link + (f'<br><span class="note">{esc(titles)}</span>' if titles else "")


def report_html(report: Report) -> str:
    totals = report.totals()
    levels = sorted({lvl for row in report.rows for lvl in row.by_level})
    widest = max((r.warning_count for r in report.rows), default=0)
    head = ("<tr><th>file</th><th class=num>docs</th><th class=num>sections</th>"
            + "".join(f"<th class=num>L{lvl}</th>" for lvl in levels)
            + "<th>styles</th><th>warnings</th><th class=num>low cert</th><th class=num>removed</th>"
            + "<th>status</th></tr>")
    rows = []
    for row in report.rows:
        status = "ok" if row.status == "ok" else f"failed: {esc(row.error)}"
        rows.append(
            f'<tr class="row-{esc(row.status)}"><td class="file">{file_cell(row)}</td>'
            f"<td class=num>{row.documents}</td><td class=num>{row.sections}</td>"
            + "".join(f"<td class=num>{row.by_level.get(lvl, 0)}</td>" for lvl in levels)
            + f"<td>{counts(row.by_style)}</td><td>{warnings_cell(row, widest)}</td>"
            f"<td class=num>{row.low_cert}</td><td class=num>{row.removed}</td><td>{status}</td></tr>")
    summary = (f"{totals['files']} files ({totals['failed']} failed) · {totals['documents']} documents · "
               f"{totals['sections']} sections · {totals['warnings']} warnings · "
               f"{totals['low_cert']} low-certainty heads · {totals['removed']} removed pieces")
    total_tables = (
        "<table><tr><th>level</th><th class=num>sections</th></tr>"
        + "".join(f"<tr><td>L{k}</td><td class=num>{v}</td></tr>" for k, v in totals["by_level"].items())
        + "</table><table><tr><th>style</th><th class=num>sections</th></tr>"
        + "".join(f"<tr><td>{esc(k)}</td><td class=num>{v}</td></tr>" for k, v in totals["by_style"].items())
        + "</table><table><tr><th>warning</th><th class=num>count</th></tr>"
        + "".join(f"<tr><td>{esc(k)}</td><td class=num>{v}</td></tr>"
                  for k, v in totals["warnings_by_code"].items())
        + "</table>")
    return ("<!DOCTYPE html>\n"
            '<html lang="zh"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="speech2tei {esc(__version__)}">'
            f"<title>speech2tei report · {totals['files']} files</title>"
            f"<style>{asset('preview.css')}\n.totals{{display:flex;gap:1.5rem;flex-wrap:wrap;align-items:flex-start}}"
            "main.report{max-width:none;padding-bottom:2rem}"
            "</style></head>\n"
            '<body><main class="report">'
            f'<header><h1>speech2tei report</h1><p class="facts">{summary}</p></header>'
            '<details class="fold" open><summary>Totals</summary>'
            f'<div class="totals">{total_tables}</div></details>'
            '<p class="note">Files sorted worst first: failures, then by number of warnings.</p>'
            f'<table id="files">{head}{"".join(rows)}</table>'
            "</main></body></html>\n")


def write_report(report: Report, fmt: str, output: Path | None, *, force: bool) -> None:
    """Write the report atomically to ``output``, or to standard output when None."""
    text = report_json(report) if fmt == "json" else report_html(report)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomic(output, text.encode("utf-8"), force=force)
