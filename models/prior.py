"""Category prior: a forecast for items without enough history of their own.

Rule: the donors are the items of the same category that have a history (>= 2 periods).
Each donor's last `window` observed periods are divided by that donor's mean demand over
them (its rate), so every donor contributes the *shape* of its demand with mean 1; donors
selling nothing contribute no shape. The pooled shapes are rescaled to the median donor rate
(zero-rate donors included), deliberately below the mean rate: a new item is assumed to sell
like a typical item of its category, not like the average, which the best sellers dominate.
Periods are drawn i.i.d. from the pool and stochastically rounded to whole units.
"""

from __future__ import annotations

import numpy as np

from models.sampling import sample_pool


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
    recent = donors[:, -window:]
    observed = (~np.isnan(recent)).sum(axis=1)
    rate = np.nansum(recent, axis=1) / np.maximum(observed, 1)
    for group in dict.fromkeys(target_groups.tolist()):
        targets = target_groups == group
        members = donor_groups == group
        if not members.any():
            continue
        found[targets] = True
        target_rate = float(np.median(rate[members]))
        selling = members & (rate > 0)
        shapes = recent[selling] / rate[selling, None]
        pool = shapes[~np.isnan(shapes)]
        if target_rate <= 0 or pool.size == 0:
            continue
        mean[targets] = target_rate * pool.mean()
        paths[targets] = sample_pool(rng, pool, target_rate, (int(targets.sum()), n_paths, h))
    return mean, paths, found
