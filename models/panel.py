"""The one place where long demand frames (unique_id, ds, y) become arrays and back.

A `Panel` holds demand as a left-padded float array (n_series, n_periods) on a regular grid
of period starts: NaN before a series' first row; from its first row to the panel's last
period every period is observed, and a period without a row counts as zero demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FREQS = {"W": "W-MON", "M": "MS"}
PERIODS_PER_YEAR = {"W": 52, "M": 12}
# Units per period at most: paths are int32, and a lumpy item's paths reach ~30x its largest
# demand (times stage and calendar factors up to 4), so 1e7 stays well below 2^31.
MAX_UNITS = 1e7


def check_freq(freq: str) -> str:
    """`freq` as given if it is `W` (weeks starting Monday) or `M` (calendar months)."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, got {freq!r}")
    return freq


def check_period_start(ts: pd.Timestamp, freq: str, what: str) -> pd.Timestamp:
    """`ts` if it starts a period (a Monday for W, the 1st for M, midnight), else ValueError."""
    ts = pd.Timestamp(ts)
    aligned = ts == ts.normalize() and (ts.day_of_week == 0 if freq == "W" else ts.day == 1)
    if not aligned:
        kind = "a Monday" if freq == "W" else "the first day of a month"
        raise ValueError(f"{what} {ts.date()} is not a period start ({kind}) for freq={freq!r}")
    return ts


def period_range(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Period starts from `start` to `end`, both included."""
    return pd.date_range(start, end, freq=FREQS[check_freq(freq)])


def future_periods(last_period: pd.Timestamp, h: int, freq: str) -> pd.DatetimeIndex:
    """The `h` period starts right after the period starting at `last_period`."""
    last = check_period_start(last_period, check_freq(freq), "last_period")
    return pd.date_range(last, periods=h + 1, freq=FREQS[freq])[1:]


@dataclass(frozen=True)
class Panel:
    """ids (n,) unique_id; ds (T,) period starts; y (n, T) demand, units, NaN = not started."""

    ids: np.ndarray
    ds: pd.DatetimeIndex
    y: np.ndarray
    freq: str

    def frame(self) -> pd.DataFrame:
        """Back to the long format: one row per observed cell, columns unique_id, ds, y."""
        rows, cols = np.nonzero(~np.isnan(self.y))
        return pd.DataFrame(
            {"unique_id": self.ids[rows], "ds": self.ds[cols], "y": self.y[rows, cols]}
        )


def _check_frame(df: pd.DataFrame) -> pd.DataFrame:
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise ValueError(f"demand is missing columns {sorted(missing)}")
    if df["unique_id"].isna().any():
        row = df[df["unique_id"].isna()].iloc[0]
        raise ValueError(f"demand has a row without unique_id (ds {row['ds']}, y {row['y']})")
    out = pd.DataFrame(
        {
            "unique_id": df["unique_id"].astype(str),
            "ds": pd.to_datetime(df["ds"]),
            "y": pd.to_numeric(df["y"]).astype(float),
        }
    )
    bad = out[out["y"].isna() | ~np.isfinite(out["y"]) | (out["y"] < 0) | out["ds"].isna()]
    if len(bad):
        row = bad.iloc[0]
        raise ValueError(
            f"demand must have a date and a finite y >= 0: unique_id {row.unique_id!r} "
            f"at ds {row.ds} has y={row.y}"
        )
    huge = out[out["y"] > MAX_UNITS]
    if len(huge):
        row = huge.iloc[0]
        raise ValueError(
            f"demand of unique_id {row.unique_id!r} at ds {row.ds} is {row.y:g} units per period, "
            f"above {MAX_UNITS:g}: sample paths hold whole units as 32-bit integers; count in "
            "larger units (packs, thousands)"
        )
    dup = out.duplicated(["unique_id", "ds"])
    if dup.any():
        row = out[dup].iloc[0]
        raise ValueError(f"demand has two rows for unique_id {row.unique_id!r}, ds {row.ds}")
    return out


def to_panel(df: pd.DataFrame, freq: str, last_period: pd.Timestamp | None = None) -> Panel:
    """Long demand (unique_id, ds, y) -> Panel, ids sorted, grid up to `last_period`.

    `last_period` (start of the last complete period) defaults to the latest ds; rows after
    it raise ValueError (they are not history). Every ds must be a period start of `freq`.
    """
    check_freq(freq)
    long = _check_frame(df)
    for ts in long["ds"].drop_duplicates():
        check_period_start(ts, freq, "demand ds")
    if last_period is None:
        if long.empty:
            raise ValueError("demand is empty: pass last_period to fix the panel's periods")
        last_period = long["ds"].max()
    last = check_period_start(last_period, freq, "last_period")
    if (long["ds"] > last).any():
        late = long.loc[long["ds"] > last].iloc[0]
        raise ValueError(
            f"demand has rows after last_period {last.date()}: "
            f"unique_id {late.unique_id!r} at {late.ds.date()}"
        )
    first = long["ds"].min() if len(long) else last
    grid = period_range(first, last, freq)
    ids = np.array(sorted(long["unique_id"].unique()), dtype=object)
    y = np.full((ids.size, grid.size), np.nan)
    rows = np.searchsorted(ids, long["unique_id"].to_numpy(dtype=object))
    cols = grid.get_indexer(long["ds"])
    y[rows, cols] = long["y"].to_numpy()
    started = np.cumsum(~np.isnan(y), axis=1) > 0
    y[started & np.isnan(y)] = 0.0
    return Panel(ids=ids, ds=grid, y=y, freq=freq)
