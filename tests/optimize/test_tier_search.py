import numpy as np
import pytest

from optimize.data import Limits, SupplierTier
from optimize.evaluate import evaluate_item
from optimize.model import build_models
from optimize.solve import solve
from optimize.tier_search import _lp_state, _row_duals, lagrangian_bound, search_states
from tests.optimize.test_model_solve import many_items

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
