"""The CBC time limit holds, and a plan that was not proven says so and is still feasible."""

import sys
import time

import numpy as np
import pytest

from optimize.data import Limits
from optimize.evaluate import LotCosts
from optimize.fallback import greedy_choices
from optimize.model import MenuModel, build_model
from optimize.solve import CBC_GRACE, ENFORCED, FALLBACK_NOTE, solve

N_ITEMS, N_LOTS = 300, 5


def hard_menu(seed: int = 0) -> list[LotCosts]:
    """A correlated multiple-choice knapsack: each lot costs about minus its purchase cost,
    so a budget of half the spend leaves many near-ties; CBC cannot prove gap 0 in 2 s
    (HiGHS does in about 0.5 s)."""
    rng = np.random.default_rng(seed)
    menu = []
    for i in range(N_ITEMS):
        purchase = np.concatenate(([0.0], np.sort(rng.integers(50, 1000, N_LOTS)).astype(float)))
        cost = -purchase - rng.integers(0, 30, N_LOTS + 1)
        cost[0] = 0.0
        zero = np.zeros(N_LOTS + 1)
        menu.append(
            LotCosts(
                sku=f"H{i}",
                supplier_id=np.array([None] + ["S"] * N_LOTS, object),
                quantity=np.arange(N_LOTS + 1) * 10,
                unit_price=zero,
                tier_min_qty=zero.astype(int),
                purchase_cost=purchase,
                fixed_cost=zero,
                holding_cost=zero,
                stockout_cost=zero,
                replenish_cost=zero,
                leftover_credit=zero,
                expected_cost=cost.astype(float),
                discountable=purchase,
                expected_lost=zero,
                expected_replenished=zero,
                expected_leftover=zero,
                leftover_value=zero,
                stockout_risk=zero,
                stockout_risk_unavoidable=zero,
                stockout_risk_decided=zero,
                replenished_from=zero.astype(int),
                later_supplier_id=np.array(["S"] * (N_LOTS + 1), object),
                fill_rate_decided=zero + 1.0,
            )
        )
    return menu


def hard_model() -> MenuModel:
    menu = hard_menu()
    budget = 0.5 * sum(float(m.purchase_cost.mean()) for m in menu)
    return build_model(menu, Limits(budget=budget, max_orders=int(0.6 * N_ITEMS)))


def assert_feasible(model: MenuModel, choices: tuple[int, ...]) -> None:
    x = np.zeros(model.n_columns)
    for col, (i, c) in enumerate(zip(model.x_item, model.x_cand, strict=True)):
        x[col] = float(choices[i] == c)
    activity = model.rows @ x
    assert np.all(activity <= model.row_upper + 1e-6)
    assert np.all(activity >= model.row_lower - 1e-6)


def test_cbc_stops_within_the_limit_and_does_not_claim_optimality():
    model = hard_model()
    start = time.perf_counter()
    result = solve(model, "cbc", time_limit=1.0, gap=0.0)
    wall = time.perf_counter() - start
    # the limit is a contract, not a speed target: limit + grace + model writing slack
    assert wall <= 1.0 + CBC_GRACE + 2.0
    assert not result.optimal
    assert result.choices is not None
    assert_feasible(model, result.choices)
    assert result.objective == pytest.approx(model.objective(_x(model, result.choices)))


def test_a_killed_cbc_reports_the_enforced_limit_and_falls_back_to_a_feasible_plan(
    monkeypatch,
):
    model = hard_model()
    # kill CBC 0.05 s after it starts: long before it can read, presolve and solve the model
    monkeypatch.setattr(sys.modules["optimize.solve"], "CBC_GRACE", -0.95)
    result = solve(model, "cbc", time_limit=1.0, gap=0.0)
    assert result.status.startswith(ENFORCED)
    assert result.status.endswith(FALLBACK_NOTE)
    assert "no solution proven" in result.status
    assert not result.optimal and result.best_bound is None
    assert_feasible(model, result.choices)
    # the fallback is a real plan: it orders within the budget, better than ordering nothing
    assert result.objective < 0


def test_greedy_repair_meets_the_limits_and_is_close_to_the_optimum():
    model = hard_model()
    x = greedy_choices(model)
    assert x is not None
    assert_feasible(model, tuple(model.choices(x)))
    best = solve(model, "highs", time_limit=30, gap=0.0)
    assert best.optimal
    assert best.objective <= model.objective(x) <= best.objective * 0.95  # costs are negative


def _x(model: MenuModel, choices: tuple[int, ...]) -> np.ndarray:
    return np.array(
        [float(choices[i] == c) for i, c in zip(model.x_item, model.x_cand, strict=True)]
    )


def test_greedy_repair_of_the_compact_tier_model_is_a_feasible_plan_without_tiers():
    from optimize.data import SupplierTier
    from optimize.model import build_models

    tiers = (SupplierTier("S", 50_000.0, 0.02), SupplierTier("S", 90_000.0, 0.04))
    limits = Limits(budget=0.5 * N_ITEMS * 500, supplier_tiers=tiers)
    (model,) = build_models(hard_menu(), limits, max_states=0)
    x = greedy_choices(model)
    assert x is not None and len(x) == model.n_columns
    activity = model.rows @ x
    assert (activity >= model.row_lower - 1e-6).all() and (activity <= model.row_upper + 1e-6).all()
    # the tier columns keep their no-tier values: the objective is the lots' cost alone
    choices = model.choices(x)
    lots = sum(m.expected_cost[c] for m, c in zip(hard_menu(), choices, strict=True))
    assert model.objective(x) == pytest.approx(lots)
