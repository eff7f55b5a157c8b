"""The latent rate multiplier: both laws keep mean 1 and variance 1/k, differ in shape."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from models import GlobalRate, LatentRate
from models.latent import LAWS, _draws, latent_paths, multiplier, occurrence_prob
from models.sampling import size_pool


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("k", [0.5, 1.0, 4.0])
def test_multiplier_has_mean_one_and_variance_one_over_k(law, k):
    g = multiplier(np.random.default_rng(0), np.full(400_000, k), law)
    assert (g > 0).all()
    assert g.mean() == pytest.approx(1.0, abs=0.01)
    assert g.var() == pytest.approx(1.0 / k, rel=0.1 if k < 1 else 0.05)


def test_lognormal_has_a_tighter_body_and_a_longer_tail_than_gamma():
    k = np.full(400_000, 1.0)
    gamma = multiplier(np.random.default_rng(1), k, "gamma")
    lognormal = multiplier(np.random.default_rng(1), k, "lognormal")
    q_gamma, q_lognormal = np.quantile(gamma, [0.9, 0.99]), np.quantile(lognormal, [0.9, 0.99])
    assert q_lognormal[0] < q_gamma[0] - 0.15  # 2.06 vs 2.30
    assert q_lognormal[1] > q_gamma[1] + 0.15  # 4.90 vs 4.61


@pytest.mark.parametrize("cls", [LatentRate, GlobalRate])
def test_lognormal_law_narrows_the_totals_0_9_quantile_only(cls):
    rng = np.random.default_rng(2)
    y = rng.poisson(2.0, (200, 36)).astype(float)
    q = {}
    for law in LAWS:
        fc = cls(shape=1.0, law=law).fit(y).predict(12, 2000, seed=3)
        q[law] = fc.total_quantiles([0.5, 0.9, 0.99]).mean(axis=0)
        assert fc.paths.sum(axis=2).mean() == pytest.approx(fc.mean.sum(axis=1).mean(), rel=0.03)
    assert q["lognormal"][1] < q["gamma"][1]
    assert q["lognormal"][2] > q["gamma"][2] * 0.98


def test_unknown_law_raises():
    with pytest.raises(ValueError, match="law must be one of"):
        LatentRate(law="cauchy").fit(np.ones((2, 5)))


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("k", [0.5, 1.0, 4.0])
def test_occurrence_prob_keeps_the_expected_occurrence_despite_the_cap(law, k):
    """min(1, p G) caps the paths where G is large: p' is raised so E[min(1, p' G)] = p."""
    prob = np.array([0.0, 0.05, 0.4, 0.8, 1.0])
    adjusted = occurrence_prob(prob, np.full(prob.size, k), law)
    g = multiplier(np.random.default_rng(5), np.full(400_000, k), law)
    got = np.minimum(1.0, adjusted[:, None] * g[None, :]).mean(axis=1)
    np.testing.assert_allclose(got, prob, atol=0.005)
    assert adjusted[0] == 0 and adjusted[-1] == np.inf
    assert (adjusted[1:-1] >= prob[1:-1]).all()


def _law(law: str, k: float):
    """The multiplier's distribution as a scipy.stats object (mean 1, variance 1/k)."""
    if law == "gamma":
        return stats.gamma(k, scale=1 / k)
    s = np.sqrt(np.log1p(1 / k))
    return stats.lognorm(s, scale=np.exp(-(s**2) / 2))


@pytest.mark.parametrize("law", LAWS)
def test_occurrence_prob_solves_the_cap_equation_also_for_extreme_items(law):
    """E[min(1, p' G)] = p' (1 - E[G; G > 1/p']) + P(G > 1/p') by numerical integration (not the
    closed form the solver uses) equals prob, also for items selling almost every period
    with a wide multiplier, whose p' is far above 1."""
    prob = np.array([1e-6, 0.3, 0.9, 0.999, 0.99999])
    k = np.array([0.5, 16.0, 1.0, 0.5, 2.0])
    adjusted = occurrence_prob(prob, k, law)
    for p, kk, a in zip(prob, k, adjusted, strict=True):
        dist = _law(law, kk)
        got = a * (1 - dist.expect(lambda g: g, lb=1 / a)) + dist.sf(1 / a)
        assert got == pytest.approx(p, rel=1e-6), (p, kk, a)
    assert adjusted[3] > 10


@pytest.mark.parametrize(("k", "p"), [(1.0, 0.5), (1.0, 0.7), (2.0, 0.7), (4.0, 0.9)])
def test_frequent_items_occur_as_often_as_their_history_says(k, p):
    """Items selling 2 units in a share p of periods: that share of the sampled periods has
    demand (without the correction 0.43-0.79: the cap at 1 lost occurrences)."""
    y = (np.random.default_rng(6).random((1, 400)) < p).astype(float) * 2.0
    model = LatentRate(alpha=0.05, shape=k).fit(y)
    paths = model.predict(12, 20_000, seed=1).paths
    assert (paths > 0).mean() == pytest.approx(model.prob_[0], abs=0.01)
    assert paths.mean() == pytest.approx(model.mean_[0], rel=0.02)


def _dense_paths(rng, level, prob, pool, counts, k, n_paths, h, law):
    """The straightforward version of `latent_paths`: a size for every cell, kept where a
    demand occurs (the reference the sparse version must equal exactly)."""
    n = level.size
    g, occ_u, pick_u, round_u = _draws(rng, k, n_paths, h, law)
    always = (prob >= 1)[:, None]
    base = np.where(always, 0.0, occurrence_prob(prob, k, law)[:, None])
    p_occ = np.where(always, 1.0, np.minimum(base * g, 1.0))
    denom = p_occ * (pool.sum(axis=1) / np.maximum(counts, 1))[:, None]
    scale = np.divide(level[:, None] * g, denom, out=np.zeros_like(denom), where=denom > 0)
    pick = (pick_u * counts[:, None, None]).astype(np.int64)
    sizes = np.take_along_axis(pool, (pool.shape[1] - 1 - pick).reshape(n, -1), axis=1)
    values = np.where(occ_u < p_occ[:, :, None], sizes.reshape(pick.shape) * scale[:, :, None], 0)
    low = np.floor(values)
    return (low + (round_u < values - low)).astype(np.int32)


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("per_series", [False, True])
def test_paths_equal_the_dense_computation(law, per_series):
    rng = np.random.default_rng(0)
    n = 300
    y = (rng.random((n, 40)) < rng.uniform(0.02, 1, n)[:, None]) * rng.geometric(0.2, (n, 40))
    y[:5] = 0  # no demand
    pool, counts = size_pool(y.astype(float), None)
    level = np.where(counts > 0, rng.uniform(0, 5, n), 0.0)
    prob = np.where(counts > 0, rng.uniform(0, 1, n), 0.0)
    prob[10:20] = 1.0  # a demand every period
    k = rng.uniform(0.5, 8, n)

    def streams():
        return [np.random.default_rng([5, i]) for i in range(n)] if per_series else (
            np.random.default_rng(5))  # fmt: skip

    got = latent_paths(streams(), level, prob, pool, counts, k, 100, 12, law)
    want = _dense_paths(streams(), level, prob, pool, counts, k, 100, 12, law)
    assert np.array_equal(got, want) and got.sum() > 0
