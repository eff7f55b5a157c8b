"""Forecast benchmark on real intermittent demand: carparts and RAF, last 12 months held out.

    .venv/bin/python bench/forecast.py [--paths 1000] [--reference] [--datasets carparts,raf]
                                       [--models ...] [--seed 0] [--earlier 12] [--windows]

Per model (and `pipeline` = what `models.forecast` uses, model="auto"): MASE (seasonality 12),
RMSSE (seasonality 1), WQL (0.1..0.9), cov80/cov95 (randomized-PIT coverage of the central
interval: calibration without the over-coverage of ties at zero), icov80/icov95 (plain interval
coverage, ends included), the lead-time scores of the 12-month totals (ltd_wql over 0.5..0.99,
ltd_cov90/95/99 = share of items with total <= that quantile; ltd_zero = share of items that
sold nothing in the held-out year, which every quantile covers, and ltd_cov90_sold = ltd_cov90
among the items that sold), wall seconds (fit + predict)
and peak MB (max RSS of the process that ran only that model). Each model runs in a fresh
process. `--reference` runs statsforecast in bench/.venv-ref (created on demand, never a
project dependency). The last two lines are JSON, carparts then raf, for the pipeline.
`--windows` adds, per model, the calibration of the demand summed over the order decision's
windows (held-out months [a, a + k), a in 0, 2, 5 and k in 1, 3) for sparse items (demand in
fewer than 10% of the training months) and the others (`window_rows`).
Data: ../shared/data (relative to the repository); a missing dataset is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# import this checkout's models, not those of the editable install the venv may point at
# elsewhere (a clone's bench measured the main checkout's code)
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
FILES = {"carparts": "carparts/carparts_long.parquet", "raf": "raf/raf_long.parquet"}
HOLDOUT = 12
MODELS = ("croston", "sba", "tsb", "empirical", "adida", "ets", "latent", "global", "blend",
          "pipeline")  # fmt: skip
LTD_LEVELS = (0.5, 0.75, 0.9, 0.95, 0.99)
# order windows: months [a, a + k) of the held-out year, the demand between a lot's arrival
# (lead_time a) and the next arrival (review_period k) that the order decision lives on
WINDOW_STARTS = (0, 2, 5)
WINDOW_LENGTHS = (1, 3)
WINDOW_LEVELS = (0.5, 0.9, 0.95, 0.99)
SPARSE = 0.1  # an item is sparse with demand in fewer than this share of its training months
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def load(name: str, earlier: int = 0):
    """(train long frame, y_train (n, T), y_test (n, 12), ids): complete series only; with
    `earlier`, the last `earlier` months are dropped first (the held-out months end there)."""
    import pandas as pd

    long = pd.read_parquet(DATA / FILES[name])
    wide = long.pivot(index="unique_id", columns="ds", values="y")
    wide = wide[~wide.isna().any(axis=1)]
    wide = wide.iloc[:, : wide.shape[1] - earlier]
    y = wide.to_numpy(dtype=float)
    ds = wide.columns[:-HOLDOUT]
    train = wide.iloc[:, :-HOLDOUT].stack().rename("y").reset_index()
    train.columns = ["unique_id", "ds", "y"]
    assert len(ds) == y.shape[1] - HOLDOUT
    return train, y[:, :-HOLDOUT], y[:, -HOLDOUT:], wide.index.to_numpy(dtype=object)


def ltd_scores(y_test: np.ndarray, total_q: np.ndarray) -> dict[str, float]:
    """Lead-time WQL and coverage of the 12-month totals; total_q (n, len(LTD_LEVELS))."""
    total = y_test.sum(axis=1)
    lv = np.asarray(LTD_LEVELS)
    loss = np.abs((total[:, None] - total_q) * ((total[:, None] <= total_q) - lv[None]))
    out = {"ltd_wql": float(np.mean(2 * loss.sum(axis=0) / np.abs(total).sum()))}
    for level, name in ((0.9, "ltd_cov90"), (0.95, "ltd_cov95"), (0.99, "ltd_cov99")):
        out[name] = float((total <= total_q[:, LTD_LEVELS.index(level)]).mean())
    # any quantile >= 0 covers an item that sold nothing: coverage among the items that sold
    sold = total > 0
    out["ltd_zero"] = float((~sold).mean())
    out["ltd_cov90_sold"] = float((total[sold] <= total_q[sold, LTD_LEVELS.index(0.9)]).mean())
    return out


def _ranks(levels: np.ndarray, n_paths: int) -> np.ndarray:
    """Index of each level's quantile in sorted paths (as models.base.path_quantiles)."""
    return np.clip(np.ceil(levels * n_paths - 1e-9).astype(np.int64) - 1, 0, n_paths - 1)


def window_rows(y_train: np.ndarray, y_test: np.ndarray, fc, seed: int = 0) -> list[dict]:
    """Calibration of the demand summed over each order window, per item group.

    Per window and group (sparse / other / all): `cov*` = share of items with window sum <= the
    paths' quantile of it, `pit*` = share with randomized PIT <= the level (ties at the sum
    spread uniformly, so a calibrated count forecast gives the level itself), `wql` over
    WINDOW_LEVELS and `pin*` per level (2 x pinball / sum of actuals), `bias` = forecast mean /
    actual, `short*` = units short beyond the level's quantile that came / the paths' expected
    units short beyond it (what a fill rate is computed from; < 1: the paths' tail beyond the
    quantile is heavier than what came), `need*` = the level whose quantile would have covered
    the level (the level's quantile of the PIT; below the level: the upper tail is too heavy),
    `units*` = the level's quantiles summed over the group's items / the units that came.
    """
    occurrence = (y_train > 0).mean(axis=1)
    groups = {"sparse": occurrence < SPARSE, "other": occurrence >= SPARSE}
    groups["all"] = np.ones(len(y_train), dtype=bool)
    lv = np.asarray(WINDOW_LEVELS)
    rng = np.random.default_rng(seed)
    rows = []
    for a in WINDOW_STARTS:
        for k in WINDOW_LENGTHS:
            paths = fc.paths[:, :, a : a + k].sum(axis=2, dtype=np.int64)  # (n, n_paths)
            actual = y_test[:, a : a + k].sum(axis=1)
            mean = fc.mean[:, a : a + k].sum(axis=1)
            ordered = np.sort(paths, axis=1)
            q = ordered[:, _ranks(lv, paths.shape[1])]
            below = (paths < actual[:, None]).mean(axis=1)
            at_or_below = (paths <= actual[:, None]).mean(axis=1)
            u = below + rng.random(len(actual)) * (at_or_below - below)
            for group, mask in groups.items():
                y, qq = actual[mask], q[mask]
                loss = np.abs((y[:, None] - qq) * ((y[:, None] <= qq) - lv[None]))
                pin = 2 * loss.sum(axis=0) / max(y.sum(), 1e-9)
                row = {"window": f"{a}+{k}", "group": group, "n": int(mask.sum()),
                       "sold": float((y > 0).mean()), "bias": float(mean[mask].sum() / y.sum()),
                       "wql": float(pin.mean())}  # fmt: skip
                for j, level in enumerate(WINDOW_LEVELS):
                    tag = f"{round(level * 100)}"
                    row["cov" + tag] = float((y <= qq[:, j]).mean())
                    row["pit" + tag] = float((u[mask] <= level).mean())
                    row["pin" + tag] = float(pin[j])
                    expected = np.maximum(paths[mask] - qq[:, j : j + 1], 0).mean(axis=1).sum()
                    row["short" + tag] = float(np.maximum(y - qq[:, j], 0).sum() / expected)
                    row["units" + tag] = float(qq[:, j].sum() / y.sum())
                    if level >= 0.9:
                        row["need" + tag] = float(np.quantile(u[mask], level))
                rows.append(row)
    return rows


def scores(y_train: np.ndarray, y_test: np.ndarray, fc) -> dict[str, float]:
    import models

    out = {
        "mase": models.mase(y_test, fc, y_train, seasonality=12),
        "rmsse": models.rmsse(y_test, fc, y_train),
        "wql": models.wql(y_test, fc),
    }
    u = models.randomized_pit(y_test, fc, seed=0)
    for level, key in ((0.8, "cov80"), (0.95, "cov95")):
        out[key] = float(((u > (1 - level) / 2) & (u < (1 + level) / 2)).mean())
        out["i" + key] = models.coverage(y_test, fc, level=level)
    out.update(ltd_scores(y_test, fc.total_quantiles(LTD_LEVELS)))
    return out


def run_one(
    name: str, model: str, n_paths: int, seed: int = 0, earlier: int = 0, windows: bool = False
) -> dict:
    """Fit + predict one model on one dataset in this process; metrics and resources."""
    import pandas as pd

    import models

    train, y_train, y_test, ids = load(name, earlier)
    start = time.perf_counter()
    extra = {}
    if model == "pipeline":
        fc = models.forecast(train, h=HOLDOUT, freq="M", n_paths=n_paths, seed=seed)
        assert list(fc.unique_id) == list(ids)
        extra["chosen"] = pd.Series(fc.model).value_counts().head(4).to_dict()
        fc = fc.arrays()
    else:
        fc = models.make_forecaster(model).fit(y_train).predict(HOLDOUT, n_paths, seed=seed)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if windows:
        extra["windows"] = window_rows(y_train, y_test, fc, seed)
    return {"model": model, **scores(y_train, y_test, fc), "seconds": seconds, "peak_mb": peak,
            **extra}  # fmt: skip


COLUMNS = ("mase", "rmsse", "wql", "cov80", "cov95", "icov80", "icov95", "ltd_wql",
           "ltd_cov90", "ltd_cov95", "ltd_cov99", "ltd_zero", "ltd_cov90_sold", "seconds",
           "peak_mb")  # fmt: skip


def print_table(name: str, rows: list[dict], earlier: int = 0) -> None:
    before = f", the {earlier} after them left out" if earlier else ""
    print(f"\n{name}: last {HOLDOUT} months held out{before}")
    width = {c: max(10, len(c) + 1) for c in COLUMNS}
    print(f"{'model':<20}" + "".join(f"{c:>{width[c]}}" for c in COLUMNS))
    for row in rows:
        cells = "".join(
            f"{row[c]:>{width[c]}.3f}" if isinstance(row.get(c), float) else f"{'n/a':>{width[c]}}"
            for c in COLUMNS
        )
        print(f"{row['model']:<20}{cells}")


WINDOW_COLUMNS = ("n", "sold", "bias", "cov50", "cov90", "cov95", "cov99", "pit50", "pit90",
                  "pit95", "pit99", "wql", "pin50", "pin90", "pin95", "pin99", "short50",
                  "short90", "short99", "need90", "need99", "units90", "units99")  # fmt: skip


def print_windows(name: str, row: dict) -> None:
    """The order-window rows of one model (window = a+k: months [a, a + k) held out)."""
    print(f"\n{name}, {row['model']}: sums over order windows (a+k = held-out months [a, a+k))")
    print(f"{'window':<8}{'group':<8}" + "".join(f"{c:>8}" for c in WINDOW_COLUMNS))
    for w in row["windows"]:
        cells = "".join(
            f"{w[c]:>8d}" if isinstance(w[c], int) else f"{w[c]:>8.3f}" for c in WINDOW_COLUMNS
        )
        print(f"{w['window']:<8}{w['group']:<8}{cells}")


def reference(name: str) -> list[dict]:
    """statsforecast rows, run in bench/.venv-ref (created with pip on first use)."""
    venv = ROOT / "bench" / ".venv-ref"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "statsforecast", "pandas<3", "pyarrow"]
        subprocess.run(pip, check=True)
    script = ROOT / "bench" / "_forecast_ref.py"
    out = subprocess.run(
        [str(python), str(script), str(DATA / FILES[name]), str(HOLDOUT)],
        check=True, capture_output=True, text=True, env=ENV,
    )  # fmt: skip
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--datasets", default="carparts,raf")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--seed", type=int, default=0, help="seed of paths and backtest")
    parser.add_argument(
        "--earlier",
        type=int,
        default=0,
        help="hold out the 12 months before the last N (12: the training-year split, on which "
        "ideas are tuned before the held-out year is scored)",
    )
    parser.add_argument(
        "--windows",
        action="store_true",
        help="also score the sums over the order windows (months [a, a + k), a in 0, 2, 5, "
        "k in 1, 3) per item group",
    )
    parser.add_argument("--one", nargs=2, metavar=("DATASET", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.earlier < 0 or (args.earlier and args.reference):
        parser.error("--earlier takes N >= 0 and runs without --reference")
    if args.one:
        print(json.dumps(run_one(*args.one, args.paths, args.seed, args.earlier, args.windows)))
        return
    summary = []
    for name in args.datasets.split(","):
        if not (DATA / FILES[name]).exists():
            print(f"\n{name}: {DATA / FILES[name]} not found, skipped")
            continue
        rows = []
        for model in args.models.split(","):
            cmd = [sys.executable, __file__, "--one", name, model, "--paths", str(args.paths),
                   "--seed", str(args.seed), "--earlier", str(args.earlier)]  # fmt: skip
            cmd += ["--windows"] if args.windows else []
            out = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
            if out.returncode:
                raise SystemExit(f"{name} {model} failed:\n{out.stderr}")
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        ref = reference(name) if args.reference else []
        print_table(name, rows + ref, args.earlier)
        for row in rows if args.windows else []:
            print_windows(name, row)
        pipe = next((r for r in rows if r["model"] == "pipeline"), None)
        if pipe:
            print(f"pipeline chose (top groups): {pipe.get('chosen')}")
            if ref:
                sf = sum(r["seconds"] for r in ref)
                print(f"time ratio pipeline / statsforecast (5 models): {pipe['seconds'] / sf:.2f}")
            keys = ("mase", "rmsse", "wql", "cov80", "cov95", "ltd_wql", "ltd_cov90",
                    "ltd_cov95", "ltd_cov99", "seconds", "peak_mb")  # fmt: skip
            split = {"earlier": args.earlier} if args.earlier else {}
            summary.append({"dataset": name, **split, **{k: round(pipe[k], 4) for k in keys}})
    print()
    for line in summary:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
