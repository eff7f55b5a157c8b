"""Croston, SBA and TSB: exponential smoothing for intermittent demand.

The numerical work is in small private functions over the whole array (vectorized across
series, a loop over time only). Sample paths: a demand occurs in a period with probability
`p` (TSB: the smoothed demand probability; Croston/SBA: 1 / smoothed interval); its size is
drawn from the series' own nonzero demands, rescaled so that the paths' expected demand per
period equals the model's mean forecast, and stochastically rounded to whole units.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from models.base import Forecaster, check_alpha
from models.sampling import sample_occurrence_size, size_pool


def _croston(y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Final Croston estimates per series: (size, interval), NaN for a series without demand.

    Both start at the first demand: size = its quantity, interval = periods from the series
    start to it, inclusive (a demand in the first period has interval 1). At each later demand
    of size z after q periods: size += alpha (z - size); interval += alpha (q - interval).
    """
    n = y.shape[0]
    size = np.full(n, np.nan)
    interval = np.full(n, np.nan)
    since = np.zeros(n)
    for col in y.T:
        observed = ~np.isnan(col)
        since += observed
        demand = observed & (col > 0)
        first = demand & np.isnan(size)
        later = demand & ~first
        size = np.where(first, col, np.where(later, size + alpha * (col - size), size))
        interval = np.where(
            first, since, np.where(later, interval + alpha * (since - interval), interval)
        )
        since[demand] = 0
    return size, interval


def _tsb(y: np.ndarray, alpha_d: float, alpha_p: float) -> tuple[np.ndarray, np.ndarray]:
    """Final TSB estimates per series: (size, prob).

    prob, the demand probability per period, starts at the first observed period's
    occurrence (1 if demand > 0, else 0) and is updated every later period:
    prob += alpha_p (1{y > 0} - prob), so it decays while an item sells nothing.
    size starts at the first demand and is updated at demands only: size += alpha_d (y - size);
    NaN for a series without demand. prob is NaN for a series with no observed period.
    """
    n = y.shape[0]
    size = np.full(n, np.nan)
    prob = np.full(n, np.nan)
    for col in y.T:
        observed = ~np.isnan(col)
        occurs = (col > 0).astype(np.float64)
        start = observed & np.isnan(prob)
        prob = np.where(start, occurs, np.where(observed, prob + alpha_p * (occurs - prob), prob))
        demand = observed & (col > 0)
        first = demand & np.isnan(size)
        later = demand & ~first
        size = np.where(first, col, np.where(later, size + alpha_d * (col - size), size))
    return size, prob


class _OccurrenceSize(Forecaster):
    """Shared sampling of occurrence-times-size models; subclasses set prob_ and mean_."""

    size_window: int | None

    def _fit_pool(self, y: np.ndarray) -> None:
        self.pool_, self.counts_ = size_pool(y, self.size_window)

    def _check_window(self) -> None:
        w = self.size_window
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"size_window must be None or an integer >= 1, got {w!r}")

    def _predict(
        self, h: int, n_paths: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        mean = np.repeat(self.mean_[:, None], h, axis=1)
        pool_mean = self.pool_.sum(axis=1) / np.maximum(self.counts_, 1)
        denom = self.prob_ * pool_mean
        scale = np.divide(self.mean_, denom, out=np.zeros_like(denom), where=denom > 0)
        paths = sample_occurrence_size(rng, self.prob_, self.pool_, self.counts_, scale, n_paths, h)
        return mean, paths


class Croston(_OccurrenceSize):
    """Croston's method: mean demand per period = smoothed size / smoothed interval.

    alpha: smoothing constant of both size and interval, in (0, 1].
    size_window: sample sizes from the last `size_window` demands only (None: all).
    """

    name: ClassVar[str] = "croston"

    def __init__(self, alpha: float = 0.1, size_window: int | None = None) -> None:
        self.alpha = alpha
        self.size_window = size_window

    def _check_params(self) -> None:
        check_alpha(self.alpha, "alpha")
        self._check_window()

    def _factor(self) -> float:
        return 1.0

    def _fit(self, y: np.ndarray) -> None:
        size, interval = _croston(y, self.alpha)
        has_demand = ~np.isnan(size)
        self.size_ = size
        self.interval_ = interval
        self.prob_ = np.where(has_demand, 1.0 / np.where(has_demand, interval, 1.0), 0.0)
        self.mean_ = np.where(has_demand, self._factor() * size * self.prob_, 0.0)
        self._fit_pool(y)


class SBA(Croston):
    """Syntetos-Boylan approximation: Croston's mean times (1 - alpha / 2), which removes
    Croston's upward bias. Occurrence probability stays 1 / interval; sizes are scaled down."""

    name: ClassVar[str] = "sba"

    def _factor(self) -> float:
        return 1.0 - self.alpha / 2.0


class TSB(_OccurrenceSize):
    """Teunter-Syntetos-Babai: mean demand per period = smoothed probability x smoothed size.

    alpha_d: smoothing of the demand size (updated at demands), in (0, 1].
    alpha_p: smoothing of the demand probability (updated every period), in (0, 1].
    size_window: sample sizes from the last `size_window` demands only (None: all).
    """

    name: ClassVar[str] = "tsb"

    def __init__(
        self, alpha_d: float = 0.1, alpha_p: float = 0.1, size_window: int | None = None
    ) -> None:
        self.alpha_d = alpha_d
        self.alpha_p = alpha_p
        self.size_window = size_window

    def _check_params(self) -> None:
        check_alpha(self.alpha_d, "alpha_d")
        check_alpha(self.alpha_p, "alpha_p")
        self._check_window()

    def _fit(self, y: np.ndarray) -> None:
        size, prob = _tsb(y, self.alpha_d, self.alpha_p)
        has_demand = ~np.isnan(size)
        self.size_ = size
        self.prob_ = np.where(has_demand, np.nan_to_num(prob), 0.0)
        self.mean_ = np.where(has_demand, self.prob_ * np.nan_to_num(size), 0.0)
        self._fit_pool(y)
