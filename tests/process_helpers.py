"""Helpers shared by the tests that interrupt a conversion as a terminal's Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest


def interrupt(proc: subprocess.Popen) -> str:
    """Send SIGINT to the process group of ``proc`` (started with ``start_new_session``) and
    wait for it to end: its remaining standard error."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, rest = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("convert did not stop within 60 s of Ctrl-C")
    return rest


def assert_group_ends(pid: int, seconds: float = 10) -> None:
    """Fail unless every process of the group ``pid`` (the workers too) is gone soon."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("worker processes are still running after the interrupt")
