"""LatentRate: smoothed occurrence and level with a per-path latent rate (the default model).

Point forecast: the demand level per period is an exponentially weighted mean of demand with a
start-up gain max(alpha, 1/c) (c = periods seen so far, so the first periods average instead of
trusting the first value); the occurrence probability p is the same smoother over 1{y > 0}, so
it decays while an item sells nothing (TSB-style obsolescence).

Paths: each path draws a latent multiplier G (mean 1, variance 1/k: Gamma(k, 1/k) or a
lognormal with the same moments, `law`) once for the whole horizon; in every period a demand
occurs with probability min(1, p' G) (p' >= p chosen so that the expected occurrence stays
p despite the cap, `occurrence_prob`) and its size is drawn from the item's own past sizes,
rescaled so that the expected demand per period is level * G.
G carries the uncertainty of the rate itself (estimated from few events, drifting), so demand
totals over many periods spread like a negative-binomial mixture instead of a sum of
independent periods, which under-covers. The shape k and the law are parameters, chosen per
demand class by the rolling-origin selection (`models.select`): small k = wide totals; the
lognormal law narrows the totals' 0.9 quantile while keeping their 0.99 quantile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from models.base import Forecaster, check_alpha, check_int, check_number
from models.sampling import size_pool, size_prior

_CHUNK_CELLS = 1_000_000


def smooth(y: np.ndarray, alpha: float) -> np.ndarray:
    """Final exponentially weighted mean per series with start-up gain max(alpha, 1/c).

    NaN (left padding) is skipped; a series without observed periods gets NaN.
    """
    level = np.full(y.shape[0], np.nan)
    seen = np.zeros(y.shape[0])
    for col in y.T:
        observed = ~np.isnan(col)
        seen += observed
        gain = np.maximum(alpha, 1.0 / np.maximum(seen, 1.0))
        level = np.where(
            observed, np.where(np.isnan(level), col, level + gain * (col - level)), level
        )
    return level


LAWS = ("gamma", "lognormal")


def multiplier(rng: np.random.Generator, k: np.ndarray, law: str) -> np.ndarray:
    """Per-path rate multipliers of shape k.shape: mean 1, variance 1/k, distributed by `law`.

    "gamma": Gamma(k, 1/k). "lognormal": exp(s Z - s^2/2) with s^2 = log(1 + 1/k), the same
    mean and variance but a tighter body and a longer tail (at k = 1 its 0.9 quantile is 2.06
    against 2.30, its 0.99 quantile 4.90 against 4.61): totals less wide at 0.9, as wide at 0.99.
    """
    if law == "gamma":
        return rng.gamma(k, 1.0) / k
    s2 = np.log1p(1.0 / k)
    return np.exp(np.sqrt(s2) * rng.standard_normal(k.shape) - s2 / 2)


def _capped_occurrence(p: np.ndarray, k: np.ndarray, law: str) -> tuple[np.ndarray, np.ndarray]:
    """E[min(1, p G)] for the multiplier G (shape k, `law`) and its derivative in p."""
    from scipy.special import gammainc, gammaincc, ndtr

    c = 1.0 / p
    if law == "gamma":
        below = gammainc(k + 1, k * c)  # E[G 1{G < c}]
        return p * below + gammaincc(k, k * c), below
    s = np.sqrt(np.log1p(1.0 / k))
    z = (np.log(c) + s**2 / 2) / s
    below = ndtr(z - s)
    return p * below + 1.0 - ndtr(z), below


def occurrence_prob(prob: np.ndarray, k: np.ndarray, law: str) -> np.ndarray:
    """Per-path base probability p' with E[min(1, p' G)] = prob for the multiplier G (shape k,
    `law`): without it the cap at 1 lowers the expected occurrence of frequent items below
    prob (the mean is kept by larger sizes), which puts too many zeros in their periods.

    Newton's method from p' = prob: E[min(1, p' G)] is increasing and concave in p', so the
    iterates rise monotonically to the root without overshooting (a few steps; 0 stays 0,
    prob >= 1 gives inf: a demand every period)."""
    prob, k = np.broadcast_arrays(np.asarray(prob, float), np.asarray(k, float))
    out = np.where(prob >= 1, np.inf, np.maximum(prob, 0.0))
    todo = np.flatnonzero((prob > 0) & (prob < 1))
    for _ in range(200):  # only the items not yet converged: almost all need < 10 steps
        if todo.size == 0:
            break
        p, target = out.ravel()[todo], prob.ravel()[todo]
        value, slope = _capped_occurrence(p, k.ravel()[todo], law)
        step = np.maximum((target - value) / slope, 0.0)
        out.ravel()[todo] = p + step
        todo = todo[step > 1e-12 * p]
    return out


def _draws(
    rng: np.random.Generator | Sequence[np.random.Generator],
    k: np.ndarray,
    n_paths: int,
    h: int,
    law: str = "gamma",
) -> tuple[np.ndarray, ...]:
    """Random numbers of `latent_paths`: multipliers per path (n, P), three uniforms (n, P, h).

    `rng` is one Generator for the whole panel, or one Generator per series: then each series'
    numbers come from its own stream only (chunk invariance, `models.forecast_chunk`).
    """
    if isinstance(rng, np.random.Generator):
        g = multiplier(rng, np.repeat(k[:, None], n_paths, axis=1), law)
        return g, *(rng.random((k.size, n_paths, h), dtype=np.float32) for _ in range(3))
    if len(rng) != k.size:
        raise ValueError(f"got {len(rng)} generators for {k.size} series")
    g = np.empty((k.size, n_paths))
    u = np.empty((3, k.size, n_paths, h), dtype=np.float32)
    for i, item_rng in enumerate(rng):
        g[i] = multiplier(item_rng, np.full(n_paths, k[i]), law)
        u[:, i] = item_rng.random((3, n_paths, h), dtype=np.float32)
    return g, u[0], u[1], u[2]


def latent_paths(
    rng: np.random.Generator | Sequence[np.random.Generator],
    level: np.ndarray,
    prob: np.ndarray,
    pool: np.ndarray,
    counts: np.ndarray,
    k: np.ndarray,
    n_paths: int,
    h: int,
    law: str = "gamma",
) -> np.ndarray:
    """Integer paths (n, n_paths, h) of the latent-rate compound model (module docstring).

    `rng`: one Generator, or one per series (see `_draws`); law: of the multiplier (`LAWS`).
    """
    n = level.shape[0]
    g, occ_u, pick_u, round_u = _draws(rng, k, n_paths, h, law)
    pool_mean = pool.sum(axis=1) / np.maximum(counts, 1)
    always = (prob >= 1)[:, None]  # occurrence_prob is inf there: a demand every period
    base = np.where(always, 0.0, occurrence_prob(prob, k, law)[:, None])
    p_occ = np.where(always, 1.0, np.minimum(base * g, 1.0))
    # size multiplier: expected demand per period = level * g
    denom = p_occ * pool_mean[:, None]
    scale = np.divide(level[:, None] * g, denom, out=np.zeros_like(denom), where=denom > 0)
    # sizes only where a demand occurs (a tenth of the cells on spare parts); the draws stay
    # the same for every cell, so the paths do not depend on which cells occur
    cells = np.flatnonzero(occ_u < p_occ[:, :, None])
    series, path = cells // (n_paths * h), cells // h % n_paths
    pick = (pick_u.reshape(-1)[cells] * counts[series]).astype(np.int64)
    sizes = pool[series, pool.shape[1] - 1 - pick] * scale[series, path]
    low = np.floor(sizes)
    out = np.zeros((n, n_paths, h), dtype=np.int32)
    out.reshape(-1)[cells] = low + (round_u.reshape(-1)[cells] < sizes - low)
    return out


def check_shape(value: object) -> None:
    """Gamma shape of the rate multiplier: a number > 0."""
    check_number(value, "shape", 0, open_low=True)


def check_law(value: object) -> None:
    """Distribution of the rate multiplier: one of `LAWS`."""
    if value not in LAWS:
        raise ValueError(f"law must be one of {LAWS}, got {value!r}")


class LatentRate(Forecaster):
    """Smoothed level and occurrence with a per-path Gamma rate multiplier (see module doc).

    alpha: smoothing constant of level and occurrence, in (0, 1].
    shape: Gamma shape k of the per-path rate multiplier, > 0 (larger = narrower totals).
    size_window: sample sizes from the last `size_window` demands only (None: all).
    law: distribution of the multiplier, "gamma" or "lognormal" (same mean and variance).
    prior_sizes: pseudo-sizes from series of similar size added to each series' own sizes
    (`models.sampling.size_prior`; 0 = own sizes only).
    """

    name: ClassVar[str] = "latent"
    item_streams: ClassVar[bool] = True
    law: str = "gamma"  # subclasses without a `law` parameter sample Gamma multipliers

    def __init__(
        self,
        alpha: float = 0.1,
        shape: float = 1.0,
        size_window: int | None = None,
        law: str = "gamma",
        prior_sizes: int = 10,
    ):
        self.alpha = alpha
        self.shape = shape
        self.size_window = size_window
        self.law = law
        self.prior_sizes = prior_sizes

    def _check_params(self) -> None:
        check_alpha(self.alpha, "alpha")
        check_shape(self.shape)
        check_law(self.law)
        check_int(self.prior_sizes, "prior_sizes", 0)
        w = self.size_window
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"size_window must be None or an integer >= 1, got {w!r}")

    def _fit(self, y: np.ndarray) -> None:
        level = np.nan_to_num(smooth(y, self.alpha))
        prob = np.nan_to_num(
            smooth(np.where(np.isnan(y), np.nan, (y > 0).astype(float)), self.alpha)
        )
        pool, counts = size_pool(y, self.size_window)
        self.pool_, self.counts_ = size_prior(pool, counts, self.prior_sizes)
        has = (self.counts_ > 0) & (level > 0) & (prob > 0)
        self.mean_ = np.where(has, level, 0.0)
        self.prob_ = np.where(has, prob, 0.0)
        self.k_ = np.full(y.shape[0], float(self.shape))

    def _predict(
        self, h: int, n_paths: int, rng: np.random.Generator | Sequence[np.random.Generator]
    ) -> tuple[np.ndarray, np.ndarray]:
        mean = np.repeat(self.mean_[:, None], h, axis=1)
        paths = np.zeros((self.mean_.size, n_paths, h), dtype=np.int32)
        chunk = max(1, _CHUNK_CELLS // (n_paths * h))  # bounds the float temporaries
        for start in range(0, self.mean_.size, chunk):
            rows = slice(start, start + chunk)
            paths[rows] = latent_paths(
                rng if isinstance(rng, np.random.Generator) else rng[rows],
                self.mean_[rows],
                self.prob_[rows],
                self.pool_[rows],
                self.counts_[rows],
                self.k_[rows],
                n_paths,
                h,
                self.law,
            )
        return mean, paths
