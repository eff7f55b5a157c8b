"""The latent rate multiplier: both laws keep mean 1 and variance 1/k, differ in shape."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from models import GlobalRate, LatentRate
from models.latent import LAWS, multiplier, occurrence_prob


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
