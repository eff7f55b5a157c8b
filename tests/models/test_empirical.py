"""Empirical block bootstrap: mean of the window, values and block order from the history."""

from __future__ import annotations

import numpy as np
import pytest

from models import Empirical

NAN = np.nan


def test_mean_is_the_window_mean():
    y = np.array([[NAN, 1, 2, 3, 6], [0, 0, 0, 0, 8]])
    # window 3: (2 + 3 + 6) / 3 = 11/3 and (0 + 0 + 8) / 3 = 8/3.
    np.testing.assert_allclose(Empirical(window=3).fit(y).predict(2).mean[:, 0], [11 / 3, 8 / 3])
    # window 12 > history: the 4 observed periods of series 0, (1 + 2 + 3 + 6) / 4 = 3.
    assert Empirical(window=12).fit(y).predict(1).mean[0, 0] == pytest.approx(3.0)


def test_blocks_keep_consecutive_periods_together():
    # window 2 3 6 (circular), block 3 of length 3: a path is a rotation of the window.
    y = np.array([[1, 2, 3, 6.0]])
    paths = Empirical(window=3, block=3).fit(y).predict(6, 300, seed=0).paths[0]
    rotations = {(2, 3, 6), (3, 6, 2), (6, 2, 3)}
    for path in paths:
        assert tuple(path[:3]) in rotations and tuple(path[3:]) in rotations


def test_block_one_resamples_independently():
    y = np.array([[1, 2, 3, 6.0]])
    paths = Empirical(window=3, block=1).fit(y).predict(6, 2000, seed=0).paths[0]
    assert set(np.unique(paths)) == {2, 3, 6}
    # every value equally likely in every period: 1/3 each, within sampling noise
    assert (paths == 6).mean() == pytest.approx(1 / 3, abs=0.02)


def test_fractional_demand_is_rounded_without_bias():
    y = np.array([[0.5, 0.5, 0.5, 0.5]])
    fc = Empirical(window=4, block=1).fit(y).predict(5, 4000, seed=0)
    assert set(np.unique(fc.paths)) == {0, 1}
    assert fc.paths.mean() == pytest.approx(0.5, abs=0.02)
