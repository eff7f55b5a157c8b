"""Long demand frames to left-padded arrays and back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import future_periods, to_panel


def _frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


def test_left_padding_sorted_ids_and_zero_filled_gaps():
    df = _frame(
        [("b", "2024-03-01", 1), ("a", "2024-01-01", 2), ("a", "2024-02-01", 0),
         ("a", "2024-04-01", 5), ("b", "2024-04-01", 3)]
    )  # fmt: skip
    panel = to_panel(df, "M")
    assert list(panel.ids) == ["a", "b"]
    assert list(panel.ds) == list(pd.date_range("2024-01-01", periods=4, freq="MS"))
    # a: Mar has no row -> 0 demand; b starts in Mar -> NaN padding before.
    np.testing.assert_array_equal(panel.y, [[2, 0, 0, 5], [np.nan, np.nan, 1, 3]])


def test_frame_round_trip():
    df = _frame([("a", "2024-01-01", 2), ("a", "2024-02-01", 1), ("b", "2024-02-01", 3)])
    back = to_panel(df, "M").frame()
    assert list(back.columns) == ["unique_id", "ds", "y"]
    pd.testing.assert_frame_equal(
        back.reset_index(drop=True), df.assign(ds=pd.to_datetime(df["ds"])), check_dtype=False
    )


def test_last_period_extends_with_zero_demand():
    df = _frame([("a", "2024-01-01", 2)])
    panel = to_panel(df, "M", last_period=pd.Timestamp("2024-03-01"))
    np.testing.assert_array_equal(panel.y, [[2, 0, 0]])


@pytest.mark.parametrize(
    ("rows", "freq", "last", "message"),
    [
        ([("a", "2024-01-01", np.nan)], "M", None, "unique_id 'a'"),
        ([("a", "2024-01-01", -1)], "M", None, "y >= 0"),
        ([("a", "2024-01-01", 1), ("a", "2024-01-01", 2)], "M", None, "two rows"),
        ([("a", "2024-01-02", 1)], "M", None, "not a period start"),
        ([("a", "2024-01-02", 1)], "W", None, "not a period start"),  # a Tuesday
        ([("a", "2024-02-01", 1)], "M", "2024-01-01", "after last_period"),
        ([("a", "2024-02-01", 1)], "D", None, "freq"),
    ],
)
def test_bad_demand_raises(rows, freq, last, message):
    with pytest.raises(ValueError, match=message):
        to_panel(_frame(rows), freq, last_period=last)


def test_future_periods_weekly_and_monthly():
    weeks = future_periods(pd.Timestamp("2024-12-30"), 2, "W")  # a Monday
    assert list(weeks) == [pd.Timestamp("2025-01-06"), pd.Timestamp("2025-01-13")]
    months = future_periods(pd.Timestamp("2024-12-01"), 2, "M")
    assert list(months) == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]


def test_rows_without_unique_id_or_with_too_many_units_are_refused_by_name():
    ds = pd.date_range("2024-01-01", periods=3, freq="W-MON")
    nameless = pd.DataFrame({"unique_id": ["A", None, "A"], "ds": ds, "y": 1.0})
    with pytest.raises(ValueError, match="demand has a row without unique_id"):
        to_panel(nameless, "W")
    huge = pd.DataFrame({"unique_id": "A", "ds": ds, "y": [1.0, 2e8, 1.0]})
    with pytest.raises(ValueError, match=r"demand of unique_id 'A' at ds 2024-01-08 00:00:00 is "
                       r"2e\+08 units per period, above 1e\+07"):  # fmt: skip
        to_panel(huge, "W")


def test_misaligned_dates_are_named_as_demand_dates():
    wednesdays = pd.date_range("2024-01-03", periods=3, freq="7D")
    with pytest.raises(ValueError, match=r"demand ds 2024-01-03 is not a period start"):
        to_panel(pd.DataFrame({"unique_id": "A", "ds": wednesdays, "y": 1.0}), "W")
