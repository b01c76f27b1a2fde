"""The command line: ``speech2tei convert | outline | validate | preview | report``.

The CLI only parses options, calls the pipeline and the writers, and turns domain errors into
one line on stderr and an exit code (see README, "Exit codes"). Heavy modules (lxml,
jsonschema) are imported inside the commands, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import Speech2TeiError

app = typer.Typer(
    name="speech2tei",
    help="Chinese speeches and official documents → TEI P5 XML and JSON with their section tree.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"speech2tei {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option(  # noqa: UP045 - typer needs Optional here
        "--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Chinese speeches and official documents → TEI P5 XML and JSON with their section tree."""


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print one line on stderr and give the exit to raise."""
    typer.echo(f"speech2tei: {message}", err=True)
    return typer.Exit(code)


EncodingOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--encoding", help="Force the input encoding (utf-8, gb18030, utf-16 …) instead of detecting it.")]
ErrorsOpt = Annotated[str, typer.Option(
    "--errors", help="strict: refuse undecodable bytes; replace: decode with U+FFFD and list them.")]
RulesOpt = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    "--rules", help="A YAML file that adds or overrides numbering styles (see README).")]
FormatOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--from", help="Input format: text, html, docx, json, tei (default: detect).")]


def _options(encoding: str | None, errors: str, rules: Path | None, fmt: str | None, *,
             keep_boilerplate: bool = False):
    from .grammar import load_grammar
    from .pipeline import Options

    if errors not in ("strict", "replace"):
        raise fail(f"--errors must be strict or replace, not {errors!r}")
    return Options(encoding=encoding, errors=errors, fmt=fmt, grammar=load_grammar(rules),
                   keep_boilerplate=keep_boilerplate)


@app.command()
def convert(
    inputs: Annotated[list[str], typer.Argument(help="Input files or directories; - reads stdin.")],
    to: Annotated[str, typer.Option("--to", help="Output formats, comma-separated: json, tei.")] = "json",
    output: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "-o", "--output", help="Output file (one input, one format) or directory.")] = None,
    encoding: EncodingOpt = None,
    errors: ErrorsOpt = "strict",
    rules: RulesOpt = None,
    fmt: FormatOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")] = False,
    skip_existing: Annotated[bool, typer.Option(
        "--skip-existing", help="Skip inputs whose outputs all exist (resume a batch).")] = False,
    glob: Annotated[str, typer.Option("--glob", help="Files to take from directories.")] = "*.txt",
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", help="Worker processes (default 0: one per core; 1: no pool).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary (errors still show).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every warning on stderr.")] = False,
    keep_boilerplate: Annotated[bool, typer.Option(
        "--keep-boilerplate", help="Keep site furniture as page-level notes, not only in the removed list.")] = False,
) -> None:
    """Convert inputs to JSON and/or TEI P5 XML (validated before anything is written).

    Directories are searched recursively with --glob and mirrored under -o OUTDIR. A failing
    file is reported and skipped (exit 1 at the end); Ctrl-C stops with no partial file (exit 130).
    """
    from .batch import EXIT_INTERRUPTED, BatchSettings, run_batch

    formats = list(dict.fromkeys(f.strip() for f in to.split(",") if f.strip()))
    bad = [f for f in formats if f not in ("json", "tei")]
    if bad or not formats:
        raise fail(f"--to takes json and/or tei, not {to!r}")
    if jobs < 0:
        raise fail(f"--jobs must be 0 (one per core) or more, not {jobs}")
    try:
        settings = BatchSettings(
            inputs=inputs, formats=formats, output=output,
            options=_options(encoding, errors, rules, fmt, keep_boilerplate=keep_boilerplate),
            force=force, skip_existing=skip_existing, glob=glob, jobs=jobs, quiet=quiet, verbose=verbose)
        code = run_batch(settings)
    except Speech2TeiError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        exit_now(code)
    raise typer.Exit(code)


def exit_now(code: int) -> None:
    """Leave at once after Ctrl-C, once the batch has removed its temporary files.

    Workers stopped mid-write can leave the process pool's result pipe holding half a message;
    the interpreter's exit hook would then wait on it for ever. Nothing is left to clean up,
    so skip the hooks (stdout and stderr are flushed first)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@app.command()
def outline(
    input: Annotated[str, typer.Argument(help="Input file; - reads stdin.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text (a table of contents) or json.")] = "text",
    explain: Annotated[bool, typer.Option(
        "--explain", help="Show every marker candidate and why it was taken or rejected.")] = False,
    encoding: EncodingOpt = None,
    errors: ErrorsOpt = "strict",
    rules: RulesOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Print the section tree of one input as an outline."""
    from .batch import read_conversion
    from .outline import outline_json, outline_text

    if format not in ("text", "json"):
        raise fail(f"--format must be text or json, not {format!r}")
    explained: list = []
    try:
        conv = read_conversion(input, _options(encoding, errors, rules, fmt), explained if explain else None)
    except Speech2TeiError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    if explain:
        from .explain import explain_text

        typer.echo(explain_text(explained), nl=False)
        return
    typer.echo(outline_json(conv) if format == "json" else outline_text(conv), nl=False)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="JSON or TEI files written by speech2tei.")],
    tei_all: Annotated[bool, typer.Option(
        "--tei-all", help="Also check TEI files against the official tei_all schema.")] = False,
) -> None:
    """Check JSON and TEI files against speech2tei's schemas; exit 0 valid, 1 invalid, 2 unreadable."""
    from .validate import validate_command

    validate_command(files, tei_all)


@app.command()
def preview(
    input: Annotated[str, typer.Argument(help="Input file; - reads stdin.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output.")] = False,
    encoding: EncodingOpt = None,
    errors: ErrorsOpt = "strict",
    rules: RulesOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Write a self-contained HTML page: the text with its markers highlighted, the outline beside it."""
    from .batch import read_conversion
    from .preview import write_preview

    explained: list = []
    try:
        conv = read_conversion(input, _options(encoding, errors, rules, fmt), explained)
        write_preview(conv, explained, output, force=force)
    except Speech2TeiError as exc:
        raise fail(str(exc), exc.exit_code) from exc


@app.command()
def report(
    inputs: Annotated[list[str], typer.Argument(help="Input files or directories.")],
    output: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "-o", "--output", help="The report file (default: standard output).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="html or json.")] = "html",
    previews: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--previews", help="Also write each file's preview into this folder and link it.")] = None,
    glob: Annotated[str, typer.Option("--glob", help="Files to take from directories.")] = "*.txt",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing report and previews.")] = False,
    encoding: EncodingOpt = None,
    errors: ErrorsOpt = "strict",
    rules: RulesOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """A corpus overview: per file documents, sections, warnings and failures, the worst first."""
    from .report import Previews, build_report, write_report

    if format not in ("html", "json"):
        raise fail(f"--format must be html or json, not {format!r}")
    report_dir = output.parent if output is not None else Path.cwd()
    try:
        where = Previews(previews, report_dir, force) if previews is not None else None
        result = build_report(inputs, _options(encoding, errors, rules, fmt), glob=glob, previews=where)
        write_report(result, format, output, force=force)
    except Speech2TeiError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    failed = [row for row in result.rows if row.status != "ok"]
    for row in failed:
        typer.echo(f"speech2tei: {row.error}", err=True)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def main() -> None:
    """Entry point of the ``speech2tei`` script."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("speech2tei: interrupted", err=True)
        sys.exit(130)
