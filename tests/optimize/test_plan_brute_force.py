"""optimize.plan end to end against a brute force over the menus it built.

test_model_solve checks the menu MILP (build_models + solve_models) by brute force, on menus
of evaluate_item; test_oracle checks plan() against a full scenario MILP without supplier
tiers or targets. Neither covers what plan() adds around the MILP: the lots that reach a
supplier-wide tier alone (candidates.tier_lots), menus grown for a min_service_level
(_reach_targets), the offers an end of life drops, the service-level masks and the relaxed
model when the targets cannot all be met, nor CBC on tier states. Here small seeded random
instances with all of these plus budget, capacity, max_orders and tiers on spend and on units
(2-4 items, 1-3 offers of 3 shared suppliers) are planned by both solvers, and the plan must
be the cheapest combination of one candidate per item, enumerated, with the limits and the
supplier-wide discounts applied by hand from the README ("the highest tier reached counts",
budget on purchase cost before it); a relaxed plan the cheapest under the penalties of
plan.py's docstring, reporting the cost of its lots without them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from optimize.data import ItemProblem, Limits, Offer, PriceBreak, Problem, SupplierTier
from optimize.evaluate import LotCosts

PLAN = sys.modules["optimize.plan"]  # `optimize.plan` is also the package's function
SUPPLIERS = ("S0", "S1", "S2")
# seeds per solver: CBC runs as a subprocess per tier state, ~0.2 s an instance
SEEDS = {"highs": range(40), "cbc": range(24)}
# with order costs: more, as few instances order two lots from one supplier
ORDER_SEEDS = {"highs": range(100), "cbc": range(60)}
# with minimum order values (and order costs): likewise
MINIMUM_SEEDS = {"highs": range(100), "cbc": range(50)}


def _offer(rng: np.random.Generator, sku: str, supplier: str, horizon: int) -> Offer:
    mins = sorted(rng.choice(np.arange(1, 16), int(rng.integers(1, 4)), replace=False).tolist())
    if rng.random() < 0.5:
        mins = sorted({1, *mins[1:]})
    prices = sorted((int(rng.integers(10, 100)) / 10 for _ in mins), reverse=True)
    return Offer(
        supplier_id=supplier,
        moq=int(rng.integers(1, 6)),
        pack_size=int(rng.choice([1, 1, 2, 3, 4])),
        discount_type=str(rng.choice(["all_units", "incremental"])),
        price_breaks=tuple(PriceBreak(m, p) for m, p in zip(mins, prices, strict=True)),
        fixed_cost=float(rng.integers(0, 20)),
        lead_time=int(rng.integers(0, horizon)),
        on_time_rate=float(rng.choice([1.0, 1.0, 0.8])),
        reject_rate=float(rng.choice([0.0, 0.0, 0.1, 0.25])),
        sku=sku,
    )


def _item(rng: np.random.Generator, sku: str, shape: tuple[int, int], targets: bool):
    demand = rng.poisson(float(rng.choice([0.3, 1.0, 2.0, 3.0])), shape)
    if rng.random() < 0.3:  # lumpy
        demand = demand * rng.integers(1, 4, shape)
    suppliers = rng.choice(SUPPLIERS, int(rng.integers(1, 4)), replace=False).tolist()
    offers = tuple(_offer(rng, sku, s, shape[1]) for s in suppliers)
    end = None
    if rng.random() < 0.35:  # no demand after the end of life, as the forecast gives
        end = int(rng.integers(0, shape[1] + 1))
        demand[:, end:] = 0
    return ItemProblem(
        sku=sku,
        scenarios=demand,
        on_hand=int(rng.integers(0, 6)),
        open_orders=tuple(
            (int(rng.integers(-1, shape[1] + 1)), int(rng.integers(1, 6)))
            for _ in range(int(rng.integers(0, 3)))
        ),
        offers=offers,
        holding_cost_rate=float(rng.choice([0.0, 0.25, 1.0])),
        period_years=float(rng.choice([7 / 365.25, 1 / 12, 0.25])),
        salvage_value=float(rng.choice([0.0, 0.5])),
        obsolescence=float(rng.choice([0.0, 0.2, 1.0])),
        stockout_cost=float(rng.integers(0, 30) if rng.random() < 0.3 else rng.integers(15, 60)),
        unit_volume=float(rng.choice([0.0, 0.5, 2.0])),
        review_period=[None, 1, 1, 2][int(rng.integers(0, 4))],
        min_service_level=float(rng.choice([0.5, 0.8, 0.9, 0.95]))
        if targets and rng.random() < 0.6
        else None,
        end_of_life_periods=end,
    )


def _tiers(rng: np.random.Generator) -> tuple[SupplierTier, ...]:
    tiers = []
    for supplier in SUPPLIERS:
        if rng.random() < 0.4:
            continue
        basis = "spend" if rng.random() < 0.5 else "units"
        n = int(rng.integers(1, 3))
        grid = np.arange(5, 120, 5) if basis == "spend" else np.arange(2, 25)
        mins = sorted(rng.choice(grid, n, replace=False).tolist())
        rates = sorted(rng.choice([0.02, 0.05, 0.1, 0.2, 0.3], n, replace=False).tolist())
        tiers += [SupplierTier(supplier, float(m), float(r), basis)
                  for m, r in zip(mins, rates, strict=True)]  # fmt: skip
    return tuple(tiers)


def random_problem(seed: int, orders: bool = False, minimums: bool = False) -> Problem:
    """A seeded instance; `orders`: with an order_cost on two or three of the suppliers,
    `minimums`: a min_order_value on one to three (each drawn apart, so the instance is
    otherwise the seed's without them)."""
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(3, 9)), int(rng.integers(2, 5)))  # scenarios, horizon
    targets = rng.random() < 0.5
    n = int(rng.integers(2, 5))
    items = tuple(_item(rng, f"P{k}", shape, targets) for k in range(n))
    limits = Limits(
        budget=None if rng.random() < 0.4 else float(rng.choice([0, 20, 50, 100, 200])),
        capacity=None if rng.random() < 0.5 else float(rng.choice([5, 20, 60])),
        max_orders=None if rng.random() < 0.5 else int(rng.integers(0, n + 1)),
        supplier_tiers=_tiers(rng),
        order_cost=_order_cost(np.random.default_rng(10_000 + seed)) if orders else {},
        min_order_value=_min_order_value(np.random.default_rng(20_000 + seed)) if minimums else {},
    )
    return Problem(items, limits)


def _min_order_value(rng: np.random.Generator) -> dict[str, float]:
    """Minimums about one to three lots' purchase cost (a lot here costs 1-150)."""
    chosen = rng.choice(SUPPLIERS, int(rng.integers(1, 4)), replace=False).tolist()
    return {s: float(rng.choice([10, 25, 50, 100, 150])) for s in chosen}


def _order_cost(rng: np.random.Generator) -> dict[str, float]:
    chosen = rng.choice(SUPPLIERS, int(rng.integers(2, 4)), replace=False).tolist()
    return {s: float(rng.choice([2, 5, 10, 25])) for s in chosen}


def _grid(values: list[np.ndarray]) -> np.ndarray:
    """Σ over items of a per-candidate value, on the grid of all combinations (one axis per
    item)."""
    total = np.zeros([1] * len(values))
    for axis, v in enumerate(values):
        shape = [1] * len(values)
        shape[axis] = len(v)
        total = total + np.asarray(v, float).reshape(shape)
    return total


def combinations(problem: Problem, menu: list[LotCosts], cost: list[np.ndarray]):
    """(total over every combination of one candidate per item of `cost` less the
    supplier-wide discounts, whether it keeps budget, capacity and max_orders), by the
    README's rules: a supplier's highest tier whose min_total the spend (purchase cost before
    the discount) or units bought from it reach takes its rate off the `discountable` part of
    every lot bought from it; a supplier's order_cost is paid once if any lot is bought from
    it; the lots bought from a supplier with a min_order_value add up to at least it in
    purchase cost, or there are none."""
    limits, tol = problem.limits, 1e-6
    total = _grid(cost)
    ok = np.ones(total.shape, bool)
    if limits.budget is not None:
        ok &= _grid([m.purchase_cost for m in menu]) <= limits.budget + tol
    if limits.capacity is not None:
        volume = [m.quantity * i.unit_volume for m, i in zip(menu, problem.items, strict=True)]
        ok &= _grid(volume) <= limits.capacity + tol
    if limits.max_orders is not None:
        ok &= _grid([m.quantity > 0 for m in menu]) <= limits.max_orders + 0.5
    for supplier, tiers in limits.tiers_by_supplier().items():
        own = [m.supplier_id == supplier for m in menu]
        amount = "purchase_cost" if tiers[0].basis == "spend" else "quantity"
        bought = _grid(
            [np.where(o, getattr(m, amount), 0.0) for m, o in zip(menu, own, strict=True)]
        )
        rate = np.zeros(bought.shape)
        for tier in tiers:
            rate = np.where(bought >= tier.min_total - 1e-9, tier.discount_rate, rate)
        total = total - rate * _grid([np.where(o, m.discountable, 0.0)
                                      for m, o in zip(menu, own, strict=True)])  # fmt: skip
    for supplier, cost in limits.order_cost.items():
        lots = [(m.supplier_id == supplier) & (m.quantity > 0) for m in menu]
        total = total + cost * (_grid(lots) > 0)
    for supplier, minimum in limits.min_order_value.items():
        lots = [(m.supplier_id == supplier) & (m.quantity > 0) for m in menu]
        bought = _grid([np.where(o, m.purchase_cost, 0.0) for m, o in zip(menu, lots, strict=True)])
        ok &= (_grid(lots) == 0) | (bought >= minimum - tol)
    return total, ok


def penalized(problem: Problem, menu: list[LotCosts], meets: list[np.ndarray]):
    """The relaxed model's costs, from plan.py's docstring: RELAX_PENALTY × (1 + the largest
    |expected cost| of the menu) per unit of missing fill rate, plus more than the menu's
    spread of costs below the target if the item has a lot that meets it."""
    result = []
    for item, m, ok in zip(problem.items, menu, meets, strict=True):
        cost = m.expected_cost
        if item.min_service_level is not None:
            missing = np.maximum(item.min_service_level - m.fill_rate_decided, 0.0)
            cost = cost + missing * PLAN.RELAX_PENALTY * (1 + np.abs(cost).max())
            if ok.any():
                cost = cost + np.where(ok, 0.0, 1 + np.ptp(m.expected_cost))
        result.append(cost)
    return result


def planned_with_menus(problem: Problem, solver: str, monkeypatch) -> tuple:
    """plan() and the candidate menus it chose from (what _reach_targets returned)."""
    seen = {}
    reach = PLAN._reach_targets

    def spy(*args, **kwargs):
        seen["menu"] = reach(*args, **kwargs)
        return seen["menu"]

    monkeypatch.setattr(PLAN, "_reach_targets", spy)
    result = PLAN.plan(problem, solver=solver, gap=1e-9)
    return result, seen["menu"]


@pytest.mark.parametrize(
    ("orders", "minimums"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["", "order_cost", "min_order_value", "order_cost+min_order_value"],
)
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_plan_is_the_cheapest_combination_of_its_candidates(solver, orders, minimums, monkeypatch):
    """With `orders`, two or three suppliers have an order_cost (shared by their lots); with
    `minimums`, one to three a min_order_value (their lots add up to it, or there are none)."""
    covered = {"tier": 0, "relaxed": 0, "limit": 0, "target": 0, "end_of_life": 0}
    if orders:
        covered |= {"shared": 0, "alone": 0}
    if minimums:
        covered |= {"raised": 0, "not_reached": 0}
    seeds = MINIMUM_SEEDS if minimums else ORDER_SEEDS if orders else SEEDS
    for seed in seeds[solver]:
        problem = random_problem(seed, orders, minimums)
        result, menu = planned_with_menus(problem, solver, monkeypatch)
        where = f"seed {seed}, {solver}"
        assert result.optimal, where
        meets = [np.ones(len(m), bool) if i.min_service_level is None
                 else m.fill_rate_decided >= i.min_service_level - 1e-12
                 for i, m in zip(problem.items, menu, strict=True)]  # fmt: skip
        chosen = []
        for lot, m in zip(result.lots, menu, strict=True):
            (c,) = np.flatnonzero((m.quantity == lot.quantity) & (m.supplier_id == lot.supplier_id))
            chosen.append(int(c))
        chosen = tuple(chosen)
        total, ok = combinations(problem, menu, [m.expected_cost for m in menu])
        strict = ok & (_grid([~x for x in meets]) == 0)  # and every lot meets its target
        scale = 1e-7 * (1 + abs(result.objective))
        if strict.any():  # every target can be met
            assert not result.relaxed, where
            assert strict[chosen], where
            assert result.objective == pytest.approx(total[strict].min(), abs=scale), where
            assert total[chosen] == pytest.approx(result.objective, abs=scale), where
        else:
            assert result.relaxed and result.infeasible_reason, where
            relaxed, _ = combinations(problem, menu, penalized(problem, menu, meets))
            assert ok[chosen], where
            assert relaxed[chosen] == pytest.approx(relaxed[ok].min(), rel=1e-7, abs=1e-6), where
            # the plan reports the cost of its lots without the penalties
            assert total[chosen] == pytest.approx(result.objective, abs=scale), where
            covered["relaxed"] += 1
        # each item's cheapest lot meeting its target, whatever the limits and tiers
        best = [m.expected_cost[k].min(initial=np.inf) for m, k in zip(menu, meets, strict=True)]
        alone = float(sum(best))
        covered["limit"] += result.objective > alone + 1e-6 and not result.relaxed
        covered["tier"] += any(d["discount_rate"] > 0 for d in result.supplier_discounts.values())
        targeted = [lot.quantity > 0 for i, lot in zip(problem.items, result.lots, strict=True)
                    if i.min_service_level is not None]  # fmt: skip
        covered["target"] += any(targeted)
        covered["end_of_life"] += any(i.arrives_too_late(o) and len(i.offers) > 1
                                      for i in problem.items for o in i.offers)  # fmt: skip
        if orders:  # a purchase order shared by lots; a lot the order_cost kept from its best
            covered["shared"] += any(o["lots"] > 1 for o in result.orders.values())
            covered["alone"] += any("no other lot shares tonight" in lot.reason
                                    for lot in result.lots)  # fmt: skip
        if minimums:  # a lot raised to reach a minimum; a lot whose minimum was not reached
            covered["raised"] += any("to reach" in lot.reason for lot in result.lots)
            covered["not_reached"] += any("worth ordering from" in lot.reason
                                          for lot in result.lots)  # fmt: skip
    assert all(n >= 3 for n in covered.values()), str(covered)
