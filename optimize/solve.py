"""Solve a MenuModel with HiGHS (highspy through PuLP) or CBC, and report what was proven.

PuLP maps a time-limit stop to "Optimal" (coin-or/pulp #711, #649), so the status here is the
solver's own: HiGHS's model status string, CBC's "Result - ..." log line. A plan is optimal
only if the solver says so and the gap between objective and best bound is within the
requested relative gap (or within ABS_GAP currency).
"""

from __future__ import annotations

import math
import re
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pulp

from optimize.model import MenuModel

ABS_GAP = 1e-6
SOLVERS = ("highs", "cbc")


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solve: solver status as the solver wrote it, objective and best bound
    (currency), relative gap, wall seconds."""

    status: str
    optimal: bool
    objective: float | None
    best_bound: float | None
    gap: float | None
    seconds: float
    solver: str


def solve(
    model: MenuModel, solver: str = "highs", time_limit: float = 60.0, gap: float = 1e-4
) -> SolveResult:
    """Solve in place (variable values are set on the model) and return the proven outcome."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, not {solver!r}")
    start = time.perf_counter()
    if not model.variables:  # nothing to decide: trivially optimal, no solver needed
        return SolveResult("empty model", True, 0.0, 0.0, 0.0, 0.0, solver)
    if solver == "highs":
        status, objective, bound, found_gap = _solve_highs(model.problem, time_limit, gap)
    else:
        status, objective, bound, found_gap = _solve_cbc(model.problem, time_limit, gap)
    seconds = time.perf_counter() - start
    if found_gap is None:
        found_gap = relative_gap(objective, bound)
    optimal = proven_optimal(status, objective, bound, found_gap, gap)
    return SolveResult(status, optimal, objective, bound, found_gap, seconds, solver)


def proven_optimal(
    status: str,
    objective: float | None,
    best_bound: float | None,
    gap: float | None,
    requested_gap: float,
) -> bool:
    """True only for an "optimal" status with a gap within the requested one."""
    if status.strip().lower() not in ("optimal", "optimal solution found"):
        return False
    if objective is None or best_bound is None or gap is None:
        return False
    return gap <= requested_gap + 1e-12 or abs(objective - best_bound) <= ABS_GAP


def relative_gap(objective: float | None, best_bound: float | None) -> float | None:
    """|objective − bound| / |objective| (0 when both are 0), None if either is unknown."""
    if objective is None or best_bound is None:
        return None
    diff = abs(objective - best_bound)
    if diff <= ABS_GAP:
        return 0.0
    return diff / abs(objective) if objective else math.inf


def _solve_highs(lp: pulp.LpProblem, time_limit: float, gap: float) -> tuple:
    engine = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap, threads=1)
    lp.solve(engine)
    highs = lp.solverModel
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(info.objective_function_value) if has_solution else None
    bound = _finite(info.mip_dual_bound)
    found_gap = _finite(info.mip_gap) if has_solution else None
    return status, objective, bound, found_gap


def _solve_cbc(lp: pulp.LpProblem, time_limit: float, gap: float) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        with warnings.catch_warnings():  # deprecated for PuLP 4.0; the bundled CBC is this one
            warnings.simplefilter("ignore", DeprecationWarning)
            engine = pulp.PULP_CBC_CMD(
                msg=False, timeLimit=time_limit, gapRel=gap, logPath=str(log)
            )
        lp.solve(engine)
        status, objective, bound = parse_cbc_log(log.read_text())
    if objective is not None:  # the log rounds to 8 digits; PuLP has the exact values
        objective = float(pulp.value(lp.objective))
    if status.lower().startswith("optimal"):
        bound = objective if bound is None else bound
    return status, objective, bound, relative_gap(objective, bound)  # the log's gap: 2 digits


def parse_cbc_log(text: str) -> tuple[str, float | None, float | None]:
    """(status, objective, best bound) from a CBC log: status is the text after "Result - "
    (e.g. "Optimal solution found", "Stopped on time limit"); an optimal solve found without
    search prints no bound, which is then the objective."""
    result = re.search(r"^Result - (.+?)\s*$", text, re.MULTILINE)
    status = result.group(1) if result else "unknown"
    objective = _number(r"^Objective value:\s+(\S+)", text)
    bound = _number(r"^Lower bound:\s+(\S+)", text)
    if status.lower().startswith("optimal") and bound is None:
        bound = objective
    return status, objective, bound


def _number(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text, re.MULTILINE)
    if not found:
        return None
    try:
        return _finite(float(found.group(1)))
    except ValueError:
        return None


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) and abs(value) < 1e29 else None
