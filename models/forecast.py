"""`forecast`: long demand in, a `Forecast` for every item to plan out.

Items with >= 2 periods of history get the chosen model; items with less (including new
items without rows in `demand`) get the category prior (`models.prior`), or zeros labelled
`no_history` when their category has no history either. Periods starting after an item's
end_of_life get zero demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.base import ForecastArrays, Forecaster, check_levels, check_positive_int
from models.panel import PERIODS_PER_YEAR, Panel, future_periods, to_panel
from models.prior import category_prior
from models.registry import make_forecaster

QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
MIN_HISTORY = 2
CATEGORY_PRIOR = "category_prior"
NO_HISTORY = "no_history"
_NO_CATEGORY = "\x00no category"


def quantile_names(levels: Sequence[float]) -> list[str]:
    """Column names "q" + two-digit percent (0.05 -> q05); levels must be whole percents."""
    names = []
    for level in check_levels(levels):
        pct = round(level * 100)
        if abs(level * 100 - pct) > 1e-9:
            raise ValueError(f"quantile level {level} is not a whole percent")
        names.append(f"q{pct:02d}")
    return names


@dataclass(frozen=True)
class Forecast:
    """unique_id (n,); ds (h,) future period starts; model (n,) label per item;
    mean (n, h) units; paths (n, n_paths, h) int32 (the scenarios); quantile_levels (q,);
    quantiles (n, q, h) read from the paths."""

    unique_id: np.ndarray
    ds: pd.DatetimeIndex
    model: np.ndarray
    mean: np.ndarray
    paths: np.ndarray
    quantile_levels: tuple[float, ...]
    quantiles: np.ndarray

    def arrays(self) -> ForecastArrays:
        return ForecastArrays(mean=self.mean, paths=self.paths)

    def frame(self) -> pd.DataFrame:
        """Long: unique_id, ds, model, mean, q05 ... (one row per item and future period)."""
        n, h = self.mean.shape
        out = pd.DataFrame(
            {
                "unique_id": np.repeat(self.unique_id, h),
                "ds": np.tile(self.ds.to_numpy(), n),
                "model": np.repeat(self.model, h),
                "mean": self.mean.ravel(),
            }
        )
        for j, name in enumerate(quantile_names(self.quantile_levels)):
            out[name] = self.quantiles[:, j, :].ravel()
        return out


def _plan(panel: Panel, items: pd.DataFrame | None) -> pd.DataFrame:
    """The items to plan, in order: unique_id, group (category key), end_of_life."""
    if items is None:
        ids = pd.Series(panel.ids, dtype=object)
        return pd.DataFrame({"unique_id": ids, "group": _NO_CATEGORY, "end_of_life": pd.NaT})
    if "unique_id" not in items.columns:
        raise ValueError("items is missing column 'unique_id'")
    ids = items["unique_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"items has duplicate unique_id {ids[ids.duplicated()].iloc[0]!r}")
    category = items["category"] if "category" in items.columns else pd.Series(np.nan, ids.index)
    eol = items["end_of_life"] if "end_of_life" in items.columns else pd.Series(pd.NaT, ids.index)
    return pd.DataFrame(
        {
            "unique_id": ids.to_numpy(dtype=object),
            "group": category.astype(object).where(category.notna(), _NO_CATEGORY).astype(str),
            "end_of_life": pd.to_datetime(eol).to_numpy(),
        }
    )


def _history(panel: Panel, ids: np.ndarray) -> np.ndarray:
    """Panel rows for `ids` (all NaN for an id without demand rows)."""
    y = np.full((ids.size, panel.ds.size), np.nan)
    pos = pd.Index(panel.ids).get_indexer(ids)
    y[pos >= 0] = panel.y[pos[pos >= 0]]
    return y


def forecast(
    demand: pd.DataFrame,
    h: int,
    freq: str,
    n_paths: int = 200,
    seed: int = 0,
    model: str | Forecaster = "tsb",
    items: pd.DataFrame | None = None,
    quantiles: Sequence[float] = QUANTILES,
    last_period: pd.Timestamp | None = None,
) -> Forecast:
    """Forecast `h` periods after `last_period` (start of the last complete period; default:
    the latest ds in demand) for every item in `items` (default: every unique_id in demand).

    demand: long (unique_id, ds, y), ds period starts of `freq` (`W` Monday weeks, `M`
    months). items: unique_id, category, end_of_life (NaT = none); items missing from demand
    are new items. model: a registry name (`models.FORECASTERS`) or a Forecaster instance.
    """
    h = check_positive_int(h, "h")
    n_paths = check_positive_int(n_paths, "n_paths")
    levels = tuple(float(q) for q in check_levels(quantiles))
    quantile_names(levels)
    forecaster = make_forecaster(model)
    panel = to_panel(demand, freq, last_period)
    plan = _plan(panel, items)
    ds = future_periods(panel.ds[-1], h, freq)
    y = _history(panel, plan["unique_id"].to_numpy(dtype=object))
    model_rng, prior_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))

    n = len(plan)
    labels = np.full(n, NO_HISTORY, dtype=object)
    fitted = (~np.isnan(y)).sum(axis=1) >= MIN_HISTORY
    if fitted.all():  # the common case: no copy of the paths
        fc = forecaster.fit(y).predict(h, n_paths, model_rng)
        mean, paths = fc.mean.copy(), fc.paths
    else:
        mean = np.zeros((n, h))
        paths = np.zeros((n, n_paths, h), dtype=np.int32)
        if fitted.any():
            fc = forecaster.fit(y[fitted]).predict(h, n_paths, model_rng)
            mean[fitted], paths[fitted] = fc.mean, fc.paths
    labels[fitted] = forecaster.name
    if (~fitted).any():
        groups = plan["group"].to_numpy(dtype=object)
        p_mean, p_paths, found = category_prior(
            y[fitted],
            groups[fitted],
            groups[~fitted],
            h,
            n_paths,
            prior_rng,
            PERIODS_PER_YEAR[freq],
        )
        mean[~fitted], paths[~fitted] = p_mean, p_paths
        labels[np.flatnonzero(~fitted)[found]] = CATEGORY_PRIOR

    ended = ds.to_numpy()[None, :] > plan["end_of_life"].to_numpy()[:, None]
    mean[ended] = 0.0
    rows = np.flatnonzero(ended.any(axis=1))
    paths[rows] *= ~ended[rows, None, :]
    arrays = ForecastArrays(mean=mean, paths=paths)
    return Forecast(
        unique_id=plan["unique_id"].to_numpy(dtype=object),
        ds=ds,
        model=labels,
        mean=arrays.mean,
        paths=arrays.paths,
        quantile_levels=levels,
        quantiles=arrays.quantiles(levels),
    )
