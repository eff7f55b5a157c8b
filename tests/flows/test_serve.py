"""`reorder serve` in a subprocess against the test server: stopping it (Ctrl-C's SIGINT, or
SIGTERM) ends the flow runs it started and frees their deployments' concurrency slots."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.responses import DeploymentResponse
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL

import warehouse
from flows.serve import STOPPED_MESSAGE
from tests.flows.conftest import AS_OF
from warehouse.run_lock import live_holder

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 90.0  # serve imports and registers, a run's subprocess starts: ~10 s on 2 cores

pytestmark = pytest.mark.slow


def _wait_for(condition: Callable[[], object], what: str, seconds: float = SECONDS) -> object:
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {seconds:g} s")
        time.sleep(0.1)
    return found


@contextmanager
def _serving(data_dir: Path, db_path: Path, log: Path) -> Iterator[subprocess.Popen]:
    """`reorder serve` on the test server, polling for runs every second; stopped (SIGTERM,
    then SIGKILL) if a test leaves it running."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        PREFECT_HOME=str(log.parent / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    cmd = [sys.executable, "-m", "flows.cli", "serve", "--data-dir", str(data_dir),
           "--db", str(db_path), "--timezone", "UTC"]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _deployment(name: str) -> DeploymentResponse | None:
    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None


def _start_run(name: str, **parameters: object) -> UUID:
    """A run of the served deployment `name` (once serve has registered it)."""
    deployment = _wait_for(lambda: _deployment(name), f"deployment {name}")
    with get_client(sync_client=True) as client:
        return client.create_flow_run_from_deployment(deployment.id, parameters=parameters).id


def _run(run_id: UUID) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def _stop(serve: subprocess.Popen, signum: signal.Signals, run_id: UUID) -> None:
    """Stop serve as Ctrl-C (SIGINT) or a service manager (SIGTERM) does: its flow runs are
    in their own sessions, so the signal reaches serve only."""
    os.kill(serve.pid, signum)
    assert serve.wait(timeout=60) == 0
    state = _run(run_id).state
    assert (state.type.value, state.message) == ("CANCELLED", STOPPED_MESSAGE), state
    slots = _deployment("nightly/rerun").global_concurrency_limit.active_slots
    assert slots == 0, "the run's concurrency slot (concurrency_limit: 1) is free"


@pytest.fixture
def served() -> Iterator[None]:
    """Deletes the deployments serve registered on the test server (shared by all tests)."""
    yield
    with get_client(sync_client=True) as client:
        for name in ("nightly/nightly", "nightly/rerun"):
            if deployment := _deployment(name):
                client.delete_deployment(deployment.id)


def test_stopping_serve_cancels_its_runs_and_frees_their_concurrency_slot(
    demo_dir: Path, tmp_path: Path, served: None
) -> None:
    """Stopped while a run was going, `reorder serve` left it Running for good and its
    deployment's slot taken for 5 minutes (a rerun waited in AwaitingConcurrencySlot); now
    the run ends Cancelled, the slot is free and the warehouse marks the run failed."""
    planned, held = tmp_path / "planned.duckdb", tmp_path / "held.duckdb"
    with _serving(demo_dir, planned, tmp_path / "serve-int.log") as serve:
        planning = _start_run("nightly/rerun", as_of=str(AS_OF), horizon=8, scenarios=60)
        run_id = _wait_for(lambda: (live_holder(planned) or {}).get("run_id"), "a started run")
        _stop(serve, signal.SIGINT, planning)  # the run has its forecast ahead (seconds)
    with warehouse.connect(planned, read_only=True) as con:
        runs = warehouse.run_history(con).set_index("run_id")
    assert runs.loc[run_id, ["status", "error"]].tolist() == ["failed", "TerminationSignal"]

    # a rerun takes the freed slot at once, and SIGTERM stops serve the same way
    with (
        warehouse.run_lock(held),
        _serving(demo_dir, planned, tmp_path / "serve-term.log") as serve,
    ):
        # it waits for the run lock of `held` (lock_wait, minutes) while Running
        waiting = _start_run("nightly/rerun", db_path=str(held), lock_wait=5)
        _wait_for(lambda: _run(waiting).state.is_running(), "the rerun running")
        _stop(serve, signal.SIGTERM, waiting)
