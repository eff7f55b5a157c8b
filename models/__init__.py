"""Demand forecasting for intermittent, small-series demand.

Public surface: the `Forecaster` contract and its models, the registry, `forecast` (long
frames in, `Forecast` out), the panel conversion, demand classification and the metrics.
"""

from models.base import ForecastArrays, Forecaster, NotFittedError, path_quantiles
from models.classify import classify
from models.empirical import Empirical
from models.forecast import QUANTILES, Forecast, forecast, quantile_names
from models.intermittent import SBA, TSB, Croston
from models.metrics import bias, coverage, mase, randomized_pit, rmsse, wql
from models.panel import Panel, future_periods, to_panel
from models.registry import FORECASTERS, make_forecaster

__all__ = [
    "FORECASTERS",
    "QUANTILES",
    "SBA",
    "TSB",
    "Croston",
    "Empirical",
    "Forecast",
    "ForecastArrays",
    "Forecaster",
    "NotFittedError",
    "Panel",
    "bias",
    "classify",
    "coverage",
    "forecast",
    "future_periods",
    "make_forecaster",
    "mase",
    "path_quantiles",
    "quantile_names",
    "randomized_pit",
    "rmsse",
    "to_panel",
    "wql",
]
