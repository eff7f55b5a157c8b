"""How the lots of a night changed since the night before, as text: the counts, the changed
lots with their drivers (`reorder changes`, the run summary, the report) and the short `since`
column of the review tables; of `warehouse.LotChanges`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd

import warehouse
from flows.console import left_aligned, lot_text
from optimize.explain import expected_units, margin_share, money, price, units
from optimize.plan import KEEP_LOT_MARGIN

CHANGES_SHOWN = 10  # largest lot changes in the run summary and the report
# what the drivers of a changed lot say when none of them moved
SAME_DRIVERS = "drivers the same"


def change_counts(
    counts: dict[str, int], kept: int | None = None, margin: float = KEEP_LOT_MARGIN
) -> str:
    """'4 new lots, 2 dropped, 3 more, 1 fewer, 1 other supplier; 83 unchanged (20 kept over a
    lot up to 0.2% cheaper); 5 ordered, 1 rejected the night before' of
    `warehouse.LotChanges.counts` and `.kept` (None: not known, a summary before 2026-12-07);
    `margin`: the night's keep_margin; ordered and rejected only when there are any."""
    kinds = [f"{counts['new']:,} new lot{'' if counts['new'] == 1 else 's'}"]
    kinds += [f"{counts[kind]:,} {kind}" for kind in warehouse.CHANGE_KINDS[1:]]
    text = f"{', '.join(kinds)}; {counts['unchanged']:,} unchanged"
    if kept:
        text += f" ({kept:,} kept over a lot up to {margin_share(margin)} cheaper)"
    decided = [f"{counts[k]:,} {k}" for k in ("ordered", "rejected") if counts.get(k)]
    return text + (f"; {', '.join(decided)} the night before" if decided else "")


def keep_margin(parameters: dict[str, Any]) -> float:
    """The keep_margin of a run's stored parameters (`warehouse.run_parameters`); a run stored
    before it was a parameter kept with KEEP_LOT_MARGIN."""
    return float(parameters.get("keep_margin", KEEP_LOT_MARGIN))


def change_drivers(row: dict[str, Any]) -> str:
    """'forecast 120 -> 180; on hand 40 -> 0': the drivers of one lot (a row of
    `warehouse.LotChanges.lots`) that differ between the nights, as shown; 'drivers the same
    (forecast 120, on hand 40, on order 0)' when none does (the lot moved with the plan's
    shared limits, order costs or its demand scenarios); why a night could not plan the item.
    A moved forecast says what is new behind it: 'forecast 7.3 -> 139 (one week of 161 units,
    36x usual)' (tonight's lot rests on a recent spike the night before's did not), 'forecast
    139 -> 6.8 (161 units of 2026-12-01 left out as a one-off)' (marked since), 'forecast 6.8
    -> 139 (161 units of 2026-12-01 back in: one-off mark removed)' (unmarked since)."""
    moved, same = [], []
    for label, column, fmt in _DRIVERS:
        before, after = row[f"{column}_before"], row[f"{column}_after"]
        if pd.isna(before) or pd.isna(after):
            continue
        then, now = fmt(before), fmt(after)
        if then != now:
            why = _forecast_why(row) if column == "forecast" else ""
            moved.append(f"{label} {then} -> {now}{why}")
        elif label in _SAME_SHOWN:
            same.append(f"{label} {now}")
    for side, night in (("before", "then"), ("after", "now")):
        if isinstance(reason := row.get(f"not_planned_{side}"), str):
            moved.append(f"not planned {night}: {reason}")
    kept = _kept(row.get("kept_after")) if row.get("kind") == "unchanged" else ""
    if moved:
        return "; ".join(moved) + kept
    return (f"{SAME_DRIVERS} ({', '.join(same)})" if same else SAME_DRIVERS) + kept


def _forecast_why(row: dict[str, Any]) -> str:
    """' (one week of 161 units, 36x usual)' when tonight's lot rests on a recent spike
    (spike_after: JSON) the night before's did not, ' (161 units of 2026-12-01 left out as a
    one-off)' for the one-offs tonight's demand left out (left_out), ' (161 units of 2026-12-01
    back in: one-off mark removed)' for those it counted again (back_in); those that apply, or
    ''."""
    notes = []
    spike, before = row.get("spike_after"), row.get("spike_before")
    if isinstance(spike, str) and row["quantity_after"] > 0:
        figures = json.loads(spike)
        then = json.loads(before) if isinstance(before, str) else {}
        if then.get("period_start") != figures["period_start"]:
            notes.append(f"one {figures.get('period') or 'period'} of "
                         f"{units(figures['quantity'])} units, "
                         f"{figures['quantity'] / figures['usual']:,.0f}x usual")  # fmt: skip
    if left_out := row.get("left_out"):
        one = "a one-off" if len(left_out) == 1 else "one-offs"
        notes.append(f"{_one_off_days(left_out)} left out as {one}")
    if back_in := row.get("back_in"):
        marks = "mark" if len(back_in) == 1 else "marks"
        notes.append(f"{_one_off_days(back_in)} back in: one-off {marks} removed")
    return "".join(f" ({note})" for note in notes)


def _one_off_days(days: list[tuple[date, float]]) -> str:
    """'40 units of 2026-11-03, 161 units of 2026-12-01' of [(order_date, units)]."""
    return ", ".join(f"{units(n)} units of {day.isoformat()}" for day, n in days)


def _kept(kept: object) -> str:
    """'; kept from the night before: 65 from S-107 would cost 18.27 less' of a lot's
    explanation.kept (JSON text; not a str: not kept)."""
    if not isinstance(kept, str):
        return ""
    other = json.loads(kept)
    return (f"; kept from the night before: {lot_text(other['quantity'], other['supplier_id'])} "
            f"would cost {money(other['expected_cost_difference'])} less")  # fmt: skip


def _before(row: dict[str, Any]) -> str:
    """The night before's lot, and what was decided on it: '155 from S-103 approved',
    '80 from S-108 overridden (67 recommended)', '100 from S-105 rejected'."""
    lot = lot_text(row["quantity_before"], row["supplier_id_before"])
    decision = row.get("decision_before")
    if decision == "override":
        decided = lot_text(row["decided_quantity_before"], row["decided_supplier_id_before"])
        same = row["decided_supplier_id_before"] == row["supplier_id_before"]
        recommended = units(float(row["quantity_before"])) if same else lot
        return f"{decided} overridden ({recommended} recommended)"
    return f"{lot} {_DECIDED_WORDS[decision]}" if isinstance(decision, str) else lot


def _days(value: float) -> str:
    return f"{value:,.0f} days"


_DRIVERS = (  # label, LotChanges column, format: each compared as shown
    ("forecast", "forecast", expected_units),
    ("on hand", "on_hand", units),
    ("on order", "on_order", units),
    ("price", "unit_price", price),
    ("lead time", "lead_time", _days),
)
_SAME_SHOWN = ("forecast", "on hand", "on order")  # named when no driver moved


def change_rows(changed: pd.DataFrame) -> list[dict[str, str]]:
    """The changed lots (`warehouse.LotChanges.changed`) as rows of text: sku, change, before,
    after, order value (the change, signed), why (`change_drivers`)."""
    return [{
        "sku": str(r["sku"]),
        "change": str(r["kind"]),
        "before": _before(r),
        "after": lot_text(r["quantity_after"], r["supplier_id_after"]),
        "order value": f"{r['value_change']:+,.2f}",
        "why": change_drivers(r),
    } for r in changed.to_dict("records")]  # fmt: skip


def changes_text(changed: pd.DataFrame) -> str:
    """The changed lots as a table (`change_rows`), largest change in order value first."""
    rows = change_rows(changed)
    return left_aligned(rows, right=("order value",)) if rows else "  no lot changed"


def change_summary(
    changes: warehouse.LotChanges,
    shown: int = CHANGES_SHOWN,
    limits: str = "",
    keep_margin: float = KEEP_LOT_MARGIN,
) -> dict[str, Any]:
    """The run summary's `changes` (JSON-able): since (the night compared with, ISO; None:
    none), counts per kind and the `shown` largest changes as rows of text (`change_rows`),
    of a `warehouse.LotChanges`; `limits`: how the night compared with planned otherwise
    (`limits_unlike`); `keep_margin`: the run's."""
    if changes.previous_night is None:
        return {"since": None, "counts": None, "largest": []}
    return {"since": changes.previous_night.isoformat(), "counts": changes.counts,
            "kept": changes.kept, "keep_margin": keep_margin, "limits": limits,
            "largest": change_rows(changes.changed.head(shown))}  # fmt: skip


def changes_headline(changes: dict[str, Any]) -> str:
    """'since the night of 2026-12-05: 4 new lots, ...; 83 unchanged' of the run summary's
    `changes`, or that no earlier night has a plan to compare with."""
    if changes["since"] is None:
        return "none to show: no earlier night has a plan of all items to compare with"
    margin = changes.get("keep_margin", KEEP_LOT_MARGIN)  # a summary before 2026-12-07: none
    counts = change_counts(changes["counts"], changes.get("kept"), margin)
    limits = f" (planned with {changes['limits']})" if changes.get("limits") else ""
    return f"since the night of {changes['since']}{limits}: {counts}"


def since_texts(changes: warehouse.LotChanges | None) -> dict[str, str]:
    """Per sku the `since_text` of its lot, of a `warehouse.LotChanges` (None, or no earlier
    night: {}, and the review tables' `since` column is empty)."""
    if changes is None or changes.previous_night is None:
        return {}
    return {str(r["sku"]): since_text(r) for r in changes.lots.to_dict("records")}


def since_text(row: dict[str, Any]) -> str:
    """How a lot (a row of `warehouse.LotChanges.lots`) relates to the night before, short
    for the review tables: 'new', 'more (was 67)', 'fewer (was 220)', 'was 50 from S-108'
    (another supplier's lot), 'same', 'same (kept)' (kept over a slightly cheaper lot); beside
    a lot decided on the night before 'new (155 approved)', 'new (80 overridden)', 'new (100
    rejected)'."""
    kind, before = row["kind"], units(float(row["quantity_before"] or 0))
    decision = row.get("decision_before")
    if kind == "new" and isinstance(decision, str):
        if decision == "override":
            before = units(float(row["decided_quantity_before"]))
        return f"new ({before} {_DECIDED_WORDS[decision]})"
    if kind in ("more", "fewer", "dropped"):
        return f"{kind} (was {before})"
    if kind == "other supplier":  # the kind is in the supplier column: the table stays narrow
        return f"was {lot_text(row['quantity_before'], row['supplier_id_before'])}"
    if kind == "unchanged":
        return "same (kept)" if isinstance(row.get("kept_after"), str) else "same"
    return f"{kind} before" if kind in ("ordered", "rejected") else str(kind)


_DECIDED_WORDS = {"approve": "approved", "override": "overridden", "reject": "rejected"}
