"""bucket_demand on hand-computed data: complete periods, zero filling, returns netted."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.warehouse.conftest import write_folder
from warehouse import (
    HistoryError,
    bucket_demand,
    check_history,
    last_complete_start,
    load_folder,
    period_start_after,
)

LINES = """\
order_id,line,order_date,sku,quantity,unit_price,customer
O1,1,2024-01-30,A,4,1,C1
O2,1,2024-02-05,A,6,1,C2
O2,2,2024-02-06,B,3,1,C2
O3,1,2024-02-20,A,2,1,C3
O1,2,2024-03-05,A,-1,1,C1
O6,1,2024-03-12,B,-5,1,C6
O4,1,2024-03-19,A,5,1,C4
O5,1,2024-03-26,A,9,1,C5
"""
WEDNESDAY = date(2024, 3, 27)
SUNDAY = date(2024, 3, 31)


@pytest.fixture
def loaded(con, tmp_path):
    load_folder(con, write_folder(tmp_path / "in", order_lines__csv=LINES), SUNDAY)
    return con


def test_a_history_lost_to_quarantine_says_so(con, tmp_path):
    german = LINES.replace("2024-01-30", "30.01.2024").replace("2024-02-05", "05.02.2024")
    german = "\n".join(line for line in german.splitlines() if "-" not in line.split(",")[2])
    load_folder(con, write_folder(tmp_path / "in", order_lines__csv=german + "\n"), SUNDAY)
    with pytest.raises(HistoryError) as error:
        check_history(con, SUNDAY)
    assert str(error.value).startswith(
        "no order line is loaded: nothing to forecast from; 2 rows are in quarantine "
        "(first: order_lines.csv row 1: order_date '30.01.2024' "
    )
    assert "as_of" not in str(error.value)
    # the command names the warehouse: the terminal has none by default
    assert str(error.value).endswith(
        f"; see `reorder quarantine --db {tmp_path / 'db' / 'warehouse.duckdb'}`"
    )


def _rows(frame: pd.DataFrame) -> list[tuple[str, date, float]]:
    return [(u, pd.Timestamp(d).date(), y) for u, d, y in frame.itertuples(index=False)]


def test_weekly_demand_hand_computed(loaded):
    frame = bucket_demand(loaded, WEDNESDAY, "W")
    assert list(frame.columns) == ["unique_id", "ds", "y"]
    assert frame["y"].dtype == "float64"
    weeks = [date(2024, 1, 29)] + [
        date(2024, m, d) for m, d in [(2, 5), (2, 12), (2, 19), (2, 26), (3, 4), (3, 11), (3, 18)]
    ]
    a = [3.0, 6.0, 0.0, 2.0, 0.0, 0.0, 0.0, 5.0]  # 4 sold in week 1, 1 returned in March
    b = [3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]  # credit of 5 without original floors at 0
    expected = [("A", w, y) for w, y in zip(weeks, a, strict=True)]
    expected += [("B", w, y) for w, y in zip(weeks[1:], b, strict=True)]
    assert _rows(frame) == expected  # week of 25 March is not complete on the 27th


def test_monthly_demand_hand_computed(loaded):
    assert _rows(bucket_demand(loaded, WEDNESDAY, "M")) == [
        ("A", date(2024, 1, 1), 3.0),
        ("A", date(2024, 2, 1), 8.0),
        ("B", date(2024, 2, 1), 3.0),
    ]
    assert _rows(bucket_demand(loaded, SUNDAY, "M")) == [
        ("A", date(2024, 1, 1), 3.0),
        ("A", date(2024, 2, 1), 8.0),
        ("A", date(2024, 3, 1), 14.0),
        ("B", date(2024, 2, 1), 3.0),
        ("B", date(2024, 3, 1), 0.0),
    ]


def test_sku_filter_and_empty_result(loaded):
    only_b = bucket_demand(loaded, WEDNESDAY, "M", skus=["B"])
    assert _rows(only_b) == [("B", date(2024, 2, 1), 3.0)]
    assert bucket_demand(loaded, date(2024, 1, 31), "M", skus=["B"]).empty


def test_unknown_freq_is_rejected(loaded):
    with pytest.raises(ValueError, match="freq must be one of W, M"):
        bucket_demand(loaded, SUNDAY, "D")


@pytest.mark.parametrize(
    ("as_of", "freq", "last", "after"),
    [
        (date(2024, 3, 27), "W", date(2024, 3, 18), date(2024, 3, 25)),
        (date(2024, 3, 31), "W", date(2024, 3, 25), date(2024, 4, 1)),
        (date(2024, 3, 27), "M", date(2024, 2, 1), date(2024, 3, 1)),
        (date(2024, 12, 31), "M", date(2024, 12, 1), date(2025, 1, 1)),
    ],
)
def test_period_helpers(as_of, freq, last, after):
    assert last_complete_start(as_of, freq) == last
    assert period_start_after(as_of, freq) == after


def test_history_must_reach_as_of_and_be_recent(loaded):
    assert check_history(loaded, SUNDAY) is None  # the newest line is 5 days old
    assert check_history(loaded, date(2024, 4, 9)) is None  # 14 days
    # 15 to 90 days: planned, with a note (a quiet spell, or an export that stops early)
    assert check_history(loaded, date(2024, 6, 24)) == (
        "the newest order line is from 2024-03-26, 90 days before as_of 2024-06-24: those days "
        "count as zero demand (is the export complete?)"
    )
    with pytest.raises(HistoryError, match=r"the newest order line is from 2024-03-26, 91 days "
                       r"before as_of 2024-06-25: the order history looks stale"):  # fmt: skip
        check_history(loaded, date(2024, 6, 25))
    # an old export of a planner's catalogue read '8741 days'
    with pytest.raises(HistoryError, match=r"2024-03-26, 1,376 days before as_of 2028-01-01"):
        check_history(loaded, date(2028, 1, 1))
    with pytest.raises(HistoryError, match=r"no order line on or before as_of 2024-01-01 \(the "
                       r"loaded ones start on 2024-01-30\): nothing to forecast from"):  # fmt: skip
        check_history(loaded, date(2024, 1, 1))
