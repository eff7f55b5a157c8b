"""Forecast accuracy in production: earlier runs' forecasts against the demand that came.

The actual demand is the `demand` table of the published run (view `current_run`: the
succeeded run of all items with the latest `as_of`, the freshest bucketed history, zeros
filled; neither a later rerun of an old night nor a run of some items, which holds only their
demand, replaces it; items no longer in the item master are left out, their demand is not
known); every other published run with the same `freq` is scored on its
forecast periods up to the last period of that history in which any item has demand (the
periods after it have no order line at all: an export that stopped early, not a fall in
demand; `scored_until` tells them apart). A run whose forecast periods
have not passed yet has no row. Each item's demand summed over those periods is scored too,
against the run's `cumulative_forecasts` (the totals a lead time needs), and
`forecast_calibration` gives the share of item-periods (and of items' totals) at or below
every stored quantile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import duckdb
import pandas as pd

from warehouse.runs import QUANTILES
from warehouse.schema import all_items


def _level(name: str) -> float:
    """The level of a stored quantile column ('q05' -> 0.05)."""
    return int(name[1:]) / 100


LEVELS = tuple(map(_level, QUANTILES))
# The WQL's quantiles: the stored ones symmetric about the median (q99 has no q01), so that
# the zero forecast scores exactly 1.0 as in `models.wql` (over all 8 it would score 1.12).
ACCURACY_WQL_QUANTILES = tuple(q for q in QUANTILES if q != "q99")
ACCURACY_WQL_LEVELS = tuple(map(_level, ACCURACY_WQL_QUANTILES))
assert abs(sum(ACCURACY_WQL_LEVELS) / len(ACCURACY_WQL_LEVELS) - 0.5) < 1e-12


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{q}" for q in QUANTILES)


# column names come from QUANTILES; the levels are ? parameters
_PINBALL = " + ".join(
    f"sum(abs((y - {q}) * (CASE WHEN y <= {q} THEN 1 ELSE 0 END - ?)))"
    for q in ACCURACY_WQL_QUANTILES
)
_WQL = f"2 * ({_PINBALL}) / {len(ACCURACY_WQL_QUANTILES)} / nullif(sum(y), 0)"


def _above(columns: tuple[str, ...], prefix: str) -> str:
    """Share of cells whose demand y is above each quantile column, as <prefix>_<column>."""
    return ", ".join(f"avg(CASE WHEN y > {q} THEN 1 ELSE 0 END) AS {prefix}_{q}" for q in columns)


_SCORED = f"""
WITH latest AS (
    -- the published run: a run of some items or a category holds only their demand
    SELECT run_id, as_of, parameters->>'freq' AS freq FROM current_run
),
actuals AS (
    SELECT sku, period_start, quantity FROM demand WHERE run_id = (SELECT run_id FROM latest)
),
-- the last period in which any item has demand: after it the history has no order line
until AS (SELECT max(period_start) FILTER (WHERE quantity > 0) AS period_start FROM actuals),
scored AS (
    SELECT r.run_id, r.run_key, r.as_of FROM runs AS r, latest AS l
    WHERE r.status = 'succeeded' AND r.as_of < l.as_of AND r.parameters->>'freq' = l.freq
        -- what-if runs of some items or a category were never published
        AND {all_items("r")}
        -- an attempt whose rows a rerun of its run_key replaced has none left to score
        AND EXISTS (SELECT 1 FROM forecasts AS f WHERE f.run_id = r.run_id)
    -- the night's published run: its run that ended last (as current_run picks it)
    QUALIFY row_number() OVER (PARTITION BY r.as_of ORDER BY r.ended_at DESC, r.started_at DESC) = 1
    ORDER BY r.as_of DESC, r.run_key
    LIMIT ?
)"""
# An item is scored if the published run has its demand, or if it is still in the item
# master (then it has sold nothing yet: its series starts at its first demand). An item that
# has left the master has its order lines in quarantine: its demand is not known, not zero.
_KNOWN = "({0}.sku IN (SELECT sku FROM actuals) OR {0}.sku IN (SELECT sku FROM items))"
# forecast_models columns the scores can be split by (column names, never values)
BY_COLUMNS = ("demand_class", "model", "selection_group", "lifecycle_stage")


def _group(by: str | None, alias: str) -> tuple[str, str]:
    """(the cells' extra column, the join that brings it): the item's `by` in the run's
    forecast_models; nothing without `by`."""
    if by is None:
        return "", ""
    if by not in BY_COLUMNS:
        raise ValueError(f"by must be one of {', '.join(BY_COLUMNS)}, got {by!r}")
    column = f", coalesce(CAST(m.{by} AS VARCHAR), 'unknown') AS {by}"
    join = f"LEFT JOIN forecast_models AS m ON m.run_id = {alias}.run_id AND m.sku = {alias}.sku"
    return column, join


def _period_cells(by: str | None = None) -> str:
    """One row per scored run, item and passed period: the forecast and the demand that came."""
    column, join = _group(by, "f")
    return f"""{_SCORED},
cells AS (
    SELECT s.run_key, s.as_of, f.sku, f.period_start, f.mean, {_columns("f")},
        coalesce(a.quantity, 0) AS y{column}
    FROM forecasts AS f
    JOIN scored AS s ON f.run_id = s.run_id
    LEFT JOIN actuals AS a ON a.sku = f.sku AND a.period_start = f.period_start
    {join}
    WHERE f.period_start <= (SELECT period_start FROM until) AND {_KNOWN.format("f")}
)"""


def _total_cells(by: str | None = None) -> str:
    """One row per scored run and item: the forecast of the demand summed over all the run's
    periods that have passed, and that sum."""
    column, join = _group(by, "c")
    return f"""{_SCORED},
passed AS (
    SELECT c.run_id, max(c.periods) AS periods, min(c.last_period) AS first_period
    FROM cumulative_forecasts AS c JOIN scored AS s ON c.run_id = s.run_id
    WHERE c.last_period <= (SELECT period_start FROM until)
    GROUP BY c.run_id
),
cells AS (
    SELECT s.run_key, s.as_of, c.sku, c.periods, {_columns("c")},
        coalesce(sum(a.quantity), 0) AS y{column}
    FROM cumulative_forecasts AS c
    JOIN scored AS s ON c.run_id = s.run_id
    JOIN passed AS p ON c.run_id = p.run_id AND c.periods = p.periods
    LEFT JOIN actuals AS a ON a.sku = c.sku
        AND a.period_start BETWEEN p.first_period AND c.last_period
    {join}
    WHERE {_KNOWN.format("c")}
    GROUP BY ALL
)"""


def _keys(by: str | None) -> str:
    return "run_key, as_of" + (f", {by}" if by else "")


def _accuracy_sql(by: str | None) -> str:
    return f"""{_period_cells(by)}
SELECT {_keys(by)}, count(DISTINCT period_start) AS periods, count(DISTINCT sku) AS items,
    sum(y) AS actual_units, sum(mean) AS forecast_units,
    sum(mean) / nullif(sum(y), 0) - 1 AS bias,
    {_above(("q50", "q90", "q95"), "above")}, {_WQL} AS wql
FROM cells
GROUP BY {_keys(by)}
ORDER BY as_of DESC, {_keys(by)}
"""


def _totals_sql(by: str | None) -> str:
    return f"""{_total_cells(by)}
SELECT {_keys(by)}, max(periods) AS total_periods,
    {_above(("q90", "q95", "q99"), "total_above")}, {_WQL} AS total_wql
FROM cells
GROUP BY {_keys(by)}
"""


# share of cells at or below each stored quantile, per scored run
_COVERED = ", ".join(f"avg(CASE WHEN y <= {q} THEN 1 ELSE 0 END) AS {q}" for q in QUANTILES)
_CALIBRATION_SQL = {
    "period": f"{_period_cells()} SELECT run_key, as_of, "
    f"count(DISTINCT period_start) AS periods, {_COVERED} FROM cells GROUP BY run_key, as_of",
    "total": f"{_total_cells()} SELECT run_key, as_of, max(periods) AS periods, {_COVERED} "
    "FROM cells GROUP BY run_key, as_of",
}
TOTAL_COLUMNS = (
    "total_periods",
    "total_above_q90",
    "total_above_q95",
    "total_above_q99",
    "total_wql",
)


def forecast_accuracy(
    con: duckdb.DuckDBPyConnection, by: str | None = None, newest: int | None = None
) -> pd.DataFrame:
    """Per earlier run (run_key, as_of), and per value of `by` if given (one of `BY_COLUMNS`:
    the item's demand class, model, ... in that run's `forecast_models`): periods and items
    scored, actual and forecast units, bias (forecast / actual - 1), the share of
    item-periods whose demand was above the forecast's 0.5, 0.9 and 0.95 quantiles (ideal at
    most 0.5, 0.1, 0.05: for whole units with many zeros a calibrated forecast stays below
    them), and the weighted quantile loss over the stored quantiles 0.05 ... 0.95
    (`ACCURACY_WQL_QUANTILES`; as `models.wql`: 1.0 = the zero forecast, lower is better).
    Empty while no earlier run's forecast periods have passed.

    The `total_` columns score each item's demand summed over all the run's periods that
    have passed (`total_periods`, what a lead time of that length needs) against the run's
    `cumulative_forecasts`: the share of items above the 0.9, 0.95 and 0.99 quantiles of
    the total and its WQL. NULL for runs published without cumulative forecasts.

    newest: score only the `newest` runs by as_of (None: all; the nightly summary and report
    need 3, and the forecasts table grows by a night's rows every night)."""
    scores = con.execute(_accuracy_sql(by), [newest, *ACCURACY_WQL_LEVELS]).df()
    if not _has_table(con, "cumulative_forecasts"):  # a read-only file from before the table
        return scores.assign(**{c: None for c in TOTAL_COLUMNS})
    totals = con.execute(_totals_sql(by), [newest, *ACCURACY_WQL_LEVELS]).df()
    keys = ["run_key", "as_of", *([by] if by else [])]
    out = scores.merge(totals, on=keys, how="left")
    return out.astype({"total_periods": "Int64"})


# where an item's total fell among the stored quantiles of its cumulative forecast
_POSITION = (
    "CASE "
    + f"WHEN y <= {QUANTILES[0]} THEN 'at or below {QUANTILES[0]}' "
    + " ".join(f"WHEN y <= {hi} THEN '{lo}-{hi}'" for lo, hi in pairwise(QUANTILES))
    + f" ELSE 'above {QUANTILES[-1]}' END"
)


def _item_sql() -> str:
    return f"""{_period_cells("model")}
SELECT run_key, as_of, sku, model, count(*) AS periods,
    sum(y) AS actual_units, sum(mean) AS forecast_units,
    2 * ({_PINBALL}) / {len(ACCURACY_WQL_QUANTILES)} AS loss
FROM cells
GROUP BY run_key, as_of, sku, model
"""


def _item_totals_sql() -> str:
    return f"""{_total_cells()}
SELECT run_key, as_of, sku, periods AS total_periods, y AS total_actual,
    q50 AS total_q50, q95 AS total_q95, {_POSITION} AS total_position
FROM cells
"""


def item_accuracy(
    con: duckdb.DuckDBPyConnection, skus: Sequence[str] | None = None, newest: int | None = 1
) -> pd.DataFrame:
    """Per scored run (as `forecast_accuracy` picks them) and item: the model, periods
    scored, actual and forecast units, `loss` (the item's weighted quantile loss in units:
    its part of the run's `wql` numerator) and `loss_share` (of the run's loss over all its
    items: where the run's forecast missed most), and the item's demand summed over the
    passed periods against its cumulative forecast: `total_actual`, `total_q50`,
    `total_q95` and `total_position`, the stored quantiles it fell between ('above q95' is a
    surprise that a calibrated forecast makes for 1 item in 20). Newest run first, then by
    loss, largest first.

    skus: only these items (loss_share stays their share of the whole run's loss).
    newest: as in `forecast_accuracy` (default: the newest scored run only)."""
    scores = con.execute(_item_sql(), [newest, *ACCURACY_WQL_LEVELS]).df()
    total = scores.groupby("run_key")["loss"].transform("sum")
    scores["loss_share"] = scores["loss"] / total.where(total > 0)
    if skus is not None:
        scores = scores[scores["sku"].isin([str(s) for s in skus])]
    if _has_table(con, "cumulative_forecasts"):
        totals = con.execute(_item_totals_sql(), [newest]).df()
        scores = scores.merge(totals, on=["run_key", "as_of", "sku"], how="left")
    else:  # a read-only file from before the table
        scores = scores.assign(total_periods=None, total_actual=None, total_q50=None,
                               total_q95=None, total_position=None)  # fmt: skip
    scores = scores.sort_values(["as_of", "run_key", "loss", "sku"],
                                ascending=[False, True, False, True])  # fmt: skip
    return scores.reset_index(drop=True).astype({"total_periods": "Int64"})


_ITEM_FORECAST_SQL = f"""{_SCORED}
SELECT s.run_key, s.as_of, (SELECT freq FROM latest) AS freq, f.period_start AS ds, f.mean,
    {_columns("f")}
FROM forecasts AS f JOIN scored AS s ON f.run_id = s.run_id
WHERE f.sku = ? AND (s.run_key = ? OR ? IS NULL)
ORDER BY s.as_of DESC, s.run_key, f.period_start
"""
_ITEM_DEMAND_SQL = """SELECT period_start AS ds, quantity AS y FROM demand
WHERE run_id = (SELECT run_id FROM current_run) AND sku = ? ORDER BY period_start"""


@dataclass(frozen=True)
class ScoredItem:
    """An item's forecast in an earlier run that has been scored, and the demand that came."""

    sku: str
    run_key: str
    as_of: date  # of the scored run: the night its forecast was made
    freq: str  # "W" or "M", of both frames
    forecast: pd.DataFrame  # ds, mean, q05 ... q99 (units per period)
    history: pd.DataFrame  # ds, y: the published run's demand history (units per period)


def scored_item(
    con: duckdb.DuckDBPyConnection, sku: str, run_key: str | None = None, before: int = 52
) -> ScoredItem | None:
    """The item's forecast in the newest scored run that forecast it (or in `run_key`) and
    its demand history in the published run (`before` periods before the forecast, and all
    after): what a chart of an earlier forecast against the demand that came needs. None if
    no scored run forecast the item."""
    forecast = con.execute(_ITEM_FORECAST_SQL, [None, sku, run_key, run_key]).df()
    if forecast.empty:
        return None
    first = forecast.iloc[0]
    key, as_of, freq = str(first["run_key"]), pd.Timestamp(first["as_of"]).date(), first["freq"]
    forecast = forecast[forecast["run_key"] == key].drop(columns=["run_key", "as_of", "freq"])
    history = con.execute(_ITEM_DEMAND_SQL, [sku]).df()
    early = history["ds"] < forecast["ds"].min()
    history = pd.concat([history[early].tail(before), history[~early]], ignore_index=True)
    return ScoredItem(sku, key, as_of, str(freq), forecast.reset_index(drop=True), history)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(found and found[0])


def forecast_calibration(con: duckdb.DuckDBPyConnection, newest: int | None = None) -> pd.DataFrame:
    """Long: run_key, as_of, sum ("period": item-periods, "total": items' demand summed over
    the passed periods), periods (passed), level, covered (share of item-periods, or of
    items' totals, at or below the forecast's quantile at that level), for every run
    `forecast_accuracy` scores, newest first. Calibrated whole-unit forecasts cover at least
    `level`: a quantile of 0 covers every period without demand.
    newest: as in `forecast_accuracy`."""
    sums = ("period", "total") if _has_table(con, "cumulative_forecasts") else ("period",)
    frames = [con.execute(_CALIBRATION_SQL[name], [newest]).df().assign(sum=name) for name in sums]
    wide = pd.concat(frames, ignore_index=True)
    long = wide.melt(["run_key", "as_of", "sum", "periods"], list(QUANTILES), "level", "covered")
    long["level"] = long["level"].map(dict(zip(QUANTILES, LEVELS, strict=True)))
    long = long.sort_values(
        ["as_of", "run_key", "sum", "level"], ascending=[False, True, True, True]
    )
    return long.reset_index(drop=True)


_WINDOW_SQL = f"""
WITH latest AS (SELECT run_id, as_of, parameters->>'freq' AS freq FROM current_run),
other AS (  -- published runs of all items of earlier nights with another freq
    SELECT r.as_of, r.parameters->>'freq' AS freq FROM runs AS r, latest AS l
    WHERE r.status = 'succeeded' AND r.as_of < l.as_of AND r.parameters->>'freq' <> l.freq
        AND {all_items("r")}
)
SELECT (SELECT freq FROM latest),
    max(period_start), max(period_start) FILTER (WHERE quantity > 0),
    (SELECT count(DISTINCT as_of) FROM other),
    (SELECT string_agg(DISTINCT freq, ', ') FROM other)
FROM demand WHERE run_id = (SELECT run_id FROM latest)
"""


def accuracy_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What `forecast_accuracy` leaves out and why, in a planner's words: the periods after
    the last one in which any item has demand, and earlier runs of another `freq` than the
    published run (scored only against a later run of their own freq)."""
    row = con.execute(_WINDOW_SQL).fetchone()
    if row is None or row[0] is None:
        return []
    freq, history_end, with_demand, other_nights, other_freqs = row
    notes = []
    if history_end is not None and (with_demand is None or with_demand < history_end):
        after = "in any period" if with_demand is None else f"after the period of {with_demand}"
        notes.append(
            f"no item has demand {after} in the published run's history (up to the period of "
            f"{history_end}): periods without any order line look like an export that ended "
            "early, not like no demand, so they are not scored"
        )
    if other_nights:
        notes.append(
            f"the runs of {other_nights} earlier night{'s' if other_nights != 1 else ''} with "
            f"freq {other_freqs} are not scored: the published run plans with freq {freq}, and "
            "a run is scored against the history of a later run of its freq"
        )
    return notes
