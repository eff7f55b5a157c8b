"""Category prior: a forecast for items without enough history of their own.

Rule: the donors are the items of the same category that have a history (>= 2 periods).
Each donor's last `window` observed periods are divided by that donor's mean demand over
them (its rate), so every donor contributes the *shape* of its demand with mean 1; donors
selling nothing contribute no shape. The pooled shapes are rescaled to the median donor rate
(zero-rate donors included), deliberately below the mean rate: a new item is assumed to sell
like a typical item of its category, not like the average, which the best sellers dominate.
Periods are drawn i.i.d. from the pool and stochastically rounded to whole units.

`category_pools` is the pooled (global) part, computed once; `sample_prior` draws one
item's paths from its own Generator, so the result does not depend on chunking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.sampling import sample_pool


@dataclass(frozen=True)
class CategoryPrior:
    """rate: median donor demand per period, units; pool: donor shapes (mean 1), 1-D."""

    rate: float
    pool: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.rate * self.pool.mean()) if self.pool.size and self.rate > 0 else 0.0

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """int32 paths of `shape` drawn i.i.d. from the pool times the rate."""
        if self.rate <= 0:
            return np.zeros(shape, dtype=np.int32)
        return sample_pool(rng, self.pool, self.rate, shape)


def category_pools(
    donors: np.ndarray, donor_groups: np.ndarray, window: int
) -> dict[str, CategoryPrior]:
    """Per category with at least one donor: its prior, from donor demand (m, T) left-padded."""
    recent = donors[:, -window:]
    observed = (~np.isnan(recent)).sum(axis=1)
    rate = np.nansum(recent, axis=1) / np.maximum(observed, 1)
    out: dict[str, CategoryPrior] = {}
    for group in dict.fromkeys(donor_groups.tolist()):
        members = donor_groups == group
        selling = members & (rate > 0)
        shapes = recent[selling] / rate[selling, None]
        pool = shapes[~np.isnan(shapes)]
        out[group] = CategoryPrior(float(np.median(rate[members])), pool)
    return out


def category_prior(
    donors: np.ndarray,
    donor_groups: np.ndarray,
    target_groups: np.ndarray,
    h: int,
    n_paths: int,
    rng: np.random.Generator,
    window: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior forecasts for targets (k items) from donor demand (m, T) left-padded.

    donor_groups (m,), target_groups (k,): category keys. Returns mean (k, h), paths
    (k, n_paths, h) int32 and found (k,): False where the category has no donor (zeros).
    """
    k = target_groups.size
    mean = np.zeros((k, h))
    paths = np.zeros((k, n_paths, h), dtype=np.int32)
    found = np.zeros(k, dtype=bool)
    pools = category_pools(donors, donor_groups, window)
    for group in dict.fromkeys(target_groups.tolist()):
        if group not in pools:
            continue
        targets = target_groups == group
        found[targets] = True
        mean[targets] = pools[group].mean
        paths[targets] = pools[group].sample(rng, (int(targets.sum()), n_paths, h))
    return mean, paths, found
