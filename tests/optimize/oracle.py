"""The full scenario MILP (test oracle): one model with variables per item × scenario × period
(sales, stock) and per item × offer × tier (tier chosen, packs bought), solved by HiGHS
through PuLP. It decides lots and sales together, with no precomputed menu.

It covers the cases where expected cost is linear in these variables: holding_cost_rate 0,
obsolescence 1 (every unit left at the horizon end returns salvage_value), no later orders
(review_period None), on-time deliveries, no rejects, all-units price breaks; stockout_cost
>= salvage_value, so selling a unit never costs more than keeping it (the oracle's optimal
sales are then the lost-sales rule of optimize/evaluate.py). Shared limits: budget, capacity,
max_orders.
"""

from __future__ import annotations

import numpy as np
import pulp

from optimize.data import Problem


def full_scenario_milp(problem: Problem) -> float:
    """Optimal total expected cost of the problem (asserts the oracle's assumptions)."""
    lp = pulp.LpProblem("oracle", pulp.LpMinimize)
    cost, spend, volume, orders = [], [], [], []
    for i, item in enumerate(problem.items):
        assert item.holding_cost_rate == 0 and item.obsolescence == 1
        assert item.review_period is None and item.stockout_cost >= item.salvage_value
        n_scen, horizon = item.scenarios.shape
        upper = int(item.scenarios.sum(axis=1).max()) + 1
        chosen, arrivals, late = [], [[] for _ in range(horizon)], []
        for o, offer in enumerate(item.offers):
            assert offer.discount_type == "all_units" and offer.reject_rate == 0
            assert offer.on_time_rate == 1
            breaks = offer.price_breaks
            for k, brk in enumerate(breaks):
                z = lp.add_variable(f"z_{i}_{o}_{k}", cat="Binary")
                packs = lp.add_variable(f"n_{i}_{o}_{k}", lowBound=0, cat="Integer")
                qty = offer.pack_size * packs
                low = max(offer.moq, brk.min_qty)  # no price is quoted below the first break
                high = breaks[k + 1].min_qty - 1 if k + 1 < len(breaks) else upper + low
                high += 0 if k + 1 < len(breaks) else breaks[-1].min_qty
                lp += qty >= low * z
                lp += qty <= high * z
                chosen.append(z)
                cost += [brk.unit_price * qty, offer.fixed_cost * z]
                spend.append(brk.unit_price * qty)
                volume.append(item.unit_volume * qty)
                orders.append(z)
                (late if offer.lead_time >= horizon else arrivals[offer.lead_time]).append(qty)
        lp += pulp.lpSum(chosen) <= 1
        # open orders as they arrive in each scenario (late or short ones: scenario_arrivals)
        incoming = np.broadcast_to(item.scenario_arrivals(), item.scenarios.shape)
        for s in range(n_scen):
            stock = item.on_hand
            for t in range(horizon):
                demand = int(item.scenarios[s, t])
                sales = lp.add_variable(f"sales_{i}_{s}_{t}", 0, demand)
                level = lp.add_variable(f"stock_{i}_{s}_{t}", lowBound=0)
                lp += level == stock + int(incoming[s, t]) + pulp.lpSum(arrivals[t]) - sales
                cost.append(item.stockout_cost * (demand - sales) / n_scen)
                stock = level
            cost.append(-item.salvage_value * (stock + pulp.lpSum(late)) / n_scen)
    limits = problem.limits
    if limits.budget is not None:
        lp += pulp.lpSum(spend) <= limits.budget
    if limits.capacity is not None:
        lp += pulp.lpSum(volume) <= limits.capacity
    if limits.max_orders is not None:
        lp += pulp.lpSum(orders) <= limits.max_orders
    lp += pulp.lpSum(cost)
    # threads=1 as optimize.solve: HiGHS sets up its thread pool once per process, and a
    # solver asking another thread count afterwards returns "Not Set" without solving
    lp.solve(pulp.HiGHS(msg=False, gapRel=1e-9, threads=1))
    assert pulp.LpStatus[lp.status] == "Optimal"
    return float(pulp.value(lp.objective))
