"""Forecast scores, all with one signature:

    metric(y_true, fc, y_train=None, **params) -> float

y_true: (n, h) actual demand over the held-out periods. fc: a forecast with `mean` (n, h)
and `paths` (n, n_paths, h) (`ForecastArrays` or `Forecast`), or a plain (n, h) array, a
point forecast then used as every quantile. y_train: (n, T) history, NaN as left padding;
needed by the scaled metrics (mase, rmsse), accepted and ignored by the others.
Each returns one number for the whole panel; see each docstring for how it aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from models.base import path_quantiles

WQL_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


class HasPaths(Protocol):
    mean: np.ndarray
    paths: np.ndarray


FcLike = HasPaths | np.ndarray


def _point(fc: FcLike) -> np.ndarray:
    return np.asarray(fc if isinstance(fc, np.ndarray) else fc.mean, dtype=float)


def _quantiles(fc: FcLike, levels: Sequence[float]) -> np.ndarray:
    """(n, q, h): from the paths, or the point forecast repeated for every level."""
    if isinstance(fc, np.ndarray):
        return np.repeat(np.asarray(fc, dtype=float)[:, None, :], len(levels), axis=1)
    return path_quantiles(fc.paths, levels)


def _check(y_true: Any, fc: FcLike) -> np.ndarray:
    y = np.asarray(y_true, dtype=float)
    if y.ndim != 2 or y.shape != _point(fc).shape:
        raise ValueError(f"y_true {y.shape} must be (n, h) like the forecast {_point(fc).shape}")
    return y


def _scale(y_train: Any, seasonality: int, power: int) -> np.ndarray:
    """Per series: mean over the history of |y_t - y_{t-m}| ** power (NaN pairs skipped)."""
    if y_train is None:
        raise ValueError("y_train is required for scaled metrics")
    y = np.asarray(y_train, dtype=float)
    if y.ndim != 2 or y.shape[1] <= seasonality:
        raise ValueError(f"y_train {y.shape} must be (n, T) with T > seasonality {seasonality}")
    diff = np.abs(y[:, seasonality:] - y[:, :-seasonality]) ** power
    count = (~np.isnan(diff)).sum(axis=1)
    total = np.nansum(diff, axis=1)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def _mean_over_scaled(errors: np.ndarray, scale: np.ndarray) -> float:
    """Mean over series with a positive, finite scale (others have no meaningful scale)."""
    ok = np.isfinite(scale) & (scale > 0)
    return float(np.mean(errors[ok] / scale[ok])) if ok.any() else float("nan")


def mase(y_true: Any, fc: FcLike, y_train: Any = None, *, seasonality: int = 1) -> float:
    """Mean absolute scaled error: per series mean |y - mean| / mean |y_t - y_{t-m}| of the
    history, then the mean over series (series whose history has a zero scale are left out)."""
    y = _check(y_true, fc)
    errors = np.mean(np.abs(y - _point(fc)), axis=1)
    return _mean_over_scaled(errors, _scale(y_train, seasonality, 1))


def rmsse(y_true: Any, fc: FcLike, y_train: Any = None, *, seasonality: int = 1) -> float:
    """Root mean squared scaled error: per series sqrt(mean (y - mean)² / mean (y_t -
    y_{t-m})² of the history), then the mean over series (zero-scale series left out)."""
    y = _check(y_true, fc)
    errors = np.mean((y - _point(fc)) ** 2, axis=1)
    scale = _scale(y_train, seasonality, 2)
    ok = np.isfinite(scale) & (scale > 0)
    return float(np.mean(np.sqrt(errors[ok] / scale[ok]))) if ok.any() else float("nan")


def pinball(actual: np.ndarray, q: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Per cell, the mean over levels of 2 |(y - ŷ_q)(1{y <= ŷ_q} - level)| (units):
    actual (n, ...), quantiles q (n, L, ...) at `levels` (L,); returns actual's shape."""
    y = actual[:, None]
    lv = np.asarray(levels, dtype=float).reshape((1, -1) + (1,) * (q.ndim - 2))
    return (2 * np.abs((y - q) * ((y <= q) - lv))).mean(axis=1)


def wql(
    y_true: Any, fc: FcLike, y_train: Any = None, *, levels: Sequence[float] = WQL_LEVELS
) -> float:
    """Weighted quantile loss: mean over levels q of 2 Σ |(y - ŷ_q)(1{y <= ŷ_q} - q)| / Σ |y|,
    sums over all series and periods. The all-zero forecast scores exactly 1.0 on
    non-negative data with levels symmetric around 0.5. NaN if Σ |y| = 0."""
    y = _check(y_true, fc)
    denom = np.abs(y).sum()
    if denom == 0:
        return float("nan")
    return float(pinball(y, _quantiles(fc, levels), np.asarray(levels)).sum() / denom)


def coverage(y_true: Any, fc: FcLike, y_train: Any = None, *, level: float = 0.8) -> float:
    """Share of actuals inside the central interval [q_(1-level)/2, q_(1+level)/2], both ends
    included. On integer demand with many zeros this over-covers by the probability mass at
    the interval's ends; use `randomized_pit` to judge calibration there."""
    y = _check(y_true, fc)
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    pred = _quantiles(fc, [(1 - level) / 2, (1 + level) / 2])
    return float(np.mean((pred[:, 0] <= y) & (y <= pred[:, 1])))


def bias(y_true: Any, fc: FcLike, y_train: Any = None) -> float:
    """Relative bias of the mean forecast: (Σ mean - Σ y) / Σ y over all series and periods;
    +0.2 = over-forecast by 20%. NaN if Σ y = 0."""
    y = _check(y_true, fc)
    total = y.sum()
    return float((_point(fc).sum() - total) / total) if total != 0 else float("nan")


def randomized_pit(y_true: Any, fc: HasPaths, seed: int = 0) -> np.ndarray:
    """Randomized probability integral transform (n, h) of integer actuals under the paths:
    u = F(y - 1) + V (F(y) - F(y - 1)), V ~ U(0, 1), F the paths' empirical CDF. For a
    calibrated count forecast u is uniform on (0, 1), so the share of u inside
    ((1 - l) / 2, (1 + l) / 2) is the coverage of a central l interval without the
    over-coverage that ties at zero cause (Czado, Gneiting & Held 2009). A diagnostic array,
    not a score."""
    y = np.rint(_check(y_true, fc))[:, None, :]
    below = (fc.paths < y).mean(axis=1)
    at_or_below = (fc.paths <= y).mean(axis=1)
    v = np.random.default_rng(seed).random(below.shape)
    return below + v * (at_or_below - below)
