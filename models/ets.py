"""ETS: exponential smoothing fitted by statsmodels, for smooth and erratic series.

Point forecast: ETS(A,N,N), i.e. simple exponential smoothing with the smoothing constant and
initial level estimated by maximum likelihood (`statsmodels.tsa.holtwinters.
SimpleExpSmoothing`). A statsmodels fit costs ~20-60 ms per series, so it runs only where it
pays: series with ADI < `max_adi` (smooth/erratic: demand in most periods) and at least
`min_demands` demands, plus the `pool_fits` series with the most demands. Every other series
is smoothed vectorized (`models.latent.smooth`) with the pooled constant, the median of the
fitted ones (`default_alpha` if nothing was fitted): intermittent series hold too few demands
for a stable estimate of their own. The occurrence probability per period is the same
smoother over 1{y > 0}, with the series' constant.

Paths: the latent-rate machinery of `models.latent` (per-path Gamma(shape) rate multiplier,
sizes from the item's own past sizes), so horizon totals keep a realistic dependence.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from typing import ClassVar

import numpy as np

from models.base import check_alpha, check_number, check_positive_int
from models.classify import ADI_CUTOFF, _adi_cv2
from models.latent import LatentRate, check_shape, smooth
from models.sampling import size_pool

_CACHE: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_CACHE_SIZE = 4


def ses_fit(series: np.ndarray) -> tuple[float, float] | None:
    """(alpha, final level) of statsmodels' SES on one fully observed series; None if the
    fit fails or is degenerate."""
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SimpleExpSmoothing(series, initialization_method="estimated").fit()
        alpha = float(res.params["smoothing_level"])
        level = float(res.forecast(1)[0])
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not (np.isfinite(alpha) and np.isfinite(level)):
        return None
    return min(max(alpha, 1e-3), 1.0), max(level, 0.0)


class ETS(LatentRate):
    """statsmodels exponential smoothing where it pays, pooled SES elsewhere; latent-rate
    paths (module docstring).

    shape: Gamma shape k of the per-path rate multiplier, > 0.
    max_adi, min_demands: which series get their own statsmodels fit.
    pool_fits: the series with the most demands fitted in addition, for the pooled constant.
    default_alpha: pooled constant when no series was fitted, in (0, 1].
    """

    name: ClassVar[str] = "ets"
    item_streams: ClassVar[bool] = True

    def __init__(
        self,
        shape: float = 2.0,
        max_adi: float = ADI_CUTOFF,
        min_demands: int = 12,
        pool_fits: int = 30,
        default_alpha: float = 0.1,
    ):
        self.shape = shape
        self.max_adi = max_adi
        self.min_demands = min_demands
        self.pool_fits = pool_fits
        self.default_alpha = default_alpha

    def _check_params(self) -> None:
        check_shape(self.shape)
        check_alpha(self.default_alpha, "default_alpha")
        check_positive_int(self.min_demands, "min_demands")
        check_positive_int(self.pool_fits, "pool_fits")
        check_number(self.max_adi, "max_adi", 1)

    def _fitted_rows(self, y: np.ndarray) -> np.ndarray:
        adi, _, n_demands, _ = _adi_cv2(y)
        own = (np.nan_to_num(adi, nan=np.inf) < self.max_adi) & (n_demands >= self.min_demands)
        ranked = np.argsort(-n_demands, kind="stable")[: self.pool_fits]
        ranked = ranked[n_demands[ranked] >= self.min_demands]
        return np.union1d(np.flatnonzero(own), ranked)

    def _levels(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(alpha, level) per series; cached by content so candidates differing only in
        `shape` share the statsmodels fits during model selection."""
        digest = hashlib.blake2b(np.ascontiguousarray(y).tobytes(), digest_size=16).hexdigest()
        key = (digest, y.shape, self.max_adi, self.min_demands, self.pool_fits,
               self.default_alpha)  # fmt: skip
        if key not in _CACHE:
            fits = {int(i): ses_fit(y[i][~np.isnan(y[i])]) for i in self._fitted_rows(y)}
            fits = {i: f for i, f in fits.items() if f is not None}
            alphas = [a for a, _ in fits.values()]
            pooled = float(np.median(alphas)) if alphas else float(self.default_alpha)
            alpha = np.full(y.shape[0], pooled)
            for i, (a, _) in fits.items():
                alpha[i] = a
            level = np.nan_to_num(smooth(y, alpha))
            for i, (_, lev) in fits.items():
                level[i] = lev
            _CACHE[key] = (alpha, level)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        alpha, level = _CACHE[key]
        return alpha.copy(), level.copy()

    def _fit(self, y: np.ndarray) -> None:
        n = y.shape[0]
        alpha, level = self._levels(y)
        occ = np.where(np.isnan(y), np.nan, (y > 0).astype(float))
        prob = np.nan_to_num(smooth(occ, alpha))
        self.pool_, self.counts_ = size_pool(y, None)
        has = (self.counts_ > 0) & (level > 0) & (prob > 0)
        self.mean_ = np.where(has, level, 0.0)
        self.prob_ = np.where(has, prob, 0.0)
        self.alpha_ = alpha
        self.k_ = np.full(n, float(self.shape))
