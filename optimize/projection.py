"""Projected stock per demand scenario: what a planner reads off before approving a lot.

Same stock rules as `optimize.evaluate` (on hand and open orders first, arrivals usable in the
period they arrive, open orders as they arrive in each scenario: `ItemProblem.scenario_arrivals`,
demand not met from stock is lost, so stock never goes below 0), for one
lot arriving on time and no later order: the picture of what this lot alone covers.
"""

from __future__ import annotations

import numpy as np

from optimize.data import ItemProblem


def projected_stock(item: ItemProblem, supplier_id: str | None, quantity: int) -> np.ndarray:
    """(scenarios, horizon) expected end-of-period stock, units, if `quantity` units are
    ordered now from `supplier_id` (None or 0: nothing) and nothing later: the lot's usable
    units (`Offer.usable_split`: whole units, one more with the fractional share of the
    rejects' expectation, mixed as the optimizer mixes them) arrive at the start of period
    `lead_time`. A lot due at or after the horizon end is not in it (the optimizer counts it as
    left over)."""
    if not quantity or supplier_id is None:
        return _walk(item, None, 0)
    offer = item.offer(supplier_id)
    if offer.lead_time >= item.horizon:
        return _walk(item, None, 0)
    wholes, shares = offer.usable_split(np.asarray([quantity]))
    whole, share = int(wholes[0]), float(shares[0])
    stock = _walk(item, offer.lead_time, whole)
    if share > 0:
        stock = (1 - share) * stock + share * _walk(item, offer.lead_time, whole + 1)
    return stock


def _walk(item: ItemProblem, arrival: int | None, units: int) -> np.ndarray:
    """End-of-period stock per scenario with `units` more arriving in period `arrival`."""
    arrivals = np.broadcast_to(item.scenario_arrivals(), item.scenarios.shape).copy()
    if arrival is not None:
        arrivals[:, arrival] += units
    stock = np.full(item.scenarios.shape[0], item.on_hand, dtype=np.int64)
    out = np.empty_like(item.scenarios)
    for t in range(item.horizon):
        stock = np.maximum(stock + arrivals[:, t] - item.scenarios[:, t], 0)
        out[:, t] = stock
    return out
