"""A supplier's order_cost: paid once per purchase order the plan places with it on one night,
shared by every lot on it (joint replenishment), as the menu MILP's po columns and rows.

test_plan_brute_force checks plans with order costs against every combination of lots (with
budgets, capacities, targets and supplier-wide tiers); here are the readable cases."""

from __future__ import annotations

import dataclasses
import itertools
import re

import numpy as np
import pytest

from optimize.data import ItemProblem, Limits, Offer, PriceBreak, Problem, SupplierTier
from optimize.evaluate import evaluate_items
from optimize.fallback import greedy_choices
from optimize.model import build_models
from optimize.plan import plan
from optimize.sharing import (
    later_rate,
    order_cost_shares,
    problem_shares,
    with_order_cost_shares,
)
from optimize.solve import NO_SOLVER_STATUS, meets_rows
from optimize.states import solve_models
from tests.optimize.test_plan_brute_force import random_problem

SOLVERS = ("highs", "cbc")


def _offer(sku: str, supplier: str, price: float) -> Offer:
    return Offer(supplier, 1, 1, "all_units", (PriceBreak(1, price),), 0.0, 0, sku=sku)


def _part(sku: str, *offers: tuple[str, float], target: float | None = None) -> ItemProblem:
    """A slow part: 1 unit a month for 4 months, none on hand; a lot of 4 costs 41 (price 10,
    holding), no order 120 in lost sales (stockout_cost 30)."""
    return ItemProblem(
        sku=sku,
        scenarios=np.ones((4, 4), np.int64),
        on_hand=0,
        open_orders=(),
        offers=tuple(_offer(sku, s, p) for s, p in offers),
        holding_cost_rate=0.2,
        period_years=1 / 12,
        salvage_value=0.0,
        obsolescence=0.0,
        stockout_cost=30.0,
        unit_volume=0.0,
        review_period=None,
        min_service_level=target,
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_slow_parts_neither_worth_an_order_alone_are_ordered_together(solver):
    """S2's order_cost 120: one part alone saves 79 (lot 41 against 120 of lost sales), less
    than the order; two parts save 158 together, more than the one order they share."""
    limits = Limits(order_cost={"S2": 120.0})
    alone = plan(Problem((_part("A", ("S2", 10.0)),), limits), solver=solver)
    assert [lot.quantity for lot in alone.lots] == [0] and alone.objective == pytest.approx(120)
    assert alone.orders == {}
    assert alone.lots[0].reason.startswith(
        "No order: ordering 4 from S2 would cost 79.00 less in expectation, but that needs a "
        "purchase order with S2 (order_cost 120.00) that no other lot shares tonight"
    )
    both = plan(Problem((_part("A", ("S2", 10.0)), _part("B", ("S2", 10.0))), limits), solver)
    assert [lot.quantity for lot in both.lots] == [4, 4] and both.optimal
    assert both.objective == pytest.approx(41 + 41 + 120)
    assert both.orders == {"S2": {"order_cost": 120.0, "lots": 2}}
    assert "shares S2's order_cost 120.00 with 1 other lot tonight" in both.lots[0].reason
    # the lot's own costs leave the shared order out
    assert both.lots[0].expected_cost == pytest.approx(41)
    assert both.lots[0].explanation["order"] == {"supplier_id": "S2", "order_cost": 120.0,
                                                 "lots": 2}  # fmt: skip


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_part_moves_to_the_supplier_that_gets_an_order_tonight(solver):
    """C is 0.25/unit cheaper from S2 than from S1, but S2's order costs 20 and no other lot
    goes there; with A ordered from S2 anyway, C joins its order."""
    limits = Limits(order_cost={"S1": 20.0, "S2": 20.0})
    c = _part("C", ("S1", 10.0), ("S2", 9.75))
    moved = plan(Problem((_part("A", ("S1", 10.0)), c), limits), solver=solver)
    assert [lot.supplier_id for lot in moved.lots] == ["S1", "S1"]
    assert moved.lots[1].reason.endswith(
        "Not 4 from S2, 1.02 cheaper in expectation on its own: that needs a purchase order "
        "with S2 (order_cost 20.00) that no other lot shares tonight."
    )
    assert moved.lots[1].explanation["best_without_order_cost"]["supplier_id"] == "S2"
    joined = plan(Problem((_part("A", ("S2", 10.0)), c), limits), solver=solver)
    assert [lot.supplier_id for lot in joined.lots] == ["S2", "S2"]


def test_an_order_cost_of_0_gives_exactly_todays_plan():
    """order_cost 0 (the column's default) is no cost per purchase order: the same lots,
    objective, status and reasons as without the column."""
    for seed in range(12):
        problem = random_problem(seed)
        zero = Limits(**{**problem.limits.__dict__, "order_cost": {"S0": 0.0, "S1": 0.0}})
        today = plan(problem, gap=1e-9)
        with_zero = plan(Problem(problem.items, zero), gap=1e-9)
        assert with_zero.lots == today.lots, seed
        assert [lot.reason for lot in with_zero.lots] == [lot.reason for lot in today.lots]
        assert (with_zero.objective, with_zero.solver_status) == (
            today.objective,
            today.solver_status,
        ), seed


def test_every_new_column_and_row_has_a_readable_name():
    items = (_part("A-1", ("S2", 10.0)), _part("B", ("S2", 10.0), ("S 1", 10.5)))
    limits = Limits(budget=100.0, order_cost={"S2": 120.0, "S 1": 10.0})
    (model,) = build_models(evaluate_items(items), limits, items)
    assert [n for n in model.col_names if n.startswith("po_")] == ["po_S_1", "po_S2"]
    assert [n for n in model.row_names if n.startswith("po_")] == [
        "po_S_1_B", "po_S2_A_1", "po_S2_B"]  # fmt: skip
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", n) for n in model.col_names + model.row_names)


def test_a_lot_from_another_supplier_is_kept_when_only_the_order_makes_it_dearer():
    """Exact dominance: S1's lot costs 1.02 more than S2's, less than S2's order_cost, so it
    stays a column; without the order_cost S2's lot alone is left (no solver needed)."""
    items = (_part("C", ("S1", 10.0), ("S2", 9.75)),)
    menu = evaluate_items(items)
    (model,) = build_models(menu, Limits(order_cost={"S2": 20.0}), items)
    kept = {menu[0].supplier_id[c] for c in model.keep[0]}
    assert kept == {"S1", "S2"}  # S1 (no order_cost) is cheaper than no order
    (today,) = build_models(menu, Limits(), items)
    assert today.n_columns == 0 and [menu[0].supplier_id[c] for c in today.keep[0]] == ["S2"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_fixed_items_lot_places_the_order_the_others_then_share_free(solver):
    """A must be served (target 90%: no order is not allowed), so S2's order is placed
    whatever the others do: no po column, its cost in the constant and the floor, and B (not
    worth 120 alone) joins it."""
    items = (_part("A", ("S2", 10.0), target=0.9), _part("B", ("S2", 10.0)))
    limits = Limits(order_cost={"S2": 120.0})
    menu = evaluate_items(items)
    allowed = [m.fill_rate_decided >= 0.9 if i.min_service_level else np.ones(len(m), bool)
               for i, m in zip(items, menu, strict=True)]  # fmt: skip
    (model,) = build_models(menu, limits, items, allowed)
    assert model.fixed[0] >= 0 and not any(n.startswith("po_") for n in model.col_names)
    assert model.floor == pytest.approx(41 + 41 + 120)
    result = plan(Problem(items, limits), solver=solver)
    assert [lot.quantity for lot in result.lots] == [4, 4]
    assert result.objective == pytest.approx(41 + 41 + 120)
    assert result.solver_status == NO_SOLVER_STATUS


def test_the_greedy_fallback_places_the_orders_its_lots_need():
    items = (_part("A", ("S2", 10.0)), _part("B", ("S2", 10.0), ("S1", 10.5)))
    limits = Limits(budget=60.0, order_cost={"S2": 120.0, "S1": 5.0})
    (model,) = build_models(evaluate_items(items), limits, items)
    x = greedy_choices(model)
    assert x is not None and meets_rows(model, x)
    placed = {n for n, v in zip(model.col_names, x, strict=True) if n.startswith("po_") and v}
    chosen = {model.menu[i].supplier_id[c] for i, c in enumerate(model.choices(x))}
    assert placed == {f"po_{s}" for s in chosen if s}


def _brute_force(menu, limits: Limits) -> float:
    """The cheapest combination of one candidate per item (limits: budget; tiers on spend;
    order costs), enumerated."""
    best = np.inf
    for combo in itertools.product(*(range(len(m)) for m in menu)):
        lots = [(m.supplier_id[c], m.purchase_cost[c], m.quantity[c], m.expected_cost[c],
                 m.discountable[c]) for m, c in zip(menu, combo, strict=True)]  # fmt: skip
        spend = sum(lot[1] for lot in lots)
        if limits.budget is not None and spend > limits.budget + 1e-6:
            continue
        total = sum(lot[3] for lot in lots)
        for supplier, tiers in limits.tiers_by_supplier().items():
            bought = sum(lot[1] for lot in lots if lot[0] == supplier)
            rate = max((t.discount_rate for t in tiers if bought >= t.min_total - 1e-9), default=0)
            total -= rate * sum(lot[4] for lot in lots if lot[0] == supplier)
        total += sum(cost for s, cost in limits.order_cost.items()
                     if any(lot[0] == s and lot[2] > 0 for lot in lots))  # fmt: skip
        best = min(best, total)
    return best


def _four_items() -> tuple[ItemProblem, ...]:
    rng = np.random.default_rng(7)
    items = []
    for k, rate in enumerate((0.6, 1.0, 1.5, 0.8)):
        offers = (("S1", 10.0 + k / 4), ("S2", 9.5 + k / 3)) if k % 2 else (("S2", 9.0),)
        item = _part(f"P{k}", *offers)
        scenarios = rng.poisson(rate, (6, 4))
        items.append(ItemProblem(**{**_fields(item), "scenarios": scenarios}))
    return tuple(items)


def _fields(item: ItemProblem) -> dict:
    names = ("sku", "scenarios", "on_hand", "open_orders", "offers", "holding_cost_rate",
             "period_years", "salvage_value", "obsolescence", "stockout_cost", "unit_volume",
             "review_period")  # fmt: skip
    return {n: getattr(item, n) for n in names}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "budget, tiers",
    [(None, ()), (60.0, ()), (None, (SupplierTier("S2", 40.0, 0.1),)),
     (80.0, (SupplierTier("S2", 40.0, 0.1), SupplierTier("S1", 20.0, 0.05)))],
)  # fmt: skip
def test_the_milp_equals_a_brute_force_over_every_combination_of_lots(solver, budget, tiers):
    """4 items, 2 suppliers with an order_cost, with and without a budget and supplier-wide
    tiers (their states' models), over 3 levels of order_cost."""
    items = _four_items()
    menu = [m for m in evaluate_items(items, max_candidates=6)]
    for costs in ({"S1": 10.0, "S2": 25.0}, {"S1": 40.0, "S2": 60.0}, {"S1": 0.0, "S2": 200.0}):
        limits = Limits(budget=budget, supplier_tiers=tiers, order_cost=costs)
        models = build_models(menu, limits, items)
        result = solve_models(models, solver, 60.0, 1e-9)
        assert result.optimal, (costs, result.status)
        assert result.objective == pytest.approx(_brute_force(menu, limits), abs=1e-6), costs


def test_the_compact_tier_model_carries_the_orders_too():
    """More tier states than max_states: one compact model, with the po columns besides its
    tier columns, same optimum as the brute force."""
    items = _four_items()
    menu = evaluate_items(items, max_candidates=6)
    tiers = (SupplierTier("S2", 40.0, 0.1), SupplierTier("S1", 20.0, 0.05))
    limits = Limits(budget=80.0, supplier_tiers=tiers, order_cost={"S1": 30.0, "S2": 50.0})
    (model,) = build_models(menu, limits, items, max_states=1)
    assert {"po_S1", "po_S2"} <= set(model.col_names)
    for solver in SOLVERS:
        result = solve_models([model], solver, 60.0, 1e-9)
        assert result.objective == pytest.approx(_brute_force(menu, limits), abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_waiting_for_a_later_order_does_not_skip_its_order_cost(solver):
    """A part out of stock with later orders possible (review_period 1): waiting loses this
    month's unit (100) and buys the other 3 by later orders, which pay S2's order_cost 100 as
    well (the part is S2's only one: the whole of it, `optimize.sharing`). Later orders were
    priced without it (3 × 10.x), so waiting looked 89 cheaper than a lot now with its order
    (41 + 100 > 130) and the part waited every night for a lot to share the order with; with
    the order cost on the later orders the lot now is cheaper."""
    part = ItemProblem(
        sku="P",
        scenarios=np.ones((4, 4), np.int64),
        on_hand=0,
        open_orders=(),
        offers=(_offer("P", "S2", 10.0),),
        holding_cost_rate=0.2,
        period_years=1 / 12,
        salvage_value=0.0,
        obsolescence=0.0,
        stockout_cost=100.0,
        unit_volume=0.0,
        review_period=1,
    )
    result = plan(Problem((part,), Limits(order_cost={"S2": 100.0})), solver=solver)
    lot = result.lots[0]
    assert lot.quantity == 4 and result.orders == {"S2": {"order_cost": 100.0, "lots": 1}}
    waiting = lot.explanation["versus_no_order"]
    assert waiting["expected_cost_difference"] > 100, waiting  # more than the order costs
    assert "pays S2's order_cost 100.00 alone" in lot.reason


def test_a_later_order_pays_its_share_of_the_order_cost_by_the_supplier_s_items():
    """A supplier's one item: its later orders pay the whole order_cost (each is alone on its
    order); ten such items: an order carries the lots of those that order in its period, each
    pays order_cost × p / k (`optimize.sharing`), less than half here; a supplier none of the
    items orders from later: the whole."""

    def steady(sku, supplier, rate):
        return ItemProblem(sku=sku, scenarios=np.full((4, 4), rate, np.int64), on_hand=0,
                           open_orders=(), offers=(_offer(sku, supplier, 10.0),),
                           holding_cost_rate=0.2, period_years=1 / 12, salvage_value=0.0,
                           obsolescence=0.0, stockout_cost=100.0, unit_volume=0.0,
                           review_period=1)  # fmt: skip

    one = steady("A", "S1", 5)
    offer, rate = later_rate(one)
    assert offer.supplier_id == "S1" and 0 < rate <= 1
    costs = {"S1": 120.0, "S9": 50.0}
    shares = order_cost_shares([one], costs)
    assert shares == pytest.approx({"S1": 120.0, "S9": 50.0})
    ten = [steady(f"P{k}", "S1", 5) for k in range(10)]
    _, r = later_rate(ten[0])
    expected = 120.0 * (1 - (1 - r) ** 10) / (10 * r)
    assert order_cost_shares(ten, costs)["S1"] == pytest.approx(expected)
    assert order_cost_shares(ten, costs)["S1"] < 120.0 / 2
    problem = with_order_cost_shares(Problem(tuple(ten), Limits(order_cost={"S1": 120.0})))
    assert [o.order_cost_share for i in problem.items for o in i.offers] == pytest.approx(
        [expected] * 10
    )
    assert with_order_cost_shares(problem).items[0].offers == problem.items[0].offers  # idempotent
    assert order_cost_shares(ten, {}) == {}


def test_a_no_order_reason_does_not_speak_of_this_order():
    """'No order: ... stockout risk this order decides 99%' spoke of an order there is not: the
    risk after the earliest arrival is what ordering nothing leaves."""
    part = dataclasses.replace(
        _part("A", ("S2", 10.0)),
        offers=(dataclasses.replace(_offer("A", "S2", 10.0), lead_time=1),),
    )
    lot = plan(Problem((part,), Limits(order_cost={"S2": 120.0}))).lots[0]
    assert lot.quantity == 0
    assert "(unavoidable); stockout risk from then on without an order 100%" in lot.reason
    assert "this order decides" not in lot.reason


@pytest.mark.parametrize("seed", range(6))
def test_a_plan_reuses_the_shares_its_problem_was_built_with_and_plans_the_same(seed):
    """build_problem and plan each computed the order cost shares (1.1-1.7 s apiece at 5,000
    items): plan reuses those `with_order_cost_shares` kept on the problem while its items and
    order costs are the same, and the plan is the same as with the shares computed again."""
    built = with_order_cost_shares(random_problem(seed, orders=True))
    assert built.order_cost_shares is not None
    assert problem_shares(built) == order_cost_shares(built.items, built.limits.orders())
    again = dataclasses.replace(built, order_cost_shares=None)  # computed in plan, as before
    for objective in ("expected_cost", "cost_per_period"):
        kept, computed = (plan(dataclasses.replace(p, objective=objective)) for p in (built, again))
        assert kept.frame().equals(computed.frame())
        assert (kept.objective, kept.orders, kept.order_cost_shares) == (
            computed.objective, computed.orders, computed.order_cost_shares)  # fmt: skip


def test_shares_kept_on_a_problem_are_not_reused_once_its_items_or_order_costs_change():
    """A problem changed after its shares were computed (fewer items, another order_cost, a
    problem of some items given a larger one's shares) has its shares computed anew."""
    built = with_order_cost_shares(random_problem(3, orders=True))
    fewer = dataclasses.replace(built, items=built.items[:1])
    assert fewer.order_cost_shares is built.order_cost_shares  # carried over by replace
    assert problem_shares(fewer) == order_cost_shares(fewer.items, fewer.limits.orders())
    assert problem_shares(fewer) != problem_shares(built)
    costs = {s: 2 * c for s, c in built.limits.orders().items()}
    dearer = dataclasses.replace(built, limits=dataclasses.replace(built.limits, order_cost=costs))
    assert problem_shares(dearer) == order_cost_shares(dearer.items, costs)
    assert problem_shares(dearer) != problem_shares(built)
    some = with_order_cost_shares(fewer, problem_shares(built))  # a larger problem's shares
    assert some.order_cost_shares is None
