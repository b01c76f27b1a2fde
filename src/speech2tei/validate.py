"""``speech2tei validate``: check TEI and JSON files against speech2tei's schemas.

A file is TEI or JSON by its content, not its name. TEI is parsed safely (``safexml``:
no entities, no DTD, no network) and checked against the project's RELAX NG schema
(data/speech2tei-tei.rng) and, with ``--tei-all``, against TEI P5 tei_all. Each schema is
run by jing when it is on PATH (the reference validator: one JVM for all files, precise
messages; only files that passed the safe parser are handed to it) and by lxml otherwise. JSON is
checked against the project's JSON Schema through ``speech2tei.jsonio``.

Exit codes: 0 every file valid, 1 some file invalid (not well-formed, against the schema,
or refused as unsafe), 2 a file could not be read or the command was misused (no such file,
neither XML nor JSON, tei_all schema not found).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import typer
from lxml import etree

from .errors import InputError
from .safexml import UnsafeXmlError, XmlSyntaxError, parse_xml
from .tei import TEI_NS

PROJECT_RNG = Path(__file__).resolve().parent / "data" / "speech2tei-tei.rng"
TEI_ALL_URL = "https://www.tei-c.org/Vault/P5/4.12.0/xml/tei/custom/schema/relaxng/tei_all.rng"
TEI_ALL_ENV = "SPEECH2TEI_TEI_ALL"
FILE_SUFFIXES = (".xml", ".tei", ".json")
"""Files taken from a folder given on the command line."""

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
_JING_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?:fatal |)error: (?P<msg>.*)$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file; ``unreadable`` problems make the exit code 2."""

    path: Path
    line: int | None
    message: str
    unreadable: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        return f"{where}: {self.message}"


class TeiAllNotFound(InputError):
    """--tei-all was asked for but no tei_all.rng is installed."""


# --- locating tei_all ------------------------------------------------------------------------


def tei_all_candidates() -> list[Path]:
    """Where tei_all.rng is looked for, in order (no download ever happens at run time)."""
    candidates = []
    env = os.environ.get(TEI_ALL_ENV)
    if env:
        candidates.append(Path(env).expanduser())
    repo = Path(__file__).resolve().parents[2]
    candidates.append(repo.parent / "shared" / "tei" / "tei_all.rng")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    candidates.append(cache / "speech2tei" / "tei_all.rng")
    return candidates


def find_tei_all() -> Path:
    """The tei_all schema, or TeiAllNotFound saying where to put it."""
    for path in tei_all_candidates():
        if path.is_file():
            return path
    places = ", ".join(str(p) for p in tei_all_candidates())
    raise TeiAllNotFound(
        f"--tei-all needs TEI P5 tei_all.rng (4.12.0) and none was found (looked at: {places}). "
        f"Download it from {TEI_ALL_URL} to ~/.cache/speech2tei/tei_all.rng or point "
        f"{TEI_ALL_ENV} at it.")


# --- checking files --------------------------------------------------------------------------


def validate_paths(paths: list[Path], *, tei_all: bool = False) -> list[Problem]:
    """Every problem of every file (folders are searched for .xml, .tei and .json files)."""
    return run_validation(paths, tei_all=tei_all)[1]


def run_validation(paths: list[Path], *, tei_all: bool = False) -> tuple[list[Path], list[Problem]]:
    """The files checked (missing ones included) and their problems."""
    tei_all_path = find_tei_all() if tei_all else None
    files = expand_paths(paths)
    problems: list[Problem] = []
    tei_files: list[tuple[Path, etree._ElementTree]] = []
    for path in files:
        problems.extend(check_file(path, tei_files))
    if tei_files:
        problems.extend(check_against(PROJECT_RNG, tei_files, label=""))
    if tei_all_path is not None and tei_files:
        problems.extend(check_against(tei_all_path, tei_files, label="tei_all: "))
    order = {path: index for index, path in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.path, len(order)), p.line or 0))
    return files, problems


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, folders replaced by the files they hold (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in FILE_SUFFIXES))
        else:
            files.append(path)
    return files


def check_file(path: Path, tei_files: list[tuple[Path, etree._ElementTree]]) -> list[Problem]:
    """Problems of one file; a TEI file that parsed is added to ``tei_files`` for tei_all."""
    if not path.exists():
        return [Problem(path, None, "no such file", unreadable=True)]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [Problem(path, None, f"cannot read: {exc.strerror or exc}", unreadable=True)]
    kind = sniff(data)
    if kind == "json":
        return check_json(path, data)
    if kind == "xml":
        return check_tei(path, data, tei_files)
    return [Problem(path, None, "neither XML (TEI) nor JSON", unreadable=True)]


def sniff(data: bytes) -> str | None:
    """``xml``, ``json`` or None, from the first character that is not a BOM or space."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data[:64].decode("utf-16", errors="ignore")
    elif data[:2] in (b"<\x00", b"\x00<"):
        return "xml"
    else:
        text = data[:4096].decode("utf-8", errors="ignore")
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "xml"
    if text.startswith(("{", "[")):
        return "json"
    return None


def check_tei(path: Path, data: bytes, tei_files: list[tuple[Path, etree._ElementTree]]) -> list[Problem]:
    """Well-formed, safe and TEI; the schemas are checked later for all files at once."""
    try:
        tree = parse_xml(data, str(path))
    except UnsafeXmlError as exc:
        return [Problem(path, exc.line, exc.message)]
    except XmlSyntaxError as exc:
        return [Problem(path, exc.line, exc.message)]
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace != TEI_NS or qname.localname not in ("TEI", "teiCorpus"):
        return [Problem(path, root.sourceline,
                        f"not TEI: the root element is {{{qname.namespace or ''}}}{qname.localname}, "
                        f"expected TEI or teiCorpus in {TEI_NS}")]
    tei_files.append((path, tree))
    return []


_LXML_SUMMARY = re.compile(r"^Element \S+ failed to validate (content|attributes)$")


def rng_problems(path: Path, tree: etree._ElementTree, schema: etree.RelaxNG, label: str = "") -> list[Problem]:
    """lxml's RELAX NG errors as problems: one per line and message, roll-up lines dropped."""
    if schema.validate(tree):
        return []
    entries = [(e.line if e.line > 0 else None, e.message) for e in schema.error_log]
    specific = [e for e in entries if not _LXML_SUMMARY.match(e[1])] or entries
    problems = [Problem(path, line, f"{label}{message}") for line, message in dict.fromkeys(specific)]
    return problems or [Problem(path, None, f"{label}not valid against the schema")]


def check_json(path: Path, data: bytes) -> list[Problem]:
    """Well-formed JSON that fits schemas/speech2tei.schema.json."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return [Problem(path, None, f"not UTF-8 JSON: {exc.reason} at byte {exc.start}")]
    except json.JSONDecodeError as exc:
        return [Problem(path, exc.lineno, f"not well-formed JSON: {exc.msg} (column {exc.colno})")]
    try:
        from .jsonio import validate_json_dict
    except ImportError as exc:  # the JSON side may be absent in a partial install
        return [Problem(path, None, f"JSON validation is not available: {exc}", unreadable=True)]
    if not isinstance(document, dict):
        return [Problem(path, 1, "not a speech2tei JSON document: the top level is not an object")]
    return [Problem(path, None, message) for message in validate_json_dict(document)]


# --- tei_all ---------------------------------------------------------------------------------


def check_against(schema: Path, files: list[tuple[Path, etree._ElementTree]], label: str) -> list[Problem]:
    """Validate all files: one jing run when jing is on PATH (precise messages), else lxml."""
    jing = shutil.which("jing")
    if jing:
        return jing_problems(jing, schema, [path for path, _ in files], label)
    compiled = compiled_schema(str(schema))
    problems: list[Problem] = []
    for path, tree in files:
        problems.extend(rng_problems(path, tree, compiled, label))
    return problems


@lru_cache(maxsize=2)
def compiled_schema(schema: str) -> etree.RelaxNG:
    """A RELAX NG schema compiled by lxml once per process (tei_all takes about 6 s)."""
    return etree.RelaxNG(etree.parse(schema, etree.XMLParser(no_network=True, resolve_entities=False)))


def jing_problems(jing: str, schema: Path, paths: list[Path], label: str = "") -> list[Problem]:
    """Run jing once; its ``FILE:LINE:COL: error: message`` lines become problems.

    Only files that already passed the safe parser (no DOCTYPE tricks) are handed to jing.
    """
    result = subprocess.run([jing, str(schema), *map(str, paths)], capture_output=True, text=True,
                            check=False)
    by_name = {str(path): path for path in paths} | {str(path.resolve()): path for path in paths}
    problems = []
    for raw in result.stdout.splitlines():
        match = _JING_LINE.match(raw)
        if match and match.group("path") in by_name:
            path = by_name[match.group("path")]
            problems.append(Problem(path, int(match.group("line")), f"{label}{match.group('msg')}"))
        elif raw.strip() and result.returncode != 0 and not match:
            problems.append(Problem(schema, None, f"jing: {raw.strip()}", unreadable=True))
    if result.returncode != 0 and not problems:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        problems.append(Problem(schema, None, f"jing failed: {detail}", unreadable=True))
    return problems


# --- the command -----------------------------------------------------------------------------


def exit_code(problems: list[Problem]) -> int:
    if any(p.unreadable for p in problems):
        return EXIT_UNREADABLE
    return EXIT_INVALID if problems else EXIT_VALID


def summary(files: list[Path], problems: list[Problem]) -> str:
    """``N files checked: V valid, I invalid, U unreadable``."""
    unreadable = {p.path for p in problems if p.unreadable} & set(files)
    invalid = {p.path for p in problems if not p.unreadable} & set(files) - unreadable
    valid = len(set(files)) - len(invalid) - len(unreadable)
    total = len(set(files))
    noun = "file" if total == 1 else "files"
    return f"{total} {noun} checked: {valid} valid, {len(invalid)} invalid, {len(unreadable)} unreadable"


def validate_command(files: list[Path], tei_all: bool = False) -> None:
    """Check JSON and TEI files against speech2tei's schemas; exit 0 valid, 1 invalid, 2 unreadable."""
    if not files:
        typer.echo("speech2tei validate: no files given", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        checked, problems = run_validation(list(files), tei_all=tei_all)
    except TeiAllNotFound as exc:
        typer.echo(f"speech2tei validate: {exc.message}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    for problem in problems:
        typer.echo(str(problem))
    typer.echo(summary(checked, problems))
    raise typer.Exit(exit_code(problems))
