"""The run summary's count of requirements (planners' dated known demand) and its text."""

from __future__ import annotations

from typing import Any

SHOWN = 10  # requirements named per group in the summary


def requirements_summary(
    skus: list[str], explained: list[dict], as_of: str, shown: int = SHOWN
) -> dict[str, Any] | None:
    """How many requirements the plan counted (`planned`), of them `overdue` (due on or before
    as_of, counted in the first period), and how many fall after the horizon (`outside`, not
    counted), with the first `shown` of the last two named (requirement_id, sku, due_date);
    `period`, `horizon`: the plan's. From the lots' explanations ('requirements'); None when
    no planned item has one."""
    planned, overdue, outside = 0, [], []
    for sku, explanation in zip(skus, explained, strict=True):
        horizon = explanation.get("horizon_periods", 0)
        for r in explanation.get("requirements", []):
            named = {"requirement_id": r["requirement_id"], "sku": str(sku),
                     "due_date": r["due_date"]}  # fmt: skip
            if r["due_period"] >= horizon:
                outside.append(named)
                continue
            planned += 1
            overdue += [named] if r["due_date"] <= as_of else []
    if not planned and not outside:
        return None
    first = explained[0] if explained else {}
    return {"planned": planned, "overdue": len(overdue), "outside": len(outside),
            "overdue_named": overdue[:shown], "outside_named": outside[:shown],
            "horizon": first.get("horizon_periods"),
            "period": first.get("period", "period")}  # fmt: skip


def requirements_note(group: dict[str, Any]) -> str:
    """'3 planned on top of the forecast (1 overdue, counted in the first week: SC-3 of P-1
    due 2026-11-20); 1 after the 13-week horizon, not counted: PB-30 of P-2 due 2027-09-01'."""
    text = f"{group['planned']:,} planned on top of the forecast"
    if group["overdue"]:
        text += (f" ({group['overdue']:,} overdue, counted in the first {group['period']}: "
                 f"{_named(group['overdue_named'], group['overdue'])})")  # fmt: skip
    if group["outside"]:
        named = _named(group["outside_named"], group["outside"])
        text += (f"; {group['outside']:,} after the {group['horizon']}-{group['period']} "
                 f"horizon, not counted: {named}")  # fmt: skip
    return text


def _named(rows: list[dict], total: int) -> str:
    """'PB-30 of P-2 due 2027-09-01, ...' and how many more of `total`."""
    text = ", ".join(f"{r['requirement_id']} of {r['sku']} due {r['due_date']}" for r in rows)
    return text + (f" and {total - len(rows):,} more" if total > len(rows) else "")
