"""Size pools: the series' own sizes and the pseudo-sizes of the size prior."""

from __future__ import annotations

import numpy as np
import pytest

from models import GlobalRate, LatentRate
from models.sampling import size_pool, size_prior


def _sizes(pool: np.ndarray, counts: np.ndarray, row: int) -> np.ndarray:
    return pool[row, pool.shape[1] - counts[row] :]


def test_prior_adds_pseudo_sizes_in_front_of_the_own_sizes():
    y = np.array([[1, 0, 2, 1.0], [0, 0, 3, 0], [0, 0, 0, 0]])
    pool, counts = size_pool(y, None)
    out, new_counts = size_prior(pool, counts, extra=4, min_items=1)
    assert new_counts.tolist() == [7, 5, 0]
    assert _sizes(out, new_counts, 0)[-3:].tolist() == [1, 2, 1]  # own sizes, latest last
    assert _sizes(out, new_counts, 1)[-1] == 3
    # pseudo-sizes: quantiles of the relative sizes {3/4, 3/2, 3/4} of the only series with
    # 2+ sizes, times the series' own mean size
    rel = np.quantile([0.75, 1.5, 0.75], (np.arange(4) + 0.5) / 4)
    assert _sizes(out, new_counts, 0)[:4] == pytest.approx(rel * 4 / 3)
    assert _sizes(out, new_counts, 1)[:4] == pytest.approx(rel * 3)
    assert (out[2] == 0).all()


def test_prior_comes_from_series_of_similar_size():
    # small series always sell 1 unit, large ones 10 or 30: a one-demand small series must
    # not borrow the spread of the large ones
    small = np.tile([1.0, 0, 1, 1, 0, 1], (40, 1))
    large = np.tile([10.0, 0, 30, 10, 0, 30], (40, 1))
    new = np.array([[0, 0, 0, 0, 0, 1.0], [0, 0, 0, 0, 0, 20.0]])
    pool, counts = size_pool(np.vstack([small, large, new]), None)
    out, new_counts = size_prior(pool, counts, extra=10, bins=2, min_items=20)
    assert _sizes(out, new_counts, 80) == pytest.approx(np.ones(11))
    assert set(np.round(_sizes(out, new_counts, 81)[:10], 6)) == {10.0, 30.0}


def test_prior_when_most_series_share_one_mean_size():
    # 100 series always selling 1 unit: the bin edges repeat; every bin must still hold series
    ones = np.tile([1.0, 0, 1, 1, 0, 1], (100, 1))
    other = np.tile([2.0, 0, 3, 0, 0, 0], (20, 1))
    pool, counts = size_pool(np.vstack([ones, other]), None)
    out, new_counts = size_prior(pool, counts, extra=10)
    assert _sizes(out, new_counts, 0) == pytest.approx(np.ones(14))
    assert np.isfinite(out).all() and (new_counts == counts + 10).all()


def test_prior_when_every_series_has_the_same_mean_size():
    """Every part sold 5 units at a time (or one at a time): all bin edges collapse to that
    size, the bin above it held no series, and fitting 200 such items raised IndexError."""
    for size in (1.0, 5.0):
        y = np.tile([size, 0, size, 0, 0, size], (200, 1))
        pool, counts = size_pool(y, None)
        out, new_counts = size_prior(pool, counts, extra=10)
        assert _sizes(out, new_counts, 0) == pytest.approx(np.full(13, size))
    fc = LatentRate().fit(np.tile([5.0, 0, 5, 0, 0, 5], (200, 1))).predict(2, 50, seed=0)
    assert fc.paths.shape == (200, 50, 2)


def test_prior_without_extra_or_reference_series_changes_nothing():
    y = np.array([[0, 2, 0, 5.0], [1, 0, 0, 0]])
    for extra, rows in ((0, y), (3, y[1:])):
        p, c = size_pool(rows, None)
        out, new_counts = size_prior(p, c, extra)
        assert np.array_equal(out, p) and np.array_equal(new_counts, c)
        assert out is not p and new_counts is not c


def test_prior_predicts_unseen_sizes_better_than_three_own_sizes():
    # every series: sizes = its own scale x one shared relative law; 3 sizes seen, 200 not
    rng = np.random.default_rng(0)
    scale = rng.lognormal(1.0, 1.0, 300)
    draw = lambda k: np.ceil(scale[:, None] * rng.gamma(1.5, 1 / 1.5, (300, k)))  # noqa: E731
    seen, unseen = draw(3), draw(200)
    pool, counts = size_pool(seen, None)
    levels = np.arange(1, 10) / 10

    def loss(pool: np.ndarray) -> float:
        q = np.quantile(pool, levels, axis=1, method="inverted_cdf").T[:, :, None]
        y = unseen[:, None, :]
        return float((np.abs((y - q) * ((y <= q) - levels[None, :, None]))).sum() / y.sum())

    out, _ = size_prior(pool, counts, extra=10)
    assert loss(out) < 0.97 * loss(pool)  # 2.26 vs 2.39


@pytest.mark.parametrize("cls", [LatentRate, GlobalRate])
def test_prior_sizes_must_be_a_non_negative_integer(cls):
    y = np.ones((3, 8))
    with pytest.raises(ValueError, match="prior_sizes must be an integer >= 0, got -1"):
        cls(prior_sizes=-1).fit(y)
    with pytest.raises(ValueError, match="prior_sizes must be an integer >= 0"):
        cls(prior_sizes=2.5).fit(y)
    assert cls(prior_sizes=0).fit(y).counts_.tolist() == [8, 8, 8]


@pytest.mark.parametrize("cls", [LatentRate, GlobalRate])
def test_paths_keep_the_mean_with_the_prior(cls):
    rng = np.random.default_rng(4)
    y = rng.poisson(0.3, (200, 36)) * rng.integers(1, 6, (200, 36)).astype(float)
    model = cls(prior_sizes=10).fit(y)
    fc = model.predict(12, 2000, seed=1)
    assert fc.paths.mean() == pytest.approx(fc.mean.mean(), rel=0.03)
    assert (model.counts_[y.sum(axis=1) > 0] >= 10).all()
