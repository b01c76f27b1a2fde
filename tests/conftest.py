"""Shared test helpers: where the shared data is, and converting text in one call."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech2tei import Conversion, convert_bytes

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test where the shared folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared folder is only beside the repo in CI and dev)")
    return path


def convert_text(text: str, name: str = "test.txt") -> Conversion:
    return convert_bytes(text.encode("utf-8"), name)
