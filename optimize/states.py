"""Solve the models of every tier state (model.build_models): with HiGHS through
tier_search (bounds first), otherwise state by state with `solve`; a greedy plan when no
state gave one.

Its own module because tier_search builds on `solve` (run_highs, SolveResult): here both are
used without an import cycle.
"""

from __future__ import annotations

import time
from dataclasses import replace

from optimize.fallback import greedy_choices
from optimize.highs_worker import highs_lp, model_arrays, new_highs
from optimize.model import MenuModel, least_floor
from optimize.solve import (
    DEFAULT_GAP,
    FALLBACK_NOTE,
    NO_SOLVER_STATUS,
    STATES_STATUS,
    SolveResult,
    relative_gap,
    solve,
)
from optimize.tier_search import search_states


def solve_models(
    models: list[MenuModel],
    solver: str = "highs",
    time_limit: float = 60.0,
    gap: float = DEFAULT_GAP,
) -> SolveResult:
    """Solve the models of every tier state (model.build_models) within one time limit and
    return the best plan.

    With HiGHS (every state with columns): tier_search.search_states, bounds first. Otherwise
    states are tried from the highest tiers down; with HiGHS, a later state is first bounded
    by its LP relaxation: if that bound is within `gap` of the best plan so far (of its cost
    above the least floor of the states, MenuModel.floor), the state
    cannot hold a better plan and its MILP is not solved. Proven optimal only if every state
    was solved to optimality, proven infeasible or bounded out; the reported bound is the
    lowest bound over the states."""
    if len(models) == 1:
        return solve(models[0], solver, time_limit, gap)
    if solver == "highs" and all(m.n_columns for m in models):
        return _or_greedy(models, search_states(models, time_limit, gap))
    return _or_greedy(models, _solve_states(models, solver, time_limit, gap))


def _or_greedy(models: list[MenuModel], result: SolveResult) -> SolveResult:
    """`result`, or when it holds no plan and no state was proven infeasible (e.g. every
    state's solver was stopped at the time limit without one), the cheapest greedy plan over
    the states, as `solve` does for one model."""
    if result.choices is not None or result.infeasible:
        return result
    plans = [(m.objective(x), m, x) for m in models if (x := greedy_choices(m)) is not None]
    if not plans:
        return result
    objective, model, x = min(plans, key=lambda p: p[0])
    return replace(
        result,
        status=result.status + FALLBACK_NOTE,
        optimal=False,
        objective=objective,
        gap=relative_gap(objective, result.best_bound, least_floor(models)),
        choices=tuple(model.choices(x)),
    )


_NAMES = {"highs": "HiGHS", "cbc": "CBC"}


def _solve_states(
    models: list[MenuModel], solver: str, time_limit: float, gap: float
) -> SolveResult:
    """solve_models without tier_search: the states one after another (see there)."""
    start = time.perf_counter()
    order = sorted(models, key=lambda m: -sum(k + 1 for k in m.state.values()))
    least = least_floor(models)
    best: SolveResult | None = None
    bounds: list[float | None] = []
    unproven: list[str] = []
    for model in order:
        left = time_limit - (time.perf_counter() - start)
        if left <= 0:
            unproven.append("Time limit reached")
            bounds.append(None)
            break
        if best is not None and solver == "highs":
            bound = lp_bound(model, left)
            if bound is not None and bound >= best.objective - gap * (best.objective - least):
                bounds.append(bound)
                continue
        result = solve(model, solver, left, gap)
        if not (result.optimal or result.infeasible):
            unproven.append(result.status)
        if not result.infeasible:
            bounds.append(result.best_bound)
        if result.choices is not None and (best is None or result.objective < best.objective):
            best = result
    seconds = time.perf_counter() - start
    if best is None:
        status = unproven[0] if unproven else "Infeasible"
        return SolveResult(status, False, None, None, None, seconds, solver)
    bound = None if None in bounds else min(bounds)
    found_gap = relative_gap(best.objective, bound, least)
    proven = not unproven and found_gap is not None and found_gap <= gap + 1e-12
    status = best.status if not unproven else unproven[0]
    if status == NO_SOLVER_STATUS and any(m.n_columns for m in models):
        status = STATES_STATUS.format(n=len(models), solver=_NAMES[solver])
    return SolveResult(
        status, proven, best.objective, bound, found_gap, seconds, solver, best.choices
    )


def lp_bound(model: MenuModel, time_limit: float) -> float | None:
    """Optimal value of the model's LP relaxation (a lower bound), None if not solved."""
    if model.n_columns == 0:
        return None
    highs = new_highs(time_limit, 1.0)
    highs.setOptionValue("solve_relaxation", True)
    highs.passModel(highs_lp(model_arrays(model)))
    highs.run()
    if highs.modelStatusToString(highs.getModelStatus()) != "Optimal":
        return None
    return float(highs.getInfo().objective_function_value) + model.floor
