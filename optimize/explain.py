"""Why a lot was chosen: an explanation dict and one sentence for the planner.

Savings compare the chosen lot with the smallest feasible lot of the same supplier (for no
order: with the best smallest lot of any supplier), as a difference of expected cost. The
next tier is the smallest feasible lot reaching the next price break of the chosen supplier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimize.data import ItemProblem
from optimize.evaluate import LotCost, LotCosts, evaluate_plan


@dataclass(frozen=True)
class Usage:
    """What the chosen plan uses of each limit, and the limits (None = no limit)."""

    budget: float
    capacity: float
    orders: int
    budget_limit: float | None
    capacity_limit: float | None
    orders_limit: int | None


def explain(item: ItemProblem, lots: LotCosts, chosen: int, usage: Usage) -> tuple[str, dict]:
    """(reason, explanation) for candidate `chosen` of the item."""
    lot = lots.lot(chosen)
    best = lots.lot(int(np.argmin(lots.expected_cost)))
    blocking = _blocking_limits(item, lot, best, usage) if best.quantity != lot.quantity else []
    explanation = {
        "supplier_id": lot.supplier_id,
        "quantity": lot.quantity,
        "unit_price": lot.unit_price if lot.quantity else None,
        "tier_min_qty": lot.tier_min_qty,
        "stockout_risk": lot.stockout_risk,
        "expected_short": lot.expected_short,
        "expected_leftover": lot.expected_leftover,
        "leftover_value": lot.leftover_value,
        "cost": {
            "purchase": lot.purchase_cost,
            "fixed": lot.fixed_cost,
            "holding": lot.holding_cost,
            "shortage": lot.shortage_cost,
            "leftover_credit": -lot.leftover_credit,
            "expected": lot.expected_cost,
        },
        "limits": blocking,
        "best_without_limits": None if not blocking else _brief(best),
    }
    if lot.quantity:
        smallest = _lot_of(item, lots, lot.supplier_id, item.offer(lot.supplier_id).smallest_lot)
        explanation["compared_with"] = _brief(smallest)
        explanation["savings"] = smallest.expected_cost - lot.expected_cost
        explanation["next_tier"] = _next_tier(item, lots, lot)
        return _order_reason(lot, smallest, blocking, best), explanation
    smallest = min(
        (_lot_of(item, lots, o.supplier_id, o.smallest_lot) for o in item.offers),
        key=lambda c: c.expected_cost,
    )
    explanation["compared_with"] = _brief(smallest)
    explanation["savings"] = smallest.expected_cost - lot.expected_cost
    explanation["next_tier"] = None
    return _no_order_reason(item, lot, blocking, best), explanation


def _order_reason(lot: LotCost, smallest: LotCost, blocking: list[str], best: LotCost) -> str:
    head = (
        f"Order {lot.quantity} from {lot.supplier_id} at {lot.unit_price:.2f}/unit "
        f"(tier ≥ {lot.tier_min_qty})"
    )
    diff = smallest.expected_cost - lot.expected_cost
    if lot.quantity == smallest.quantity:
        versus = "the smallest feasible lot"
    elif diff >= 0:
        versus = f"{diff:.2f} cheaper than the smallest lot of {smallest.quantity}"
    else:
        versus = f"{-diff:.2f} dearer than the smallest lot of {smallest.quantity}"
    tail = (
        f"expected leftover {lot.expected_leftover:.0f} units ({lot.leftover_value:.2f}); "
        f"stockout risk {lot.stockout_risk:.0%}."
    )
    limited = ""
    if blocking:
        limited = f" Held back by the {' and '.join(blocking)} limit{_s(blocking)}"
        limited += f" (best alone: {best.quantity} from {best.supplier_id})."
    return f"{head}: {versus}; {tail}{limited}"


def _no_order_reason(item: ItemProblem, lot: LotCost, blocking: list[str], best: LotCost) -> str:
    risk = f"stockout risk {lot.stockout_risk:.0%}"
    if blocking:
        return (
            f"No order: {' and '.join(blocking)} limit{_s(blocking)} "
            f"(best alone: {best.quantity} from {best.supplier_id}; {risk})."
        )
    incoming = int(item.base_arrivals.sum())
    stock = f"stock {item.on_hand}" + (f" and open orders {incoming}" if incoming else "")
    if lot.stockout_risk <= 0.1:
        return f"No order: {stock} cover the horizon ({risk})."
    return f"No order: an order would cost more than the shortages it avoids ({stock}; {risk})."


def _blocking_limits(item: ItemProblem, lot: LotCost, best: LotCost, usage: Usage) -> list[str]:
    """Limits that the unconstrained best lot would break, given the rest of the plan."""
    names = []
    extra_budget = best.purchase_cost - lot.purchase_cost
    if usage.budget_limit is not None and usage.budget + extra_budget > usage.budget_limit + 1e-6:
        names.append("budget")
    extra_volume = (best.quantity - lot.quantity) * item.unit_volume
    cap = usage.capacity_limit
    if cap is not None and usage.capacity + extra_volume > cap + 1e-6:
        names.append("capacity")
    extra_orders = int(best.quantity > 0) - int(lot.quantity > 0)
    if usage.orders_limit is not None and usage.orders + extra_orders > usage.orders_limit:
        names.append("max_orders")
    return names


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
