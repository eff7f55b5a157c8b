"""Out-of-sample calibration of TSB paths on a seeded synthetic intermittent panel with known
parameters: 300 series, demand occurs with probability p ~ U(0.1, 0.6), size 1 + Poisson(lam),
lam ~ U(0.5, 5); 60 periods of history, 12 held out from the same process.

Tolerances. Per-period coverage is read from the randomized PIT (integer demand with many
zeros makes plain interval coverage over-cover: it measures ~0.91 at nominal 0.80 here).
3,600 held-out cells, correlated within a series, give a standard error of at most
sqrt(0.8 * 0.2 / 300) = 2.3 points (one value per series); the paths also ignore the
estimation error of p and size, which costs about a point. ±5 points is about 2 standard
errors plus that. The mean should be within 10% of the true mean in total (measured ~1-2%).
Horizon totals (lead-time demand) carry the estimation error of p and size undiluted over 12
periods: measured 0.72-0.77 at 0.80 and 0.89-0.92 at 0.95 over 4 seeds, so the bound there
is 10 points, a guard against regressions rather than a claim of calibration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import TSB, forecast, randomized_pit

N, T, H = 300, 60, 12


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(2024)
    p = rng.uniform(0.1, 0.6, N)
    lam = rng.uniform(0.5, 5.0, N)
    occurs = rng.random((N, T + H)) < p[:, None]
    y = (occurs * (1 + rng.poisson(lam[:, None], (N, T + H)))).astype(float)
    fc = TSB().fit(y[:, :T]).predict(H, n_paths=1000, seed=1)
    return y[:, T:], fc, p * (1 + lam)


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_per_period_intervals_cover_nominal(synthetic, level):
    actual, fc, _ = synthetic
    u = randomized_pit(actual, fc, seed=2)
    inside = ((u > (1 - level) / 2) & (u < (1 + level) / 2)).mean()
    assert inside == pytest.approx(level, abs=0.05)


def test_mean_is_close_to_true_mean(synthetic):
    _, fc, true_mean = synthetic
    assert fc.mean[:, 0].sum() / true_mean.sum() == pytest.approx(1.0, abs=0.10)
    per_series = np.abs(fc.mean[:, 0] - true_mean) / true_mean
    assert np.median(per_series) < 0.35  # single series: ~20 effective periods of history


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_horizon_total_upper_quantile_coverage(synthetic, level):
    actual, fc, _ = synthetic
    covered = (actual.sum(axis=1) <= fc.total_quantiles([level])[:, 0]).mean()
    assert covered == pytest.approx(level, abs=0.10)


@pytest.fixture(scope="module")
def auto_forecast():
    """The pipeline forecast (model="auto": selection by backtest) on a fresh synthetic panel."""
    rng = np.random.default_rng(2024)
    p = rng.uniform(0.1, 0.6, N)
    lam = rng.uniform(0.5, 5.0, N)
    y = (rng.random((N, T + H)) < p[:, None]) * (1 + rng.poisson(lam[:, None], (N, T + H)))
    ds = pd.date_range("2015-01-01", periods=T, freq="MS")
    ids = [f"s{i:03d}" for i in range(N)]
    demand = pd.DataFrame(
        {"unique_id": np.repeat(ids, T), "ds": np.tile(ds, N), "y": y[:, :T].ravel().astype(float)}
    )
    return y[:, T:].sum(axis=1), forecast(demand, h=H, freq="M", n_paths=1000, seed=1)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95])
def test_auto_horizon_totals_cover_nominal(auto_forecast, level):
    """Selection by backtest calibrates the 12-period totals: measured 0.48 / 0.85 / 0.96 /
    0.98 (seeds 2, 3: 0.47-0.49 / 0.84-0.85 / 0.94-0.96 / 0.98). One value per series:
    standard error <= 2.9 points at 0.5; ±6 points is two of them plus the sampling of the
    selection. Known bias: 2 backtest origins favour slightly wide candidates, so the 0.9
    quantile over-covers by up to 7 points here (the bound above nominal is 8)."""
    totals, fc = auto_forecast
    covered = (totals <= fc.arrays().total_quantiles([level])[:, 0]).mean()
    assert level - 0.06 <= covered <= level + (0.08 if level == 0.9 else 0.06)


def test_steady_sellers_get_intervals_near_poissons():
    """40 sellers of Poisson 5 a week for two years: with spreads down to a Gamma shape of 16
    the 12-week totals' q05-q95 was 2.5 times Poisson's width (q05 32, q95 91 against 48 and
    73) and none of the held-out totals fell outside it; safety stock was bought against a
    tail that is not there. Measured now: 1.24 times, 2 of 40 outside."""
    rng = np.random.default_rng(1)
    n, weeks = 40, 104
    y = rng.poisson(5.0, (n, weeks + H)).astype(float)
    ds = pd.date_range(end="2026-11-23", periods=weeks, freq="W-MON")
    ids = [f"s{i:02d}" for i in range(n)]
    demand = pd.DataFrame(
        {"unique_id": np.repeat(ids, weeks), "ds": np.tile(ds, n), "y": y[:, :weeks].ravel()}
    )
    fc = forecast(demand, h=H, freq="W", n_paths=1000, seed=0)
    q05, q50, q95 = fc.arrays().total_quantiles([0.05, 0.5, 0.95]).T
    poisson_width = (73 - 48) / 60  # q05-q95 of Poisson(60), relative to its median
    assert np.median((q95 - q05) / q50) < 1.5 * poisson_width
    totals = y[:, weeks:].sum(axis=1)
    assert 0 < ((totals < q05) | (totals > q95)).mean() < 0.2
