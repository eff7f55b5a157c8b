"""Best plan over the tier states (model.build_models) with HiGHS, proven by bounds.

Solving every state's MIP is slow and erratic (one state's MIP took 23 s for 5,000 items:
HiGHS was slow to find a plan although the LP bound was within 0.4 of it), and so is solving
every state's LP relaxation for 20,000 items (the dual simplex needs ~25k iterations per
state, super-linear). Instead:

1. The LP relaxation of the state with the highest tiers is solved; its duals y of the shared
   rows (budget, capacity, max_orders, tier reach, po, min_order_value) give every other
   state a Lagrangian bound L(y) = constant + Σ_items min_c (cost_c − y·A_c) + Σ_po min(0,
   cost_po − y·A_po) + y·b, a valid lower bound for any y of the right sign (numpy,
   milliseconds; a po column's A_po has −1 in its po rows and −min_order_value in its
   min_order_value row, so its 0 <= po <= 1 bound is all the bound needs).
2. States are taken from the lowest bound up. A state whose bound is within `gap` of the
   best plan so far (of its cost above the least floor of the states, MenuModel.floor) is
   bounded out, and so are all after it. A state known only by its
   Lagrangian bound gets its LP solved first (a tighter bound) and goes back in the queue.
3. A state with an LP solution gets a plan: items with an integral LP choice keep it, a MIP
   over the fractional items and the items nearest to switching (least reduced cost of a
   candidate they do not take; NEIGHBOURS of them) chooses the rest. With a handful of shared
   rows a basic LP solution has few fractional items, and the plan is usually within the gap
   of the LP bound. Otherwise the state's full MIP runs, warm-started with that plan.

The LP relaxations are solved here (the simplex keeps its time limit); the MIPs go through
solve.run_highs, so a state's model with GUARD_NONZEROS nonzeros or more is solved by a worker
process killed at its time limit + HIGHS_GRACE (HiGHS 1.16 overran its limit on big MIPs).

Proven optimal only if every state was bounded out, solved to optimality or proven infeasible
within the time limit; the reported bound is the lowest over the states.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from optimize.highs_worker import highs_lp, model_arrays, new_highs
from optimize.model import MenuModel, least_floor
from optimize.solve import ABS_GAP, INFEASIBLE, SolveResult, meets_rows, relative_gap, run_highs

NEIGHBOURS = (64, 512)  # items left to the completing MIP besides the fractional ones, per try


@dataclass
class _State:
    """One tier state's model with its LP relaxation solved in `highs` (duals), its value and
    solution."""

    model: MenuModel
    highs: highspy.Highs
    bound: float
    x: np.ndarray


@dataclass
class _Entry:
    """A tier state in the search: its best lower bound so far (Lagrangian, LP or MIP;
    +inf: proven infeasible, -inf: unknown), its loaded LP (None: not loaded), closed or not."""

    model: MenuModel
    bound: float
    lp: _State | None = None
    done: bool = False


def search_states(models: list[MenuModel], time_limit: float, gap: float) -> SolveResult:
    """The best plan over the tier states' models (see the module docstring)."""
    start = time.perf_counter()
    order = sorted(models, key=lambda m: -sum(k + 1 for k in m.state.values()))
    first = _lp_state(order[0], time_limit, gap)
    floor = least_floor(models)
    duals: dict[str, float] = {}
    if not isinstance(first, _State):  # no duals: every state gets its LP in turn
        entries = [_Entry(m, -np.inf) for m in order]
    else:
        duals = _row_duals(first)
        entries = [_Entry(order[0], first.bound, first)]
        entries += [_Entry(m, lagrangian_bound(m, duals)) for m in order[1:]]
    unproven: list[str] = []
    best: tuple[float, MenuModel, np.ndarray, str] | None = None
    while True:
        open_entries = [e for e in entries if not e.done]
        if not open_entries:
            break
        entry = min(open_entries, key=lambda e: e.bound)
        if best is not None and entry.bound >= best[0] - _tolerance(best[0], gap, floor):
            break
        left = time_limit - (time.perf_counter() - start)
        if left <= 0:
            unproven.append("Time limit reached")
            break
        if entry.lp is None:
            _load_lp(entry, left, gap, unproven, duals)
            continue
        entry.done = True
        x0, completing = _completed(entry.lp, left, gap)
        if x0 is not None and (best is None or entry.model.objective(x0) < best[0]):
            best = (entry.model.objective(x0), entry.model, x0, "Optimal")
        if best is not None and entry.bound >= best[0] - _tolerance(best[0], gap, floor):
            entry.lp = None
            continue
        left = time_limit - (time.perf_counter() - start)
        if left <= 0:  # no worker is started only to be killed HIGHS_GRACE later
            unproven.append(completing if completing != "Optimal" else "Time limit reached")
            entry.bound = max(entry.bound, entry.lp.bound)
            entry.lp = None
            break
        status, objective, bound, x = _mip_from(entry.lp, x0, left, gap)
        entry.bound = entry.bound if bound is None else max(bound, entry.bound)
        entry.lp = None  # frees HiGHS's copy of the model
        if status.lower() in INFEASIBLE:
            entry.bound = np.inf
        elif status != "Optimal":
            unproven.append(status)
        if x is not None and (best is None or objective < best[0]):
            best = (objective, entry.model, x, status)
    seconds = time.perf_counter() - start
    bounds = [e.bound for e in entries if e.bound < np.inf]  # +inf: proven infeasible
    bound = min(bounds) if bounds and np.isfinite(min(bounds)) else None
    if best is None:  # the bound still tells how good a fallback plan is (states._or_greedy)
        status = unproven[0] if unproven else "Infeasible"
        return SolveResult(status, False, None, bound, None, seconds, "highs")
    found_gap = relative_gap(best[0], bound, floor)
    proven = not unproven and found_gap is not None and found_gap <= gap + 1e-12
    status = best[3] if not unproven else unproven[0]
    choices = tuple(best[1].choices(best[2]))
    return SolveResult(status, proven, best[0], bound, found_gap, seconds, "highs", choices)


def _load_lp(
    entry: _Entry, time_limit: float, gap: float, unproven: list[str], duals: dict[str, float]
) -> None:
    """Solve the entry's LP relaxation: a tighter bound, or the entry is closed (proven
    infeasible: bound +inf, it holds no plan; not solved: recorded as unproven)."""
    state = _lp_state(entry.model, time_limit, gap, duals)
    if isinstance(state, _State):
        entry.lp, entry.bound = state, max(state.bound, entry.bound)
        return
    entry.done = True
    if state.lower() in INFEASIBLE:
        entry.bound = np.inf
    else:
        unproven.append(state)
        entry.bound = -np.inf


def _row_duals(state: _State) -> dict[str, float]:
    """Duals of the shared rows (every row but one_lot_*) of a solved LP, by row name."""
    model = state.model
    dual = np.asarray(state.highs.getSolution().row_dual)
    return {
        name: float(dual[r])
        for r, name in enumerate(model.row_names)
        if not name.startswith("one_lot")
    }


def lagrangian_bound(model: MenuModel, duals: dict[str, float]) -> float:
    """Lower bound on the model's optimum from multipliers of its shared rows (by name;
    missing: 0), each clipped to its valid sign: the one_lot rows are kept, the shared rows
    move into the objective. Exact for the LP's optimal duals of the same model."""
    y, rows = _multipliers(model, duals)
    lower, upper = model.row_lower[rows], model.row_upper[rows]
    rhs = np.where(y < 0, upper, np.where(y > 0, lower, 0.0))
    reduced = model.cost - model.rows[rows].T @ y
    n_x = len(model.x_item)
    least = np.full(len(model.menu), np.inf)
    np.minimum.at(least, model.x_item, reduced[:n_x])
    # the other columns (po) each at the bound of least cost: 0, or its upper one
    other = reduced[n_x:]
    others = np.where(other < 0, other * model.col_upper[n_x:], 0.0).sum()
    return float(model.constant + least[np.isfinite(least)].sum() + others + y @ rhs)


def _multipliers(model: MenuModel, duals: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers of the shared rows (by name; missing: 0) clipped to their valid sign
    (a <= row: y <= 0, a >= row: y >= 0), and those rows' indices."""
    rows = np.array(
        [r for r, n in enumerate(model.row_names) if not n.startswith("one_lot")], dtype=np.int64
    )
    y = np.array([duals.get(model.row_names[r], 0.0) for r in rows], dtype=float)
    y = np.where(np.isfinite(model.row_upper[rows]), np.minimum(y, 0.0), y)
    y = np.where(np.isfinite(model.row_lower[rows]), np.maximum(y, 0.0), y)
    return y, rows


def _tolerance(objective: float, gap: float, floor: float) -> float:
    """How far below `objective` a bound may be for the objective to count as proven: `gap`
    of the objective less the floor (currency)."""
    return max(gap * abs(objective - floor), ABS_GAP)


def _lp_state(
    model: MenuModel, time_limit: float, gap: float, duals: dict[str, float] | None = None
) -> _State | str:
    """The model loaded in HiGHS with its LP relaxation solved, or HiGHS's status. The simplex
    starts from each item's cheapest candidate under `duals` (starting_basis): for 20,000
    items this took tens of iterations instead of ~25,000."""
    highs = new_highs(time_limit, gap)
    highs.passModel(highs_lp(model_arrays(model)))
    highs.setBasis(starting_basis(model, duals or {}))
    highs.setOptionValue("solve_relaxation", True)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    if status != "Optimal":
        return status
    x = np.asarray(highs.getSolution().col_value)
    bound = float(highs.getInfo().objective_function_value) + model.floor  # highs_lp
    return _State(model, highs, bound, x)


def starting_basis(model: MenuModel, duals: dict[str, float]) -> highspy.HighsBasis:
    """A simplex basis: per item its candidate of least reduced cost under `duals` is basic
    (one per one_lot row), the shared rows' slacks are basic, every other column is at 0."""
    status = highspy.HighsBasisStatus
    shared = [not name.startswith("one_lot") for name in model.row_names]
    reduced = model.cost - model.rows[np.flatnonzero(shared)].T @ _multipliers(model, duals)[0]
    order = np.lexsort((reduced[: len(model.x_item)], model.x_item))  # po columns stay at 0
    first = np.ones(len(order), bool)
    first[1:] = model.x_item[order][1:] != model.x_item[order][:-1]
    col = np.full(model.n_columns, status.kLower, dtype=object)
    col[order[first]] = status.kBasic
    basis = highspy.HighsBasis()
    basis.col_status = col.tolist()
    basis.row_status = [status.kBasic if s else status.kLower for s in shared]
    basis.valid = True
    return basis


def _completed(state: _State, time_limit: float, gap: float) -> tuple[np.ndarray | None, str]:
    """(plan, status of the last MIP run for it): items with a fractional LP choice, then also
    the items nearest to switching (least reduced cost of another candidate), up to
    NEIGHBOURS[k] of them, are left to a MIP; the others keep their LP choice (None if no such
    MIP finds a plan in time). The tries share time_limit seconds; none starts without time
    left."""
    end = time.perf_counter() + time_limit
    model, x = state.model, state.x
    n_x = len(model.x_item)
    frac = np.abs(x[:n_x] - np.round(x[:n_x])) > 1e-6
    if not frac.any():
        return np.round(x), "Optimal"
    near = _switch_order(state)
    status = "Time limit reached"
    for extra in NEIGHBOURS:
        free = np.zeros(len(model.menu), bool)
        free[model.x_item[frac]] = True
        free[near[:extra]] = True
        left = end - time.perf_counter()
        if left <= 0:
            break
        found, status = _sub_mip(state, np.flatnonzero(~free[model.x_item]), left, gap)
        if found is not None:
            return found, status
    return None, status


def _switch_order(state: _State) -> np.ndarray:
    """Items by the least reduced cost of a candidate they do not take (LP), smallest first."""
    model = state.model
    n_x = len(model.x_item)
    dual = np.asarray(state.highs.getSolution().col_dual)[:n_x]
    rc = np.where(state.x[:n_x] > 1e-6, np.inf, np.abs(dual))
    least = np.full(len(model.menu), np.inf)
    np.minimum.at(least, model.x_item, rc)
    return np.argsort(least, kind="stable")


def _sub_mip(
    state: _State, fix: np.ndarray, time_limit: float, gap: float
) -> tuple[np.ndarray | None, str]:
    """(plan, solver status) from the state's MIP with columns `fix` held at their LP values
    (plan None if none that meets the model was found within time_limit seconds)."""
    arrays = model_arrays(state.model)
    value = np.round(state.x[fix])
    arrays["col_lower"][fix] = arrays["col_upper"][fix] = value
    status, _, _, x = _run_mip(state.model, arrays, time_limit, gap)
    result = None if x is None else np.round(x)
    if result is not None and not meets_rows(state.model, result):
        return None, status
    return result, status


def _mip_from(state: _State, x0: np.ndarray | None, time_limit: float, gap: float) -> tuple:
    """The state's full MIP, started from plan x0: (status, objective, bound, x).

    The result is checked against the model: HiGHS 1.16, given a start, once reported 0.0
    (and a bound of 0.0, "Optimal") for a plan that costs 4.0, below the LP bound 3.2 (found
    by tests/optimize/test_model_solve.py). A result whose objective is not the plan's cost
    is thrown away and the MIP solved again from scratch, without the start, in the time
    left."""
    start = time.perf_counter()
    arrays = model_arrays(state.model)
    if x0 is not None:
        arrays["x0"] = x0
    result = _run_mip(state.model, arrays, time_limit, gap)
    x = result[3]
    if x is not None and abs(result[1] - state.model.objective(x)) > _tolerance(result[1], 1e-7, 0):
        arrays.pop("x0", None)
        left = time_limit - (time.perf_counter() - start)
        result = (
            _run_mip(state.model, arrays, left, gap)
            if left > 0
            else ("Time limit reached", None, result[2], None)
        )
    return result


def _run_mip(model: MenuModel, arrays: dict, time_limit: float, gap: float) -> tuple:
    """The MIP of `arrays` (solve.run_highs: in a worker for a big model), at least 0.01 s:
    (status, objective, bound, x); objective and x None without a plan."""
    status, objective, bound, _, x = run_highs(model, arrays, max(time_limit, 0.01), gap)
    return status, objective, bound, x
