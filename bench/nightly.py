"""Benchmark of the whole nightly flow (not a test): demo data sets of growing size, end to end.

Each size runs in its own process: seeded demo files (`warehouse.demo.write_demo_data`, in a
child process of its own: generating 2.7 million order lines peaks at 2.3 GB, which is not
the flow's) in a temporary folder, then `flows.nightly.nightly` on a new DuckDB file
(Prefect starts its temporary local API, as `reorder run` does). Stage seconds come from the
run's own `stage_seconds`; `other_s` is the rest of the flow's wall time (Prefect's temporary API
starting, the HTML report, artifacts, the accuracy summary); peak MB is the
process's max RSS; `db_mb` the DuckDB file after the run; `rows` the rows the run published
(demand, forecasts, cumulative_forecasts, forecast_models, recommendations).

    .venv/bin/python bench/nightly.py                       # 300, 1,000, 3,000 items
    .venv/bin/python bench/nightly.py --sizes 300 --scenarios 200 --horizon 13

`--scenarios` left out: the flow's default (600,000 / items, within 200..2,000).

The last line is the JSON of the largest size.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# import this checkout's packages, not those of the editable install the venv may point at
# elsewhere (a clone's bench measured the main checkout's models), nor bench/optimize.py for
# the package `optimize`
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.path.dirname(_HERE), *(p for p in sys.path if os.path.abspath(p or ".") != _HERE)]

AS_OF = date(2026, 11, 21)
PUBLISHED = ("demand", "forecasts", "cumulative_forecasts", "forecast_models", "recommendations")
STAGES = ("load", "demand", "forecast", "optimize", "publish")


def _generate(data: Path, n_items: int) -> int:
    """Write the seeded demo files of `n_items` items to `data`; the order lines written."""
    from warehouse.demo import write_demo_data

    return write_demo_data(data, AS_OF, seed=7, n_items=n_items).order_lines


def run_case(n_items: int, scenarios: int | None, horizon: int) -> dict:
    """One nightly run on `n_items` demo items; its timings, memory and output sizes."""
    import warehouse
    from flows.nightly import nightly

    with tempfile.TemporaryDirectory() as folder:
        data, db = Path(folder) / "data", Path(folder) / "reorder.duckdb"
        start = time.perf_counter()
        with concurrent.futures.ProcessPoolExecutor(1) as pool:
            order_lines = pool.submit(_generate, data, n_items).result()
        generate_s = time.perf_counter() - start
        start = time.perf_counter()
        summary = nightly(
            as_of=AS_OF, data_dir=str(data), db_path=str(db), horizon=horizon, scenarios=scenarios
        )
        flow_s = time.perf_counter() - start
        with warehouse.connect(db, read_only=True) as con:
            stages = json.loads(warehouse.run_history(con, 1)["stage_seconds"].item())
            counts = warehouse.table_counts(con)
        rows = sum(counts[t] for t in PUBLISHED)
        db_mb = db.stat().st_size / 2**20
    return {
        "items": n_items,
        "order_lines": order_lines,
        "generate_s": round(generate_s, 1),
        **{f"{s}_s": round(stages.get(s, float("nan")), 1) for s in STAGES},
        "other_s": round(flow_s - sum(stages.values()), 1),
        "flow_s": round(flow_s, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "db_mb": round(db_mb, 1),
        "rows": rows,
        "scenarios": summary["scenarios"],
        "lots": summary["lots"],
        "optimal": summary["optimal"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--scenarios", type=int, help="per item (default: the flow's)")
    parser.add_argument("--horizon", type=int, default=13)
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.scenarios, args.horizon)))
        return
    rows = []
    for n in args.sizes:
        command = [sys.executable, __file__, "--case", str(n), "--horizon", str(args.horizon)]
        command += ["--scenarios", str(args.scenarios)] if args.scenarios else []
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        _print_row(rows[-1], header=len(rows) == 1)
    print(json.dumps(rows[-1]))


def _print_row(row: dict, header: bool) -> None:
    cols = ("items", "order_lines", *(f"{s}_s" for s in STAGES), "other_s", "flow_s",
            "peak_mb", "db_mb", "rows", "scenarios", "lots")  # fmt: skip
    if header:
        print(" | ".join(f"{c:>11}" for c in cols))
    print(" | ".join(f"{row[c]!s:>11}" for c in cols), flush=True)


if __name__ == "__main__":
    main()
