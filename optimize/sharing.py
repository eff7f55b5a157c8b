"""What a later order pays of its supplier's order_cost (`Offer.order_cost_share`).

A lot ordered tonight carries none of a supplier's order_cost: the MILP pays it once per
purchase order and shares it among the night's lots. A later order (the lots that would serve
the demand after the next chance to order, `optimize.evaluate`) cannot avoid it either, or
waiting would always look cheaper than ordering now and a part out of stock would wait night
after night for another lot to share an order with. Nor does it pay it alone: the supplier's
other items order too. Each item orders from its later-order offer (the one with the least
replenishment cost per unit, `eoq.replenishment_cost`) r = mean demand / usable units of that
lot times per period (at most 1); a supplier whose items order k = Σ r lots per period places
an order in a period with probability p = 1 − Π (1 − r), so an order carries k / p lots on
average and each pays order_cost × p / k: the whole order_cost for a supplier of one item, a
tenth of it for one with ten items that each order every period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from optimize.data import ItemProblem, Offer, OrderCostShares, Problem
from optimize.eoq import replenishment_cost


def with_order_cost_shares(problem: Problem, shares: Mapping[str, float] | None = None) -> Problem:
    """The problem with each offer's `order_cost_share` set from its supplier's order_cost
    (Limits.order_cost) and the run's items (`order_cost_shares`); 0 for suppliers without
    one. Idempotent: the shares do not depend on the offers' current ones. `shares`
    (supplier_id -> currency; None: computed from the problem's items, and kept on the result
    for `problem_shares`): those of a problem of more items (`Plan.order_cost_shares`), for a
    problem of some of its items."""
    orders, computed = problem.limits.orders(), shares is None
    if shares is None:
        shares = order_cost_shares(problem.items, orders)
    items = tuple(_with_shares(item, shares) for item in problem.items)
    known = OrderCostShares(items, orders, dict(shares)) if computed else None
    return replace(problem, items=items, order_cost_shares=known)


def problem_shares(problem: Problem) -> dict[str, float]:
    """`order_cost_shares` of the problem's items and order costs: those
    `with_order_cost_shares` computed and kept on it when its items are still the same tuple
    and its order costs the same (a problem from `build_problem`), else computed now."""
    known, orders = problem.order_cost_shares, problem.limits.orders()
    if known is not None and known.items is problem.items and dict(known.orders) == orders:
        return dict(known.shares)
    return order_cost_shares(problem.items, orders)


def order_cost_shares(
    items: Sequence[ItemProblem], order_cost: Mapping[str, float]
) -> dict[str, float]:
    """supplier_id -> what one later order pays of the supplier's order_cost (currency): the
    order_cost × p / k of the module docstring; the whole order_cost if none of the items
    orders from it later."""
    if not order_cost:
        return {}
    rates: dict[str, list[float]] = {s: [] for s in order_cost}
    for item in items:
        offer, rate = later_rate(item)
        if offer is not None and offer.supplier_id in rates:
            rates[offer.supplier_id].append(rate)
    shares = {}
    for supplier, cost in order_cost.items():
        r = np.asarray(rates[supplier], dtype=float)
        lots = float(r.sum())
        placed = 1.0 - float(np.prod(1.0 - r))
        shares[supplier] = cost if lots <= 0 else cost * placed / lots
    return shares


def later_rate(item: ItemProblem) -> tuple[Offer | None, float]:
    """The item's later-order offer (least replenishment cost per unit at its mean demand,
    without order costs) and how many of its lots it orders per period (at most 1); (None, 0)
    without demand."""
    demand_rate = float(item.scenarios.mean()) if item.scenarios.size else 0.0
    if demand_rate <= 0:
        return None, 0.0
    rate = item.holding_rate_per_period
    costs = [replenishment_cost(o, demand_rate, rate, item.horizon) for o in item.offers]
    k = int(np.argmin([per_unit for _, per_unit in costs]))
    offer, lot = item.offers[k], costs[k][0]
    return offer, min(1.0, demand_rate / max(float(offer.usable(lot)), 1e-12))


def _with_shares(item: ItemProblem, shares: Mapping[str, float]) -> ItemProblem:
    offers = tuple(
        o if o.order_cost_share == shares.get(o.supplier_id, 0.0)
        else replace(o, order_cost_share=shares.get(o.supplier_id, 0.0))
        for o in item.offers
    )  # fmt: skip
    return item if offers == item.offers else replace(item, offers=offers)
