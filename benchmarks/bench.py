#!/usr/bin/env python
"""speech2tei benchmark: speed, parallel speed-up, growth, memory and latency, with baselines.

Every figure is printed with a ratio against a baseline measured in the same run on the same
machine, so the ratios mean something on a laptop, a busy CI runner or a shared server:

* throughput of parse only, parse+JSON, parse+TEI and parse+JSON+TEI on N documents and on
  one big file, against the I/O floor (read + decode + write the same bytes, no parsing);
* a real ``speech2tei convert`` of the N documents with ``--jobs 2`` against ``--jobs 1``;
* the big file against a file a tenth its size (growth must be linear), and the same for
  the big text written as one huge line (no paragraph breaks at all);
* peak RSS converting the big file (in a child process), against the child's RSS at rest;
* CLI latency of ``speech2tei --version`` and of a one-file convert, against ``python -c pass``;
* ``pandoc -f markdown -t tei`` on the same text where pandoc is installed.

The corpus is built from the project's own example speeches (examples/*.txt) with variations
(renumbered and recombined sections, changed figures, reordered sentences, CRLF, indentation,
GB18030); nothing third-party is committed. ../shared/corpus/raw is measured too when present.

    python benchmarks/bench.py            # the full run (1,000 docs ≈ 20 MB, a 50 MB file)
    python benchmarks/bench.py --quick    # a smoke run in well under 30 s
    python benchmarks/bench.py --out figures.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED_CORPUS = REPO.parent / "shared" / "corpus" / "raw"
MB = 1_000_000
CHILD_TIMEOUT = 3600.0
"""Seconds one child conversion may take before the case is reported as timed out."""
LINEAR_LIMIT = 12.0
"""Time(10x the text) / time(the text) above this is worse than linear (the issue's bound)."""


@dataclass(slots=True)
class Sizes:
    docs: int
    docs_mb: float
    big_mb: float
    small_mb: float
    repeats: int
    shared: bool = True

    @classmethod
    def full(cls) -> Sizes:
        return cls(docs=1000, docs_mb=20, big_mb=50, small_mb=5, repeats=5)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(docs=24, docs_mb=0.4, big_mb=1, small_mb=0.1, repeats=1)


@dataclass(slots=True)
class Case:
    """One line of the report: the figure, and the figure as a ratio to a baseline."""

    name: str
    figure: str
    baseline: str
    ratio: float | None
    ratio_label: str
    values: dict[str, float] = field(default_factory=dict)
    note: str = ""


# --- the corpus ------------------------------------------------------------------------------

TOP_MARKER = re.compile(r"^[一二三四五六七八九十]+、")
INLINE_ENUMERATION = re.compile(
    r"[一二三四五六七八九十]是|第[一二三四五六七八九十]|首先|其次|再次|最后|[（(]\d|\d[.．、]")
DIGIT_RUN = re.compile(r"\d{2,}")
CJK_NUMERALS = "一二三四五六七八九"


def cjk_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (up to 99), for renumbering top-level sections."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CJK_NUMERALS[tens - 1] + "十")
    return head + (CJK_NUMERALS[ones - 1] if ones else "")


@dataclass(slots=True)
class Example:
    """An example speech cut into its front (before 一、) and its top-level sections."""

    front: list[str]
    sections: list[list[str]]


def read_examples() -> list[Example]:
    """The single-speech examples; a compilation page is used whole, as a page of its own."""
    examples = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if TOP_MARKER.match(line)]
        if not starts:
            continue
        bounds = [*starts, len(lines)]
        sections = [lines[bounds[k]:bounds[k + 1]] for k in range(len(starts))]
        examples.append(Example(lines[:starts[0]], sections))
    if not examples:
        raise SystemExit(f"no example speeches with 一、 sections in {EXAMPLES}")
    return examples


def vary_line(line: str, rng: random.Random) -> str:
    """Change the figures (runs of 2+ digits) and, in plain prose, the order of sentences."""
    line = DIGIT_RUN.sub(lambda m: str(rng.randrange(10 ** (len(m.group()) - 1), 10 ** len(m.group()))), line)
    if len(line) > 60 and not INLINE_ENUMERATION.search(line) and not TOP_MARKER.match(line):
        sentences = [s for s in line.split("。") if s]
        if len(sentences) > 2:
            tail = "" if line.endswith("。") else sentences.pop()
            rng.shuffle(sentences)
            line = "。".join(sentences) + "。" + tail
    return line


def renumber(section: list[str], n: int) -> list[str]:
    return [TOP_MARKER.sub(cjk_number(n) + "、", section[0], count=1), *section[1:]]


def speech_lines(examples: list[Example], target_chars: int, rng: random.Random) -> list[str]:
    """A speech: an example's front, then sections drawn from all examples, renumbered."""
    base = rng.choice(examples)
    pool = [s for e in examples for s in e.sections]
    lines = [vary_line(line, rng) for line in base.front]
    size, n = sum(map(len, lines)), 0
    while size < target_chars and n < 99:
        n += 1
        section = renumber([vary_line(line, rng) for line in rng.choice(pool)], n)
        lines.extend(section)
        size += sum(map(len, section))
    return lines


def layout(lines: list[str], rng: random.Random) -> tuple[str, str]:
    """Lay a speech out the ways real files do; returns the text and the encoding to save in."""
    if rng.random() < 0.4:
        lines = [line for line in lines if line.strip()]  # no blank line between paragraphs
    if rng.random() < 0.3:
        lines = [("\u3000\u3000" + line) if len(line) > 40 else line for line in lines]
    newline = "\r\n" if rng.random() < 0.2 else "\n"
    encoding = "gb18030" if rng.random() < 0.15 else "utf-8"
    return newline.join(lines) + newline, encoding


def build_documents(folder: Path, count: int, total_bytes: int, seed: int = 6) -> list[Path]:
    """``count`` speech files of about ``total_bytes`` together (sizes vary 0.5x to 1.5x)."""
    rng = random.Random(seed)
    examples = read_examples()
    folder.mkdir(parents=True, exist_ok=True)
    mean_chars = total_bytes / count / 3  # CJK text is about 3 bytes a character in UTF-8
    paths = []
    for i in range(count):
        text, encoding = layout(speech_lines(examples, int(mean_chars * rng.uniform(0.5, 1.5)), rng), rng)
        path = folder / f"{i // 100:02d}" / f"speech-{i:04d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode(encoding))
        paths.append(path)
    return paths


def big_text(total_bytes: int, seed: int = 50) -> str:
    """A year of speeches in one text dump: many speeches one after the other, UTF-8, LF."""
    rng = random.Random(seed)
    examples = read_examples()
    parts, size = [], 0
    while size < total_bytes:
        part = "\n".join(speech_lines(examples, rng.randint(3000, 9000), rng)) + "\n\n"
        parts.append(part)
        size += len(part.encode("utf-8"))
    return "".join(parts)


def one_line(text: str) -> str:
    """The same text with no line break at all (a paste that lost every newline)."""
    return text.replace("\r", "").replace("\n", "") + "\n"


# --- measuring ---------------------------------------------------------------------------------


def timed(fn: Callable[[], object], repeats: int = 1) -> float:
    """Best wall time of ``repeats`` runs (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def io_floor(paths: list[Path], out: Path) -> float:
    """Read, decode (the project's decoder), encode and write every file: no parsing."""
    from speech2tei.decode import decode_bytes

    out.mkdir(parents=True, exist_ok=True)

    def run() -> None:
        for i, path in enumerate(paths):
            text = decode_bytes(path.read_bytes(), name=str(path)).text
            (out / f"{i}.out").write_bytes(text.encode("utf-8"))

    return timed(run, 2)


def stage_times(paths: list[Path]) -> dict[str, float]:
    """Seconds in parse, JSON (validate + serialize) and TEI, summed over the files.

    One pass measures every stage, each timed separately, so parse+JSON and parse+TEI are
    sums of the same parse (the stages run one after the other in the CLI too).
    """
    from speech2tei import convert_bytes, to_json_bytes

    tei = tei_writer()
    totals = {"parse": 0.0, "json": 0.0, "tei": 0.0}
    for path in paths:
        data = path.read_bytes()
        t0 = time.perf_counter()
        conv = convert_bytes(data, str(path))
        t1 = time.perf_counter()
        to_json_bytes(conv)
        t2 = time.perf_counter()
        if tei is not None:
            tei(conv)
        t3 = time.perf_counter()
        totals["parse"] += t1 - t0
        totals["json"] += t2 - t1
        totals["tei"] += t3 - t2
    return totals


def tei_writer() -> Callable | None:
    try:
        from speech2tei.tei import write_tei
    except ImportError:
        return None
    return write_tei


def warm() -> None:
    """Build the per-process caches (grammar, rules, validator) outside the timings."""
    from speech2tei.batch import warm_up

    warm_up(["json", "tei"] if tei_writer() else ["json"], None)


def precompile() -> str | None:
    """Byte-compile the package as ``pip install`` does, so start-up is measured as users see it.

    Where PYTHONDONTWRITEBYTECODE is set (some CI images) an editable install would otherwise
    compile every module from source at every start (about 0.15 s of the CLI latency)."""
    import compileall

    import speech2tei

    folder = Path(speech2tei.__file__).parent
    if not compileall.compile_dir(str(folder), quiet=1):
        return f"could not byte-compile {folder}: start-up includes compiling it"
    return None


def chars_of(paths: list[Path]) -> int:
    from speech2tei.decode import decode_bytes

    return sum(len(decode_bytes(p.read_bytes(), name=str(p)).text) for p in paths)


def cli() -> list[str]:
    """How a user runs speech2tei: the installed script beside this Python, else -m."""
    script = Path(sys.executable).with_name("speech2tei")
    return [str(script)] if script.exists() else [sys.executable, "-m", "speech2tei"]


def run_cli(args: list[str]) -> tuple[float, float]:
    """Run speech2tei: wall seconds, and CPU seconds of it and its workers (load-independent)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([*cli(), *args], capture_output=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"speech2tei {' '.join(args)} failed ({result.returncode}): {result.stderr.decode()[-400:]}")
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def median_time(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child_measure(path: Path, timeout: float | None = None) -> dict[str, float] | None:
    """Convert one file in a fresh process: stage times and peak RSS (None on timeout)."""
    try:
        result = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True,
                                timeout=timeout, check=True, text=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def bracketed(small: Path, big: Path, timeout: float | None, repeats: int = 1) -> tuple[dict[str, float] | None,
                                                                                   dict[str, float] | None]:
    """The small file converted before and after the big one (``repeats`` times on each side,
    each in a fresh process), its figures the mean of them all.

    The speed of a shared machine drifts over the tens of seconds the big file takes; the
    small file measured on both sides of it sees the same drift on average, so the growth
    ratio measures the code, not the moment. A small file of a tenth of a second is measured
    several times: one run that short is mostly timer noise (it once put a linear case at 12.5)."""
    before = [child_measure(small, timeout=timeout) for _ in range(repeats)]
    big_fig = child_measure(big, timeout=timeout)
    after = [child_measure(small, timeout=timeout) for _ in range(repeats)] if big_fig is not None else before
    if None in before or None in after:
        return before[0], big_fig
    runs = [*before, *after]
    mean = {key: sum(run[key] for run in runs) / len(runs) for key in runs[0]}
    return {**mean, "cpu_before": sum(run["cpu"] for run in before) / repeats,
            "cpu_after": sum(run["cpu"] for run in after) / repeats}, big_fig


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux's VmHWM, which starts afresh at exec; ``ru_maxrss``
    elsewhere (on Linux it keeps the peak of the process that forked us, the big benchmark)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def child_main(path: Path) -> None:
    """Inside the child: warm up, note RSS at rest, convert once, print figures as JSON."""
    warm()
    rest = peak_rss_mb()
    cpu = time.process_time()
    times = stage_times([path])
    cpu = time.process_time() - cpu
    print(json.dumps({**times, "cpu": cpu, "rest_mb": rest, "peak_mb": peak_rss_mb()}))


# --- the cases ---------------------------------------------------------------------------------


def human(size: float) -> str:
    """A size as people read it: 812 B, 14.2 kB, 3.1 MB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:.0f} B"


def rate(chars: int, size: int, seconds: float) -> str:
    return f"{size / MB / seconds:6.2f} MB/s  {chars / seconds / 1000:7.0f}k chars/s"


def throughput_cases(label: str, chars: int, size: int, stages: dict[str, float], floor: float) -> list[Case]:
    """parse / +JSON / +TEI / +JSON+TEI as MB/s and chars/s, each against the I/O floor."""
    combos = [("parse only", ["parse"]), ("parse+JSON", ["parse", "json"])]
    if tei_writer() is not None:
        combos += [("parse+TEI", ["parse", "tei"]), ("parse+JSON+TEI", ["parse", "json", "tei"])]
    cases = []
    for name, parts in combos:
        seconds = sum(stages[p] for p in parts)
        cases.append(Case(f"{name}, {label}", rate(chars, size, seconds), f"I/O floor {floor:.2f} s",
                          seconds / floor, "x the floor's time",
                          {"seconds": seconds, "mb_per_s": size / MB / seconds, "chars_per_s": chars / seconds}))
    return cases


def cli_jobs_cases(out: Path, inputs: list[str], label: str, chars: int, size: int,
                   floor: float) -> Iterator[Case]:
    """``speech2tei convert`` with --jobs 1 and --jobs 2: each against the floor, and the speed-up
    (files side by side for a folder; one file's documents side by side for a big file)."""
    formats = "json,tei" if tei_writer() else "json"
    runs = {}
    for jobs in (1, 2):
        runs[jobs] = run_cli(["convert", *inputs, "--to", formats, "-o", str(out / f"j{jobs}"), "-q",
                              "--jobs", str(jobs)])
    (one, one_cpu), (two, two_cpu) = runs[1], runs[2]
    same = all((out / "j1" / p.relative_to(out / "j2")).read_bytes() == p.read_bytes()
               for p in (out / "j2").rglob("*") if p.is_file())
    for jobs, (seconds, cpu) in runs.items():
        yield Case(f"CLI convert --to {formats} --jobs {jobs}, {label}", rate(chars, size, seconds),
                   f"I/O floor {floor:.2f} s", seconds / floor, "x the floor's time (convert/floor)",
                   {"seconds": seconds, "cpu_seconds": cpu}, note=f"wall {seconds:.1f} s, CPU {cpu:.1f} s")
    yield Case(f"CLI --jobs 2 vs --jobs 1, {label}", f"{two:.2f} s vs {one:.2f} s", f"--jobs 1 {one:.2f} s",
               one / two, f"x speed-up on {os.cpu_count()} cores",
               {"seconds": two, "speedup": one / two, "cpu_seconds": two_cpu},
               note=f"CPU {two_cpu:.1f} s vs {one_cpu:.1f} s"
               + ("" if same else "; OUTPUTS DIFFER from --jobs 1: did the code change between the runs?"))


def docs_cases(work: Path, sizes: Sizes, say: Callable[[str], None]) -> Iterator[Case]:
    """The N documents: floor, stages, CLI --jobs 1 and 2; then the shared corpus if wanted."""
    say(f"building {sizes.docs} documents (~{sizes.docs_mb} MB) …")
    docs = work / "docs"
    paths = build_documents(docs, sizes.docs, int(sizes.docs_mb * MB))
    size, chars = sum(p.stat().st_size for p in paths), chars_of(paths)
    label = f"{len(paths)} docs ({human(size)})"
    floor = io_floor(paths, work / "floor-docs")
    yield Case(f"I/O floor, {label}", rate(chars, size, floor), "-", None, "",
               {"seconds": floor, "mb_per_s": size / MB / floor})
    say("stages on the documents …")
    stages = stage_times(paths)
    yield from throughput_cases(label, chars, size, stages, floor)
    say("speech2tei convert --jobs 1 / --jobs 2 …")
    yield from cli_jobs_cases(work / "docs-out", [str(docs), "--glob", "*.txt"], label, chars, size, floor)
    if sizes.shared and SHARED_CORPUS.is_dir():
        real = sorted(SHARED_CORPUS.glob("*.txt"))
        rsize, rchars = sum(p.stat().st_size for p in real), chars_of(real)
        rfloor = io_floor(real, work / "floor-shared")
        yield from throughput_cases(f"shared corpus ({len(real)} real docs, {human(rsize)})", rchars, rsize,
                                    stage_times(real), rfloor)


def big_cases(work: Path, sizes: Sizes, say: Callable[[str], None]) -> Iterator[Case]:
    say(f"building a {sizes.big_mb} MB file and a {sizes.small_mb} MB file …")
    text = big_text(int(sizes.big_mb * MB))
    big, small = work / "big.txt", work / "small.txt"
    big.write_text(text, encoding="utf-8")
    small.write_text(big_text(int(sizes.small_mb * MB), seed=5), encoding="utf-8")
    bsize, bchars = big.stat().st_size, len(text)
    floor = io_floor([big], work / "floor-big")
    label = f"one {human(bsize)} file"
    yield Case(f"I/O floor, {label}", rate(bchars, bsize, floor), "-", None, "", {"seconds": floor})
    say(f"converting the {sizes.small_mb} MB and {sizes.big_mb} MB files in child processes …")
    small_fig, big_fig = bracketed(small, big, CHILD_TIMEOUT, repeats=2)
    if small_fig is None or big_fig is None:
        yield Case(f"convert {label}", f"timed out after {CHILD_TIMEOUT:.0f} s", "", None, "",
                   note="the big file did not finish: see the growth figures of the one-line case")
        return
    yield from throughput_cases(label, bchars, bsize, big_fig, floor)
    say(f"speech2tei convert the {sizes.big_mb} MB file --jobs 1 / --jobs 2 …")
    yield from cli_jobs_cases(work / "big-out", [str(big)], label, bchars, bsize, floor)
    total = [sum(f[k] for k in ("parse", "json", "tei")) for f in (small_fig, big_fig)]
    cpu = [small_fig["cpu"], big_fig["cpu"]]
    yield Case(f"growth: {label} vs {human(small.stat().st_size)}",
               f"CPU {cpu[1]:.2f} s vs {cpu[0]:.2f} s (wall {total[1]:.2f} vs {total[0]:.2f}; "
               f"small before/after {small_fig['cpu_before']:.2f}/{small_fig['cpu_after']:.2f})",
               f"size ratio {bsize / small.stat().st_size:.1f}", cpu[1] / cpu[0],
               f"x the CPU time (linear <= {LINEAR_LIMIT:g}; wall {total[1] / total[0]:.2f})",
               {"big_s": total[1], "small_s": total[0], "big_cpu": cpu[1], "small_cpu": cpu[0]})
    yield Case(f"peak RSS, {label}", f"{big_fig['peak_mb']:.0f} MB", f"at rest {big_fig['rest_mb']:.0f} MB",
               big_fig["peak_mb"] / (bsize / MB), "MB of RSS per MB of input",
               {"peak_mb": big_fig["peak_mb"], "rest_mb": big_fig["rest_mb"]})
    yield from one_line_cases(work, text, sizes, total[0], say)
    yield from pandoc_cases(work, small, say)


def one_line_cases(work: Path, text: str, sizes: Sizes, small_time: float,
                   say: Callable[[str], None]) -> Iterator[Case]:
    """The big text with no line breaks: small first, then big only if small grows linearly."""
    say("one-line texts (no paragraph breaks) …")
    flat = one_line(text).encode("utf-8")
    tenth, hundredth = work / "oneline-10.txt", work / "oneline-100.txt"
    tenth.write_bytes(_cut(flat, len(flat) // 10))
    hundredth.write_bytes(_cut(flat, len(flat) // 100))
    fig_100, fig_10 = bracketed(hundredth, tenth, 600, repeats=3)
    assert fig_100 is not None
    t_100 = sum(fig_100[k] for k in ("parse", "json", "tei"))
    if fig_10 is None:
        yield Case("one-line text, 1/10 size", "timed out after 600 s", f"1/100 size {t_100:.2f} s", None, "",
                   note="QUADRATIC: a text without line breaks does not scale")
        return
    t_10 = sum(fig_10[k] for k in ("parse", "json", "tei"))
    yield Case(f"one-line text, {human(tenth.stat().st_size)} vs {human(hundredth.stat().st_size)}",
               f"CPU {fig_10['cpu']:.2f} s vs {fig_100['cpu']:.2f} s", "size ratio 10",
               fig_10["cpu"] / fig_100["cpu"], f"x the CPU time (linear <= {LINEAR_LIMIT:g})",
               {"s": t_10, "tenth_s": t_100, "cpu": fig_10["cpu"], "tenth_cpu": fig_100["cpu"]})
    if fig_10["cpu"] / fig_100["cpu"] > LINEAR_LIMIT:
        return  # the full size would take hours; the ratio says enough
    whole = work / "oneline.txt"
    whole.write_bytes(flat)
    fig = child_measure(whole, timeout=1800)
    after = child_measure(tenth, timeout=600)
    if after is not None:  # the tenth again, after the whole (see ``bracketed``)
        fig_10["cpu"] = (fig_10["cpu"] + after["cpu"]) / 2
    if fig is None:
        yield Case(f"one-line text, {human(len(flat))}", "timed out after 1800 s", "", None, "")
        return
    t = sum(fig[k] for k in ("parse", "json", "tei"))
    yield Case(f"one-line text, {human(len(flat))} vs {human(tenth.stat().st_size)}",
               f"CPU {fig['cpu']:.2f} s, peak RSS {fig['peak_mb']:.0f} MB", f"1/10 size CPU {fig_10['cpu']:.2f} s",
               fig["cpu"] / fig_10["cpu"], f"x the CPU time (linear <= {LINEAR_LIMIT:g})",
               {"s": t, "cpu": fig["cpu"], "peak_mb": fig["peak_mb"]})


def _cut(data: bytes, size: int) -> bytes:
    """The first ``size`` bytes, ending on a whole UTF-8 character."""
    return data[:size].decode("utf-8", errors="ignore").encode("utf-8")


def pandoc_cases(work: Path, text_file: Path, say: Callable[[str], None]) -> Iterator[Case]:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        yield Case("pandoc -f markdown -t tei", "not installed", "", None, "", note="skipped")
        return
    say("pandoc on the same text …")
    size = text_file.stat().st_size
    formats = "json,tei" if tei_writer() else "json"
    theirs = timed(lambda: subprocess.run([pandoc, "-f", "markdown", "-t", "tei", str(text_file), "-o",
                                           str(work / "pandoc.xml")], check=True), 1)
    ours, _ = run_cli(["convert", str(text_file), "--to", formats, "-o", str(work / "ours"), "--force", "-q"])
    yield Case(f"pandoc -f markdown -t tei, {human(size)}", f"{size / MB / theirs:6.2f} MB/s ({theirs:.2f} s)",
               "-", None, "", {"seconds": theirs})
    yield Case(f"speech2tei convert --to {formats}, same {human(size)}", f"{size / MB / ours:6.2f} MB/s "
               f"({ours:.2f} s)", f"pandoc {theirs:.2f} s", ours / theirs, "x pandoc's time (<= 1: as fast)",
               {"seconds": ours})


def latency_cases(work: Path, sizes: Sizes, say: Callable[[str], None]) -> Iterator[Case]:
    say("CLI latency …")
    bare = median_time([sys.executable, "-c", "pass"], sizes.repeats)
    version = median_time([*cli(), "--version"], sizes.repeats)
    one = work / "one.txt"
    shutil.copy(EXAMPLES / "county-roads-speech.txt", one)
    formats = "json,tei" if tei_writer() else "json"
    convert = median_time([*cli(), "convert", str(one), "--to", formats, "-o", str(work / "one-out"), "--force"],
                          sizes.repeats)
    yield Case("latency: python -c pass", f"{bare:.3f} s", "-", None, "", {"seconds": bare})
    yield Case("latency: speech2tei --version", f"{version:.3f} s", f"python -c pass {bare:.3f} s", version / bare,
               "x a bare interpreter", {"seconds": version})
    yield Case(f"latency: speech2tei convert one {one.stat().st_size / 1000:.0f} kB file --to {formats}",
               f"{convert:.3f} s", f"--version {version:.3f} s", convert / version, "x --version",
               {"seconds": convert})


# --- report ------------------------------------------------------------------------------------


def print_case(case: Case) -> None:
    ratio = f"{case.ratio:8.2f} {case.ratio_label}" if case.ratio is not None else ""
    base = f"[{case.baseline}]" if case.baseline and case.baseline != "-" else ""
    note = f"  ({case.note})" if case.note else ""
    print(f"{case.name:<58} {case.figure:<34} {ratio} {base}{note}", flush=True)


def machine() -> dict[str, object]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count(),
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in well under 30 s")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--docs", type=int, help="number of documents (default 1000)")
    parser.add_argument("--docs-mb", type=float, help="their total size in MB (default 20)")
    parser.add_argument("--big-mb", type=float, help="size of the big file in MB (default 50)")
    parser.add_argument("--small-mb", type=float, help="size of the file it is compared with (default 5)")
    parser.add_argument("--no-shared", action="store_true", help="do not measure ../shared/corpus even if present")
    parser.add_argument("--cases", default="docs,big,latency",
                        help="which groups to run, comma-separated: docs, big, latency (default: all)")
    parser.add_argument("--work", type=Path, help="keep the corpus and outputs in this folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child)
        return 0
    sizes = Sizes.quick() if args.quick else Sizes.full()
    for name in ("docs", "docs_mb", "big_mb", "small_mb"):
        if getattr(args, name) is not None:
            setattr(sizes, name, getattr(args, name))
    sizes.shared = not args.no_shared

    def say(message: str) -> None:
        print(f"# {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="speech2tei-bench-") as tmp:
        work = args.work or Path(tmp)
        if args.work and work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        warm()
        problem = precompile()
        if problem:
            say(problem)
        if tei_writer() is None:
            say("speech2tei.tei is not importable: TEI cases skipped")
        print(f"speech2tei benchmark — {machine()}; sizes {asdict(sizes)}", flush=True)
        groups = {"docs": docs_cases, "big": big_cases, "latency": latency_cases}
        wanted = [name.strip() for name in args.cases.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in groups]
        if unknown:
            parser.error(f"unknown --cases {', '.join(unknown)}; choose from {', '.join(groups)}")
        for name in wanted:
            for case in groups[name](work, sizes, say):
                print_case(case)
                cases.append(case)
    elapsed = time.perf_counter() - started
    print(f"# done in {elapsed:.0f} s; load average now {machine()['load']}", flush=True)
    if args.out:
        args.out.write_text(json.dumps({"machine": machine(), "sizes": asdict(sizes), "seconds": elapsed,
                                        "cases": [asdict(c) for c in cases]}, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
