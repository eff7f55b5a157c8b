"""Backtest selection: candidates are compared on common random numbers."""

from __future__ import annotations

import numpy as np

from models import LatentRate
from models.select import backtest


def test_identical_candidates_get_identical_scores():
    """Same model twice: equal losses at every origin (sampling noise cannot pick a winner)."""
    rng = np.random.default_rng(5)
    y = ((rng.random((20, 30)) < 0.4) * rng.poisson(3.0, (20, 30))).astype(float)
    same = {"a": LatentRate(alpha=0.1), "b": LatentRate(alpha=0.1)}
    bt = backtest(y, same, h=6, n_origins=2, n_paths=50, seed=4)
    assert bt.scored.any()
    np.testing.assert_array_equal(bt.period_loss["a"], bt.period_loss["b"])
    np.testing.assert_array_equal(bt.total_loss["a"], bt.total_loss["b"])
