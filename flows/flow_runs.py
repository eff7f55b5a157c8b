"""End in Prefect the flow runs of runs the warehouse found interrupted.

A run whose machine went down stays `Running` in Prefect for good: no process is left to report
its end. The next run, which marks its warehouse row failed (`warehouse.close_interrupted_runs`),
sets its flow run `Crashed` too.
"""

from __future__ import annotations

import logging

from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed


def crash_flow_runs(
    flow_runs: dict[str, str], found_by: str, logger: logging.Logger | logging.LoggerAdapter
) -> list[str]:
    """Set each flow run (interrupted warehouse run_id -> its flow_run_id) that Prefect still
    shows in a non-final state (Running, Pending, Cancelling ...) `Crashed`, its message naming
    the run that found it (`found_by`: 'run <run_id> on <as_of>'), and return those run_ids.
    A flow run in a final state is left alone; one this Prefect API does not know (another
    server, deleted) is logged; a failure to talk to the API is logged as a warning, never
    raised: it must not fail the run that found them."""
    message = f"interrupted: its process ended without finishing (found by {found_by})"
    crashed = []
    with get_client(sync_client=True) as client:
        for run_id, flow_run_id in flow_runs.items():
            try:
                if _crash(client, run_id, flow_run_id, message, logger):
                    crashed.append(run_id)
            except Exception as error:  # the API down, a flow_run_id that is no uuid ...
                logger.warning(
                    "could not set flow run %s of interrupted run %s Crashed: %s: %s",
                    flow_run_id, run_id, type(error).__name__, error,
                )  # fmt: skip
    return crashed


def _crash(
    client: SyncPrefectClient,
    run_id: str,
    flow_run_id: str,
    message: str,
    logger: logging.Logger | logging.LoggerAdapter,
) -> bool:
    """Set one flow run Crashed if it is not final; True if it was set."""
    try:
        found = client.read_flow_run(flow_run_id)
    except ObjectNotFound:
        logger.info(
            "flow run %s of interrupted run %s: not on this Prefect server (another server, "
            "or deleted)", flow_run_id, run_id,
        )  # fmt: skip
        return False
    if found.state is not None and found.state.is_final():
        return False
    was = found.state.name if found.state is not None else "without a state"
    client.set_flow_run_state(flow_run_id, Crashed(message=message), force=True)
    logger.warning(
        "set flow run %s (%s) of interrupted run %s Crashed: it was %s",
        found.name, flow_run_id, run_id, was,
    )  # fmt: skip
    return True
