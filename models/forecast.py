"""`forecast`: long demand in, a `Forecast` for every item to plan out.

The convenience that runs `prepare_forecast` (pooled: selection, fits, category priors) and
`forecast_chunk` (per item sampling) over all items at once. Items with >= 2 periods of
history get their selected model; items with less (including new items without rows in
`demand`) get the category prior (`models.prior`) or their launch_forecast, weighed with the
one period they may have (`PreparedForecast.own_rate`), or zeros labelled `no_history` when
their category has no history either (with a period of their own: all items' prior, group
`(all items)`; when no item has history at all, as on a first night on one month of orders,
the prior of the items' one period, group `(all items, one period)`,
`models.prior.one_period_prior`). Periods starting after an item's end_of_life get zero demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from models.base import Forecaster, check_levels, check_positive_int
from models.prepare import AUTO, forecast_chunk, prepare_forecast
from models.result import QUANTILES, Forecast, quantile_names


def forecast(
    demand: pd.DataFrame,
    h: int,
    freq: str,
    n_paths: int = 200,
    seed: int = 0,
    model: str | Forecaster = AUTO,
    items: pd.DataFrame | None = None,
    quantiles: Sequence[float] = QUANTILES,
    last_period: pd.Timestamp | None = None,
    incumbent: Mapping[str, str] | None = None,
) -> Forecast:
    """Forecast `h` periods after `last_period` (start of the last complete period; default:
    the latest ds in demand) for every item in `items`, in their order (default: every
    unique_id in demand, sorted). The numbers do not depend on the items' order.

    demand: long (unique_id, ds, y), ds period starts of `freq` (`W` Monday weeks, `M`
    months). items: unique_id, category, end_of_life (NaT = none); items missing from demand
    are new items. model: "auto" (selected per group by backtest, `models.prepare`), a
    registry name (`models.FORECASTERS`) or a Forecaster instance. incumbent: selection group
    -> model label chosen last time, kept while nearly as good (`prepare_forecast`).
    """
    check_positive_int(h, "h")
    check_positive_int(n_paths, "n_paths")
    quantile_names(check_levels(quantiles))
    prepared = prepare_forecast(
        demand, items, freq, last_period, h, model, seed, incumbent=incumbent
    )
    # prepared in unique_id order (results do not depend on the items' order), returned in it
    order = prepared.unique_id if items is None else items["unique_id"].astype(str).to_numpy()
    return forecast_chunk(prepared, order, n_paths, seed, quantiles)
