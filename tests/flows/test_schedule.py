"""The nightly schedule really creates runs on a real Prefect server (PLATFORM.md: with
SQLAlchemy 2.1 the scheduler silently creates none; only a test like this one notices)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from flows.serve import nightly_schedule

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 45.0
SCHEDULER_SECONDS = 30.0

pytestmark = pytest.mark.slow


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
    log = (tmp_path_factory.getbasetemp() / "prefect-server.log").open("w")
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_healthy(api_url, proc)
        yield api_url, env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


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
    response = httpx.post(f"{api_url}/flow_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def _deployment(api_url: str, name: str) -> dict:
    response = httpx.get(f"{api_url}/deployments/name/nightly/{name}", timeout=10)
    response.raise_for_status()
    return response.json()


def test_deploying_prefect_yaml_makes_the_scheduler_create_nightly_runs(server) -> None:
    api_url, env = server
    _prefect(env, "work-pool", "create", "reorder", "--type", "process")
    _prefect(env, "deploy", "--all")
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
    assert nightly["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]
