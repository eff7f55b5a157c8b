"""Exact expected cost of candidate lots over an item's demand scenarios.

Rules (one item, one decision covering the whole horizon of H periods):
- The order is placed now. Of a lot of q units only `floor(q * (1 - reject_rate))` are usable;
  they arrive at the start of period `lead_time` (lead_time >= H: after the horizon, so every
  usable unit is left over). `on_time_rate` is not used yet.
- Open orders arrive at the start of their due period (overdue: period 0; due at or after the
  horizon: ignored). Arrivals are usable in the period they arrive.
- Demand not met in a period is lost and costs `stockout_cost` per unit.
- The next chance to order is at the horizon end, so holding is charged on end-of-period stock
  in every period at unit value × holding_cost_rate × period_years.
- Unit value: units of the lot are worth the lot's average unit price; other stock (on hand,
  open orders) is worth the item's reference price, the cheapest first-tier price of its offers.
- Issue order: other stock is used first, units of the lot last, so the lot is what is left.
- Stock left at the horizon end: with probability 1 - obsolescence it is used at the scenario's
  mean demand per period (the k-th leftover unit after k / mean periods) and is worth its unit
  value less the holding cost until used; units not used within `max_carry_years` (2) are
  obsolete. With probability `obsolescence` all of it is written off to `salvage_value`.
  Obsolete units return `salvage_value` each.
- Expected cost = purchase cost + fixed_cost (if q > 0) + holding + stockout_cost × units short
  − value retained by leftover stock, averaged over scenarios.

The simulation is vectorized over (candidates, scenarios, periods): with lost sales, end stock
is the walk X_t = stock + arrivals − demand reflected at 0, e_t = X_t − min(0, min_{k<=t} X_k),
and the units short up to t are −min(0, min_{k<=t} X_k).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from optimize.candidates import item_candidates
from optimize.data import ItemProblem
from optimize.pricing import average_unit_price, purchase_cost, tier_min_qty

MAX_CARRY_YEARS = 2.0


@dataclass(frozen=True)
class LotCost:
    """Expected outcome of one lot of one item (currency, units, probability)."""

    sku: str
    supplier_id: str | None
    quantity: int
    unit_price: float
    tier_min_qty: int | None
    purchase_cost: float
    fixed_cost: float
    holding_cost: float
    shortage_cost: float
    leftover_credit: float
    expected_cost: float
    expected_short: float
    expected_leftover: float
    leftover_value: float
    stockout_risk: float


@dataclass(frozen=True, eq=False)
class LotCosts:
    """The same quantities as LotCost, one array entry per candidate lot."""

    sku: str
    supplier_id: np.ndarray  # object: str, None for no order
    quantity: np.ndarray
    unit_price: np.ndarray
    tier_min_qty: np.ndarray  # 0 for no order
    purchase_cost: np.ndarray
    fixed_cost: np.ndarray
    holding_cost: np.ndarray
    shortage_cost: np.ndarray
    leftover_credit: np.ndarray
    expected_cost: np.ndarray
    expected_short: np.ndarray
    expected_leftover: np.ndarray
    leftover_value: np.ndarray  # book value of the expected leftover (units × unit value)
    stockout_risk: np.ndarray

    def __len__(self) -> int:
        return len(self.quantity)

    def lot(self, i: int) -> LotCost:
        """Candidate i as a LotCost."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sku"}
        row = {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in values.items()}
        row["tier_min_qty"] = row["tier_min_qty"] if row["quantity"] > 0 else None
        return LotCost(sku=self.sku, **row)


def evaluate_item(item: ItemProblem, max_candidates: int = 64) -> LotCosts:
    """Expected cost of every candidate lot of the item (candidate 0: no order)."""
    offer_idx, qty = item_candidates(item, max_candidates)
    return evaluate_lots(item, offer_idx, qty)


def evaluate_plan(item: ItemProblem, supplier_id: str | None, quantity: int) -> LotCost:
    """Expected cost of one given lot (None or 0: no order); the lot must be feasible."""
    if supplier_id is None or quantity == 0:
        return evaluate_lots(item, np.array([-1]), np.array([0])).lot(0)
    offer = item.offer(supplier_id)
    k = item.offers.index(offer)
    if quantity < offer.moq or quantity % offer.pack_size:
        raise ValueError(
            f"lot {quantity} is not feasible: moq {offer.moq}, pack_size {offer.pack_size} "
            f"(sku {item.sku}, supplier {supplier_id})"
        )
    return evaluate_lots(item, np.array([k]), np.array([quantity])).lot(0)


def evaluate_lots(item: ItemProblem, offer_idx: np.ndarray, qty: np.ndarray) -> LotCosts:
    """Expected cost of lots `qty` from offers `offer_idx` (-1 with qty 0: no order)."""
    offer_idx, qty = np.asarray(offer_idx, np.int64), np.asarray(qty, np.int64)
    price, purchase, fixed, usable, arrival, tier, supplier = _lot_terms(item, offer_idx, qty)
    sim = _simulate(item, usable, arrival)
    per_year = item.holding_cost_rate * item.period_years
    ref = item.reference_price
    holding = price[:, None] * per_year * sim["lot_stock"] + ref * per_year * sim["base_stock"]
    shortage = item.stockout_cost * sim["short"]
    credit = _retained_value(item, sim["base_left"], 0, ref) + _retained_value(
        item, sim["lot_left"], sim["base_left"], price[:, None]
    )
    book = sim["base_left"] * ref + sim["lot_left"] * price[:, None]
    expected = purchase + fixed + (holding + shortage - credit).mean(axis=1)
    return LotCosts(
        sku=item.sku,
        supplier_id=supplier,
        quantity=qty,
        unit_price=price,
        tier_min_qty=tier,
        purchase_cost=purchase,
        fixed_cost=fixed,
        holding_cost=holding.mean(axis=1),
        shortage_cost=shortage.mean(axis=1),
        leftover_credit=credit.mean(axis=1),
        expected_cost=expected,
        expected_short=sim["short"].mean(axis=1),
        expected_leftover=(sim["base_left"] + sim["lot_left"]).mean(axis=1),
        leftover_value=book.mean(axis=1),
        stockout_risk=(sim["short"] > 0).mean(axis=1),
    )


def _lot_terms(item: ItemProblem, offer_idx: np.ndarray, qty: np.ndarray) -> tuple:
    """Per candidate: average unit price, purchase cost, fixed cost, usable units, arrival
    period, tier min_qty, supplier_id."""
    n = len(qty)
    price = np.full(n, item.reference_price)
    purchase, fixed = np.zeros(n), np.zeros(n)
    usable, arrival, tier = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    supplier = np.full(n, None, dtype=object)
    for k, offer in enumerate(item.offers):
        sel = (offer_idx == k) & (qty > 0)
        if not sel.any():
            continue
        q = qty[sel]
        price[sel] = average_unit_price(offer, q)
        purchase[sel] = purchase_cost(offer, q)
        fixed[sel] = offer.fixed_cost
        usable[sel] = np.floor(q * (1.0 - offer.reject_rate) + 1e-9).astype(np.int64)
        arrival[sel] = offer.lead_time
        tier[sel] = tier_min_qty(offer, q)
        supplier[sel] = offer.supplier_id
    return price, purchase, fixed, usable, arrival, tier, supplier


def _reflect(walk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End stock and cumulative units short of a lost-sales walk (last axis: periods)."""
    low = np.minimum(np.minimum.accumulate(walk, axis=-1), 0)
    return walk - low, -low


def _simulate(item: ItemProblem, usable: np.ndarray, arrival: np.ndarray) -> dict:
    """Per (candidate, scenario): stock-periods of lot units and of other stock over the
    horizon, units short, units of other stock and of the lot left at the horizon end."""
    horizon = item.horizon
    base_walk = item.on_hand + np.cumsum(item.base_arrivals) - np.cumsum(item.scenarios, axis=1)
    base_end, _ = _reflect(base_walk)  # (S, H): other stock, used first
    arrived = np.arange(horizon)[None, :] >= arrival[:, None]  # (C, H)
    walk = base_walk[None, :, :] + (usable[:, None] * arrived)[:, None, :]
    end, short = _reflect(walk)  # (C, S, H)
    lot_end = end - base_end[None]
    late = np.where(arrival >= horizon, usable, 0)
    base_left = np.broadcast_to(base_end[:, -1], end.shape[:2])
    return {
        "lot_stock": lot_end.sum(axis=-1),
        "base_stock": np.broadcast_to(base_end.sum(axis=-1), end.shape[:2]),
        "short": short[..., -1],
        "base_left": base_left,
        "lot_left": lot_end[..., -1] + late[:, None],
    }


def _retained_value(
    item: ItemProblem, units: np.ndarray, before: np.ndarray | int, value: np.ndarray | float
) -> np.ndarray:
    """Expected value kept by `units` leftover units that are used after `before` others.

    The k-th leftover unit is used k / mean periods after the horizon end if that is within
    MAX_CARRY_YEARS; it is then worth `value` less holding for that time, else salvage_value.
    """
    mean = item.scenarios.mean(axis=1)  # (S,) units per period after the horizon
    used_cap = np.floor(mean * MAX_CARRY_YEARS / item.period_years + 1e-9)
    units = np.asarray(units, dtype=float)
    before = np.asarray(before, dtype=float)
    used = np.clip(np.minimum(before + units, used_cap) - before, 0, None)
    position_sum = used * before + used * (used + 1) / 2  # sum of k over the used units
    carry = np.divide(position_sum, mean, out=np.zeros_like(position_sum), where=mean > 0)
    rate = item.holding_cost_rate * item.period_years
    kept = used * value - value * rate * carry + (units - used) * item.salvage_value
    return (1 - item.obsolescence) * kept + item.obsolescence * units * item.salvage_value
