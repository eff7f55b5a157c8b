"""GlobalRate: one scikit-learn model across all items learns the demand rate ahead.

Training rows: every series and origin inside the history with at least 2 observed periods
and some demand before it (up to `max_rows`, latest origins first, evenly thinned). Target:
the mean demand per period over the next L = min(horizon, periods left) periods and the share
of them with demand, both divided by the series' scale (its mean demand before the origin);
L is a feature, so short targets near the end of the history still teach the model.
Two `HistGradientBoostingRegressor`s with Poisson loss (weights scale x L make the loss the
Poisson deviance of the unscaled totals) predict them from `models.features` at the end of
the history, for L = h; each is the average of `bags` fits on random `bag_share`s of the rows
(subagging: one fit on lumpy demand varies a lot with the spikes it happens to see).
Items with short history get the same features, so they are served by what the model
learned from all items (decay of dying items, shrinkage of one-off spikes).

Series observed without any demand yet (dormant: a part listed but never ordered) get the
pooled rate of series that were dormant at the latest training origins, and sample their sizes
from the first demands of series that started late: what the history says such items do next
(zero when no dormant series ever started).

Paths: the latent-rate machinery of `models.latent` with the predicted mean as the level and
the predicted share as the occurrence probability (per-path Gamma(shape) rate multiplier,
sizes from the item's own past sizes).

Fits of the same demand with the same boosting params are cached (a few, by content hash),
so candidates that differ only in `shape` share one fit during model selection.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np

from models.base import check_int, check_number, check_positive_int
from models.features import FEATURES, future_targets, origin_features
from models.latent import LatentRate, check_law
from models.sampling import size_pool, size_prior

_CACHE: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_CACHE_SIZE = 4
MIN_ROWS = 50  # fewer training rows: each item's own smoothed rates instead
BAG_MIN_ROWS = 2_000  # fewer rows per bag: one fit on all rows (15 leaves x 40 rows = 600)


def _training_origins(y: np.ndarray, min_length: int, max_rows: int) -> np.ndarray:
    """Origin period indices (latest first, thinned to about max_rows / n per series)."""
    n, t = y.shape
    last = t - min_length
    if last < 1:
        return np.zeros(0, dtype=np.int64)
    per_series = max(1, max_rows // max(n, 1))
    stride = max(1, int(np.ceil(last / per_series)))
    return np.arange(last, 0, -stride, dtype=np.int64)


def _bin_edges(x: np.ndarray, max_bins: int = 200) -> list[np.ndarray]:
    """Per column, unweighted quantile edges. Binning the features ourselves keeps the
    boosting on its fast path: with sample weights scikit-learn computes weighted
    percentiles for its own bins, which took ~8 s per fit on 80k rows here."""
    q = np.linspace(0, 1, max_bins + 1)[1:-1]
    return [np.unique(np.nanquantile(col, q)) if np.isfinite(col).any() else np.zeros(0)
            for col in x.T]  # fmt: skip


def _apply_bins(x: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    """Bin index per cell as float32 (NaN stays NaN: the boosting routes it on its own)."""
    out = np.empty(x.shape, dtype=np.float32)
    for j, e in enumerate(edges):
        out[:, j] = np.searchsorted(e, x[:, j], side="left")
    out[np.isnan(x)] = np.nan
    return out


def _regressor(max_iter: int, learning_rate: float, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def _dormant_rates(target: np.ndarray, length: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """Pooled mean demand and share of periods with demand after origins at which a series
    had been observed without any demand (units, 0..1), over the latest such origin columns
    (at most `length.max()` of them: recent behaviour); 0, 0 without such rows."""
    cols = np.flatnonzero(rows.any(axis=0))[: max(1, int(length.max()))]  # latest first
    rows, length = rows[:, cols], length[:, cols]
    if not rows.any():
        return 0.0, 0.0
    w = length[rows].sum()
    return tuple(float((target[:, cols][rows][:, k] * length[rows]).sum() / w) for k in (0, 1))


def dormant_pool(y: np.ndarray, width: int) -> np.ndarray:
    """(width,) sizes for series without demand yet: `width` evenly spaced order statistics
    of the first demand of every series that sold only after 2 or more periods without demand
    (what a dormant item's first demand looked like); zeros if there is none."""
    x = np.nan_to_num(y)
    observed = ~np.isnan(y)
    pos = x > 0
    first = np.argmax(pos, axis=1)
    zeros_before = np.take_along_axis(np.cumsum(observed, axis=1), first[:, None], 1)[:, 0] - 1
    woke = pos.any(axis=1) & (zeros_before >= 2)
    sizes = np.sort(x[woke, first[woke]])
    if sizes.size == 0:
        return np.zeros(width)
    return sizes[np.linspace(0, sizes.size - 1, width).round().astype(int)]


def _openmp_threads() -> int:
    """OpenMP threads the boosting would use in this thread (1 in the flows' tasks)."""
    import threadpoolctl

    info = threadpoolctl.threadpool_info()
    return max([i["num_threads"] for i in info if i["user_api"] == "openmp"], default=1)


def _bag_workers(bags: int, omp: int) -> int:
    """Threads for the bags: the cores that `omp` OpenMP threads per fit leave idle (all of
    them when the boosting runs single-threaded, as in the flows; none when it uses them)."""
    return max(1, min(bags, (os.cpu_count() or 1) // omp))


def _subagged(
    x: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    x_now: np.ndarray,
    bags: int,
    share: float,
    max_iter: int,
    learning_rate: float,
    seed: int,
) -> np.ndarray:
    """Mean prediction at x_now of `bags` boosting fits, each on a random `share` of the
    training rows (subagging; one fit on all rows when bags == 1 or a bag would hold fewer
    than `BAG_MIN_ROWS` rows: with min_samples_leaf=40 small bags cannot split). A single
    fit on lumpy demand depends a lot on which spikes it sees: on RAF, refitting with other
    row weights moved the lead-time WQL by +-0.02; the average of 10 fits on 30% of the rows
    each is stable and better (docs/design.md). The fits run in threads (the boosting
    releases the GIL); the result does not depend on their number."""
    if bags == 1 or target.size * share < BAG_MIN_ROWS:
        return _fit_predict(x, target, weight, x_now, max_iter, learning_rate, seed)

    import threadpoolctl

    omp = _openmp_threads()

    def one(b: int) -> np.ndarray:
        keep = np.random.default_rng([seed, b]).random(target.size) < share
        # a new thread starts with OpenMP's default (all cores), not this thread's limit
        with threadpoolctl.threadpool_limits(omp, user_api="openmp"):
            return _fit_predict(x[keep], target[keep], weight[keep], x_now, max_iter,
                                learning_rate, seed)  # fmt: skip

    with ThreadPoolExecutor(_bag_workers(bags, omp)) as pool:
        return np.mean(list(pool.map(one, range(bags))), axis=0)


def _fit_predict(
    x: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    x_now: np.ndarray,
    max_iter: int,
    learning_rate: float,
    seed: int,
) -> np.ndarray:
    """One boosting fit's prediction at x_now; zeros when no training row saw any demand
    after its origin (the Poisson loss refuses an all-zero target: a panel of parts that all
    sold once and never again, e.g. a rerun of one dead item, raised ValueError)."""
    if not (target * weight > 0).any():
        return np.zeros(x_now.shape[0])
    return _regressor(max_iter, learning_rate, seed).fit(x, target, weight).predict(x_now)


def fit_rates(
    y: np.ndarray,
    horizon: int,
    max_iter: int,
    learning_rate: float,
    max_rows: int,
    bags: int = 1,
    bag_share: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per series: predicted mean demand per period and share of periods with demand over
    the `horizon` periods after the history (units, 0..1); zeros without past demand."""
    n, t = y.shape
    min_length = max(1, horizon // 2)
    origins = _training_origins(y, min_length, max_rows)
    end = np.full((n, 1), t)
    feats_now, scale_now = origin_features(y, end)
    mean = np.zeros(n)
    occ = np.zeros(n)
    has = scale_now[:, 0] > 0
    # too little to learn from: the item's own smoothed rates (as LatentRate(alpha=0.15))
    mean[has] = scale_now[has, 0] * feats_now[has, 0, FEATURES.index("level_0.15")]
    occ[has] = feats_now[has, 0, FEATURES.index("occ_level_0.15")]
    if origins.size == 0 or not has.any():
        return mean, occ
    grid = np.broadcast_to(origins, (n, origins.size))
    feats, scale = origin_features(y, grid)
    length = np.minimum(horizon, t - grid)
    target = future_targets(y, grid, length)
    age = feats[..., FEATURES.index("age")]
    dormant = (scale_now[:, 0] == 0) & (feats_now[:, 0, FEATURES.index("age")] >= 2)
    if dormant.any():
        mean[dormant], occ[dormant] = _dormant_rates(target, length, (scale == 0) & (age >= 2))
    rows = (scale > 0) & (age >= 2)
    if rows.sum() < MIN_ROWS:
        return mean, occ
    x = np.concatenate([feats[rows], length[rows][:, None].astype(np.float32)], axis=1)
    weight = scale[rows] * length[rows]
    x_now = np.concatenate([feats_now[has, 0], np.full((has.sum(), 1), horizon, np.float32)], 1)
    edges = _bin_edges(x)
    x, x_now = _apply_bins(x, edges), _apply_bins(x_now, edges)
    for k, out in enumerate((mean, occ)):
        ratio = target[..., k][rows] / (scale[rows] if k == 0 else 1.0)
        pred = _subagged(x, ratio, weight, x_now, bags, bag_share, max_iter, learning_rate, k)
        out[has] = pred * scale_now[has, 0] if k == 0 else np.clip(pred, 0.0, 1.0)
    return mean, occ


class GlobalRate(LatentRate):
    """Rates from one gradient-boosting model across all items, latent-rate paths
    (`LatentRate._predict` with the learned mean and occurrence).

    horizon: periods ahead the rates are learned for (the forecast's h is used at predict
    time only for the path length). shape, events: the per-path rate multiplier of an item
    with N past demands is Gamma with shape k, 1/k = 1/shape + events / (1 + N): drift plus
    the estimation error of a rate seen through few demands (Poisson-Gamma posterior).
    max_iter, learning_rate: boosting size. max_rows: training rows at most (memory/speed).
    law: distribution of the multiplier (`models.latent.LAWS`; Gamma or lognormal, same moments).
    bags, bag_share: each rate is the mean of `bags` boosting fits on a random share
    `bag_share` (0..1] of the training rows (bags=1, or fewer than `BAG_MIN_ROWS` rows per
    bag: one fit on all rows); about bags x bag_share times the time of one fit.
    prior_sizes: pseudo-sizes from series of similar size added to each series' own sizes
    (`models.sampling.size_prior`; 0 = own sizes only).
    """

    name: ClassVar[str] = "global"
    item_streams: ClassVar[bool] = True

    def __init__(
        self,
        horizon: int = 12,
        shape: float = 2.0,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_rows: int = 150_000,
        events: float = 2.0,
        law: str = "gamma",
        bags: int = 10,
        bag_share: float = 0.3,
        prior_sizes: int = 10,
    ):
        self.horizon = horizon
        self.shape = shape
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_rows = max_rows
        self.events = events
        self.law = law
        self.bags = bags
        self.bag_share = bag_share
        self.prior_sizes = prior_sizes

    def _check_params(self) -> None:
        check_positive_int(self.horizon, "horizon")
        check_positive_int(self.max_iter, "max_iter")
        check_positive_int(self.max_rows, "max_rows")
        check_positive_int(self.bags, "bags")
        check_int(self.prior_sizes, "prior_sizes", 0)
        check_law(self.law)
        check_number(self.bag_share, "bag_share", 0, 1, open_low=True)
        check_number(self.events, "events", 0)
        check_number(self.shape, "shape", 0, open_low=True)
        check_number(self.learning_rate, "learning_rate", 0, open_low=True)

    def _rates(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        digest = hashlib.blake2b(np.ascontiguousarray(y).tobytes(), digest_size=16).hexdigest()
        params = (self.horizon, self.max_iter, self.learning_rate, self.max_rows, self.bags,
                  self.bag_share)  # fmt: skip
        key = (digest, y.shape, *params)
        if key not in _CACHE:
            _CACHE[key] = fit_rates(y, *params)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        mean, occ = _CACHE[key]
        return mean.copy(), occ.copy()

    def _fit(self, y: np.ndarray) -> None:
        mean, occ = self._rates(y)
        own, counts = size_pool(y, None)
        self.pool_, self.counts_ = size_prior(own, counts, self.prior_sizes)
        # dormant series (observed, no demand yet) sample the pooled first demands of others
        dormant = (counts == 0) & (mean > 0)
        if dormant.any():
            self.pool_[dormant] = dormant_pool(y, self.pool_.shape[1])
            self.counts_[dormant] = self.pool_.shape[1]
        has = (self.counts_ > 0) & (mean > 0) & (occ > 0)
        self.mean_ = np.where(has, mean, 0.0)
        self.prob_ = np.where(has, occ, 0.0)
        # rate uncertainty: 1/k = 1/shape (drift) + events/(1 + demands seen) (estimation)
        self.k_ = 1.0 / (1.0 / self.shape + self.events / (1.0 + counts))
