"""One-offs a planner marks (`reorder review one-off`) on a real DuckDB file: marked, listed,
unmarked, refused naming what is wrong, and left out of the demand forecasts are fitted on."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from tests.warehouse.conftest import write_folder
from tests.warehouse.test_demand import LINES, SUNDAY, WEDNESDAY, _rows
from warehouse import (
    OneOffError,
    bucket_demand,
    connect,
    excluded_one_offs,
    largest_day,
    largest_days,
    load_folder,
    mark_one_off,
    mark_one_offs,
    one_offs,
    transaction,
    unmark_one_off,
)
from warehouse.one_offs import marks_at


@pytest.fixture
def loaded(con: duckdb.DuckDBPyConnection, tmp_path) -> duckdb.DuckDBPyConnection:
    load_folder(con, write_folder(tmp_path / "in", order_lines__csv=LINES), SUNDAY)
    return con


def test_a_marked_day_is_listed_with_the_units_its_lines_hold_and_unmarked(loaded):
    at = datetime(2026, 12, 7, 9, 30)
    marked = mark_one_off(loaded, "A", date(2024, 3, 26), "project order", "anna", now=at)
    assert (marked.lines, marked.units, marked.new) == (1, 9.0, True)
    rows = one_offs(loaded)
    assert rows.to_dict("records") == [
        {"sku": "A", "order_date": pd.Timestamp("2024-03-26"), "units": 9.0, "lines": 1,
         "note": "project order", "marked_by": "anna", "marked_at": pd.Timestamp(at)}
    ]  # fmt: skip
    unmark_one_off(loaded, "A", date(2024, 3, 26))
    assert one_offs(loaded).empty


def test_marking_a_day_again_keeps_one_row_and_its_first_time(loaded):
    first = datetime(2026, 12, 7, 9, 30)
    mark_one_off(loaded, "A", date(2024, 3, 26), "project order", "anna", now=first)
    again = mark_one_off(loaded, "A", date(2024, 3, 26), "", "ben", now=datetime(2026, 12, 8))
    assert (again.new, again.note_replaced) == (False, False)
    rows = one_offs(loaded)
    assert len(rows) == 1  # no duplicate row
    assert (rows.loc[0, "note"], rows.loc[0, "marked_at"]) == ("project order", pd.Timestamp(first))
    assert mark_one_off(loaded, "A", date(2024, 3, 26), "typo: 0.9", "ben").note_replaced
    assert one_offs(loaded)["note"].tolist() == ["typo: 0.9"]  # a new note replaces the old
    assert not mark_one_off(loaded, "A", date(2024, 3, 26), "typo: 0.9", "ben").note_replaced


def test_a_sku_the_items_do_not_hold_is_refused_by_name(loaded):
    with pytest.raises(OneOffError, match=r"^sku Z-9: not in the items$"):
        mark_one_off(loaded, "Z-9", date(2024, 3, 26), "", "anna")
    with pytest.raises(OneOffError, match=r"^sku a: not in the items \(items has A; skus match"):
        mark_one_off(loaded, "a", date(2024, 3, 26), "", "anna")
    with pytest.raises(OneOffError, match=r"^sku Z-9: not in the items$"):
        unmark_one_off(loaded, "Z-9", date(2024, 3, 26))
    assert one_offs(loaded).empty


def test_a_day_without_order_lines_of_the_sku_is_refused_naming_its_days_near_it(loaded):
    with pytest.raises(OneOffError) as error:
        mark_one_off(loaded, "A", date(2024, 3, 25), "", "anna")
    assert str(error.value) == (
        "sku A: no order line on 2024-03-25 (its order days within a week: 2024-03-19 "
        "(5 units), 2024-03-26 (9 units))"
    )
    with pytest.raises(OneOffError, match=r"^sku B: no order line on 2024-01-01 \(none within"):
        mark_one_off(loaded, "B", date(2024, 1, 1), "", "anna")
    with pytest.raises(OneOffError) as error:  # B's line of 2024-02-06, not A's
        mark_one_off(loaded, "A", date(2024, 2, 6), "", "anna")
    assert str(error.value).startswith("sku A: no order line on 2024-02-06 (its order days")
    assert one_offs(loaded).empty


def test_marks_in_one_batch_are_all_recorded_or_none_naming_each_refused(loaded):
    """The review form's one-offs: one bad sku or day refuses the whole batch, naming every
    bad one; inside a transaction already open (the form's decisions) a later error undoes
    them."""
    good = ("A", date(2024, 3, 26), "project order")
    with pytest.raises(OneOffError) as error:
        mark_one_offs(loaded, [good, ("Z-9", date(2024, 3, 26), ""),
                               ("A", date(2024, 3, 25), ""), good], "anna")  # fmt: skip
    assert str(error.value) == (
        "sku Z-9: not in the items; sku A: no order line on 2024-03-25 (its order days within "
        "a week: 2024-03-19 (5 units), 2024-03-26 (9 units)); sku A: 2024-03-26 listed twice"
    )
    assert one_offs(loaded).empty
    with pytest.raises(RuntimeError, match="later step"), transaction(loaded):
        mark_one_offs(loaded, [good], "anna")
        raise RuntimeError("a later step of the same write")
    assert one_offs(loaded).empty
    marked = mark_one_offs(loaded, [good, ("A", date(2024, 3, 19), "")], "anna")
    assert [(m.sku, m.order_date, m.lines, m.units, m.new) for m in marked] == [
        ("A", date(2024, 3, 26), 1, 9.0, True), ("A", date(2024, 3, 19), 1, 5.0, True)
    ]  # fmt: skip
    assert set(one_offs(loaded)["marked_by"]) == {"anna"}
    assert not mark_one_offs(loaded, [good], "ben")[0].new  # again: still one row
    assert len(one_offs(loaded)) == 2


def test_a_removed_mark_is_kept_with_who_removed_it_and_the_day_can_be_marked_again(loaded):
    """Unmarking deleted the mark: nothing told `reorder changes` that a night took its units
    back in. The removed mark is kept in one_off_removals; the marks in effect at a time read
    it, and marking the day again works."""
    day, marked, removed = date(2024, 3, 26), datetime(2026, 12, 6, 9), datetime(2026, 12, 7, 9)
    mark_one_off(loaded, "A", day, "project order", "anna", now=marked)
    unmark_one_off(loaded, "A", day, "ben", now=removed)
    assert one_offs(loaded).empty
    assert loaded.execute("SELECT * FROM one_off_removals").fetchall() == [
        ("A", day, "project order", "anna", marked, "ben", removed)
    ]
    assert marks_at(loaded, marked - timedelta(hours=1)) == set()
    assert marks_at(loaded, marked + timedelta(hours=1)) == {("A", day)}
    assert marks_at(loaded, removed + timedelta(hours=1)) == set()
    again = mark_one_off(loaded, "A", day, "", "carl", now=datetime(2026, 12, 8, 9))
    assert again.new
    assert one_offs(loaded)["marked_by"].tolist() == ["carl"]
    assert marks_at(loaded, marked + timedelta(hours=1)) == {("A", day)}  # the first mark
    assert marks_at(loaded, datetime(2026, 12, 8, 10)) == {("A", day)}
    assert excluded_one_offs(loaded, SUNDAY + timedelta(days=7), "W")["order_date"].tolist() == [
        day
    ]


def test_unmarking_a_day_not_marked_is_refused_naming_the_marked_days(loaded):
    mark_one_off(loaded, "A", date(2024, 3, 26), "", "anna")
    with pytest.raises(OneOffError) as error:
        unmark_one_off(loaded, "A", date(2024, 3, 19))
    assert str(error.value) == (
        "sku A: 2024-03-19 is not marked as a one-off (its marked days: 2024-03-26)"
    )
    assert len(one_offs(loaded)) == 1
    assert loaded.execute("SELECT count(*) FROM one_off_removals").fetchone() == (0,)


def test_the_demand_leaves_out_the_marked_lines_and_the_credits_netted_against_them(loaded):
    """A's 4 units of 30 January (and the 1 returned of them in March, order O1) leave its
    history, which then starts with its next demand; B keeps its own."""
    before = bucket_demand(loaded, WEDNESDAY, "W")
    mark_one_off(loaded, "A", date(2024, 1, 30), "project order", "anna")
    after = bucket_demand(loaded, WEDNESDAY, "W")
    weeks = [date(2024, 2, 5) + timedelta(weeks=k) for k in range(7)]
    a = [6.0, 0.0, 2.0, 0.0, 0.0, 0.0, 5.0]  # no 4 (less 1) in the week of 29 January
    assert _rows(after[after["unique_id"] == "A"]) == [
        ("A", w, y) for w, y in zip(weeks, a, strict=True)
    ]
    assert _rows(before[before["unique_id"] == "B"]) == _rows(after[after["unique_id"] == "B"])
    assert excluded_one_offs(loaded, WEDNESDAY, "W").to_dict("records") == [
        {"sku": "A", "order_date": date(2024, 1, 30), "ds": date(2024, 1, 29), "units": 4.0}
    ]
    unmark_one_off(loaded, "A", date(2024, 1, 30))
    assert bucket_demand(loaded, WEDNESDAY, "W").equals(before)


def test_a_marked_day_leaves_its_period_with_the_other_days_demand(loaded):
    mark_one_off(loaded, "A", date(2024, 3, 19), "", "anna")
    months = _rows(bucket_demand(loaded, SUNDAY, "M"))
    assert ("A", date(2024, 3, 1), 9.0) in months  # 14 less the 5 of 19 March
    # a mark in the week still running at as_of is not in the history, nor named as left out
    mark_one_off(loaded, "A", date(2024, 3, 26), "", "anna")
    assert [r["order_date"] for r in excluded_one_offs(loaded, WEDNESDAY, "W").to_dict(
        "records")] == [date(2024, 3, 19)]  # fmt: skip
    assert excluded_one_offs(loaded, SUNDAY, "W", skus=["B"]).empty


def test_the_day_to_mark_is_the_one_holding_most_of_a_period(loaded):
    assert largest_day(loaded, "A", date(2024, 3, 1), "M") == (date(2024, 3, 26), 9.0)
    assert largest_day(loaded, "A", date(2024, 3, 18), "W") == (date(2024, 3, 19), 5.0)
    assert largest_day(loaded, "B", date(2024, 3, 11), "W") is None  # a credit only
    periods = pd.DataFrame({"sku": ["A", "B"], "ds": pd.to_datetime(["2024-03-18", "2024-03-11"])})
    assert largest_days(loaded, periods, "W") == [(date(2024, 3, 19), 5.0), None]


def test_an_existing_warehouse_file_gets_the_table_on_open(tmp_path):
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        con.execute("DROP TABLE one_offs")
        con.execute("DROP TABLE one_off_removals")  # a file of before 2026-12-07
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM one_offs").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM one_off_removals").fetchone() == (0,)
