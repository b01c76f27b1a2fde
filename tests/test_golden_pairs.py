"""Golden pairs: tests/fixtures/golden/NAME.txt (and examples/NAME.txt) → NAME.json and
NAME.xml, byte for byte.

The expected files were generated once and read by a person (structure, heads, front matter,
ledger); a change in output shows here as a diff to review. To accept a reviewed change, run
with SPEECH2TEI_UPDATE_GOLDEN=1 and read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from speech2tei import convert_bytes, to_json_bytes
from speech2tei.ledger import check_nothing_lost
from speech2tei.tei import write_tei

GOLDEN = FIXTURES / "golden"
CASES = sorted(GOLDEN.glob("*.txt")) + sorted((REPO / "examples").glob("*.txt"))
EPOCH = "1767225600"  # 2026-01-01: the conversion date written in the TEI header


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def outputs(source: Path) -> dict[str, bytes]:
    data = source.read_bytes()
    conv = convert_bytes(data, source.name)
    assert check_nothing_lost(data.decode("utf-8"), conv) == []
    return {".json": to_json_bytes(conv), ".xml": write_tei(conv)}


def test_there_are_golden_pairs() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.stem)
def test_golden_pair(source: Path) -> None:
    for suffix, got in outputs(source).items():
        expected = source.with_suffix(suffix)
        if os.environ.get("SPEECH2TEI_UPDATE_GOLDEN") == "1":
            expected.write_bytes(got)
        assert expected.exists(), f"{expected.name} missing: run with SPEECH2TEI_UPDATE_GOLDEN=1 and review it"
        assert got.decode("utf-8") == expected.read_text(encoding="utf-8"), expected.name
