import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optimize import highs_worker, tier_search
from optimize.data import Limits, SupplierTier
from optimize.evaluate import evaluate_item
from optimize.fallback import greedy_choices
from optimize.model import build_models
from optimize.solve import ENFORCED, meets_rows, run_highs, solve
from optimize.states import solve_models
from optimize.tier_search import _lp_state, _row_duals, lagrangian_bound, search_states
from tests.optimize.test_highs_worker import stuck_worker
from tests.optimize.test_model_solve import many_items

SOLVE = sys.modules["optimize.solve"]  # `optimize.solve` is also the package's function
TIERS = (SupplierTier("S1", 3000.0, 0.02), SupplierTier("S1", 6000.0, 0.05))


@pytest.fixture(scope="module")
def models():
    problem = many_items(120, seed=8, tight=True)
    menu = [evaluate_item(i, 16) for i in problem.items]
    limits = Limits(budget=8000, capacity=9000, max_orders=60, supplier_tiers=TIERS)
    return build_models(menu, limits, problem.items)


def test_lagrangian_bound_is_exact_at_the_lp_duals_and_below_the_optimum_elsewhere(models):
    for model in models:
        lp = _lp_state(model, 30.0, 1e-9)
        duals = _row_duals(lp)
        assert lagrangian_bound(model, duals) == pytest.approx(lp.bound, rel=1e-7)
        optimum = solve(model, "highs", 30.0, 1e-9).objective
        for scale in (0.0, 0.5, 2.0):  # any multipliers of the right sign bound from below
            shifted = {name: scale * y for name, y in duals.items()}
            assert lagrangian_bound(model, shifted) <= optimum + 1e-6
        wrong_sign = {name: -y + (1.0 if name == "budget" else 0.0) for name, y in duals.items()}
        assert lagrangian_bound(model, wrong_sign) <= optimum + 1e-6  # clipped to valid signs


def test_search_finds_the_best_state_proven_within_the_gap(models):
    per_state = [solve(m, "highs", 60.0, 1e-9) for m in models]
    best = min(r.objective for r in per_state if r.objective is not None)
    for gap in (1e-9, 1e-4):
        result = search_states(models, 60.0, gap)
        assert result.optimal and result.status == "Optimal"
        assert best - 1e-6 <= result.objective <= best + gap * abs(best) + 1e-6
        assert result.best_bound <= best + 1e-6
        assert result.gap <= gap + 1e-12
        chosen = np.array(result.choices)
        assert len(chosen) == len(models[0].menu)


def state_costs(models, choices) -> list[float]:
    """The plan's cost in each tier state whose model it meets (its own state: the least)."""
    costs = []
    for model in models:
        chosen = zip(model.x_item, model.x_cand, strict=True)
        x = np.array([float(choices[i] == c) for i, c in chosen])
        if meets_rows(model, x):
            costs.append(model.objective(x))
    return costs


def worker_starts(monkeypatch, launch=subprocess.Popen) -> list[tuple[str, float]]:
    """Big-model rule for every model; the kind of MIP each worker got, 'fixed' (columns held
    at their LP values), 'start' (a start solution) or 'plain', and its time limit (s).
    `launch` starts the worker."""
    monkeypatch.setattr(SOLVE, "GUARD_NONZEROS", 0)
    started = []

    def spy(args, **kwargs):
        assert Path(args[2]).name == "highs_worker.py"
        arrays = highs_worker.load(Path(args[3]) / highs_worker.MODEL)
        fixed = (arrays["col_lower"] == arrays["col_upper"]).any()
        kind = "start" if "x0" in arrays else "fixed" if fixed else "plain"
        started.append((kind, float(args[4])))
        return launch(args, **kwargs)

    monkeypatch.setattr(SOLVE.subprocess, "Popen", spy)
    return started


@pytest.mark.parametrize("gap, mips", [(1e-9, ["fixed", "start"]), (1e-4, ["fixed"])])
def test_big_state_models_are_solved_by_workers_with_the_in_process_result(
    monkeypatch, models, gap, mips
):
    in_process = search_states(models, 60.0, gap)
    started = worker_starts(monkeypatch)
    guarded = search_states(models, 60.0, gap)
    # the completing sub-MIP, then (gap 1e-9) the state's full MIP
    assert [kind for kind, _ in started] == mips
    assert guarded.optimal
    for field in ("status", "optimal", "objective", "best_bound", "gap", "choices"):
        assert getattr(guarded, field) == getattr(in_process, field), field


def test_a_state_s_mip_worker_killed_without_a_plan_leaves_no_plan_and_says_why(
    monkeypatch, models
):
    started = worker_starts(monkeypatch, lambda args, **kwargs: stuck_worker(Path(args[3])))
    monkeypatch.setattr(SOLVE, "HIGHS_GRACE", 0.0)
    result = search_states(models, 1.0, 1e-9)
    # the first completing sub-MIP was given the whole second and killed without a plan; no
    # other worker is started without time left (each would run HIGHS_GRACE past the limit)
    assert [kind for kind, _ in started] == ["fixed"]
    assert started[0][1] <= 1.0
    assert result.status.startswith(f"{ENFORCED}: HiGHS stopped after")
    assert result.status.endswith(", no solution found")
    assert not result.optimal and result.objective is None and result.choices is None


def test_tier_states_without_any_plan_fall_back_to_the_greedy_plan(monkeypatch, models):
    """As `solve` does for one model: a search whose workers were all stopped without a plan
    ordered nothing at all."""
    worker_starts(monkeypatch, lambda args, **kwargs: stuck_worker(Path(args[3])))
    monkeypatch.setattr(SOLVE, "HIGHS_GRACE", 0.0)
    result = solve_models(models, "highs", 1.0, 1e-9)
    assert result.status.startswith(f"{ENFORCED}: HiGHS stopped after")
    assert result.status.endswith(SOLVE.FALLBACK_NOTE) and not result.optimal
    plans = {m.objective(x): m for m in models if (x := greedy_choices(m)) is not None}
    assert result.objective == min(plans) and result.choices is not None
    chosen = plans[result.objective]
    assert result.choices == tuple(chosen.choices(greedy_choices(chosen)))


def stuck_after_its_plan(args, **kwargs) -> subprocess.Popen:
    """A worker that reported HiGHS's plan for its MIP (found at 0.1 s), then got stuck."""
    folder = Path(args[3])
    arrays = highs_worker.load(folder / highs_worker.MODEL)
    _, objective, bound, _, x = highs_worker.solve_arrays(arrays, 30.0, 1e-9)
    highs_worker.save(
        folder / highs_worker.IMPROVING,
        x=x,
        objective=np.asarray(objective),
        bound=np.asarray(bound),
        seconds=np.asarray(0.1),
    )
    return stuck_worker(folder)


def test_a_state_s_mip_worker_killed_after_a_plan_keeps_that_plan(monkeypatch, models):
    best = search_states(models, 60.0, 1e-9).objective
    started = worker_starts(monkeypatch, stuck_after_its_plan)
    monkeypatch.setattr(SOLVE, "HIGHS_GRACE", 0.0)
    result = search_states(models, 1.0, 1e-9)
    assert started[0][0] == "fixed"
    assert result.status.startswith(f"{ENFORCED}: HiGHS stopped after")
    assert "plan: its last improving solution (found at 0.1 s), not proven optimal" in result.status
    assert not result.optimal and result.choices is not None
    assert result.objective == pytest.approx(min(state_costs(models, result.choices)))
    assert result.objective >= best - 1e-6


def test_a_claimed_objective_that_is_not_the_plan_s_cost_is_solved_again_without_start(
    monkeypatch, models
):
    runs = []

    def claiming_zero(model, arrays, time_limit, gap):  # as HiGHS 1.16 once did with a start
        runs.append("x0" in arrays)
        found = run_highs(model, arrays, time_limit, gap)
        return ("Optimal", 0.0, 0.0, 0.0, found[4]) if "x0" in arrays else found

    monkeypatch.setattr(tier_search, "run_highs", claiming_zero)
    model = models[0]
    state = _lp_state(model, 30.0, 1e-9)
    status, objective, _, x = tier_search._mip_from(state, greedy_choices(model), 30.0, 1e-9)
    assert runs == [True, False]
    assert status == "Optimal" and objective == pytest.approx(model.objective(x))
    assert objective == pytest.approx(solve(model, "highs", 30.0, 1e-9).objective)


def test_lagrangian_bound_stays_below_the_optimum_with_min_order_values():
    """The min_order_value rows (and po columns of suppliers without an order_cost) move into
    the objective with the other shared rows: the bound is exact at the LP's duals and below
    each state's optimum at other multipliers of the right sign."""
    problem = many_items(60, seed=8, tight=True)
    menu = [evaluate_item(i, 16) for i in problem.items]
    # the minimum is above what the items' best lots buy: it binds in the LP
    limits = Limits(capacity=9000, supplier_tiers=TIERS, order_cost={"S1": 50.0},
                    min_order_value={"S1": 9000.0})  # fmt: skip
    models = build_models(menu, limits, problem.items)
    assert len(models) == 3
    used = 0.0
    for model in models:
        lp = _lp_state(model, 30.0, 1e-9)
        duals = _row_duals(lp)
        assert any(name.startswith("min_order_value_") for name in duals)
        used += sum(abs(y) for n, y in duals.items() if n.startswith("min_order_value_"))
        assert lagrangian_bound(model, duals) == pytest.approx(lp.bound, rel=1e-7)
        optimum = solve(model, "highs", 30.0, 1e-9).objective
        for scale in (0.0, 0.5, 2.0, 10.0):
            shifted = {name: scale * y for name, y in duals.items()}
            assert lagrangian_bound(model, shifted) <= optimum + 1e-6
        other = lagrangian_bound(models[0], duals)  # another state's duals, as search_states
        assert other <= solve(models[0], "highs", 30.0, 1e-9).objective + 1e-6
    assert used > 0  # a minimum binds in the LP somewhere
