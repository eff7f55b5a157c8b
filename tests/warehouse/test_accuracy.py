"""Forecast accuracy: earlier runs' quantiles against the demand of the newest run."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from warehouse import (
    accuracy_notes,
    connect,
    fail_run,
    forecast_accuracy,
    forecast_calibration,
    item_accuracy,
    publish_run,
    scored_item,
    start_run,
)
from warehouse.accuracy import ACCURACY_WQL_LEVELS, LEVELS
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


def _publish(
    con,
    key: str,
    as_of: date,
    freq: str,
    demand: pd.DataFrame,
    periods: list[str],
    cumulative: pd.DataFrame | None = None,
):
    run_id = start_run(con, key, as_of, {"freq": freq})
    publish_run(
        con, run_id, key, demand, _forecasts(periods), _lots(), SOLVER, cumulative=cumulative
    )


# q05 ... q99 of the demand summed over the first 1, 2, 3 periods, per item
CUMULATIVE = {
    "X": ((0, 0, 1, 2, 3, 4, 5, 8), (0, 1, 2, 4, 6, 8, 9, 14), (1, 2, 4, 6, 9, 12, 14, 20)),
    "Y": ((0,) * 8, (0, 0, 0, 0, 0, 0, 0, 1), (0, 0, 0, 0, 0, 1, 1, 2)),
}


def _cumulative(periods: list[str]) -> pd.DataFrame:
    rows = [
        {"unique_id": sku, "periods": k + 1, "last_ds": pd.Timestamp(ds), "mean": 2.0 * (k + 1),
         **dict(zip(QUANTILES, CUMULATIVE[sku][k], strict=True))}
        for sku in CUMULATIVE
        for k, ds in enumerate(periods)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _demand(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    return frame.assign(ds=pd.to_datetime(frame["ds"]))


@pytest.fixture
def con(con):
    """The conftest's warehouse with X and Y in the item master."""
    con.execute(
        "INSERT INTO items (sku, lifecycle_stage, unit_volume, holding_cost_rate) "
        "VALUES ('X', 'series', 1, 0.2), ('Y', 'series', 1, 0.2)"
    )
    return con


def test_an_item_no_longer_in_the_master_is_not_scored_as_selling_nothing(con):
    """Y left the item master, so its order lines went to quarantine and the newest run has
    no demand of it: its forecast was scored against zero, inflating the bias."""
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, ["2024-04-01"])
    new = _demand([("X", "2024-04-01", 3.0)])
    _publish(con, "may", date(2024, 4, 30), "M", new, ["2024-05-01"])
    both = forecast_accuracy(con)
    assert (both["items"].item(), both["forecast_units"].item()) == (2, 2.5)  # Y sold nothing
    con.execute("DELETE FROM items WHERE sku = 'Y'")
    only_x = forecast_accuracy(con)
    assert (only_x["items"].item(), only_x["forecast_units"].item()) == (1, 2.0)
    assert only_x["actual_units"].item() == 3.0


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
    q = np.array([X_QUANTILES, X_QUANTILES, [0] * 8, [0] * 8], dtype=float)[:, :-1]  # no q99
    lv = np.asarray(ACCURACY_WQL_LEVELS)
    wql = (2 * np.abs((y[:, None] - q) * ((y[:, None] <= q) - lv))).sum(axis=0).mean() / y.sum()
    assert row["wql"] == pytest.approx(wql)
    # every period has demand; the weekly run is named as not scored
    assert [n[:54] for n in accuracy_notes(con)] == [
        "the runs of 1 earlier night with freq W are not scored"
    ]


def test_the_zero_forecast_scores_a_wql_of_one(con):
    """The WQL averaged the pinball losses over all 8 stored quantiles, whose levels average
    0.56 (q99 has no q01): the zero forecast scored 1.12 where every label says 1.0."""
    old = _demand([("X", "2024-02-01", 1.0)])
    run_id = start_run(con, "april", date(2024, 3, 31), {"freq": "M"})
    chosen = pd.DataFrame({"unique_id": ["X", "Y"], "model": ["m", "zero"], "score": [0.5, 1.0]})
    publish_run(con, run_id, "april", old, _forecasts(APRIL), _lots(), SOLVER,
                forecast_models=chosen, cumulative=_cumulative(APRIL))  # fmt: skip
    new = _demand([("X", "2024-04-01", 3.0), ("Y", "2024-04-01", 2.0), ("Y", "2024-05-01", 5.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    y = forecast_accuracy(con, by="model").set_index("model").loc["zero"]  # Y: all quantiles 0
    assert y["actual_units"] == 7.0 and y["wql"] == pytest.approx(1.0)
    # Y's total over April and May (7) against its cumulative quantiles: all 0 but q99 = 1
    assert y["total_wql"] == pytest.approx(1.0)


def test_periods_after_the_last_demand_of_any_item_are_not_scored(con):
    """An export that stopped early left weeks without a single order line in the history:
    they were scored as if nothing had sold (bias +2.31 on a probe's data), with no word."""
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
    # the newest history: X sold in April, then no item has any demand in May and June
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 0.0), ("Y", "2024-06-01", 0.0)])
    _publish(con, "july", date(2024, 6, 30), "M", new, ["2024-07-01"])
    row = forecast_accuracy(con).iloc[0]
    assert (row["periods"], row["actual_units"], row["total_periods"]) == (1, 3.0, 1)
    (note,) = accuracy_notes(con)
    assert "no item has demand after the period of 2024-04-01" in note
    assert "(up to the period of 2024-06-01)" in note and "not scored" in note


def test_runs_of_another_freq_are_named_in_a_note(con):
    """A monthly run of all items became the published plan, and `reorder accuracy` said
    "no forecast to score yet" although three weekly nights had been scored a moment before."""
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "weekly", date(2024, 3, 31), "W", old, ["2024-04-01"])
    _publish(con, "weekly-2", date(2024, 4, 7), "W", old, ["2024-04-08"])
    _publish(con, "monthly", date(2024, 4, 30), "M", _demand([("X", "2024-04-01", 3.0)]),
             ["2024-05-01"])  # fmt: skip
    assert forecast_accuracy(con).empty
    (note,) = accuracy_notes(con)
    assert note.startswith("the runs of 2 earlier nights with freq W are not scored")
    assert "the published run plans with freq M" in note


def test_a_rerun_of_the_newest_night_keeps_the_scores(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, ["2024-04-01"])
    new = _demand([("X", "2024-04-01", 3.0)])
    _publish(con, "may", date(2024, 4, 30), "M", new, ["2024-05-01"])
    first = forecast_accuracy(con)
    _publish(con, "may", date(2024, 4, 30), "M", new, ["2024-05-01"])  # rerun: same run_key
    pd.testing.assert_frame_equal(forecast_accuracy(con), first)
    assert len(first) == 1 and first["items"].item() == 2


def test_only_the_run_each_earlier_night_published_is_scored(con):
    """A what-if of one category and a budget rerun of the same night were scored as three
    runs of the night, pushing real earlier nights out of the last three the run summary
    shows."""
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, ["2024-04-01"])
    _publish(con, "april-budget", date(2024, 3, 31), "M", old, ["2024-04-01"])  # published
    run_id = start_run(con, "what-if", date(2024, 3, 31), {"freq": "M", "category": "c"})
    publish_run(con, run_id, "what-if", old, _forecasts(["2024-04-01"]), _lots(), SOLVER)
    _publish(con, "may", date(2024, 4, 30), "M", _demand([("X", "2024-04-01", 3.0)]),
             ["2024-05-01"])  # fmt: skip
    assert forecast_accuracy(con)["run_key"].tolist() == ["april-budget"]


def test_actuals_come_from_the_latest_as_of_not_the_latest_run(con):
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    backfill = _demand([("X", "2024-03-01", 1.0)])  # an old night rerun after June's run
    _publish(con, "april", date(2024, 3, 31), "M", backfill, ["2024-04-01", "2024-05-01"])
    got = forecast_accuracy(con)
    assert got["run_key"].tolist() == ["april"] and got["actual_units"].item() == 9.0


APRIL = ["2024-04-01", "2024-05-01", "2024-06-01"]


def test_totals_over_the_passed_periods_are_scored_against_the_cumulative_forecast(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
    _publish(con, "no-totals", date(2024, 3, 30), "M", old, APRIL)  # published without them
    # X sold 3 + 6 = 9 and Y 0 + 1 = 1 in April and May; June has not passed
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0), ("Y", "2024-05-01", 1.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    got = forecast_accuracy(con).set_index("run_key")
    row = got.loc["april"]
    assert row["total_periods"] == 2  # the 2-period sums are scored
    assert row["total_above_q90"] == 1.0  # X 9 > 8, Y 1 > 0
    assert row["total_above_q95"] == 0.5  # X 9 = 9 is not above, Y 1 > 0 is
    assert row["total_above_q99"] == 0.0  # X 9 <= 14, Y 1 <= 1
    y = np.array([9.0, 1.0])
    q = np.array([CUMULATIVE["X"][1], CUMULATIVE["Y"][1]], dtype=float)[:, :-1]  # no q99
    lv = np.asarray(ACCURACY_WQL_LEVELS)
    wql = (2 * np.abs((y[:, None] - q) * ((y[:, None] <= q) - lv))).sum(axis=0).mean() / y.sum()
    assert row["total_wql"] == pytest.approx(wql)
    assert row["periods"] == 2 and row["wql"] > 0  # the per-period scores are still there
    assert got.loc["no-totals", ["total_periods", "total_wql"]].isna().all()


def test_a_rerun_replaces_the_cumulative_forecasts(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    for _ in range(2):
        _publish(con, "april", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
    count = con.execute("SELECT count(*) FROM cumulative_forecasts").fetchone()[0]
    assert count == 2 * len(APRIL)  # one row per item and number of periods
    stored = con.execute(
        "SELECT periods, last_period, q90 FROM cumulative_forecasts WHERE sku = 'X' "
        "ORDER BY periods"
    ).fetchall()
    assert stored == [(1, date(2024, 4, 1), 4.0), (2, date(2024, 5, 1), 8.0),
                      (3, date(2024, 6, 1), 12.0)]  # fmt: skip


def test_a_read_only_file_from_before_the_cumulative_table_still_scores(tmp_path):
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        old = _demand([("X", "2024-02-01", 1.0)])
        _publish(con, "april", date(2024, 3, 31), "M", old, APRIL)
        _publish(con, "june", date(2024, 5, 31), "M", _demand([("X", "2024-04-01", 3.0)]),
                 ["2024-06-01"])  # fmt: skip
        con.execute("DROP TABLE cumulative_forecasts")  # as a file written before it existed
    with connect(path, read_only=True) as con:
        got = forecast_accuracy(con)
        calibration = forecast_calibration(con)
    assert got["run_key"].tolist() == ["april"] and got["total_wql"].isna().all()
    assert set(calibration["sum"]) == {"period"} and len(calibration) == len(LEVELS)


def test_calibration_gives_the_share_at_or_below_each_quantile(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0), ("Y", "2024-05-01", 1.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    got = forecast_calibration(con)
    assert set(got["run_key"]) == {"april"} and got["level"].tolist() == list(LEVELS) * 2
    assert (got["periods"] == 2).all()  # April and May have passed
    period = got[got["sum"] == "period"].set_index("level")["covered"]
    # X 3 and 6 against 0, 0, 1, 2, 3, 4, 5, 8; Y 0 and 1 against zeros
    assert period.tolist() == [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75]
    total = got[got["sum"] == "total"].set_index("level")["covered"]
    # X 9 against 0, 1, 2, 4, 6, 8, 9, 14; Y 1 against 0, ..., 0, 1
    assert total.tolist() == [0, 0, 0, 0, 0, 0, 0.5, 1.0]


def test_scores_split_by_the_items_class_in_the_scored_run(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    run_id = start_run(con, "april", date(2024, 3, 31), {"freq": "M"})
    chosen = pd.DataFrame({"unique_id": ["X"], "model": ["m"], "score": [0.5],
                           "demand_class": ["lumpy"]})  # fmt: skip
    publish_run(con, run_id, "april", old, _forecasts(APRIL), _lots(), SOLVER,
                forecast_models=chosen, cumulative=_cumulative(APRIL))  # fmt: skip
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0), ("Y", "2024-05-01", 1.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    got = forecast_accuracy(con, by="demand_class").set_index("demand_class")
    assert got.index.tolist() == ["lumpy", "unknown"]  # Y has no forecast_models row
    x, y = got.loc["lumpy"], got.loc["unknown"]
    assert (x["items"], x["actual_units"], x["forecast_units"]) == (1, 9.0, 4.0)
    assert (y["items"], y["actual_units"], y["forecast_units"]) == (1, 1.0, 1.0)
    assert x["above_q90"] == y["above_q90"] == 0.5  # X 6 > 4, Y 1 > 0
    assert (x["total_above_q90"], x["total_above_q95"]) == (1.0, 0.0)  # X 9 > 8, 9 = 9
    assert (y["total_above_q95"], y["total_above_q99"]) == (1.0, 0.0)  # Y 1 > 0, 1 = 1
    whole = forecast_accuracy(con).iloc[0]
    assert whole["actual_units"] == got["actual_units"].sum() and whole["items"] == 2
    with pytest.raises(ValueError, match="by must be one of demand_class"):
        forecast_accuracy(con, by="sku; DROP TABLE runs")


def test_newest_limits_the_scored_runs_to_the_latest_nights(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    for key, as_of in (("feb", date(2024, 2, 29)), ("mar", date(2024, 3, 31))):
        _publish(con, key, as_of, "M", old, APRIL, _cumulative(APRIL))
    _publish(con, "jan", date(2024, 1, 31), "M", old, ["2024-02-01"])
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    assert forecast_accuracy(con)["run_key"].tolist() == ["mar", "feb", "jan"]
    newest = forecast_accuracy(con, newest=2)
    assert newest["run_key"].tolist() == ["mar", "feb"]
    pd.testing.assert_frame_equal(newest, forecast_accuracy(con).head(2))
    assert set(forecast_calibration(con, newest=1)["run_key"]) == {"mar"}


def test_reruns_of_a_night_count_once_among_the_newest(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "feb", date(2024, 2, 29), "M", old, APRIL, _cumulative(APRIL))
    for _ in range(3):  # the same night and parameters: each attempt replaces the last one's rows
        _publish(con, "mar", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    assert forecast_accuracy(con, newest=2)["run_key"].tolist() == ["mar", "feb"]
    assert set(forecast_calibration(con, newest=2)["run_key"]) == {"mar", "feb"}


def test_actuals_do_not_come_from_a_run_of_some_items(con):
    """A run of a category the next night holds only that category's demand: scored against
    it, the other items' perfect forecasts counted as if nothing had sold."""
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    _publish(con, "april", date(2024, 3, 31), "M", _demand([]), ["2024-04-01", "2024-05-01"])
    run_id = start_run(con, "june-y", date(2024, 6, 1), {"freq": "M", "category": "c2"})
    only_y = _demand([("Y", "2024-04-01", 0.0)])
    publish_run(con, run_id, "june-y", only_y, _forecasts(["2024-07-01"]), _lots(), SOLVER)
    got = forecast_accuracy(con)
    assert set(got["run_key"]) == {"april"} and got["actual_units"].sum() == 9.0


def test_items_are_scored_one_by_one_largest_loss_first(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "april", date(2024, 3, 31), "M", old, APRIL, _cumulative(APRIL))
    # X sold 3 + 6 = 9 and Y 0 + 1 = 1 in April and May; June has not passed
    new = _demand([("X", "2024-04-01", 3.0), ("X", "2024-05-01", 6.0), ("Y", "2024-05-01", 1.0)])
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    got = item_accuracy(con)
    assert got["sku"].tolist() == ["X", "Y"] and set(got["run_key"]) == {"april"}
    lv = np.asarray(ACCURACY_WQL_LEVELS)

    def loss(y, quantiles):
        q = np.asarray(quantiles, dtype=float)[:-1]  # no q99
        return sum((2 * np.abs((v - q) * ((v <= q) - lv))).mean() for v in y)

    x, y = got.set_index("sku").loc["X"], got.set_index("sku").loc["Y"]
    assert x["loss"] == pytest.approx(loss([3.0, 6.0], X_QUANTILES))
    assert y["loss"] == pytest.approx(loss([0.0, 1.0], [0] * 8))
    assert (x["actual_units"], x["forecast_units"], x["periods"]) == (9.0, 4.0, 2)
    assert got["loss_share"].sum() == pytest.approx(1.0)
    # the items' losses add up to the run's wql numerator
    run = forecast_accuracy(con).iloc[0]
    assert got["loss"].sum() / run["actual_units"] == pytest.approx(run["wql"])
    # totals over 2 periods: X 9 against (0, 1, 2, 4, 6, 8, 9, 14), Y 1 against (0, ..., 0, 1)
    assert (x["total_actual"], x["total_q50"], x["total_q95"]) == (9.0, 4.0, 9.0)
    assert x["total_position"] == "q90-q95" and y["total_position"] == "q95-q99"
    # one item: its share of the whole run's loss, not 1
    only_y = item_accuracy(con, skus=["Y"])
    assert only_y["sku"].tolist() == ["Y"]
    assert only_y["loss_share"].item() == pytest.approx(y["loss_share"])


def test_an_items_earlier_forecast_comes_with_the_demand_that_came(con):
    old = _demand([("X", "2024-02-01", 1.0)])
    _publish(con, "march", date(2024, 2, 29), "M", old, ["2024-03-01", "2024-04-01"])
    _publish(con, "april", date(2024, 3, 31), "M", old, APRIL)
    new = _demand([("X", "2024-01-01", 2.0), ("X", "2024-02-01", 1.0), ("X", "2024-04-01", 3.0),
                   ("X", "2024-05-01", 6.0)])  # fmt: skip
    _publish(con, "june", date(2024, 5, 31), "M", new, ["2024-06-01"])
    got = scored_item(con, "X", before=1)
    # the newest scored run
    assert (got.run_key, got.as_of, got.freq) == ("april", date(2024, 3, 31), "M")
    assert got.forecast["ds"].dt.strftime("%Y-%m-%d").tolist() == APRIL
    assert got.forecast["q95"].tolist() == [X_QUANTILES[-2]] * 3
    assert got.history["y"].tolist() == [1.0, 3.0, 6.0]  # 1 period before April, all after
    assert scored_item(con, "X", run_key="march").run_key == "march"
    assert scored_item(con, "X", run_key="june") is None  # not scored: nothing passed
    assert scored_item(con, "nope") is None
