"""Metrics against values computed by hand; one signature metric(y_true, fc, y_train)."""

from __future__ import annotations

import numpy as np
import pytest

from models import ForecastArrays, bias, coverage, mase, randomized_pit, rmsse, wql

Y_TRAIN = np.array([[0, 2, 0, 2], [1, 3, 1, 3.0]])  # lag-1 |diffs| 2 2 2 for both series
Y_TRUE = np.array([[0, 2], [1, 3.0]])
POINT = np.ones((2, 2))


def test_mase_by_hand():
    # |errors|: series 0: 1 1 -> 1; series 1: 0 2 -> 1; scale 2 each -> mean(1/2, 1/2) = .5
    assert mase(Y_TRUE, POINT, Y_TRAIN) == pytest.approx(0.5)


def test_mase_seasonality():
    # history 0 1 4 1: lag 1 |diffs| 1 3 3 -> 7/3; lag 2: 4 0 -> 2. |errors| of 2 vs 1 3: 1.
    y_train, y_true, point = np.array([[0, 1, 4, 1.0]]), np.array([[1, 3.0]]), np.full((1, 2), 2.0)
    assert mase(y_true, point, y_train) == pytest.approx(3 / 7)
    assert mase(y_true, point, y_train, seasonality=2) == pytest.approx(0.5)


def test_mase_skips_series_without_scale_and_padding():
    y_train = np.array([[np.nan, 0, 2, 0, 2], [5, 5, 5, 5, 5.0]])  # series 1 has scale 0
    assert mase(Y_TRUE, POINT, y_train) == pytest.approx(0.5)


def test_rmsse_by_hand():
    # series 0: mse (1 + 1) / 2 = 1, scale 4 -> .5; series 1: (0 + 4) / 2 = 2 -> sqrt(.5)
    assert rmsse(Y_TRUE, POINT, Y_TRAIN) == pytest.approx((0.5 + np.sqrt(0.5)) / 2)


def test_wql_by_hand():
    # y 0 6, point 2 as every quantile. q .1: |(0-2)(1-.1)| + |(6-2)(0-.1)| = 1.8 + .4 = 2.2
    # -> 2 * 2.2 / 6 = .7333; q .5: 1 + 2 = 3 -> 1.0. Mean: .86667.
    y, point = np.array([[0, 6.0]]), np.full((1, 2), 2.0)
    assert wql(y, point, levels=(0.1, 0.5)) == pytest.approx((2 * 2.2 / 6 + 1.0) / 2)


def test_wql_of_zero_forecast_is_exactly_one():
    rng = np.random.default_rng(0)
    y = rng.poisson(0.4, (50, 12)).astype(float)
    zero = ForecastArrays(mean=np.zeros((50, 12)), paths=np.zeros((50, 10, 12), dtype=np.int32))
    assert wql(y, zero) == 1.0
    assert wql(y, np.zeros((50, 12))) == 1.0


def test_wql_reads_quantiles_from_paths():
    # one cell, paths 0..9: quantile .5 = 4; y 6: |(6 - 4)(0 - .5)| = 1 -> 2 * 1 / 6
    fc = ForecastArrays(mean=[[4.5]], paths=np.arange(10, dtype=np.int32)[None, :, None])
    assert wql([[6.0]], fc, levels=(0.5,)) == pytest.approx(1 / 3)


def test_coverage_by_hand():
    # paths 0..9 each period; 80% interval [q .1, q .9] = [0, 8]: 0 and 5 inside, 10 not.
    paths = np.tile(np.arange(10, dtype=np.int32)[None, :, None], (1, 1, 3))
    fc = ForecastArrays(mean=np.full((1, 3), 4.5), paths=paths)
    assert coverage([[0, 5, 10.0]], fc, level=0.8) == pytest.approx(2 / 3)


def test_bias_by_hand():
    # forecast total 4, actual total 6: (4 - 6) / 6
    assert bias(np.array([[0, 6.0]]), np.full((1, 2), 2.0)) == pytest.approx(-1 / 3)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="y_true"):
        bias(np.zeros((2, 3)), POINT)
    with pytest.raises(ValueError, match="y_train"):
        mase(Y_TRUE, POINT)


def test_randomized_pit_spreads_ties_uniformly():
    # paths all 0: y = 0 has F(-1) = 0, F(0) = 1 -> u uniform on (0, 1); y = 1 -> u = 1.
    fc = ForecastArrays(mean=np.zeros((1, 2000)), paths=np.zeros((1, 5, 2000), dtype=np.int32))
    u = randomized_pit(np.zeros((1, 2000)), fc, seed=0)
    assert 0.45 < u.mean() < 0.55 and ((u > 0.1) & (u < 0.9)).mean() == pytest.approx(0.8, abs=0.04)
    assert randomized_pit(np.ones((1, 2000)), fc)[0, 0] == 1.0
