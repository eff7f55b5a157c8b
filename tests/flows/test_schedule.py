"""Deployments on a real Prefect server: the nightly schedule really creates runs (PLATFORM.md:
with SQLAlchemy 2.1 the scheduler silently creates none; only a test like this one notices),
and a real process worker runs the review deployment, which suspends until a planner's form
answer resumes it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

import warehouse
from flows.nightly import nightly as nightly_flow
from flows.review import PENDING_KEY, REFUSED_KEY
from flows.serve import nightly_schedule
from tests.flows.conftest import AS_OF

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 45.0
SCHEDULER_SECONDS = 30.0
RUN_SECONDS = 120.0  # a worker-run flow: start the worker's subprocess, import, run

pytestmark = pytest.mark.slow


RETRIES = 8  # SQLite busy under load answers 503; Prefect's own client retries those too


def _api(method: str, url: str, json: object = None) -> Any:
    """One API call, retried with backoff on 503 (the server's "database is locked") and a
    read on a read timeout (on 2 cores the server, the worker and a flow run share them: a GET
    once took over 10 s on a fresh clone's run)."""
    for attempt in range(RETRIES):
        try:
            response = httpx.request(method, url, json=json, timeout=30)
        except httpx.ReadTimeout:
            reading = method == "GET" or url.endswith("/filter")  # safe to ask again
            if not reading or attempt == RETRIES - 1:
                raise
            time.sleep(0.5 * 2**attempt)
            continue
        if response.status_code != 503 or attempt == RETRIES - 1:
            break
        time.sleep(0.5 * 2**attempt)
    response.raise_for_status()
    return response.json()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(home: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_UI_ENABLED="false",
    )
    return env


def _wait_healthy(api_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with {server.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server not healthy after {STARTUP_SECONDS:g} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A real Prefect server on 127.0.0.1 (own PREFECT_HOME and SQLite file), stopped after."""
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _environment(tmp_path_factory.mktemp("prefect-home"), api_url)
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    log = tmp_path_factory.getbasetemp() / "prefect-server.log"
    with _process([*cmd, "--port", str(port)], env, log) as proc:
        _wait_healthy(api_url, proc)
        yield api_url, env


@contextmanager
def _process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A background process in its own session (output to `log`), killed with its children."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _scheduled_runs(api_url: str, deployment_id: str) -> list[dict]:
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
    }
    return _api("POST", f"{api_url}/flow_runs/filter", body)


def _deployment(api_url: str, name: str) -> dict:
    return _api("GET", f"{api_url}/deployments/name/nightly/{name}")


@pytest.fixture(scope="module")
def deployed(server: tuple[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """The server with the work pool and every deployment of prefect.yaml."""
    _, env = server
    _prefect(env, "work-pool", "create", "reorder", "--type", "process")
    _prefect(env, "deploy", "--all")
    return server


def test_deploying_prefect_yaml_makes_the_scheduler_create_nightly_runs(deployed) -> None:
    api_url, _ = deployed
    nightly, rerun = _deployment(api_url, "nightly"), _deployment(api_url, "rerun")

    deadline = time.monotonic() + SCHEDULER_SECONDS
    runs = _scheduled_runs(api_url, nightly["id"])
    while not runs and time.monotonic() < deadline:
        time.sleep(1)
        runs = _scheduled_runs(api_url, nightly["id"])

    assert runs, f"the scheduler created no nightly run within {SCHEDULER_SECONDS:g} s"
    cron, timezone = nightly_schedule()
    minute, hour = (int(v) for v in cron.split()[:2])
    starts = [datetime.fromisoformat(r["expected_start_time"]) for r in runs]
    local = [s.astimezone(ZoneInfo(timezone)) for s in starts]
    assert all((t.hour, t.minute) == (hour, minute) for t in local), local
    assert len({t.date() for t in local}) == len(local), "one run per night"
    assert all(r["parameters"]["db_path"] == nightly["parameters"]["db_path"] for r in runs)
    assert not _scheduled_runs(api_url, rerun["id"]), "rerun has no schedule"
    limits = [d["global_concurrency_limit"]["limit"] for d in (nightly, rerun)]
    assert limits == [1, 1], "one run at a time per deployment"
    assert nightly["pull_steps"][-1]["prefect.deployments.steps.set_working_directory"]


@pytest.fixture
def worker(deployed, tmp_path: Path) -> Iterator[None]:
    """A real process worker of the reorder pool (REORDER_HOME = this repository)."""
    _, env = deployed
    env = {**env, "REORDER_HOME": str(ROOT), "PREFECT_WORKER_QUERY_SECONDS": "1"}
    cmd = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "reorder"]
    with _process(cmd, env, tmp_path / "worker.log"):
        yield


def _wait_for_state(api_url: str, run_id: str, name: str, seconds: float = RUN_SECONDS) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        run = _api("GET", f"{api_url}/flow_runs/{run_id}")
        state = run["state"] or {}
        if state.get("name") == name:
            return run
        if state.get("type") in ("FAILED", "CRASHED", "CANCELLED") or time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} is {state.get('name')}, expected {name}: {state}")
        time.sleep(1)


def _refused(api_url: str, run_id: str) -> list[dict]:
    found = _api("POST", f"{api_url}/artifacts/filter",
                 {"artifacts": {"key": {"any_": [REFUSED_KEY]}}})  # fmt: skip
    return [a for a in found if a["flow_run_id"] == run_id]


def _wait_for_refused(api_url: str, run_id: str, count: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while len(_refused(api_url, run_id)) < count:
        assert time.monotonic() < deadline, "no review-refused artifact"
        time.sleep(1)


def test_review_deployment_suspends_and_a_form_answer_resumes_it(
    deployed, worker, demo_dir: Path, tmp_path: Path
) -> None:
    """The deployed review run frees its process while waiting (Suspended), shows the pending
    lots, and after the planner's answer runs again on the worker and records the decisions."""
    api_url, _ = deployed
    db_path = tmp_path / "reorder.duckdb"
    nightly_flow(as_of=AS_OF, data_dir=str(demo_dir), db_path=str(db_path), horizon=8, scenarios=60)
    with warehouse.connect(db_path, read_only=True) as con:
        pending = warehouse.review_lots(con, status="pending")
    assert len(pending) > 1
    deployment = _api("GET", f"{api_url}/deployments/name/review/review")
    created = _api(
        "POST", f"{api_url}/deployments/{deployment['id']}/create_flow_run",
        {"parameters": {"db_path": str(db_path)}},
    )  # fmt: skip
    run_id = created["id"]

    _wait_for_state(api_url, run_id, "Suspended")
    artifacts = _api(
        "POST", f"{api_url}/artifacts/filter", {"artifacts": {"key": {"any_": [PENDING_KEY]}}}
    )
    assert any(a["flow_run_id"] == run_id and pending["sku"].iloc[0] in a["data"]
               for a in artifacts)  # fmt: skip
    rejected = pending["sku"].iloc[0]
    # while the planner looks, a rerun with a budget publishes other lots for the same night:
    # the answer is for the lots that were shown (the resumed run starts again from the top)
    nightly_flow(as_of=AS_OF, data_dir=str(demo_dir), db_path=str(db_path), horizon=8,
                 scenarios=60, budget=5000.0)  # fmt: skip
    # an answer naming an unknown sku is refused and the run suspends again; the next resume
    # must not read the refused answer again (it repeated the error and its artifact)
    typo = {"planner": "anna", "lots": [{"sku": "NO-SUCH-SKU", "action": "approve"}]}
    resumed = _api("POST", f"{api_url}/flow_runs/{run_id}/resume", {"run_input": typo})
    assert resumed["status"] == "ACCEPT", resumed
    _wait_for_refused(api_url, run_id, 1)
    _wait_for_state(api_url, run_id, "Suspended")
    answer = {
        "planner": "anna",
        "approve_all": True,
        "lots": [{"sku": rejected, "action": "reject", "comment": "enough stock elsewhere"}],
    }
    resumed = _api("POST", f"{api_url}/flow_runs/{run_id}/resume", {"run_input": answer})
    assert resumed["status"] == "ACCEPT", resumed
    _wait_for_state(api_url, run_id, "Completed")
    assert len(_refused(api_url, run_id)) == 1

    shown = str(pending["run_key"].iloc[0])
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.review_lots(con, shown).set_index("sku")
        rerun = warehouse.review_lots(con)
    assert lots.loc[rejected, "status"] == "rejected"
    assert (lots.drop(index=rejected)["status"] == "approved").all()
    assert (lots["decided_by"] == "anna").all()
    assert rerun["run_key"].iloc[0] != shown and (rerun["status"] == "pending").all()


def test_a_worker_without_reorder_home_names_it_when_the_deployment_has_none(
    deployed, tmp_path: Path
) -> None:
    """Deployed from a shell without REORDER_HOME, the pull step keeps the placeholder; a
    worker started without it resolved it to "" and ran the flow in its temporary folder, so
    the run crashed with "No such file or directory: '/tmp/tmp...prefect/flows/nightly.py'".
    The pull step's check says what to set instead (README, "Deploying with Prefect")."""
    api_url, env = deployed
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    flow = _api("POST", f"{api_url}/flows/", {"name": "nightly"})
    deployment = _api("POST", f"{api_url}/deployments/", {
        "name": "no-home", "flow_id": flow["id"], "work_pool_name": "reorder",
        "entrypoint": "flows/nightly.py:nightly", "path": ".", "pull_steps": spec["pull"],
    })  # fmt: skip
    assert "{{ $REORDER_HOME }}" in str(deployment["pull_steps"])  # as `prefect deploy` keeps it
    run = _api("POST", f"{api_url}/deployments/{deployment['id']}/create_flow_run",
               {"parameters": {"items": ["P-10335"]}})  # fmt: skip
    env = {k: v for k, v in env.items() if k != "REORDER_HOME"}
    env["PREFECT_WORKER_QUERY_SECONDS"] = "1"
    log = tmp_path / "worker.log"
    cmd = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "reorder"]
    try:
        with _process(cmd, env, log):
            _wait_for_state(api_url, run["id"], "Crashed")
    finally:
        httpx.delete(f"{api_url}/deployments/{deployment['id']}", timeout=30)
    said = log.read_text()
    assert "cannot change into {{ $REORDER_HOME }}: REORDER_HOME is not set" in said, said
    assert "flows/nightly.py' encountered an exception" not in said
