"""Where the forecast chunks run: one per core at a time in threads; a 2-worker local Dask
cluster gives the default results."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from prefect import flow, task

import warehouse
from flows.nightly import nightly
from flows.params import parse_parameters
from flows.runner import CHUNK_THREADS, LOCAL_CLUSTER, check_scheduler, chunks, make_task_runner
from tests.flows.conftest import AS_OF

SMALL = {"as_of": AS_OF, "horizon": 8, "scenarios": 60}


def _results(db_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with warehouse.connect(db_path, read_only=True) as con:
        lots = warehouse.current_recommendations(con).drop(columns=["run_id"])
        # Read-only check of the stored forecasts (no reader in warehouse/ needs to exist).
        forecasts = con.sql("SELECT * EXCLUDE (run_id) FROM forecasts").df()
    return (
        lots.sort_values("sku").reset_index(drop=True),
        forecasts.sort_values(["sku", "period_start"]).reset_index(drop=True),
    )


def test_chunks_keep_order_and_size() -> None:
    ids = [f"P-{i}" for i in range(7)]
    assert chunks(ids, 3) == [ids[:3], ids[3:6], ids[6:]]
    assert chunks([], 3) == []


def test_task_runner_is_chosen_by_parameter() -> None:
    assert type(make_task_runner(parse_parameters())).__name__ == "ThreadPoolTaskRunner"
    local = make_task_runner(parse_parameters(task_runner="dask"))
    remote = make_task_runner(parse_parameters(task_runner="dask", dask_address="tcp://h:8786"))
    assert local.cluster_kwargs == LOCAL_CLUSTER and local.address is None
    assert remote.address == "tcp://h:8786"
    assert LOCAL_CLUSTER["host"] == "127.0.0.1" and LOCAL_CLUSTER["dashboard_address"] is None


def test_the_thread_pool_runs_one_chunk_per_core_at_a_time() -> None:
    """Prefect's thread pool has no bound: the 100 forecast chunks of 10,000 items all ran at
    once, each holding its random draws (435 MB above the prepared forecast)."""
    running, most = [0], [0]
    lock = threading.Lock()

    @task
    def chunk(i: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return i

    @flow
    def chunks_flow() -> list[int]:
        with make_task_runner(parse_parameters()) as runner:
            return runner.map(chunk, parameters={"i": list(range(12))}).result()

    assert chunks_flow() == list(range(12))
    assert 1 <= most[0] <= CHUNK_THREADS < 12


@pytest.mark.slow
def test_dask_run_equals_the_default_run(demo_dir: Path, tmp_path: Path) -> None:
    default_db, dask_db = tmp_path / "default.duckdb", tmp_path / "dask.duckdb"
    nightly(data_dir=str(demo_dir), db_path=str(default_db), **SMALL)
    # 60 items in chunks of 20: three forecast-chunk tasks spread over two worker processes.
    dask = {"task_runner": "dask", "chunk_size": 20}
    nightly(data_dir=str(demo_dir), db_path=str(dask_db), **dask, **SMALL)
    lots, forecasts = _results(default_db)
    dask_lots, dask_forecasts = _results(dask_db)
    assert len(lots) > 0 and len(forecasts) > 0
    pd.testing.assert_frame_equal(lots, dask_lots)
    pd.testing.assert_frame_equal(forecasts, dask_forecasts)


def test_a_dask_scheduler_that_does_not_answer_is_refused_before_the_run_is_recorded(
    demo_dir: Path, tmp_path: Path
) -> None:
    """An unreachable dask_address failed the run after its load (a 30 s timeout), recorded
    as a failed night."""
    import socket

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    db_path = tmp_path / "reorder.duckdb"
    with pytest.raises(ConnectionError, match=f"dask_address tcp://127.0.0.1:{port}: no Dask"):
        nightly(data_dir=str(demo_dir), db_path=str(db_path), task_runner="dask",
                dask_address=f"tcp://127.0.0.1:{port}")  # fmt: skip
    assert not db_path.exists()
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        check_scheduler(f"tcp://127.0.0.1:{listening.getsockname()[1]}")  # answers: no error
        check_scheduler(f"127.0.0.1:{listening.getsockname()[1]}")
    check_scheduler("inproc://whatever")  # not checked
