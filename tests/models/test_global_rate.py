"""GlobalRate: one boosting model across items; what it learns that per-item smoothing cannot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import GlobalRate, LatentRate, forecast, global_rate
from models.features import FEATURES, origin_features
from models.global_rate import dormant_pool, fit_rates


@pytest.fixture(scope="module")
def dying_panel() -> np.ndarray:
    """300 items selling ~Poisson(3) a period; half stop for good at a random period."""
    rng = np.random.default_rng(11)
    n, t = 300, 48
    y = rng.poisson(3.0, (n, t)).astype(float)
    stop = rng.integers(10, t - 4, n)
    dies = np.arange(n) < n // 2
    y[dies] *= np.arange(t)[None, :] < stop[dies, None]
    return y


def test_learns_that_items_silent_for_long_stay_dead(dying_panel):
    """Items silent for 4+ periods never sold again in training: the global model forecasts
    them near zero, while per-item smoothing still carries their old rate."""
    y = dying_panel
    silent = (y[:, -4:] == 0).all(axis=1)
    glob = GlobalRate(horizon=6).fit(y).mean_
    latent = LatentRate(alpha=0.15).fit(y).mean_
    assert silent.sum() > 100
    assert glob[silent].mean() < 0.3 * latent[silent].mean()
    assert glob[~silent].mean() == pytest.approx(3.0, rel=0.2)


def test_features_ignore_left_padding():
    rng = np.random.default_rng(2)
    y = rng.poisson(1.0, (1, 20)).astype(float)
    padded = np.hstack([np.full((1, 7), np.nan), y])
    a, sa = origin_features(y, np.array([[20]]))
    b, sb = origin_features(padded, np.array([[27]]))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sa, sb)
    assert a.shape == (1, 1, len(FEATURES))


def test_too_little_data_falls_back_to_the_items_smoothed_rates():
    y = np.array([[0.0, 4.0, 0.0, 2.0], [np.nan, np.nan, 0.0, 0.0]])
    mean, occ = fit_rates(y, horizon=2, max_iter=10, learning_rate=0.1, max_rows=1000)
    np.testing.assert_allclose(mean, [LatentRate(alpha=0.15).fit(y[:1]).mean_[0], 0.0])
    assert 0 < occ[0] < 1 and occ[1] == 0


def test_items_with_few_demands_get_wider_totals():
    """1/k = 1/shape + events / (1 + N): few past demands, a more uncertain rate."""
    y = np.zeros((2, 30))
    y[0, ::10] = 5.0  # 3 demands
    y[1, ::2] = 1.0  # 15 demands, same mean
    model = GlobalRate(shape=4.0, events=2.0).fit(y)
    np.testing.assert_allclose(model.k_, 1 / (1 / 4 + 2 / (1 + np.array([3.0, 15.0]))))
    assert model.k_[0] < model.k_[1]


def _panel_with_late_starters(wake: bool) -> np.ndarray:
    """200 items selling ~Poisson(1); 100 of them start only after 6-30 periods of zeros
    (if `wake`) or never; the last 5 items have sold nothing yet."""
    rng = np.random.default_rng(12)
    n, t = 200, 40
    y = rng.poisson(1.0, (n, t)).astype(float)
    start = rng.integers(6, 30, n) if wake else np.full(n, t)
    late = np.arange(n) < 100
    y[late] *= np.arange(t)[None, :] >= start[late, None]
    y[-5:] = 0.0
    return y


def test_items_without_demand_yet_learn_from_items_that_started_late():
    """Dormant items (observed, never sold) get the pooled rate of items that were dormant
    at past origins and the first sizes of late starters; none if nobody ever woke up."""
    y = _panel_with_late_starters(wake=True)
    model = GlobalRate(horizon=12).fit(y)
    fc = model.predict(12, 500, seed=0)
    assert (model.mean_[-5:] > 0.1).all() and (model.prob_[-5:] > 0.05).all()
    assert fc.paths[-5:].sum(axis=2).mean() > 1.0
    never = GlobalRate(horizon=12).fit(_panel_with_late_starters(wake=False))
    assert (never.mean_[-5:] == 0).all()
    assert never.predict(12, 100, seed=0).paths[-5:].sum() == 0


def test_dormant_pool_holds_the_first_sizes_of_late_starters():
    y = np.array([[0, 0, 0, 7, 1], [0, 0, 2, 9, 9], [5, 0, 0, 3, 0], [0, 0, 0, 0, 0.0]])
    np.testing.assert_array_equal(dormant_pool(y, 3), [2.0, 2.0, 7.0])
    np.testing.assert_array_equal(dormant_pool(y[2:], 2), [0.0, 0.0])


def _lumpy_panel(seed: int, n: int = 400, t: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Items demanding in a share p of periods, geometric sizes of mean 1 + s, and 5% of
    the demands 10 times as large (spikes); returns the panel and each item's true mean."""
    rng = np.random.default_rng(seed)
    p, s = rng.uniform(0.05, 0.5, n), rng.lognormal(1.0, 1.0, n)
    sizes = rng.geometric(1 / (1 + s[:, None]), (n, t)).astype(float)
    sizes = np.where(rng.random((n, t)) < 0.05, 10 * sizes, sizes)
    y = np.where(rng.random((n, t)) < p[:, None], sizes, 0.0)
    return y, p * (1 + s) * 1.45


def test_subagging_brings_the_rates_of_lumpy_items_closer_to_the_truth():
    """One boosting fit on lumpy demand depends on the spikes it sees; the mean of 10 fits on
    30% of the rows each estimates the items' true rates better."""
    errors = {}
    for bags, share in ((1, 1.0), (10, 0.3)):
        errors[bags] = np.mean([
            np.mean(np.abs(GlobalRate(bags=bags, bag_share=share).fit(y).mean_ - truth) / truth)
            for y, truth in (_lumpy_panel(0), _lumpy_panel(1))
        ])  # fmt: skip
    assert errors[10] < 0.95 * errors[1], errors


def test_fits_are_reproducible_and_bag_parameters_are_checked(monkeypatch):
    y, _ = _lumpy_panel(2, n=60, t=24)
    monkeypatch.setattr(global_rate, "BAG_MIN_ROWS", 10)
    a = fit_rates(y, 12, 20, 0.1, 10_000, bags=4, bag_share=0.5)
    monkeypatch.setattr(global_rate, "_bag_workers", lambda bags, omp: 1)  # any thread count
    b = fit_rates(y, 12, 20, 0.1, 10_000, bags=4, bag_share=0.5)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], fit_rates(y, 12, 20, 0.1, 10_000)[0])
    monkeypatch.setattr(global_rate, "BAG_MIN_ROWS", 10**6)  # too few rows per bag: one fit
    single = fit_rates(y, 12, 20, 0.1, 10_000, bags=4, bag_share=0.5)
    np.testing.assert_array_equal(single[0], fit_rates(y, 12, 20, 0.1, 10_000)[0])
    with pytest.raises(ValueError, match="bag_share must be a number in"):
        GlobalRate(bag_share=0.0).fit(y)
    with pytest.raises(ValueError, match="bags"):
        GlobalRate(bags=0).fit(y)


@pytest.mark.parametrize("n", [1, 250])
def test_a_panel_that_never_sold_again_after_its_first_period_forecasts_zero(n):
    """Every part sold 7 units in its first week and nothing in the 59 after: the boosting's
    targets were all zero, which its Poisson loss refuses (ValueError), so a rerun of one
    dead item failed its forecast."""
    y = np.zeros((n, 60))
    y[:, 0] = 7
    fc = GlobalRate(bags=2).fit(y).predict(4, 50, seed=0)
    assert fc.paths.shape == (n, 50, 4) and fc.paths.max() == 0
    long = pd.DataFrame({"unique_id": np.repeat([f"i{i}" for i in range(n)], 60),
                         "ds": np.tile(pd.date_range("2020-01-06", periods=60, freq="W-MON"), n),
                         "y": y.ravel()})  # fmt: skip
    assert forecast(long, h=4, freq="W", n_paths=50, seed=0).arrays().paths.max() == 0
