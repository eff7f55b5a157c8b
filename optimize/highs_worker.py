"""HiGHS on a MenuModel's arrays, in this process or as a worker process of its own.

HiGHS 1.16 does not keep its time limit on big models (see optimize.solve), so solve.py runs
them in a child process that it can kill:

    python highs_worker.py FOLDER TIME_LIMIT GAP

reads the model arrays from FOLDER/model.npz (`model_arrays`, written by the parent; its
column bounds may be narrowed, e.g. columns fixed, and an optional `x0` is the start
solution), solves, writes every improving MIP solution HiGHS reports to FOLDER/improving.npz
(x, objective, the dual bound at that time, seconds since the solve started; replaced
atomically, so a kill never leaves half a file) and at the end the outcome to
FOLDER/result.npz (`outcome`: status, objective, bound, gap, x). The worker limits its own CPU
time to the time limit + ORPHAN_GRACE seconds (RLIMIT_CPU), so it ends even when its parent
died without killing it. This module imports only numpy and highspy, so the child starts in
about 0.1 s (importing the optimize package takes 0.5 s). The in-process path runs the same
`solve_arrays`, so both give the same result.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    from optimize.model import MenuModel

MODEL, IMPROVING, RESULT = "model.npz", "improving.npz", "result.npz"
# CPU seconds past its time limit after which the kernel kills a worker: the parent kills it
# at HIGHS_GRACE (3 s) wall seconds, but a parent that died without its `finally` (SIGTERM,
# e.g. a cancelled flow run) cannot, and a stuck HiGHS would run on for many minutes
ORPHAN_GRACE = 10.0


_QUIET = {"done": False}


def _first_highs() -> highspy.Highs:
    """highspy.Highs(), the first one of the process with file descriptor 1 pointed at
    /dev/null: HiGHS prints its banner ("Running HiGHS 1.16.0 ... Copyright") to stdout on the
    first construction, before any option can turn its output off, and it landed in the
    middle of `reorder run`'s output. Without a file descriptor 1 (stdout closed) there is
    nothing to silence."""
    if _QUIET["done"]:
        return highspy.Highs()
    if sys.stdout is not None:
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        _QUIET["done"] = True
        return highspy.Highs()
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        _QUIET["done"] = True


def new_highs(time_limit: float, gap: float) -> highspy.Highs:
    """A silent single-thread HiGHS with the time limit (s) and relative gap."""
    highs = _first_highs()
    for option, value in (
        ("output_flag", False),
        ("time_limit", float(time_limit)),
        ("mip_rel_gap", float(gap)),
        ("threads", 1),
    ):
        highs.setOptionValue(option, value)
    return highs


def model_arrays(model: MenuModel) -> dict[str, np.ndarray]:
    """The arrays `highs_lp` needs from a MenuModel (what the parent writes to model.npz);
    own copies of the column bounds, so a caller may narrow them (fix columns)."""
    rows = model.rows
    return {
        "cost": np.asarray(model.cost, float),
        "constant": np.asarray(model.constant, float),
        "floor": np.asarray(model.floor, float),
        "col_lower": np.zeros(model.n_columns),
        "col_upper": np.array(model.col_upper, float),
        "integer": np.asarray(model.integer, bool),
        "row_lower": np.asarray(model.row_lower, float),
        "row_upper": np.asarray(model.row_upper, float),
        "start": rows.indptr.astype(np.int32),
        "index": rows.indices.astype(np.int32),
        "value": rows.data.astype(float),
        "n_rows": np.asarray(rows.shape[0]),
    }


def highs_lp(arrays: dict[str, np.ndarray]) -> highspy.HighsLp:
    """The model (`model_arrays`) as a HiGHS LP: row-wise matrix, columns from 0; its
    objective is the model's less its floor (`floor`): HiGHS's relative gap is on that (its
    offset counts in it), and its objective values are the model's less the floor."""
    lp = highspy.HighsLp()
    n, m = len(arrays["cost"]), int(arrays["n_rows"])
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = arrays["cost"]
    lp.offset_ = float(arrays["constant"]) - floor(arrays)
    lp.col_lower_ = arrays["col_lower"]
    lp.col_upper_ = _highs_inf(arrays["col_upper"])
    lp.row_lower_ = _highs_inf(arrays["row_lower"])
    lp.row_upper_ = _highs_inf(arrays["row_upper"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.a_matrix_.start_ = arrays["start"]
    lp.a_matrix_.index_ = arrays["index"]
    lp.a_matrix_.value_ = arrays["value"]
    kinds = highspy.HighsVarType
    lp.integrality_ = [kinds.kInteger if b else kinds.kContinuous for b in arrays["integer"]]
    return lp


def floor(arrays: dict[str, np.ndarray]) -> float:
    """The model's floor (currency): what HiGHS's objective values leave out (`highs_lp`)."""
    return float(arrays.get("floor", 0.0))


def _highs_inf(values: np.ndarray) -> np.ndarray:
    inf = highspy.kHighsInf
    return np.where(values == np.inf, inf, np.where(values == -np.inf, -inf, values))


def solve_arrays(
    arrays: dict[str, np.ndarray], time_limit: float, gap: float, improving=None
) -> tuple:
    """`outcome` of HiGHS on the model arrays, started from `arrays["x0"]` if given;
    `improving`: a callback for every improving MIP solution (the worker's, see `run`)."""
    highs = new_highs(time_limit, gap)
    highs.passModel(highs_lp(arrays))
    if "x0" in arrays:
        start = highspy.HighsSolution()
        start.col_value = np.asarray(arrays["x0"], float)
        highs.setSolution(start)
    if improving is not None:
        highs.cbMipImprovingSolution += improving  # Highs() has enabled callbacks already
    highs.run()
    return outcome(highs, floor(arrays))


def outcome(highs: highspy.Highs, base: float = 0.0) -> tuple:
    """(status, objective, bound, gap, x) of a finished run: HiGHS's model status string;
    objective, gap and x None without a feasible solution; bound None if not finite;
    objective and bound with `base` (the model's floor, `highs_lp`) added back, the gap
    HiGHS's own (relative to the objective less the floor)."""
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(info.objective_function_value) + base if has_solution else None
    bound = finite(info.mip_dual_bound)
    bound = None if bound is None else bound + base
    found_gap = finite(info.mip_gap) if has_solution else None
    x = np.asarray(highs.getSolution().col_value) if has_solution else None
    return status, objective, bound, found_gap, x


def finite(value: float) -> float | None:
    """The value, None if it is not finite (HiGHS writes infinity as >= 1e30)."""
    value = float(value)
    return value if math.isfinite(value) and abs(value) < 1e29 else None


def save(path: Path, **arrays) -> None:
    """Write arrays to an .npz file atomically: a reader sees the old file or the new one."""
    part = path.with_name(f".{path.name}.part")
    with part.open("wb") as out:
        np.savez(out, **arrays)
    os.replace(part, path)


def load(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of an .npz file, None if there is none."""
    if not path.exists():
        return None
    with np.load(path) as data:
        return dict(data)


def save_outcome(path: Path, result: tuple) -> None:
    """`outcome` as an .npz file (None: NaN, or no `x`)."""
    status, objective, bound, found_gap, x = result
    nan = float("nan")
    arrays = {"status": np.asarray(status)}
    for name, value in (("objective", objective), ("bound", bound), ("gap", found_gap)):
        arrays[name] = np.asarray(nan if value is None else value, float)
    if x is not None:
        arrays["x"] = np.asarray(x, float)
    save(path, **arrays)


def load_outcome(path: Path) -> tuple | None:
    """What `save_outcome` wrote (the same tuple), None if there is no such file."""
    data = load(path)
    if data is None:
        return None

    def number(name: str) -> float | None:
        value = float(data[name])
        return None if math.isnan(value) else value

    status = str(data["status"])
    return status, number("objective"), number("bound"), number("gap"), data.get("x")


def run(folder: Path, time_limit: float, gap: float) -> None:
    """Solve FOLDER/model.npz, writing improving solutions and the outcome (module docstring)."""
    cpu = math.ceil(time_limit + ORPHAN_GRACE)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))  # soft = hard: SIGKILL, no core file
    start = time.perf_counter()
    arrays = load(folder / MODEL)
    base = floor(arrays)

    def improving(event) -> None:
        out = event.data_out
        save(
            folder / IMPROVING,
            x=np.array(out.mip_solution, float),
            objective=np.asarray(float(out.objective_function_value) + base),
            bound=np.asarray(float(out.mip_dual_bound) + base),
            seconds=np.asarray(time.perf_counter() - start),
        )

    save_outcome(folder / RESULT, solve_arrays(arrays, time_limit, gap, improving))


if __name__ == "__main__":
    run(Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))
