"""The `Forecast` result and the item plan shared by `prepare_forecast` and `forecast_chunk`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.base import ForecastArrays, check_levels, path_quantiles
from models.panel import Panel

QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
MIN_HISTORY = 2
CATEGORY_PRIOR = "category_prior"
NO_HISTORY = "no_history"
LAUNCH_FORECAST = "launch_forecast"
NO_CATEGORY = "\x00no category"
_CUMULATIVE_CELLS = 4_000_000  # path cells summed at a time (32 MB of int64)


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
    quantiles (n, q, h) read from the paths; scores (n,) backtest score of the item's model
    (lead-time WQL of its h-period totals at the last origins; NaN = not scored); day_shares
    (n, h) share of each period's days the forecast holds demand for (1; less in the period of
    an item's end of life, 0 after it; None = 1), so a plan that starts inside a period splits
    it as the forecast did."""

    unique_id: np.ndarray
    ds: pd.DatetimeIndex
    model: np.ndarray
    mean: np.ndarray
    paths: np.ndarray
    quantile_levels: tuple[float, ...]
    quantiles: np.ndarray
    scores: np.ndarray | None = None
    day_shares: np.ndarray | None = None

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

    def cumulative_frame(self) -> pd.DataFrame:
        """Long: unique_id, periods, last_ds, mean, q05 ...: the demand summed over the first
        `periods` = 1..h future periods (through the period starting `last_ds`), units, with
        quantiles read from the summed paths. What an order arriving after k periods must
        cover: a lead time's demand, and at k = h the horizon's."""
        n, h = self.mean.shape
        quantiles = np.empty((n, len(self.quantile_levels), h))
        chunk = max(1, _CUMULATIVE_CELLS // max(1, self.paths[0].size if n else 1))
        for start in range(0, n, chunk):  # in blocks of items: the summed paths are a copy
            totals = np.cumsum(self.paths[start : start + chunk], axis=2, dtype=np.int64)
            quantiles[start : start + chunk] = path_quantiles(totals, self.quantile_levels)
        out = pd.DataFrame(
            {
                "unique_id": np.repeat(self.unique_id, h),
                "periods": np.tile(np.arange(1, h + 1), n),
                "last_ds": np.tile(self.ds.to_numpy(), n),
                "mean": np.cumsum(self.mean, axis=1).ravel(),
            }
        )
        for j, name in enumerate(quantile_names(self.quantile_levels)):
            out[name] = quantiles[:, j, :].ravel()
        return out

    def selection(self) -> pd.DataFrame:
        """unique_id, model, score: per item the chosen model and its backtest score."""
        scores = self.scores if self.scores is not None else np.full(self.unique_id.size, np.nan)
        return pd.DataFrame({"unique_id": self.unique_id, "model": self.model, "score": scores})

    @staticmethod
    def concat(parts: Sequence[Forecast]) -> Forecast:
        """One Forecast from chunks with the same ds, quantile levels and n_paths, in order."""
        if not parts:
            raise ValueError("concat needs at least one Forecast")
        first = parts[0]
        for part in parts[1:]:
            if not first.ds.equals(part.ds) or part.quantile_levels != first.quantile_levels:
                raise ValueError("Forecasts to concat must share ds and quantile levels")
            if part.paths.shape[1:] != first.paths.shape[1:]:
                raise ValueError("Forecasts to concat must share n_paths and horizon")
        has_scores = all(p.scores is not None for p in parts)
        has_shares = all(p.day_shares is not None for p in parts)
        return Forecast(
            unique_id=np.concatenate([p.unique_id for p in parts]),
            ds=first.ds,
            model=np.concatenate([p.model for p in parts]),
            mean=np.concatenate([p.mean for p in parts]),
            paths=np.concatenate([p.paths for p in parts]),
            quantile_levels=first.quantile_levels,
            quantiles=np.concatenate([p.quantiles for p in parts]),
            scores=np.concatenate([p.scores for p in parts]) if has_scores else None,
            day_shares=np.concatenate([p.day_shares for p in parts]) if has_shares else None,
        )


def plan_items(panel: Panel, items: pd.DataFrame | None) -> pd.DataFrame:
    """The items to plan, sorted by unique_id (the forecast must not depend on the order of
    the items master: the global model's bags and the backtest draw by row): unique_id, group
    (category key), end_of_life, launch_forecast (planner-entered units per period for a new
    item; NaN = none), lifecycle_stage (None = not given)."""
    if items is None:
        ids = pd.Series(panel.ids, dtype=object)
        return pd.DataFrame(
            {
                "unique_id": ids,
                "group": NO_CATEGORY,
                "end_of_life": pd.NaT,
                "launch_forecast": np.nan,
                "lifecycle_stage": None,
            }
        )
    if "unique_id" not in items.columns:
        raise ValueError("items is missing column 'unique_id'")
    ids = items["unique_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"items has duplicate unique_id {ids[ids.duplicated()].iloc[0]!r}")
    category = items["category"] if "category" in items.columns else pd.Series(np.nan, ids.index)
    eol = items["end_of_life"] if "end_of_life" in items.columns else pd.Series(pd.NaT, ids.index)
    launch = pd.to_numeric(items.get("launch_forecast", pd.Series(np.nan, ids.index)))
    if (launch < 0).any():
        raise ValueError(f"launch_forecast must be >= 0, got {launch[launch < 0].iloc[0]}")
    return pd.DataFrame(
        {
            "unique_id": ids.to_numpy(dtype=object),
            "group": category.astype(object).where(category.notna(), NO_CATEGORY).astype(str),
            "end_of_life": pd.to_datetime(eol).to_numpy(),
            "launch_forecast": launch.to_numpy(dtype=float),
            "lifecycle_stage": items.get("lifecycle_stage", pd.Series(None, ids.index))
            .astype(object)
            .to_numpy(),
        }
    ).sort_values("unique_id", kind="stable", ignore_index=True)


def history(panel: Panel, ids: np.ndarray) -> np.ndarray:
    """Panel rows for `ids` (all NaN for an id without demand rows)."""
    y = np.full((ids.size, panel.ds.size), np.nan)
    pos = pd.Index(panel.ids).get_indexer(ids)
    y[pos >= 0] = panel.y[pos[pos >= 0]]
    return y
