"""statsforecast reference for bench/forecast.py; runs in bench/.venv-ref (pandas < 3).

    bench/.venv-ref/bin/python bench/_forecast_ref.py DATA.parquet HOLDOUT

Prints one JSON line per model with the same metrics as bench/forecast.py where they can be
computed from intervals: quantile q of level L interval = lo/hi-(100 L); the median = mean.
No sample paths, so no lead-time (ltd_*) scores and no randomized PIT: cov80/cov95 are the
plain interval coverage.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import ADIDA, IMAPA, TSB, CrostonSBA, SimpleExponentialSmoothingOptimized
from statsforecast.utils import ConformalIntervals

path, holdout = sys.argv[1], int(sys.argv[2])
long = pd.read_parquet(path)
wide = long.pivot(index="unique_id", columns="ds", values="y")
wide = wide[~wide.isna().any(axis=1)]
y = wide.to_numpy(float)
y_train, y_test = y[:, :-holdout], y[:, -holdout:]
train = wide.iloc[:, :-holdout].stack().rename("y").reset_index()
train.columns = ["unique_id", "ds", "y"]
ci = ConformalIntervals(h=holdout, n_windows=2)
models = {
    "sf_ADIDA": ADIDA(prediction_intervals=ci),
    "sf_IMAPA": IMAPA(prediction_intervals=ci),
    "sf_TSB": TSB(alpha_d=0.1, alpha_p=0.1, prediction_intervals=ci),
    "sf_CrostonSBA": CrostonSBA(prediction_intervals=ci),
    "sf_SESOpt": SimpleExponentialSmoothingOptimized(prediction_intervals=ci),
}
levels = [20, 40, 60, 80, 95]


def scale(power, m):
    d = np.abs(y_train[:, m:] - y_train[:, :-m]) ** power
    return d.mean(axis=1)


for label, model in models.items():
    alias = type(model).__name__ if label != "sf_SESOpt" else "SESOpt"
    model.alias = alias
    sf = StatsForecast(models=[model], freq="MS", n_jobs=1)
    start = time.perf_counter()
    fc = sf.forecast(df=train, h=holdout, level=levels)
    seconds = time.perf_counter() - start
    fc = fc.set_index("unique_id").loc[wide.index]

    def get(col, fc=fc):
        return fc[col].to_numpy().reshape(-1, holdout)

    mean = get(alias)
    q = {0.5: mean}
    for lv in (20, 40, 60, 80):
        lo = round((1 - lv / 100) / 2, 2)
        q[lo], q[round(1 - lo, 2)] = get(f"{alias}-lo-{lv}"), get(f"{alias}-hi-{lv}")
    ql = sorted(q)
    loss = [np.abs((y_test - q[a]) * ((y_test <= q[a]) - a)).sum() for a in ql]
    wql = float(np.mean(2 * np.asarray(loss) / np.abs(y_test).sum()))
    s1, s2 = scale(1, 12), scale(2, 1)
    ok1, ok2 = s1 > 0, s2 > 0
    row = {
        "model": label,
        "mase": float(np.mean(np.abs(y_test - mean).mean(axis=1)[ok1] / s1[ok1])),
        "rmsse": float(np.mean(np.sqrt(((y_test - mean) ** 2).mean(axis=1)[ok2] / s2[ok2]))),
        "wql": wql,
        **{
            f"icov{lv}": float(
                ((get(f"{alias}-lo-{lv}") <= y_test) & (y_test <= get(f"{alias}-hi-{lv}"))).mean()
            )
            for lv in (80, 95)
        },
        "seconds": seconds,
    }
    print(json.dumps(row), flush=True)
