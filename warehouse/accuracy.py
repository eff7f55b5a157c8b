"""Forecast accuracy in production: earlier runs' forecasts against the demand that came.

The actual demand is the `demand` table of the succeeded run with the latest `as_of` (the
freshest bucketed history, zeros filled; a later rerun of an old night does not replace it);
every other published run with the same `freq` is scored on its
forecast periods up to that history's last complete period. A run whose forecast periods
have not passed yet has no row.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.runs import QUANTILES

LEVELS = tuple(int(name[1:]) / 100 for name in QUANTILES)
_COLUMNS = ", ".join(f"f.{q}" for q in QUANTILES)
# column names come from QUANTILES; the levels are ? parameters
_PINBALL = " + ".join(
    f"sum(abs((y - {q}) * (CASE WHEN y <= {q} THEN 1 ELSE 0 END - ?)))" for q in QUANTILES
)
_ACCURACY_SQL = f"""
WITH latest AS (
    SELECT run_id, parameters->>'freq' AS freq FROM runs WHERE status = 'succeeded'
    ORDER BY as_of DESC, ended_at DESC, started_at DESC LIMIT 1
),
actuals AS (
    SELECT sku, period_start, quantity FROM demand WHERE run_id = (SELECT run_id FROM latest)
),
scored AS (
    SELECT r.run_id, r.run_key, r.as_of FROM runs AS r, latest AS l
    WHERE r.status = 'succeeded' AND r.run_id <> l.run_id AND r.parameters->>'freq' = l.freq
),
cells AS (
    SELECT s.run_key, s.as_of, f.sku, f.period_start, f.mean, {_COLUMNS},
        coalesce(a.quantity, 0) AS y
    FROM forecasts AS f
    JOIN scored AS s ON f.run_id = s.run_id
    LEFT JOIN actuals AS a ON a.sku = f.sku AND a.period_start = f.period_start
    WHERE f.period_start <= (SELECT max(period_start) FROM actuals)
)
SELECT run_key, as_of, count(DISTINCT period_start) AS periods, count(DISTINCT sku) AS items,
    sum(y) AS actual_units, sum(mean) AS forecast_units,
    sum(mean) / nullif(sum(y), 0) - 1 AS bias,
    avg(CASE WHEN y > q50 THEN 1 ELSE 0 END) AS above_q50,
    avg(CASE WHEN y > q90 THEN 1 ELSE 0 END) AS above_q90,
    avg(CASE WHEN y > q95 THEN 1 ELSE 0 END) AS above_q95,
    2 * ({_PINBALL}) / {len(QUANTILES)} / nullif(sum(y), 0) AS wql
FROM cells
GROUP BY run_key, as_of
ORDER BY as_of DESC, run_key
"""


def forecast_accuracy(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per earlier run (run_key, as_of): periods and items scored, actual and forecast units,
    bias (forecast / actual - 1), the share of item-periods whose demand was above the
    forecast's 0.5, 0.9 and 0.95 quantiles (ideal at most 0.5, 0.1, 0.05: for whole units with
    many zeros a calibrated forecast stays below them), and the weighted quantile loss over
    the stored quantiles (WQL, as in `models.wql`: 1.0 = the zero forecast, lower is better).
    Empty while no earlier run's forecast periods have passed."""
    return con.execute(_ACCURACY_SQL, list(LEVELS)).df()
