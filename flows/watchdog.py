"""Stop what a killed command started.

`reorder run` starts Prefect's temporary API server as a child process and stops it at exit;
killed with SIGKILL (the OOM killer, `kill -9`) it cannot, and the server (about 225 MB) ran on
for good, one more after every such night. `guarded()` starts a small process that notes the
command's children every second and, once the command is gone, sends each of them that is still
the same process SIGTERM. Linux only (it reads /proc); elsewhere it does nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 1.0
_PROC = Path("/proc")


@contextmanager
def guarded() -> Iterator[subprocess.Popen | None]:
    """Watch this process for the block (None where /proc is missing): killed inside it, its
    children get SIGTERM; leaving it normally stops the watchdog, so a process that goes on
    (a test session, a notebook) keeps its later children. The watchdog runs in a session of
    its own, so Ctrl-C in the terminal reaches the command, not the watchdog."""
    pid = os.getpid()
    if not (_PROC / str(pid) / "stat").exists():
        yield None
        return
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "flows.watchdog", str(pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield watchdog
    finally:
        watchdog.kill()
        watchdog.wait()


def _stat(pid: int | str) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on, None if there is no such process; the command
    name before it may hold spaces and parentheses."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def started(pid: int) -> int | None:
    """The process's start time (clock ticks after boot), None if there is no such process
    or it has exited (a zombie not yet reaped): with the pid it tells a process from a later
    one that got the same pid."""
    fields = _stat(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])  # field 22 of proc(5)


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid` (field 4 of proc(5))."""
    return [
        int(entry.name)
        for entry in _PROC.iterdir()
        if entry.name.isdigit() and (fields := _stat(entry.name)) and int(fields[1]) == pid
    ]


def watch(parent: int, poll: float = POLL_SECONDS) -> list[int]:
    """Note `parent`'s children until it is gone, then SIGTERM those still running; returns
    the pids signalled."""
    birth = started(parent)
    seen: dict[int, int] = {}
    while birth is not None and started(parent) == birth:
        for pid in children(parent):
            if pid != os.getpid() and (start := started(pid)) is not None:
                seen.setdefault(pid, start)
        time.sleep(poll)
    stopped = []
    for pid, start in seen.items():
        if started(pid) == start:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                continue
            stopped.append(pid)
    return stopped


if __name__ == "__main__":
    watch(int(sys.argv[1]))
