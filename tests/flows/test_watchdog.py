"""The watchdog stops what a killed command started (Prefect's temporary server)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.watchdog import started

ROOT = Path(__file__).resolve().parents[2]
PARENT = """
import subprocess, sys, time
from flows.watchdog import guarded
with guarded():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    print(child.pid, flush=True)
    time.sleep(120)
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may not reap orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_a_killed_command_s_children_are_stopped() -> None:
    """kill -9 of `reorder run` left its temporary Prefect server running for good."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    child = int(parent.stdout.readline())
    time.sleep(2.5)  # the watchdog notes the children every second
    assert _running(child)
    os.kill(parent.pid, signal.SIGKILL)  # not reaped until the end: a zombie counts as gone
    deadline = time.monotonic() + 15
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    stopped = not _running(child)
    parent.wait()
    if not stopped:
        os.kill(child, signal.SIGKILL)
    assert stopped


def test_a_command_that_ends_normally_stops_its_watchdog() -> None:
    """A process that goes on after the command (a test session, a notebook) kept being
    watched, and at its exit its later children got SIGTERM."""
    from flows.watchdog import guarded

    with guarded() as watchdog:
        assert watchdog is not None and watchdog.poll() is None
    assert watchdog.poll() is not None


def test_started_tells_a_process_from_none() -> None:
    assert started(os.getpid()) == started(os.getpid()) is not None
    assert started(2**22 + 7) is None  # above the kernel's pid limit
