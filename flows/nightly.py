"""The nightly flow: load -> bucket demand -> forecast -> optimize -> publish."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

import models
import warehouse
from flows import artifacts, runner, sources, tasks
from flows.params import (
    AsOf,
    ChunkSize,
    Gap,
    Horizon,
    KeepMargin,
    Limit,
    LockWait,
    MaxOrders,
    MinServiceLevel,
    RunParameters,
    Scenarios,
    Seed,
    ServiceLevel,
    TaskRunner,
    TimeLimit,
    parse_parameters,
)
from flows.signals import as_signal, noted_signals
from optimize.plan import KEEP_LOT_MARGIN
from optimize.solve import DEFAULT_GAP
from warehouse.memory import release_memory

T = TypeVar("T")


@flow(name="nightly", log_prints=True)
def nightly(
    as_of: AsOf = None,
    data_dir: str = "demo/data",
    db_path: str = "demo/reorder.duckdb",
    reports_dir: str | None = None,
    config: str | None = None,
    items: list[str] | None = None,
    category: str | None = None,
    freq: Literal["W", "M"] = "W",
    horizon: Horizon = 13,
    scenarios: Scenarios | None = None,
    seed: Seed = 0,
    service_level: ServiceLevel = 0.95,
    min_service_level: MinServiceLevel | None = None,
    budget: Limit | None = None,
    capacity: Limit | None = None,
    max_orders: MaxOrders | None = None,
    solver: Literal["highs", "cbc"] = "highs",
    time_limit: TimeLimit = 60.0,
    gap: Gap = DEFAULT_GAP,
    keep_margin: KeepMargin = KEEP_LOT_MARGIN,
    task_runner: TaskRunner = "threads",
    dask_address: str | None = None,
    chunk_size: ChunkSize = 100,
    lock_wait: LockWait = 0.0,
) -> dict:
    """Plan tonight's order lots and publish them for review.

    (Google-style Args: Prefect shows each line in the UI's run form.)

    Args:
        as_of: Last day of data to use (default: yesterday).
        data_dir: Input folder of the ERP exports (CSV or Parquet).
        db_path: The DuckDB warehouse file.
        reports_dir: Where the HTML report goes (default: a reports folder next to db_path).
        config: TOML file mapping an ERP export's columns (load.toml; empty: none).
        items: Plan only these skus (empty: all); such a run does not replace the published plan.
        category: Plan only this item category (empty: all); not published either.
        freq: Demand buckets: W = weeks starting Monday, M = calendar months.
        horizon: Periods of freq to forecast and plan (1..104).
        scenarios: Demand sample paths per item (10..5000; empty: 600,000 / items, within 200..2,000).
        seed: Seed of the scenario sampling: same seed, same plan.
        service_level: Service target (0..1), priced as a stockout cost (a soft target).
        min_service_level: Hard fill rate per item (0..1; empty: none), the share of demand served from stock from the earliest possible arrival of a lot until a later order can arrive; if the limits cannot meet it, the run names why and plans with a relaxed model.
        budget: Spend limit of the run, currency (empty: none).
        capacity: Storage limit of the run, litres (empty: none).
        max_orders: Most lots in the run (empty: none).
        solver: MILP solver: highs (HiGHS) or cbc (PuLP's bundled CBC).
        time_limit: Solver time limit, seconds.
        gap: Relative optimality gap the solver may stop at (0.01 = 1%), of the cost
            the lots can avoid (the objective less each item's least cost).
        keep_margin: An item keeps its pending lot of the night before while it costs at most this share of the item's least expected cost more (0..0.05; 0.002 = 0.2%; 0: follow every change).
        task_runner: Where the forecast chunks run: threads, or dask (a local cluster or dask_address).
        dask_address: Scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (empty: local).
        chunk_size: Items per forecast task.
        lock_wait: Minutes to wait for another run writing the same warehouse before stopping (the nightly deployment: 60; 0: stop at once).
    """  # noqa: E501
    params = parse_parameters(**{k: v for k, v in locals().items()})
    _check_inputs(params)
    # One writing run per warehouse file: a second run waits lock_wait minutes, then stops
    # naming the first.
    with warehouse.run_lock(params.db_path, wait_seconds=60 * params.lock_wait,
                            flow_run_id=flow_run.get_id()) as lock:  # fmt: skip
        return run_pipeline(params, lock)


def _check_inputs(params: RunParameters) -> None:
    """Refuse a missing input folder, an unreadable config or a Dask scheduler that does not
    answer before the run is recorded: found later, they failed a recorded run, and `lots`,
    `review` and `export` warned of it until the next night."""
    if not params.data_dir.is_dir():
        raise warehouse.LoadError(
            f"data_dir {params.data_dir}: input folder not found{_looked_in(params.data_dir)}"
        )
    # a relative path named as resolved: a deployment's worker takes it from REORDER_HOME
    warehouse.load_config(params.config and params.config.resolve())
    if params.task_runner == "dask" and params.dask_address:
        runner.check_scheduler(params.dask_address)


def _looked_in(path: Path) -> str:
    """' (/srv/reorder/demo/dta)' for a relative path: a deployment's worker takes it from its
    working folder (REORDER_HOME), which the path as typed does not say."""
    return "" if path.is_absolute() else f" ({path.resolve()})"


def run_pipeline(params: RunParameters, lock: warehouse.RunLock | None = None) -> dict:
    """Run every stage; on failure mark the run failed and keep the last good results."""
    with noted_signals() as received:
        return _run_pipeline(params, lock, received)


def _run_pipeline(
    params: RunParameters, lock: warehouse.RunLock | None, received: Callable[[], list[int]]
) -> dict:
    """`run_pipeline`; `received()`: the stop signals so far (`signals.noted_signals`)."""
    logger = get_run_logger()
    run_id = tasks.start_run(params, flow_run.get_id())
    logger.info("run %s (key %s) as of %s", run_id, params.run_key(), params.as_of)
    seconds: dict[str, float] = {}
    report = result = unplannable = None
    try:
        if lock is not None:
            lock.describe(run_id=run_id)
            tasks.close_interrupted_runs(params, run_id)
        with _timed(seconds, "load"):
            report = tasks.load(params, run_id)
        # its notes are in the run summary (console, artifact, report), beside the plan
        logger.info("load: %s", report.summary(notes=False))
        with _timed(seconds, "demand"):
            inputs = tasks.read_inputs(params)
            skus = inputs["items"]["sku"].tolist()
            if params.some_items:  # notes and counts of its items, not of the whole night
                report = tasks.notes_of_items(params, report, skus)
            demand = tasks.bucket_demand(params, skus)
            one_offs = tasks.one_offs(params, skus)
        with _timed(seconds, "forecast"):
            prepared = tasks.prepare_forecast(params, demand, inputs["items"])
            fc = runner.forecast_in_chunks(params, prepared)
            spikes = tasks.recent_spikes(params, demand)
        with _timed(seconds, "optimize"):
            previous = tasks.previous_lots(params)
            result, unplannable = tasks.plan_orders(params, inputs, fc, spikes, previous)
        with _timed(seconds, "publish"):
            published = tasks.publish(params, run_id, demand, fc, result, prepared.selection(),
                                      unplannable, inputs["suppliers"],
                                      inputs["supplier_tiers"],
                                      inputs["supplier_items"])  # fmt: skip
    except BaseException as caught:  # an interrupt (Ctrl-C, a cancel's SIGTERM) fails it too
        err = as_signal(caught, received())  # a stop inside a DuckDB query: the stop
        why = type(err).__name__ + (f": {err}" if str(err) else "")
        tasks.fail_run(params, run_id, why)  # a run whose publish committed stays succeeded
        if report is not None and report.notes:  # no run summary prints them now
            logger.warning("load notes:\n%s", "\n".join(f"note: {n}" for n in report.notes))
        if result is not None:
            parts = (report, result, unplannable, seconds, _models(prepared))
            _after_interrupted_publish(params, run_id, why, parts)
        _best_effort("recording the stage times", tasks.record_stages, params, run_id, seconds)
        if err is caught:
            raise
        raise err from caught
    try:
        _best_effort("recording the stage times", tasks.record_stages, params, run_id, seconds)
        chosen = _models(prepared)
        summary = artifacts.summarize(params, run_id, report, result, unplannable, seconds, chosen)
        summary["forecast_adjustments"] = prepared.adjustments()
        summary["one_offs"] = sources.one_offs_summary(one_offs)
        summary["scenarios"] = int(fc.paths.shape[1])  # `scenarios`, or the count for the items
        summary["forecast_accuracy"] = (
            _best_effort("scoring earlier forecasts", tasks.forecast_accuracy, params) or []
        )
        if result.relaxed:
            logger.warning("relaxed plan: %s", result.infeasible_reason)
        summary["published"] = published
        if published:  # a rerun of the night with other parameters: which plan it replaced
            summary["replaced_run"] = _best_effort(
                "reading the replaced run", tasks.replaced_run, params, run_id
            )
            summary["changes"] = _best_effort(
                "comparing the lots with the night before", tasks.lot_changes, params
            )
        else:
            logger.info("not the published plan (an earlier night, or some items only): artifacts "
                        "under the keys ending in %s", artifacts.RERUN_SUFFIX)  # fmt: skip
        summary["decision_notes"] = _best_effort(
            "reading the night's decisions", tasks.decision_notes,
            params, published, summary.get("run_skus"),
        ) or []  # fmt: skip
        for note in summary["decision_notes"]:
            logger.warning("note: %s", note)
        keys = artifacts.artifact_keys(published)
        _best_effort("writing the artifacts", artifacts.publish_artifacts, summary, result, keys,
                     chosen)  # fmt: skip
        summary["report"] = _best_effort(
            "writing the report", artifacts.report_with_artifacts,
            params, run_id, inputs, demand, fc, result, keys, summary,
        )  # fmt: skip
        return summary
    except BaseException as err:  # a cancel (or a bug) now leaves the run written: say so
        what = "failed" if isinstance(err, Exception) else "interrupted"
        get_run_logger().warning(
            "%s (%s) after run %s was written: it stands%s; its artifacts or HTML report may "
            "be missing", what, type(err).__name__, run_id,
            " as the published plan" if published else "",
        )  # fmt: skip
        raise


def _after_interrupted_publish(params: RunParameters, run_id: str, why: str, parts: tuple) -> None:
    """An interrupt that came as the publish committed (DuckDB raised "Query interrupted" from
    a COMMIT that took effect): the run's plan stands, so its lots artifact and summary are
    written (the artifacts showed the plan before it) and the log says so; the HTML report is
    left out, the process is being stopped."""
    published = _best_effort("checking the publish", tasks.published_anyway, params, run_id)
    if published is None:
        return
    get_run_logger().warning(
        "interrupted (%s) after run %s was written: it stands%s; its HTML report is not "
        "written", why, run_id, " as the published plan" if published else ""
    )  # fmt: skip
    summary = artifacts.summarize(params, run_id, *parts)
    summary["published"] = published
    _best_effort("writing the artifacts", artifacts.publish_artifacts, summary, parts[1],
                 artifacts.artifact_keys(published), parts[4])  # fmt: skip


def _models(prepared: models.PreparedForecast) -> pd.DataFrame:
    """sku, model, n_demands, group per item: what `flows.sources` names a lot's forecast by
    (the rows `publish` stores in forecast_models)."""
    return prepared.selection().rename(columns={"unique_id": "sku"})


def _best_effort(what: str, call: Callable[..., T], *args: object) -> T | None:
    """`call(*args)`, or None with the error logged: what follows the publish (stage times,
    accuracy, artifacts) must not turn a run whose plan is already published into a failed
    run (a warehouse locked by a reader for 30 s, a full disk)."""
    try:
        return call(*args)
    except Exception as error:
        get_run_logger().error("%s failed: %s: %s", what, type(error).__name__, error)
        return None


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    """Time the stage; then give what it freed back to the system, so that the next stage's
    peak does not stack on this one's garbage (`release_memory`; not in the stage's time)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = round(time.perf_counter() - start, 3)
        release_memory()
