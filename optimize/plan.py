"""The order decision: evaluate candidate lots, build the menu MILP, solve, explain.

Service-level targets (`ItemProblem.min_service_level`): a candidate may be chosen only if its
fill_rate_decided >= the target (the share of the demand from the earliest arrival of a lot ordered
now until a later order can arrive that stock serves, see evaluate.py). A fill rate, not the
chance of no stockout: a part that sells in one month of ten has a 90% chance of no stockout
in a month with no stock at all, so that target was met by never ordering (RAF simulation,
bench/simulate.py). If the targets cannot all be met,
the plan names why (a limit below what the targets need, or an item no lot can serve) and falls
back to a relaxed model: every candidate is allowed, a candidate below its target costs
RELAX_PENALTY × (1 + the largest |expected cost| of the item's menu) per unit of missing service
level, plus more than its menu's spread of costs if the item has a lot that meets it (so only
a shared limit makes such an item miss). Such a plan has `relaxed` True, `infeasible_reason`
set and says so in every reason."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimize.candidates import tier_lots
from optimize.data import ItemProblem, Limits, Problem, largest_tiers
from optimize.eoq import cost_per_period, discounted, eoq_candidates
from optimize.evaluate import LotCosts, evaluate_items, meeting
from optimize.explain import (
    Usage,
    explain,
    money,
    percent,
    period_word,
    recent_spike_text,
    units,
)
from optimize.explain import share as _share
from optimize.model import build_models, clean_name
from optimize.requirement_text import met_requirement_text
from optimize.sharing import problem_shares, with_order_cost_shares
from optimize.solve import DEFAULT_GAP, SolveResult
from optimize.states import solve_models

RELAX_PENALTY = 10.0
# A night keeps the item's lot of the night before (`plan(previous=...)`) while its expected
# cost tonight is within this share of the item's cheapest lot's |expected cost|: on the demo
# the same night planned with another scenario seed changed 41 of 101 lots, 37 of them by
# less than 0.1% of the item's expected cost and 39 by less than 0.2% (bench/nervousness.py)
KEEP_LOT_MARGIN = 0.002
# Seconds the relaxed model gets at least when proving the targets infeasible took the whole
# time_limit (or the whole limit when it is shorter)
MIN_RELAXED_SECONDS = 1.0
# menus of items whose target no lot meets grow up to this many times their largest lot
TARGET_REACH, TARGET_STEPS = 16.0, 8

COLUMNS = (
    "sku",
    "supplier_id",
    "quantity",
    "unit_price",
    "order_value",
    "tier_min_qty",
    "expected_cost",
    "savings",
    "expected_leftover",
    "stockout_risk",
    "reason",
    "explanation",
)


@dataclass(frozen=True)
class PlannedLot:
    """The decision for one item (supplier_id None and quantity 0: no order)."""

    sku: str
    supplier_id: str | None
    quantity: int
    unit_price: float | None
    order_value: float
    tier_min_qty: int | None
    expected_cost: float
    savings: float
    expected_leftover: float
    stockout_risk: float
    reason: str
    explanation: dict = field(compare=False)


@dataclass(frozen=True)
class Plan:
    """Lots of all items plus what the solver proved; `optimal` only if proven."""

    lots: tuple[PlannedLot, ...]
    solver_status: str
    optimal: bool
    objective: float | None
    best_bound: float | None  # None for a relaxed plan (its solver's bound includes penalties)
    # relative to the objective less the least it could be (each item's least cost); a
    # relaxed plan's: of the penalized model
    gap: float | None
    solve_seconds: float
    build_seconds: float
    relaxed: bool = False
    infeasible_reason: str | None = None
    supplier_discounts: dict = field(default_factory=dict)
    # per supplier with an order_cost or a min_order_value the plan orders from
    # (`purchase_orders`): its `order_cost`, the `lots` on its purchase order tonight and, with
    # a minimum, `min_order_value` and the order's `purchase` value; objective includes the costs
    orders: dict = field(default_factory=dict)
    # supplier_id -> what a later order pays of its order_cost (`Offer.order_cost_share`,
    # currency): the report rebuilds the problem of its charted items alone with these
    order_cost_shares: dict = field(default_factory=dict)

    @property
    def supplier_discount(self) -> float:
        """Currency the supplier-wide tiers take off the invoices (`supplier_discounts`); the
        lots' order_value is before it."""
        return float(sum(d["discount"] for d in self.supplier_discounts.values()))

    def frame(self) -> pd.DataFrame:
        """One row per item with the columns of the `recommendations` table; explanation as
        JSON text."""
        rows = [
            {c: getattr(lot, c) for c in COLUMNS[:-1]} | {"explanation": _json(lot.explanation)}
            for lot in self.lots
        ]
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["quantity"] = frame["quantity"].astype("int64")
        frame["tier_min_qty"] = frame["tier_min_qty"].astype("Int64")
        frame["unit_price"] = frame["unit_price"].astype("float64")
        return frame


def plan(
    problem: Problem,
    solver: str = "highs",
    time_limit: float = 60.0,
    gap: float = DEFAULT_GAP,
    max_candidates: int = 64,
    previous: Mapping[str, tuple[str | None, int]] | None = None,
    keep_margin: float | None = None,
) -> Plan:
    """Choose one lot per item minimizing total expected cost under the shared limits.
    time_limit: solver seconds (> 0), for all solves: a relaxed model solved after the targets
    were proven infeasible gets the time left (at least MIN_RELAXED_SECONDS); gap: relative
    optimality gap (>= 0) the solver may stop at, of the cost the lots can avoid (the objective
    less each item's least cost: solve.relative_gap); max_candidates: lots per offer on the menu
    (candidates.offer_lots).
    previous: sku -> (supplier_id, quantity) of the night before's lot still pending ((None,
    0): no order); an item keeps it while it is a feasible lot tonight whose expected cost is
    within `keep_margin` (relative; None: KEEP_LOT_MARGIN) of |its cheapest lot's|: the lot's
    cost counts that much less in the objective (`keep_credits`), so shared limits still hold
    and a lot whose stock or forecast moved enough to cost more moves. Plan's costs and
    objective are without the credit."""
    _check_solver_limits(time_limit, gap)
    margin = KEEP_LOT_MARGIN if keep_margin is None else float(keep_margin)
    if not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"keep_margin must be a number >= 0, got {keep_margin!r}")
    previous = (previous or {}) if margin > 0 else {}
    start = time.perf_counter()
    per_period = problem.objective == "cost_per_period"
    if per_period:  # a cost per purchase order has no per-period share (Problem's docstring)
        problem = dataclasses.replace(
            problem, limits=dataclasses.replace(problem.limits, order_cost={})
        )
    shares = problem_shares(problem)  # those build_problem computed for the same items
    problem = with_order_cost_shares(problem, shares)  # what later orders pay of order costs
    extra = [
        _with_previous(i, _extra_lots(i, problem.limits, per_period), previous.get(i.sku))
        for i in problem.items
    ]
    largest = {s: t.discount_rate for s, t in largest_tiers(problem.limits.supplier_tiers).items()}
    menu = evaluate_items(problem.items, max_candidates, extra, largest)
    menu = _reach_targets(problem.items, menu, max_candidates, extra, largest)
    scored = (
        [per_period_costs(i, m) for i, m in zip(problem.items, menu, strict=True)]
        if per_period
        else menu
    )
    credits = keep_credits(problem.items, scored, previous, margin)
    plain, scored = scored, [_credited(m, c) for m, c in zip(scored, credits, strict=True)]
    allowed = _allowed(problem.items, menu)
    parts = [] if allowed is None else infeasibility(problem, menu, allowed)
    build_seconds, spent, result = time.perf_counter() - start, 0.0, None
    if not parts:  # a cause known already: only the relaxed model below is solved
        start = time.perf_counter()
        models = build_models(scored, problem.limits, problem.items, allowed)
        build_seconds += time.perf_counter() - start
        result = solve_models(models, solver, time_limit, gap)
        spent = result.seconds
        if allowed is not None and result.infeasible:
            parts = [("limits", _combined_reason(problem, menu, allowed))]
    reason = "; ".join(text for _, text in parts) or None
    if reason is not None:  # relaxed model: targets as penalties, in the time left
        start = time.perf_counter()
        penalized = _penalized(problem.items, scored, allowed)
        models = build_models(penalized, problem.limits, problem.items)
        build_seconds += time.perf_counter() - start
        left = max(time_limit - spent, min(MIN_RELAXED_SECONDS, time_limit))
        result = solve_models(models, solver, left, gap)
        result = dataclasses.replace(result, seconds=result.seconds + spent)
    assert result is not None
    choices = list(result.choices) if result.choices is not None else [0] * len(menu)
    discounts = supplier_discounts(problem.limits, menu, choices)
    orders = purchase_orders(problem.limits, menu, choices)
    kept = [margin if credit[c] else None for credit, c in zip(credits, choices, strict=True)]
    lots = _planned_lots(problem, menu, choices, result, parts, discounts, allowed, orders, kept)
    if per_period:
        lots = tuple(_with_rate(lot, m, c) for lot, m, c in zip(lots, plain, choices, strict=True))
    lots = tuple(_with_spike(lot, i) for lot, i in zip(lots, problem.items, strict=True))
    objective = result.objective
    if reason is not None and result.choices is not None:  # report cost without penalties
        objective = float(sum(m.expected_cost[c] for m, c in zip(plain, choices, strict=True)))
        objective -= _discounts_total(problem.limits, plain, choices)
        objective += sum(o["order_cost"] for o in orders.values())
    elif objective is not None and result.choices is not None:  # ... and without the credits
        objective += sum(credit[c] for credit, c in zip(credits, choices, strict=True))
    return Plan(
        lots=lots,
        solver_status=result.status,
        optimal=result.optimal,
        objective=objective,
        best_bound=None if reason is not None else result.best_bound,  # relaxed: penalized
        gap=result.gap,
        solve_seconds=result.seconds,
        build_seconds=build_seconds,
        relaxed=reason is not None,
        infeasible_reason=reason,
        supplier_discounts=discounts,
        orders=orders,
        order_cost_shares=shares,
    )


def _with_previous(
    item: ItemProblem, extra: dict[str, np.ndarray], lot: tuple[str | None, int] | None
) -> dict[str, np.ndarray]:
    """`extra` with the item's lot of the night before added to its supplier's lots, when it
    is still a feasible lot of an offer whose lots can arrive in time."""
    if lot is None or lot[0] is None or lot[1] <= 0:
        return extra
    offer = next((o for o in item.offers if o.supplier_id == lot[0]), None)
    if offer is None or item.arrives_too_late(offer) or offer.lot_error(lot[1]) is not None:
        return extra
    lots = np.union1d(extra.get(offer.supplier_id, []), [lot[1]]).astype(np.int64)
    return extra | {offer.supplier_id: lots}


def keep_credits(
    items: tuple[ItemProblem, ...],
    menu: list[LotCosts],
    previous: Mapping[str, tuple[str | None, int]],
    margin: float,
) -> list[np.ndarray]:
    """Per item, per candidate what the objective takes off its cost for being the night
    before's lot (`plan(previous=...)`): `margin` × |the menu's least expected cost| on that
    lot, 0 elsewhere (currency)."""
    credits = []
    for item, lots in zip(items, menu, strict=True):
        credit = np.zeros(len(lots))
        lot = previous.get(item.sku)
        if lot is not None and margin > 0:
            supplier, quantity = lot if lot[1] > 0 else (None, 0)
            same = (lots.quantity == quantity) & np.array(
                [s == supplier for s in lots.supplier_id], dtype=bool
            )
            credit[same] = margin * abs(float(lots.expected_cost.min()))
        credits.append(credit)
    return credits


def _credited(lots: LotCosts, credit: np.ndarray) -> LotCosts:
    """The menu with each candidate's cost less its keep credit."""
    if not credit.any():
        return lots
    return dataclasses.replace(lots, expected_cost=lots.expected_cost - credit)


def _reach_targets(
    items: tuple[ItemProblem, ...],
    menu: list[LotCosts],
    max_candidates: int,
    extra: list[dict[str, np.ndarray]],
    discounts: dict[str, float],
) -> list[LotCosts]:
    """Menus of the items with a min_service_level that no lot on their menu meets, grown by
    larger lots (up to TARGET_REACH times the largest, in TARGET_STEPS) until one meets it or
    the fill stops rising (late deliveries cap it). The menu's lots reach about the 99th
    percentile of demand, and a few rare large demands can hold the fill below a target: a
    part needing 200 units for 80% was called one no lot could serve, and relaxed the plan of
    5,000 items."""
    menu = list(menu)
    pending = [k for k, item in enumerate(items) if not _meets(item, menu[k])]
    tops = {k: float(menu[k].quantity.max()) or 1.0 for k in pending}
    lots: dict[int, dict[str, np.ndarray]] = {}
    met = []
    factor = 1.0
    while pending and factor < TARGET_REACH:
        factor *= 2.0
        for k in pending:
            steps = np.geomspace(tops[k], tops[k] * factor, TARGET_STEPS)
            lots[k] = _with_lots(items[k], steps, extra[k])
        menus = evaluate_items([items[k] for k in pending], max_candidates,
                               [lots[k] for k in pending], discounts)  # fmt: skip
        still = []
        for k, m in zip(pending, menus, strict=True):
            rising = (
                float(m.fill_rate_decided.max()) > float(menu[k].fill_rate_decided.max()) + 1e-6
            )
            menu[k] = m
            if _meets(items[k], m):
                met.append(k)
            elif rising:
                still.append(k)
        pending = still
    if met:  # between the largest lot below the target and the smallest meeting it, finer
        finer = [_with_lots(items[k], _bracket(items[k], menu[k]), lots[k]) for k in met]
        menus = evaluate_items([items[k] for k in met], max_candidates, finer, discounts)
        for k, m in zip(met, menus, strict=True):
            menu[k] = m
    return menu


def _bracket(item: ItemProblem, lots: LotCosts) -> np.ndarray:
    """2 × TARGET_STEPS lots from the largest below the item's target to the smallest lot
    meeting it (units)."""
    ok = meeting(item, lots)
    high = float(lots.quantity[ok].min())
    below = lots.quantity[~ok & (lots.quantity < high)]
    low = float(below.max()) if below.size else 1.0
    return np.linspace(low, high, 2 * TARGET_STEPS)


def _meets(item: ItemProblem, lots: LotCosts) -> bool:
    """True if the item has no target or a lot on its menu meets it."""
    return bool(meeting(item, lots).any())


def _with_lots(
    item: ItemProblem, steps: np.ndarray, extra: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per supplier, the lots `extra` plus the feasible lots at or above `steps` (units)."""
    out = {}
    for offer in item.offers:
        more = offer.feasible_at_least(np.ceil(steps).astype(np.int64))
        out[offer.supplier_id] = np.union1d(extra.get(offer.supplier_id, []), more).astype(np.int64)
    return out


def _extra_lots(item: ItemProblem, limits: Limits, per_period: bool) -> dict[str, np.ndarray]:
    """Lots added to the item's menus per supplier: those reaching a supplier-wide tier or
    the supplier's min_order_value alone (candidates.tier_lots) and, for the cost-per-period
    objective, the EOQ lots."""
    eoq = eoq_lots(item, limits) if per_period else {}
    minimums = limits.minimums()
    out = {}
    for offer in item.offers:
        spends = [minimums[offer.supplier_id]] if offer.supplier_id in minimums else []
        lots = tier_lots(offer, limits.supplier_tiers, spends)
        if offer.supplier_id in eoq:
            lots = np.union1d(lots, eoq[offer.supplier_id])
        out[offer.supplier_id] = lots
    return out


def eoq_lots(item: ItemProblem, limits: Limits) -> dict[str, np.ndarray]:
    """Per supplier, the lots among which the lowest cost per period of cover is (eoq.py),
    at its prices and at its prices less each of its supplier-wide discounts (a discount
    scales all but the fixed cost, so the economic lot grows when a tier is reached)."""
    rate, holding = _rates(item)
    tiers = limits.tiers_by_supplier()
    out = {}
    for offer in item.offers:
        lots = [eoq_candidates(offer, rate, holding)]
        for tier in tiers.get(offer.supplier_id, []):
            lots.append(eoq_candidates(discounted(offer, tier.discount_rate), rate, holding))
        out[offer.supplier_id] = np.unique(np.concatenate(lots))
    return out


def per_period_costs(item: ItemProblem, lots: LotCosts) -> LotCosts:
    """The item's candidates with expected_cost replaced by the cost per period of cover
    (Problem.objective "cost_per_period"; currency per period), and discountable by the part
    of it a supplier-wide discount scales (the horizon's figure would be taken off a cost
    per period)."""
    rate, holding = _rates(item)
    cost = np.full(len(lots), item.stockout_cost * rate)  # no order: demand is lost
    discountable = np.zeros(len(lots))
    for offer in item.offers:
        sel = lots.supplier_id == offer.supplier_id
        if sel.any():
            cost[sel] = cost_per_period(offer, lots.quantity[sel], rate, holding)
            discountable[sel] = cost_per_period(offer, lots.quantity[sel], rate, holding, False)
    usable = np.isfinite(cost)
    return dataclasses.replace(
        lots,
        expected_cost=np.where(usable, cost, 1e12),  # lots with no usable unit
        discountable=np.where(usable, discountable, 0.0),
    )


def _rates(item: ItemProblem) -> tuple[float, float]:
    """Mean demand per period (units) and holding cost rate per period."""
    return float(item.scenarios.mean()), item.holding_rate_per_period


def _with_rate(lot: PlannedLot, scored: LotCosts, choice: int) -> PlannedLot:
    explanation = lot.explanation | {
        "objective": "cost_per_period",
        "cost_per_period": float(scored.expected_cost[choice]),
    }
    reason = lot.reason.rstrip(".") + (
        f"; cost per period of cover {money(float(scored.expected_cost[choice]))}."
    )
    return dataclasses.replace(lot, explanation=explanation, reason=reason)


def _with_spike(lot: PlannedLot, item: ItemProblem) -> PlannedLot:
    """A lot to order whose item has a `recent_spike`, its reason ending with
    `recent_spike_text`: the last thing a planner reads before approving; before it, a
    requirement needed now that the spike may have met (`met_requirement_text`)."""
    if not lot.quantity or item.recent_spike is None:
        return lot
    met = met_requirement_text(item, period_word(item))
    return dataclasses.replace(lot, reason=f"{lot.reason.rstrip()}{met} {recent_spike_text(item)}")


def supplier_discounts(limits: Limits, menu: list[LotCosts], choices: list[int]) -> dict:
    """Per tiered supplier: bought (`spend`: purchase cost, `units`), the tier reached
    (`min_total`, `discount_rate`; None and 0 for none), its `discount` on the invoice
    (currency) and `expected_saving`, what it takes off the expected cost (the discount on the
    purchase and on the holding of the lots' units, less what it takes off their leftover
    value)."""
    result = {}
    for supplier, tiers in limits.tiers_by_supplier().items():
        spend = units_bought = discountable = 0.0
        for m, c in zip(menu, choices, strict=True):
            if m.supplier_id[c] == supplier:
                spend += float(m.purchase_cost[c])
                units_bought += float(m.quantity[c])
                discountable += float(m.discountable[c])
        basis = spend if tiers[0].basis == "spend" else units_bought
        reached = [t for t in tiers if basis >= t.min_total - 1e-9]
        top = reached[-1] if reached else None
        result[supplier] = {
            "spend": spend,
            "units": units_bought,
            "min_total": None if top is None else float(top.min_total),
            "discount_rate": 0.0 if top is None else float(top.discount_rate),
            "discount": 0.0 if top is None else float(top.discount_rate * spend),
            "expected_saving": 0.0 if top is None else float(top.discount_rate * discountable),
        }
    return result


def purchase_orders(limits: Limits, menu: list[LotCosts], choices: list[int]) -> dict:
    """Per supplier with an order_cost or a min_order_value that a chosen lot is from: its
    `order_cost` (currency, paid once for its purchase order tonight; 0: none) and the `lots`
    on that order; with a min_order_value also it and the order's `purchase` value (Σ of its
    lots' purchase cost before supplier-wide discounts, currency)."""
    costs, minimums = limits.orders(), limits.minimums()
    lots = [(m.supplier_id[c], float(m.purchase_cost[c]))
            for m, c in zip(menu, choices, strict=True) if m.quantity[c] > 0]  # fmt: skip
    result = {}
    for s in sorted({s for s, _ in lots} & set(limits.po_suppliers())):
        result[s] = {"order_cost": costs.get(s, 0.0), "lots": sum(1 for o, _ in lots if o == s)}
        if s in minimums:
            purchase = sum(v for o, v in lots if o == s)
            result[s] |= {"min_order_value": minimums[s], "purchase": purchase}
    return result


def worth_ordering(limits: Limits, menu: list[LotCosts]) -> dict[str, float]:
    """Per supplier with a min_order_value: the purchase cost of the items' best lots alone
    (least expected cost) that are from it (currency)."""
    result = dict.fromkeys(limits.minimums(), 0.0)
    for m in menu:
        best = int(np.argmin(m.expected_cost))
        if m.quantity[best] > 0 and m.supplier_id[best] in result:
            result[m.supplier_id[best]] += float(m.purchase_cost[best])
    return result


def _discounts_total(limits: Limits, menu: list[LotCosts], choices: list[int]) -> float:
    return sum(v["expected_saving"] for v in supplier_discounts(limits, menu, choices).values())


def _allowed(items: tuple[ItemProblem, ...], menu: list[LotCosts]) -> list[np.ndarray] | None:
    """Per item, the candidates meeting its service-level target (None: no targets)."""
    if all(i.min_service_level is None for i in items):
        return None
    return [meeting(item, m) for item, m in zip(items, menu, strict=True)]


def infeasibility(
    problem: Problem, menu: list[LotCosts], allowed: list[np.ndarray]
) -> list[tuple[str, str]]:
    """Why the service-level targets cannot all be met, as (kind, text) parts: "items" (no lot
    meets the targets of these) and "limits" (a limit below what the others need); empty if
    no single cause shows. The run's reason joins the texts with "; "."""
    items, limits = problem.items, problem.limits
    targeted = [k for k, i in enumerate(items) if i.min_service_level is not None]
    hopeless = [k for k in targeted if not allowed[k].any()]
    parts = []
    if hopeless:
        named = _first(
            [f"{items[k].sku} (best {_share(float(menu[k].fill_rate_decided.max()), short=True)} "
             f"of {_share(items[k].min_service_level)})" for k in hopeless]
        )  # fmt: skip
        s = "s" if len(hopeless) > 1 else ""
        parts.append(("items", f"no lot meets the service level of item{s} {named}"))
        targeted = [k for k in targeted if allowed[k].any()]
    if short := _limit_short(items, limits, menu, allowed, targeted):
        parts.append(("limits", short))
    return parts


def _relaxed_why(
    item: ItemProblem,
    costs: LotCosts,
    allowed: list[np.ndarray],
    k: int,
    parts: list[tuple[str, str]],
) -> str:
    """Why item k's reason is from a relaxed plan, briefly: its own target when no lot meets
    it, else the run's reason (`infeasibility` parts) with the items no lot can serve
    counted, not listed (a planner's RAF night put the same 300 characters naming five other
    items in front of all 335 reasons; the run's infeasible_reason keeps the list)."""
    if item.min_service_level is not None and not allowed[k].any():
        best = float(costs.fill_rate_decided.max())
        return (f"no lot meets its service level: best {_share(best, short=True)} of "
                f"{_share(item.min_service_level)}")  # fmt: skip
    n = sum(1 for j, ok in enumerate(allowed) if not ok.any() and j != k)
    counted = f"no lot meets the service level of {n} other item{'s' if n > 1 else ''}"
    return "; ".join(counted if kind == "items" else text for kind, text in parts)


def _first(names: list[str], shown: int = 5) -> str:
    """The first `shown` names, then how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _limit_short(
    items: tuple[ItemProblem, ...],
    limits: Limits,
    menu: list[LotCosts],
    allowed: list[np.ndarray],
    targeted: list[int],
) -> str | None:
    """The first limit below what the targeted items' cheapest allowed lots need, or None."""
    if not targeted:
        return None
    needs = {
        "budget": [float(menu[k].purchase_cost[allowed[k]].min()) for k in targeted],
        "capacity": [
            float((menu[k].quantity[allowed[k]] * items[k].unit_volume).min()) for k in targeted
        ],
        "max_orders": [float((menu[k].quantity[allowed[k]] > 0).all()) for k in targeted],
    }
    for name, fmt in (("budget", money), ("capacity", units), ("max_orders", units)):
        bound = getattr(limits, name)
        need = sum(needs[name])
        if bound is not None and need > bound + 1e-6:
            order = np.argsort(needs[name])[::-1]
            skus = [items[targeted[j]].sku for j in order if needs[name][j] > 0]
            return (
                f"{name} {fmt(bound)} is below the {fmt(need)} needed to meet the "
                f"{_levels(skus, 'item', 3)}"
            )
    return None


def _combined_reason(problem: Problem, menu: list[LotCosts], allowed: list[np.ndarray]) -> str:
    """'budget, min_order_value_S2 together cannot meet the service levels of A, B': the
    limits in force and the min_order_value rows of the suppliers some targeted item has an
    allowed lot from (no order from them is then not always possible)."""
    names = [
        n for n in ("budget", "capacity", "max_orders") if getattr(problem.limits, n) is not None
    ]
    targeted = [k for k, i in enumerate(problem.items) if i.min_service_level is not None]
    names += [
        clean_name(f"min_order_value_{s}")
        for s in sorted(problem.limits.minimums())
        if any((menu[k].supplier_id[allowed[k]] == s).any() for k in targeted)
    ]
    skus = [i.sku for i in problem.items if i.min_service_level is not None]
    return f"{', '.join(names) or 'the limits'} together cannot meet the {_levels(skus)}"


def _levels(skus: list[str], word: str = "", shown: int = 5) -> str:
    """'service level of A' or 'service levels of A, B and 3 more' (`word` 'item': 'of item A',
    'of items A, B'): singular for one sku."""
    many = len(skus) > 1
    of = f"{word}{'s' if many else ''} " if word else ""
    return f"service level{'s' if many else ''} of {of}{_first(skus, shown)}"


def _penalized(
    items: tuple[ItemProblem, ...], menu: list[LotCosts], allowed: list[np.ndarray]
) -> list[LotCosts]:
    """The menus of the relaxed model: a candidate below its item's target costs RELAX_PENALTY
    × (1 + the largest |expected cost| of the menu) per unit of missing fill, and, if the item
    has a candidate that meets the target, also more than the whole spread of its menu's
    costs: only a shared limit can then make it miss the target. Without that step an item
    missing 90% by 1.1 points was charged less than the lot that met it (14 items of a
    planner's RAF night fell short while one item no lot could serve relaxed the plan)."""
    result = []
    for item, m, ok in zip(items, menu, allowed, strict=True):
        if item.min_service_level is None:
            result.append(m)
            continue
        missing = np.maximum(item.min_service_level - m.fill_rate_decided, 0.0)
        scale = RELAX_PENALTY * (1.0 + float(np.abs(m.expected_cost).max()))
        penalty = missing * scale
        if ok.any():
            spread = float(m.expected_cost.max() - m.expected_cost.min())
            penalty = penalty + np.where(ok, 0.0, 1.0 + spread)
        # less the item's least penalty, which no choice avoids: the solver's relative gap
        # then is not measured against a constant dwarfing the costs
        penalty = penalty - penalty.min()
        result.append(dataclasses.replace(m, expected_cost=m.expected_cost + penalty))
    return result


def _planned_lots(
    problem: Problem,
    menu: list[LotCosts],
    choices: list[int],
    result: SolveResult,
    relaxed: list[tuple[str, str]],
    discounts: dict,
    allowed: list[np.ndarray] | None,
    orders: dict,
    kept: list[float | None] | None = None,
) -> tuple[PlannedLot, ...]:
    """The planned lot per item with its reason; `relaxed`: the `infeasibility` parts of a
    relaxed plan (empty: not relaxed); `orders`: `purchase_orders`; `kept`: per item the keep
    margin when its lot is the night before's, kept (None: not)."""
    usage = dataclasses.replace(
        _usage(problem, menu, choices),
        order_cost=problem.limits.orders(),
        placed=orders,
        minimum=problem.limits.minimums(),
        worth=worth_ordering(problem.limits, menu),
    )
    lots = []
    for k, (item, costs, c) in enumerate(zip(problem.items, menu, choices, strict=True)):
        reason, explanation = explain(item, costs, c, usage, None if kept is None else kept[k])
        if result.choices is None:
            reason = f"No order: the solver found no plan ({result.status})."
        elif relaxed and allowed is not None:
            why = _relaxed_why(item, costs, allowed, k, relaxed)
            reason = f"Relaxed plan ({why}): {reason}"
            explanation["relaxed"] = "; ".join(text for _, text in relaxed)
        if result.choices is not None and not result.optimal:
            reason = f"Not proven optimal ({result.status}): {reason}"
        tier = discounts.get(explanation["supplier_id"])
        explanation["supplier_tier"] = tier
        if tier is not None and tier["discount_rate"] > 0 and result.choices is not None:
            reason = reason.rstrip(".") + (
                f"; the plan reaches {explanation['supplier_id']}'s supplier-wide discount of "
                f"{percent(tier['discount_rate'])} on {money(tier['spend'])}."
            )
        if item.min_service_level is not None:
            explanation["service_level"] = float(costs.fill_rate_decided[c])
            explanation["min_service_level"] = item.min_service_level
        lot = costs.lot(c)
        lots.append(
            PlannedLot(
                sku=item.sku,
                supplier_id=lot.supplier_id,
                quantity=lot.quantity,
                unit_price=lot.unit_price if lot.quantity else None,
                order_value=lot.purchase_cost,
                tier_min_qty=lot.tier_min_qty,
                expected_cost=lot.expected_cost,
                savings=explanation["savings"],
                expected_leftover=lot.expected_leftover,
                stockout_risk=lot.stockout_risk,
                reason=reason,
                explanation=explanation,
            )
        )
    return tuple(lots)


def _usage(problem: Problem, menu: list[LotCosts], choices: list[int]) -> Usage:
    """What the plan uses of each limit, and which limits could not also take the extra that
    every item's best lot alone (its cheapest by expected cost) needs over the plan's lot."""
    qty = np.array([m.quantity[c] for m, c in zip(menu, choices, strict=True)], dtype=float)
    volume = np.array([i.unit_volume for i in problem.items], dtype=float)
    limits = problem.limits
    used = {
        "budget": float(sum(m.purchase_cost[c] for m, c in zip(menu, choices, strict=True))),
        "capacity": float((qty * volume).sum()),
        "max_orders": float((qty > 0).sum()),
    }
    extra = dict.fromkeys(used, 0.0)
    for m, c, v in zip(menu, choices, volume, strict=True):
        b = int(np.argmin(m.expected_cost))
        extra["budget"] += max(m.purchase_cost[b] - m.purchase_cost[c], 0.0)
        extra["capacity"] += max((m.quantity[b] - m.quantity[c]) * v, 0.0)
        extra["max_orders"] += max(int(m.quantity[b] > 0) - int(m.quantity[c] > 0), 0)
    bounds = {"budget": limits.budget, "capacity": limits.capacity, "max_orders": limits.max_orders}
    short = tuple(n for n, bound in bounds.items()
                  if bound is not None and used[n] + extra[n] > bound + 1e-6)  # fmt: skip
    return Usage(
        budget=used["budget"],
        capacity=used["capacity"],
        orders=int(used["max_orders"]),
        budget_limit=limits.budget,
        capacity_limit=limits.capacity,
        orders_limit=limits.max_orders,
        short_together=short,
    )


def _json(value: dict) -> str:
    return json.dumps(value, default=_plain, sort_keys=True)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _check_solver_limits(time_limit: float, gap: float) -> None:
    """Refuse limits the solvers would silently ignore (HiGHS keeps its default for -1 or
    NaN: no time limit at all)."""
    if not (_number(time_limit) > 0):
        raise ValueError(f"time_limit must be a number of seconds > 0, got {time_limit!r}")
    if not (_number(gap) >= 0):
        raise ValueError(f"gap must be a fraction >= 0, got {gap!r}")


def _number(value: object) -> float:
    """float(value) if it is a finite number, else NaN (every comparison with it is False)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
