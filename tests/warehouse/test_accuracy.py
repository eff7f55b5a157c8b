"""Forecast accuracy: earlier runs' quantiles against the demand of the newest run."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from warehouse import fail_run, forecast_accuracy, publish_run, start_run
from warehouse.accuracy import LEVELS
from warehouse.runs import QUANTILES

SOLVER = {"solver_status": "Optimal", "solver_gap": 0.0, "objective": 1.0}
X_QUANTILES = (0, 0, 1, 2, 3, 4, 5, 8)  # q05 ... q99 of item X, every period


def _forecasts(periods: list[str]) -> pd.DataFrame:
    rows = []
    for ds in periods:
        rows.append({"unique_id": "X", "ds": ds, "model": "m", "mean": 2.0,
                     **dict(zip(QUANTILES, X_QUANTILES, strict=True))})  # fmt: skip
        rows.append({"unique_id": "Y", "ds": ds, "model": "m", "mean": 0.5,
                     **dict.fromkeys(QUANTILES, 0.0)})  # fmt: skip
    return pd.DataFrame(rows).assign(ds=lambda f: pd.to_datetime(f["ds"]))


def _lots() -> pd.DataFrame:
    return pd.DataFrame(
        {"sku": ["X"], "supplier_id": ["S"], "quantity": [0.0], "unit_price": [1.0],
         "order_value": [0.0], "tier_min_qty": [1.0], "expected_cost": [0.0], "savings": [0.0],
         "expected_leftover": [0.0], "stockout_risk": [0.0], "reason": ["none"],
         "explanation": [{}]}
    )  # fmt: skip


def _publish(con, key: str, as_of: date, freq: str, demand: pd.DataFrame, periods: list[str]):
    run_id = start_run(con, key, as_of, {"freq": freq})
    publish_run(con, run_id, key, demand, _forecasts(periods), _lots(), SOLVER)


def _demand(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    return frame.assign(ds=pd.to_datetime(frame["ds"]))


def test_earlier_forecasts_are_scored_against_the_newest_demand(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, ["2024-04-01", "2024-05-01", "2024-06-01"])
    _publish(con, "weekly", date(2024, 3, 31), "W", old, ["2024-04-01"])  # other freq: skipped
    failed = start_run(con, "failed", date(2024, 3, 31), {"freq": "M"})
    fail_run(con, failed, "boom")
    assert forecast_accuracy(con).empty  # nothing has passed yet
    # the newest run's history: X sold 3 and 6, Y nothing in April (no row) and 1 in May
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0), ("Y", "2024-05-01", 1.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    got = forecast_accuracy(con)
    assert got["run_key"].tolist() == ["april"]
    row = got.iloc[0]
    assert (row["periods"], row["items"]) == (2, 2)  # June has not passed
    assert (row["actual_units"], row["forecast_units"]) == (10.0, 5.0)
    assert row["bias"] == pytest.approx(-0.5)
    # demand above q50: X 3 > 2, X 6 > 2, Y 1 > 0 (Y's April 0 is not)
    assert row["above_q50"] == 0.75
    assert row["above_q90"] == row["above_q95"] == 0.5  # X 6 > 4 and 5, Y 1 > 0
    y = np.array([3.0, 6.0, 0.0, 1.0])
    q = np.array([X_QUANTILES, X_QUANTILES, [0] * 8, [0] * 8], dtype=float)
    lv = np.asarray(LEVELS)
    wql = (2 * np.abs((y[:, None] - q) * ((y[:, None] <= q) - lv))).sum(axis=0).mean() / y.sum()
    assert row["wql"] == pytest.approx(wql)


def test_a_rerun_of_the_newest_night_keeps_the_scores(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, ["2024-04-01"])
    new = _demand([("X", "2024-04-01", 3.0)])
    _publish(con, "may", date(2024, 4, 30), "M", new, ["2024-05-01"])
    first = forecast_accuracy(con)
    _publish(con, "may", date(2024, 4, 30), "M", new, ["2024-05-01"])  # rerun: same run_key
    pd.testing.assert_frame_equal(forecast_accuracy(con), first)
    assert len(first) == 1 and first["items"].item() == 2


def test_actuals_come_from_the_latest_as_of_not_the_latest_run(con):
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    backfill = _demand([("X", "2024-03-01", 1.0)])  # an old night rerun after June's run
    _publish(con, "april", date(2024, 3, 31), "M", backfill, ["2024-04-01", "2024-05-01"])
    got = forecast_accuracy(con)
    assert got["run_key"].tolist() == ["april"] and got["actual_units"].item() == 9.0
