"""`reorder serve`: the nightly schedule and the rerun deployment in one local process.

The one-command alternative to a work pool and worker (prefect.yaml): a Prefect `Runner`
registers both deployments with the Prefect API and runs their flow runs as subprocesses of this
process. Stopping it (Ctrl-C, SIGTERM) cancels the flow runs still going and pauses the
deployments, so the schedule stops with it.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from prefect import get_client
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.logging import get_logger
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.utilities.callables import ParameterSchema

from flows.nightly import nightly
from flows.params import TIMEZONE_ENV

STOPPED_MESSAGE = "stopped with reorder serve"
PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"


def deployment_spec(name: str, path: Path = PREFECT_YAML) -> dict[str, Any]:
    """The deployment `name` of prefect.yaml: one source for schedules and parameters."""
    spec = yaml.safe_load(path.read_text())
    for deployment in spec["deployments"]:
        if deployment["name"] == name:
            return deployment
    raise KeyError(f"no deployment {name!r} in {path}")


def nightly_schedule(timezone: str | None = None) -> tuple[str, str]:
    """(cron, timezone) of the nightly deployment; `timezone` overrides the file's."""
    schedule = deployment_spec("nightly")["schedules"][0]
    return schedule["cron"], timezone or schedule["timezone"]


class ClosedParameterSchema(ParameterSchema):
    """The flow's parameter schema that also refuses names it does not list: the server then
    answers a misspelled parameter (`horizn`) with "Additional properties are not allowed
    ('horizn' was unexpected)" when the run is created; with Prefect's open schema the run was
    created and crashed ("Process exited with status code: 1")."""

    additionalProperties: bool = False


def build_deployments(
    data_dir: str | None = None, db_path: str | None = None, timezone: str | None = None
) -> list[RunnerDeployment]:
    """The `nightly` (cron) and `rerun` (no schedule) deployments, parameters as in
    prefect.yaml with data_dir and db_path overridden when given."""
    cron, tz = nightly_schedule(timezone)
    built = []
    for name in ("nightly", "rerun"):
        spec = deployment_spec(name)
        parameters = {**spec.get("parameters", {})}
        parameters.update({k: v for k, v in (("data_dir", data_dir), ("db_path", db_path)) if v})
        deployment = nightly.to_deployment(
            name=name,
            description=spec.get("description"),
            tags=spec.get("tags"),
            parameters=parameters,
            schedules=[Cron(cron, timezone=tz)] if name == "nightly" else None,
            concurrency_limit=spec.get("concurrency_limit"),
            enforce_parameter_schema=True,
        )
        # the schema is a private attribute of RunnerDeployment (Prefect 3.x has no option);
        # additionalProperties is set explicitly: apply() sends the schema with exclude_unset
        schema = deployment._parameter_openapi_schema.model_dump()
        deployment._parameter_openapi_schema = ClosedParameterSchema(
            **schema, additionalProperties=False
        )
        built.append(deployment)
    return built


def worker_deployments() -> dict[str, str]:
    """The deployments `nightly/nightly` and `nightly/rerun` already on the server with a work
    pool (made by `prefect deploy`): full name -> work pool."""
    found = {}
    with get_client(sync_client=True) as client:
        for name in ("nightly/nightly", "nightly/rerun"):
            try:
                pool = client.read_deployment_by_name(name).work_pool_name
            except ObjectNotFound:
                continue
            if pool:
                found[name] = pool
    return found


def check_not_deployed_on_a_pool() -> None:
    """Refuse to serve over the deployments of `prefect deploy`: Prefect 3.8.8 keeps their work
    pool, so that pool's worker took the served runs and crashed ("No such file or directory:
    '/tmp/tmp...prefect/flows/nightly.py'") while `serve` said it was serving them."""
    taken = worker_deployments()
    if taken:
        names = " and ".join(taken)
        pools = ", ".join(sorted(set(taken.values())))
        deletes = "; ".join(f"prefect deployment delete {name}" for name in taken)
        raise ValueError(
            f"{names} {'are' if len(taken) > 1 else 'is'} deployed on the work pool {pools} "
            f"(prefect deploy): served, {'their' if len(taken) > 1 else 'its'} runs would go to "
            f"that pool's worker and crash. Use one or the other: delete them first ({deletes}; "
            "deploy again to go back to the worker), or keep the worker and do not serve"
        )


def serve_deployments(
    data_dir: str | None = None, db_path: str | None = None, timezone: str | None = None
) -> None:
    """Register both deployments and run their flow runs until stopped (Ctrl-C, SIGTERM). The
    flow runs (subprocesses) take "today" in the schedule's time zone (REORDER_TIMEZONE).
    Refused while `prefect deploy`'s deployments of the same names are on the server."""
    check_not_deployed_on_a_pool()
    deployments = build_deployments(data_dir, db_path, timezone)
    os.environ[TIMEZONE_ENV] = nightly_schedule(timezone)[1]
    runner = ServeRunner()
    for deployment in deployments:
        runner.add_deployment(deployment)
    names = " and ".join(f"{deployment.flow_name}/{deployment.name}" for deployment in deployments)
    get_logger("reorder.serve").info(
        "serving %s; Ctrl-C stops it (runs still going are cancelled)", names
    )
    asyncio.run(runner.serve_until_stopped())


class ServeRunner(Runner):
    """Prefect's Runner, stopped by SIGINT and SIGTERM with `Runner.astop`: it kills the flow
    runs still going, sets them Cancelled (which releases their deployment's concurrency slot)
    and pauses the schedule. Prefect 3.8.8's `serve()` left such a run Running for good, its
    slot taken for 5 minutes: on Ctrl-C it only cancelled its own tasks, and its SIGTERM
    handler never ran astop ("coroutine 'Runner.astop' was never awaited")."""

    _on_sigterm: Callable[[], object] = staticmethod(lambda: None)

    async def serve_until_stopped(self) -> None:
        """Run until SIGINT or SIGTERM; a second signal stops at once, as Prefect did."""
        loop = asyncio.get_running_loop()
        serving = asyncio.current_task()
        stopping: list[asyncio.Task] = []

        def stop() -> None:
            if self.started and not stopping:
                stopping.append(loop.create_task(self.astop()))
            elif serving is not None:  # starting, or a second signal: stop without waiting
                serving.cancel()

        loop.add_signal_handler(signal.SIGINT, stop)
        self._on_sigterm = lambda: loop.call_soon_threadsafe(stop)
        try:
            await self.start()
        except asyncio.CancelledError:
            return
        if stopping:
            await stopping[0]

    def handle_sigterm(self, *args: Any) -> None:
        """Prefect's SIGTERM handler (`start` sets it): stop as on Ctrl-C."""
        self._on_sigterm()

    async def cancel_all(self) -> None:
        """Cancel the flow runs still going, saying why: Prefect's message was "Runner is
        shutting down." (Runner.cancel_all takes none, its cancellation manager does)."""
        await self._cancellation_manager.cancel_all(state_msg=STOPPED_MESSAGE)
