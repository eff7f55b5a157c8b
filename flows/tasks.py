"""Prefect tasks: each opens what it needs by path and makes a few library calls.

DataFrames pass between tasks, so caching is off (NO_CACHE): hashing frames for cache keys is
slow and pointless for a nightly run whose inputs change every night.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
import threadpoolctl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

import models
import optimize
import warehouse
from flows import signals, sources
from flows.change_text import change_summary
from flows.console import decision_notes as _decision_notes
from flows.console import limits_unlike, planned_unlike
from flows.flow_runs import crash_flow_runs
from flows.params import RunParameters
from warehouse.load_notes import counted

_TASK = {"cache_policy": NO_CACHE}


@task(name="start-run", **_TASK)
def start_run(params: RunParameters, flow_run_id: str | None) -> str:
    with warehouse.connect(params.db_path) as con:
        return warehouse.start_run(
            con, params.run_key(), params.as_of, params.model_dump(mode="json"), flow_run_id
        )


def _may_pass(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a failed load only if the failure may pass by itself (a file still being
    written, a busy disk): a bad input file (LoadError) fails the same way again, and a run
    told to stop (a cancel's SIGTERM, Ctrl-C: `signals.stop_received`) stops."""
    if signals.stop_received():
        return False
    return not isinstance(getattr(state, "data", None), warehouse.LoadError)


@task(name="load", retries=1, retry_delay_seconds=5, retry_condition_fn=_may_pass, **_TASK)
def load(params: RunParameters, run_id: str) -> warehouse.LoadReport:
    config = warehouse.load_config(params.config)
    with warehouse.connect(params.db_path) as con:
        report = warehouse.load_folder(con, params.data_dir, params.as_of, config, run_id=run_id)
        try:
            note = warehouse.check_history(con, params.as_of)
        except warehouse.HistoryError:
            # no run summary will print the load's notes, and one often names the cause (a
            # file not read, lines an order-lines file no longer holds): the log keeps them
            get_run_logger().warning("load: %s", report.summary())
            raise
    if note:
        get_run_logger().warning("order history: %s", note)
        report = dataclasses.replace(report, notes=(*report.notes, note))
    return report


@task(name="read-inputs", **_TASK)
def read_inputs(params: RunParameters) -> dict[str, pd.DataFrame]:
    with warehouse.connect(params.db_path, read_only=True) as con:
        return warehouse.read_planning_inputs(
            con, skus=_selected_skus(con, params), as_of=params.as_of
        )


@task(name="item-notes", **_TASK)
def notes_of_items(
    params: RunParameters, report: warehouse.LoadReport, skus: list[str]
) -> warehouse.LoadReport:
    """The load's report as a run of some items (`skus`) tells it: the notes naming items
    about these items only, the others marked as about the whole load
    (`warehouse.LoadReport.for_items`)."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        return report.for_items(warehouse.item_notes(con, params.as_of, skus))


@task(name="bucket-demand", **_TASK)
def bucket_demand(params: RunParameters, skus: list[str]) -> pd.DataFrame:
    with warehouse.connect(params.db_path, read_only=True) as con:
        return warehouse.bucket_demand(con, params.as_of, params.freq, skus)


@task(name="prepare-forecast", **_TASK)
def prepare_forecast(
    params: RunParameters, demand: pd.DataFrame, items: pd.DataFrame
) -> models.PreparedForecast:
    """The pooled part of the forecast (model selection and fit over all items); a group
    keeps the model of the latest earlier night while it is nearly as good."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        earlier = warehouse.previous_forecast_models(con, params.as_of, params.freq, params.horizon)
    incumbent = models.group_incumbents(earlier, models.auto_candidates(params.horizon))
    with _one_thread():
        prepared = models.prepare_forecast(
            demand,
            items=items.rename(columns={"sku": "unique_id"}),
            freq=params.freq,
            last_period=warehouse.last_complete_start(params.as_of, params.freq),
            h=params.horizon,
            extra_periods=forecast_periods(params) - params.horizon,
            seed=params.seed,
            incumbent=incumbent,
        )
    for line in prepared.adjustments():
        get_run_logger().info("forecast adjustment: %s", line)
    return prepared


@task(name="one-offs", **_TASK)
def one_offs(params: RunParameters, skus: list[str]) -> pd.DataFrame:
    """The one-offs planners marked that the run's demand leaves out
    (`warehouse.excluded_one_offs`): sku, order_date, ds, units."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        return warehouse.excluded_one_offs(con, params.as_of, params.freq, skus)


@task(name="recent-spikes", **_TASK)
def recent_spikes(params: RunParameters, demand: pd.DataFrame) -> pd.DataFrame:
    """The items whose last weeks (or month) of history hold one demand far above their
    usual size (`models.recent_spikes`), unique_id as sku, with the day to mark as a one-off
    and its command (`sources.with_mark_commands`): their lots' reasons say so."""
    last = warehouse.last_complete_start(params.as_of, params.freq)
    spikes = models.recent_spikes(models.to_panel(demand, params.freq, last))
    spikes = spikes.rename(columns={"unique_id": "sku"})
    with warehouse.connect(params.db_path, read_only=True) as con:
        days = warehouse.largest_days(con, spikes, params.freq)
    return sources.with_mark_commands(spikes, days, params.db_path)


@task(name="forecast-chunk", **_TASK)
def forecast_chunk(
    params: RunParameters,
    prepared: models.PreparedForecast,
    unique_ids: list[str],
    n_paths: int,
) -> models.Forecast:
    """`n_paths` scenarios per item of one chunk of items (see flows.runner)."""
    with _one_thread():
        return models.forecast_chunk(prepared, unique_ids, n_paths=n_paths, seed=params.seed)


def forecast_periods(params: RunParameters) -> int:
    """Calendar periods to forecast: those the plan's `horizon` periods from the day after
    as_of overlap, one more than `horizon` when as_of falls inside a period."""
    first = warehouse.period_start_after(params.as_of, params.freq)
    return params.horizon + (first <= params.as_of)


def build_problem(
    params: RunParameters,
    inputs: dict[str, pd.DataFrame],
    fc: models.Forecast,
    skus: list[str] | None = None,
    order_cost_shares: dict[str, float] | None = None,
    recent_spikes: pd.DataFrame | None = None,
) -> tuple[optimize.Problem, pd.DataFrame]:
    """The run's order problem (`optimize.build_problem`) from its inputs and forecast; with
    `skus`, of these items alone, their later orders paying `order_cost_shares` (the run's
    `optimize.Plan.order_cost_shares`); `recent_spikes`: as the task `recent_spikes`."""
    return optimize.build_problem(
        **inputs,
        scenarios=(fc.unique_id, fc.paths),
        as_of=params.as_of,
        period_days=params.period_days,
        service_level=params.service_level,
        budget=params.budget,
        capacity=params.capacity,
        max_orders=params.max_orders,
        min_service_level=params.min_service_level,
        first_period=fc.ds[0].date() if len(fc.ds) else None,
        first_period_days=float(models.period_lengths(fc.ds)[0]) if len(fc.ds) else None,
        day_shares=fc.day_shares,
        no_forecast=sources.no_forecast_reasons(inputs["items"], fc),
        recent_spikes=recent_spikes,
        skus=skus,
        order_cost_shares=order_cost_shares,
    )


@task(name="previous-lots", **_TASK)
def previous_lots(params: RunParameters) -> dict[str, tuple[str | None, int]]:
    """The night before's lots still pending, which the plan keeps while nearly as good
    (`warehouse.previous_lots`)."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        return warehouse.previous_lots(con, params.as_of, params.freq, params.horizon)


@task(name="optimize", **_TASK)
def plan_orders(
    params: RunParameters,
    inputs: dict[str, pd.DataFrame],
    fc: models.Forecast,
    spikes: pd.DataFrame | None = None,
    previous: dict[str, tuple[str | None, int]] | None = None,
) -> tuple[optimize.Plan, pd.DataFrame]:
    """The night's plan; each item keeps its lot in `previous` (the task `previous_lots`)
    while that costs at most `keep_margin` more (`optimize.plan(previous=...)`); `spikes`: the
    task `recent_spikes`, named in the reasons of their lots."""
    problem, unplannable = build_problem(params, inputs, fc, recent_spikes=spikes)
    result = optimize.plan(
        problem,
        solver=params.solver,
        time_limit=params.time_limit,
        gap=params.gap,
        previous=previous,
        keep_margin=params.keep_margin,
    )
    return result, unplannable


@task(name="publish", **_TASK)
def publish(
    params: RunParameters,
    run_id: str,
    demand: pd.DataFrame,
    fc: models.Forecast,
    result: optimize.Plan,
    selection: pd.DataFrame,
    unplannable: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    supplier_tiers: pd.DataFrame | None = None,
    supplier_items: pd.DataFrame | None = None,
) -> bool:
    """Store the run's results; `selection`: per item the chosen model, its backtest score
    and the item's classification (`models.PreparedForecast.selection()`); `unplannable`: the
    items and offers the plan could not use (`optimize.build_problem`); `suppliers`,
    `supplier_tiers`, `supplier_items`: the frames the plan was made with (the order terms,
    supplier-wide tiers and lead times that review and export judge its lots by).
    True if the run is now the published one (`current_run`), False for a run of an earlier
    night or of some items only."""
    with warehouse.connect(params.db_path) as con:
        warehouse.publish_run(
            con,
            run_id,
            params.run_key(),
            demand,
            fc.frame(),
            result.frame(),
            solver=_solver_fields(result),
            forecast_models=selection,
            cumulative=fc.cumulative_frame(),
            not_planned=unplannable,
            suppliers=suppliers,
            supplier_tiers=supplier_tiers,
            supplier_items=supplier_items,
        )
        return warehouse.is_published(con, run_id)


@task(name="replaced-run", **_TASK)
def replaced_run(params: RunParameters, run_id: str) -> dict[str, str] | None:
    """The run of the night whose plan the published run `run_id` replaced, when it had other
    parameters (another run_key): its run_key and how it planned when its periods differ
    ('weekly, horizon 13 weeks', `console.planned_unlike`); None for none."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        replaced = warehouse.replaced_run(con, run_id)
    if replaced is None or replaced[0] == params.run_key():
        return None
    planned = planned_unlike(replaced[1], params.model_dump(mode="json"))
    return {"run_key": replaced[0], "planned": planned}


@task(name="lot-changes", **_TASK)
def lot_changes(params: RunParameters) -> dict[str, Any] | None:
    """What changed in the run's lots since the night before (`warehouse.lot_changes`), as
    the run summary keeps it (`change_text.change_summary`)."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        changes = warehouse.lot_changes(con, params.run_key())
        before = changes and changes.previous_run_key
        other = warehouse.run_parameters(con, before) if before else {}
    limits = limits_unlike(other, params.model_dump(mode="json"))
    if changes is None:
        return None
    return change_summary(changes, limits=limits, keep_margin=params.keep_margin)


@task(name="decision-notes", **_TASK)
def decision_notes(params: RunParameters, published: bool, skus: list[str] | None) -> list[str]:
    """Notes on the decisions of the run's night that concern its lots
    (`console.decision_notes`); `skus`: the items of a run of some items, None: all."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        return _decision_notes(con, params.run_key(), published, skus)


@task(name="forecast-accuracy", **_TASK)
def forecast_accuracy(params: RunParameters, runs: int = 3) -> list[dict[str, Any]]:
    """How the latest `runs` scored earlier runs' forecasts did (`warehouse.forecast_accuracy`),
    as JSON-able rows for the run summary."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        scores = warehouse.forecast_accuracy(con, newest=runs)
    return json.loads(scores.assign(as_of=scores["as_of"].astype(str)).to_json(orient="records"))


@task(name="record-stage", **_TASK)
def record_stages(params: RunParameters, run_id: str, seconds: dict[str, float]) -> None:
    with warehouse.connect(params.db_path) as con:
        for stage, value in seconds.items():
            warehouse.record_stage(con, run_id, stage, value)


@task(name="close-interrupted-runs", **_TASK)
def close_interrupted_runs(params: RunParameters, run_id: str) -> None:
    """Mark attempts left `running` by a process that died failed (call under the run lock),
    and set their Prefect flow runs still going (other than this one) Crashed."""
    with warehouse.connect(params.db_path) as con:
        stale = warehouse.close_interrupted_runs(con, run_id)
    if not stale:
        return
    logger = get_run_logger()
    logger.warning("marked %s failed: %s", counted(len(stale), "interrupted run"), ", ".join(stale))
    ids = {old: id_ for old, id_ in stale.items() if id_ and id_ != flow_run.get_id()}
    crash_flow_runs(ids, f"run {run_id} on {params.as_of}", logger)


def fail_run(params: RunParameters, run_id: str, error: str) -> None:
    """Mark the run failed. A plain function, not a task: it also runs while an interrupt or a
    cancel's SIGTERM unwinds the flow, when starting a task may itself fail."""
    with warehouse.connect(params.db_path) as con:
        warehouse.fail_run(con, run_id, error)


def published_anyway(params: RunParameters, run_id: str) -> bool | None:
    """After an interrupt: None if the run did not succeed, else whether its plan is the
    published one (current_run). DuckDB can raise "Query interrupted" from a COMMIT that
    took effect, so the warehouse, not the exception, says whether the publish happened."""
    with warehouse.connect(params.db_path, read_only=True) as con:
        status = warehouse.run_status(con, run_id)
        if status is None or status[0] != "succeeded":
            return None
        latest = warehouse.latest_run(con)
    return latest is not None and latest[0] == run_id


def _one_thread() -> threadpoolctl.threadpool_limits:
    """One OpenMP/BLAS thread per task: parallelism comes from chunks on the task runner.
    Measured on 2 cores: the demo's forecast took 85 s with the default threads (the
    boosting fits oversubscribe the cores), 24 s with one."""
    return threadpoolctl.threadpool_limits(limits=1)


def _selected_skus(con: Any, params: RunParameters) -> list[str] | None:
    """The item filter of the run: explicit skus, a category, or everything (None)."""
    return warehouse.select_skus(con, params.items, params.category)


def _solver_fields(result: optimize.Plan) -> dict[str, Any]:
    return {
        "solver_status": result.solver_status,
        "solver_gap": result.gap,
        "objective": result.objective,
        "relaxed": result.relaxed,
        "infeasible_reason": result.infeasible_reason,
    }
