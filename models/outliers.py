"""One-off orders in an item's history.

A single period far above everything else an item sold (a project order, a quantity typed
with an extra zero that the ERP let through) is drawn again by every size model that samples
the item's past sizes, and it lifts the smoothed level: one order of 1,000 among weekly sales
of about 5 made the 12-week total's mean 244 and its q95 1,602 (about 60 and 73 without it),
and the lot twice that of the same item without it. Such periods are capped before fitting at
CAP_RATIO times the item's 75th percentile of positive period demand, for items with at least
MIN_DEMANDS periods with demand (with fewer, a large period is as likely to be the item's
normal size as an exception): then 90 and 274. The ratio is high on purpose: at 10 the
spare parts of RAF, lumpy by nature, lost tail (12-month totals above the forecast 0.9
quantile: 0.928 -> 0.935 of items); at 30 they do not (0.927), and carparts is unchanged. The
forecast names the capped periods (`PreparedForecast.adjustments`).

Below that cap a large demand is kept, on purpose (a large demand announces more demand on
carparts, less on RAF: bench/README.md, "Just after a demand"), but a recent one moves the
forecast at once: an item with 22 demands of 7 units or so over 125 weeks, then one week of
161, went from 7.3 to 139 units over 13 weeks, and got a lot. `recent_spikes` finds such
items so that the lot's reason asks the planner to check the demand (a project order, a typo)
before approving.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.panel import Panel

MIN_DEMANDS = 8
CAP_RATIO = 30.0
SPIKE_RATIO = 10.0
RECENT_DAYS = 28
PERIOD_DAYS = {"W": 7.0, "M": 30.4}  # a period's days, for RECENT_DAYS
SPIKE_COLUMNS = ["unique_id", "ds", "quantity", "usual", "ratio", "periods_ago", "other_demands"]


def cap_outliers(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(capped copy of y, (n,) cap per item: NaN where nothing was capped). `y` is (n, T)
    units per period, NaN before an item's first period."""
    positive = np.where(y > 0, y, np.nan)
    counts = (positive > 0).sum(axis=1)
    cap = np.full(y.shape[0], np.nan)
    rows = np.flatnonzero(counts >= MIN_DEMANDS)
    if rows.size:
        cap[rows] = CAP_RATIO * np.nanpercentile(positive[rows], 75, axis=1)
    over = y > cap[:, None]  # NaN caps compare False
    if not over.any():
        return y, np.full(y.shape[0], np.nan)
    capped = np.where(over, cap[:, None], y)
    return capped, np.where(over.any(axis=1), cap, np.nan)


def recent_spikes(panel: Panel) -> pd.DataFrame:
    """The items whose last RECENT_DAYS of history (the last 4 weeks, or the last month)
    hold one period of demand far above the item's usual size: one row per such item, columns
    unique_id, ds (start of that period), quantity (its units), usual (the median of the item's
    other periods with demand, units), ratio (quantity / usual), periods_ago (0: the last
    period of the panel) and other_demands (how many other periods had demand).

    An item is named when, with `others` its periods with demand other than the largest
    recent one:
    - it has at least MIN_DEMANDS of them (8, as `cap_outliers`): with fewer, their median
      is no usual size to judge a demand by;
    - the recent period is at least SPIKE_RATIO (10) times their median. The case that asked
      for it was 36 times (161 against a median of 4.5); on the demo's nights of 2026-12-06
      (the files of -05 and -06) the next largest recent demands of items with a lot were 5.7
      to 6 times their usual size, each after an earlier demand of at least half of it (108
      after 54, 109 after 78, 69 after 53): sizes the item has had before. Over the demo's
      last 53 weekly nights, 0.6 of its 300 items a night were named (0 to 2); carparts and
      RAF (monthly), whose items rarely have 8 demands in their first years, none at 12, 15,
      18 and 21 months, RAF 2 of 5,000 items at its last month;
    - none of them is also SPIKE_RATIO times their median: an item with several such demands
      has them as part of its pattern (two in the last weeks too), not as a one-off.
    Recent is RECENT_DAYS, whole periods: 4 weeks, 1 month. The smoothers of the forecast keep
    most of a period's weight for months (alpha 0.07: 75% after 4 weeks), so this is not
    where the forecast stops resting on it; it is while the demand is new to the planner,
    before the nights of a month have shown lots resting on it. The quantity is the history's
    (the order lines' units, as the planner finds them), also when `cap_outliers` caps it for
    the models (30x the 75th percentile)."""
    y = np.asarray(panel.y, dtype=float)
    n, periods = y.shape
    window = min(periods, _recent_periods(panel.freq))
    if n == 0 or window == 0:
        return pd.DataFrame(columns=SPIKE_COLUMNS)
    recent = np.nan_to_num(y[:, periods - window :], nan=-1.0)
    at = periods - window + np.argmax(recent, axis=1)  # the largest recent period (first if tied)
    rows = np.arange(n)
    quantity = y[rows, at]
    others = np.where(y > 0, y, np.nan)
    others[rows, at] = np.nan
    counts = (others > 0).sum(axis=1)
    usual = np.full(n, np.nan)
    enough = counts >= MIN_DEMANDS
    if enough.any():
        usual[enough] = np.nanmedian(others[enough], axis=1)
    with np.errstate(invalid="ignore"):
        large = others >= SPIKE_RATIO * usual[:, None]
        found = enough & (quantity >= SPIKE_RATIO * usual) & ~large.any(axis=1)
    k = np.flatnonzero(found)
    return pd.DataFrame(
        {
            "unique_id": panel.ids[k],
            "ds": panel.ds[at[k]],
            "quantity": quantity[k],
            "usual": usual[k],
            "ratio": quantity[k] / usual[k],
            "periods_ago": periods - 1 - at[k],
            "other_demands": counts[k],
        },
        columns=SPIKE_COLUMNS,
    )


def _recent_periods(freq: str) -> int:
    """Whole periods of `freq` in RECENT_DAYS, at least one: 4 weeks (W), 1 month (M)."""
    return max(1, int(RECENT_DAYS // PERIOD_DAYS[freq]))
