"""The long fuzz run: the properties of tests/test_properties.py over 20,000+ generated inputs.

Usage (from the repository root)::

    .venv/bin/python fuzz/fuzz.py                    # 20,000 inputs
    .venv/bin/python fuzz/fuzz.py --examples 100000 --seed 7 --report fuzz-report.json

Unlike the CI test, a failure does not stop the run: every failing input is recorded under a
signature (exception type, the gist of its message and the deepest speech2tei frame), the run
goes on, and at the end each distinct failure is shrunk to a minimal reproducer (a delta
debugger over the text or the bytes) and printed. Exit code 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, ModuleType

REPO = Path(__file__).resolve().parents[1]


def load_properties() -> ModuleType:
    """tests/test_properties.py as a module: the strategy and ``check_sample`` live there."""
    path = REPO / "tests" / "test_properties.py"
    spec = importlib.util.spec_from_file_location("speech2tei_properties", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class InputTimeout(Exception):
    """One input took longer than --timeout seconds (a hang or super-linear work)."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise InputTimeout("input took longer than the per-input timeout")


@dataclass(slots=True)
class Failure:
    """One distinct failure: how often it happened and the smallest input that showed it."""

    signature: str
    count: int = 0
    sample: object = None
    size: int = 0
    trace: str = ""


@dataclass(slots=True)
class Tally:
    tried: int = 0
    converted: int = 0
    refused: int = 0
    failures: dict[str, Failure] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(f.count for f in self.failures.values())


NUMBERS = re.compile(r"\d+")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def signature(exc: BaseException) -> str:
    """Type, gist of the message and the deepest frame in speech2tei: one per distinct bug."""
    message = str(exc).splitlines()[0] if str(exc) else ""
    message = NUMBERS.sub("N", QUOTED.sub("'…'", message))[:70]
    where = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        if "speech2tei" in frame.filename or "test_properties" in frame.filename:
            where = f"{Path(frame.filename).name}:{frame.name}"
    return f"{type(exc).__name__}: {message} @ {where}"


def run_one(props: ModuleType, sample: object, timeout: int) -> BaseException | str:
    """Check one sample; return "converted"/"refused", or the exception that broke it."""
    signal.alarm(timeout)
    try:
        return props.check_sample(sample)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # every failure is data here, whatever its type
        return exc
    finally:
        signal.alarm(0)


def sample_size(sample: object) -> int:
    text = getattr(sample, "text", None)
    return len(text) if text is not None else len(sample.data)  # type: ignore[attr-defined]


def record(tally: Tally, sample: object, exc: BaseException) -> None:
    sig = signature(exc)
    if sig not in tally.failures:
        print(f"new failure after {tally.tried} inputs: {sig}\n  input: {sample!r}"[:2000], flush=True)
    failure = tally.failures.setdefault(sig, Failure(sig))
    failure.count += 1
    size = sample_size(sample)
    if failure.sample is None or size < failure.size:
        failure.sample, failure.size = sample, size
        failure.trace = "".join(traceback.format_exception(exc)[-6:])


# --- shrinking ---------------------------------------------------------------------------------


def rebuild(props: ModuleType, sample: object, piece: str | bytes) -> object | None:
    """The same kind of sample (name, encoding, HTML or .docx wrapping) around a smaller text or bytes."""
    if isinstance(piece, bytes):
        return props.Sample(None, piece, sample.name, sample.encoding)  # type: ignore[attr-defined]
    if sample.name.endswith(".html"):  # type: ignore[attr-defined]
        return props.Sample(piece, props.as_html(piece).encode("utf-8"), sample.name, "utf-8")
    if sample.name.endswith(".docx"):  # type: ignore[attr-defined]
        return props.Sample(piece, props.as_docx(piece), sample.name, "utf-8")
    data = props.encode(piece, sample.encoding)  # type: ignore[attr-defined]
    if data is None:
        return None
    return props.Sample(piece, data, sample.name, sample.encoding)  # type: ignore[attr-defined]


def ddmin(value: str | bytes, still_fails: Callable[[str | bytes], bool], budget: int) -> str | bytes:
    """Remove chunks (halves, quarters … single characters) while the failure persists."""
    chunk = max(len(value) // 2, 1)
    while budget > 0:
        i, changed = 0, False
        while i < len(value) and budget > 0:
            candidate = value[:i] + value[i + chunk:]
            budget -= 1
            if candidate != value and still_fails(candidate):
                value, changed = candidate, True
            else:
                i += chunk
        if chunk == 1 and not changed:
            break
        if not changed:
            chunk = max(chunk // 2, 1)
    return value


def shrink(props: ModuleType, failure: Failure, timeout: int, budget: int) -> object:
    """The smallest input found that still fails with the same signature."""
    sample = failure.sample
    start = sample.text if sample.text is not None else sample.data  # type: ignore[attr-defined]

    def still_fails(piece: str | bytes) -> bool:
        candidate = rebuild(props, sample, piece)
        if candidate is None:
            return False
        outcome = run_one(props, candidate, timeout)
        return isinstance(outcome, BaseException) and signature(outcome) == failure.signature

    smallest = ddmin(start, still_fails, budget)
    return rebuild(props, sample, smallest) or sample


# --- the run -----------------------------------------------------------------------------------


def fuzz(props: ModuleType, examples: int, seed: int | None, timeout: int, progress: int) -> Tally:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    tally = Tally()
    started = time.perf_counter()
    inputs = st.one_of(props.samples(), props.samples(), props.samples(), props.damaged_samples())

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(inputs)
    def one(sample: object) -> None:
        tally.tried += 1
        outcome = run_one(props, sample, timeout)
        if outcome == "converted":
            tally.converted += 1
        elif outcome == "refused":
            tally.refused += 1
        else:
            record(tally, sample, outcome)  # type: ignore[arg-type]
        if progress and tally.tried % progress == 0:
            rate = tally.tried / (time.perf_counter() - started)
            print(f"[{tally.tried}/{examples}] {tally.converted} converted, {tally.refused} refused, "
                  f"{tally.failed} failed ({len(tally.failures)} distinct); {rate:.1f} inputs/s",
                  flush=True)

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    one()
    return tally


def describe(props: ModuleType, failure: Failure, smallest: object) -> dict[str, object]:
    text = getattr(smallest, "text", None)
    return {
        "signature": failure.signature,
        "count": failure.count,
        "reproducer": {"name": smallest.name, "encoding": smallest.encoding,  # type: ignore[attr-defined]
                       "text": text, "bytes_hex": None if text is not None else smallest.data.hex()},  # type: ignore[attr-defined]
        "python": f"check_sample({smallest!r})",
        "trace": failure.trace,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=20_000, help="inputs to try (default 20,000)")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds one input may take (default 60)")
    parser.add_argument("--shrink-budget", type=int, default=600, help="checks spent shrinking each failure")
    parser.add_argument("--progress", type=int, default=1000, help="print a line every N inputs (0: never)")
    parser.add_argument("--report", type=Path, default=None, help="also write the failures as JSON here")
    args = parser.parse_args(argv)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    signal.signal(signal.SIGALRM, _on_alarm)
    props = load_properties()
    started = time.perf_counter()
    tally = fuzz(props, args.examples, args.seed, args.timeout, args.progress)
    elapsed = time.perf_counter() - started
    print(f"\ninputs tried: {tally.tried}; converted: {tally.converted}; refused (documented "
          f"InputError): {tally.refused}; failed: {tally.failed} ({len(tally.failures)} distinct); "
          f"{elapsed:.0f} s")
    found = []
    for failure in sorted(tally.failures.values(), key=lambda f: -f.count):
        smallest = shrink(props, failure, args.timeout, args.shrink_budget)
        found.append(describe(props, failure, smallest))
        print(f"\n=== {failure.count} × {failure.signature}\nminimal input: {smallest!r}\n{failure.trace}")
    if args.report:
        args.report.write_text(json.dumps({
            "examples": args.examples, "seed": args.seed, "tried": tally.tried,
            "converted": tally.converted, "refused": tally.refused, "failed": tally.failed,
            "seconds": round(elapsed), "failures": found}, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
