"""Bias correction by lifecycle stage: what the backtest says the chosen models miss.

The items of one lifecycle stage (items master) share a direction that each item's history
alone does not show: phase_out parts decline, ramp_up parts grow. Every model extrapolates
an item's recent level, so it lags behind both. Per stage, the backtest gives at each origin
the ratio of the demand that came to the chosen models' mean forecast, both summed over the
stage's scored items (units / units). The correction is the ratio closest to 1 over the
origins when every origin points the same way (1 otherwise: a bias that flips sign between
origins is noise), shrunk toward 1 with the weight m / (m + SHRINK_ITEMS) for m scored items
and kept within [1 / MAX_FACTOR, MAX_FACTOR]; a factor within 1 +- MIN_EFFECT is dropped.

`rescale_paths` applies it to one item's paths with the item's own Generator: each unit kept
with probability f (f < 1: binomial thinning, fewer and smaller demands) or each value times
f, stochastically rounded (f > 1), so the mean is exactly f times and paths stay
non-negative integers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.sampling import stochastic_round
from models.select import Backtest

MIN_ITEMS = 10  # scored items of a stage at an origin, fewer: no ratio at that origin
SHRINK_ITEMS = 20
MAX_FACTOR = 4.0
MIN_EFFECT = 0.05  # factors within 1 +- this are left out: not worth moving every item for


def _agreeing(log_ratios: np.ndarray) -> float:
    """The log ratio closest to 0 if all share one sign, else 0 (no consistent bias)."""
    if log_ratios.size == 0 or not ((log_ratios > 0).all() or (log_ratios < 0).all()):
        return 0.0
    return float(log_ratios[np.argmin(np.abs(log_ratios))])


def stage_corrections(bt: Backtest, chosen: np.ndarray, stages: np.ndarray) -> dict[str, float]:
    """Per lifecycle stage (module docstring): the factor on its items' demand; stages not
    given (None, NaN) and stages without a consistent bias are left out (factor 1).
    chosen: each item's selected candidate label; stages: each item's stage (same rows as
    the backtest)."""
    forecast = np.full(bt.actual_total.shape, np.nan)
    for label in dict.fromkeys(chosen.tolist()):
        rows = chosen == label
        forecast[rows] = bt.forecast_total[label][rows]
    known = pd.Series(stages, dtype=object).notna().to_numpy()
    out: dict[str, float] = {}
    for stage in sorted({str(s) for s in stages[known]}):
        members = known & (stages.astype(str) == stage) & bt.scored
        scored = ~np.isnan(bt.actual_total[members])  # (m, origins)
        logs = []
        for j in range(scored.shape[1]):
            if scored[:, j].sum() < MIN_ITEMS:
                continue
            actual = bt.actual_total[members, j][scored[:, j]].sum()
            expected = forecast[members, j][scored[:, j]].sum()
            if expected > 0:
                ratio = np.clip(actual / expected, 1 / MAX_FACTOR, MAX_FACTOR)
                logs.append(np.log(ratio))
        m = int(members.sum())
        factor = float(np.exp(_agreeing(np.asarray(logs)) * m / (m + SHRINK_ITEMS)))
        if abs(factor - 1.0) > MIN_EFFECT:
            out[stage] = factor
    return out


def rescale_paths(paths: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """int32 paths with factor x the mean (module docstring); factor > 0."""
    if factor == 1.0:
        return paths.astype(np.int32)
    if factor < 1.0:
        return rng.binomial(paths, factor).astype(np.int32)
    return stochastic_round(paths * factor, rng)
