"""Two processes against one warehouse file: the second run stops clearly, data stays whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL

import warehouse
from tests.flows.conftest import AS_OF
from warehouse.run_lock import lock_path

ROOT = Path(__file__).resolve().parents[2]
RUN = {"as_of": str(AS_OF), "horizon": 8, "scenarios": 60}

# A flow process that imports everything, says it is ready, then runs when its go file appears:
# both runs then start within a fraction of a second of each other.
_RUNNER = """
import json, sys, time
from pathlib import Path
from flows.nightly import nightly
ready, go, kwargs = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.02)
try:
    nightly(**kwargs)
except Exception as err:
    print(f"RUN FAILED: {err}", flush=True)
    sys.exit(3)
print("RUN SUCCEEDED", flush=True)
"""

_HOLDER = """
import sys, time
from pathlib import Path
from warehouse.run_lock import run_lock
with run_lock(sys.argv[1], run_id="holder-run"):
    Path(sys.argv[2]).touch()
    while Path(sys.argv[2]).exists():
        time.sleep(0.02)
    time.sleep(float(sys.argv[3]))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    return env


def _wait_for(condition, what: str, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {seconds:g} s")
        time.sleep(0.02)


def _start(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _holds_lock(db_path: Path, pid: int) -> bool:
    text = lock_path(db_path).read_text() if lock_path(db_path).exists() else ""
    return bool(text) and json.loads(text).get("pid") == pid


def test_second_run_stops_naming_the_first_and_the_data_stays_consistent(
    demo_dir: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "reorder.duckdb"
    kwargs = json.dumps({**RUN, "data_dir": str(demo_dir), "db_path": str(db_path)})
    files = {n: tmp_path / n for n in ("ready-a", "go-a", "ready-b", "go-b")}
    first = _start(_RUNNER, str(files["ready-a"]), str(files["go-a"]), kwargs)
    second = _start(_RUNNER, str(files["ready-b"]), str(files["go-b"]), kwargs)
    try:
        _wait_for(lambda: files["ready-a"].exists() and files["ready-b"].exists(), "imports")
        files["go-a"].touch()
        _wait_for(lambda: _holds_lock(db_path, first.pid), "first run taking the run lock")
        files["go-b"].touch()
        out_second, _ = second.communicate(timeout=120)
        out_first, _ = first.communicate(timeout=120)
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()

    assert first.returncode == 0, out_first
    assert second.returncode == 3, out_second
    assert f"another run (pid {first.pid}, run_id " in out_second
    assert f"is writing {db_path}" in out_second

    with warehouse.connect(db_path, read_only=True) as con:
        runs = warehouse.run_history(con)
        published = warehouse.current_recommendations(con)
    assert runs["status"].tolist() == ["succeeded"], "the stopped run wrote nothing"
    assert len(published) > 0 and set(published["run_id"]) == {runs["run_id"].iloc[0]}
    assert published["sku"].is_unique
    assert not lock_path(db_path).read_text(), "the lock file is cleared after the run"


def test_run_lock_waits_for_the_holder_to_finish(tmp_path: Path) -> None:
    db_path, held = tmp_path / "reorder.duckdb", tmp_path / "held"
    holder = _start(_HOLDER, str(db_path), str(held), "0.5")
    _wait_for(held.exists, "holder taking the lock")
    busy = rf"pid {holder.pid}, run_id holder-run"
    with pytest.raises(warehouse.RunLockedError, match=busy), warehouse.run_lock(db_path):
        pass
    held.unlink()  # the holder finishes 0.5 s later; a waiting run then gets the lock
    with warehouse.run_lock(db_path, wait_seconds=60) as lock:
        assert holder.poll() is not None or holder.wait(timeout=5) == 0
        assert lock.info["pid"] == os.getpid()


def test_a_killed_run_does_not_block_the_next(tmp_path: Path) -> None:
    db_path, held = tmp_path / "reorder.duckdb", tmp_path / "held"
    holder = _start(_HOLDER, str(db_path), str(held), "0")
    _wait_for(held.exists, "holder taking the lock")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    with warehouse.run_lock(db_path) as lock:
        assert lock.info["pid"] == os.getpid()


def test_a_run_with_lock_wait_waits_for_the_run_before_it(demo_dir: Path, tmp_path: Path) -> None:
    """The scheduled nightly found a late rerun still writing and failed at once; with
    lock_wait (the nightly deployment's: 60 minutes) it runs once that run is done."""
    from flows.nightly import nightly

    db_path, held = tmp_path / "reorder.duckdb", tmp_path / "held"
    holder = _start(_HOLDER, str(db_path), str(held), "5")
    _wait_for(held.exists, "holder taking the lock")
    held.unlink()  # the holder lets go 5 s from now, well after the flow asks for the lock
    summary = nightly(**RUN, data_dir=str(demo_dir), db_path=str(db_path), lock_wait=1.0)
    assert holder.wait(timeout=5) == 0
    assert summary["published"]
    with pytest.raises(warehouse.RunLockedError):  # the same without lock_wait: stops at once
        holder = _start(_HOLDER, str(db_path), str(held), "5")
        _wait_for(held.exists, "holder taking the lock")
        held.unlink()
        nightly(**RUN, data_dir=str(demo_dir), db_path=str(db_path))
    holder.wait(timeout=30)


def test_reorder_run_while_another_run_writes_says_so_in_one_line(
    demo_dir: Path, tmp_path: Path
) -> None:
    """`reorder run` during a rerun printed the flow engine's traceback and the message four
    times; it now stops before Prefect starts with the message of the README, once."""
    db_path = tmp_path / "reorder.duckdb"
    ready = tmp_path / "held"
    holder = _start(_HOLDER, str(db_path), str(ready), "0")
    try:
        _wait_for(lambda: _holds_lock(db_path, holder.pid), "the holder taking the run lock")
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--data-dir", str(demo_dir),
             "--db", str(db_path)],
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        ready.unlink(missing_ok=True)
        holder.communicate(timeout=30)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    message = (
        f"Error: another run (pid {holder.pid}, run_id holder-run) is writing {db_path} since "
    )
    assert message in said, said
    assert "this run stopped before writing anything. Start it again" in said
    assert "Traceback" not in said and said.count("another run") == 1, said
    assert not db_path.exists(), "nothing written"
