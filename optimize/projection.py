"""Projected stock per demand scenario: what a planner reads off before approving a lot.

Same stock rules as `optimize.evaluate` (on hand and open orders first, arrivals usable in the
period they arrive, demand not met from stock is lost, so stock never goes below 0), for one
lot arriving on time and no later order: the picture of what this lot alone covers.
"""

from __future__ import annotations

import numpy as np

from optimize.data import ItemProblem


def projected_stock(item: ItemProblem, supplier_id: str | None, quantity: int) -> np.ndarray:
    """(scenarios, horizon) end-of-period stock, units, if `quantity` units are ordered now
    from `supplier_id` (None or 0: nothing) and nothing later: the lot's usable units
    (quantity less the supplier's reject_rate) arrive at the start of period `lead_time`. A
    lot due at or after the horizon end is not in it (the optimizer counts it as left over)."""
    arrivals = item.base_arrivals.copy()
    if quantity > 0 and supplier_id is not None:
        offer = item.offer(supplier_id)
        if offer.lead_time < item.horizon:
            arrivals[offer.lead_time] += offer.usable(quantity)
    stock = np.full(item.scenarios.shape[0], item.on_hand, dtype=np.int64)
    out = np.empty_like(item.scenarios)
    for t in range(item.horizon):
        stock = np.maximum(stock + arrivals[t] - item.scenarios[:, t], 0)
        out[:, t] = stock
    return out
