"""The parser against the shared hand-made gold, with the shared scorer (skipped without it).

The floors are the bar of the structure-accuracy issue: heading F1 >= 0.99, structure F1 >=
0.98, path F1 >= 0.97, head exactness >= 0.95; the same scoring runs on unseen documents.
"""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import shared_path

HEADING_FLOOR = 0.99
STRUCTURE_FLOOR = 0.98
PATH_FLOOR = 0.97
HEAD_EXACT_FLOOR = 0.95


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
    path_f1 = float(re.search(r"path F1=([0-9.]+)", summary).group(1))  # type: ignore[union-attr]
    head_exact = float(re.search(r"head_exact=([0-9.]+)", summary).group(1))  # type: ignore[union-attr]
    assert path_f1 >= PATH_FLOOR, summary
    assert head_exact >= HEAD_EXACT_FLOOR, summary
