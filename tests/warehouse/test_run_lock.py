"""live_holder: who holds the run lock, judged from the lock file without taking the lock."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.run_lock import live_holder, lock_path, process_start, run_lock

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _write_holder(db: Path, **holder: object) -> None:
    lock_path(db).write_text(json.dumps(holder))


@LINUX
def test_a_zombie_or_a_later_process_with_the_same_pid_is_not_the_holder(tmp_path: Path) -> None:
    """A killed run whose parent had not reaped it yet (a zombie), or whose pid the OS gave to
    another process, was reported as still running by lots, review and export."""
    db = tmp_path / "reorder.duckdb"
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = process_start(child.pid)
        assert isinstance(started, int)
        _write_holder(db, pid=child.pid, started=started, run_id="r1")
        assert live_holder(db) == {"pid": child.pid, "started": started, "run_id": "r1"}
        os.kill(child.pid, signal.SIGKILL)
        # not reaped: the child stays a zombie until wait()
        for _ in range(200):
            if process_start(child.pid) is None:
                break
            time.sleep(0.01)
        assert process_start(child.pid) is None
        assert live_holder(db) is None
    finally:
        child.kill()
        child.wait()
    me = os.getpid()
    _write_holder(db, pid=me, started=process_start(me) + 1, run_id="r2")  # pid reused
    assert live_holder(db) is None


def test_the_holder_of_a_held_lock_is_live(tmp_path: Path) -> None:
    db = tmp_path / "reorder.duckdb"
    with run_lock(db, run_id="r3"):
        holder = live_holder(db)
        assert holder is not None and holder["pid"] == os.getpid() and holder["run_id"] == "r3"
    assert live_holder(db) is None


def test_a_holder_that_proc_does_not_show_is_judged_by_a_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With /proc mounted hidepid, another user's running holder has no readable stat: it was
    reported as gone ("killed?") while it ran."""
    module = importlib.import_module("warehouse.run_lock")  # the package exports run_lock()
    db = tmp_path / "reorder.duckdb"
    monkeypatch.setattr(module, "_proc_state", lambda pid: None)
    _write_holder(db, pid=os.getpid(), started=12345, run_id="r4")
    assert live_holder(db) is not None
