"""recent_spikes: one recent period far above an item's usual size, on small hand-made series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.outliers import recent_spikes
from models.panel import Panel

# 20 weeks of usual demand: 10 periods with 5 to 9 units (median 7), zeros between
USUAL = [5, 0, 7, 0, 6, 0, 9, 0, 7, 0, 8, 0, 7, 0, 6, 0, 8, 0, 7, 0]


def _panel(*series: list[float], freq: str = "W") -> Panel:
    """Panel of `series` (left-padded with NaN to the longest), ids A, B, ..."""
    width = max(len(s) for s in series)
    y = np.full((len(series), width), np.nan)
    for row, s in enumerate(series):
        y[row, width - len(s) :] = s
    start = "2026-01-05" if freq == "W" else "2024-01-01"
    ds = pd.date_range(start, periods=width, freq="W-MON" if freq == "W" else "MS")
    return Panel(ids=np.array([chr(65 + k) for k in range(len(series))], dtype=object), ds=ds,
                 y=y, freq=freq)  # fmt: skip


def test_a_last_week_far_above_the_usual_size_is_named() -> None:
    spikes = recent_spikes(_panel([*USUAL, 161]))
    expected = {"unique_id": "A", "ds": pd.Timestamp("2026-05-25"), "quantity": 161.0,
                "usual": 7.0, "ratio": 23.0, "periods_ago": 0, "other_demands": 10}  # fmt: skip
    assert spikes.to_dict("records") == [expected]


def test_a_spike_within_the_last_four_weeks_is_recent_and_an_older_one_is_not() -> None:
    spikes = recent_spikes(_panel([*USUAL, 161, 0, 0, 0], [*USUAL, 161, 0, 0, 0, 0]))
    assert spikes["unique_id"].tolist() == ["A"]
    assert spikes["periods_ago"].tolist() == [3]


def test_in_months_only_the_last_month_is_recent() -> None:
    spikes = recent_spikes(_panel([*USUAL, 161], [*USUAL, 161, 0], freq="M"))
    assert spikes["unique_id"].tolist() == ["A"]


def test_too_few_other_demands_to_judge_the_usual_size() -> None:
    seven = [5, 0, 7, 0, 6, 0, 9, 0, 7, 0, 8, 0, 7]  # 7 periods with demand, one short of 8
    assert recent_spikes(_panel([*seven, 161])).empty
    assert len(recent_spikes(_panel([*seven, 0, 6, 161]))) == 1


def test_below_ten_times_the_usual_size_is_not_named() -> None:
    assert recent_spikes(_panel([*USUAL, 69])).empty  # 9.9x
    assert len(recent_spikes(_panel([*USUAL, 70]))) == 1  # 10x


def test_several_large_demands_are_the_items_pattern() -> None:
    earlier = [*USUAL[:5], 120, *USUAL[6:], 161]  # one as large before
    twice = [*USUAL, 150, 161]  # two in the last weeks
    assert recent_spikes(_panel(earlier, twice)).empty


def test_items_without_history_in_the_recent_weeks_or_without_demand() -> None:
    spikes = recent_spikes(_panel([*USUAL, 161], [0.0] * 21, [3.0]))
    assert spikes["unique_id"].tolist() == ["A"]
    empty = Panel(ids=np.array([], dtype=object), ds=pd.DatetimeIndex([]), y=np.zeros((0, 0)),
                  freq="W")  # fmt: skip
    assert recent_spikes(empty).empty
