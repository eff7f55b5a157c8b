"""The forecaster contract: scikit-learn style `fit`/`predict` over a left-padded demand array.

A forecaster sees demand as a float array `y` of shape (n_series, n_periods), one row per
series, periods in time order, NaN only before a series starts (left padding). `predict`
returns `ForecastArrays`: a mean forecast plus integer sample paths of future demand, from
which every quantile is read, so quantiles of all models are comparable and never cross.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

# Series processed at once when sorting paths: bounds memory to ~chunk * n_paths * h values.
_CHUNK_CELLS = 4_000_000


class NotFittedError(ValueError, AttributeError):
    """Raised by `predict` before `fit` (same double base as scikit-learn's)."""


def check_levels(levels: Sequence[float]) -> np.ndarray:
    """Quantile levels as a float array; each strictly inside (0, 1), increasing."""
    q = np.asarray(levels, dtype=float).reshape(-1)
    if q.size == 0:
        raise ValueError("quantile levels must not be empty")
    if np.any((q <= 0) | (q >= 1)) or np.isnan(q).any():
        raise ValueError(f"quantile levels must lie strictly between 0 and 1, got {q.tolist()}")
    if np.any(np.diff(q) <= 0):
        raise ValueError(f"quantile levels must be strictly increasing, got {q.tolist()}")
    return q


def path_quantiles(paths: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles of sample paths (n, n_paths, h) -> (n, len(levels), h).

    Uses the inverted empirical CDF (the smallest sampled value with at least `level` of the
    paths at or below it): quantiles are sampled integers and rise with the level, so they
    cannot cross.
    """
    q = check_levels(levels)
    n, n_paths, h = paths.shape
    ranks = np.clip(np.ceil(q * n_paths - 1e-9).astype(np.int64) - 1, 0, n_paths - 1)
    out = np.empty((n, q.size, h), dtype=np.float64)
    chunk = max(1, _CHUNK_CELLS // max(1, n_paths * h))
    for start in range(0, n, chunk):
        block = np.sort(paths[start : start + chunk], axis=1)
        out[start : start + chunk] = block[:, ranks, :]
    return out


@dataclass(frozen=True)
class ForecastArrays:
    """A forecast for n series over h periods.

    mean: (n, h) expected demand per period, units, >= 0.
    paths: (n, n_paths, h) int32 sample paths of demand, units, >= 0 (the `scenarios`).
    """

    mean: np.ndarray
    paths: np.ndarray

    def __post_init__(self) -> None:
        mean = np.asarray(self.mean, dtype=np.float64)
        paths = np.asarray(self.paths)
        if mean.ndim != 2 or paths.ndim != 3:
            raise ValueError(
                f"mean must be (n, h) and paths (n, n_paths, h); got {mean.shape}, {paths.shape}"
            )
        if paths.shape[0] != mean.shape[0] or paths.shape[2] != mean.shape[1]:
            raise ValueError(f"mean {mean.shape} and paths {paths.shape} disagree on n or h")
        if not np.isfinite(mean).all() or (mean < 0).any():
            raise ValueError("mean must be finite and >= 0")
        if paths.dtype != np.int32:
            if not np.issubdtype(paths.dtype, np.integer):
                raise ValueError(f"paths must be integers, got dtype {paths.dtype}")
            paths = paths.astype(np.int32)
        if paths.size and paths.min() < 0:
            raise ValueError("paths must be >= 0")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "paths", paths)

    @property
    def n_paths(self) -> int:
        return int(self.paths.shape[1])

    def quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """Per-period quantiles from the paths: (n, len(levels), h), non-crossing."""
        return path_quantiles(self.paths, levels)

    def totals(self) -> np.ndarray:
        """Demand summed over the horizon per path: (n, n_paths), units."""
        return self.paths.sum(axis=2, dtype=np.int64)

    def total_quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """Quantiles of the horizon total (lead-time demand): (n, len(levels)), non-crossing."""
        return path_quantiles(self.totals()[:, :, None], levels)[:, :, 0]


def check_demand(y: Any) -> np.ndarray:
    """Validate demand (n_series, n_periods) and return it as a new float64 array.

    Rules: 2-D with at least one series and one period; finite values >= 0; NaN only as left
    padding (once a series has started, every later period is observed).
    """
    arr = np.array(y, dtype=np.float64, copy=True)
    if arr.ndim != 2:
        raise ValueError(f"y must be 2-D (n_series, n_periods), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"y must have at least one series and one period, got {arr.shape}")
    nan = np.isnan(arr)
    bad = np.isinf(arr)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"series {row}: infinite value at period {col}")
    neg = arr < 0
    if neg.any():
        row, col = np.argwhere(neg)[0]
        raise ValueError(f"series {row}: negative demand {arr[row, col]} at period {col}")
    started = np.cumsum(~nan, axis=1) > 0
    gap = nan & started
    if gap.any():
        row, col = np.argwhere(gap)[0]
        raise ValueError(
            f"series {row}: NaN at period {col} after the series started "
            "(NaN is allowed only as left padding)"
        )
    return arr


def check_int(value: Any, name: str, low: int) -> int:
    """`value` as an int >= `low`, else ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_positive_int(value: Any, name: str) -> int:
    """`value` as an int >= 1, else ValueError naming `name`."""
    return check_int(value, name, 1)


class Forecaster:
    """Base class: subclasses set `name`, declare params in `__init__`, implement
    `_check_params`, `_fit(y)` and `_predict(h, n_paths, rng) -> (mean, paths)`.

    `__init__` only stores keyword params under their own names; params are checked in `fit`.
    Learned state ends in `_`; `_fit` must set all of it, so fitting twice equals fitting once.
    """

    name: ClassVar[str] = "forecaster"
    # True if `predict` accepts one Generator per series (each series then draws from its own
    # stream only, so its paths do not depend on which other series are predicted with it).
    item_streams: ClassVar[bool] = False

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor params, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set constructor params (unknown names raise ValueError); returns self."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, y: Any) -> Self:
        """Learn from demand `y` (n_series, n_periods), NaN as left padding; returns self."""
        arr = check_demand(y)
        self._check_params()
        self._fit(arr)
        self.n_series_ = arr.shape[0]
        return self

    def predict(
        self,
        h: int,
        n_paths: int = 200,
        seed: int | np.random.Generator | Sequence[np.random.Generator] = 0,
    ) -> ForecastArrays:
        """Forecast `h` periods ahead with `n_paths` sample paths; same seed, same paths.

        `seed` may be a list of one Generator per series if the class has `item_streams`.
        """
        if not hasattr(self, "n_series_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(y) first")
        h = check_positive_int(h, "h")
        n_paths = check_positive_int(n_paths, "n_paths")
        if isinstance(seed, Sequence):
            if not self.item_streams:
                raise ValueError(f"{type(self).__name__} does not take one Generator per series")
            rng: Any = list(seed)
        else:
            rng = np.random.default_rng(seed)
        mean, paths = self._predict(h, n_paths, rng)
        return ForecastArrays(mean=mean, paths=paths)

    def take(self, rows: Any) -> Self:
        """A fitted copy restricted to the series `rows` (learned arrays indexed on axis 0)."""
        if not hasattr(self, "n_series_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(y) first")
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        out = copy.copy(self)
        for key, value in vars(self).items():
            per_series = isinstance(value, np.ndarray) and value.ndim >= 1
            if key.endswith("_") and per_series and value.shape[0] == self.n_series_:
                setattr(out, key, value[idx])
        out.n_series_ = idx.size
        return out

    def _check_params(self) -> None:
        """Raise ValueError for an invalid param (called by `fit`)."""

    def _fit(self, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(
        self, h: int, n_paths: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


def check_number(
    value: Any, name: str, low: float, high: float = np.inf, *, open_low: bool = False
) -> float:
    """`value` as a float in [low, high] ((low, high] with open_low), else ValueError naming
    `name` and the range, e.g. "shape must be a number > 0, got -1"."""
    if high == np.inf:
        wanted = f"{'>' if open_low else '>='} {low:g}"
    else:
        wanted = f"in {'(' if open_low else '['}{low:g}, {high:g}]"
    ok = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    if not ok or not (low < value if open_low else low <= value) or not value <= high:
        raise ValueError(f"{name} must be a number {wanted}, got {value!r}")
    return float(value)


def check_alpha(value: Any, name: str) -> None:
    """Smoothing constant in (0, 1]."""
    check_number(value, name, 0, 1, open_low=True)
