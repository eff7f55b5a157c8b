"""Where the forecast chunks run: a thread pool (default) or Dask via prefect-dask.

The forecast stage is split in a pooled part (`prepare-forecast`, one task) and per-chunk paths
(`forecast-chunk`, one task per `chunk_size` items: never one task per item, since each task
costs ~20 ms of orchestration). Items draw from their own seeded generators, so the result is
the same for any chunking and any task runner.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence

from prefect import unmapped
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

import models
from flows import tasks
from flows.params import RunParameters

#: Local Dask cluster for task_runner="dask" without dask_address: worker processes with one
#: thread each (numpy/statsmodels release the GIL poorly), bound to 127.0.0.1, no dashboard.
LOCAL_CLUSTER = {
    "n_workers": 2,
    "threads_per_worker": 1,
    "processes": True,
    "host": "127.0.0.1",
    "dashboard_address": None,
}
#: Forecast chunks at once in the thread pool: one per core. Prefect's default pool has no
#: bound, so all 100 chunks of 10,000 items ran at once, each holding its draws: 435 MB above
#: the prepared forecast, against 120-140 MB with 2 or 4 threads, in the same 2.5-2.9 s.
CHUNK_THREADS = os.cpu_count() or 1


def make_task_runner(params: RunParameters) -> TaskRunner:
    """The task runner of the forecast chunks for `params.task_runner` and `dask_address`."""
    if params.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=CHUNK_THREADS)
    from prefect_dask import DaskTaskRunner  # imported only when asked for: dask is heavy

    if params.dask_address:
        return DaskTaskRunner(address=params.dask_address)
    return DaskTaskRunner(cluster_kwargs=dict(LOCAL_CLUSTER))


def check_scheduler(address: str, timeout: float = 10.0) -> None:
    """Raise ConnectionError naming `address` unless a TCP connection to the Dask scheduler
    opens within `timeout` seconds (tcp:// or host:port; other protocols are not checked):
    the run found it only after its load, 30 s later, and failed a recorded run."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp") or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout).close()
    except OSError as error:
        raise ConnectionError(
            f"dask_address {address}: no Dask scheduler answers there ({error}); start it or "
            "leave dask_address empty for a local cluster"
        ) from None


def chunks(unique_ids: Sequence[str], size: int) -> list[list[str]]:
    """Consecutive chunks of at most `size` ids, in order."""
    ids = [str(u) for u in unique_ids]
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def forecast_in_chunks(params: RunParameters, prepared: models.PreparedForecast) -> models.Forecast:
    """Run `forecast-chunk` over chunks of the prepared items on the configured task runner
    and join the chunks in item order."""
    parts = chunks(prepared.unique_id, params.chunk_size) or [[]]
    n_paths = params.scenario_count(len(prepared.unique_id))
    with make_task_runner(params) as runner:
        futures = runner.map(
            tasks.forecast_chunk,
            parameters={
                "params": unmapped(params),
                "prepared": unmapped(prepared),
                "unique_ids": parts,
                "n_paths": unmapped(n_paths),
            },
        )
        return models.Forecast.concat(futures.result())
