"""Forecasts made just after a demand: bias and lead-time scores split by the last period.

    .venv/bin/python bench/after_demand.py [--datasets carparts,raf] [--models ...]
                                           [--origins 12,15,18,21] [--paths 500] [--seed 0]

Croston (1972): a level smoothed over every period (zeros included) jumps by alpha x the size
at each demand, so a forecast made right after a demand is biased high, and that is when stock
drops and a lot is ordered. At each origin (`--origins`: as `bench/forecast.py --earlier N`, the
12 months after the origin held out) every item falls in one split by its last month before
the origin: `none` (no demand), `usual` (demand up to LARGE x the median of its earlier
sizes), `large` (above that, or its first demand). Per model and split, pooled over origins
(item-origins): `n`, and per total over the next 3, 6 and 12 months `bias` = forecast mean
total / actual total, `wql` = lead-time WQL of the totals over LTD_LEVELS (as
`bench/forecast.py`'s ltd_wql) and `cov90`/`cov99` = share of item-origins with total <=
that quantile. Models: a registry name, `pipeline` (`models.forecast`, model="auto"), or a
variant of `latent` in VARIANTS. Each (dataset, model, origin) runs in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from forecast import DATA, ENV, FILES, HOLDOUT, LTD_LEVELS, load  # noqa: E402

HORIZONS = (3, 6, 12)
LARGE = 3.0  # a last demand above LARGE x the median of the item's earlier sizes is `large`
SPLITS = ("none", "usual", "large", "all")


def splits(y_train: np.ndarray) -> dict[str, np.ndarray]:
    """Item masks by the last month: no demand, usual size, large (or first) demand."""
    last = y_train[:, -1]
    earlier = np.where(y_train[:, :-1] > 0, y_train[:, :-1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # items without an earlier demand
        median = np.nan_to_num(np.nanmedian(earlier, axis=1))
    large = (last > 0) & (last > LARGE * median)
    return {
        "none": last == 0,
        "usual": (last > 0) & ~large,
        "large": large,
        "all": np.ones(len(last), dtype=bool),
    }


def sums(y_train: np.ndarray, y_test: np.ndarray, mean: np.ndarray, paths: np.ndarray) -> dict:
    """Additive sums per split and horizon: n, forecast, actual, pinball losses, covered."""
    lv = np.asarray(LTD_LEVELS)
    ranks = np.clip(np.ceil(lv * paths.shape[1] - 1e-9).astype(int) - 1, 0, paths.shape[1] - 1)
    out = {}
    for h in HORIZONS:
        actual = y_test[:, :h].sum(axis=1)
        fc = mean[:, :h].sum(axis=1)
        q = np.sort(paths[:, :, :h].sum(axis=2, dtype=np.int64), axis=1)[:, ranks]
        loss = np.abs((actual[:, None] - q) * ((actual[:, None] <= q) - lv[None]))
        for split, mask in splits(y_train).items():
            out[f"{split}/{h}"] = {
                "n": int(mask.sum()),
                "forecast": float(fc[mask].sum()),
                "actual": float(actual[mask].sum()),
                "loss": loss[mask].sum(axis=0).tolist(),
                "cov90": int((actual[mask] <= q[mask, LTD_LEVELS.index(0.9)]).sum()),
                "cov99": int((actual[mask] <= q[mask, LTD_LEVELS.index(0.99)]).sum()),
            }
    return out


def _size_level(y: np.ndarray, alpha: float) -> np.ndarray:
    """Smoothed size over demand periods only (start-up gain max(alpha, 1/c), c = demands)."""
    from models.latent import smooth

    return smooth(np.where(y > 0, y, np.nan), alpha)


def variant(model: str):
    """A LatentRate with another level: `latent-tsb` (p x size smoothed over demands),
    `latent-croston` / `latent-sba` (Croston's size / interval, updated at demands only; SBA
    times 1 - alpha / 2),
    `latent-capN` (each period's demand capped at N x the median of the earlier sizes before
    it enters the level; `latent-capN/S`: the excess over the cap smoothed on its own with
    alpha / S and added), `latent-lag` (after a demand in the last period, the level before
    it)."""
    from models.latent import LatentRate, smooth

    class Variant(LatentRate):
        def _fit(self, y: np.ndarray) -> None:
            super()._fit(y)
            if model == "latent-tsb":
                level = self.prob_ * np.nan_to_num(_size_level(y, self.alpha))
            elif model in ("latent-croston", "latent-sba"):
                from models.intermittent import _croston

                size, interval = _croston(y, self.alpha)
                factor = 1 - self.alpha / 2 if model == "latent-sba" else 1.0
                level = np.nan_to_num(factor * size / interval)
            elif model == "latent-lag":
                before = np.nan_to_num(smooth(y[:, :-1], self.alpha))
                level = np.where(y[:, -1] > 0, before, self.mean_)
            else:
                cap, _, slow = model.removeprefix("latent-cap").partition("/")
                sizes = np.where(y > 0, y, np.nan)
                capped = y.copy()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    for t in range(1, y.shape[1]):
                        median = np.nanmedian(sizes[:, :t], axis=1)
                        limit = np.where(np.isnan(median), np.inf, float(cap) * median)
                        capped[:, t] = np.minimum(y[:, t], limit)
                level = np.nan_to_num(smooth(capped, self.alpha))
                if slow:  # the excess over the cap in a level of its own, alpha / slow
                    excess = smooth(y - capped, self.alpha / float(slow))
                    level = level + np.nan_to_num(excess)
            self.mean_ = np.where(self.mean_ > 0, level, 0.0)

    return Variant()


def run_one(name: str, model: str, earlier: int, n_paths: int, seed: int) -> dict:
    import models

    train, y_train, y_test, _ids = load(name, earlier)
    if model == "pipeline":
        fc = models.forecast(train, h=HOLDOUT, freq="M", n_paths=n_paths, seed=seed).arrays()
    elif model.startswith("latent-"):
        fc = variant(model).fit(y_train).predict(HOLDOUT, n_paths, seed=seed)
    else:
        fc = models.make_forecaster(model).fit(y_train).predict(HOLDOUT, n_paths, seed=seed)
    return sums(y_train, y_test, np.asarray(fc.mean), np.asarray(fc.paths))


def pooled(parts: list[dict]) -> dict:
    """Sums over origins -> the scores per split and horizon."""
    out = {}
    for key in parts[0]:
        cells = [p[key] for p in parts]
        actual = sum(c["actual"] for c in cells)
        n = sum(c["n"] for c in cells)
        loss = np.sum([c["loss"] for c in cells], axis=0)
        out[key] = {
            "n": n,
            "bias": sum(c["forecast"] for c in cells) / actual if actual else float("nan"),
            "wql": float(np.mean(2 * loss / actual)) if actual else float("nan"),
            "cov90": sum(c["cov90"] for c in cells) / max(n, 1),
            "cov99": sum(c["cov99"] for c in cells) / max(n, 1),
        }
    return out


def print_table(name: str, origins: list[int], rows: dict[str, dict]) -> None:
    print(f"\n{name}: origins --earlier {','.join(map(str, origins))} (item-origins pooled)")
    head = f"{'model':<14}{'split':<7}{'n':>7}"
    for h in HORIZONS:
        head += "".join(f"{c + str(h):>9}" for c in ("bias", "wql", "cov90_", "cov99_"))
    print(head)
    for model, table in rows.items():
        for split in SPLITS:
            line = f"{model:<14}{split:<7}{table[f'{split}/3']['n']:>7}"
            for h in HORIZONS:
                cell = table[f"{split}/{h}"]
                line += "".join(f"{cell[c]:>9.3f}" for c in ("bias", "wql", "cov90", "cov99"))
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="carparts,raf")
    parser.add_argument(
        "--models", default="pipeline,latent,tsb,latent-tsb,latent-lag,latent-cap3/4"
    )
    parser.add_argument(
        "--origins", default="12,15,18,21", help="--earlier values of bench/forecast.py"
    )
    parser.add_argument("--paths", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--one", nargs=3, metavar=("DATASET", "MODEL", "EARLIER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        name, model, earlier = args.one
        print(json.dumps(run_one(name, model, int(earlier), args.paths, args.seed)))
        return
    origins = [int(o) for o in args.origins.split(",")]
    for name in args.datasets.split(","):
        if not (DATA / FILES[name]).exists():
            print(f"\n{name}: not found, skipped")
            continue
        rows = {}
        for model in args.models.split(","):
            parts = []
            for earlier in origins:
                cmd = [sys.executable, __file__, "--one", name, model, str(earlier),
                       "--paths", str(args.paths), "--seed", str(args.seed)]  # fmt: skip
                out = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
                if out.returncode:
                    raise SystemExit(f"{name} {model} {earlier} failed:\n{out.stderr}")
                parts.append(json.loads(out.stdout.strip().splitlines()[-1]))
            rows[model] = pooled(parts)
        print_table(name, origins, rows)
        print(json.dumps({"dataset": name, "origins": origins, "rows": rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
