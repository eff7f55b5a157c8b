"""ADIDA: temporal aggregation for intermittent demand (Nikolopoulos et al., 2011).

Each series is summed into non-overlapping buckets of b periods, b = its mean inter-demand
interval (ADI, rounded, at least 1), aligned to the end of the history so the last bucket is
the most recent; a bucket touching left padding is skipped. Aggregated, most buckets hold some
demand, so simple exponential smoothing (`models.latent.smooth`, vectorized over the series
sharing a b) sees a smoother series; its final level is spread evenly over the b periods of
a bucket (disaggregation): mean per period = level / b. The occurrence probability per period
is the same smoother over the share of a bucket's periods with demand.

Paths: the latent-rate machinery of `models.latent` (per-path Gamma(shape) rate multiplier,
sizes from the item's own past sizes), so horizon totals keep a realistic dependence.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from models.base import check_alpha
from models.classify import _adi_cv2
from models.latent import LatentRate, check_shape, smooth
from models.sampling import size_pool


def bucket_sizes(y: np.ndarray) -> np.ndarray:
    """Aggregation level per series (n,) int >= 1: the rounded ADI (1 without demand)."""
    adi = _adi_cv2(y)[0]
    return np.maximum(np.rint(np.nan_to_num(adi, nan=1.0)), 1).astype(np.int64)


def aggregate(x: np.ndarray, b: int) -> np.ndarray:
    """Sums over non-overlapping buckets of `b` periods, aligned to the last period:
    (r, T) -> (r, T // b); a bucket containing NaN (left padding) is NaN."""
    m = x.shape[1] // b
    if m == 0:
        return np.full((x.shape[0], 1), np.nan)
    return x[:, x.shape[1] - m * b :].reshape(x.shape[0], m, b).sum(axis=2)


class ADIDA(LatentRate):
    """Aggregate-disaggregate intermittent demand with latent-rate paths (module docstring).

    alpha: smoothing constant on the aggregated buckets, in (0, 1].
    shape: Gamma shape k of the per-path rate multiplier, > 0 (larger = narrower totals).
    """

    name: ClassVar[str] = "adida"
    item_streams: ClassVar[bool] = True

    def __init__(self, alpha: float = 0.1, shape: float = 1.0):
        self.alpha = alpha
        self.shape = shape

    def _check_params(self) -> None:
        check_alpha(self.alpha, "alpha")
        check_shape(self.shape)

    def _fit(self, y: np.ndarray) -> None:
        n = y.shape[0]
        level, prob = np.zeros(n), np.zeros(n)
        b = bucket_sizes(y)
        occ = np.where(np.isnan(y), np.nan, (y > 0).astype(float))
        for size in np.unique(b):
            rows = b == size
            level[rows] = smooth(aggregate(y[rows], int(size)), self.alpha) / size
            prob[rows] = smooth(aggregate(occ[rows], int(size)), self.alpha) / size
        level, prob = np.nan_to_num(level), np.clip(np.nan_to_num(prob), 0.0, 1.0)
        self.pool_, self.counts_ = size_pool(y, None)
        has = (self.counts_ > 0) & (level > 0) & (prob > 0)
        self.mean_ = np.where(has, level, 0.0)
        self.prob_ = np.where(has, prob, 0.0)
        self.bucket_ = b
        self.k_ = np.full(n, float(self.shape))
