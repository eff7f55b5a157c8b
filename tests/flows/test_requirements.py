"""What the run summary and `reorder lots --sku` say of requirements."""

from __future__ import annotations

from flows.console import counted_note
from flows.requirements import requirements_note, requirements_summary


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
