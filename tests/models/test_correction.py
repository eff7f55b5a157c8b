"""Bias correction by lifecycle stage: factors by hand, path rescaling, and on a panel whose
declining and growing items share a stage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import forecast, prepare_forecast
from models.correction import MAX_FACTOR, rescale_paths, stage_corrections
from models.select import Backtest


def _backtest(actual: np.ndarray, forecast_total: np.ndarray) -> Backtest:
    zeros = np.zeros(actual.shape)
    return Backtest(
        period_loss={"m": zeros},
        total_loss={"m": zeros},
        covered={"m": np.zeros((*actual.shape, 3))},
        actual_total=actual,
        forecast_total={"m": forecast_total},
    )


def test_items_that_agree_give_the_stage_the_whole_ratio_closest_to_one():
    m = 20
    # origin 1: 50 came of 100 forecast per item (0.5); origin 2: 60 of 100 (0.6); every item
    # the same, so the ratio is measured without noise and nothing is shrunk
    actual = np.tile([50.0, 60.0], (m, 1))
    bt = _backtest(actual, np.full((m, 2), 100.0))
    got = stage_corrections(bt, np.full(m, "m", dtype=object), np.full(m, "phase_out", object))
    assert got == {"phase_out": pytest.approx(0.6)}


def _scattered(m: int) -> np.ndarray:
    """m items' demand at two origins, 100 forecast each: half sold 20, half 100 (ratio 0.6)."""
    return np.repeat([[20.0, 20.0], [100.0, 100.0]], [m // 2, m - m // 2], axis=0)


def test_items_that_scatter_shrink_the_factor_by_its_sampling_variance():
    got = {}
    for m in (10, 40):
        bt = _backtest(_scattered(m), np.full((m, 2), 100.0))
        got[m] = stage_corrections(bt, np.full(m, "m", dtype=object), np.full(m, "ramp_up", object))
    # b = log 0.6; v = sum (a - 0.6 * 100)^2 / (0.6 * 100 m)^2 * m / (m - 1) = (4 / 9) / (m - 1)
    b, v = np.log(0.6), 4 / 9 / 9
    assert got[10]["ramp_up"] == pytest.approx(np.exp(b * b**2 / (b**2 + v)))
    assert 0.6 < got[40]["ramp_up"] < got[10]["ramp_up"] < 1  # fewer items: nearer to 1


def test_no_factor_for_flipping_bias_few_items_unknown_stage_or_a_small_effect():
    flip = np.tile([50.0, 150.0], (12, 1))  # under at one origin, over at the other
    few = np.tile([50.0, 50.0], (5, 1))  # fewer than MIN_ITEMS scored items
    unknown = np.tile([50.0, 50.0], (12, 1))
    small = np.tile([97.0, 96.0], (100, 1))  # 3% below at both origins: left alone
    actual = np.vstack([flip, few, unknown, small])
    stages = np.array(["series"] * 12 + ["pilot"] * 5 + [None] * 12 + ["ramp_up"] * 100,
                      dtype=object)  # fmt: skip
    bt = _backtest(actual, np.full((129, 2), 100.0))
    assert stage_corrections(bt, np.full(129, "m", dtype=object), stages) == {}


def test_items_not_scored_at_an_origin_leave_it_out_and_the_factor_is_capped():
    m = 30
    actual = np.column_stack([np.zeros(m), np.full(m, np.nan)])  # nothing came at origin 1
    bt = _backtest(actual, np.column_stack([np.full(m, 10.0), np.full(m, np.nan)]))
    got = stage_corrections(bt, np.full(m, "m", dtype=object), np.full(m, "phase_out", object))
    # every item sold nothing: the ratio 0 is capped at 1 / MAX_FACTOR, v = 1 / (m - 1)
    b, v = np.log(1 / MAX_FACTOR), 1 / (m - 1)
    assert got["phase_out"] == pytest.approx(np.exp(b * b**2 / (b**2 + v)))


@pytest.mark.parametrize("factor", [0.3, 0.8, 1.0, 1.7, 3.2])
def test_rescaled_paths_keep_integers_and_scale_the_mean(factor):
    rng = np.random.default_rng(0)
    paths = (rng.random((4000, 6)) < 0.3) * rng.geometric(0.3, (4000, 6))
    out = rescale_paths(paths.astype(np.int32), factor, np.random.default_rng(1))
    assert out.dtype == np.int32 and out.shape == paths.shape and out.min() >= 0
    assert out.mean() == pytest.approx(factor * paths.mean(), rel=0.03)
    assert (out[paths == 0] == 0).all()  # no demand where the model had none
    same = rescale_paths(paths.astype(np.int32), factor, np.random.default_rng(1))
    np.testing.assert_array_equal(out, same)


def _staged_panel(
    t: int = 48, h: int = 6, seed: int = 4
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Poisson demand: 40 steady series items, 40 phase_out items halving every 12 months,
    40 ramp_up items doubling every 12 months, until t + h; returns (history, items, true
    mean over the h periods after the history per item)."""
    rng = np.random.default_rng(seed)
    months = np.arange(t + h)
    trend = {"series": 1.0, "phase_out": 0.5 ** (1 / 12), "ramp_up": 2 ** (1 / 12)}
    rows, items, future = [], [], {}
    for stage, g in trend.items():
        for k in range(40):
            uid = f"{stage}-{k:02d}"
            level = rng.uniform(2, 6) * g ** (months - (t - 1))  # level at the last period
            y = rng.poisson(level)
            rows.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range(
                "2021-01-01", periods=t, freq="MS"), "y": y[:t].astype(float)}))  # fmt: skip
            items.append({"unique_id": uid, "category": "A", "lifecycle_stage": stage})
            future[uid] = level[t:].mean()
    return pd.concat(rows), pd.DataFrame(items), future


def test_declining_and_growing_stages_get_their_direction_and_a_closer_mean():
    history, items, future = _staged_panel()
    prepared = prepare_forecast(history, items=items, freq="M", h=6, seed=0)
    sel = prepared.selection().set_index("unique_id")
    factor = sel.groupby("lifecycle_stage")["stage_factor"].first()
    assert factor["phase_out"] < 0.95 and factor["ramp_up"] > 1.05
    said = prepared.adjustments()
    assert (
        f"lifecycle stage phase_out: demand of items with history x{factor['phase_out']:.2f}"
        " (40 items)" in said
    )
    with_stage = forecast(history, items=items, freq="M", h=6, n_paths=400, seed=0)
    without = forecast(history, items=items.drop(columns="lifecycle_stage"), freq="M", h=6,
                       n_paths=400, seed=0)  # fmt: skip
    truth = np.array([future[u] for u in with_stage.unique_id])
    stage = items.set_index("unique_id").loc[with_stage.unique_id, "lifecycle_stage"].to_numpy()
    for name in ("phase_out", "ramp_up"):
        rows = stage == name
        err_with = np.abs(with_stage.mean[rows].mean(axis=1) - truth[rows]).mean()
        err_without = np.abs(without.mean[rows].mean(axis=1) - truth[rows]).mean()
        assert err_with < err_without, name
        # the paths carry the factor: their mean follows the corrected mean
        np.testing.assert_allclose(with_stage.paths[rows].mean(axis=(1, 2)),
                                   with_stage.mean[rows].mean(axis=1), rtol=0.2)  # fmt: skip


def test_stage_factor_of_new_items_is_the_prior_scale_and_a_launch_rate_stays():
    t = 6
    ds = pd.date_range("2024-01-01", periods=t, freq="MS")
    rates = {**{f"s{k}": 4.0 for k in range(5)}, **{f"p{k}": 1.0 for k in range(5)}}
    demand = pd.concat(pd.DataFrame({"unique_id": u, "ds": ds, "y": r}) for u, r in rates.items())
    items = pd.DataFrame(
        {"unique_id": [*rates, "new_pilot", "launch_pilot"], "category": "A",
         "lifecycle_stage": ["series"] * 5 + ["pilot"] * 7,
         "launch_forecast": [np.nan] * 11 + [3.0]}
    )  # fmt: skip
    prepared = prepare_forecast(demand, items=items, freq="M", h=3, model="tsb")
    factor = prepared.selection().set_index("unique_id")["stage_factor"]
    assert factor["new_pilot"] == pytest.approx(1 / 2.5)  # pilot donors' rate / median
    assert factor["launch_pilot"] == 1.0  # the planner's launch forecast is not scaled
    assert (factor[list(rates)] == 1.0).all()  # constant demand: no bias to correct
    fc = forecast(demand, items=items, freq="M", h=3, n_paths=100, model="tsb")
    assert fc.mean[-1] == pytest.approx(np.full(3, 3.0))
