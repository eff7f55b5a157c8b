"""Calendar profile: periods of the year when the whole panel buys less (or more).

Company holidays and summer shutdowns move the demand of all items at once (on the demo the
two weeks around New Year sell 30-40% of a normal week), which no model of one item can learn
from a couple of its own years. The panel can: its demand per period is divided by its
centered moving average over a year (the trend, whatever items come and go) and by the
median of those ratios (a normal period). A period of the year (`period_keys`: month, or the
week's distance in weeks from the next New Year's Day) gets the mean of its ratios as factor
only when it was seen in at least `MIN_YEARS` years and that mean departs from 1 by more than
`Z` standard deviations of the normal periods' ratios (those within 3 MADs of the median) /
sqrt(years seen); every other period keeps 1, so noise does not move the forecast (52 weeks
are tested: 1 in 40 simulated panels without any calendar effect showed a bump at Z = 4, none
of 60 at Z = 5, while a dip to 0.8 in two weeks is found from two years of a 200-item panel).
The mean, not each year, must depart: a holiday of fixed dates falls into two weeks whose
shares change with the weekday it starts on (on the demo the week holding January 1 sold 11%,
85% and 54% of a normal week in three years), but the two weeks together are as low every
year.

`calendar_factors` estimates the profile before each backtest origin, and only when at every
origin the profile lowers the error of a flat forecast of the panel on the periods after it
(not worse), the forecast gets the factors of its own future periods.

Bounds: factors are at most MAX_FACTOR; a panel whose median period sells nothing (slow
movers) has no profile; a closed period (factor near 0) keeps its factor for the forecast, but
the history is divided by at least HISTORY_FLOOR (`history_divisors`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from models.panel import PERIODS_PER_YEAR

Z = 5.0
MIN_YEARS = 2  # a calendar effect recurs: a period of the year seen once proves nothing
MAX_FACTOR = 4.0
# A period the panel (nearly) closed says little about an item's rate: the history is divided
# by at least this, so 3 units sold in a closed week (factor 0.005) do not read as 600.
HISTORY_FLOOR = 0.25


def period_keys(ds: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Period of the year per period start: month 1..12 (M), or for a week starting on day
    `ds` the k = 0..51 such that it holds the date k weeks before the next New Year's Day
    (k = 0: the week holding January 1, k = 1: the week holding December 25). A week holding
    a fixed date then gets the same key every year, which ISO week numbers do not give (they
    shift by a week in 53-week years)."""
    if freq == "M":
        return ds.month.to_numpy()
    first_day = (ds.month == 1) & (ds.day == 1)
    new_year = pd.to_datetime({"year": ds.year + 1 - first_day, "month": 1, "day": 1})
    days = (pd.DatetimeIndex(new_year) - ds).days.to_numpy()  # to the first New Year >= ds
    return np.minimum(days // 7, 51)


def _moving_average(x: np.ndarray, ppy: int) -> np.ndarray:
    """Centered moving average over one year (2 x ppy for an even ppy), NaN near the ends."""
    weights = np.ones(ppy + 1)
    weights[[0, -1]] = 0.5
    weights /= ppy
    out = np.full(x.size, np.nan)
    half = ppy // 2
    if x.size > ppy:
        out[half : x.size - half] = np.convolve(x, weights, mode="valid")
    return out


def profile(panel: np.ndarray, keys: np.ndarray, ppy: int) -> dict[int, float]:
    """Factor per period of the year departing from 1 (module docstring); panel (T,) units."""
    ma = _moving_average(panel, ppy)
    ok = np.isfinite(ma) & (ma > 0)
    if ok.sum() < ppy // 2:
        return {}
    ratio = panel[ok] / ma[ok]
    typical = np.median(ratio)  # a normal period: the year's dips pull the average below it
    if not typical > 0:  # most periods without any demand (slow movers): no normal period
        return {}
    mad = 1.4826 * np.median(np.abs(ratio - typical))
    # the spread of normal periods: the MAD alone came out 20% low on Poisson panels
    sigma = np.std(ratio[np.abs(ratio - typical) <= 3 * mad])
    out = {}
    for key in np.unique(keys[ok]):
        seen = ratio[keys[ok] == key] / typical
        mean = float(seen.mean())
        if seen.size >= MIN_YEARS and abs(mean - 1) > Z * sigma / np.sqrt(seen.size):
            out[int(key)] = min(mean, MAX_FACTOR)
    return out


def _flat_error(panel: np.ndarray, origin: int, h: int, factors: np.ndarray, ppy: int) -> float:
    """Absolute error over the h periods after `origin` of the median of the last quarter
    year before it times `factors` (h,)."""
    level = np.median(panel[max(0, origin - max(1, ppy // 4)) : origin])
    return float(np.abs(panel[origin : origin + h] - level * factors).sum())


def calendar_factors(
    y: np.ndarray,
    ds: pd.DatetimeIndex,
    future: pd.DatetimeIndex,
    freq: str,
    origins: Sequence[int],
) -> tuple[np.ndarray, dict[int, float]]:
    """(factor per future period (h,), the profile by period of the year) for demand y
    (n, T) left-padded over ds (T,); ones and {} when the profile does not pass the check at
    every backtest origin in `origins` (period indices) that has enough history."""
    ppy = PERIODS_PER_YEAR[freq]
    panel = np.nansum(y, axis=0)
    keys = period_keys(ds, freq)
    ones = np.ones(len(future))
    full = profile(panel, keys, ppy)
    if not full:
        return ones, {}
    checked = 0
    for origin in origins:
        if origin < 1:
            continue
        past = profile(panel[:origin], keys[:origin], ppy)
        h = min(len(future), panel.size - origin)
        if not past or h < 1:
            continue
        factors = _factors(past, keys[origin : origin + h])
        with_ = _flat_error(panel, origin, h, factors, ppy)
        if with_ > _flat_error(panel, origin, h, np.ones(h), ppy):
            return ones, {}
        checked += 1
    if not checked:
        return ones, {}
    return past_factors(full, future, freq), full


def past_factors(profile: dict[int, float], ds: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """The profile's factor of each period starting at ds (1 where it has none)."""
    return _factors(profile, period_keys(ds, freq))


def history_divisors(profile: dict[int, float], ds: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """What the history of each period starting at ds is divided by before the models fit it:
    its factor, at least HISTORY_FLOOR (a closed period's 0 would make 0 / 0)."""
    return np.maximum(past_factors(profile, ds, freq), HISTORY_FLOOR)


def _factors(profile: dict[int, float], keys: np.ndarray) -> np.ndarray:
    return np.array([profile.get(int(k), 1.0) for k in keys])
