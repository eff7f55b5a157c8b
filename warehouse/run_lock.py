"""One writing run per warehouse file: a run-level lock beside the DuckDB file.

A run opens and closes its DuckDB connection around each step, so DuckDB's own file lock only
serializes single steps: two runs could interleave their loads and publishes. The run lock
(`<db>.run-lock`, an OS advisory lock via fcntl.flock) is held for the whole run; a second run
waits up to `wait_seconds` and then stops before writing anything, naming the holder. The OS
releases the lock when the holding process dies, so a crashed run never blocks the next night.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warehouse.errors import DatabaseBusyError

_POLL_SECONDS = 0.25


class RunLockedError(DatabaseBusyError):
    """Another run holds the run lock of the warehouse file."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file of a warehouse: `reorder.duckdb` -> `reorder.duckdb.run-lock`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".run-lock")


class RunLock:
    """A held run lock; `describe(run_id=...)` records who holds it for the next run's message."""

    def __init__(self, handle: IO[str], info: dict[str, Any]) -> None:
        self._handle = handle
        self.info = info

    def describe(self, **info: Any) -> None:
        """Add facts about the holder (run_id, flow_run_id) to the lock file."""
        self.info.update(info)
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps(self.info, default=str))
        self._handle.flush()


@contextmanager
def run_lock(db_path: str | Path, wait_seconds: float = 0.0, **info: Any) -> Iterator[RunLock]:
    """Hold the run lock of `db_path` for the duration of the block.

    Waits up to `wait_seconds` (seconds) for another run to finish, then raises
    RunLockedError naming that run's pid, run_id and start time. `info` (e.g. flow_run_id) is
    written to the lock file for that message.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        _acquire(handle, path, Path(db_path), wait_seconds)
        pid = os.getpid()
        lock = RunLock(handle, {"pid": pid, "started": process_start(pid), "since": _now(), **info})
        lock.describe()
        try:
            yield lock
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _acquire(handle: IO[str], path: Path, db_path: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise RunLockedError(_locked_message(path, db_path, wait_seconds)) from None
            time.sleep(_POLL_SECONDS)


def _locked_message(path: Path, db_path: Path, wait_seconds: float) -> str:
    holder = _holder(path)
    facts = ", ".join(f"{k} {holder[k]}" for k in ("pid", "run_id", "flow_run_id") if holder.get(k))
    since = f" since {holder['since']}" if holder.get("since") else ""
    waited = f" (waited {wait_seconds:g} s)" if wait_seconds else ""
    return (
        f"another run ({facts or 'unknown'}) is writing {db_path}{since}{waited}; "
        "this run stopped before writing anything. Start it again when that run has finished."
    )


def busy_message(db_path: str | Path) -> str | None:
    """The message a run starting now without waiting would stop with (RunLockedError) if a
    live run holds the lock of `db_path`, else None. Reads the lock file only (live_holder):
    the run still takes the lock itself."""
    if live_holder(db_path) is None:
        return None
    return _locked_message(lock_path(db_path), Path(db_path), 0)


def live_holder(db_path: str | Path) -> dict[str, Any] | None:
    """What the run lock file says about its holder (pid, run_id, since) if that process
    still runs, else None. Reads the file only, never takes the lock (a run starting at that
    moment must not find it taken): a finished run empties the file, a killed one leaves its
    pid behind. Where /proc shows the process (Linux), a zombie or a later process that got
    the same pid is not the holder."""
    holder = _holder(lock_path(db_path))
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    state = _proc_state(pid)
    if state is not None:
        recorded = holder.get("started")
        zombie, started = state
        return None if zombie or (isinstance(recorded, int) and started != recorded) else holder
    try:  # no /proc, or another user's process hidden from us (hidepid)
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # another user's process: it runs
        return holder
    return holder


def process_start(pid: int) -> int | None:
    """Start time of a running process (clock ticks after boot, field 22 of /proc/<pid>/stat),
    None for a zombie, a process that is gone, or where /proc does not show it."""
    state = _proc_state(pid)
    return None if state is None or state[0] else state[1]


def _proc_state(pid: int) -> tuple[bool, int] | None:
    """(zombie, start time) from /proc/<pid>/stat; None where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and ")"
    return fields[0] in ("Z", "X"), int(fields[19])


def _holder(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
