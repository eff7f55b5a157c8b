"""Why a lot was chosen: an explanation dict and one sentence for the planner.

`savings` is the discount saving of the lot: its purchase cost at the supplier's first-tier
(base) price minus what it costs with the tier reached (0 for no order). The expected-cost
comparison with the smallest feasible lot of the same supplier (for no order: the best smallest
lot of any supplier) is kept as `versus_smallest_lot`; an order's comparison with no order as
`versus_no_order`. Stockout risk is split into the
unavoidable part (stock runs out before any lot ordered now can arrive) and the part this
decision changes (a unit lost from the earliest arrival on). The next tier is the smallest
feasible lot reaching the next price break of the chosen supplier. Numbers in the reason are
written for a buyer: money with thousands separators and 2 decimals, whole units, percentages."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from optimize.data import ItemProblem, Offer, RecentSpike
from optimize.evaluate import LotCost, LotCosts, earliest_arrival, evaluate_plan
from optimize.requirement_text import counted_requirements, requirements_text

# obsolescence (probability that leftover stock is never used) from which a reason gives what
# the plan values the leftover at, beside its cost: phase_out's 50%, an end of life's 100%
SALVAGE_NAMED = 0.5


@dataclass(frozen=True)
class Usage:
    """What the chosen plan uses of each limit, and the limits (None = no limit);
    `short_together`: the limits that could not take every item's best lot alone at once (each
    cut item may fit in what is left, but not all of them); `order_cost`: supplier_id -> its
    cost per purchase order (those above 0), `placed`: the purchase orders the plan places
    with them (plan.purchase_orders: supplier_id -> order_cost, lots; with a min_order_value
    also it and the order's purchase value); `minimum`: supplier_id -> its min_order_value
    (those above 0), `worth`: per such supplier, the purchase cost of the items' best lots
    alone (least expected cost) that are from it."""

    budget: float
    capacity: float
    orders: int
    budget_limit: float | None
    capacity_limit: float | None
    orders_limit: int | None
    short_together: tuple[str, ...] = ()
    order_cost: dict = field(default_factory=dict)
    placed: dict = field(default_factory=dict)
    minimum: dict = field(default_factory=dict)
    worth: dict = field(default_factory=dict)


def explain(
    item: ItemProblem, lots: LotCosts, chosen: int, usage: Usage, kept: float | None = None
) -> tuple[str, dict]:
    """(reason, explanation) for candidate `chosen` of the item; `kept`: the keep margin when
    `chosen` is the night before's lot, kept while nearly as good (`plan(previous=...)`)."""
    lot = lots.lot(chosen)
    best = lots.lot(int(np.argmin(lots.expected_cost)))
    moved = (best.supplier_id, best.quantity) != (lot.supplier_id, lot.quantity)
    blocking = _blocking_limits(item, lot, best, usage) if moved else []
    # the best lot alone needs a purchase order no other lot of the plan shares
    alone = moved and not blocking and best.quantity > 0 and _unplaced(best, usage)
    explanation = _explanation(item, lot, best, blocking, usage, alone)
    if kept is not None and moved and not blocking and not alone:
        explanation["kept"] = _brief(best) | {
            "expected_cost_difference": lot.expected_cost - best.expected_cost,
            "margin": kept,
        }
    if lot.quantity:
        reason = _ordered(item, lots, lot, best, blocking, usage, alone, explanation)
    else:
        reason = _not_ordered(item, lots, lot, best, blocking, usage, alone, explanation)
    reason += open_order_risk(item) + requirements_text(item, lot, period_word(item))
    return reason, explanation


def _kept_text(explanation: dict) -> str:
    """'85 from S-106 would cost 0.61 less in expectation, within 0.2% of the item's expected
    cost' of a lot kept from the night before (explanation["kept"])."""
    kept = explanation["kept"]
    other = f"{units(kept['quantity'])} from {kept['supplier_id']}" if kept["quantity"] else (
        "no order"
    )  # fmt: skip
    return (
        f"{other} would cost {money(kept['expected_cost_difference'])} less in expectation, "
        f"within {margin_share(kept['margin'])} of the item's expected cost"
    )


def _explanation(
    item: ItemProblem, lot: LotCost, best: LotCost, blocking: list, usage: Usage, alone: bool
) -> dict:
    """The figures of the lot that every explanation holds (JSON-able)."""
    fastest = fastest_offer(item)
    return {
        "supplier_id": lot.supplier_id,
        "quantity": lot.quantity,
        "unit_price": lot.unit_price if lot.quantity else None,
        "tier_min_qty": lot.tier_min_qty,
        "base_unit_price": None,
        "savings": 0.0,
        "stockout_risk": lot.stockout_risk,
        "stockout_risk_unavoidable": lot.stockout_risk_unavoidable,
        "stockout_risk_decided": lot.stockout_risk_decided,
        "fill_rate_decided": lot.fill_rate_decided,
        "earliest_arrival_period": earliest_arrival(item),
        "on_hand": item.on_hand,
        "open_orders": counted_orders(item),
        "requirements": counted_requirements(item),
        "horizon_periods": item.horizon,
        "period": period_word(item),
        "shortest_lead_time_periods": fastest.lead_time,  # not clipped
        # the offer it is of: a note on items whose lots cannot arrive names the slow supplier
        "shortest_lead_time_offer": {
            "supplier_id": fastest.supplier_id,
            "lead_time_days": fastest.lead_time_days,
            "lead_time_table": fastest.lead_time_table,  # where a planner checks it
        },
        # the offer later orders are priced with and the first period they can serve
        "later_orders": {"supplier_id": lot.later_supplier_id, "from_period": lot.replenished_from},
        "recent_spike": _spike(item),
        "expected_lost": lot.expected_lost,
        "expected_replenished": lot.expected_replenished,
        "expected_leftover": lot.expected_leftover,
        "leftover_value": lot.leftover_value,
        "cost": {
            "purchase": lot.purchase_cost,
            "fixed": lot.fixed_cost,
            "holding": lot.holding_cost,
            "stockout": lot.stockout_cost,
            "replenish": lot.replenish_cost,
            "leftover_credit": -lot.leftover_credit,
            "expected": lot.expected_cost,
        },
        "limits": blocking,
        "best_without_limits": None if not blocking else _brief(best),
        "order": _order(lot, usage),
        "best_without_order_cost": _held(best, usage) if alone else None,
    }


def _ordered(
    item: ItemProblem,
    lots: LotCosts,
    lot: LotCost,
    best: LotCost,
    blocking: list,
    usage: Usage,
    alone: bool,
    explanation: dict,
) -> str:
    """The reason of a lot to order; adds its comparisons to `explanation`."""
    offer = item.offer(lot.supplier_id)
    smallest = _lot_of(item, lots, lot.supplier_id, offer.smallest_lot)
    base_price = offer.price_breaks[0].unit_price
    explanation["base_unit_price"] = base_price
    explanation["savings"] = base_price * lot.quantity - lot.purchase_cost
    explanation["versus_smallest_lot"] = _versus(smallest, lot)
    none = lots.lot(int(np.flatnonzero(lots.quantity == 0)[0]))
    explanation["versus_no_order"] = {
        "expected_cost": none.expected_cost,
        "expected_cost_difference": none.expected_cost - lot.expected_cost,
        "expected_replenished": none.expected_replenished,
        "later_orders": {
            "supplier_id": none.later_supplier_id,
            "from_period": none.replenished_from,
        },
    }
    explanation["next_tier"] = _next_tier(item, lots, lot)
    reason = _order_reason(item, lot, smallest, blocking, best, explanation, none)
    reason = reason.rstrip(".") + _shares(explanation["order"]) + _raised(lot, best, usage) + "."
    if alone:
        reason += (
            f" Not {units(best.quantity)} from {best.supplier_id}, "
            f"{money(lot.expected_cost - best.expected_cost)} cheaper in expectation on its "
            f"own: {_needs(best, usage)}."
        )
    if "kept" in explanation:
        reason += f" Kept from the night before: {_kept_text(explanation)}."
    return reason


def _not_ordered(
    item: ItemProblem,
    lots: LotCosts,
    lot: LotCost,
    best: LotCost,
    blocking: list,
    usage: Usage,
    alone: bool,
    explanation: dict,
) -> str:
    """The reason of no order; adds its comparison to `explanation`."""
    smallest = min(
        (_lot_of(item, lots, o.supplier_id, o.smallest_lot) for o in item.offers),
        key=lambda c: c.expected_cost,
    )
    explanation["versus_smallest_lot"] = _versus(smallest, lot)
    explanation["next_tier"] = None
    if alone and best.supplier_id in usage.minimum:
        return (
            f"No order: {_needs(best, usage)} (ordering {units(best.quantity)} from "
            f"{best.supplier_id} alone would cost {money(lot.expected_cost - best.expected_cost)}"
            f" less in expectation; {_risk_text(item, lot)})."
        )
    if alone:
        return (
            f"No order: ordering {units(best.quantity)} from {best.supplier_id} would cost "
            f"{money(lot.expected_cost - best.expected_cost)} less in expectation, but "
            f"{_needs(best, usage)} ({_risk_text(item, lot)})."
        )
    if "kept" in explanation:
        return (
            f"No order, kept from the night before: ordering {_kept_text(explanation)} "
            f"({_risk_text(item, lot)})."
        )
    return _no_order_reason(item, lot, blocking, best)


def _order(lot: LotCost, usage: Usage) -> dict | None:
    """The purchase order the lot is on, if its supplier has an order_cost: supplier_id,
    order_cost (currency, once for the order) and the lots on it tonight; None otherwise."""
    placed = usage.placed.get(lot.supplier_id)
    if not lot.quantity or placed is None:
        return None
    return {"supplier_id": lot.supplier_id} | placed


def _shares(order: dict | None) -> str:
    """'; shares S2's order_cost 120.00 with 3 other lots tonight' ('' without one)."""
    if order is None or not order["order_cost"]:
        return ""
    cost = f"{order['supplier_id']}'s order_cost {money(order['order_cost'])}"
    others = order["lots"] - 1
    if not others:
        return f"; pays {cost} alone (no other lot from {order['supplier_id']} tonight)"
    return f"; shares {cost} with {others} other lot{'s' if others > 1 else ''} tonight"


def _raised(lot: LotCost, best: LotCost, usage: Usage) -> str:
    """'; raised from its best lot alone (no order) to reach S2's min_order_value 250.00 per
    purchase order (the lots from S2 tonight add up to 262.00)' if the lot is from a supplier
    with a min_order_value whose order would stay below it with the item's best lot alone
    instead ('' otherwise)."""
    order = usage.placed.get(lot.supplier_id) or {}
    if "min_order_value" not in order or (best.supplier_id, best.quantity) == (
        lot.supplier_id,
        lot.quantity,
    ):
        return ""
    instead = best.purchase_cost if best.supplier_id == lot.supplier_id else 0.0
    if order["purchase"] - lot.purchase_cost + instead >= order["min_order_value"] - 1e-6:
        return ""
    alone = "no order" if not best.quantity else f"{units(best.quantity)} from {best.supplier_id}"
    return (
        f"; raised from its best lot alone ({alone}) to reach {lot.supplier_id}'s "
        f"min_order_value {money(order['min_order_value'])} per purchase order (the lots from "
        f"{lot.supplier_id} tonight add up to {money(order['purchase'])})"
    )


def _held(best: LotCost, usage: Usage) -> dict:
    """The best lot a purchase order kept back, with `held_by`: min_order_value if its
    supplier has one (the lots worth ordering do not reach or pay for it), else order_cost (no
    other lot shares the order)."""
    cause = "min_order_value" if best.supplier_id in usage.minimum else "order_cost"
    return _brief(best) | {"held_by": cause}


def _unplaced(lot: LotCost, usage: Usage) -> bool:
    """True if the lot's supplier has an order_cost or a min_order_value and the plan places
    no order with it."""
    supplier = lot.supplier_id
    return (supplier in usage.order_cost or supplier in usage.minimum) and (
        supplier not in usage.placed
    )


def _needs(lot: LotCost, usage: Usage) -> str:
    """'that needs a purchase order with S2 (order_cost 120.00) that no other lot shares
    tonight'; for a supplier with a min_order_value "S2's min_order_value 250.00 per purchase
    order; the lots worth ordering from S2 tonight add up to 84.00"."""
    supplier = lot.supplier_id
    if supplier in usage.minimum:
        minimum, worth = usage.minimum[supplier], usage.worth.get(supplier, 0.0)
        cost = usage.order_cost.get(supplier)
        also = f" (and its order_cost {money(cost)})" if cost else ""
        why = (
            f"the lots worth ordering from {supplier} tonight add up to {money(worth)}"
            if worth < minimum - 1e-6
            else f"the lots worth ordering from {supplier} tonight ({money(worth)}) do not pay "
            "for it together"
        )
        return f"{supplier}'s min_order_value {money(minimum)} per purchase order{also}; {why}"
    cost = money(usage.order_cost[lot.supplier_id])
    return (
        f"that needs a purchase order with {lot.supplier_id} (order_cost {cost}) that no other "
        "lot shares tonight"
    )


def counted_orders(item: ItemProblem) -> list[dict]:
    """The open orders the plan counted: po_id (None: not known), due_period (0: now or
    overdue; at or past the horizon: outside the decision), quantity (units); of a supplier
    known to suppliers also supplier_id, on_time_rate and reject_rate, by which the plan
    counts the order late or short (`ItemProblem.scenario_arrivals`)."""
    ids = item.open_order_ids or (None,) * len(item.open_orders)
    suppliers = item.open_order_suppliers or (None,) * len(item.open_orders)
    counted = []
    for (due, qty), po_id, supplier in zip(item.open_orders, ids, suppliers, strict=True):
        order = {"po_id": po_id, "due_period": due, "quantity": qty}
        if supplier is not None:
            order |= {"supplier_id": supplier.supplier_id, "on_time_rate": supplier.on_time_rate,
                      "reject_rate": supplier.reject_rate}  # fmt: skip
        counted.append(order)
    return counted


def open_order_risk(item: ItemProblem) -> str:
    """' Open orders count as their suppliers deliver: PO-1 from S-3 on time 60%, 0.4%
    rejected.' (one decimal: `share`; '<1%' said nothing of 0.4%) for the open orders inside
    the horizon that may come late (not overdue) or short ('' for none): the plan counts
    them so, and a planner reading 'open orders 80' would not know."""
    ids = item.open_order_ids or (None,) * len(item.open_orders)
    named = []
    for k in item.uncertain_order_indices():
        due, po_id, s = item.open_orders[k][0], ids[k], item.open_order_suppliers[k]
        assert s is not None  # an order of an unknown supplier is certain
        terms = [f"on time {share(s.on_time_rate)}"] if due > 0 and s.on_time_rate < 1 else []
        terms += [f"{share(s.reject_rate)} rejected"] if s.reject_rate > 0 else []
        named.append(f"{po_id or 'one'} from {s.supplier_id} {', '.join(terms)}")
    if not named:
        return ""
    shown = "; ".join(named[:3]) + ("; ..." if len(named) > 3 else "")
    if len(named) > 1:
        return f" Open orders count as their suppliers deliver: {shown}."
    return f" The open order counts as its supplier delivers: {shown}."


def _spike(item: ItemProblem) -> dict | None:
    """The item's `recent_spike` as JSON-able figures (None: none)."""
    spike = item.recent_spike
    if spike is None:
        return None
    return {
        "period_start": spike.period_start.isoformat(),
        "quantity": spike.quantity,
        "usual": spike.usual,
        "other_demands": spike.other_demands,
        "order_date": spike.order_date and spike.order_date.isoformat(),
        "day_units": spike.day_units,
    }


def recent_spike_text(item: ItemProblem) -> str:
    """'The forecast rests on one recent week of 161 units (starting 2026-11-30), 36x the
    item's usual 4.5 (the median of its 20 other weeks with demand): check it is not a one-off
    before approving.' for an item with a `recent_spike` ('' without one): its lot went from
    none to 79 units on that one week, and the reason said nothing of it. With the spike's
    `mark_command` it goes on with how to leave it out: '...: check it is not a one-off before
    approving; if it is, leave the 161 units ordered on 2026-12-01 out of the forecasts: reorder
    review one-off --db /srv/wh.duckdb P-84518 2026-12-01'."""
    spike = item.recent_spike
    if spike is None:
        return ""
    word = period_word(item)
    usual = size_text(spike.usual)
    others = f"{spike.other_demands:,} other {word}{'' if spike.other_demands == 1 else 's'}"
    return (
        f"The forecast rests on one recent {word} of {units(spike.quantity)} units (starting "
        f"{spike.period_start.isoformat()}), {spike.quantity / spike.usual:,.0f}x the item's "
        f"usual {usual} (the median of its {others} with demand): check it is not a one-off "
        f"before approving{_mark_text(spike)}"
    )


def size_text(units: float) -> str:
    """4.5, 7: a demand size (units) to one decimal, none when whole."""
    return f"{units:,.1f}".removesuffix(".0")


def _mark_text(spike: RecentSpike) -> str:
    """'; if it is, leave the 161 units ordered on 2026-12-01 out of the forecasts: <command>'
    for a spike with a `mark_command`, else '.' (the end of `recent_spike_text`)."""
    if not spike.mark_command or spike.order_date is None or spike.day_units is None:
        return "."
    return (
        f"; if it is, leave the {units(spike.day_units)} units ordered on "
        f"{spike.order_date.isoformat()} out of the forecasts: {spike.mark_command}"
    )


def money(value: float) -> str:
    """Currency for a buyer: thousands separators, 2 decimals."""
    return f"{value:,.2f}"


def price(value: float) -> str:
    """A unit price: like `money`, but with 3 significant digits below 0.1 (0.003, not 0.00)."""
    if 0 < abs(value) < 0.1:
        return np.format_float_positional(value, precision=3, fractional=False)
    return money(value)


def units(value: float) -> str:
    """Whole units with thousands separators."""
    return f"{round(value):,}"


def periods_short(explanation: dict) -> int:
    """By how many periods the horizon falls short of the item's earliest possible arrival
    (a lot arriving in period L needs L + 1 periods); 0 or less: a lot can arrive within it.
    From an explanation as `explain` writes it (before 2026-12-06 the lead time's key was
    `shortest_lead_time`; older ones without the keys: 0)."""
    lead_time = explanation.get("shortest_lead_time_periods", explanation.get("shortest_lead_time"))
    return (lead_time or 0) - explanation.get("horizon_periods", 1) + 1


def expected_units(value: float) -> str:
    """An expected number of units: one decimal below 10 ('0.4', not '0' next to a value of
    405.06), whole units with thousands separators above."""
    return f"{value:.1f}" if value < 9.95 else units(value)


def few_units(value: float) -> str:
    """`expected_units` with the word: '0.4 units'."""
    return f"{expected_units(value)} units"


def share(value: float, short: bool = False) -> str:
    """A service level as a percent with one decimal, so 89.6% does not read as 90%; `short`:
    a level that falls short of a target, rounded down so 98.96% does not read as 99%."""
    percent = math.floor(1000 * value + 1e-9) / 10 if short else round(100 * value, 1)
    return f"{percent:.1f}".removesuffix(".0") + "%"


def margin_share(value: float) -> str:
    """A keep margin as a percent, as exact as it was set: 0.002 '0.2%', 0.0005 '0.05%', 0.05
    '5%' (one decimal read 0.0005 as '0.1%' and 0.0001 as '0.0%')."""
    return f"{round(100 * value, 4):g}%"


def percent(value: float) -> str:
    """A probability as a whole percent (below 1% but above 0: '<1%')."""
    if 0 < value < 0.005:
        return "<1%"
    return f"{value:.0%}"


def period_word(item: ItemProblem) -> str:
    """'week', 'month' or 'period', from the length of a planning period."""
    days = item.period_years * 365.25
    if abs(days - 7) < 0.5:
        return "week"
    if 28 <= days <= 31:
        return "month"
    return "period"


def _versus(smallest: LotCost, lot: LotCost) -> dict:
    return {
        "supplier_id": smallest.supplier_id,
        "quantity": smallest.quantity,
        "expected_cost": smallest.expected_cost,
        "expected_cost_difference": smallest.expected_cost - lot.expected_cost,
    }


def _order_reason(
    item: ItemProblem,
    lot: LotCost,
    smallest: LotCost,
    blocking: list[str],
    best: LotCost,
    explanation: dict,
    none: LotCost,
) -> str:
    head = (
        f"Order {units(lot.quantity)} from {lot.supplier_id} at {price(lot.unit_price)}/unit "
        f"(tier ≥ {units(lot.tier_min_qty)}){_arrives(item, lot)}"
    )
    saving = explanation["savings"]
    if saving > 0.005:
        head += (
            f", saving {money(saving)} on the base price {price(explanation['base_unit_price'])}"
        )
    diff = smallest.expected_cost - lot.expected_cost
    if lot.quantity == smallest.quantity:
        versus = "the smallest feasible lot"
    elif diff >= 0:
        versus = f"expected cost {money(diff)} below the smallest lot of {units(smallest.quantity)}"
    else:
        versus = (
            f"expected cost {money(-diff)} above the smallest lot of {units(smallest.quantity)}"
        )
    versus += _target_text(item, lot, best, blocking)
    tail = (
        f"expected leftover {few_units(lot.expected_leftover)} "
        f"({leftover_text(item, lot)}); {_risk_text(item, lot)}."
    )
    limited = ""
    if blocking:
        limited = f" Held back by the {' and '.join(blocking)} limit{_s(blocking)}"
        limited += f" (best alone: {units(best.quantity)} from {best.supplier_id})."
    return f"{head}: {versus}; {tail}{_bridge(item, lot, none)}{limited}"


def leftover_text(item: ItemProblem, lot: LotCost) -> str:
    """'726.42 at cost': the book value of the expected leftover (currency); for an item whose
    leftover is likely never used (`obsolescence` at least SALVAGE_NAMED: an end of life
    within the horizon, phase_out) also what the plan values it at, its leftover credit:
    '726.42 at cost; the plan values it at 178.81: salvage value 46.05/unit after its end of
    life 2027-01-04'. The reason gave only '(726.42)' where the decision had priced those
    units at their salvage value."""
    at_cost = f"{money(lot.leftover_value)} at cost"
    if item.obsolescence < SALVAGE_NAMED or lot.expected_leftover <= 0:
        return at_cost
    salvage = f"salvage value {price(item.salvage_value)}/unit"
    if item.obsolescence >= 1 and item.end_of_life is not None:
        why = f"{salvage} after its end of life {item.end_of_life.isoformat()}"
    else:
        why = f"{salvage} in the {percent(item.obsolescence)} of cases it is never used"
    return f"{at_cost}; the plan values it at {money(lot.leftover_credit)}: {why}"


def _lead_time(item: ItemProblem, lot: LotCost) -> int:
    """The lot's lead time, periods: its supplier's offer for the item."""
    return min(o.lead_time for o in item.offers if o.supplier_id == lot.supplier_id)


def _arrives(item: ItemProblem, lot: LotCost) -> str:
    """', arriving in week 10' (on time): the risk text counts from the earliest arrival of
    any offer, which a slower supplier's lot does not share."""
    lead = _lead_time(item, lot)
    if lead >= item.horizon:
        return ", arriving after the horizon"
    return f", arriving in {period_word(item)} {lead + 1}"


def _bridge(item: ItemProblem, lot: LotCost, none: LotCost) -> str:
    """' Until it arrives, the plan counts on an order from S-106 placed at the next review
    (arriving in week 4): stock 258 runs out before week 10 in 61% of scenarios; open orders
    80 arrive in week 10. Without it, later orders would buy 101 units (from S-106 at
    168.66/unit), with it 63: expected cost 127.56 below no order.' for a lot that arrives
    after a later order of another supplier could, when stock runs short before it: its risks
    are those of the plan with that order, which the planner has to place ('' if not); `none`:
    the item's no-order candidate. Stock that runs out before the lot arrives leaves nothing
    for the periods after it, open orders arriving with it do: 258 on hand and 80 on order
    ordered 80 more where 198 and 140 ordered none, and the reason named neither the open
    order nor what the lot replaces."""
    lead = _lead_time(item, lot)
    arrival = min(lead, item.horizon)
    if lot.replenished_from >= arrival:
        return ""
    stock_by = item.on_hand + np.cumsum(item.scenario_arrivals()[..., :arrival], axis=-1)
    short = float((stock_by < np.cumsum(item.scenarios[:, :arrival], axis=1)).any(axis=1).mean())
    if short <= 0:
        return ""
    stock, s = _stock(item, before=arrival)
    word = period_word(item)
    when = f"{word} {arrival + 1}" if lead < item.horizon else "the horizon ends"
    chance = "" if short >= 0.995 else f" in {percent(short)} of scenarios"
    return (
        f" Until it arrives, the plan counts on an order from {lot.later_supplier_id} placed at "
        f"the next review (arriving in {word} {lot.replenished_from + 1}): {stock} "
        f"{f'run{s} out' if s else 'fall short'} before {when}{chance}"
        f"{_arriving_from(item, arrival)}.{_replaces(lot, none)}"
    )


def _arriving_from(item: ItemProblem, period: int) -> str:
    """'; open orders 80 arrive in week 10' ('... from week 10' when they come in several
    periods): the open orders that arrive in `period` or later within the horizon ('' none)."""
    later = item.base_arrivals[period:]
    if not later.sum():
        return ""
    first = period + np.flatnonzero(later)
    when = "in" if len(first) == 1 else "from"
    return (
        f"; open orders {units(int(later.sum()))} arrive {when} {period_word(item)} {first[0] + 1}"
    )


def _replaces(lot: LotCost, none: LotCost) -> str:
    """' Without it, later orders would buy 101 units (from S-106 at 168.66/unit), with it 63:
    expected cost 127.56 below no order.': what the lot buys instead of later orders ('' when
    it replaces none of their units)."""
    if none.expected_replenished - lot.expected_replenished < 0.5:
        return ""
    unit_cost = none.replenish_cost / none.expected_replenished
    diff = none.expected_cost - lot.expected_cost
    side = "below" if diff >= 0 else "above"
    return (
        f" Without it, later orders would buy {expected_units(none.expected_replenished)} units "
        f"(from {none.later_supplier_id} at {price(unit_cost)}/unit), with it "
        f"{expected_units(lot.expected_replenished)}: expected cost {money(abs(diff))} {side} "
        "no order."
    )


def _target_text(item: ItemProblem, lot: LotCost, best: LotCost, blocking: list[str]) -> str:
    """With a min_service_level: the fill the lot decides, and when the target is what makes
    it dearer than the cheapest lot, that it is the cheapest lot meeting the target (a
    planner's 7-unit lot of a part that sold 5 in 5 years read only "expected cost 4,399.73
    above the smallest lot")."""
    target = item.min_service_level
    if target is None:
        return ""
    serves = f"serves {share(lot.fill_rate_decided, short=True)} of the demand it decides"
    cheaper = (best.supplier_id, best.quantity) != (lot.supplier_id, lot.quantity)
    meets = lot.fill_rate_decided >= target - 1e-12  # a relaxed plan's lot may miss it
    if meets and cheaper and not blocking and best.fill_rate_decided < target - 1e-12:
        of_all = f"{units(best.quantity)} from {best.supplier_id}" if best.quantity else "no order"
        return (
            f"; the cheapest lot that meets the service level {share(target)} ({serves}; the "
            f"cheapest of all, {of_all}, serves {share(best.fill_rate_decided, short=True)})"
        )
    return f"; it {serves} (service level {share(target)})"


def _stock(item: ItemProblem, before: int | None = None) -> tuple[str, str]:
    """("stock N[ and open orders M]", the verb ending that agrees with it: "s" or ""); open
    orders counted from a period before `before` only (None: all within the horizon)."""
    incoming = int(item.base_arrivals[:before].sum())
    if incoming:
        return f"stock {units(item.on_hand)} and open orders {units(incoming)}", ""
    return f"stock {units(item.on_hand)}", "s"


def _later_orders(item: ItemProblem) -> str:
    """'; open orders 100 arrive from week 3': the open orders that come when a lot ordered
    now could, or later (none: "")."""
    arrival = earliest_arrival(item)
    later = item.base_arrivals[arrival:]
    if not later.sum():
        return ""
    first = arrival + int(np.flatnonzero(later)[0])
    return f"; open orders {units(int(later.sum()))} arrive from {period_word(item)} {first + 1}"


def _risk_text(item: ItemProblem, lot: LotCost) -> str:
    """Stockout risk, split into the part no order placed now can avoid and the rest."""
    unavoidable, decided = lot.stockout_risk_unavoidable, lot.stockout_risk_decided
    if unavoidable <= 0:
        return f"stockout risk {percent(lot.stockout_risk)}"
    arrival = earliest_arrival(item)
    # only the open orders that come before a lot ordered now could (all without such a lot)
    stock, s = _stock(item, before=arrival if arrival < item.horizon else None)
    # open orders may come after the stockout: they fall short in time, they do not run out
    out = f"run{s} out" if s else "fall short"
    when = f"{period_word(item)} {arrival + 1}"
    if arrival >= item.horizon:  # no lot ordered now arrives: "before week 7" of 6 is wrong
        lasts = (
            f"{stock} {out} within the {item.horizon}-{period_word(item)} horizon in "
            f"{percent(unavoidable)} of scenarios"
        )
    elif unavoidable >= 0.995:
        lasts = f"{stock} {out} before a lot ordered now can arrive in {when}"
    else:
        lasts = (
            f"{stock} {out} before a lot ordered now can arrive in {when} "
            f"in {percent(unavoidable)} of scenarios"
        )
    # of no order, the risk after the earliest arrival is what ordering nothing leaves
    what = "this order decides" if lot.quantity else "from then on without an order"
    return f"{lasts} (unavoidable); stockout risk {what} {percent(decided)}"


def fastest_offer(item: ItemProblem) -> Offer:
    """The item's offer with the shortest lead time (periods, then days, then supplier_id)."""
    return min(item.offers, key=lambda o: (o.lead_time, o.lead_time_days or 0, o.supplier_id))


def lead_time_text(days: float | None, periods: int, period: str) -> str:
    """'400 days' as the input row gives it; '58 weeks' (of `period`) when the days are
    not known."""
    if days is None:
        return f"{periods:,} {period}{'' if periods == 1 else 's'}"
    shown = f"{days:,.0f}" if float(days).is_integer() else f"{days:,g}"
    return f"{shown} day{'' if days == 1 else 's'}"


def _beyond_horizon(item: ItemProblem) -> str:
    """'a lot ordered now cannot arrive within the horizon (13 weeks): the fastest offer,
    S-111, takes 400 days': the supplier whose lead_time a planner checks (' by its lead_time
    in supplier_items' when the item's row there gives the offer's lead time)."""
    period, fastest = period_word(item), fastest_offer(item)
    horizon = f"{item.horizon} {period}{'' if item.horizon == 1 else 's'}"
    takes = lead_time_text(fastest.lead_time_days, fastest.lead_time, period)
    if fastest.lead_time_table != "suppliers":
        takes += f" by its lead_time in {fastest.lead_time_table}"
    return (
        f"a lot ordered now cannot arrive within the horizon ({horizon}): the fastest offer, "
        f"{fastest.supplier_id}, takes {takes}"
    )


def _no_order_reason(item: ItemProblem, lot: LotCost, blocking: list[str], best: LotCost) -> str:
    risk = _risk_text(item, lot)
    if blocking:
        return (
            f"No order: {' and '.join(blocking)} limit{_s(blocking)} "
            f"(best alone: {units(best.quantity)} from {best.supplier_id}; {risk})."
        )
    if earliest_arrival(item) >= item.horizon:  # whatever the risks: no lot can help
        return f"No order: {_beyond_horizon(item)} ({risk})."
    if (ended := _ended(item)) is not None:  # whatever the risks: no lot can serve demand
        return f"No order: {ended} ({risk})."
    if item.no_forecast:  # zeros for want of a forecast: "little demand expected" is untrue
        return f"No order: no forecast: {item.no_forecast} ({risk})."
    stock, s = _stock(item)
    # the risk text names the stock itself (with the open orders that come before any lot
    # could) when it runs out before any lot could arrive; the later orders are named after it
    detail = f"{risk}{_later_orders(item)}" if risk.startswith("stock ") else f"{stock}; {risk}"
    saving = lot.expected_cost - best.expected_cost
    if best.quantity and saving > 1e-6:  # the solver stopped within its optimality gap
        return (
            f"No order: ordering {units(best.quantity)} from {best.supplier_id} would cost "
            f"{money(saving)} less in expectation, within the plan's optimality gap "
            f"({detail})."
        )
    early = lot.stockout_risk_unavoidable > 0.1  # stock runs out before any lot could arrive
    # "stock covers" only where it does: not when 10% unavoidable and 10% decided add up
    if lot.stockout_risk_decided <= 0.1 and (early or lot.stockout_risk <= 0.1):
        until = lot.replenished_from
        if _nothing_left(item, lot):  # "stock 0 covers the demand" with a 3% risk, too
            return _little_demand_reason(item, until, risk)
        if until < item.horizon:
            span = f"the demand{_until(item, until)}"
        else:
            span = "the rest of the horizon" if early else "the horizon"
        if early:
            return (f"No order: from the earliest arrival of a lot ordered now, {stock} "
                    f"cover{s} {span} ({risk}).")  # fmt: skip
        return f"No order: {stock} cover{s} {span} ({risk})."
    avoids = (
        f"an order would cost more than the shortages it avoids{_until(item, lot.replenished_from)}"
    )
    return f"No order: {avoids} ({detail})."


def _ended(item: ItemProblem) -> str | None:
    """Why no lot can serve demand, when the item's end of life has passed or comes before
    any lot ordered now could arrive (the menus then hold no lot: `ItemProblem.arrives_too_late`);
    None otherwise."""
    if item.end_of_life is None or not all(item.arrives_too_late(o) for o in item.offers):
        return None
    if item.end_of_life_periods == 0:
        return (f"its end of life {item.end_of_life.isoformat()} has passed: the plan expects "
                "no demand after it")  # fmt: skip
    return f"a lot ordered now would arrive after its end of life {item.end_of_life.isoformat()}"


def _until(item: ItemProblem, until: int) -> str:
    """' until an order placed at the next review can arrive in week 3' (period `until`, from
    0): the plan counts on that order (a planner deferring every night must see it); '' when
    none can arrive within the horizon."""
    if until >= item.horizon:
        return ""
    return (
        f" until an order placed at the next review can arrive in {period_word(item)} {until + 1}"
    )


def _nothing_left(item: ItemProblem, lot: LotCost) -> bool:
    """Nothing on hand or on order, or stock gone before the earliest arrival of a lot
    ordered now in most scenarios and no open order arriving after period 0 to refill it
    before a later order can: then it is the little demand from that arrival on, not the
    stock, that makes no order enough ("stock 0 covers the demand" contradicts itself; with
    400 units on order "little or no demand" blamed a forecast of 74 a week)."""
    refill = int(item.base_arrivals[1 : min(lot.replenished_from, item.horizon)].sum())
    if item.on_hand + int(item.base_arrivals.sum()) <= 0:
        return True
    return lot.stockout_risk_unavoidable >= 0.5 and not refill


def _little_demand_reason(item: ItemProblem, until: int, risk: str) -> str:
    word = period_word(item)
    since = f"from {word} {earliest_arrival(item) + 1}, the earliest arrival of a lot ordered now"
    span = _until(item, until).lstrip() or "to the end of the horizon"
    return f"No order: little or no demand is expected {since}, {span} ({risk})."


def _blocking_limits(item: ItemProblem, lot: LotCost, best: LotCost, usage: Usage) -> list[str]:
    """Limits that the unconstrained best lot would break, given the rest of the plan, or that
    it would need more of while the items cut together could not all be restored (a budget
    run's cut items each fit in the 75.75 left, all of them needed 10,022: 227 of 795 cut items
    of a planner's RAF night named no limit)."""
    extra = {
        "budget": best.purchase_cost - lot.purchase_cost,
        "capacity": (best.quantity - lot.quantity) * item.unit_volume,
        "max_orders": int(best.quantity > 0) - int(lot.quantity > 0),
    }
    used = {"budget": usage.budget, "capacity": usage.capacity, "max_orders": usage.orders}
    limit = {"budget": usage.budget_limit, "capacity": usage.capacity_limit,
             "max_orders": usage.orders_limit}  # fmt: skip
    return [
        name
        for name in ("budget", "capacity", "max_orders")
        if limit[name] is not None
        and extra[name] > 1e-9
        and (used[name] + extra[name] > limit[name] + 1e-6 or name in usage.short_together)
    ]


def _next_tier(item: ItemProblem, lots: LotCosts, lot: LotCost) -> dict | None:
    offer = item.offer(lot.supplier_id)
    above = [b for b in offer.price_breaks if b.min_qty > lot.quantity]
    if not above:
        return None
    nxt = _lot_of(item, lots, lot.supplier_id, offer.feasible_at_least(above[0].min_qty))
    return {
        "min_qty": above[0].min_qty,
        "quantity": nxt.quantity,
        "unit_price": nxt.unit_price,
        "extra_expected_cost": nxt.expected_cost - lot.expected_cost,
        "extra_leftover": nxt.expected_leftover - lot.expected_leftover,
    }


def _lot_of(item: ItemProblem, lots: LotCosts, supplier_id: str, quantity: int) -> LotCost:
    """The lot from the menu if it is there, else evaluated now (same code)."""
    hit = np.flatnonzero((lots.supplier_id == supplier_id) & (lots.quantity == quantity))
    return lots.lot(int(hit[0])) if len(hit) else evaluate_plan(item, supplier_id, quantity)


def _brief(lot: LotCost) -> dict:
    return {
        "supplier_id": lot.supplier_id,
        "quantity": lot.quantity,
        "expected_cost": lot.expected_cost,
    }


def _s(names: list[str]) -> str:
    return "s" if len(names) > 1 else ""
