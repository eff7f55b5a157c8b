"""Setting the Prefect flow runs of interrupted runs Crashed (the flow level: test_nightly)."""

from __future__ import annotations

import logging
import socket

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from prefect.states import Running

from flows.flow_runs import crash_flow_runs
from flows.nightly import nightly

LOGGER = logging.getLogger("tests.flow_runs")


def _running_flow_run() -> str:
    with get_client(sync_client=True) as client:
        created = client.create_flow_run(nightly)
        client.set_flow_run_state(created.id, Running())
    return str(created.id)


def _state_type(flow_run_id: str) -> StateType:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state.type


def test_a_flow_run_id_that_is_no_uuid_is_logged_as_unknown_and_the_others_still_crashed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    running = _running_flow_run()
    crashed = crash_flow_runs({"a": "not-a-uuid", "b": running}, "run r on 2026-06-30", LOGGER)
    assert crashed == ["b"] and _state_type(running) == StateType.CRASHED
    assert "flow run not-a-uuid of interrupted run a: not on this Prefect server" in caplog.text


def test_an_api_that_does_not_answer_is_a_warning_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = _running_flow_run()
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = {PREFECT_API_URL: f"http://127.0.0.1:{port}/api", PREFECT_CLIENT_MAX_RETRIES: 0}
    with temporary_settings(settings):
        assert crash_flow_runs({"b": running}, "run r on 2026-06-30", LOGGER) == []
    assert f"could not set flow run {running} of interrupted run b Crashed: ConnectError" in (
        caplog.text
    )
    assert _state_type(running) == StateType.RUNNING
