"""Shared fixtures for models tests: small seeded demand panels."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def panel_y() -> np.ndarray:
    """8 series x 30 periods: intermittent, smooth, all zero, single observation, padded."""
    rng = np.random.default_rng(7)
    y = (rng.random((8, 30)) < 0.3) * rng.geometric(0.4, (8, 30)).astype(float)
    y[1] = rng.poisson(5.0, 30)
    y[2] = 0.0
    y[3, :29] = np.nan
    y[3, 29] = 4.0
    y[4, :12] = np.nan
    y[4, 12:] = np.tile([0.0, 3.0, 0.0, 1.0, 2.0, 0.0], 3)
    return y
