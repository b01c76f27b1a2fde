"""The parser against the shared hand-made gold, with the shared scorer (skipped without it)."""

from __future__ import annotations

import subprocess
import sys

from conftest import shared_path

HEADING_FLOOR = 0.95
STRUCTURE_FLOOR = 0.90


def test_shared_gold_scores_above_the_floor() -> None:
    scorer = shared_path("eval", "score_outline.py")
    gold = sorted(shared_path("gold").glob("*.outline"))
    cmd = f"{sys.executable} -m speech2tei outline --format json {{input}}"
    result = subprocess.run(
        [sys.executable, str(scorer), "--cmd", cmd, "--min-heading-f1", str(HEADING_FLOOR),
         "--min-structure-f1", str(STRUCTURE_FLOOR), *map(str, gold)],
        capture_output=True, text=True, timeout=600)
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, summary
    assert "no prediction" not in result.stdout
