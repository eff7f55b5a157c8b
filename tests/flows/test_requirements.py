"""What the run summary and `reorder lots --sku` say of requirements."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd

import warehouse
from flows.console import counted_note
from flows.nightly import nightly
from flows.requirements import requirements_note, requirements_summary
from tests.flows.conftest import AS_OF
from tests.flows.test_nightly import SMALL, _published


def _explanation(*requirements: dict) -> dict:
    return {"on_hand": 40, "open_orders": [], "horizon_periods": 8, "period": "week",
            "requirements": list(requirements)}  # fmt: skip


SC3 = {"requirement_id": "SC-3", "due_date": "2025-02-01", "quantity": 30, "due_period": 0,
       "note": ""}  # fmt: skip
PB17 = {"requirement_id": "PB-17", "due_date": "2025-04-08", "quantity": 200, "due_period": 5,
        "note": "pilot build"}  # fmt: skip
PB30 = {"requirement_id": "PB-30", "due_date": "2025-04-28", "quantity": 500, "due_period": 8,
        "note": ""}  # fmt: skip


def test_the_summary_counts_requirements_planned_overdue_and_after_the_horizon():
    explained = [_explanation(SC3, PB30), _explanation(PB17), _explanation()]
    summary = requirements_summary(["P", "Q", "R"], explained, "2025-03-02")
    assert (summary["planned"], summary["overdue"], summary["outside"]) == (2, 1, 1)
    assert requirements_note(summary) == (
        "2 planned on top of the forecast (1 overdue, counted in the first week: SC-3 of P due "
        "2025-02-01); 1 after the 8-week horizon, not counted: PB-30 of P due 2025-04-28"
    )
    assert requirements_summary(["R"], [_explanation()], "2025-03-02") is None


def test_lots_of_an_item_lists_its_requirements_on_the_counted_line():
    assert counted_note("P", _explanation(PB17, PB30)) == (
        "P: stock 40; open orders none; requirements PB-17 200 (due 2025-04-08, counted in "
        "week 6), PB-30 500 (due 2025-04-28, after the 8-week horizon: not counted)"
    )


def test_a_rerun_with_requirements_gives_the_same_lots_and_no_duplicate_rows(
    demo_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(demo_dir, folder)
    items = pd.read_csv(folder / "items.csv", dtype=str)
    sku = items.loc[items["end_of_life"].isna() & items["sku"].notna(), "sku"].iloc[0]
    day = lambda days: (AS_OF + timedelta(days=days)).isoformat()  # noqa: E731
    (folder / "requirements.csv").write_text(
        "requirement_id,sku,due_date,quantity,note\n"
        f"PB-17,{sku},{day(53)},2000,pilot build\n"
        f"SC-3,{sku},{day(-40)},5,service campaign\n"
        f"PB-30,{sku},{day(100)},700,\n",
        encoding="utf-8",
    )
    db_path = tmp_path / "reorder.duckdb"
    params = {"as_of": AS_OF, "data_dir": str(folder), "db_path": str(db_path), **SMALL}
    summary = nightly(**params)
    first = _published(db_path)
    lot = first.set_index("sku").loc[sku]
    assert (
        lot["quantity"] >= 2000 and f"2,000 units required by PB-17 on {day(53)}" in (lot["reason"])
    )
    assert (summary["requirements"]["planned"], summary["requirements"]["overdue"],
            summary["requirements"]["outside"]) == (2, 1, 1)  # fmt: skip
    assert f"Not counted: PB-30 (700 units on {day(100)})" in lot["reason"]
    nightly(**params)
    pd.testing.assert_frame_equal(first, _published(db_path))
    with warehouse.connect(db_path, read_only=True) as con:
        assert warehouse.table_counts(con)["requirements"] == 3
