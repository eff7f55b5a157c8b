"""A supplier's min_order_value: the least purchase value of one purchase order to it (Σ of
its lots' purchase cost before supplier-wide discounts); the plan orders at least that much
from it or nothing (the menu MILP's row min_order_value_<supplier>).

test_plan_brute_force checks plans with minimums against every combination of lots (with
order costs, budgets, capacities, targets and supplier-wide tiers); here are the readable
cases: part A's best lot is 4 units at 21.00 from S2 (84.00, expected cost 86.10; no order
120.00 of lost sales), S2's minimum is 250.00."""

from __future__ import annotations

import dataclasses
import itertools
import re

import numpy as np
import pytest

from optimize.data import Delivery, Limits, Problem, SupplierTier
from optimize.evaluate import evaluate_items
from optimize.fallback import greedy_choices
from optimize.model import build_models
from optimize.plan import plan
from optimize.solve import NO_SOLVER_STATUS, meets_rows
from optimize.states import solve_models
from tests.optimize.test_order_cost import _four_items, _part
from tests.optimize.test_plan_brute_force import random_problem

SOLVERS = ("highs", "cbc")
MINIMUM = Limits(min_order_value={"S2": 250.0})
A = dataclasses.replace(_part("A", ("S2", 21.0)), obsolescence=1.0)  # leftover worthless
# C: 4 units at 40.00 from S2 (160.00, expected cost 164.00), no order 320.00 of lost sales
C = dataclasses.replace(_part("C", ("S2", 40.0)), stockout_cost=80.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_part_whose_supplier_minimum_does_not_pay_is_not_ordered(solver):
    """84.00 of 250.00: 12 units would reach it but cost far more than the 120.00 of lost
    sales; no order, and the reason names the minimum and what was worth ordering."""
    result = plan(Problem((A,), MINIMUM), solver=solver)
    assert [lot.quantity for lot in result.lots] == [0] and result.optimal
    assert result.objective == pytest.approx(120.0) and result.orders == {}
    assert result.lots[0].reason.startswith(
        "No order: S2's min_order_value 250.00 per purchase order; the lots worth ordering "
        "from S2 tonight add up to 84.00 (ordering 4 from S2 alone would cost 33.90 less in "
        "expectation;"
    )
    assert plan(Problem((A,), Limits()), solver=solver).lots[0].quantity == 4  # today


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_part_moves_to_a_supplier_without_a_minimum(solver):
    """From S1 at 22.00 the lot costs 4.10 more than S2's, far less than reaching S2's
    minimum: ordered from S1, and the reason says why not S2."""
    a = _part("A", ("S2", 21.0), ("S1", 22.0))
    result = plan(Problem((a,), MINIMUM), solver=solver)
    assert [(lot.supplier_id, lot.quantity) for lot in result.lots] == [("S1", 4)]
    assert result.objective == pytest.approx(90.2)
    assert result.lots[0].reason.endswith(
        "Not 4 from S2, 4.10 cheaper in expectation on its own: S2's min_order_value 250.00 per "
        "purchase order; the lots worth ordering from S2 tonight add up to 84.00."
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_lot_is_raised_to_reach_the_minimum_when_that_pays(solver):
    """A 84.00 and C 160.00 add up to 244.00, 6.00 short of 250.00. One more unit of C (5
    units, 200.00: 284.00) costs 3.33 more in expectation (its leftover unit is credited at
    cost, A's would be worthless); dropping both would lose 33.90 + 156.00. By hand: 86.10 +
    167.33 = 253.43."""
    result = plan(Problem((A, C), MINIMUM), solver=solver)
    assert [(lot.supplier_id, lot.quantity) for lot in result.lots] == [("S2", 4), ("S2", 5)]
    assert result.optimal and result.objective == pytest.approx(86.1 + 167.3333, abs=1e-3)
    assert result.orders == {
        "S2": {"order_cost": 0.0, "lots": 2, "min_order_value": 250.0, "purchase": 284.0}
    }
    assert result.lots[1].reason.endswith(
        "; raised from its best lot alone (4 from S2) to reach S2's min_order_value 250.00 per "
        "purchase order (the lots from S2 tonight add up to 284.00)."
    )
    assert "raised" not in result.lots[0].reason and "order_cost" not in result.lots[0].reason
    today = plan(Problem((A, C), Limits()), solver=solver)
    assert [lot.quantity for lot in today.lots] == [4, 4]
    assert today.objective == pytest.approx(86.1 + 164.0)


def test_a_min_order_value_of_0_gives_exactly_todays_plan():
    """min_order_value 0 (the column's default) is no minimum: the same lots, objective,
    status and reasons as without it, with and without order costs."""
    for seed in range(12):
        for orders in (False, True):
            problem = random_problem(seed, orders)
            limits = dataclasses.replace(problem.limits, min_order_value={"S0": 0.0, "S1": 0.0})
            today = plan(problem, gap=1e-9)
            with_zero = plan(Problem(problem.items, limits), gap=1e-9)
            assert with_zero.lots == today.lots, seed
            assert with_zero.orders == today.orders, seed
            assert (with_zero.objective, with_zero.solver_status) == (
                today.objective,
                today.solver_status,
            ), seed


def test_every_new_column_and_row_has_a_readable_name():
    """A supplier with a minimum and no order_cost gets its po column (cost 0) and rows."""
    items = (_part("A-1", ("S 2", 21.0)), _part("B", ("S 2", 10.0), ("S1", 10.5)))
    limits = Limits(min_order_value={"S 2": 250.0}, order_cost={"S1": 5.0})
    (model,) = build_models(evaluate_items(items), limits, items)
    assert [n for n in model.col_names if n.startswith("po_")] == ["po_S_2", "po_S1"]
    assert model.cost[model.col_names.index("po_S_2")] == 0.0
    assert [n for n in model.row_names if n.startswith(("po_", "min_"))] == [
        "po_S_2_A_1", "po_S_2_B", "po_S1_B", "min_order_value_S_2"]  # fmt: skip
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", n) for n in model.col_names + model.row_names)


def test_a_dearer_lot_that_buys_more_from_the_supplier_is_kept():
    """Exact dominance: without a minimum A's 4 units dominate every other lot (no solver
    needed); with one, the larger lots from S2 stay columns, as one may reach the minimum."""
    menu = evaluate_items((A,))
    (today,) = build_models(menu, Limits(), (A,))
    assert today.n_columns == 0
    (model,) = build_models(menu, MINIMUM, (A,))
    assert menu[0].quantity[model.keep[0]].tolist() == [0, 4, 5, 6]


def test_the_menu_holds_the_lot_that_reaches_the_minimum_alone():
    """A's menu stops at 6 units (126.00); with S2's minimum it also holds 12 units (252.00),
    the smallest lot reaching 250.00 alone, as for a supplier-wide tier (candidates.tier_lots):
    a part that must be served from S2 can then be (target 90%)."""
    a = dataclasses.replace(A, min_service_level=0.9)
    served = plan(Problem((a,), MINIMUM))
    assert not served.relaxed and [lot.quantity for lot in served.lots] == [12]
    assert evaluate_items((A,))[0].quantity.max() == 6
    assert served.orders["S2"]["purchase"] == 252.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_target_only_the_supplier_can_serve_is_relaxed_naming_the_row(solver):
    """A must be served (target 90%) from S2 alone, and a budget of 100.00 cannot buy S2's
    minimum: no plan meets both; the relaxed plan's reason names the row."""
    a = dataclasses.replace(A, min_service_level=0.9)
    result = plan(Problem((a,), Limits(budget=100.0, min_order_value={"S2": 250.0})), solver)
    assert result.relaxed
    assert result.infeasible_reason == (
        "budget, min_order_value_S2 together cannot meet the service level of A"
    )
    assert [lot.quantity for lot in result.lots] == [0]  # no order always meets the row


def test_the_greedy_fallback_meets_or_drops_a_minimum():
    """The greedy plan starts from each item's cheapest lot (A 4, C 4 from S2: 244.00) and
    must not stop below S2's minimum; without C it drops A's lot."""
    for items in ((A, C), (A,)):
        (model,) = build_models(evaluate_items(items), MINIMUM, items)
        x = greedy_choices(model)
        assert x is not None and meets_rows(model, x), [i.sku for i in items]
        bought = sum(model.menu[i].purchase_cost[c] for i, c in enumerate(model.choices(x)))
        assert bought == 0 or bought >= 250.0


def _brute_force(menu, limits: Limits) -> float:
    """The cheapest combination of one candidate per item (limits: budget; tiers on spend;
    order costs; minimums), enumerated."""
    best = np.inf
    for combo in itertools.product(*(range(len(m)) for m in menu)):
        lots = [(m.supplier_id[c], m.purchase_cost[c], m.quantity[c], m.expected_cost[c],
                 m.discountable[c]) for m, c in zip(menu, combo, strict=True)]  # fmt: skip
        if limits.budget is not None and sum(lot[1] for lot in lots) > limits.budget + 1e-6:
            continue
        bought = {s: sum(lot[1] for lot in lots if lot[0] == s and lot[2] > 0)
                  for s in limits.min_order_value}  # fmt: skip
        if any(0 < bought[s] < v - 1e-6 for s, v in limits.min_order_value.items()):
            continue
        total = sum(lot[3] for lot in lots)
        for supplier, tiers in limits.tiers_by_supplier().items():
            spend = sum(lot[1] for lot in lots if lot[0] == supplier)
            rate = max((t.discount_rate for t in tiers if spend >= t.min_total - 1e-9), default=0)
            total -= rate * sum(lot[4] for lot in lots if lot[0] == supplier)
        total += sum(cost for s, cost in limits.order_cost.items()
                     if any(lot[0] == s and lot[2] > 0 for lot in lots))  # fmt: skip
        best = min(best, total)
    return best


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "budget, tiers, orders",
    [(None, (), {}), (60.0, (), {}), (None, (SupplierTier("S2", 40.0, 0.1),), {}),
     (80.0, (SupplierTier("S2", 40.0, 0.1), SupplierTier("S1", 20.0, 0.05)), {"S1": 10.0}),
     (None, (), {"S1": 10.0, "S2": 25.0})],
)  # fmt: skip
def test_the_milp_equals_a_brute_force_over_every_combination_of_lots(
    solver, budget, tiers, orders
):
    """4 items, 2 suppliers, with and without order costs, a budget and supplier-wide tiers
    (their states' models and the compact model), over 3 levels of minimums."""
    items = _four_items()
    menu = evaluate_items(items, max_candidates=6)
    for minimums in ({"S1": 20.0, "S2": 30.0}, {"S2": 60.0}, {"S1": 45.0, "S2": 120.0}):
        limits = Limits(budget=budget, supplier_tiers=tiers, order_cost=orders,
                        min_order_value=minimums)  # fmt: skip
        expected = _brute_force(menu, limits)
        for max_states in (256, 1):
            models = build_models(menu, limits, items, max_states=max_states)
            result = solve_models(models, solver, 60.0, 1e-9)
            assert result.optimal, (minimums, result.status)
            assert result.objective == pytest.approx(expected, abs=1e-6), (minimums, max_states)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_fixed_items_lot_places_the_order_and_counts_toward_the_minimum(solver):
    """A may only take its lot of 4 (84.00 from S2; `allowed`), so S2's order is placed:
    no po column, and the row asks the other lots for the 166.00 left of 250.00 (C's 4 units
    buy 160.00: it takes 5). A alone: nothing can fill the row, no plan."""
    menu = evaluate_items((A, C))
    allowed = [menu[0].quantity == 4, np.ones(len(menu[1]), bool)]
    (model,) = build_models(menu, MINIMUM, (A, C), allowed)
    assert model.fixed[0] >= 0 and not any(n.startswith("po_") for n in model.col_names)
    row = model.row_names.index("min_order_value_S2")
    assert model.row_lower[row] == pytest.approx(250.0 - 84.0)
    result = solve_models([model], solver, 60.0, 1e-9)
    assert result.optimal and [menu[i].quantity[c] for i, c in enumerate(result.choices)] == [4, 5]
    (alone,) = build_models(menu[:1], MINIMUM, (A,), allowed[:1])
    assert alone.n_columns == 0 and alone.row_names == ["min_order_value_S2"]
    assert solve_models([alone], solver, 60.0, 1e-9).infeasible
    # a fixed lot of 6 (126.00) reaches a minimum of 120.00 alone: no row, no solver needed
    lower = Limits(min_order_value={"S2": 120.0})
    (reached,) = build_models(menu[:1], lower, (A,), [menu[0].quantity == 6])
    assert reached.n_columns == 0 and reached.row_names == []
    assert solve_models([reached], solver, 60.0, 1e-9).status == NO_SOLVER_STATUS


def test_a_no_order_for_a_minimum_names_the_open_orders_counted_late():
    """The no-order reason of a minimum ends, as every other reason, with the open orders the
    plan counted late or short by their supplier's record (it said nothing of them)."""
    a = dataclasses.replace(A, open_orders=((1, 1),), open_order_ids=("PO-1",),
                            open_order_suppliers=(Delivery("S2", on_time_rate=0.6),))  # fmt: skip
    (lot,) = plan(Problem((a,), MINIMUM)).lots
    assert lot.quantity == 0 and lot.reason.startswith("No order: S2's min_order_value")
    assert lot.reason.endswith(" The open order counts as its supplier delivers: PO-1 from S2 "
                               "on time 60%.")  # fmt: skip
