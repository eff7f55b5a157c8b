"""Demand forecasting for intermittent, small-series demand.

Public surface: the `Forecaster` contract and its models, the registry, `forecast` (long
frames in, `Forecast` out) and its two halves `prepare_forecast` (pooled fit and selection)
and `forecast_chunk` (per-item paths), the panel conversion, demand classification and the
metrics, and `recent_spikes` (a recent demand far above an item's usual size).
"""

from models.base import ForecastArrays, Forecaster, NotFittedError, path_quantiles
from models.blend import Blend
from models.classify import classify
from models.empirical import Empirical
from models.forecast import forecast
from models.global_rate import GlobalRate
from models.intermittent import SBA, TSB, Croston
from models.latent import LatentRate
from models.metrics import bias, coverage, mase, randomized_pit, rmsse, wql
from models.outliers import recent_spikes
from models.panel import Panel, future_periods, to_panel
from models.prepare import (
    PreparedForecast,
    auto_candidates,
    forecast_chunk,
    item_rng,
    period_lengths,
    prepare_forecast,
)
from models.registry import FORECASTERS, make_forecaster
from models.result import QUANTILES, Forecast, quantile_names
from models.select import group_incumbents

__all__ = [
    "FORECASTERS",
    "QUANTILES",
    "SBA",
    "TSB",
    "Blend",
    "Croston",
    "Empirical",
    "Forecast",
    "ForecastArrays",
    "Forecaster",
    "GlobalRate",
    "LatentRate",
    "NotFittedError",
    "Panel",
    "PreparedForecast",
    "auto_candidates",
    "bias",
    "classify",
    "coverage",
    "forecast",
    "forecast_chunk",
    "future_periods",
    "group_incumbents",
    "item_rng",
    "make_forecaster",
    "mase",
    "path_quantiles",
    "period_lengths",
    "prepare_forecast",
    "quantile_names",
    "randomized_pit",
    "recent_spikes",
    "rmsse",
    "to_panel",
    "wql",
]
