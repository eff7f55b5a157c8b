"""HiGHS on big models runs in a worker process: the same result when it finishes, the time
limit kept when it does not (optimize.solve: HiGHS 1.16 ran 628 s against 120 s)."""

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from optimize import highs_worker
from optimize.data import Limits, SupplierTier
from optimize.fallback import greedy_choices
from optimize.model import MenuModel, build_models
from optimize.solve import ENFORCED, FALLBACK_NOTE, HIGHS_GRACE, finish_worker, solve
from tests.optimize.test_time_limit import N_ITEMS, assert_feasible, hard_menu, hard_model

SOLVE = sys.modules["optimize.solve"]  # `optimize.solve` is also the package's function


def compact_tier_model() -> MenuModel:
    tiers = (SupplierTier("S", 50_000.0, 0.02), SupplierTier("S", 90_000.0, 0.04))
    limits = Limits(budget=0.5 * N_ITEMS * 500, supplier_tiers=tiers)
    (model,) = build_models(hard_menu(), limits, max_states=0)
    return model


def infeasible_model() -> MenuModel:
    model = hard_model()
    upper = np.where(np.array(model.row_names) == "budget", -1.0, model.row_upper)
    return dataclasses.replace(model, row_upper=upper)


CASES = {  # name: (model, time limit, gap, HiGHS's own status)
    "optimal": (hard_model, 30.0, 0.0, "Optimal"),
    "with a constant": (
        lambda: dataclasses.replace(hard_model(), constant=1234.5),
        30.0,
        1e-4,
        "Optimal",
    ),
    "compact tiers": (compact_tier_model, 30.0, 1e-4, "Optimal"),
    "infeasible": (infeasible_model, 30.0, 0.0, "Infeasible"),
    # HiGHS reaches its own time limit, most often before its first solution (the greedy
    # fallback follows), sometimes after it: which one is a race on either side
    "time limit reached": (hard_model, 1e-6, 0.0, "Time limit reached"),
}
RACES = {"time limit reached"}


@pytest.mark.parametrize("case", list(CASES))
def test_the_worker_gives_the_in_process_result(monkeypatch, case):
    build, time_limit, gap, status = CASES[case]
    model = build()
    in_process = solve(model, "highs", time_limit, gap)
    started = []
    popen = subprocess.Popen

    def spy(args, **kwargs):
        started.append(args)
        return popen(args, **kwargs)

    monkeypatch.setattr(SOLVE.subprocess, "Popen", spy)
    monkeypatch.setattr(SOLVE, "GUARD_NONZEROS", 0)
    guarded = solve(model, "highs", time_limit, gap)
    assert [Path(a[2]).name for a in started] == ["highs_worker.py"]
    assert guarded.status.startswith(status)
    if case in RACES:  # a plan either way, not proven
        for result in (in_process, guarded):
            assert result.status.startswith(status) and not result.optimal
            assert result.choices is not None and np.isfinite(result.objective)
        return
    for field in ("status", "optimal", "objective", "best_bound", "gap", "choices"):
        assert getattr(guarded, field) == getattr(in_process, field), field


def test_small_models_stay_in_process(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a worker was started")

    monkeypatch.setattr(SOLVE.subprocess, "Popen", fail)
    assert hard_model().rows.nnz < SOLVE.GUARD_NONZEROS
    assert solve(hard_model(), "highs", 30.0, 0.0).optimal


# A stand-in for a HiGHS stuck past its limit: it reports one improving solution (the one the
# test left in plan.npz), then sleeps far past any limit.
STUCK = """
import sys, time
from pathlib import Path
sys.path.insert(0, {folder!r})
import highs_worker as w
folder = Path(sys.argv[1])
if (folder / "plan.npz").exists():
    w.save(folder / w.IMPROVING, **w.load(folder / "plan.npz"))
time.sleep(120)
"""


def leave_plan(folder: Path, model: MenuModel, x: np.ndarray) -> None:
    """The improving solution a stuck worker reports (found at 0.2 s, bound -80,000)."""
    highs_worker.save(
        folder / "plan.npz",
        x=x,
        objective=np.asarray(model.objective(x)),
        bound=np.asarray(-80_000.0),
        seconds=np.asarray(0.2),
    )


def stuck_worker(folder: Path, popen=subprocess.Popen) -> subprocess.Popen:
    """The STUCK stand-in on `folder` (`popen`: the real one, also where a test replaced it)."""
    code = STUCK.format(folder=str(Path(highs_worker.__file__).parent))
    return popen([sys.executable, "-c", code, str(folder)])


def test_a_stuck_worker_is_killed_and_its_last_improving_solution_is_the_plan(tmp_path):
    model = hard_model()
    x = greedy_choices(model)
    leave_plan(tmp_path, model, x)
    start = time.perf_counter()
    status, objective, bound, gap, found = finish_worker(
        stuck_worker(tmp_path), model, tmp_path, 1.0, start
    )
    assert time.perf_counter() - start <= 1.0 + HIGHS_GRACE + 1.0
    assert gap is None  # solve() computes it from objective and bound
    assert status.startswith(f"{ENFORCED}: HiGHS stopped after")
    assert "plan: its last improving solution (found at 0.2 s), not proven optimal" in status
    assert objective == pytest.approx(model.objective(x))
    assert bound == -80_000.0
    assert np.array_equal(found, x)
    assert_feasible(model, tuple(model.choices(found)))


def test_a_killed_worker_s_solution_that_breaks_a_row_is_not_the_plan(monkeypatch, tmp_path):
    monkeypatch.setattr(SOLVE, "HIGHS_GRACE", 0.5)
    model = hard_model()
    x = np.zeros(model.n_columns)  # no lot chosen: every one_lot row is broken
    leave_plan(tmp_path, model, x)
    start = time.perf_counter()
    status, objective, bound, _, found = finish_worker(
        stuck_worker(tmp_path), model, tmp_path, 0.5, start
    )
    assert status.startswith(ENFORCED) and "no solution kept" in status
    assert objective is None and bound is None and found is None


def test_a_killed_worker_without_a_solution_leaves_the_greedy_plan(monkeypatch, tmp_path):
    monkeypatch.setattr(SOLVE, "HIGHS_GRACE", 0.5)
    model = hard_model()
    start = time.perf_counter()
    status, objective, *_ = finish_worker(stuck_worker(tmp_path), model, tmp_path, 0.5, start)
    assert time.perf_counter() - start <= 0.5 + 0.5 + 1.0
    assert status.startswith(ENFORCED) and status.endswith("no solution found")
    assert objective is None
    # through solve(): the worker killed 0.05 s after it starts, long before a first solution
    monkeypatch.setattr(SOLVE, "GUARD_NONZEROS", 0)
    monkeypatch.setattr(SOLVE, "HIGHS_GRACE", -0.95)
    result = solve(model, "highs", time_limit=1.0, gap=0.0)
    assert result.status.startswith(f"{ENFORCED}: HiGHS stopped after")
    assert result.status.endswith(", no solution found" + FALLBACK_NOTE)
    assert not result.optimal and result.best_bound is None
    assert_feasible(model, result.choices)
    assert result.objective == pytest.approx(model.objective(greedy_choices(model)))


# A worker whose HiGHS never returns (the 578 s sub-MIP) and whose parent is gone: nobody
# calls finish_worker, so only the worker's own CPU limit ends it.
ORPHAN = """
import sys
from pathlib import Path
sys.path.insert(0, {folder!r})
import highs_worker as w

class Hook:
    def __iadd__(self, callback):
        return self

class Stuck:
    cbMipImprovingSolution = Hook()
    def passModel(self, lp):
        pass
    def run(self):
        while True:
            pass

w.new_highs = lambda time_limit, gap: Stuck()
w.highs_lp = lambda *args: None
w.load = lambda *args: dict()
w.ORPHAN_GRACE = 0.0
w.run(Path(sys.argv[1]), 1.0, 0.0)
"""


def test_a_worker_without_its_parent_stops_at_its_cpu_limit(tmp_path):
    code = ORPHAN.format(folder=str(Path(highs_worker.__file__).parent))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], timeout=30)
    assert done.returncode == -9  # SIGKILL from the kernel at RLIMIT_CPU
    assert time.perf_counter() - start < 10


def start_worker(folder: Path, arrays: dict, time_limit: float, gap: float) -> subprocess.Popen:
    """The worker as solve.py starts it, on model arrays left in `folder`."""
    highs_worker.save(folder / highs_worker.MODEL, **arrays)
    args = [sys.executable, "-P", highs_worker.__file__, str(folder), repr(time_limit), repr(gap)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def worker_outcome(folder: Path, arrays: dict, time_limit: float, gap: float) -> tuple:
    assert start_worker(folder, arrays, time_limit, gap).wait(timeout=60) == 0
    return highs_worker.load_outcome(folder / highs_worker.RESULT)


def assert_same_outcome(found: tuple, expected: tuple) -> None:
    assert found[:4] == expected[:4]
    assert (found[4] is None) == (expected[4] is None)
    if found[4] is not None:
        assert np.array_equal(found[4], expected[4])


def test_the_worker_keeps_fixed_columns_as_in_process(tmp_path):
    model = hard_model()
    arrays = highs_worker.model_arrays(model)
    *_, best = highs_worker.solve_arrays(arrays, 30.0, 0.0)
    lots = np.arange(len(model.x_item))
    # items 0-2 get a lot the optimum does not take, items 3-5 may not take theirs
    forced = [lots[(model.x_item == i) & (best[lots] < 0.5)][0] for i in range(3)]
    taken = [lots[(model.x_item == i) & (best[lots] > 0.5)][0] for i in range(3, 6)]
    arrays["col_lower"][forced] = arrays["col_upper"][forced] = 1.0
    arrays["col_upper"][taken] = 0.0
    found = worker_outcome(tmp_path, arrays, 30.0, 0.0)
    assert found[0] == "Optimal"
    assert np.all(found[4][forced] == 1.0) and np.all(found[4][taken] == 0.0)
    assert found[1] > model.objective(best)
    assert_same_outcome(found, highs_worker.solve_arrays(arrays, 30.0, 0.0))


def test_the_worker_starts_from_the_given_solution(tmp_path):
    model = hard_model()
    x0 = greedy_choices(model)
    arrays = {**highs_worker.model_arrays(model), "x0": x0}
    # time limit 0: HiGHS stops before any search; the start is its only solution
    found = worker_outcome(tmp_path, arrays, 0.0, 0.0)
    assert found[0] == "Time limit reached"
    assert found[1] == model.objective(x0) and np.array_equal(found[4], x0)
    assert_same_outcome(found, highs_worker.solve_arrays(arrays, 0.0, 0.0))
    del arrays["x0"]
    assert worker_outcome(tmp_path, arrays, 0.0, 0.0)[1] is None


def test_a_worker_that_ends_as_its_wait_times_out_gives_its_outcome(tmp_path):
    model = hard_model()
    process = start_worker(tmp_path, highs_worker.model_arrays(model), 30.0, 0.0)
    process.wait()

    def timed_out(timeout=None):  # the worker ended just after the parent's wait gave up
        raise subprocess.TimeoutExpired(process.args, timeout)

    process.wait = timed_out
    status, *_ = finish_worker(process, model, tmp_path, 30.0, time.perf_counter())
    assert status == "Optimal"


def test_wait_or_kill_tells_a_killed_solver_from_one_that_ended_on_its_own():
    from optimize.solve import wait_or_kill

    def child(code: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code])

    assert wait_or_kill(child("import sys; sys.exit(3)"), 30.0) == 3  # a crash is no kill
    start = time.perf_counter()
    sleeper = child("import time; time.sleep(60)")
    assert wait_or_kill(sleeper, 0.5) is None and sleeper.returncode is not None
    assert time.perf_counter() - start < 10


def test_the_first_highs_of_a_process_prints_no_banner() -> None:
    """HiGHS printed "Running HiGHS 1.16.0 ... Copyright" to stdout on its first construction,
    into the middle of `reorder run`'s output; later prints still reach stdout."""
    code = (
        "from optimize.highs_worker import new_highs\n"
        "new_highs(1.0, 0.1)\n"
        "print('after', flush=True)\n"
        "new_highs(1.0, 0.1)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         check=True)  # fmt: skip
    assert out.stdout == "after\n"
    # with stdout closed (sys.stdout None, no file descriptor 1) there is nothing to silence
    closed = "import os, sys; os.close(1); sys.stdout = None\n" + code.replace(
        "print('after', flush=True)\n", ""
    )
    subprocess.run([sys.executable, "-c", closed], cwd=root, check=True, capture_output=False,
                   stderr=subprocess.PIPE)  # fmt: skip
