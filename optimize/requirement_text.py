"""What a lot's reason says of the item's requirements (planners' dated known demand,
`Requirement`), and the figures its explanation keeps of them."""

from __future__ import annotations

from optimize.data import ItemProblem, Requirement
from optimize.evaluate import LotCost

SHOWN = 3  # requirements named in one sentence; then how many more
# a requirement needed now, due within this many days of a recent spike's day and of about its
# units, may be what the spike's order lines fulfilled: then both count the same units
MET_DAYS = 28


def counted_requirements(item: ItemProblem) -> list[dict]:
    """The item's requirements as JSON-able figures: requirement_id, due_date (ISO),
    quantity (units), due_period (0: now or overdue; at or past the horizon: not counted) and
    note."""
    return [
        {"requirement_id": r.requirement_id, "due_date": r.due_date.isoformat(),
         "quantity": r.quantity, "due_period": r.period, "note": r.note}
        for r in item.requirements
    ]  # fmt: skip


def requirements_text(item: ItemProblem, lot: LotCost, period: str) -> str:
    """' It includes 200 units required by PB-17 on 2027-03-01 (pilot build).' for a lot:
    the requirements due from its arrival on, in due order, as far as its quantity goes; those
    after them with the later orders the plan counts on; those due before it arrives, or all
    of them for no order, with what covers them (' 50 units required by SC-3 on 2026-12-10:
    stock 80 and open orders 0 due by week 1 hold enough for them.'); then those after the
    horizon (not counted). '' for an item without requirements. `period`: 'week', 'month'."""
    inside = [r for r in item.requirements if r.period < item.horizon]
    arrival = item.offer(lot.supplier_id).lead_time if lot.quantity else item.horizon
    after = [r for r in inside if r.period >= arrival]
    before = [r for r in inside if r.period < arrival]
    held = _within(after, lot.quantity)
    text = f" It includes {_named(held)}." if held else ""
    if rest := after[len(held) :]:
        text += f" {_capital(_named(rest))}: {_later(item, lot, period)}."
    if before:
        text += f" {_capital(_named(before))}: {_cover(item, lot, before, period)}."
    return text + _outside(item, period)


def _within(requirements: list[Requirement], units: int) -> list[Requirement]:
    """The first of `requirements` whose units add up to at most `units`."""
    held, total = [], 0
    for r in requirements:
        total += r.quantity
        if total > units:
            break
        held.append(r)
    return held


def _later(item: ItemProblem, lot: LotCost, period: str) -> str:
    """Who covers requirements after the lot's units: the later orders the plan counts on."""
    if lot.replenished_from < item.horizon:
        return (
            f"beyond the lot, the plan counts on later orders from {lot.later_supplier_id} "
            f"(from {period} {lot.replenished_from + 1})"
        )
    return "beyond the lot's own units: the stock left with it counts for them"


def _named(requirements: list[Requirement]) -> str:
    """'200 units required by PB-17 on 2027-03-01 (pilot build) and 50 ...' (SHOWN of them)."""
    named = [
        f"{r.quantity:,} units required by {r.requirement_id} on {r.due_date.isoformat()}"
        + (f" ({r.note})" if r.note else "")
        for r in requirements[:SHOWN]
    ]
    more = len(requirements) - SHOWN
    named += [f"{more} more requirement{'s' if more > 1 else ''}"] if more > 0 else []
    return ", ".join(named[:-1]) + (" and " if len(named) > 1 else "") + named[-1]


def _cover(item: ItemProblem, lot: LotCost, requirements: list[Requirement], period: str) -> str:
    """Whether the stock and the open orders due by the last of `requirements` hold their
    units (the forecast demand of those periods aside), and if not, whether the order the
    plan counts on at the next review arrives by then."""
    last = max(r.period for r in requirements)
    incoming = int(item.base_arrivals[: last + 1].sum())
    needed = sum(r.quantity for r in requirements)
    held = f"stock {item.on_hand:,} and open orders {incoming:,} due by {period} {last + 1}"
    if item.on_hand + incoming >= needed:
        return f"{held} hold enough for them"
    short = f"{held} fall {needed - item.on_hand - incoming:,} units short of them"
    if lot.replenished_from > last:
        return short
    return (
        f"{short}; the plan counts on an order from {lot.later_supplier_id} placed at the next "
        f"review (arriving in {period} {lot.replenished_from + 1}) for the rest"
    )


def _outside(item: ItemProblem, period: str) -> str:
    """' Not counted: PB-30 (200 units on 2027-09-01), due after the 13-week horizon.'"""
    late = [r for r in item.requirements if r.period >= item.horizon]
    if not late:
        return ""
    named = ", ".join(
        f"{r.requirement_id} ({r.quantity:,} units on {r.due_date.isoformat()})" for r in late
    )
    return f" Not counted: {named}, due after the {item.horizon}-{period} horizon."


def met_requirement_text(item: ItemProblem, period: str) -> str:
    """' Requirement PB-17 (150 units due 2026-12-01) counts as needed now, but the recent
    week of 161 units may be it, met: ...' for an item with a `recent_spike` and a requirement
    needed now (period 0) due within MET_DAYS of the spike's day, of half to twice its units
    ('' otherwise; `period`: 'week', 'month'): a met requirement left in requirements.csv is
    bought a second time, on top of a forecast that learns its order lines."""
    spike = item.recent_spike
    if spike is None:
        return ""
    day, size = spike.order_date or spike.period_start, spike.day_units or spike.quantity
    near = [
        r
        for r in item.requirements
        if r.period == 0
        and abs((r.due_date - day).days) <= MET_DAYS
        and size / 2 <= r.quantity <= 2 * size
    ]
    if not near:
        return ""
    r = min(near, key=lambda r: (abs(r.quantity - size), r.due_date, r.requirement_id))
    return (
        f" Requirement {r.requirement_id} ({r.quantity:,} units due {r.due_date.isoformat()}) "
        f"counts as needed now, but the recent {period} of {spike.quantity:,.0f} "
        f"units may be it, met: if so, drop {r.requirement_id} from requirements.csv (or its "
        "units are bought a second time) and mark the day as a one-off."
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
