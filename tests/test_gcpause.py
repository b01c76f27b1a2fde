"""The collector is held during a conversion and given back exactly as it was."""

from __future__ import annotations

import gc

import pytest

from speech2tei.gcpause import paused_gc
from speech2tei.pipeline import convert_bytes


def test_paused_and_restored_even_on_error():
    assert gc.isenabled()
    with pytest.raises(ValueError), paused_gc():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()


def test_nested_use_only_the_outermost_turns_it_back_on():
    with paused_gc():
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        convert_bytes("标题\n一、总体要求\n正文。\n".encode(), "x.txt")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_conversion_gives_the_collector_back():
    convert_bytes("标题\n一、总体要求\n正文。\n".encode(), "x.txt")
    assert gc.isenabled()
