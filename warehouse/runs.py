"""Record runs and publish their results atomically; read what is published.

A run attempt has a `run_id`; reruns of the same night share a `run_key`. Publishing deletes the
rows of the run_key and inserts the new ones in one transaction, so readers see either the old or
the new results, never a mix.

The `demand` a run forecast from (its whole bucketed history: items x periods rows per run) is
kept for the runs of the newest DEMAND_NIGHTS_KEPT nights with a succeeded run, the published
run and the run publishing; the same transaction deletes the rest (accuracy reads the
published run's demand; forecasts, recommendations and decisions are kept for every run).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from warehouse.schema import ALL_TABLES, all_items
from warehouse.store import transaction

QUANTILES = ("q05", "q10", "q25", "q50", "q75", "q90", "q95", "q99")
_RUN_COLUMNS = ("run_key", "run_id")
_VALUES = r"''[^'']*''|-?[0-9][0-9.,:eE+-]*"  # quoted values and numbers/dates in reasons
_DEMAND = "_publish_demand"
_FORECASTS = "_publish_forecasts"
_RECOMMENDATIONS = "_publish_recommendations"
_MODELS = "_publish_forecast_models"
_CUMULATIVE = "_publish_cumulative_forecasts"
_NOT_PLANNED = "_publish_not_planned"
_SUPPLIERS = "_publish_suppliers"
_TIERS = "_publish_supplier_tiers"
_SUPPLIER_ITEMS = "_publish_supplier_items"
DEMAND_NIGHTS_KEPT = 7
# the suppliers' terms a run stores as it planned with them (table run_suppliers)
_SUPPLIER_TERMS = ("supplier_id", "order_cost", "min_order_value")
_TIER_TERMS = ("supplier_id", "basis", "min_total", "discount_rate")  # run_supplier_tiers
_ITEM_TERMS = ("supplier_id", "sku", "lead_time")  # with the suppliers', run_lead_times
# the classification columns of `models.PreparedForecast.selection()` stored per item
MODEL_CLASS_COLUMNS = ("group", "demand_class", "adi", "cv2", "n_demands", "lifecycle_stage")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(
    con: duckdb.DuckDBPyConnection,
    run_key: str,
    as_of: date,
    parameters: dict[str, Any],
    flow_run_id: str | None = None,
) -> str:
    """Insert a `running` row and return its new run_id (uuid text)."""
    run_id = str(uuid.uuid4())
    con.execute(
        "INSERT INTO runs (run_id, run_key, as_of, parameters, status, started_at, "
        "stage_seconds, flow_run_id) VALUES (?, ?, ?, ?, 'running', ?, '{}', ?)",
        [run_id, run_key, as_of, json.dumps(parameters, default=str), _now(), flow_run_id],
    )
    return run_id


def record_stage(con: duckdb.DuckDBPyConnection, run_id: str, stage: str, seconds: float) -> None:
    """Store how long `stage` took (seconds) in the run's stage_seconds JSON."""
    stages = _stage_seconds(con, run_id)
    stages[stage] = round(float(seconds), 3)
    con.execute("UPDATE runs SET stage_seconds = ? WHERE run_id = ?", [json.dumps(stages), run_id])


def _stage_seconds(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, float]:
    row = con.execute("SELECT stage_seconds FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise KeyError(f"no run {run_id}")
    return json.loads(row[0] or "{}")


def close_interrupted_runs(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str | None]:
    """Mark every other `running` attempt failed ("interrupted ...") and return their run_ids,
    oldest first, each with the Prefect flow_run_id it ran in (None: not recorded).

    Call it holding the run lock (`warehouse.run_lock`, one writing run per file): another
    attempt still `running` then belongs to a process that ended without finishing (killed,
    or its machine went down), and would otherwise show as running for ever."""
    stale = dict(
        con.execute(
            "SELECT run_id, flow_run_id FROM runs WHERE status = 'running' AND run_id <> ? "
            "ORDER BY started_at",
            [run_id],
        ).fetchall()
    )
    for old in stale:
        fail_run(con, old, f"interrupted: the run ended without finishing (found by run {run_id})")
    return stale


def fail_run(con: duckdb.DuckDBPyConnection, run_id: str, error: str) -> None:
    """Mark the attempt failed if it is still running; results published earlier stay
    published. A run that already succeeded stays succeeded: an interrupt after its publish
    committed would otherwise un-publish it, and a rerun of the same run_key had already
    replaced the earlier attempt's rows, leaving no plan published."""
    con.execute(
        "UPDATE runs SET status = 'failed', ended_at = ?, error = ? "
        "WHERE run_id = ? AND status = 'running'",
        [_now(), error, run_id],
    )


def publish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    run_key: str,
    demand: pd.DataFrame,
    forecasts: pd.DataFrame,
    recommendations: pd.DataFrame,
    solver: dict[str, Any],
    forecast_models: pd.DataFrame | None = None,
    cumulative: pd.DataFrame | None = None,
    not_planned: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    supplier_tiers: pd.DataFrame | None = None,
    supplier_items: pd.DataFrame | None = None,
) -> None:
    """Replace the run_key's demand, forecasts, forecast models, recommendations,
    not_planned, run_suppliers, run_supplier_tiers and run_lead_times rows and mark the run
    succeeded.

    One transaction: on any error (e.g. a missing column) it is rolled back and re-raised, and
    the previously published rows stay. `solver` has solver_status, solver_gap, objective and
    optionally relaxed (the plan came from the relaxed model) and infeasible_reason;
    `forecast_models` has unique_id, model, score (the chosen model per item and its backtest
    score; None: the models of the forecasts, without score) and optionally stage_factor and
    the item's classification `MODEL_CLASS_COLUMNS` (`models.PreparedForecast.selection()`;
    missing columns are stored as NULL); `cumulative` has unique_id, periods, last_ds, mean and the
    quantile columns (`models.Forecast.cumulative_frame()`; None: no cumulative rows);
    `not_planned` has sku, reason, planned (`optimize.build_problem`'s unplannable; None: none);
    `suppliers` has supplier_id, order_cost, min_order_value (currency), lead_time (days),
    `supplier_tiers` supplier_id, basis, min_total, discount_rate and `supplier_items`
    supplier_id, sku, lead_time (days; NULL: the supplier's): the terms the plan was made with
    (the frames of `read_planning_inputs`; None: the table now, which the run loaded: a run
    holds the run lock from its load to its publish).
    """
    recommendations = _with_json(recommendations, "explanation")
    if forecast_models is None:
        forecast_models = forecasts[["unique_id", "model"]].drop_duplicates("unique_id")
        forecast_models = forecast_models.assign(score=float("nan"))
    forecast_models = forecast_models.reindex(
        columns=["unique_id", "model", "score", "stage_factor", *MODEL_CLASS_COLUMNS]
    )
    if cumulative is None:
        cumulative = pd.DataFrame(columns=["unique_id", "periods", "last_ds", "mean", *QUANTILES])
    if not_planned is None:
        not_planned = pd.DataFrame(columns=["sku", "reason", "planned"])
    if suppliers is None:
        suppliers = con.execute("SELECT * FROM suppliers").df()
    suppliers = suppliers.reindex(columns=[*_SUPPLIER_TERMS, "lead_time"])
    if supplier_tiers is None:
        supplier_tiers = con.execute("SELECT * FROM supplier_tiers").df()
    supplier_tiers = supplier_tiers.reindex(columns=list(_TIER_TERMS))
    if supplier_items is None:
        supplier_items = con.execute("SELECT * FROM supplier_items").df()
    supplier_items = supplier_items.reindex(columns=list(_ITEM_TERMS))
    frames = {
        _NOT_PLANNED: not_planned,
        _DEMAND: demand,
        _FORECASTS: forecasts,
        _CUMULATIVE: cumulative,
        _MODELS: forecast_models,
        _RECOMMENDATIONS: recommendations,
        _SUPPLIERS: suppliers,
        _TIERS: supplier_tiers,
        _SUPPLIER_ITEMS: supplier_items,
    }
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        with transaction(con):
            _publish_in_transaction(con, run_id, run_key, solver)
    finally:
        for name in frames:
            con.unregister(name)


def _publish_in_transaction(
    con: duckdb.DuckDBPyConnection, run_id: str, run_key: str, solver: dict[str, Any]
) -> None:
    _replace_results(con, run_id, run_key)
    updated = con.execute(
        "UPDATE runs SET status = 'succeeded', ended_at = ?, solver_status = ?, "
        "solver_gap = ?, objective = ?, relaxed = ?, infeasible_reason = ?, error = NULL "
        "WHERE run_id = ? AND run_key = ?",
        [
            _now(),
            solver.get("solver_status"),
            solver.get("solver_gap"),
            solver.get("objective"),
            solver.get("relaxed"),
            solver.get("infeasible_reason"),
            run_id,
            run_key,
        ],
    ).fetchone()
    if not updated or updated[0] != 1:
        raise KeyError(f"no run {run_id} with run_key {run_key}")
    _prune_demand(con, run_id)


def _prune_demand(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Delete the demand of runs older than the newest DEMAND_NIGHTS_KEPT nights (as_of) with
    a succeeded run, except the published run's and `run_id`'s (the run publishing now, also
    when it replans an old night) (module docstring)."""
    con.execute(
        "DELETE FROM demand WHERE run_key NOT IN (SELECT run_key FROM runs WHERE as_of IN "
        "(SELECT DISTINCT as_of FROM runs WHERE status = 'succeeded' "
        "ORDER BY as_of DESC LIMIT ?)) "
        "AND run_id NOT IN (SELECT run_id FROM current_run) AND run_id <> ?",
        [DEMAND_NIGHTS_KEPT, run_id],
    )


def _replace_results(con: duckdb.DuckDBPyConnection, run_id: str, run_key: str) -> None:
    keys = [run_key, run_id]
    for table in (
        "demand",
        "forecasts",
        "cumulative_forecasts",
        "forecast_models",
        "recommendations",
        "not_planned",
        "run_suppliers",
        "run_supplier_tiers",
        "run_lead_times",
    ):
        con.execute(f"DELETE FROM {table} WHERE run_key = ?", [run_key])
    con.execute(
        "INSERT INTO run_suppliers (run_key, run_id, supplier_id, order_cost, min_order_value) "
        "SELECT ?, ?, CAST(supplier_id AS VARCHAR), coalesce(CAST(order_cost AS DOUBLE), 0), "
        f"coalesce(CAST(min_order_value AS DOUBLE), 0) FROM {_SUPPLIERS}",
        keys,
    )
    con.execute(
        "INSERT INTO run_supplier_tiers (run_key, run_id, supplier_id, basis, min_total, "
        "discount_rate) SELECT ?, ?, CAST(supplier_id AS VARCHAR), CAST(basis AS VARCHAR), "
        f"CAST(min_total AS DOUBLE), CAST(discount_rate AS DOUBLE) FROM {_TIERS}",
        keys,
    )
    con.execute(
        "INSERT INTO not_planned (run_key, run_id, sku, reason, planned) SELECT ?, ?, CAST(sku "
        f"AS VARCHAR), CAST(reason AS VARCHAR), CAST(planned AS BOOLEAN) FROM {_NOT_PLANNED}",
        keys,
    )
    con.execute(
        "INSERT INTO demand (run_key, run_id, sku, period_start, quantity) "
        f"SELECT ?, ?, unique_id, CAST(ds AS DATE), y FROM {_DEMAND}",
        keys,
    )
    quantiles = ", ".join(QUANTILES)
    con.execute(
        f"INSERT INTO forecasts (run_key, run_id, sku, period_start, model, mean, {quantiles}) "
        f"SELECT ?, ?, unique_id, CAST(ds AS DATE), model, mean, {quantiles} FROM {_FORECASTS}",
        keys,
    )
    con.execute(
        "INSERT INTO cumulative_forecasts (run_key, run_id, sku, periods, last_period, mean, "
        f"{quantiles}) SELECT ?, ?, unique_id, CAST(periods AS BIGINT), CAST(last_ds AS DATE), "
        f"CAST(mean AS DOUBLE), {_doubles(QUANTILES)} FROM {_CUMULATIVE}",
        keys,
    )
    con.execute(
        "INSERT INTO forecast_models (run_key, run_id, sku, model, backtest_score, "
        "selection_group, demand_class, adi, cv2, n_demands, lifecycle_stage, stage_factor) "
        'SELECT ?, ?, unique_id, model, CAST(score AS DOUBLE), CAST("group" AS VARCHAR), '
        "CAST(demand_class AS VARCHAR), CAST(adi AS DOUBLE), CAST(cv2 AS DOUBLE), "
        "CAST(n_demands AS BIGINT), CAST(lifecycle_stage AS VARCHAR), "
        f"CAST(stage_factor AS DOUBLE) FROM {_MODELS}",
        keys,
    )
    columns = ", ".join(_result_columns(con, "recommendations"))
    con.execute(
        f"INSERT INTO recommendations (run_key, run_id, {columns}) "
        f"SELECT ?, ?, {columns} FROM {_RECOMMENDATIONS}",
        keys,
    )
    _insert_lead_times(con, keys)


def _insert_lead_times(con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """run_lead_times: per recommended lot the lead time (days) of its offer in the frames
    the plan was made with (the supplier item's, else the supplier's; none if they lack it)."""
    con.execute(
        "INSERT INTO run_lead_times (run_key, run_id, sku, supplier_id, lead_time) "
        "SELECT ?, ?, r.sku, r.supplier_id, coalesce(i.lead_time, s.lead_time) "
        f"FROM {_RECOMMENDATIONS} AS r JOIN {_SUPPLIER_ITEMS} AS i USING (sku, supplier_id) "
        f"JOIN {_SUPPLIERS} AS s USING (supplier_id) "
        "WHERE coalesce(i.lead_time, s.lead_time) IS NOT NULL",
        keys,
    )


def _doubles(columns: Iterable[str]) -> str:
    """CAST(c AS DOUBLE) for each column: an empty frame's object columns insert as numbers."""
    return ", ".join(f"CAST({c} AS DOUBLE)" for c in columns)


def _result_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of a result table less run_key/run_id, in table order: the DDL in
    warehouse/schema.py is the one list of what a run publishes."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows if name not in _RUN_COLUMNS]


def _with_json(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Copy of `frame` with `column` as JSON text (dicts and lists are dumped)."""
    if column not in frame:
        return frame
    frame = frame.copy()
    frame[column] = [
        v if v is None or isinstance(v, str) else json.dumps(v, default=str) for v in frame[column]
    ]
    return frame


def is_published(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether `run_id` is the published run (view current_run)."""
    return con.execute("SELECT run_id FROM current_run").fetchall() == [(run_id,)]


def current_recommendations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The recommendations of the published run (view current_run: the succeeded run of the
    latest as_of; empty if none)."""
    return con.execute("SELECT * FROM current_recommendations ORDER BY sku, supplier_id").df()


def not_planned(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> pd.DataFrame:
    """sku, reason, planned of run `run_id` (None: the published run): the items it could not
    plan (planned False) first, then the offers it left out of planned items."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'not_planned'"
    ).fetchone()[0]:  # a warehouse not yet upgraded (read-only connections do not upgrade)
        return pd.DataFrame({"sku": [], "reason": [], "planned": pd.Series([], dtype=bool)})
    return con.execute(
        "SELECT sku, reason, planned FROM not_planned WHERE run_id = coalesce(?, "
        "(SELECT run_id FROM current_run)) ORDER BY planned, sku, reason",
        [run_id],
    ).df()


def run_status(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> tuple[str, str | None, str | None, date] | None:
    """(status, error, replaced_by, as_of) of one run, or None when no run has that id;
    replaced_by = the last later successful run of its run_key, whose results replaced its
    own; as_of = its night."""
    rows = con.execute(
        "SELECT r.status, r.error, (SELECT l.run_id FROM runs l WHERE l.run_key = r.run_key "
        "AND l.status = 'succeeded' AND l.started_at > r.started_at "
        "ORDER BY l.started_at DESC LIMIT 1), r.as_of FROM runs r WHERE r.run_id = ?",
        [run_id],
    ).fetchall()
    return rows[0] if rows else None


def run_recommendations(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The recommendations of one run (published or not; empty if it has none left)."""
    return con.execute(
        "SELECT * FROM recommendations WHERE run_id = ? ORDER BY sku, supplier_id", [run_id]
    ).df()


def run_forecast_models(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> pd.DataFrame:
    """sku, model, n_demands (periods with demand) and selection group of the runs'
    forecast_models."""
    return con.execute(
        'SELECT sku, model, n_demands, selection_group AS "group" FROM forecast_models '
        "WHERE list_contains(?, run_id) "
        "ORDER BY sku",
        [list(run_ids)],
    ).df()


def current_forecast_models(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per item the forecast model of the published run (current_run), its backtest score and the
    item's classification (selection_group, demand_class, adi, cv2, n_demands,
    lifecycle_stage) and the stage's factor on its demand (stage_factor)."""
    return con.execute(
        "SELECT sku, model, backtest_score, selection_group, demand_class, adi, cv2, "
        "n_demands, lifecycle_stage, stage_factor FROM forecast_models WHERE run_id = ("
        "SELECT run_id FROM current_run) ORDER BY sku"
    ).df()


def previous_forecast_models(
    con: duckdb.DuckDBPyConnection, as_of: date, freq: str, horizon: int
) -> pd.DataFrame:
    """sku, model, selection_group of the latest succeeded run of all items of an earlier
    night (as_of before `as_of`) with the same freq and horizon that started before the first
    run of the night `as_of`: the models a night keeps while they are nearly as good
    (models.group_incumbents). Reruns of a night read the same run_key, so they choose the same
    models, even after an earlier night was replanned (e.g. for `reorder accuracy`)."""
    return con.execute(
        "SELECT sku, model, selection_group FROM forecast_models "
        f"WHERE run_key = ({_PREVIOUS_NIGHT}) ORDER BY sku",
        [as_of, freq, horizon, as_of],
    ).df()


# The run_key of the latest succeeded run of all items of a night before ? (as_of) with freq ?
# and horizon ? that started before the first run of the night ? (as_of): by run_key, as a
# replan of that night with the same parameters (same run_key) replaces its rows, and the
# run_id that this night's first run read then has none left
_PREVIOUS_NIGHT = (
    "SELECT run_key FROM runs WHERE status = 'succeeded' AND as_of < ? "
    f"AND {all_items()} "
    "AND parameters->>'freq' = ? AND CAST(parameters->>'horizon' AS INTEGER) = ? "
    "AND started_at < coalesce((SELECT min(started_at) FROM runs WHERE as_of = ?), "
    "'infinity'::TIMESTAMP) "
    "GROUP BY run_key, as_of ORDER BY as_of DESC, max(ended_at) DESC LIMIT 1"
)


def previous_lots(
    con: duckdb.DuckDBPyConnection, as_of: date, freq: str, horizon: int
) -> dict[str, tuple[str | None, int]]:
    """sku -> (supplier_id, quantity) of the lots still pending of the run whose models the
    night `as_of` keeps (`previous_forecast_models`: the latest earlier night's run of all
    items with the same freq and horizon, the same run for every rerun of the night), no
    order as (None, 0); a lot with a decision of its night (approved, overridden, rejected) is
    left out: it is no longer pending (an approved lot is an open order now). What
    `optimize.plan(previous=...)` keeps while it is nearly as good."""
    rows = con.execute(
        "SELECT r.sku, r.supplier_id, r.quantity FROM recommendations AS r "
        f"WHERE r.run_key = ({_PREVIOUS_NIGHT}) AND NOT EXISTS (SELECT 1 FROM night_decisions "
        "AS d WHERE d.sku = r.sku AND d.as_of = (SELECT max(as_of) FROM runs AS u "
        "WHERE u.run_key = r.run_key)) ORDER BY r.sku",
        [as_of, freq, horizon, as_of],
    ).fetchall()
    return {
        sku: (supplier if quantity > 0 else None, int(quantity)) for sku, supplier, quantity in rows
    }


def run_parameters(con: duckdb.DuckDBPyConnection, run_key: str) -> dict[str, Any]:
    """The parameters of the runs of `run_key` (one run_key, one set of parameters), as
    stored by `start_run`; {} when no run has that key."""
    row = con.execute(
        "SELECT parameters FROM runs WHERE run_key = ? ORDER BY started_at DESC LIMIT 1",
        [run_key],
    ).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def replaced_run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, dict[str, Any]] | None:
    """(run_key, parameters) of the run whose plan `run_id`'s publish replaced: of the
    succeeded runs of all items of its night, the one that ended last before it did (the
    night's run in view night_runs until then), or None for the first of its night. Read from
    the run history, it holds after the publish too; call it for a published run only."""
    row = con.execute(
        "SELECT p.run_key, p.parameters FROM runs AS r JOIN runs AS p ON p.as_of = r.as_of "
        f"AND p.run_id <> r.run_id AND p.status = 'succeeded' AND {all_items('p')} "
        "AND p.ended_at < r.ended_at WHERE r.run_id = ? "
        "ORDER BY p.ended_at DESC, p.started_at DESC LIMIT 1",
        [run_id],
    ).fetchone()
    return (row[0], json.loads(row[1]) if row[1] else {}) if row else None


def run_history(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The newest `limit` runs, newest first, with their duration in seconds and their
    parameters (JSON text)."""
    return con.execute(
        "SELECT run_id, run_key, as_of, status, started_at, ended_at, "
        "date_diff('millisecond', started_at, ended_at) / 1000.0 AS seconds, "
        "solver_status, solver_gap, objective, relaxed, infeasible_reason, error, flow_run_id, "
        "stage_seconds, parameters FROM runs ORDER BY started_at DESC LIMIT ?",
        [limit],
    ).df()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every warehouse table."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ALL_TABLES}


def quarantine_summary(
    con: duckdb.DuckDBPyConnection,
    load_ids: Iterable[str] | None = None,
    run_id: str | None = None,
) -> pd.DataFrame:
    """Quarantine rows counted by table, file, column and problem, for some loads, the loads of
    a run, or everything (neither given).

    `problem` is the reason with its values replaced by "…", so that equal problems group;
    `example` is the full reason of `first_row`, the first 1-based data row with the problem.
    """
    where, params = "", []
    if load_ids is not None:
        where, params = "WHERE list_contains(?, load_id)", [list(load_ids)]
    elif run_id is not None:
        where = "WHERE load_id IN (SELECT load_id FROM loads WHERE run_id = ?)"
        params = [run_id]
    return con.execute(
        "SELECT table_name, file, column_name, "
        f"regexp_replace(reason, '{_VALUES}', '…', 'g') AS problem, "
        "count(DISTINCT row_number) AS rows, arg_min(reason, row_number) AS example, "
        "min(row_number) AS first_row "
        f"FROM quarantine {where} "
        "GROUP BY ALL ORDER BY table_name, file, first_row",
        params,
    ).df()


def quarantine_rows(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pd.DataFrame:
    """Quarantined rows one by one (table, file, 1-based row, sku, supplier_id, column, value,
    reason); sku and supplier_id of tables that have them, so a price break row names its offer."""
    return con.execute(
        "SELECT table_name, file, row_number, sku, supplier_id, column_name, value, reason "
        "FROM quarantine "
        "ORDER BY table_name, file, row_number, column_name LIMIT ?",
        [limit],
    ).df()


_MASTER = {"sku": ("sku", "items"), "supplier_id": ("supplier", "suppliers")}


def quarantined_keys(
    con: duckdb.DuckDBPyConnection, column: str, values: Sequence[str]
) -> dict[str, str]:
    """value -> "sku P-1 is not in the items: items.csv row 3 is in quarantine (reason)" for
    each of `values` (column "sku": skus; "supplier_id": supplier ids) that its master table
    (items, suppliers) does not hold while a quarantined row of that table does (its first
    such row, the row's problems joined by '; '); values in neither are left out. A refusal
    of a key the planner asked for names the row to fix rather than an unknown key."""
    word, table = _MASTER[column]
    rows = con.execute(
        f"WITH q AS (SELECT {column} AS key, file, row_number, "
        "string_agg(reason, '; ' ORDER BY column_name) AS reason FROM quarantine "
        f"WHERE table_name = ? AND list_contains(?, {column}) "
        f"AND {column} NOT IN (SELECT {column} FROM {table}) GROUP BY ALL) "
        "SELECT key, arg_min(file || ' row ' || row_number || ' is in quarantine (' || reason "
        "|| ')', row_number) FROM q GROUP BY key ORDER BY key",
        [table, list(values)],
    ).fetchall()
    return {key: f"{word} {key} is not in the {table}: {where}" for key, where in rows}
