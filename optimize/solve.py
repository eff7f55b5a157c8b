"""Solve a MenuModel with HiGHS (highspy, directly from the model's arrays) or CBC (through
PuLP), and report what was proven.

PuLP maps a time-limit stop to "Optimal" (coin-or/pulp #711, #649), so the status here is the
solver's own: HiGHS's model status string, CBC's "Result - ..." log line. A plan is optimal
only if the solver says so and the gap between objective and best bound is within the
requested relative gap (or within ABS_GAP currency). The gap is relative to the cost the
choices can avoid, the objective less the model's floor (MenuModel.floor: each item's least
cost), and so is the solvers' own: HiGHS gets the objective less the floor, CBC the columns
without the constant. A model without columns (every item
decided while building it: no shared limit, or one lot left within the limits) needs no
solver: its status is NO_SOLVER_STATUS when it meets every row, "Infeasible" otherwise.

The time limit holds for CBC too (the bundled CBC 2.10.3 overran 60 s by 20-30 s, coin-or/Cbc
#605): CBC runs as a subprocess (the command PuLP builds: MPS file, `-sec`, `-timeMode
elapsed`) with the time left after writing the model, and is killed at that time plus
CBC_GRACE seconds. A killed CBC leaves no proof and no solution: the status says "Time limit
enforced: ..., no solution proven".

HiGHS (highspy 1.16) does not keep its time limit on big models either: the compact
supplier-tier model of `bench/optimize.py --sizes 1000 --tiers 6` (1,059 rows, 110,516
columns, 1.6M nonzeros) ran 628 s against a limit of 120 s, 578 s of it in one sub-MIP of a
root heuristic (gdb: rootReducedCost -> solveSubMip -> ... -> linesearchRounding ->
HighsDomain::propagate -> propagateConflict, a loop that neither checks the clock nor calls
the callbacks; with that heuristic off it stuck the same way in RENS's sub-MIP). No option or
callback can stop it, so a model with at least GUARD_NONZEROS nonzeros is solved in a worker
process (optimize/highs_worker.py; the model arrays go through a file) that is killed at the
time left plus HIGHS_GRACE seconds (`finish_worker`); that costs about 0.15 s per solve. A
worker that finishes gives exactly the in-process result. The worker writes every improving
solution HiGHS reports, so a killed one leaves its last: if it meets the model (objective and
rows) it is the plan, with the bound HiGHS had then, status "Time limit enforced: HiGHS
stopped after ..., plan: its last improving solution ..., not proven optimal"; otherwise
"..., no solution found". The case above now stops at 123.1 s with the plan HiGHS had found
at 49 s (1.6% dearer than its plan after 628 s). The same rule (`run_highs`) holds for the
MIPs of the tier states' models (tier_search: a start solution and fixed columns go to the
worker with the model); their LP relaxations are solved in this process.

CBC 2.10.3 segfaults writing its solution file after its first bound tightening proved a
model infeasible (coin-or/Cbc #463); such a failed run is repeated without the solution file,
and its "Problem is infeasible" counts (`run_cbc`). Any other failure reads "CBC failed (exit
code ...), no solution".

Whenever the solver ends without a solution and without proving infeasibility, the plan is
the best one known (fallback.greedy_choices), the status gains FALLBACK_NOTE, and it is not
optimal.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp

from optimize import highs_worker
from optimize.fallback import greedy_choices
from optimize.highs_worker import finite, model_arrays
from optimize.model import MenuModel

ABS_GAP = 1e-6
# relative to the cost the lots can avoid (MenuModel.floor left out): 1% of it was 0.79 above
# the optimum on bench/optimize.py's 5,000 items (8.74 with 1e-4 of the whole objective, the
# default until 2026-12-07), and proving 1e-4 of it took HiGHS 23 s there and 119 s at 20,000
# items, beyond the run's 60 s time limit (1.1 s and 3.7 s at 1%)
DEFAULT_GAP = 0.01
PREPROCESS = "off"
CBC_GRACE = 2.0  # seconds CBC may run past its time limit before it is killed
HIGHS_GRACE = 3.0  # seconds the HiGHS worker may run past its time limit before it is killed
# HiGHS runs in a worker process (highs_worker) for models with at least this many nonzeros
GUARD_NONZEROS = 100_000
ENFORCED = "Time limit enforced"
FALLBACK_NOTE = "; best plan known: greedy plan repaired to the limits, not optimal"
SOLVERS = ("highs", "cbc")
NO_SOLVER_STATUS = "Optimal (each item's cheapest allowed lot; no solver needed)"
# the best supplier-tier state needed no solver, but the others did (states._solve_states)
STATES_STATUS = "Optimal (best of {n} supplier-tier states; {solver} solved the others)"
INFEASIBLE = ("infeasible", "problem proven infeasible", "linear relaxation infeasible",
              "problem is infeasible")  # fmt: skip
# CBC's own line when its initial LP solve proves infeasibility (no "Result -" line then)
CBC_EARLY_INFEASIBLE = re.compile(r"^Problem is infeasible\b", re.MULTILINE)


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solve: solver status as the solver wrote it, objective and best bound
    (currency), relative gap, wall seconds, chosen candidate per item (None: no solution)."""

    status: str
    optimal: bool
    objective: float | None
    best_bound: float | None
    gap: float | None
    seconds: float
    solver: str
    choices: tuple[int, ...] | None = None

    @property
    def infeasible(self) -> bool:
        return self.status.strip().lower() in INFEASIBLE


def solve(
    model: MenuModel, solver: str = "highs", time_limit: float = 60.0, gap: float = DEFAULT_GAP
) -> SolveResult:
    """Solve the model and return the proven outcome with the chosen candidates."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, not {solver!r}")
    start = time.perf_counter()
    if model.n_columns == 0:
        return _without_solver(model, solver, start)
    if solver == "highs":
        status, objective, bound, found_gap, x = _solve_highs(model, time_limit, gap)
    else:
        status, objective, bound, found_gap, x = _solve_cbc(model, time_limit, gap)
    if found_gap is None:
        found_gap = relative_gap(objective, bound, model.floor)
    optimal = proven_optimal(status, objective, bound, found_gap, gap)
    if (objective is None or x is None) and status.strip().lower() not in INFEASIBLE:
        x = greedy_choices(model)
        if x is not None:
            status, objective, optimal = status + FALLBACK_NOTE, model.objective(x), False
            found_gap = relative_gap(objective, bound, model.floor)
    seconds = time.perf_counter() - start
    choices = None if objective is None or x is None else tuple(model.choices(x))
    return SolveResult(status, optimal, objective, bound, found_gap, seconds, solver, choices)


def _without_solver(model: MenuModel, solver: str, start: float) -> SolveResult:
    fits = bool(np.all(model.row_lower <= 1e-9) and np.all(model.row_upper >= -1e-9))
    seconds = time.perf_counter() - start
    if not fits:
        return SolveResult("Infeasible", False, None, None, None, seconds, solver)
    objective = model.constant
    choices = tuple(model.choices(None))
    status = NO_SOLVER_STATUS if model.menu else "empty model"
    return SolveResult(status, True, objective, objective, 0.0, seconds, solver, choices)


def proven_optimal(
    status: str,
    objective: float | None,
    best_bound: float | None,
    gap: float | None,
    requested_gap: float,
) -> bool:
    """True only for an "optimal" status with a gap within the requested one."""
    text = status.strip().lower()
    # CBC: "Optimal solution found" or "... (within gap tolerance)" when it stops at gapRel
    if text != "optimal" and not text.startswith("optimal solution found"):
        return False
    if objective is None or best_bound is None or gap is None:
        return False
    return gap <= requested_gap + 1e-12 or abs(objective - best_bound) <= ABS_GAP


def relative_gap(
    objective: float | None, best_bound: float | None, floor: float = 0.0
) -> float | None:
    """|objective − bound| / |objective − floor| (0 when the two are within ABS_GAP), None if
    either is unknown; `floor`: the part of the objective no choice changes (MenuModel.floor),
    so the gap is relative to the cost the choices can avoid."""
    if objective is None or best_bound is None:
        return None
    diff = abs(objective - best_bound)
    if diff <= ABS_GAP:
        return 0.0
    base = abs(objective - floor)
    return diff / base if base else math.inf


def _solve_highs(model: MenuModel, time_limit: float, gap: float) -> tuple:
    return run_highs(model, model_arrays(model), time_limit, gap)


def run_highs(model: MenuModel, arrays: dict, time_limit: float, gap: float) -> tuple:
    """HiGHS on `arrays` (highs_worker.model_arrays of `model`, perhaps with narrowed column
    bounds and a start `x0`): (status, objective, bound, gap, x). In a worker process killed
    at the time limit (s) + HIGHS_GRACE if the model has GUARD_NONZEROS nonzeros or more."""
    if model.rows.nnz >= GUARD_NONZEROS:
        return _solve_highs_guarded(model, arrays, time_limit, gap)
    return highs_worker.solve_arrays(arrays, time_limit, gap)


def _solve_highs_guarded(model: MenuModel, arrays: dict, time_limit: float, gap: float) -> tuple:
    """run_highs in a worker process (highs_worker), killed at the time limit + grace."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="highs-") as tmp:
        folder = Path(tmp)
        highs_worker.save(folder / highs_worker.MODEL, **arrays)
        left = max(time_limit - (time.perf_counter() - start), 0.01)
        # -P: the worker's folder (optimize/) is not put first on the child's sys.path
        args = [sys.executable, "-P", highs_worker.__file__, str(folder), repr(left), repr(gap)]
        with (folder / "worker.log").open("w") as log:
            process = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        return finish_worker(process, model, folder, left, start)


def finish_worker(
    process: subprocess.Popen, model: MenuModel, folder: Path, time_limit: float, start: float
) -> tuple:
    """Wait for a HiGHS worker writing into `folder` up to time_limit + HIGHS_GRACE seconds
    and kill it then: (status, objective, bound, gap, x) as _solve_highs gives them. A worker
    that finished gives its outcome. A killed one gives its last improving solution if that
    meets the model (objective and rows), with the bound HiGHS had then; otherwise no
    solution. `start`: when the solve started (perf_counter), for the status."""
    code = wait_or_kill(process, time_limit + HIGHS_GRACE)
    if code is None:
        return _killed_worker(model, folder, time.perf_counter() - start)
    result = highs_worker.load_outcome(folder / highs_worker.RESULT)
    if code != 0 or result is None:
        log = folder / "worker.log"
        tail = log.read_text()[-500:] if log.exists() else ""
        raise RuntimeError(f"HiGHS worker failed (exit code {code}): {tail}")
    return result


def wait_or_kill(process: subprocess.Popen, timeout: float) -> int | None:
    """The exit code of a solver process waited for up to `timeout` seconds, None if this
    killed it then (an interrupt while waiting kills it too; a process that ended between
    the timeout and the kill gives its own exit code, and so does one that crashed)."""
    killed = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
            killed = True
    return None if killed else process.returncode


def _killed_worker(model: MenuModel, folder: Path, seconds: float) -> tuple:
    status = f"{ENFORCED}: HiGHS stopped after {seconds:.1f} s"
    found = highs_worker.load(folder / highs_worker.IMPROVING)
    if found is None:
        return status + ", no solution found", None, None, None, None
    x = np.asarray(found["x"], float)
    objective = model.objective(x) if x.shape == (model.n_columns,) else math.nan
    recorded = float(found["objective"])
    if not (
        abs(objective - recorded) <= max(1e-7 * abs(recorded), ABS_GAP)
        and meets_rows(model, x)
        and _integral(model, x)
    ):
        status += ", its last solution does not meet the model: no solution kept"
        return status, None, None, None, None
    when = float(found["seconds"])
    status += f", plan: its last improving solution (found at {when:.1f} s), not proven optimal"
    return status, objective, finite(found["bound"]), None, x  # bound: with the floor


def meets_rows(model: MenuModel, x: np.ndarray) -> bool:
    """True if column values x meet every row of the model (relative tolerance 1e-7)."""
    activity = model.rows @ x
    scale = 1e-7 * (1 + np.abs(activity))
    return bool(
        np.all(activity >= model.row_lower - scale) and np.all(activity <= model.row_upper + scale)
    )


def _integral(model: MenuModel, x: np.ndarray) -> bool:
    return bool(np.all(np.abs(x[model.integer] - np.round(x[model.integer])) <= 1e-6))


def _solve_cbc(model: MenuModel, time_limit: float, gap: float) -> tuple:
    start = time.perf_counter()
    lp, variables = model.to_pulp()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        left = time_limit - (time.perf_counter() - start)
        outcome = run_cbc(lp, Path(tmp), left, gap, log) if left > 0 else None
        if outcome is None:
            spent = time.perf_counter() - start
            status = f"{ENFORCED}: CBC stopped after {spent:.1f} s, no solution proven"
            return status, None, None, None, None
        if outcome:  # its exit code, no proof of infeasibility before the crash (run_cbc)
            return f"CBC failed (exit code {outcome}), no solution", None, None, None, None
        status, objective, bound = parse_cbc_log(log.read_text())
    if bound is not None:  # CBC's log leaves out the objective's constant
        bound += model.constant
    x = None
    if objective is not None:  # the log rounds to 8 digits; PuLP has the exact values
        objective = float(pulp.value(lp.objective))
        x = np.array([v.value() or 0.0 for v in variables])
    if status.lower().startswith("optimal"):
        bound = objective if bound is None else bound
    gap_found = relative_gap(objective, bound, model.floor)  # the log's gap has 2 digits
    return status, objective, bound, gap_found, x


def run_cbc(
    lp: pulp.LpProblem, folder: Path, time_limit: float, gap: float, log: Path
) -> int | None:
    """Run the bundled CBC on `lp` as PuLP does, killed at time_limit + CBC_GRACE wall
    seconds; the solution goes into `lp`'s variables, CBC's output into `log`. 0 when it
    finished, its exit code when it failed (no solution), None if it was killed.

    With its preprocessing off, CBC 2.10.3 proves some models infeasible in its first bound
    tightening ("Problem is infeasible - tightenPrimalBounds!": a binary bounded strictly
    between 0 and 1, e.g. a tier state's model that is LP-feasible and integer-infeasible)
    and then segfaults writing the solution file (coin-or/Cbc #463; exit code -11), its
    buffered log lost. A failed run is repeated without the solution file in the time left:
    if that run's log says the model is infeasible, `log` holds it and this gives 0."""
    start = time.perf_counter()
    with warnings.catch_warnings():  # deprecated for PuLP 4.0; the bundled CBC is this one
        warnings.simplefilter("ignore", DeprecationWarning)
        engine = pulp.PULP_CBC_CMD(msg=False, gapRel=gap)
    mps, sol = folder / "model.mps", folder / "model.sol"
    names = lp.writeMPS(str(mps), rename=1)
    args = _cbc_args(engine.path, mps, time_limit, gap)
    args += ["-printingOptions", "all", "-solution", str(sol)]
    code = _run_logged(args, log, time_limit + CBC_GRACE)
    if code:  # failed, not killed
        left = time_limit - (time.perf_counter() - start)
        return 0 if _infeasible_again(engine.path, mps, gap, log, left) else code
    if code is None:
        return None
    if not sol.exists():
        return -1
    vs, variable_names, constraint_names, _ = names
    status, values, _, _, _, sol_status = engine.readsol_MPS(
        str(sol), lp, vs, variable_names, constraint_names
    )
    lp.assignVarsVals(values)
    lp.assignStatus(status, sol_status)
    return 0


def _cbc_args(path: str, mps: Path, seconds: float, gap: float) -> list[str]:
    """CBC's command solving the model in `mps` within `seconds` (wall) to the relative `gap`
    (no output file)."""
    # CBC 2.10.3's preprocessing fixed a column wrongly on a small menu model and reported a
    # worse plan as optimal (coin-or/Cbc #293, #720): it stays off (PREPROCESS)
    return [path, str(mps), "-sec", f"{max(seconds, 0.01):.3f}", "-timeMode", "elapsed",
            "-ratio", f"{gap}", "-preprocess", PREPROCESS, "-solve"]  # fmt: skip


def _infeasible_again(path: str, mps: Path, gap: float, log: Path, left: float) -> bool:
    """True if CBC, run again on `mps` without a solution file within `left` seconds,
    proves the model infeasible; its output then replaces `log`."""
    if left <= 0:
        return False
    again = log.with_name("again.log")
    if _run_logged(_cbc_args(path, mps, left, gap), again, left + CBC_GRACE) != 0:
        return False
    text = again.read_text()
    if parse_cbc_log(text)[0].strip().lower() not in INFEASIBLE:
        return False
    log.write_text(text)
    return True


def _run_logged(args: list[str], log: Path, timeout: float) -> int | None:
    """Exit code of the command `args` with its output into `log`, None if killed after
    `timeout` seconds."""
    with log.open("w") as out:
        process = subprocess.Popen(args, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        return wait_or_kill(process, timeout)


def parse_cbc_log(text: str) -> tuple[str, float | None, float | None]:
    """(status, objective, best bound) from a CBC log: status is the text after "Result - "
    (e.g. "Optimal solution found", "Stopped on time limit"), or "Problem is infeasible" when
    CBC proved infeasibility before any search (it then prints no "Result" line); an optimal
    solve found without search prints no bound, which is then the objective."""
    result = re.search(r"^Result - (.+?)\s*$", text, re.MULTILINE)
    if result:
        status = result.group(1)
    elif CBC_EARLY_INFEASIBLE.search(text):
        status = "Problem is infeasible"
    else:
        status = "unknown"
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
        return finite(float(found.group(1)))
    except ValueError:
        return None
