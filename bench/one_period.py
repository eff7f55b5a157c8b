"""First nights: forecasts on one period of order history, when no item has two.

    .venv/bin/python bench/one_period.py [--datasets carparts,raf,demo-W,demo-M] [--paths 400]

A first night is simulated at many cuts t of each panel: the history is period t alone, so
the items that sold in it have one period and the others none (a fresh deployment's one
month of orders); every item of the panel is in the items master. Scored on the items with a
period, against their demand over the next `h` periods (12 months; 13 weeks for demo-W, 3
months for demo-M, whose history is shorter): the Poisson deviance of the rate (units per
period) of each rule for an item's rate, and for `models.forecast` (the pipeline) the
lead-time WQL of the h-period totals (0.5..0.99) and their coverage at 0.9 / 0.95 / 0.99
(`bench/forecast.py`'s ltd scores), beside Poisson paths at the pipeline's rate.
Rules: own = the item's own period; median = the items' median; prior_years = weighed as in a
panel with history (10 months of periods against the median); share = the pipeline's
(`models.prior.one_period_prior`). carparts and RAF from ../shared/data; demo from the
seeded demo files (`warehouse.demo`, loaded into a temporary warehouse).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's models, not the editable install's
DATA = ROOT.parent / "shared" / "data"
FILES = {"carparts": "carparts/carparts_long.parquet", "raf": "raf/raf_long.parquet"}
LEVELS = np.array([0.5, 0.75, 0.9, 0.95, 0.99])
DEMO_AS_OF = date(2026, 11, 30)


def panel(name: str) -> tuple[pd.DataFrame, str, int]:
    """(wide demand: items x period starts, NaN before an item's first demand; freq; h)."""
    if name in FILES:
        long = pd.read_parquet(DATA / FILES[name])
        wide = long.pivot(index="unique_id", columns="ds", values="y")
        return wide[~wide.isna().any(axis=1)], "M", 12
    import warehouse
    from warehouse.demo import write_demo_data

    freq = name[-1]
    with tempfile.TemporaryDirectory() as tmp:
        write_demo_data(Path(tmp) / "data", DEMO_AS_OF, seed=7)
        with warehouse.connect(Path(tmp) / "demo.duckdb") as con:
            warehouse.load_folder(con, Path(tmp) / "data", DEMO_AS_OF)
            long = warehouse.bucket_demand(con, DEMO_AS_OF, freq)
    return long.pivot(index="unique_id", columns="ds", values="y"), freq, 13 if freq == "W" else 3


def deviance(actual: np.ndarray, rate: np.ndarray) -> float:
    """Mean Poisson deviance of `rate` against the `actual` mean demand per period."""
    rate = np.maximum(rate, 1e-9)
    ratio = np.where(actual > 0, actual / rate, 1.0)
    return float(np.mean(2 * (actual * np.log(ratio) - (actual - rate))))


def ltd(totals: np.ndarray, paths: np.ndarray) -> tuple[float, np.ndarray]:
    """(LTD-WQL over LEVELS, coverage per level) of the totals (n,) by path totals (n, P)."""
    q = np.quantile(paths, LEVELS, axis=1).T
    loss = np.abs((totals[:, None] - q) * ((totals[:, None] <= q) - LEVELS[None, :]))
    return float(np.mean(2 * loss.sum(axis=0) / totals.sum())), (totals[:, None] <= q).mean(0)


def first_nights(name: str, n_paths: int) -> dict[str, list]:
    """Scores per rule (deviance) and per law (ltd) over the cuts of one panel."""
    from models import forecast
    from models.panel import PERIODS_PER_YEAR
    from models.prepare import PRIOR_YEARS

    wide, freq, h = panel(name)
    y, ds = wide.to_numpy(dtype=float), wide.columns
    ids = wide.index.astype(str).to_numpy(dtype=object)
    step = 4 if freq == "W" else 1 if name.startswith("demo") else 3
    out: dict[str, list] = {}
    rng = np.random.default_rng(0)
    for t in range(12 if freq == "M" and not name.startswith("demo") else 0, len(ds) - h, step):
        units = np.nan_to_num(y[:, t])
        sold = units > 0
        if sold.sum() < 5:
            continue
        demand = pd.DataFrame({"unique_id": ids[sold], "ds": ds[t], "y": units[sold]})
        items = pd.DataFrame({"unique_id": ids, "category": "all"})
        fc = forecast(demand, h, freq, n_paths=n_paths, items=items)
        rows = pd.Index(fc.unique_id).get_indexer(ids[sold])
        ahead = np.nan_to_num(y[sold, t + 1 : t + 1 + h])
        actual, own = ahead.mean(axis=1), units[sold]
        median, share = np.median(own), sold.mean()
        a = PRIOR_YEARS * PERIODS_PER_YEAR[freq]
        rules = {
            "own": own,
            "median": np.full(own.size, median),
            "prior_years": (a * median + own) / (a + 1),
            "share": share * own + (1 - share) * median,
            "pipeline": fc.mean[rows, 0],
        }
        for rule, rate in rules.items():
            out.setdefault(rule, []).append(deviance(actual, rate))
        totals = ahead.sum(axis=1)
        poisson = rng.poisson(fc.mean[rows].sum(axis=1)[:, None], (rows.size, n_paths))
        out.setdefault("ltd pipeline", []).append(ltd(totals, fc.paths[rows].sum(axis=2)))
        out.setdefault("ltd poisson", []).append(ltd(totals, poisson))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="carparts,raf,demo-W,demo-M")
    parser.add_argument("--paths", type=int, default=400)
    args = parser.parse_args()
    for name in args.datasets.split(","):
        if name in FILES and not (DATA / FILES[name]).exists():
            print(f"{name}: {DATA / FILES[name]} not found, skipped")
            continue
        scores = first_nights(name, args.paths)
        cuts = len(scores["own"])
        rates = ", ".join(
            f"{k} {np.mean(v):.3g}" for k, v in scores.items() if not k.startswith("ltd")
        )
        print(f"{name} ({cuts} first nights): deviance of the rate: {rates}")
        for law in ("ltd pipeline", "ltd poisson"):
            wql = np.mean([w for w, _ in scores[law]])
            cover = np.mean([c for _, c in scores[law]], axis=0)[2:]
            covered = " / ".join(f"{c:.2f}" for c in cover)
            print(f"  {law}: ltd_wql {wql:.3f}, cov90/95/99 {covered}")


if __name__ == "__main__":
    main()
