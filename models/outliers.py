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
"""

from __future__ import annotations

import numpy as np

MIN_DEMANDS = 8
CAP_RATIO = 30.0


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
