"""Time bounds without wall-clock limits: no input may make the conversion super-linear.

Each case is adversarial text — 50,000 markers on one line, runs of one style that never
form a sequence, alternating styles, words that are almost markers — built at two sizes, n and
4n. The CPU time of the conversion is measured in a fresh interpreter per case (after a
warm-up; the small run is the best of two), and the ratio must stay below 8: linear work gives
about 4, quadratic work 16. Before the larger run the child caps its own CPU time at 10 times
the smaller one (RLIMIT_CPU), so a quadratic parser fails the test in seconds instead of
hanging it. Sizes grow until the small run costs
a tenth of a second, so the ratio is not timer noise. Where the ratio comes out above 8, the
small size is measured again after the large one and the slower of the two small runs taken:
the speed of a shared machine drifts, and a large run that met a slow moment is then judged
against a small run in the same moment (quadratic work still gives about 16).
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

MAX_RATIO = 8.0
CPU_CAP_FACTOR = 10.0
MIN_BASELINE = 0.1
"""Seconds of CPU the small run must cost before its ratio means anything."""
MAX_N = 2_000_000

CJK = "一二三四五六七八九"
TEN_STYLES = ("一、", "（一）", "1.", "（1）", "①", "⑴", "第一，", "首先，", "一是", "其一，")


WORDS = "加强推进建设发展改革创新服务管理工作群众基层组织制度体系能力水平质量效益安全环境保障落实"


def prose(i: int, size: int) -> str:
    """``size`` characters of WORDS, different for every ``i`` (a line repeated many times is
    page furniture, which cleaning removes)."""
    x = i * 2654435761 % 2**32
    out = []
    for _ in range(size):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(WORDS[x % len(WORDS)])
    return "".join(out)


def cjk(n: int) -> str:
    tens, ones = divmod(n % 99 + 1, 10)
    return ("" if tens < 2 else CJK[tens - 1]) + ("十" if tens else "") + (CJK[ones - 1] if ones else "")


CASES: dict[str, tuple[Callable[[int], str], int]] = {
    # 50,000 markers on one line (n = 12,500 → 4n = 50,000)
    "yi-shi-same-value": (lambda n: "一是。" * n, 12_500),
    "cn-paren-run": (lambda n: "（一）" * n, 12_500),
    "ordinal-comma": (lambda n: "第一，" * n, 12_500),
    "alternating-styles": (lambda n: "".join(TEN_STYLES[i % 10] + "工作。" for i in range(n)), 12_500),
    # more soups (their sizes grow from here until the small run is long enough to time)
    "yi-shi-counting": (lambda n: "".join(f"{cjk(i)}是加强。" for i in range(n)), 2_000),
    "cn-paren-sentences": (lambda n: "（一）落实。" * n, 2_000),
    "ordinal-counting": (lambda n: "".join(f"第{cjk(i)}，抓好。" for i in range(n)), 2_000),
    "arabic-dot-soup": (lambda n: "".join(f"{i % 999 + 1}." for i in range(n)), 2_000),
    "circled-soup": (lambda n: "①②③④⑤⑥⑦⑧⑨⑩" * (n // 10), 2_000),
    "shouxian-zuihou": (lambda n: "首先，最后，其次，再次，" * (n // 4), 2_000),
    # markers at line starts that never continue each other (the heading window is unbounded)
    "heading-lines-same": (lambda n: "一、总体要求\n" * n, 2_000),
    "heading-lines-descending": (lambda n: "".join(f"{cjk(98 - i % 99)}、要求\n" for i in range(n)), 2_000),
    "arabic-lines-gaps": (lambda n: "".join(f"{(i * 7) % 997 + 1}. 要求\n" for i in range(n)), 2_000),
    # almost-markers: long lines of text the grammar has to look at and reject
    "bare-numerals": (lambda n: "一" * n, 20_000),
    "false-hits": (lambda n: "第一线，一、二季度增长1.05亿，PM2.5下降。第一要务。" * (n // 8), 20_000),
    "sentence-then-numeral": (lambda n: "。一" * n, 10_000),
    "open-quotes": (lambda n: "一、" + "“" * n, 20_000),
    "colons": (lambda n: "：" * n + "一是", 20_000),
    "spaces-before-marker": (lambda n: "。" + "\u3000" * n + "一是。" + " " * n + "二是。", 20_000),
    # one paragraph over many lines: joined once, and what is asked of it counted line by line
    "wrapped-paragraph": (lambda n: "".join(f"{prose(i, 39)}，\n" for i in range(n)), 2_000),
    "comma-lines": (lambda n: "".join(f"{prose(i, 20 + i % 37)}，\n" for i in range(n)), 2_000),
    "open-quote-lines": (lambda n: "".join(f"他说“{prose(i, 10 + i % 13)}\n" for i in range(n)), 2_000),
    "fragment-lines": (lambda n: "细颗粒物PM\n" + "2.5\n" * n, 2_000),
}

CHILD = """
import importlib.util, resource, sys, time
spec = importlib.util.spec_from_file_location("complexity_cases", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.measure_growth(sys.argv[1], int(sys.argv[2]), sys.argv[3])
"""


def known_quadratic(data: bytes, name: str) -> int:
    """Work that is quadratic on purpose (each step rescans the prefix): the harness's control."""
    return sum(data.count(b"\xe4", 0, i) for i in range(0, len(data), 3))


def _cpu(work: Callable[[bytes, str], object], case: str, n: int, repeats: int) -> float:
    data = CASES[case][0](n).encode("utf-8")
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        work(data, "case.txt")
        best = min(best, time.process_time() - start)
    return best


def measure_growth(case: str, n: int, work_name: str) -> None:
    """Runs in the child: print ``small N SECONDS`` (n grown until the run is long enough to
    time; best of two), then cap this process's CPU at 10 × that and print ``large SECONDS``
    for 4n. A run into the cap kills the process with SIGXCPU, which the parent reads as ∞."""
    from speech2tei import convert_bytes

    convert_bytes("一、总体要求\n（一）统一思想。一是学习；二是落实。\n".encode(), "warm.txt")
    work = convert_bytes if work_name == "convert" else known_quadratic
    small = _cpu(work, case, n, 2)
    while small < MIN_BASELINE and n * 4 <= MAX_N:
        n *= 4
        small = _cpu(work, case, n, 2)
    print(f"small {n} {small}", flush=True)
    used = resource.getrusage(resource.RUSAGE_SELF)
    budget = used.ru_utime + used.ru_stime + CPU_CAP_FACTOR * max(small, MIN_BASELINE) + 1
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (int(budget) + 1, hard))  # SIGXCPU ends the process there
    large = _cpu(work, case, 4 * n, 1)
    print(f"large {large}", flush=True)
    if large / max(small, 1e-3) >= MAX_RATIO:  # judged against the small size in the same moment
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        print(f"again {_cpu(work, case, n, 2)}", flush=True)


def growth(case: str, n: int, work: str = "convert") -> tuple[int, float, float]:
    """(n, CPU for n, CPU for 4n) measured in a fresh interpreter; ∞ when 4n ran into the cap.
    The CPU for n is the slower of its runs before and after 4n, where it was run again."""
    script = CHILD.format(path=str(Path(__file__).resolve()))
    result = subprocess.run([sys.executable, "-c", script, case, str(n), work], capture_output=True,
                            text=True, check=False)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert "small" in lines, result.stderr[-3000:]
    size, small = lines["small"].split()
    if result.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and "large" not in lines:
        return int(size), float(small), float("inf")
    assert result.returncode == 0, result.stderr[-3000:]
    return int(size), max(float(small), float(lines.get("again", 0))), float(lines["large"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_work_grows_linearly(case: str) -> None:
    n, small, large = growth(case, CASES[case][1])
    ratio = large / max(small, 1e-3)
    assert ratio < MAX_RATIO, (
        f"{case}: {n} units took {small:.3f} s of CPU, {4 * n} took "
        f"{'more than the cap' if large == float('inf') else f'{large:.3f} s'}: ratio {ratio:.1f} "
        f"(linear ≈ 4, quadratic ≈ 16)")


def test_the_measure_tells_quadratic_from_linear() -> None:
    """The control: work that is quadratic on purpose must give a ratio above 8 (or hit the
    cap) under the same harness, so a passing case above means something."""
    n, small, large = growth("bare-numerals", 2_000, work="quadratic")
    assert large / max(small, 1e-3) > MAX_RATIO, (n, small, large)
