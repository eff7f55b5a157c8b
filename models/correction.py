"""Bias correction by lifecycle stage: what the backtest says the chosen models miss.

The items of one lifecycle stage (items master) share a direction that each item's history
alone does not show: phase_out parts decline, ramp_up parts grow. Every model extrapolates
an item's recent level, so it lags behind both. Per stage, the backtest gives at each origin
the ratio of the demand that came to the chosen models' mean forecast, both summed over the
stage's scored items (units / units). The correction is the ratio closest to 1 over the
origins when every origin points the same way (1 otherwise: a bias that flips sign between
origins is noise), shrunk toward 1 by how precisely the items measure it: its log b times
b^2 / (b^2 + v), where v is the sampling variance of a stage's log ratio at one origin (delta
method of a ratio estimate: the items' residuals around the pooled ratio, Σ(actual - r *
forecast)^2 / (r * Σ forecast)^2 * m / (m - 1) for m items), averaged over the origins. That
weight minimizes the expected squared error of the shrunk log factor when the bias is about
b and its estimate has variance v: a stage whose items agree keeps nearly the whole ratio, a
stage of few items or items that scatter widely is pulled toward 1. Kept within
[1 / MAX_FACTOR, MAX_FACTOR]; a factor within 1 +- MIN_EFFECT is dropped.

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
MAX_FACTOR = 4.0
MIN_EFFECT = 0.05  # factors within 1 +- this are left out: not worth moving every item for


def _agreeing(log_ratios: np.ndarray) -> float:
    """The log ratio closest to 0 if all share one sign, else 0 (no consistent bias)."""
    if log_ratios.size == 0 or not ((log_ratios > 0).all() or (log_ratios < 0).all()):
        return 0.0
    return float(log_ratios[np.argmin(np.abs(log_ratios))])


def _log_ratio(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """log(Σ actual / Σ expected), the ratio within [1 / MAX_FACTOR, MAX_FACTOR], and its
    sampling variance over the items (module docstring); actual, expected: units per item
    (at least 2 items, Σ expected > 0)."""
    ratio = float(np.clip(actual.sum() / expected.sum(), 1 / MAX_FACTOR, MAX_FACTOR))
    m = actual.size
    residual = actual - ratio * expected
    variance = (residual**2).sum() / (ratio * expected.sum()) ** 2 * m / (m - 1)
    return float(np.log(ratio)), float(variance)


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
        logs, variances = [], []
        for j in range(scored.shape[1]):
            if scored[:, j].sum() < MIN_ITEMS:
                continue
            actual = bt.actual_total[members, j][scored[:, j]]
            expected = forecast[members, j][scored[:, j]]
            if expected.sum() > 0:
                log_ratio, variance = _log_ratio(actual, expected)
                logs.append(log_ratio)
                variances.append(variance)
        bias = _agreeing(np.asarray(logs))
        weight = bias**2 / (bias**2 + np.mean(variances)) if bias != 0.0 else 0.0
        factor = float(np.exp(bias * weight))
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
