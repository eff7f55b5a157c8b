import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize import model as model_module
from optimize.data import ItemProblem, Limits, Offer, PriceBreak, Problem, SupplierTier
from optimize.evaluate import LotCosts, evaluate_item
from optimize.model import MenuModel, build_model, build_models
from optimize.plan import plan
from optimize.solve import (
    NO_SOLVER_STATUS,
    STATES_STATUS,
    SolveResult,
    parse_cbc_log,
    proven_optimal,
    solve,
)
from optimize.states import solve_models
from tests.optimize.reference import items
from tests.optimize.test_time_limit import hard_menu


@st.composite
def problems(draw) -> Problem:
    n = draw(st.integers(1, 3))
    chosen = tuple(draw(items(sku=f"P-{k}")) for k in range(n))
    limits = Limits(
        budget=draw(st.none() | st.sampled_from([0.0, 20.0, 60.0, 150.0])),
        capacity=draw(st.none() | st.sampled_from([0.0, 10.0, 40.0])),
        max_orders=draw(st.none() | st.integers(0, 2)),
        supplier_tiers=draw(
            st.sampled_from(
                [
                    (),
                    (SupplierTier("S0", 30.0, 0.05),),
                    (SupplierTier("S0", 20.0, 0.03), SupplierTier("S0", 60.0, 0.1)),
                    (SupplierTier("S1", 8.0, 0.2, basis="units"),),
                ]
            )
        ),
    )
    return Problem(chosen, limits)


def tier_discount(problem: Problem, menu: list[LotCosts], combo) -> float:
    """What the supplier-wide discounts of a combination take off its expected cost, by hand
    from the tiers: the rate of the highest tier reached × the lots' `discountable`."""
    total = 0.0
    for supplier, tiers in problem.limits.tiers_by_supplier().items():
        own = [(m, c) for m, c in zip(menu, combo, strict=True) if m.supplier_id[c] == supplier]
        spend = sum(m.purchase_cost[c] for m, c in own)
        bought = spend if tiers[0].basis == "spend" else sum(m.quantity[c] for m, c in own)
        rates = [t.discount_rate for t in tiers if bought >= t.min_total - 1e-9]
        total += max(rates, default=0.0) * sum(m.discountable[c] for m, c in own)
    return total


def brute_force(problem: Problem, menu: list[LotCosts]) -> float:
    """Lowest total expected cost over every combination of per-item candidates."""
    best = np.inf
    for combo in itertools.product(*(range(len(m)) for m in menu)):
        if feasible(problem, menu, combo):
            cost = sum(m.expected_cost[c] for m, c in zip(menu, combo, strict=True))
            best = min(best, cost - tier_discount(problem, menu, combo))
    return best


def feasible(problem: Problem, menu: list[LotCosts], combo) -> bool:
    limits, tol = problem.limits, 1e-6
    qty = [int(m.quantity[c]) for m, c in zip(menu, combo, strict=True)]
    spend = sum(m.purchase_cost[c] for m, c in zip(menu, combo, strict=True))
    volume = sum(q * i.unit_volume for q, i in zip(qty, problem.items, strict=True))
    return (
        (limits.budget is None or spend <= limits.budget + tol)
        and (limits.capacity is None or volume <= limits.capacity + tol)
        and (limits.max_orders is None or sum(q > 0 for q in qty) <= limits.max_orders)
    )


@settings(max_examples=40, deadline=None)
@given(problems())
def test_milp_equals_brute_force_and_the_plan_is_feasible(problem):
    menu = [evaluate_item(item, max_candidates=6) for item in problem.items]
    models = build_models(menu, problem.limits, problem.items)
    result = solve_models(models, "highs", gap=1e-9)
    solved = [STATES_STATUS.format(n=len(models), solver="HiGHS")]
    assert result.optimal and result.status in ["Optimal", NO_SOLVER_STATUS, *solved]
    assert result.objective == pytest.approx(brute_force(problem, menu), rel=1e-7, abs=1e-6)
    combo = result.choices
    assert feasible(problem, menu, combo)
    total = sum(m.expected_cost[c] for m, c in zip(menu, combo, strict=True))
    total -= tier_discount(problem, menu, combo)
    assert total == pytest.approx(result.objective, rel=1e-7, abs=1e-6)
    for item, m, c in zip(problem.items, menu, combo, strict=True):
        if m.quantity[c]:
            offer = item.offer(m.supplier_id[c])
            assert m.quantity[c] >= offer.moq and m.quantity[c] % offer.pack_size == 0


@st.composite
def tiered_problems(draw) -> Problem:
    """problems() with tiers on both suppliers, some reachable by a single lot."""
    problem = draw(problems())
    s0 = draw(
        st.sampled_from(
            [
                (SupplierTier("S0", 5.0, 0.05),),
                (SupplierTier("S0", 20.0, 0.03), SupplierTier("S0", 60.0, 0.1)),
            ]
        )
    )
    s1 = draw(st.sampled_from([(SupplierTier("S1", 1.0, 0.1, basis="units"),),
                               (SupplierTier("S1", 8.0, 0.2, basis="units"),)]))  # fmt: skip
    return Problem(problem.items, dataclasses.replace(problem.limits, supplier_tiers=s0 + s1))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@settings(max_examples=30, deadline=None)
@given(problem=tiered_problems())
def test_the_compact_tier_model_equals_brute_force(solver, problem):
    """Many tiered suppliers get one model with tier binaries instead of one model per tier
    state (Π (tiers + 1) of them); forced here on small instances (max_states=0)."""
    menu = [evaluate_item(item, max_candidates=6) for item in problem.items]
    (model,) = build_models(menu, problem.limits, problem.items, max_states=0)
    assert any(name.startswith("z_") for name in model.col_names)
    result = solve_models([model], solver, gap=1e-9)
    assert result.optimal
    assert result.objective == pytest.approx(brute_force(problem, menu), rel=1e-6, abs=1e-5)
    combo = result.choices
    assert feasible(problem, menu, combo)
    total = sum(m.expected_cost[c] for m, c in zip(menu, combo, strict=True))
    assert total - tier_discount(problem, menu, combo) == pytest.approx(
        result.objective, rel=1e-6, abs=1e-5
    )


def test_constraints_have_readable_names():
    problem = many_items(3, seed=2)
    menu = [evaluate_item(i, 8) for i in problem.items]
    # capacity 200: with 50 every lot of P-1 but 18 units (139.00, over the budget) was over
    # it, so P-1 was fixed at no order and had no one_lot row
    limits = Limits(
        budget=100, capacity=200, max_orders=2, supplier_tiers=(SupplierTier("S1", 50.0, 0.02),)
    )
    lp, _ = build_model(menu, limits, problem.items, state={"S1": 0}).to_pulp()
    names = ("one_lot_P_0", "one_lot_P_1", "one_lot_P_2", "budget", "capacity", "max_orders")
    names += ("tier_reach_S1",)
    for name in names:
        assert lp.get_constraint_by_name(name) is not None
    assert lp.numConstraints() == len(names)


def test_highs_and_cbc_reach_the_same_objective():
    problem = many_items(60, seed=4)
    menu = [evaluate_item(i, 16) for i in problem.items]
    limits = Limits(budget=2500.0, capacity=2000.0, max_orders=35)
    results = [
        solve(build_model(menu, limits, problem.items), s, time_limit=30, gap=1e-9)
        for s in ("highs", "cbc")
    ]
    assert all(r.optimal for r in results), results
    assert results[0].objective == pytest.approx(results[1].objective, rel=1e-6)
    assert results[1].status == "Optimal solution found"


def expensive_knapsack(n: int = 100) -> tuple[MenuModel, float]:
    """hard_menu's first n items, the first of them 100,000,000 dearer whatever its lot (a
    500,000 part's stockouts and holding), under a budget and max_orders; and the sum of the
    items' least costs, which no choice avoids."""
    menu = hard_menu()[:n]
    menu[0] = dataclasses.replace(menu[0], expected_cost=menu[0].expected_cost + 1e8)
    budget = 0.5 * sum(float(m.purchase_cost.mean()) for m in menu)
    model = build_model(menu, Limits(budget=budget, max_orders=int(0.6 * n)))
    return model, sum(float(m.expected_cost.min()) for m in menu)


def test_beside_one_expensive_item_highs_and_cbc_agree_within_the_gap_of_the_avoidable_cost():
    # the gap was on the whole objective (1e-4 of 1e8): HiGHS stopped at a plan 868 dearer
    # than CBC's, of 63,970 the choices could avoid, and both were called optimal
    model, floor = expensive_knapsack()
    highs, cbc = (solve(model, s, time_limit=30, gap=1e-4) for s in ("highs", "cbc"))
    assert highs.optimal and cbc.optimal, (highs, cbc)
    avoidable = min(highs.objective, cbc.objective) - floor
    assert abs(highs.objective - cbc.objective) <= 1e-4 * avoidable + 1e-6
    assert model.floor == pytest.approx(floor, abs=1e-6)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_reported_gap_is_relative_to_the_cost_the_choices_can_avoid(solver):
    model, floor = expensive_knapsack()
    result = solve(model, solver, time_limit=30, gap=1e-3)
    assert result.optimal
    assert result.gap == pytest.approx(
        abs(result.objective - result.best_bound) / (result.objective - floor), rel=1e-6, abs=1e-12
    )
    assert result.objective - result.best_bound <= 1e-3 * (result.objective - floor) + 1e-6


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_over_tier_states_the_gap_is_relative_to_the_least_floor_of_the_states(solver):
    model, _ = expensive_knapsack()
    tier = SupplierTier("S", 0.4 * model.limits.budget, 0.02)
    models = build_models(model.menu, dataclasses.replace(model.limits, supplier_tiers=(tier,)))
    assert len(models) == 2
    # no plan costs less than each item's least at 2% off (the tier's state)
    floor = sum(
        float((m.expected_cost - 0.02 * np.where(m.supplier_id == "S", m.discountable, 0)).min())
        for m in model.menu
    )
    result = solve_models(models, solver, time_limit=30, gap=1e-4)
    assert result.optimal, result
    assert result.objective - result.best_bound <= 1e-4 * (result.objective - floor) + 1e-6
    assert result.gap == pytest.approx(
        abs(result.objective - result.best_bound) / (result.objective - floor), abs=1e-12
    )
    other = solve_models(models, "cbc" if solver == "highs" else "highs", time_limit=30, gap=1e-4)
    assert abs(result.objective - other.objective) <= 1e-4 * (result.objective - floor) + 1e-6


def test_time_limited_solve_is_not_reported_optimal():
    # 400 items sharing three tight limits with gap 1e-9: HiGHS needs seconds, gets 0.05 s.
    problem = many_items(400, seed=1, tight=True)
    result = plan(problem, "highs", time_limit=0.05, gap=1e-9, max_candidates=32)
    assert not result.optimal
    assert result.solver_status != "Optimal"
    assert len(result.lots) == 400


@pytest.mark.parametrize(
    ("status", "objective", "bound", "gap", "optimal"),
    [
        ("Optimal", 100.0, 100.0, 0.0, True),
        ("Optimal", 100.0, 99.99, 1e-4, True),
        ("Optimal", 100.0, 99.0, 0.01, False),  # optimal within a looser gap than asked
        ("Time limit reached", 100.0, 100.0, 0.0, False),
        ("Stopped on time limit", 100.0, 99.0, 0.01, False),
        ("Optimal solution found", 0.0, 0.0, 0.0, True),
        ("Optimal", None, None, None, False),
    ],
)
def test_status_mapping(status, objective, bound, gap, optimal):
    assert proven_optimal(status, objective, bound, gap, 1e-4) is optimal


def test_parse_cbc_log_reads_status_objective_and_bound():
    stopped = "Cbc0010I ...\nResult - Stopped on time limit\n\nObjective value:   120.5\n"
    stopped += "Lower bound:       118.0\nGap:               0.02\n"
    assert parse_cbc_log(stopped) == ("Stopped on time limit", 120.5, 118.0)
    done = "Result - Optimal solution found\n\nObjective value:   42.25000000\n"
    assert parse_cbc_log(done) == ("Optimal solution found", 42.25, 42.25)
    assert parse_cbc_log("garbage")[0] == "unknown"
    # infeasibility proven by CBC's first LP solve: no "Result -" line
    early = "Problem MODEL has 4 rows, 4 columns\nProblem is infeasible - 0.00 seconds\n"
    assert parse_cbc_log(early) == ("Problem is infeasible", None, None)
    assert SolveResult("Problem is infeasible", False, None, None, None, 0.0, "cbc").infeasible


def test_cbc_plan_equals_the_highs_optimum_where_its_preprocessing_erred():
    # Found by a brute-force check: CBC 2.10.3 with preprocessing fixed a column of this
    # 7-column model and reported 380.90 as optimal; the optimum was 352.87 (solve.PREPROCESS).
    # Since later orders are priced as economic lots (evaluate.replenish_unit_cost) the
    # optimum is 335.70, and CBC with preprocessing finds it too; kept as a HiGHS = CBC check.
    p0 = ItemProblem(
        "P0", np.array([[6, 2, 6, 4], [9, 2, 6, 8], [9, 5, 7, 10], [5, 4, 7, 8], [6, 5, 7, 8]]), 6,
        (), (Offer("S0", 8, 5, "all_units", (PriceBreak(8, 8.0),), 9.0, 0, 0.8, 0.1, sku="P0"),),
        0.0, 0.25, 0.5, 1.0, 14.0, 0.5,
    )  # fmt: skip
    breaks = (PriceBreak(8, 8.1), PriceBreak(12, 5.1), PriceBreak(34, 1.6))
    p1 = ItemProblem(
        "P1", np.array([[3, 2, 3, 5], [6, 3, 5, 5], [6, 2, 7, 3]]), 4, (),
        (Offer("S0", 3, 2, "all_units", breaks, 15.0, 2, 0.8, 0.0, sku="P1"),),
        0.0, 0.25, 0.5, 1.0, 10.0, 2.0, review_period=1,
    )  # fmt: skip
    problem = Problem((p0, p1), Limits(budget=107.2, capacity=48.0))
    highs, cbc = plan(problem, "highs"), plan(problem, "cbc")
    assert highs.optimal and cbc.optimal
    assert highs.objective == pytest.approx(335.6958, abs=1e-4)
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-9)


def test_model_has_one_choice_row_per_item_and_one_row_per_limit():
    rng = np.random.default_rng(0)
    menu = [synthetic_menu(f"P-{i}", rng) for i in range(500)]
    items_ = [many_items(1, seed=0).items[0]] * 500
    model = build_model(menu, Limits(budget=1e5, capacity=1e5, max_orders=300), items_)
    free = [k for k in model.keep if len(k) > 1]
    assert len(model.row_names) == len(free) + 3
    assert model.n_columns == sum(len(k) for k in free)
    for lots, kept in zip(menu, model.keep, strict=True):  # kept = the Pareto set, by brute force
        use = np.stack([lots.expected_cost, lots.purchase_cost, lots.quantity * 1.0], axis=1)
        use[:, 2] *= items_[0].unit_volume
        use = np.column_stack([use, lots.quantity > 0])
        pareto = [
            c
            for c in range(len(lots))
            if not any(
                np.all(use[d] <= use[c]) and (np.any(use[d] < use[c]) or d < c)
                for d in range(len(lots))
                if d != c
            )
        ]
        assert kept.tolist() == pareto


def test_without_shared_limits_each_item_takes_its_best_lot_and_no_solver_runs():
    problem = many_items(30, seed=3)
    menu = [evaluate_item(i, 16) for i in problem.items]
    model = build_model(menu, Limits(), problem.items)
    assert model.n_columns == 0
    result = solve(model)
    assert result.status == NO_SOLVER_STATUS and result.optimal
    assert list(result.choices) == [int(np.argmin(m.expected_cost)) for m in menu]


def synthetic_menu(sku: str, rng: np.random.Generator) -> LotCosts:
    qty = np.arange(30) * 5
    values = {
        name: rng.random(30)
        for name in (
            "unit_price",
            "purchase_cost",
            "fixed_cost",
            "holding_cost",
            "stockout_cost",
            "replenish_cost",
            "leftover_credit",
            "expected_cost",
            "discountable",
            "expected_lost",
            "expected_replenished",
            "expected_leftover",
            "leftover_value",
            "stockout_risk",
            "stockout_risk_unavoidable",
            "stockout_risk_decided",
        )
    }
    supplier = np.array([None] + ["S1"] * 29, dtype=object)
    later = {"replenished_from": np.zeros(30, int), "later_supplier_id": supplier,
             "fill_rate_decided": np.ones(30)}  # fmt: skip
    return LotCosts(
        sku=sku, supplier_id=supplier, quantity=qty, tier_min_qty=qty, **values, **later
    )


def many_items(n: int, seed: int, tight: bool = False) -> Problem:
    rng = np.random.default_rng(seed)
    result = []
    for k in range(n):
        breaks = (
            PriceBreak(1, float(rng.uniform(2, 9))),
            PriceBreak(int(rng.integers(20, 80)), float(rng.uniform(1, 2))),
        )
        offer = Offer(
            "S1",
            int(rng.integers(1, 20)),
            int(rng.integers(1, 7)),
            "all_units",
            breaks,
            float(rng.uniform(0, 50)),
            int(rng.integers(0, 3)),
            sku=f"P-{k}",
        )
        result.append(
            ItemProblem(
                f"P-{k}",
                rng.poisson(rng.uniform(1, 8), (100, 8)),
                int(rng.integers(0, 10)),
                (),
                (offer,),
                0.25,
                7 / 365.25,
                0.5,
                0.2,
                float(rng.uniform(3, 30)),
                float(rng.uniform(0.1, 3)),
            )
        )
    limits = Limits(budget=8000, capacity=9000, max_orders=150) if tight else Limits()
    return Problem(tuple(result), limits)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_tier_states_cut_short_by_the_time_limit_are_not_reported_optimal(solver):
    problem = many_items(300, seed=5, tight=True)
    menu = [evaluate_item(i, 16) for i in problem.items]
    tiers = (SupplierTier("S1", 3000.0, 0.02), SupplierTier("S1", 6000.0, 0.05))
    limits = Limits(budget=8000, capacity=9000, max_orders=150, supplier_tiers=tiers)
    models = build_models(menu, limits, problem.items)
    assert len(models) == 3  # no tier, tier 1, tier 2
    result = solve_models(models, solver, time_limit=0.05, gap=1e-9)
    assert not result.optimal
    assert result.status not in ("Optimal", "Optimal solution found")


def test_tier_search_checks_the_solvers_objective_against_the_plan():
    # Found by the brute-force test above: with a start, HiGHS 1.16 reported the tier state
    # "S1 reached" solved at 0.0 (bound 0.0) for a plan that costs 4.0; that claim won over
    # the optimum 3.2. P-1's menu costs are those of that time (leftover is now worth its
    # cost per usable unit, and the new costs no longer lead HiGHS astray), so that the MIP is
    # the one that did.
    week = 7 / 365.25
    p0 = ItemProblem("P-0", np.array([[0]]), 0, (), (
        Offer("S0", 1, 1, "all_units", (PriceBreak(1, 1.0),), 0.0, 0, sku="P-0"),
        Offer("S1", 1, 1, "incremental", (PriceBreak(2, 1.0),), 0.0, 0, sku="P-0"),
    ), 0.0, week, 0.0, 0.0, 0.0, 0.0)  # fmt: skip
    p1 = ItemProblem("P-1", np.array([[2]]), 0, (), (
        Offer("S0", 1, 1, "all_units", (PriceBreak(1, 1.0),), 0.0, 1, sku="P-1"),
        Offer("S1", 1, 1, "incremental", (PriceBreak(1, 1.0), PriceBreak(6, 1.0)), 0.0, 0,
              reject_rate=0.25, sku="P-1"),
    ), 0.0, week, 0.0, 0.2, 2.0, 0.0)  # fmt: skip
    tiers = (SupplierTier("S1", 8.0, 0.2, basis="units"),)
    problem = Problem((p0, p1), Limits(budget=20.0, supplier_tiers=tiers))
    menu = [evaluate_item(item, max_candidates=6) for item in problem.items]
    then = [4.0, 4.2, 4.4, 4.6, 4.8, 5.0, 5.2, 5.0, 3.2, 4.4, 4.6, 5.8, 6.4]
    menu[1] = dataclasses.replace(menu[1], expected_cost=np.array(then))
    result = solve_models(build_models(menu, problem.limits, problem.items), "highs", gap=1e-9)
    assert result.optimal
    assert result.objective == pytest.approx(brute_force(problem, menu)) == pytest.approx(3.2)


def test_compact_tier_columns_of_suppliers_whose_names_clean_alike_stay_apart():
    problem = many_items(4, seed=3)
    menu = [evaluate_item(i, 6) for i in problem.items]
    names = ("A-1", "A_1", "A-1", "A_1")  # PuLP writes both as A_1
    menu = [
        dataclasses.replace(m, supplier_id=np.where(m.supplier_id == None, None, name))  # noqa: E711
        for m, name in zip(menu, names, strict=True)
    ]
    tiers = (SupplierTier("A-1", 10.0, 0.05), SupplierTier("A_1", 10.0, 0.05))
    (model,) = build_models(menu, Limits(supplier_tiers=tiers), problem.items, max_states=0)
    lp, _ = model.to_pulp()
    assert len({v.name for v in lp.variables()}) == model.n_columns
    results = [solve(model, s, time_limit=30, gap=1e-9) for s in ("highs", "cbc")]
    assert all(r.optimal for r in results)
    assert results[0].objective == pytest.approx(results[1].objective, rel=1e-7, abs=1e-6)


def test_a_tier_state_proven_infeasible_by_cbc_before_its_search_leaves_a_proven_plan():
    # one tier state needs lots from S0 and S1 together: 3 equal-cost binaries, LP-feasible,
    # integer-infeasible. CBC 2.10.3 proves it in its first bound tightening ("Problem is
    # infeasible - tightenPrimalBounds!") and segfaults writing the solution file: plan()
    # raised, then the plan read "CBC failed (exit code -11), no solution" and was unproven
    b = PriceBreak
    offers = (
        Offer("S1", 5, 5, "all_units", (b(1, 7.5), b(9, 4.3)), 0.0, 0, on_time_rate=0.5,
              reject_rate=0.1),
        Offer("S2", 2, 1, "all_units", (b(9, 9.3), b(11, 2.8), b(18, 2.2)), 5.0, 2,
              on_time_rate=0.8),
        Offer("S0", 1, 4, "all_units", (b(16, 9.1), b(18, 6.5)), 0.0, 3),
    )  # fmt: skip
    item = ItemProblem(
        "P0", np.array([[3, 1], [2, 1]]), 8, ((-1, 2),), offers, holding_cost_rate=0.0,
        period_years=7 / 365.25, salvage_value=2.2, obsolescence=0.0, stockout_cost=0.0,
        unit_volume=1.0,
    )  # fmt: skip
    tiers = (SupplierTier("S1", 8.0, 0.02, "units"), SupplierTier("S0", 4.0, 0.2, "units"))
    problem = Problem((item,), Limits(supplier_tiers=tiers))
    highs, cbc = plan(problem, solver="highs"), plan(problem, solver="cbc")
    assert highs.optimal and cbc.optimal, cbc.solver_status
    assert [(x.supplier_id, x.quantity) for x in cbc.lots] == [
        (x.supplier_id, x.quantity) for x in highs.lots
    ]
    assert cbc.objective == pytest.approx(highs.objective)
    # the best of the 4 states needs no solver, the others did: "no solver needed" was untrue
    assert highs.solver_status == STATES_STATUS.format(n=4, solver="HiGHS")
    assert cbc.solver_status == STATES_STATUS.format(n=4, solver="CBC")


def reached_only_together(budget: float = 9.0) -> Problem:
    """Items A (lots of 10 units at 0.50: 5.00) and B (lots of 3 at 2.00: 6.00) from S, whose
    supplier-wide tier at 11 units both reach only together (13 units, 11.00); `budget`."""
    items = []
    for sku, lot, price in (("A", 10, 0.5), ("B", 3, 2.0)):
        offer = Offer("S", lot, lot, "all_units", (PriceBreak(1, price),), 0.0, 0, sku=sku)
        items.append(ItemProblem(sku, np.full((4, 3), 4), 0, (), (offer,), 0.25, 7 / 365.25,
                                 0.0, 0.0, 40.0, 1.0))  # fmt: skip
    tier = SupplierTier("S", 11.0, 0.2, "units")
    return Problem(tuple(items), Limits(budget=budget, supplier_tiers=(tier,)))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_tier_state_the_budget_forbids_is_proven_infeasible(solver):
    # each lot fits the budget of 9.00 alone, the tier needs both (11.00): the state's model is
    # LP-feasible (all of A, a third of B) and integer-infeasible. CBC 2.10.3 proved it in its
    # first bound tightening (B's share bounded to [1/3, 5/6]) and crashed writing the
    # solution (exit code -11): the state read "CBC failed (exit code -11), no solution"
    problem = reached_only_together()
    menu = [evaluate_item(i) for i in problem.items]
    (model,) = [m for m in build_models(menu, problem.limits, problem.items) if m.state["S"] == 0]
    result = solve(model, solver)
    assert result.infeasible, result.status
    assert result.choices is None and not result.optimal


def over_a_limit(limits: Limits, on_hand: int = 2, stockout_cost: float = 0.0) -> Problem:
    """One item whose only lot, 15 units at 6.50 (97.50, 15 litres), reaches S0's
    supplier-wide tier of 4 units alone, and `limits` with that tier."""
    offer = Offer("S0", 2, 3, "all_units", (PriceBreak(14, 6.5),), 0.0, 1, sku="P0")
    item = ItemProblem("P0", np.full((3, 3), 1), on_hand, (), (offer,), holding_cost_rate=0.25,
                       period_years=7 / 365.25, salvage_value=0.0, obsolescence=0.0,
                       stockout_cost=stockout_cost, unit_volume=1.0)  # fmt: skip
    tier = SupplierTier("S0", 4.0, 0.2, "units")
    return Problem((item,), dataclasses.replace(limits, supplier_tiers=(tier,)))


@pytest.mark.parametrize(
    "limits", [Limits(budget=27.0), Limits(capacity=10.0), Limits(max_orders=0)]
)
def test_a_tier_state_only_a_lot_over_a_limit_reaches_is_not_built(limits):
    # the state reaching S0's tier held the 15-unit lot over the budget (capacity), LP-feasible
    # as 0.27 of it and integer-infeasible: the bundled CBC 2.10 crashed on it (exit code -11)
    problem = over_a_limit(limits)
    menu = [evaluate_item(i) for i in problem.items]
    assert 15 in menu[0].quantity.tolist()  # the menu keeps it: the reasons name the limit
    models = build_models(menu, problem.limits, problem.items)
    assert [m.state for m in models] == [{"S0": -1}]
    assert models[0].n_columns == 0 and models[0].choices(None) == [0]


def _two_items(budget: float) -> tuple[Problem, list[LotCosts]]:
    """Items A and B buying at 1.00 a unit, both short of stock, and their menus."""
    items = []
    for sku in ("A", "B"):
        offer = Offer("S1", 1, 1, "all_units", (PriceBreak(1, 1.0),), 0.0, 0, sku=sku)
        items.append(ItemProblem(sku, np.full((4, 3), 3), 0, (), (offer,), 0.25, 7 / 365.25,
                                 0.0, 0.0, 50.0, 1.0))  # fmt: skip
    problem = Problem(tuple(items), Limits(budget=budget))
    return problem, [evaluate_item(i) for i in problem.items]


def test_a_lot_over_what_the_other_items_leave_of_the_budget_is_no_column():
    problem, menu = _two_items(10.0)
    allowed = [menu[0].quantity >= 4, np.ones(len(menu[1]), bool)]  # A must buy 4 (4.00)
    (model,) = build_models(menu, problem.limits, problem.items, allowed)
    bought = {sku: [] for sku in ("A", "B")}
    for i, c in zip(model.x_item, model.x_cand, strict=True):
        bought[menu[i].sku].append(int(menu[i].quantity[c]))
    assert max(bought["B"]) == 6 and min(bought["A"]) == 4  # 4 + 6 = the budget
    assert max(menu[1].quantity) > 6  # dropped, not missing from the menu
    result = solve(model, "highs", gap=1e-9)
    assert result.optimal
    assert sum(m.purchase_cost[c] for m, c in zip(menu, result.choices, strict=True)) <= 10.0


def test_limits_that_together_leave_an_item_no_lot_drop_nothing_and_are_proven_infeasible():
    # A may only buy 4 or more (allowed); B must buy 7 or more: 4 + 7 > 10. Dropping B's lots
    # left A none and the model could not be built; it is built whole and proven infeasible
    problem, menu = _two_items(10.0)
    allowed = [menu[0].quantity >= 4, menu[1].quantity >= 7]
    models = build_models(menu, problem.limits, problem.items, allowed)
    for solver in ("highs", "cbc"):
        assert solve_models(models, solver).infeasible


def test_long_menus_are_compared_in_smaller_chunks_with_the_same_candidates_kept(monkeypatch):
    """The dominance check pads a chunk's menus to its longest and compares every pair, so
    2,000 menus of 369 lots took 635 MB (bench/nightly.py at 10,000 items): a chunk holds at
    most DOMINANCE_CELLS padded cells; which candidates survive does not depend on it."""
    rng = np.random.default_rng(3)
    menu = [synthetic_menu(f"P-{k}", rng) for k in range(40)]
    menu = [dataclasses.replace(m, expected_cost=m.expected_cost * (1 + k % 3)) for k, m in
            enumerate(menu)]  # fmt: skip
    volume = [m.quantity * 0.5 for m in menu]
    limits = Limits(budget=100.0, capacity=50.0)
    whole = model_module.undominated(menu, volume, limits, {})
    chunks = []
    monkeypatch.setattr(model_module, "DOMINANCE_CELLS", 7 * 30**2)
    real = model_module._undominated_chunk
    monkeypatch.setattr(model_module, "_undominated_chunk",
                        lambda m, *rest: chunks.append(len(m)) or real(m, *rest))  # fmt: skip
    assert [list(k) for k in model_module.undominated(menu, volume, limits, {})] == [
        list(k) for k in whole
    ]
    assert chunks == [7] * 5 + [5]
