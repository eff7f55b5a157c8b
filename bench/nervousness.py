"""How much the lots move from night to night (plan nervousness), and what keeping them costs.

The seeded demo files of night `--end` (`warehouse.demo.write_demo_data`, seed 7) in a
temporary folder, then per keep margin a new DuckDB file on which `flows.nightly.nightly` plans
every night from `--start` to `--end` in order, from the same files (as `reorder run --as-of`
does: each night uses the latest earlier night's models and lots). Per night: the lot changes
since the night before by kind (`warehouse.lot_changes`), the plan's expected cost (`objective`
of the run, currency, without the keep credits), the lots kept over a cheaper one
(`explanation.kept`) and what they cost more in expectation (`kept_cost`, currency). The keep
margin is the run parameter `keep_margin` (0: no lot kept; at most 0.05).

    .venv/bin/python bench/nervousness.py                          # margins 0 and the default
    .venv/bin/python bench/nervousness.py --keep-margins 0 0.001 0.002 0.005 --items 300

Figures in bench/README.md ("Plan nervousness").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# import this checkout's packages, not those of the editable install the venv may point at
# elsewhere, nor bench/optimize.py for the package `optimize`
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.path.dirname(_HERE), *(p for p in sys.path if os.path.abspath(p or ".") != _HERE)]

KINDS = ("new", "dropped", "more", "fewer", "other supplier")


def nights(start: date, end: date) -> list[date]:
    """Every night from start to end, in order."""
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def plan_nights(data: Path, db: Path, margin: float, start: date, end: date) -> list[dict]:
    """Plan the nights in order on a new warehouse `db` with keep margin `margin`; one row
    per night."""
    import warehouse
    from flows.nightly import nightly

    rows = []
    for night in nights(start, end):
        nightly(as_of=night, data_dir=str(data), db_path=str(db), reports_dir=str(db.parent),
                keep_margin=margin)  # fmt: skip
        with warehouse.connect(db, read_only=True) as con:
            run_id, run_key, _ = warehouse.night_run(con, night)
            history = warehouse.run_history(con, 1)
            changes = warehouse.lot_changes(con, run_key)
            lots = warehouse.run_recommendations(con, run_id)
        objective = float(history["objective"].iloc[0])
        kept = [k for k in (json.loads(e).get("kept") for e in lots["explanation"]) if k]
        kept = (len(kept), sum(k["expected_cost_difference"] for k in kept))
        counts = changes.counts if changes is not None and changes.previous_night else {}
        row = {"margin": margin, "night": night.isoformat(), **{k: counts.get(k) for k in KINDS}}
        row["changed"] = sum(counts.get(k, 0) for k in KINDS) if counts else None
        row["unchanged"] = counts.get("unchanged")
        row |= {"objective": round(objective, 2), "kept": kept[0], "kept_cost": round(kept[1], 2)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    """The rows as a markdown table."""
    cols = ["margin", "night", *KINDS, "changed", "unchanged", "objective", "kept", "kept_cost"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        cells = ["-" if row[c] is None else f"{row[c]:,}" if c == "objective" else str(row[c])
                 for c in cols]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 12, 6))
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--keep-margins", type=float, nargs="+", default=None)
    args = parser.parse_args()
    from optimize.plan import KEEP_LOT_MARGIN
    from warehouse.demo import write_demo_data

    margins = args.keep_margins if args.keep_margins is not None else [0.0, KEEP_LOT_MARGIN]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        write_demo_data(data, args.end, seed=7, n_items=args.items)
        for margin in margins:
            rows += plan_nights(data, Path(folder) / f"m{margin}" / "reorder.duckdb", margin,
                                args.start, args.end)  # fmt: skip
    print(table(rows))


if __name__ == "__main__":
    main()
