"""Croston, SBA and TSB against values computed by hand (arithmetic in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from models import SBA, TSB, Croston
from models.intermittent import _croston, _tsb

NAN = np.nan


def test_croston_estimates_by_hand():
    # y = 0 3 0 0 6 0, alpha 0.5.
    # t1: first demand 3 after 2 periods: size 3, interval 2.
    # t4: demand 6 after 3 periods: size 3 + 0.5 (6 - 3) = 4.5; interval 2 + 0.5 (3 - 2) = 2.5.
    size, interval = _croston(np.array([[0, 3, 0, 0, 6, 0.0]]), alpha=0.5)
    assert size[0] == pytest.approx(4.5)
    assert interval[0] == pytest.approx(2.5)


def test_croston_counts_intervals_from_series_start_not_padding():
    # y = NaN NaN 2 0 4, alpha 0.5: interval of the first demand is 1 (first observed period),
    # then 4 after 2 periods: size 2 + 0.5 (4 - 2) = 3; interval 1 + 0.5 (2 - 1) = 1.5.
    size, interval = _croston(np.array([[NAN, NAN, 2, 0, 4]]), alpha=0.5)
    assert (size[0], interval[0]) == pytest.approx((3.0, 1.5))


def test_croston_and_sba_point_forecasts():
    y = np.array([[0, 3, 0, 0, 6, 0.0]])
    # Croston: 4.5 / 2.5 = 1.8 per period; SBA: (1 - 0.5 / 2) * 1.8 = 1.35.
    np.testing.assert_allclose(Croston(alpha=0.5).fit(y).predict(3).mean, [[1.8, 1.8, 1.8]])
    np.testing.assert_allclose(SBA(alpha=0.5).fit(y).predict(3).mean, [[1.35, 1.35, 1.35]])


def test_tsb_estimates_by_hand():
    # y = 0 3 0 0 6 0, alpha_d = alpha_p = 0.5.
    # prob: t0 starts at 0 (no demand); t1 0 + .5 (1 - 0) = .5; t2 .25; t3 .125;
    #       t4 .125 + .5 (1 - .125) = .5625; t5 .28125.
    # size: t1 3; t4 3 + .5 (6 - 3) = 4.5.   mean = .28125 * 4.5 = 1.265625.
    y = np.array([[0, 3, 0, 0, 6, 0.0]])
    size, prob = _tsb(y, alpha_d=0.5, alpha_p=0.5)
    assert (size[0], prob[0]) == pytest.approx((4.5, 0.28125))
    fc = TSB(alpha_d=0.5, alpha_p=0.5).fit(y).predict(2)
    np.testing.assert_allclose(fc.mean, [[1.265625, 1.265625]])


def test_tsb_decays_for_a_dying_item_while_croston_does_not():
    # y = 5 5 0 0 0 0, alpha_p 0.5: prob 1, 1, .5, .25, .125, .0625; size stays 5 -> .3125.
    # Croston only updates at demands: 5 / 1 = 5 per period.
    y = np.array([[5, 5, 0, 0, 0, 0.0]])
    tsb = TSB(alpha_d=0.5, alpha_p=0.5).fit(y).predict(1)
    assert tsb.mean[0, 0] == pytest.approx(0.3125)
    assert Croston(alpha=0.5).fit(y).predict(1).mean[0, 0] == pytest.approx(5.0)


def test_vectorized_over_series_equals_one_at_a_time():
    rng = np.random.default_rng(3)
    y = (rng.random((6, 20)) < 0.4) * rng.poisson(3.0, (6, 20)).astype(float)
    y[2, :7] = NAN
    size, prob = _tsb(y, 0.2, 0.3)
    for i in range(6):
        s, p = _tsb(y[i : i + 1], 0.2, 0.3)
        np.testing.assert_allclose([size[i], prob[i]], [s[0], p[0]])


def test_no_demand_gives_nan_estimates_and_zero_forecast():
    y = np.array([[0, 0, 0.0]])
    assert np.isnan(_croston(y, 0.1)[0][0]) and np.isnan(_tsb(y, 0.1, 0.1)[0][0])
    assert TSB().fit(y).predict(2).mean.sum() == 0


def test_paths_draw_sizes_from_the_series_and_occur_at_rate_p():
    # Constant size 4: scale is 1, so every nonzero path value is exactly 4; the TSB
    # probability after 0 4 0 4 0 4 with alpha_p .5 is: t0 0, .5, .25, .625, .3125, .65625.
    y = np.array([[0, 4, 0, 4, 0, 4.0]])
    fc = TSB(alpha_d=0.5, alpha_p=0.5).fit(y).predict(10, n_paths=20000, seed=1)
    values = np.unique(fc.paths)
    np.testing.assert_array_equal(values, [0, 4])
    assert (fc.paths > 0).mean() == pytest.approx(0.65625, abs=0.01)


def test_sba_scales_sizes_not_occurrence():
    # Croston interval 2 -> occurrence 1/2; SBA alpha .5 scales sizes 4 -> 3 (expected value).
    y = np.array([[0, 4, 0, 4, 0, 4.0]])
    fc = SBA(alpha=0.5).fit(y).predict(10, n_paths=20000, seed=1)
    occurred = fc.paths[fc.paths > 0]
    assert (fc.paths > 0).mean() == pytest.approx(0.5, abs=0.01)
    assert set(np.unique(occurred)) == {3}


def test_size_window_uses_recent_sizes_only():
    # Sizes 10 10 1 1; alpha_d 1 -> smoothed size = last demand = 1.
    # size_window 2: pool {1, 1}, scale 1 / 1 = 1 -> paths take only 0 and 1.
    # All sizes: pool mean 5.5, scale 1 / 5.5; a drawn 10 becomes 1.82 -> 1 or 2 at random.
    y = np.array([[10, 10, 1, 0, 1, 0.0]])
    recent = TSB(alpha_d=1.0, alpha_p=0.5, size_window=2).fit(y).predict(4, 500, seed=0)
    every = TSB(alpha_d=1.0, alpha_p=0.5).fit(y).predict(4, 500, seed=0)
    assert set(np.unique(recent.paths)) == {0, 1}
    assert set(np.unique(every.paths)) == {0, 1, 2}
